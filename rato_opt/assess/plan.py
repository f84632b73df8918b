"""Region plans: the result object, its region table, independent verification and scoring.

Nothing here knows how a plan was found. :func:`verify_plan` checks an assignment
against a :class:`~rato_opt.spec.RegionSpec` with plain pandas and networkx, so it can
check a solver's answer as well as a planner's hand-made map; :func:`score_plan` gives
any assignment (e.g. the existing arbeidsmarktregio's) the same metrics as a solved
plan. Solvers build their result with :meth:`Plan.from_assignment`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .._util import listing
from ..exceptions import ModelError, UnitCodeError
from ..spec import Bound, RegionSpec
from .metrics import (
    TERMS,
    _label,
    as_assignment,
    evaluate,
    membership,
    polsby_popper,
    split_layer_weights,
    unit_weights,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..landscape.coverage import Landscape

__all__ = [
    "STATUSES",
    "REGION_COLUMNS",
    "Verification",
    "Plan",
    "canonical_regions",
    "region_table",
    "verify_plan",
    "score_plan",
    "island_regions",
]

#: Plan statuses: solved to proven optimality, feasible (a verified plan, optimality not
#: proven: work budget or time limit reached, gap given), interrupted (Ctrl-C: the best
#: verified plan so far, if any), proven infeasible, not solved (no plan passed
#: verification; ``explanation`` says why), or scored (not solved, just measured).
STATUSES = ("optimal", "feasible", "interrupted", "infeasible", "not_solved", "scored")

#: Columns of the region table after the weight columns are inserted at ``"<weights>"``.
REGION_COLUMNS = (
    "name",
    "units",
    "<weights>",
    "area_km2",
    "compactness",
    "boundary_km",
    "collaborations_split",
    "reference_region",
    "reference_overlap",
    "neighbours",
)

_REL_TOL = 1e-6


def _fmt(x: float) -> str:
    """Readable number: thousands separators, no decimals for whole numbers."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    if abs(x - round(x)) < 1e-9 * max(1.0, abs(x)):
        return f"{x:,.0f}"
    if abs(x) >= 10_000:
        return f"{x:,.0f}"
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.1f}"


def _raw_assignment(assignment: pd.Series | Mapping[str, Any] | None) -> pd.Series:
    """Codes and region ids as str, missing regions kept as NaN, duplicates kept."""
    if assignment is None:
        return pd.Series([], index=pd.Index([], name="code", dtype=object), dtype=object,
                         name="region")
    s = assignment if isinstance(assignment, pd.Series) else pd.Series(dict(assignment),
                                                                         dtype=object)
    values = np.array([_label(v) if pd.notna(v) else np.nan for v in s.to_numpy()], dtype=object)
    return pd.Series(values, index=pd.Index([str(c) for c in s.index], name="code", dtype=object),
                     name="region", dtype=object)


def _unit_label(landscape: Landscape, code: str) -> str:
    """``"Name (code)"``, or just the code when the name is the code."""
    name = landscape.units["name"].get(code, code)
    return code if name == code else f"{name} ({code})"


# ---------------------------------------------------------------- canonical ids
def canonical_regions(assignment: pd.Series | Mapping[str, Any]) -> pd.Series:
    """Relabel regions ``R01``, ``R02``, ... ordered by the smallest unit code in each.

    The result depends only on the partition, not on the original labels, so it is
    deterministic and idempotent. With 100 or more regions the ids get three digits.

    Parameters
    ----------
    assignment : Series or mapping
        Unit code -> region id (any hashable); units with a missing id are dropped.

    Returns
    -------
    Series
        Named ``"region"``, indexed by unit code (sorted), values ``"R01"``...

    Raises
    ------
    UnitCodeError
        A unit code is listed twice.

    Examples
    --------
    >>> canonical_regions({"B": "x", "A": "y", "C": "x"}).to_dict()
    {'A': 'R01', 'B': 'R02', 'C': 'R02'}
    """
    if isinstance(assignment, pd.Series) and assignment.index.has_duplicates:
        dup = assignment.index[assignment.index.duplicated()].unique()
        raise UnitCodeError(
            f"units assigned more than once: {listing(dup)}; give each unit one region"
        )
    s = as_assignment(assignment).sort_index()
    if s.empty:
        return s
    first = pd.Series(s.index.to_numpy(dtype=object), index=s.index).groupby(s.to_numpy()).min()
    order = first.sort_values(kind="stable").index
    width = max(2, len(str(len(order))))
    mapping = {old: f"R{i + 1:0{width}d}" for i, old in enumerate(order)}
    return s.map(mapping).rename("region")


# ---------------------------------------------------------------- region table
def _table_weight(landscape: Landscape, spec: RegionSpec | None) -> pd.Series:
    """Weight used for reference overlap: split_by, else population, else unit count."""
    column = spec.objective.split_by if spec is not None else None
    if column is None and "population" in landscape.units.columns:
        column = "population"
    return unit_weights(landscape, column)


def _region_geometries(landscape: Landscape, region: pd.Series) -> pd.Series:
    geoms = landscape.units.geometry.reindex(region.index).to_numpy()
    groups = pd.Series(np.arange(len(region)), index=region.index).groupby(region.to_numpy())
    out = {r: shapely.union_all(geoms[idx.to_numpy()]) for r, idx in groups}
    return pd.Series(out, dtype=object)


def region_table(
    landscape: Landscape,
    assignment: pd.Series | Mapping[str, Any],
    spec: RegionSpec | None = None,
    graph: nx.Graph | None = None,
) -> pd.DataFrame:
    """One row per region: name, size, weights, shape and fit with collaborations.

    Parameters
    ----------
    landscape : Landscape
    assignment : Series or mapping
        Unit code -> region id; codes not in the landscape are ignored.
    spec : RegionSpec, optional
        Gives the split layers (``objective.split_layers``), the reference layer
        (``objective.reference``) and the overlap weight (``objective.split_by``).
    graph : networkx.Graph, optional
        Unit graph; gives the ``neighbours`` column (NA without a graph).

    Returns
    -------
    DataFrame
        Indexed by region id (sorted), columns:

        - ``name``: the dominant reference collaboration's name when the spec has a
          reference layer, else the region's largest unit by ``population`` (by area
          when there is no population column); repeated names get " (2)", " (3)" ...
          in region order.
        - ``units``: number of units; then the total of every weight column.
        - ``area_km2``: sum of unit areas; ``compactness``: Polsby-Popper of the
          dissolved region; ``boundary_km``: perimeter of the dissolved region.
        - ``collaborations_split``: collaborations of the split layers with a member
          in the region whose members lie in more than one region.
        - ``reference_region`` / ``reference_overlap``: the reference collaboration
          holding most of the region's weight and that share of the region's weight
          (weight: ``split_by``, else population, else unit count); NA without a
          reference layer.
        - ``neighbours``: adjacent region ids, comma-separated.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "population": [5, 1, 2]},
    ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, [Layer.from_partition("sop", {"A": "x", "B": "x", "C": "x"})])
    >>> t = region_table(land, {"A": "R01", "B": "R01", "C": "R02"})
    >>> t[["name", "units", "population", "area_km2", "collaborations_split"]].to_dict("index")
    {'R01': {'name': 'A', 'units': 2, 'population': 6, 'area_km2': 2.0, 'collaborations_split': 1}, 'R02': {'name': 'C', 'units': 1, 'population': 2, 'area_km2': 1.0, 'collaborations_split': 1}}
    """
    from ..spec import RegionSpec as _Spec

    region = as_assignment(assignment)
    region = region[region.index.isin(landscape.codes)]
    units = landscape.units.reindex(region.index)
    keys = region.to_numpy()
    ids = pd.Index(sorted(region.unique()), name="region", dtype=object)
    out = pd.DataFrame(index=ids)
    out["units"] = region.groupby(keys).size().reindex(ids, fill_value=0).astype(int)
    for column in landscape.weights:
        out[column] = units[column].groupby(keys).sum().reindex(ids, fill_value=0)
    area = pd.Series(shapely.area(units.geometry.to_numpy()), index=region.index)
    out["area_km2"] = area.groupby(keys).sum().reindex(ids, fill_value=0.0) / 1e6
    geoms = _region_geometries(landscape, region).reindex(ids)
    out["compactness"] = polsby_popper(geoms.to_numpy()) if len(ids) else []
    out["boundary_km"] = (shapely.length(geoms.to_numpy()) / 1000.0) if len(ids) else []

    # collaborations of the split layers that span more than one region
    objective = (spec or _Spec()).objective
    frames = []
    for name in split_layer_weights(landscape, objective):
        m = membership(landscape.layers[name])
        frames.append(pd.DataFrame({"layer": name, "collaboration": m["collaboration"],
                                    "region": region.reindex(m["unit"]).to_numpy(dtype=object)}))
    if frames:
        rows = pd.concat(frames, ignore_index=True)
        rows = rows[rows["region"].notna()]
        spans = rows.groupby(["layer", "collaboration"])["region"].transform("nunique")
        split_rows = rows[spans > 1].drop_duplicates()
        out["collaborations_split"] = (
            split_rows.groupby("region").size().reindex(ids, fill_value=0).astype(int)
        )
    else:
        out["collaborations_split"] = 0

    # reference region and overlap
    weight = _table_weight(landscape, spec).reindex(region.index)
    reference = objective.reference
    names = None
    if reference is not None and reference in landscape.layers:
        layer = landscape.layers[reference]
        m = membership(layer)
        m = m[m["unit"].isin(region.index)]
        f = pd.DataFrame({"region": region.reindex(m["unit"]).to_numpy(dtype=object),
                          "collaboration": m["collaboration"].to_numpy(dtype=object),
                          "w": weight.reindex(m["unit"]).to_numpy(dtype=float)})
        per = f.groupby(["region", "collaboration"])["w"].sum().reset_index()
        per = per.sort_values(["region", "w", "collaboration"], ascending=[True, False, True],
                              kind="stable").drop_duplicates("region").set_index("region")
        total = weight.groupby(keys).sum().reindex(ids)
        out["reference_region"] = per["collaboration"].reindex(ids)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["reference_overlap"] = (per["w"].reindex(ids).fillna(0.0) / total).where(total > 0)
        cnames = layer.collaborations["name"].astype(str)
        names = out["reference_region"].map(lambda c: cnames.get(c, c) if pd.notna(c) else None)
    else:
        out["reference_region"] = pd.Series(pd.NA, index=ids, dtype=object)
        out["reference_overlap"] = np.nan
    # readable names
    by = "population" if "population" in units.columns else None
    size = units[by].astype(float) if by else area
    frame = pd.DataFrame({"region": keys, "size": size.to_numpy(), "code": region.index,
                          "uname": units["name"].to_numpy(dtype=object)})
    frame = frame.sort_values(["region", "size", "code"], ascending=[True, False, True],
                              kind="stable").drop_duplicates("region").set_index("region")
    largest = frame["uname"].reindex(ids)
    if names is not None:
        names = names.where(names.notna(), largest)
    else:
        names = largest
    counts = names.groupby(names.to_numpy()).cumcount() + 1
    out.insert(0, "name", [n if c == 1 else f"{n} ({c})" for n, c in zip(names, counts,
                                                                           strict=True)])
    # neighbours
    if graph is not None and len(ids):
        edges = list(graph.edges())
        if edges:
            u, v = zip(*edges, strict=True)
            ru = region.reindex(pd.Index(u, dtype=object)).to_numpy(dtype=object)
            rv = region.reindex(pd.Index(v, dtype=object)).to_numpy(dtype=object)
            ok = pd.notna(ru) & pd.notna(rv) & (ru != rv)
            pairs = pd.DataFrame({"a": np.concatenate([ru[ok], rv[ok]]),
                                  "b": np.concatenate([rv[ok], ru[ok]])}).drop_duplicates()
            joined = pairs.sort_values("b").groupby("a")["b"].agg(",".join)
            out["neighbours"] = joined.reindex(ids).fillna("").astype(object)
        else:
            out["neighbours"] = ""
    else:
        out["neighbours"] = pd.Series(pd.NA, index=ids, dtype=object)
    return out


# ---------------------------------------------------------------- verification
@dataclasses.dataclass(frozen=True)
class Verification:
    """Result of :func:`verify_plan`.

    Attributes
    ----------
    ok : bool
        All checks passed.
    partition : bool
        Every unit of the landscape is assigned exactly once, no unknown codes.
    contiguous : bool
        Every region is connected in the unit graph (with the declared links).
    bounds_ok : bool
        Number of regions (k, k_min, k_max), weight bounds and unit counts met.
    locks_ok : bool
        Locks (together, apart, own_region, fixed) and ``alliance_hard`` met.
    problems : tuple of str
        One line per violation, naming regions, unit codes and numbers.
    """

    ok: bool
    partition: bool
    contiguous: bool
    bounds_ok: bool
    locks_ok: bool
    problems: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.ok


def _bound_limits(bound: Bound, total: float, k: int) -> tuple[float | None, float | None, str]:
    """Absolute (lower, upper) of a bound for ``k`` regions, and a description."""
    if not bound.relative:
        return bound.lower, bound.upper, ""
    mean = total / k if k > 0 else float("nan")
    lo = None if bound.lower is None else bound.lower * mean
    hi = None if bound.upper is None else bound.upper * mean
    return lo, hi, f" (relative to the mean {_fmt(mean)} = total {_fmt(total)} / {k} regions)"


def _exceeds_upper(value: float, upper: float) -> bool:
    return value > upper + _REL_TOL * max(1.0, abs(upper))


def _below_lower(value: float, lower: float) -> bool:
    return value < lower - _REL_TOL * max(1.0, abs(lower))


def island_regions(region: pd.Series, graph: nx.Graph) -> set[str]:
    """Regions that are exactly one graph component other than the largest.

    With ``RegionSpec.allow_islands`` such regions (e.g. a Wadden island without a
    ferry link) are exempt from lower bounds and ``min_units``.

    Parameters
    ----------
    region : Series
        Unit code -> region id.
    graph : networkx.Graph
        Unit graph (with links).

    Returns
    -------
    set of str

    Examples
    --------
    >>> import networkx as nx, pandas as pd
    >>> g = nx.Graph([("a", "b")]); g.add_node("i")
    >>> island_regions(pd.Series({"a": "R1", "b": "R1", "i": "R2"}), g)
    {'R2'}
    """
    from ..landscape.graph import components

    comps = components(graph)[1:]
    out = set()
    members = region.groupby(region.to_numpy()).apply(lambda s: frozenset(s.index))
    for comp in comps:
        key = frozenset(comp)
        rs = region.reindex(list(comp))
        if rs.notna().all() and rs.nunique() == 1 and members.get(rs.iloc[0]) == key:
            out.add(rs.iloc[0])
    return out


def verify_plan(
    landscape: Landscape,
    assignment: pd.Series | Mapping[str, Any] | None,
    spec: RegionSpec | None = None,
    *,
    graph: nx.Graph | None = None,
) -> Verification:
    """Check an assignment against a specification, independently of any model.

    Checks, each reported with unit codes and numbers:

    - partition: every landscape unit assigned exactly once, no unknown codes;
    - contiguity: every region connected in the unit graph *with* the declared
      links (ferries, tunnels);
    - bounds: ``k`` / ``k_min`` / ``k_max``, every :class:`~rato_opt.spec.Bound`
      (relative bounds against the mean = column total / number of regions) with a
      relative tolerance of 1e-6, ``min_units`` / ``max_units``;
    - locks: ``together``, ``apart``, ``own_region``, ``fixed`` (lock codes the
      landscape lacks are problems too) and ``objective.alliance_hard``.

    With ``spec.allow_islands`` a region that is exactly one unreachable component
    of the graph (an island without a link) is connected by definition and is
    exempt from lower bounds and ``min_units``.

    Parameters
    ----------
    landscape : Landscape
    assignment : Series or mapping, or None
        Unit code -> region id. ``None`` (no solution) fails every check.
    spec : RegionSpec, optional
        Defaults to ``RegionSpec()`` (only partition and contiguity are checked).
    graph : networkx.Graph, optional
        Unit graph; built with :func:`rato_opt.landscape.graph.graph_from_landscape` (with the
        spec's contiguity) when not given.

    Returns
    -------
    Verification

    Examples
    --------
    A 1 × 3 strip ``A B C`` with A and C in one region, B in another::

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> v = verify_plan(Landscape(u, {}), {"A": "R1", "B": "R2", "C": "R1"})
    >>> v.ok, v.contiguous, v.problems[0]
    (False, False, 'region R1 is not connected: 2 parts: A | C')
    """
    spec = RegionSpec() if spec is None else spec
    if not isinstance(spec, RegionSpec):
        raise ModelError(f"spec must be a RegionSpec, got {type(spec).__name__}")
    raw = _raw_assignment(assignment)
    codes = landscape.codes
    problems: list[str] = []

    # -- partition
    partition = True
    if assignment is None or len(raw) == 0:
        problems.append(f"no assignment: none of the {len(codes)} units has a region")
        partition = False
    dup = raw.index[raw.index.duplicated()].unique()
    if len(dup):
        partition = False
        problems.append(f"{len(dup)} unit(s) assigned more than once: {listing(dup)}")
    unknown = raw.index.difference(codes)
    if len(unknown):
        partition = False
        problems.append(f"{len(unknown)} unknown unit code(s) in the assignment: "
                        f"{listing(unknown)}")
    region = as_assignment(raw)
    region = region[region.index.isin(codes)]
    missing = codes.difference(region.index)
    if len(missing) and len(raw):
        partition = False
        problems.append(f"{len(missing)} unit(s) have no region: {listing(missing)}")

    if graph is None:
        from ..landscape.graph import graph_from_landscape

        graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
    islands = island_regions(region, graph) if spec.allow_islands else set()

    # -- contiguity
    contiguous = len(region) > 0
    inner = nx.Graph()
    inner.add_nodes_from(region.index)
    edges = [(a, b) for a, b in graph.edges() if a in region.index and b in region.index]
    if edges:
        ea, eb = zip(*edges, strict=True)
        ra = region.reindex(pd.Index(ea, dtype=object)).to_numpy(dtype=object)
        rb = region.reindex(pd.Index(eb, dtype=object)).to_numpy(dtype=object)
        same = ra == rb
        inner.add_edges_from(zip(np.asarray(ea, dtype=object)[same],
                                 np.asarray(eb, dtype=object)[same], strict=True))
    parts: dict[str, list[list[str]]] = {}
    for comp in nx.connected_components(inner):
        comp = sorted(comp)
        parts.setdefault(region[comp[0]], []).append(comp)
    for r in sorted(parts):
        pieces = parts[r]
        if len(pieces) > 1:
            contiguous = False
            pieces = sorted(pieces, key=lambda p: (-len(p), p[0]))
            shown = " | ".join(
                ", ".join(_unit_label(landscape, c) for c in p) if len(p) <= 3 else listing(p, 6)
                for p in pieces[:6]
            )
            problems.append(f"region {r} is not connected: {len(pieces)} parts: {shown}"
                            + (" | ..." if len(pieces) > 6 else ""))

    # -- number of regions, bounds, unit counts
    bounds_ok = True
    k_actual = int(region.nunique())
    if spec.k is not None and k_actual != spec.k:
        bounds_ok = False
        problems.append(f"the plan has {k_actual} regions, the spec asks for k={spec.k}")
    if spec.k_min is not None and k_actual < spec.k_min:
        bounds_ok = False
        problems.append(f"the plan has {k_actual} regions, fewer than k_min={spec.k_min}")
    if spec.k_max is not None and k_actual > spec.k_max:
        bounds_ok = False
        problems.append(f"the plan has {k_actual} regions, more than k_max={spec.k_max}")
    keys = region.to_numpy()
    sizes = region.groupby(keys).size()
    for bound in spec.bounds:
        if bound.column not in landscape.units.columns:
            bounds_ok = False
            problems.append(f"bound on unknown weight column {bound.column!r}; columns are "
                            f"{landscape.weights}")
            continue
        if k_actual == 0:
            continue
        totals = landscape.units[bound.column].astype(float).reindex(region.index).groupby(
            keys).sum()
        lo, hi, how = _bound_limits(bound, float(landscape.units[bound.column].sum()), k_actual)
        for r, value in totals.items():
            if hi is not None and _exceeds_upper(value, hi):
                bounds_ok = False
                problems.append(f"region {r} ({sizes[r]} units): {bound.column} {_fmt(value)} "
                                f"> upper bound {_fmt(hi)}{how}")
            if lo is not None and r not in islands and _below_lower(value, lo):
                bounds_ok = False
                problems.append(f"region {r} ({sizes[r]} units: {listing(region.index[keys == r], 5)}):"
                                f" {bound.column} {_fmt(value)} < lower bound {_fmt(lo)}{how}")
    for r, n in sizes.items():
        if spec.min_units is not None and n < spec.min_units and r not in islands:
            bounds_ok = False
            problems.append(f"region {r} has {n} units < min_units={spec.min_units}: "
                            f"{listing(region.index[keys == r])}")
        if spec.max_units is not None and n > spec.max_units:
            bounds_ok = False
            problems.append(f"region {r} has {n} units > max_units={spec.max_units}")

    # -- locks
    locks_ok = True
    locks = spec.locks
    bad = sorted(locks.codes - set(codes))
    if bad:
        locks_ok = False
        problems.append(f"locks name unknown unit code(s): {listing(bad)}")

    def where(group: Sequence[str]) -> str:
        return ", ".join(f"{c}->{region.get(c, 'none')}" for c in group)

    def one_region(group: Sequence[str]) -> Any:
        """The region holding every unit of ``group``; None when it is split or unassigned."""
        rs = region.reindex(list(group))
        if rs.isna().any() or rs.nunique() > 1:
            return None
        return rs.iloc[0]

    for group in locks.together:
        if one_region(group) is None:
            locks_ok = False
            problems.append(f"together group ({', '.join(group)}) is not in one region: "
                            f"{where(group)}")
    for a, b in locks.apart:
        ra, rb = region.get(a), region.get(b)
        if ra is not None and ra == rb:
            locks_ok = False
            problems.append(f"{a} and {b} must lie in different regions but both lie in {ra}")
    for group in locks.own_region:
        r = one_region(group)
        if r is None:
            locks_ok = False
            problems.append(f"own_region group ({', '.join(group)}) is not one region: "
                            f"{where(group)}")
            continue
        extra = region.index[keys == r].difference(list(group))
        if len(extra):
            locks_ok = False
            problems.append(f"own_region group ({', '.join(group)}) must form region "
                            f"{r} alone, but it also holds {listing(extra)}")
    if locks.fixed:
        fixed = pd.Series(locks.fixed, dtype=object)
        fixed = fixed[fixed.index.isin(region.index)]
        for label, members in fixed.groupby(fixed.to_numpy()):
            rs = region.reindex(members.index)
            if rs.nunique() > 1:
                locks_ok = False
                problems.append(f"units fixed to {label!r} lie in several regions: "
                                f"{where(sorted(members.index))}")
        pairs = pd.DataFrame({"label": fixed.to_numpy(),
                              "region": region.reindex(fixed.index).to_numpy(dtype=object)})
        pairs = pairs.drop_duplicates()
        shared = pairs.groupby("region")["label"].nunique()
        for r in shared.index[shared > 1]:
            labels = sorted(pairs.loc[pairs["region"] == r, "label"])
            locks_ok = False
            problems.append(f"region {r} holds units fixed to different labels {labels}")
    objective = spec.objective
    if objective.alliance_hard and len(region):
        name = objective.alliance_layer
        if name not in landscape.layers:
            locks_ok = False
            problems.append(f"alliance_hard: the landscape has no layer {name!r}")
        else:
            m = membership(landscape.layers[name])
            m = m[m["unit"].isin(region.index)]
            cover = (
                pd.DataFrame({"region": region.reindex(m["unit"]).to_numpy(dtype=object),
                              "alliance": m["collaboration"].to_numpy(dtype=object)})
                .groupby(["region", "alliance"]).size()
            )
            best = cover.groupby(level="region").max().reindex(sizes.index, fill_value=0)
            for r in sizes.index[best.to_numpy() < sizes.to_numpy()]:
                locks_ok = False
                inside = cover.loc[r] if r in cover.index.get_level_values(0) else pd.Series(
                    dtype=int)
                main = inside.idxmax() if len(inside) else None
                in_main = set(m.loc[m["collaboration"] == main, "unit"]) if main else set()
                outside = [c for c in region.index[keys == r] if c not in in_main]
                problems.append(
                    f"alliance_hard: region {r} lies in no single alliance; its main alliance "
                    f"{main!r} covers {int(best[r])} of {sizes[r]} units; outside it: "
                    f"{listing(outside)}"
                )
    ok = partition and contiguous and bounds_ok and locks_ok
    return Verification(ok=ok, partition=partition, contiguous=contiguous, bounds_ok=bounds_ok,
                        locks_ok=locks_ok, problems=tuple(problems))


# ---------------------------------------------------------------- the plan
def _empty_regions(landscape: Landscape) -> pd.DataFrame:
    columns = []
    for c in REGION_COLUMNS:
        columns.extend(landscape.weights if c == "<weights>" else [c])
    return pd.DataFrame(columns=columns, index=pd.Index([], name="region", dtype=object))


def _json_number(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    x = float(x)
    return None if not math.isfinite(x) else x


def _json_tree(value: Any) -> Any:
    """Nested dicts / lists with JSON-ready leaves (see :func:`_json_number`)."""
    if isinstance(value, Mapping):
        return {str(k): _json_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_tree(v) for v in value]
    if value is None or isinstance(value, str):
        return value
    return _json_number(value)


@dataclasses.dataclass(frozen=True, eq=False)
class Plan:
    """A region plan: assignment, region table, objective terms, status and verification.

    Build one with :meth:`from_assignment` (solvers) or :func:`score_plan` (any
    assignment); both compute every field from the assignment.

    Attributes
    ----------
    assignment : Series
        Index every unit code of the landscape once (in landscape order), values region
        id (``"R01"`` ...), NaN for a unit without region (an incomplete scored map);
        named ``"region"``. Empty when there is no solution (``"infeasible"``,
        ``"not_solved"``).
    regions : DataFrame
        See :func:`region_table`.
    objective : float
        ``sum(terms.values())``; NaN without an assignment.
    terms : mapping
        Weighted objective terms, keys :data:`rato_opt.assess.metrics.TERMS`.
    metrics : mapping
        Raw values (see :func:`rato_opt.assess.metrics.evaluate`) plus ``covered_share``
        (share of the landscape's units that have a region).
    status : str
        One of :data:`STATUSES`.
    bound : float or None
        Best proven lower bound on the objective (solvers).
    gap : float or None
        Relative optimality gap (solvers).
    seconds : float
        Solve time, or scoring time for status ``"scored"``.
    solver : str or None
        ``"HiGHS"`` or ``"CBC"`` when the integer program ran, ``"heuristic"`` when the
        plan comes from the warm start and annealing alone.
    verification : Verification
        Result of :func:`verify_plan`.
    explanation : tuple of str
        Why the problem is infeasible (pre-check or elastic re-solve), or why no plan
        was found or optimality was not claimed.
    run : mapping
        How the plan was made (solvers): ``seed``, ``budget`` (see
        :class:`rato_opt.spec.Budget`), ``time_limit``, ``deterministic`` (False when a
        wall-clock limit cut a stage short, or a stage was budgeted in seconds),
        ``stopped_by`` (``"optimal"``, ``"work_budget"``, ``"time_limit"``,
        ``"interrupted"``, ``"infeasible"``, ``"solver_failed"``), ``stages`` (what each
        stage contributed), ``claims_rejected`` (solver claims that did not survive
        checking) and ``versions`` (library and solver versions). Empty for scored plans.
    """

    assignment: pd.Series
    regions: pd.DataFrame
    objective: float
    terms: Mapping[str, float]
    metrics: Mapping[str, float]
    status: str
    bound: float | None
    gap: float | None
    seconds: float
    solver: str | None
    verification: Verification
    explanation: tuple[str, ...] = ()
    run: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ModelError(f"Plan.status must be one of {STATUSES}, got {self.status!r}")
        object.__setattr__(self, "explanation", tuple(self.explanation))
        object.__setattr__(self, "run", dict(self.run or {}))

    @property
    def n_regions(self) -> int:
        """Number of regions in the plan."""
        return int(self.assignment.nunique())

    def summary(self) -> dict[str, Any]:
        """A JSON-ready dict: regions, status, objective, bound, gap, seconds, contiguous,
        covered_share, verified, problems, terms (NaN becomes None).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> from rato_opt import Landscape, validate_units
        >>> u = validate_units(gpd.GeoDataFrame({"code": ["A", "B"]},
        ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        ...     crs="EPSG:28992"), code="code")
        >>> s = score_plan(Landscape(u, {}), {"A": 1, "B": 1}).summary()
        >>> s["regions"], s["status"], s["contiguous"], s["covered_share"]
        (1, 'scored', True, 1.0)
        """
        return {
            "regions": self.n_regions,
            "status": self.status,
            "objective": _json_number(self.objective),
            "bound": _json_number(self.bound),
            "gap": _json_number(self.gap),
            "seconds": _json_number(self.seconds),
            "solver": self.solver,
            "contiguous": bool(self.verification.contiguous),
            "covered_share": _json_number(self.metrics.get("covered_share")),
            "verified": bool(self.verification.ok),
            "problems": list(self.verification.problems),
            "terms": {k: _json_number(v) for k, v in self.terms.items()},
            "explanation": list(self.explanation),
            "run": _json_tree(self.run),
        }

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (f"Plan(status={self.status!r}, regions={self.n_regions}, "
                f"objective={self.objective:.6g}, verified={self.verification.ok})")

    @classmethod
    def from_assignment(
        cls,
        landscape: Landscape,
        assignment: pd.Series | Mapping[str, Any] | None,
        spec: RegionSpec | None = None,
        graph: nx.Graph | None = None,
        *,
        status: str,
        bound: float | None = None,
        gap: float | None = None,
        seconds: float = 0.0,
        solver: str | None = None,
        explanation: Sequence[str] = (),
        relabel: bool = True,
        run: Mapping[str, Any] | None = None,
    ) -> Plan:
        """Build a plan from an assignment, computing regions, terms and verification.

        Parameters
        ----------
        landscape : Landscape
        assignment : Series or mapping, or None
            Unit code -> region id (any labels). ``None`` or empty for no solution
            (e.g. status ``"infeasible"``): the plan's assignment is then empty, its
            region table has no rows, terms and objective are NaN and the
            verification fails.
        spec : RegionSpec, optional
            The specification solved or checked; defaults to ``RegionSpec()``.
        graph : networkx.Graph, optional
            Unit graph (built with the spec's contiguity when not given).
        status : str
            One of :data:`STATUSES`.
        bound, gap : float, optional
            Solver's best bound and relative gap.
        seconds : float, default 0.0
            Time spent.
        solver : str, optional
            Solver name, e.g. ``"highs"``.
        explanation : sequence of str
            Infeasibility explanation.
        relabel : bool, default True
            Relabel regions with :func:`canonical_regions` (``R01`` ...).
        run : mapping, optional
            How the plan was made (see the class attributes).

        Returns
        -------
        Plan
        """
        spec = RegionSpec() if spec is None else spec
        if graph is None:
            from ..landscape.graph import graph_from_landscape

            graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
        raw = _raw_assignment(assignment)
        clean = as_assignment(raw)
        clean = clean[clean.index.isin(landscape.codes)]
        if relabel and len(clean):
            canonical = canonical_regions(clean)
            mapping = dict(zip(clean.reindex(canonical.index).to_numpy(), canonical.to_numpy(),
                               strict=True))
            raw = raw.map(lambda r: mapping.get(r, r) if pd.notna(r) else r)
            clean = canonical
        else:
            clean = clean.sort_index()
        verification = verify_plan(landscape, raw if assignment is not None else None, spec,
                                   graph=graph)
        if len(clean):
            terms, metrics = evaluate(landscape, clean, spec, graph)
            regions = region_table(landscape, clean, spec, graph)
            objective = float(sum(terms.values()))
        else:
            terms = {key: float("nan") for key in TERMS}
            metrics = {}
            regions = _empty_regions(landscape)
            objective = float("nan")
        metrics["covered_share"] = len(clean) / len(landscape.codes) if len(landscape.codes) else 0.0
        if len(clean):
            full = clean.reindex(landscape.codes).astype(object).rename("region")
        else:  # no solution: an empty assignment
            full = pd.Series([], index=pd.Index([], dtype=object), dtype=object, name="region")
        full = full.rename_axis("code")
        return cls(
            assignment=full,
            regions=regions,
            objective=objective,
            terms=terms,
            metrics=metrics,
            status=status,
            bound=bound,
            gap=gap,
            seconds=float(seconds),
            solver=solver,
            verification=verification,
            explanation=tuple(explanation),
            run=dict(run or {}),
        )


def score_plan(
    landscape: Landscape,
    assignment: pd.Series | Mapping[str, Any],
    spec: RegionSpec | None = None,
    *,
    graph: nx.Graph | None = None,
    relabel: bool = True,
) -> Plan:
    """Score any assignment with the same metrics as a solved plan (status ``"scored"``).

    Use it for the existing arbeidsmarktregio partition or a planner's hand-made map.
    An incomplete or invalid map is scored as far as possible; its problems are in
    ``plan.verification.problems``.

    Parameters
    ----------
    landscape : Landscape
    assignment : Series or mapping
        Unit code -> region id.
    spec : RegionSpec, optional
        Objective weights and constraints to score and verify against.
    graph : networkx.Graph, optional
        Unit graph; built when not given.
    relabel : bool, default True
        Relabel regions ``R01``...; False keeps the given ids (e.g. ``AM02``).

    Returns
    -------
    Plan
        ``seconds`` is the scoring time.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, [Layer.from_partition("sop", {"A": "x", "B": "x", "C": "y"})])
    >>> plan = score_plan(land, {"A": "a", "B": "b", "C": "b"})
    >>> plan.assignment.tolist(), round(plan.objective, 4), plan.verification.ok
    (['R01', 'R02', 'R02'], 0.3333, True)
    """
    start = time.perf_counter()
    spec = RegionSpec() if spec is None else spec
    if graph is None:
        from ..landscape.graph import graph_from_landscape

        graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
    plan = Plan.from_assignment(landscape, assignment, spec, graph, status="scored",
                                relabel=relabel)
    return dataclasses.replace(plan, seconds=time.perf_counter() - start)
