"""Read plans back: :func:`read_plan` (unit code -> region) and :func:`read_run` (how it was made).

Reads the exports of :func:`rato_opt.workflow.export.export_plan` (CSV, Excel,
GeoPackage, GeoJSON, with the run record beside or inside them), or any table with a
unit code and a region column.

Examples
--------
>>> import tempfile, pathlib
>>> f = pathlib.Path(tempfile.mkdtemp()) / "plan.csv"
>>> _ = f.write_text("gemeentecode;regio\\nGM0363;R01\\nGM0014;R02\\n")
>>> read_plan(f).to_dict()
{'GM0014': 'R02', 'GM0363': 'R01'}
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ..exceptions import ColumnError, DataNotFoundError, InputError, RatoOptError, UnitCodeError
from .run_records import run_from_rows

__all__ = ["read_plan", "read_run", "PLAN_FILE_HINT"]

#: Column names taken as the unit code column of a plan file (case-insensitive).
CODE_COLUMNS = ("code", "unit", "unit_code", "gemeentecode", "statcode")
#: Column names taken as the region column of a plan file (case-insensitive).
REGION_COLUMNS = ("region", "region_id", "regio")
#: What a plan file holds and how to make one, for error messages.
PLAN_FILE_HINT = (
    "expected a table with a unit code column (" + "/".join(CODE_COLUMNS) + ", else the "
    "first column) and a region column (" + "/".join(REGION_COLUMNS) + ", else the second), "
    "one row per unit, such as plan_units.csv written by `rato-opt run SCENARIO.toml --out DIR` "
    "or by rato_opt.export_plan"
)


def pick_column(columns: Sequence[str], wanted: str | None, candidates: Sequence[str], what: str,
                fallback: int, path: str | os.PathLike[str],
                all_columns: Sequence[str] | None = None) -> str:
    """The column of a plan table holding ``what`` (``"code"`` or ``"region"``).

    ``wanted`` when given (it must exist), else the first of ``candidates`` present
    (case-insensitive), else the column at position ``fallback``.

    Raises
    ------
    ColumnError
        No such column; the message names the file ``path`` and its columns.

    Examples
    --------
    >>> pick_column(["Gemeentecode", "regio"], None, CODE_COLUMNS, "code", 0, "plan.csv")
    'Gemeentecode'
    """
    cols = list(columns)
    shown = [str(c) for c in (cols if all_columns is None else all_columns)]
    if wanted is not None:
        if wanted not in cols:
            raise ColumnError(f"{what} column {wanted!r} not in {path}; columns are {shown}")
        return wanted
    lower = {c.lower(): c for c in cols}
    for c in candidates:
        if c in lower:
            return lower[c]
    if len(cols) > fallback:
        return cols[fallback]
    raise ColumnError(
        f"cannot find the {what} column in plan file {path}: its columns are {shown}; "
        f"{PLAN_FILE_HINT} (or pass {what}=<column> to read_plan)"
    )


def read_plan(
    path: str | os.PathLike[str],
    *,
    code: str | None = None,
    region: str | None = None,
    layer: str | None = None,
) -> pd.Series:
    """Read a plan (unit code -> region id) from a CSV, Excel, GeoPackage or GeoJSON file.

    Parameters
    ----------
    path : path-like
        An export of :func:`export_plan` (``*_units.csv``, ``.xlsx``, ``.gpkg``,
        ``*_units.geojson``), or any table with a unit code and a region column.
    code, region : str, optional
        Column names; by default ``code``/``unit``/``gemeentecode`` (else the
        first column) and ``region`` (else the second column).
    layer : str, optional
        Layer of a GeoPackage (default ``"units"`` when present) or sheet of an
        Excel file (default ``"units"`` when present).

    Returns
    -------
    Series
        Named ``"region"``, indexed by unit code (str), sorted by code. For an
        export of a solved plan, ``series.attrs["run"]`` holds its run record (see
        :func:`read_run`).

    Raises
    ------
    DataNotFoundError
        The file does not exist.
    ColumnError, UnitCodeError
        Columns not found, or a unit listed twice with different regions.
    """
    p = Path(path)
    if not p.is_file():
        raise DataNotFoundError(f"plan file not found: {p}")
    try:
        table = read_plan_table(p, layer)
    except RatoOptError:
        raise
    except (ValueError, OSError, csv.Error, KeyError, AttributeError, TypeError) as err:
        raise InputError(
            f"plan file {p} cannot be read as a table ({type(err).__name__}: {err}); "
            f"{PLAN_FILE_HINT}"
        ) from err
    if table.empty or len(table.columns) == 0:
        raise InputError(f"plan file {p} holds no rows (columns found: {list(table.columns)}); "
                         f"{PLAN_FILE_HINT}")
    code_col = pick_column(table.columns, code, CODE_COLUMNS, "code", 0, p)
    region_col = pick_column(
        [c for c in table.columns if c != code_col], region, REGION_COLUMNS, "region", 0, p,
        all_columns=table.columns,
    )
    codes = table[code_col].astype(str).str.strip()
    regions = table[region_col].astype(str).str.strip()
    s = pd.Series(regions.to_numpy(), index=pd.Index(codes.to_numpy(), name="code"), name="region")
    dup = s.index[s.index.duplicated()]
    if len(dup):
        conflicting = [c for c in dup.unique() if s.loc[[c]].nunique() > 1]
        if conflicting:
            raise UnitCodeError(
                f"plan file {p} assigns unit(s) {conflicting[:10]} to several regions"
            )
        s = s[~s.index.duplicated()]
    s = s.sort_index()
    run = _find_run(p)
    if run:
        s.attrs["run"] = run
    return s


def _run_json_beside(p: Path) -> Path:
    """``<name>_run.json`` of an export file ``<name>.gpkg``, ``<name>_units.csv`` ..."""
    stem = p.name[: -len(p.suffix)] if p.suffix else p.name
    for tail in ("_units", "_regions"):
        if stem.endswith(tail):
            stem = stem[: -len(tail)]
            break
    return p.with_name(f"{stem}_run.json")


def _find_run(p: Path) -> dict[str, Any]:
    """The run record stored with a plan file, or {} (never raises for a plan file)."""
    try:
        return read_run(p)
    except (RatoOptError, ValueError, OSError, KeyError):
        return {}


def read_run(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read the run record written with a plan by :func:`export_plan`.

    Parameters
    ----------
    path : path-like
        ``<name>_run.json``, or a plan export: the ``run`` sheet of ``<name>.xlsx``
        or table of ``<name>.gpkg``, else the ``<name>_run.json`` beside the file
        (``<name>_units.csv``, ``<name>_units.geojson`` ...).

    Returns
    -------
    dict
        ``seed``, ``budget``, ``time_limit``, ``deterministic``, ``stopped_by``,
        ``versions`` ... (see :class:`rato_opt.assess.plan.Plan`); empty when the export
        has no run record (a bare assignment, or a plan that was scored, not solved).

    Raises
    ------
    DataNotFoundError
        The file does not exist.
    InputError
        The run record cannot be read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "plan_units.csv"
    >>> _ = f.write_text("code,region\\nA,R01\\n")
    >>> read_run(f)
    {}
    >>> _ = f.with_name("plan_run.json").write_text('{"seed": 3, "deterministic": true}')
    >>> read_run(f)
    {'seed': 3, 'deterministic': True}
    """
    p = Path(path)
    if not p.is_file():
        raise DataNotFoundError(f"plan file not found: {p}")
    suffix = p.suffix.lower()
    try:
        if suffix == ".json" and p.name.endswith("_run.json"):
            data = json.loads(p.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise InputError(f"run record {p} holds {type(data).__name__}, expected a "
                                 "JSON object as written by export_plan")
            return data
        if suffix in (".xlsx", ".xls") and "run" in pd.ExcelFile(p).sheet_names:
            table = pd.read_excel(p, sheet_name="run", dtype=str, keep_default_na=False)
            return run_from_rows(table, p)
        if suffix == ".gpkg":
            import pyogrio

            if "run" in [n for n, _ in pyogrio.list_layers(p)]:
                table = pd.DataFrame(pyogrio.read_dataframe(p, layer="run"))
                return run_from_rows(table.drop(columns="geometry", errors="ignore"), p)
    except RatoOptError:
        raise
    except (ValueError, OSError, KeyError) as err:
        raise InputError(f"the run record of {p} cannot be read ({type(err).__name__}: "
                         f"{err}); it is written by export_plan") from err
    beside = _run_json_beside(p)
    if beside != p and beside.is_file():
        return read_run(beside)
    return {}


def read_plan_table(p: Path, layer: str | None) -> pd.DataFrame:
    """The table of a plan file, as read (geometry dropped); see :func:`read_plan`."""
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        sample = p.read_text(encoding="utf-8-sig")[:65536]
        if not sample.strip():
            raise InputError(f"plan file {p} is empty; {PLAN_FILE_HINT}")
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:  # one column, or no consistent delimiter
            sep = "\t" if suffix == ".tsv" else ","
        table = pd.read_csv(p, dtype=str, sep=sep, encoding="utf-8-sig")
    elif suffix in (".xlsx", ".xls"):
        sheets = pd.ExcelFile(p).sheet_names
        sheet = layer or ("units" if "units" in sheets else sheets[0])
        table = pd.read_excel(p, sheet_name=sheet, dtype=str)
    elif suffix == ".json" and not p.name.endswith(".geojson"):
        data = json.loads(p.read_text(encoding="utf-8"))
        data = data.get("assignment", data)
        table = pd.DataFrame({"code": list(data), "region": [str(v) for v in data.values()]})
    else:
        import pyogrio

        kw = {}
        if suffix == ".gpkg":
            names = [n for n, _ in pyogrio.list_layers(p)]
            kw["layer"] = layer or ("units" if "units" in names else names[0])
        elif layer is not None:
            kw["layer"] = layer
        table = pd.DataFrame(gpd.read_file(p, **kw).drop(columns="geometry", errors="ignore"))
    return table
