"""Export plans to GeoPackage, CSV, Excel and GeoJSON, atomically, and read them back.

:func:`export_plan` writes a plan (a :class:`~rato_opt.assess.plan.Plan` or a bare
assignment ``Series``) in several formats at once. Everything is written to a
temporary directory beside the target and moved into place only when every
file succeeded, so a failure never leaves half-written output behind
(:func:`atomic_output` is the reusable context manager doing this).
:func:`read_plan` reads any of these exports (or a plain two-column CSV) back
into an assignment.

Examples
--------
>>> import tempfile, geopandas as gpd, pandas as pd
>>> from shapely import box
>>> from rato_opt.landscape.units import validate_units
>>> from rato_opt.landscape.coverage import Landscape
>>> from rato_opt.landscape.layers import Layer
>>> units = validate_units(gpd.GeoDataFrame({"code": ["A", "B", "C"], "population": [1, 2, 3]},
...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)], crs="EPSG:28992"),
...     code="code")
>>> land = Landscape(units, [Layer.from_partition("amr", pd.Series({"A": "x", "B": "x", "C": "y"}))])
>>> plan = pd.Series({"A": "R01", "B": "R01", "C": "R02"}, name="region")
>>> out = tempfile.mkdtemp()
>>> files = export_plan(plan, land, out, formats=("csv", "geojson"))
>>> sorted(p.name for p in files.values())
['plan_regions.csv', 'plan_regions.geojson', 'plan_units.csv', 'plan_units.geojson']
>>> read_plan(files["units_csv"]).to_dict()
{'A': 'R01', 'B': 'R01', 'C': 'R02'}
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from .._util import atomic_output, check_output_dir
from ..exceptions import ColumnError, DataNotFoundError, InputError, RatoOptError, UnitCodeError

if TYPE_CHECKING:  # pragma: no cover
    from ..assess.plan import Plan
    from ..landscape.coverage import Landscape

__all__ = [
    "FORMATS",
    "export_plan",
    "read_plan",
    "atomic_output",
    "check_output_dir",
    "read_run",
    "run_record",
    "RUN_KEYS",
    "plan_assignment",
    "region_summary",
    "unit_table",
]

#: Export formats understood by :func:`export_plan`.
FORMATS = ("gpkg", "csv", "xlsx", "geojson")

_CODE_COLUMNS = ("code", "unit", "unit_code", "gemeentecode", "statcode")
_REGION_COLUMNS = ("region", "region_id", "regio")
#: What a plan file holds and how to make one, for error messages.
PLAN_FILE_HINT = (
    "expected a table with a unit code column (" + "/".join(_CODE_COLUMNS) + ", else the "
    "first column) and a region column (" + "/".join(_REGION_COLUMNS) + ", else the second), "
    "one row per unit, such as plan_units.csv written by `rato-opt run SCENARIO.toml --out DIR` "
    "or by rato_opt.export_plan"
)


# ------------------------------------------------------------------ plan tables
def plan_assignment(plan: Plan | pd.Series | Mapping[str, Any]) -> pd.Series:
    """Return the assignment (unit code -> region id, ``str``) of a plan-like object.

    Examples
    --------
    >>> plan_assignment({"B": 2, "A": 1}).to_dict()
    {'A': '1', 'B': '2'}
    """
    if hasattr(plan, "assignment"):
        s = plan.assignment
    else:
        s = pd.Series(plan)
    s = pd.Series(s.astype(str).to_numpy(), index=pd.Index(s.index.astype(str), name="code"))
    return s.rename("region").sort_index()


def _check_codes(assignment: pd.Series, landscape: Landscape) -> None:
    codes = landscape.units.index
    missing = codes.difference(assignment.index)
    extra = assignment.index.difference(codes)
    if len(missing) or len(extra) or assignment.index.has_duplicates:
        from .._util import listing

        raise UnitCodeError(
            "the plan must assign every unit of the landscape exactly once; "
            f"missing {len(missing)} ({listing(missing)}), unknown {len(extra)} "
            f"({listing(extra)}), duplicated {int(assignment.index.duplicated().sum())}"
        )


def region_summary(plan: Plan | pd.Series, landscape: Landscape) -> pd.DataFrame:
    """One row per region: name, unit count, weight totals and area.

    For a :class:`~rato_opt.assess.plan.Plan` this is ``plan.regions``; for a bare
    assignment the columns are ``name`` (the region's largest unit by the first
    weight column), ``units``, every weight column and ``area_km2``.
    """
    if hasattr(plan, "regions") and isinstance(plan.regions, pd.DataFrame):
        regions = plan.regions.copy()
        regions.index = regions.index.astype(str)
        regions = regions.rename_axis("region")
        return regions
    a = plan_assignment(plan)
    _check_codes(a, landscape)
    units = landscape.units
    weights = list(landscape.weights)
    table = pd.DataFrame({"region": a.reindex(units.index).to_numpy()}, index=units.index)
    for w in weights:
        table[w] = units[w].to_numpy()
    table["area_km2"] = units.geometry.area.to_numpy() / 1e6
    table["_key"] = units[weights[0]].to_numpy() if weights else 0
    table["_name"] = units["name"].to_numpy()
    grouped = table.groupby("region", sort=True)
    out = pd.DataFrame(index=pd.Index(sorted(table["region"].unique()), name="region"))
    leaders = table.sort_values("_key", ascending=False, kind="stable").groupby("region")["_name"]
    out["name"] = leaders.first().reindex(out.index)
    out["units"] = grouped.size().reindex(out.index).astype(int)
    for w in [*weights, "area_km2"]:
        out[w] = grouped[w].sum().reindex(out.index)
    return out


def unit_table(plan: Plan | pd.Series, landscape: Landscape) -> gpd.GeoDataFrame:
    """The unit -> region table: code, name, region, region_name, weights, geometry."""
    a = plan_assignment(plan)
    _check_codes(a, landscape)
    units = landscape.units
    regions = region_summary(plan, landscape)
    names = regions["name"].astype(str) if "name" in regions else pd.Series(dtype=str)
    region = a.reindex(units.index)
    frame = pd.DataFrame(
        {
            "code": units.index.to_numpy(),
            "name": units["name"].to_numpy(),
            "region": region.to_numpy(),
            "region_name": region.map(names).fillna("").to_numpy(),
        }
    )
    for w in landscape.weights:
        frame[w] = units[w].to_numpy()
    return gpd.GeoDataFrame(frame, geometry=units.geometry.to_numpy(), crs=units.crs)


def _region_frame(plan, landscape, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    regions = region_summary(plan, landscape)
    shapes = units[["region", "geometry"]].dissolve(by="region")
    frame = regions.reset_index()
    frame["region"] = frame["region"].astype(str)
    for col in frame.columns:  # GIS formats want plain scalar columns
        if frame[col].dtype == object:
            frame[col] = frame[col].map(
                lambda v: v if v is None or isinstance(v, str | int | float | bool) else str(v)
            )
    geometry = shapes.geometry.reindex(frame["region"]).to_numpy()
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=units.crs)


def _plan_facts(plan) -> dict[str, Any]:
    """Scalars about a Plan (status, objective, terms ...) for the Excel summary sheet."""
    if not hasattr(plan, "assignment"):
        return {}
    facts: dict[str, Any] = {}
    for key in ("status", "objective", "bound", "gap", "seconds", "solver", "n_regions"):
        if hasattr(plan, key):
            facts[key] = getattr(plan, key)
    for prefix in ("terms", "metrics"):
        for k, v in dict(getattr(plan, prefix, {}) or {}).items():
            facts[f"{prefix}.{k}"] = v
    ver = getattr(plan, "verification", None)
    if ver is not None:
        facts["verification.ok"] = ver.ok
        facts["verification.problems"] = "; ".join(ver.problems)
    return {k: _jsonable(v) for k, v in facts.items()}


#: Keys of a plan's run record (``plan.run``) that exports keep, in this order: how
#: the plan was made, enough to make it again (see :class:`rato_opt.spec.Budget`).
RUN_KEYS = ("seed", "budget", "time_limit", "deterministic", "time_limit_hit", "stopped_by",
            "clocked_stages", "bound_source", "claims_rejected", "failures", "stages",
            "versions")


def run_record(plan: Any) -> dict[str, Any]:
    """The run record of a plan as plain JSON values; empty for anything without one.

    ``plan.run`` (see :class:`rato_opt.assess.plan.Plan`) holds the seed, the work budget, the
    time limit, whether the run was deterministic, what stopped it and the library and
    solver versions; keys :data:`RUN_KEYS` come first, any others follow.

    Examples
    --------
    >>> run_record(pd.Series({"A": "R01"}))
    {}
    """
    run = getattr(plan, "run", None)
    if not isinstance(run, Mapping) or not run:
        return {}
    keys = [k for k in RUN_KEYS if k in run] + [k for k in run if k not in RUN_KEYS]
    return {str(k): _json_tree(run[k]) for k in keys}


def _json_tree(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_tree(v) for v in value]
    return _jsonable(value)


def _run_rows(run: Mapping[str, Any]) -> pd.DataFrame:
    """The run record as a key/value table (the ``run`` sheet of Excel and GeoPackage).

    Nested tables become dotted keys (``budget.nodes``, ``versions.highspy``).
    ``value`` is for reading (lists of scalars joined with "; "), ``value_json`` the
    exact value as JSON, from which :func:`read_run` rebuilds the record.

    Examples
    --------
    >>> _run_rows({"seed": 0, "budget": {"nodes": 50}, "stopped_by": "work_budget"}).values
    array([['seed', '0', '0'],
           ['budget.nodes', '50', '50'],
           ['stopped_by', 'work_budget', '"work_budget"']], dtype=object)
    """
    rows: list[tuple[str, str, str]] = []

    def add(key: str, value: Any) -> None:
        if isinstance(value, Mapping) and value:
            for k, v in value.items():
                add(f"{key}.{k}", v)
            return
        exact = json.dumps(value, ensure_ascii=False)
        if isinstance(value, str):
            shown = value
        elif isinstance(value, list) and all(
                v is None or isinstance(v, str | int | float | bool) for v in value):
            shown = "; ".join(str(v) for v in value)
        else:
            shown = exact
        rows.append((key, shown, exact))

    for key, value in run.items():
        add(str(key), value)
    return pd.DataFrame(rows, columns=["key", "value", "value_json"])


def _run_from_rows(table: pd.DataFrame, where: Path) -> dict[str, Any]:
    """Rebuild a run record from the table of :func:`_run_rows`."""
    if not {"key", "value_json"} <= set(table.columns):
        raise InputError(f"the run table of {where} has columns {list(table.columns)}; "
                         "expected key, value and value_json as written by export_plan")
    run: dict[str, Any] = {}
    for key, text in zip(table["key"].astype(str), table["value_json"], strict=True):
        try:
            value = json.loads(str(text))
        except ValueError:
            value = text
        parts = key.split(".")
        node = run
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return run


def _jsonable(v: Any) -> Any:
    if hasattr(v, "item") and callable(v.item):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)


# ---------------------------------------------------------------------- writers
def _write_gpkg(tmp: Path, name: str, units, regions, plan) -> dict[str, Path]:
    path = tmp / f"{name}.gpkg"
    units.to_file(path, layer="units", driver="GPKG")
    regions.to_file(path, layer="regions", driver="GPKG", mode="a")
    run = run_record(plan)
    if run:  # a table without geometry: how the plan was made
        import pyogrio

        pyogrio.write_dataframe(_run_rows(run), path, layer="run", driver="GPKG")
    return {"gpkg": path}


def _write_csv(tmp: Path, name: str, units, regions, plan) -> dict[str, Path]:
    u, r = tmp / f"{name}_units.csv", tmp / f"{name}_regions.csv"
    pd.DataFrame(units.drop(columns="geometry")).to_csv(u, index=False)
    pd.DataFrame(regions.drop(columns="geometry")).to_csv(r, index=False)
    return {"units_csv": u, "regions_csv": r}


def _write_xlsx(tmp: Path, name: str, units, regions, plan) -> dict[str, Path]:
    path = tmp / f"{name}.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame(units.drop(columns="geometry")).to_excel(xl, sheet_name="units", index=False)
        pd.DataFrame(regions.drop(columns="geometry")).to_excel(
            xl, sheet_name="regions", index=False
        )
        facts = _plan_facts(plan)
        if facts:
            pd.DataFrame({"key": list(facts), "value": [str(v) for v in facts.values()]}).to_excel(
                xl, sheet_name="summary", index=False
            )
        run = run_record(plan)
        if run:
            _run_rows(run).to_excel(xl, sheet_name="run", index=False)
    return {"xlsx": path}


def _write_geojson(tmp: Path, name: str, units, regions, plan) -> dict[str, Path]:
    out = {}
    for key, frame in (("units_geojson", units), ("regions_geojson", regions)):
        path = tmp / f"{name}_{key.split('_')[0]}.geojson"
        # RFC 7946: WGS 84 longitude/latitude, no crs member.
        frame.to_crs("EPSG:4326").to_file(path, driver="GeoJSON", RFC7946="YES")
        out[key] = path
    return out


def export_plan(
    plan: Plan | pd.Series | Mapping[str, Any],
    landscape: Landscape,
    out_dir: str | os.PathLike[str],
    *,
    formats: Sequence[str] = FORMATS,
    name: str = "plan",
) -> dict[str, Path]:
    """Write a plan in several formats, atomically.

    Parameters
    ----------
    plan : Plan or Series or mapping
        A :class:`~rato_opt.assess.plan.Plan`, or an assignment unit code -> region id.
    landscape : Landscape
        The landscape the plan divides (units with names, weights, geometry).
    out_dir : path-like
        Target directory (created when missing; other files in it are kept).
    formats : sequence of {"gpkg", "csv", "xlsx", "geojson"}
        ``gpkg``: ``<name>.gpkg`` with layers ``units`` (unit with region code
        and name) and ``regions`` (dissolved, with summary columns).
        ``csv``: ``<name>_units.csv`` and ``<name>_regions.csv``.
        ``xlsx``: ``<name>.xlsx`` with sheets ``units``, ``regions`` (and
        ``summary`` and ``run`` for a Plan). ``geojson``: ``<name>_units.geojson``
        and ``<name>_regions.geojson`` in EPSG:4326 (RFC 7946).
    name : str, default "plan"
        File name stem.

    Returns
    -------
    dict of str to Path
        Final path of every file written, keyed ``gpkg``, ``units_csv``,
        ``regions_csv``, ``xlsx``, ``units_geojson``, ``regions_geojson`` and
        ``run_json``.

    Notes
    -----
    A :class:`~rato_opt.assess.plan.Plan` from a solver carries its run record
    (``plan.run``: seed, work budget, time limit, whether the run was deterministic,
    what stopped it, library and solver versions). Whatever the formats, it is
    written as ``<name>_run.json``; the Excel file has it in the sheet ``run`` and
    the GeoPackage in the attribute table ``run`` (key, value, value_json).
    :func:`read_run` reads it back; :func:`read_plan` puts it in
    ``series.attrs["run"]``.

    Raises
    ------
    InputError
        Unknown format.
    UnitCodeError
        The plan does not assign every unit exactly once.
    """
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(
            f"unknown export format(s) {unknown or '(none given)'}; choose from {', '.join(FORMATS)}"
        )
    if not name or any(c in name for c in "/\\"):
        raise InputError(f"name must be a plain file name stem, got {name!r}")
    check_output_dir(out_dir)
    units = unit_table(plan, landscape)
    regions = _region_frame(plan, landscape, units)
    writers = {
        "gpkg": _write_gpkg,
        "csv": _write_csv,
        "xlsx": _write_xlsx,
        "geojson": _write_geojson,
    }
    out = Path(out_dir).absolute()
    written: dict[str, Path] = {}
    run = run_record(plan)
    with atomic_output(out) as tmp:
        for fmt in formats:
            for key, path in writers[fmt](tmp, name, units, regions, plan).items():
                written[key] = out / path.name
        if run:
            path = tmp / f"{name}_run.json"
            path.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
            written["run_json"] = out / path.name
    return written


# ---------------------------------------------------------------------- reading
def _pick(columns: Sequence[str], wanted: str | None, candidates: Sequence[str], what: str,
          fallback: int, path, all_columns: Sequence[str] | None = None) -> str:
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
        table = _read_plan_table(p, layer)
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
    code_col = _pick(table.columns, code, _CODE_COLUMNS, "code", 0, p)
    region_col = _pick(
        [c for c in table.columns if c != code_col], region, _REGION_COLUMNS, "region", 0, p,
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
            return _run_from_rows(table, p)
        if suffix == ".gpkg":
            import pyogrio

            if "run" in [n for n, _ in pyogrio.list_layers(p)]:
                table = pd.DataFrame(pyogrio.read_dataframe(p, layer="run"))
                return _run_from_rows(table.drop(columns="geometry", errors="ignore"), p)
    except RatoOptError:
        raise
    except (ValueError, OSError, KeyError) as err:
        raise InputError(f"the run record of {p} cannot be read ({type(err).__name__}: "
                         f"{err}); it is written by export_plan") from err
    beside = _run_json_beside(p)
    if beside != p and beside.is_file():
        return read_run(beside)
    return {}


def _read_plan_table(p: Path, layer: str | None) -> pd.DataFrame:
    """The table of a plan file, as read (geometry dropped)."""
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
