"""Independent verification of a plan against a region specification.

Nothing here knows how a plan was found. :func:`verify_plan` checks an assignment
against a :class:`~rato_opt.spec.RegionSpec` with plain pandas and networkx, so it can
check a solver's answer as well as a planner's hand-made map; every violation is
reported with region ids, unit codes and numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from .._util import fmt_number, listing, region_label
from ..exceptions import ModelError
from ..spec import Bound, RegionSpec
from .split import as_assignment, membership

if TYPE_CHECKING:  # pragma: no cover
    from ..landscape.coverage import Landscape

__all__ = ["Verification", "verify_plan", "island_regions"]

_REL_TOL = 1e-6


def raw_assignment(assignment: pd.Series | Mapping[str, Any] | None) -> pd.Series:
    """An assignment as given: codes and region ids as str, NaN and duplicate codes kept.

    :func:`~rato_opt.assess.split.as_assignment` cleans an assignment (drops missing
    regions and repeated codes); verification needs the raw form to report them.

    Examples
    --------
    >>> raw_assignment({"A": 1.0, "B": None}).tolist()
    ['1', nan]
    """
    if assignment is None:
        return pd.Series([], index=pd.Index([], name="code", dtype=object), dtype=object,
                         name="region")
    s = assignment if isinstance(assignment, pd.Series) else pd.Series(dict(assignment),
                                                                         dtype=object)
    values = np.array([region_label(v) if pd.notna(v) else np.nan for v in s.to_numpy()],
                      dtype=object)
    return pd.Series(values, index=pd.Index([str(c) for c in s.index], name="code", dtype=object),
                     name="region", dtype=object)


def _unit_label(landscape: Landscape, code: str) -> str:
    """``"Name (code)"``, or just the code when the name is the code."""
    name = landscape.units["name"].get(code, code)
    return code if name == code else f"{name} ({code})"


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
    how = f" (relative to the mean {fmt_number(mean)} = total {fmt_number(total)} / {k} regions)"
    return lo, hi, how


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
    raw = raw_assignment(assignment)
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
                problems.append(f"region {r} ({sizes[r]} units): {bound.column} "
                                f"{fmt_number(value)} > upper bound {fmt_number(hi)}{how}")
            if lo is not None and r not in islands and _below_lower(value, lo):
                bounds_ok = False
                listed = listing(region.index[keys == r], 5)
                problems.append(f"region {r} ({sizes[r]} units: {listed}): {bound.column} "
                                f"{fmt_number(value)} < lower bound {fmt_number(lo)}{how}")
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
