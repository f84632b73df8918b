"""Export plans to GeoPackage, CSV, Excel and GeoJSON, atomically, and read them back.

:func:`export_plan` writes a plan (a :class:`~rato_opt.assess.plan.Plan` or a bare
assignment ``Series``) in several formats at once. Everything is written to a
temporary directory beside the target and moved into place only when every
file succeeded, so a failure never leaves half-written output behind
(:func:`atomic_output` is the reusable context manager doing this).
:func:`~rato_opt.workflow.plan_reader.read_plan` reads any of these exports (or a
plain two-column CSV) back into an assignment, and
:func:`~rato_opt.workflow.plan_reader.read_run` the run record written with it
(both are importable from here too, as are :func:`~rato_opt.workflow.run_records.run_record`
and :data:`~rato_opt.workflow.run_records.RUN_KEYS`).

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

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from .._util import atomic_output, check_output_dir, json_ready, listing
from ..exceptions import InputError, UnitCodeError
from .plan_reader import read_plan, read_run
from .run_records import RUN_KEYS, run_record, run_rows

if TYPE_CHECKING:  # pragma: no cover
    from ..assess.funds import Allocation, AllocationChange, FundsFormula
    from ..assess.plan import Plan
    from ..landscape.coverage import Landscape

__all__ = [
    "FORMATS",
    "export_plan",
    "export_allocation_change",
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
    return {k: json_ready(v) for k, v in facts.items()}


# ---------------------------------------------------------------------- extras
def _funds_table(allocation: Allocation) -> pd.DataFrame:
    """The allocation per region as a flat table: region, name, components, total."""
    return allocation.table.rename_axis("region").reset_index()


def funds_record(allocation: Allocation) -> dict[str, Any]:
    """The formula and the distributed total of an allocation, as JSON values.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> from rato_opt.assess.funds import FundsFormula, allocate
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("AB"), "pupils": [1, 3]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(2)], crs="EPSG:28992"), code="code")
    >>> a = allocate({"A": "R1", "B": "R2"}, Landscape(u, {}),
    ...              FundsFormula(per_weight={"pupils": 2.5}, total=100))
    >>> funds_record(a)
    {'formula': {'base_per_region': 0.0, 'per_weight': {'pupils': 2.5}, 'total': 100, 'step': 0.01}, 'total': 100.0, 'components': ['base', 'by_pupils'], 'columns': ['funds_base', 'funds_by_pupils', 'funds_total']}
    """
    f = allocation.formula
    return json_ready({
        "formula": {"base_per_region": f.base_per_region, "per_weight": dict(f.per_weight),
                    "total": f.total, "step": f.step},
        "total": allocation.total,
        "components": list(f.components),
        "columns": [f"funds_{c}" for c in (*f.components, "total")],
    })


class _Extras:
    """What export_plan writes besides the plan: funds, notes, the summary."""

    def __init__(self, plan, landscape: Landscape, allocation: Allocation | None) -> None:
        self.allocation = allocation
        self.notes = dict(getattr(landscape, "notes", {}) or {})
        self.run = run_record(plan)
        self.funds = funds_record(allocation) if allocation is not None else None
        if self.run and self.funds is not None:
            self.run = {**self.run, "funds": self.funds}

    def facts(self, plan) -> dict[str, Any]:
        facts = _plan_facts(plan)
        if self.funds is not None:
            facts["funds.formula"] = json.dumps(self.funds["formula"], ensure_ascii=False)
            facts["funds.total"] = self.funds["total"]
        for key, note in self.notes.items():
            facts[f"notes.{key}"] = note
        return facts

    def notes_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"key": list(self.notes), "note": list(self.notes.values())})

    def summary(self, plan) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if hasattr(plan, "summary"):
            out["plan"] = plan.summary()
        if self.funds is not None:
            out["funds"] = self.funds
        out["notes"] = self.notes
        return json_ready(out)


def _add_funds(regions: gpd.GeoDataFrame, allocation: Allocation) -> gpd.GeoDataFrame:
    table = allocation.table
    for c in [*allocation.formula.components, "total"]:
        values = table[c].reindex(regions["region"].astype(str)).to_numpy()
        regions[f"funds_{c}"] = pd.Series(values).fillna(0.0).to_numpy(dtype=float)
    return regions


# ---------------------------------------------------------------------- writers
def _write_gpkg(tmp: Path, name: str, units, regions, plan, extras: _Extras) -> dict[str, Path]:
    path = tmp / f"{name}.gpkg"
    units.to_file(path, layer="units", driver="GPKG")
    regions.to_file(path, layer="regions", driver="GPKG", mode="a")
    run = extras.run
    if run:  # a table without geometry: how the plan was made
        import pyogrio

        pyogrio.write_dataframe(run_rows(run), path, layer="run", driver="GPKG")
    return {"gpkg": path}


def _write_csv(tmp: Path, name: str, units, regions, plan, extras: _Extras) -> dict[str, Path]:
    u, r = tmp / f"{name}_units.csv", tmp / f"{name}_regions.csv"
    pd.DataFrame(units.drop(columns="geometry")).to_csv(u, index=False)
    pd.DataFrame(regions.drop(columns="geometry")).to_csv(r, index=False)
    return {"units_csv": u, "regions_csv": r}


def _write_xlsx(tmp: Path, name: str, units, regions, plan, extras: _Extras) -> dict[str, Path]:
    path = tmp / f"{name}.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame(units.drop(columns="geometry")).to_excel(xl, sheet_name="units", index=False)
        pd.DataFrame(regions.drop(columns="geometry")).to_excel(
            xl, sheet_name="regions", index=False
        )
        facts = extras.facts(plan)
        if facts:
            pd.DataFrame({"key": list(facts), "value": [str(v) for v in facts.values()]}).to_excel(
                xl, sheet_name="summary", index=False
            )
        if extras.run:
            run_rows(extras.run).to_excel(xl, sheet_name="run", index=False)
        if extras.allocation is not None:
            _funds_table(extras.allocation).to_excel(xl, sheet_name="funds", index=False)
            extras.allocation.by_unit.rename_axis("code").reset_index().to_excel(
                xl, sheet_name="funds_units", index=False)
        if extras.notes:
            extras.notes_frame().to_excel(xl, sheet_name="notes", index=False)
    return {"xlsx": path}


def _write_geojson(tmp: Path, name: str, units, regions, plan, extras: _Extras
                   ) -> dict[str, Path]:
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
    funds: FundsFormula | None = None,
) -> dict[str, Path]:
    """Write a plan in several formats, atomically, with its funds and the data notes.

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
        ``summary`` and ``run`` for a Plan; the summary holds every term and metric,
        per split layer both ``metrics.split_<layer>``, the share of weight outside
        the main regions, and ``metrics.split_count_<layer>``, the collaborations
        split, of ``metrics.collaborations_<layer>``). ``geojson``: ``<name>_units.geojson``
        and ``<name>_regions.geojson`` in EPSG:4326 (RFC 7946).
    name : str, default "plan"
        File name stem.
    funds : FundsFormula, optional
        Divide funds over the regions (:func:`rato_opt.assess.funds.allocate`): every
        region table (GeoPackage, CSV, Excel, GeoJSON) gets the columns ``funds_base``,
        ``funds_by_<column>`` per weight and ``funds_total``, which add up exactly to the
        distributed total; ``<name>_funds.csv`` (and the Excel sheets ``funds`` and
        ``funds_units``) hold the allocation; the formula and the total go into the
        run record (key ``funds``), the Excel ``summary`` and ``<name>_summary.json``.

    Returns
    -------
    dict of str to Path
        Final path of every file written, keyed ``gpkg``, ``units_csv``,
        ``regions_csv``, ``xlsx``, ``units_geojson``, ``regions_geojson``,
        ``run_json``, and with funds or notes ``funds_csv``, ``notes_csv`` and
        ``summary_json``.

    Notes
    -----
    A :class:`~rato_opt.assess.plan.Plan` from a solver carries its run record
    (``plan.run``: seed, work budget, time limit, whether the run was deterministic,
    what stopped it, library and solver versions). Whatever the formats, it is
    written as ``<name>_run.json``; the Excel file has it in the sheet ``run`` and
    the GeoPackage in the attribute table ``run`` (key, value, value_json).
    :func:`read_run` reads it back; :func:`read_plan` puts it in
    ``series.attrs["run"]``.

    The landscape's ``notes`` (weight column or layer -> how it was made, e.g.
    ``"estimated: ..."``) label the estimated quantities: with notes, the export has
    ``<name>_notes.csv`` (key, note), an Excel sheet ``notes``, ``notes.<key>`` rows in
    the ``summary`` sheet and ``notes`` in ``<name>_summary.json``. That JSON (plan
    summary, funds, notes) is written whenever there are funds or notes.

    Examples
    --------
    >>> import tempfile
    >>> from rato_opt.sources.synthetic import make_country
    >>> from rato_opt.assess.funds import FundsFormula
    >>> land = make_country(n_units=60, seed=1)
    >>> amr = land.layers["amr"].membership().set_index("unit")["collaboration"]
    >>> files = export_plan(amr, land, tempfile.mkdtemp(), formats=("csv",),
    ...     funds=FundsFormula(base_per_region=1000, per_weight={"pupils_po": 2.5}))
    >>> regions = pd.read_csv(files["regions_csv"])
    >>> [c for c in regions.columns if c.startswith("funds_")]
    ['funds_base', 'funds_by_pupils_po', 'funds_total']

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
    allocation = None
    if funds is not None:
        from ..assess.funds import allocate

        allocation = allocate(plan, landscape, funds)
        regions = _add_funds(regions, allocation)
    extras = _Extras(plan, landscape, allocation)
    writers = {
        "gpkg": _write_gpkg,
        "csv": _write_csv,
        "xlsx": _write_xlsx,
        "geojson": _write_geojson,
    }
    out = Path(out_dir).absolute()
    written: dict[str, Path] = {}
    with atomic_output(out) as tmp:
        for fmt in formats:
            for key, path in writers[fmt](tmp, name, units, regions, plan, extras).items():
                written[key] = out / path.name
        if extras.run:
            path = tmp / f"{name}_run.json"
            path.write_text(json.dumps(extras.run, indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
            written["run_json"] = out / path.name
        if allocation is not None:
            path = tmp / f"{name}_funds.csv"
            _funds_table(allocation).to_csv(path, index=False)
            written["funds_csv"] = out / path.name
        if extras.notes:
            path = tmp / f"{name}_notes.csv"
            extras.notes_frame().to_csv(path, index=False)
            written["notes_csv"] = out / path.name
        if allocation is not None or extras.notes:
            path = tmp / f"{name}_summary.json"
            path.write_text(json.dumps(extras.summary(plan), indent=2, ensure_ascii=False)
                            + "\n", encoding="utf-8")
            written["summary_json"] = out / path.name
    return written


def export_allocation_change(
    change: AllocationChange,
    out_dir: str | os.PathLike[str],
    *,
    name: str = "funds_change",
) -> dict[str, Path]:
    """Write a comparison of two allocations as two CSV files, atomically.

    Parameters
    ----------
    change : AllocationChange
        From :func:`rato_opt.assess.funds.compare_allocations`.
    out_dir : path-like
        Target directory (created when missing; other files in it are kept).
    name : str, default "funds_change"
        File name stem.

    Returns
    -------
    dict of str to Path
        ``units_csv``: ``<name>_units.csv``, the units whose funding region changes
        (code, name, region_a, region_b, region_b_as_a, name_a, name_b, amount_a,
        amount_b); ``regions_csv``: ``<name>_regions.csv``, per region total_a,
        total_b, change, gained and lost.

    Examples
    --------
    >>> import tempfile
    >>> from rato_opt.sources.synthetic import make_country
    >>> from rato_opt.assess.funds import FundsFormula, allocate, compare_allocations
    >>> land = make_country(n_units=60, seed=1)
    >>> f = FundsFormula(per_weight={"pupils_po": 1}, total=1_000_000)
    >>> a = allocate(land.layers["amr"].membership().set_index("unit")["collaboration"], land, f)
    >>> b = allocate(land.layers["sop"].membership().drop_duplicates("unit")
    ...              .set_index("unit")["collaboration"], land, f)
    >>> files = export_allocation_change(compare_allocations(a, b), tempfile.mkdtemp())
    >>> sorted(p.name for p in files.values())
    ['funds_change_regions.csv', 'funds_change_units.csv']
    """
    from ..assess.funds import AllocationChange

    if not isinstance(change, AllocationChange):
        raise InputError("change must be an AllocationChange from "
                         f"rato_opt.assess.funds.compare_allocations, got {type(change).__name__}")
    if not name or any(c in name for c in "/\\"):
        raise InputError(f"name must be a plain file name stem, got {name!r}")
    out = Path(out_dir).absolute()
    written: dict[str, Path] = {}
    with atomic_output(out) as tmp:
        for key, frame in (("units_csv", change.units), ("regions_csv", change.regions)):
            path = tmp / f"{name}_{key.split('_')[0]}.csv"
            frame.reset_index().to_csv(path, index=False)
            written[key] = out / path.name
    return written


