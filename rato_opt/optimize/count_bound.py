"""How many collaborations every plan splits, and what that costs: a hitting-set bound.

A collaboration is *split* when its member units lie in more than one region (the
``regions`` column of :func:`rato_opt.assess.split.split_table` is 2 or more). Two facts
prove splits without a solver:

- **Forced splits.** A collaboration kept whole lies in one region ``R``, which is
  connected and within every upper bound. :func:`footprint_fits` rejects a footprint
  ``F`` when for some upper bound (unit weights ``b``, capacity ``C``)
  ``b(F) + max_{i,j in F} spare(i, j) > C``, where ``spare`` is the node-weighted
  shortest path in which the units of ``F`` cost 0: ``R`` holds a path between any two
  units of ``F``, and the units of that path outside ``F`` lie in ``R`` too (``inf``
  between islands, so a footprint over two islands never fits).
- **Overlapping groups.** Collaborations that share units and are all kept whole lie in
  one region together (a shared unit has one region), so a group of collaborations
  that is connected by shared units and whose joint footprint does not fit has at least
  one split member. Every such group (pairs and triples, :func:`infeasible_groups`) is
  a covering constraint; the fewest collaborations that meet all of them (a minimum
  hitting set, forced splits included) is a lower bound on the number split.

The hitting set is bounded from below by its LP relaxation, *certified* here: the dual
values HiGHS returns are clipped and scaled until they are exactly dual feasible, and a
dual-feasible solution's value bounds the LP (and so the integer) optimum from below
whatever the solver claimed. The count is an integer, so the certified value is rounded
up. :func:`hitting_lower_bound` turns the same constraints into a bound on the
objective: a split collaboration loses at least its lightest member.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from .bounds import capacities, collaboration_groups, connected_cuts, node_distances
from .problem import CompiledProblem, as_problem

__all__ = ["CountBound", "footprint_fits", "infeasible_groups", "certified_cover_bound",
           "count_bound", "count_lower_bound", "forced_splits", "hitting_lower_bound"]

#: Largest number of footprint tests :func:`infeasible_groups` runs (a work budget).
MAX_TESTS = 20_000


def footprint_fits(problem, units) -> bool:
    """False when no connected region within the upper bounds can hold all ``units``.

    True means only "not ruled out" (the test is a relaxation).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> from rato_opt.spec import Bound, RegionSpec
    >>> from rato_opt.optimize.problem import compile_problem
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abc"),
    ...     "population": [1, 5, 1]}, geometry=[box(9 * i, 0, 9 * i + 9, 9) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> p = compile_problem(Landscape(units, {}), RegionSpec(k=2,
    ...     bounds=[Bound("population", upper=6)]))
    >>> footprint_fits(p, [0, 1]), footprint_fits(p, [0, 2])  # a-c needs b on the way
    (True, False)
    """
    model = as_problem(problem)
    units = np.unique(np.asarray(units, dtype=int))
    caps = capacities(model)
    if any(float(bw[units].sum()) > cap for bw, cap in caps):
        return False
    heads = _part_heads(model, units)
    if len(heads) == 1:
        return True
    # units of the footprint cost 0, so one source per connected part gives all distances
    for bw, cap in caps:
        spare = node_distances(model, bw, heads, free=units)[:, heads]
        if float(bw[units].sum()) + float(spare.max()) > cap:
            return False
    return True


def _part_heads(model: CompiledProblem, units: np.ndarray) -> np.ndarray:
    """The first unit of every connected part of ``units`` (breadth-first search)."""
    left = set(units.tolist())
    heads = []
    for u in units.tolist():
        if u not in left:
            continue
        heads.append(u)
        left.discard(u)
        stack = [u]
        while stack:
            for v in model.nbrs[stack.pop()]:
                if v in left:
                    left.discard(v)
                    stack.append(v)
    return np.array(heads, dtype=int)


def infeasible_groups(problem, footprints, *, skip=(), max_size: int = 3,
                      max_tests: int = MAX_TESTS) -> list[tuple[int, ...]]:
    """Groups of overlapping collaborations that cannot all be kept whole.

    Parameters
    ----------
    problem : CompiledProblem
    footprints : sequence of numpy.ndarray
        Unit positions per collaboration.
    skip : iterable of int
        Collaborations left out (forced splits: every group holding one is met).
    max_size : int, default 3
        Largest group (2 = pairs only).
    max_tests : int, default MAX_TESTS
        Footprint tests at most, in a fixed order (fewer groups give a weaker bound, never
        a wrong one).

    Returns
    -------
    list of tuple of int
        Sorted collaboration indices per group; each group is connected through shared
        units, its joint footprint fails :func:`footprint_fits`, and no smaller listed
        group lies inside it.
    """
    model = as_problem(problem)
    n = len(footprints)
    skip = set(skip)
    live = [i for i in range(n) if i not in skip and len(footprints[i])]
    rows = np.repeat(np.arange(n), [len(f) for f in footprints])
    cols = np.concatenate([np.asarray(f, dtype=int) for f in footprints]) if n else []
    member = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, model.n))
    overlap = (member @ member.T).tolil()
    alive = set(live)
    nbrs = {i: sorted(j for j in overlap.rows[i] if j != i and j in alive) for i in live}
    tests = [0]
    cache: dict[tuple[int, ...], bool] = {}

    def fits(group: tuple[int, ...]) -> bool:
        if group not in cache:
            if tests[0] >= max_tests:
                return True
            tests[0] += 1
            cache[group] = footprint_fits(model, np.concatenate([footprints[i] for i in group]))
        return cache[group]

    found: list[tuple[int, ...]] = []
    level = [(i,) for i in live]
    bad: set[tuple[int, ...]] = set()
    for _ in range(2, max_size + 1):
        grown: set[tuple[int, ...]] = set()
        for group in level:
            for i in group:
                for j in nbrs[i]:
                    if j not in group:
                        grown.add(tuple(sorted((*group, j))))
        nxt = []
        for group in sorted(grown):
            if any(sub in bad for sub in _subgroups(group)):
                continue  # a smaller group already says one of these is split
            if fits(group):
                nxt.append(group)
            else:
                bad.add(group)
                found.append(group)
        level = nxt
    return found


def _subgroups(group: tuple[int, ...]):
    for k in range(len(group)):
        yield group[:k] + group[k + 1:]


def certified_cover_bound(n_items: int, groups, costs) -> float:
    """A certified lower bound on ``min sum costs[x]`` over sets ``x`` meeting every group.

    Solves the dual of the LP relaxation (``max sum y_G`` subject to
    ``sum_{G ∋ c} y_G <= costs[c]``, ``y >= 0``) with HiGHS, then makes the answer exactly
    dual feasible (negative values to 0, each group scaled down by its worst overloaded
    item); its value bounds every cover from below, whatever the solver reported.

    Examples
    --------
    >>> certified_cover_bound(3, [(0, 1), (1, 2), (0, 2)], [1, 1, 1])  # a triangle: 1.5
    1.5
    >>> certified_cover_bound(2, [], [1, 1])
    0.0
    """
    costs = np.asarray(costs, dtype=float)
    if not groups:
        return 0.0
    rows = np.concatenate([np.asarray(g, dtype=int) for g in groups])
    cols = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    a = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_items, len(groups)))
    res = linprog(-np.ones(len(groups)), A_ub=a, b_ub=costs, bounds=(0, None), method="highs")
    if res.x is None:
        return 0.0
    y = np.clip(np.nan_to_num(res.x, nan=0.0), 0.0, None)
    load = a @ y
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(load > costs, np.clip(costs, 0.0, None) / load, 1.0)
    y = y * np.array([min(1.0, float(ratio[list(g)].min())) for g in groups])
    return float(y.sum())


@dataclass(frozen=True)
class CountBound:
    """What :func:`count_bound` proved for one layer.

    Attributes
    ----------
    bound : int
        Collaborations split in every plan, at least.
    forced : tuple of str
        Collaborations that cannot be kept whole at all.
    groups : tuple of tuple of str
        Overlapping groups (without a forced member) of which at least one is split.
    cover : float
        The certified LP value of the hitting set over ``groups``.
    """

    bound: int
    forced: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    cover: float


def _layer_footprints(model: CompiledProblem, layer: str, weighted: bool):
    names, mat = model.membership(layer)
    mat = mat.tocsr()
    out = []
    for ci in range(len(names)):
        units = mat.indices[mat.indptr[ci]:mat.indptr[ci + 1]]
        if weighted:
            units = units[model.split_weights[units] > 0]
        out.append(np.sort(units))
    return names, out


def count_bound(problem, layer: str, *, weighted: bool = False, max_size: int = 3,
                max_tests: int = MAX_TESTS) -> CountBound:
    """Prove how many collaborations of ``layer`` every plan splits (see the module notes).

    Parameters
    ----------
    problem : CompiledProblem
    layer : str
        A layer of the landscape.
    weighted : bool, default False
        Count only members with a positive ``objective.split_by`` weight (for a count
        that ignores weightless members; the bound is then never larger).
    max_size, max_tests : int
        Passed to :func:`infeasible_groups`.

    Returns
    -------
    CountBound

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> from rato_opt.spec import Bound, RegionSpec
    >>> from rato_opt.optimize.problem import compile_problem
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abcd"),
    ...     "population": [1, 1, 1, 1]}, geometry=[box(9 * i, 0, 9 * i + 9, 9) for i in range(4)],
    ...     crs="EPSG:28992"), code="code")
    >>> table = pd.DataFrame({"unit": list("abccd"), "collaboration": list("xxxyy")})
    >>> boards = Layer.from_table("boards", table, units)
    >>> p = compile_problem(Landscape(units, [boards]), RegionSpec(k=2,
    ...     bounds=[Bound("population", upper=3)]))
    >>> # x fits (3), y fits (2), but together they hold 4 > 3 and share "c"
    >>> count_bound(p, "boards")
    CountBound(bound=1, forced=(), groups=(('x', 'y'),), cover=1.0)
    """
    model = as_problem(problem)
    names, feet = _layer_footprints(model, layer, weighted)
    if not capacities(model):
        return CountBound(0, (), (), 0.0)
    multi = [i for i, f in enumerate(feet) if len(f) >= 2]
    forced = [i for i in multi if not footprint_fits(model, feet[i])]
    sub = [feet[i] for i in multi]
    index = {c: k for k, c in enumerate(multi)}
    groups = infeasible_groups(model, sub, skip={index[i] for i in forced}, max_size=max_size,
                               max_tests=max_tests)
    cover = certified_cover_bound(len(multi), groups, np.ones(len(multi)))
    bound = len(forced) + (math.ceil(cover - 1e-9) if groups else 0)
    return CountBound(bound, tuple(names[i] for i in forced),
                      tuple(tuple(names[multi[k]] for k in g) for g in groups), cover)


def count_lower_bound(problem, layer: str, **kwargs) -> int:
    """Collaborations of ``layer`` split in every plan, at least (:func:`count_bound`)."""
    return count_bound(problem, layer, **kwargs).bound


def forced_splits(problem, layer: str, *, weighted: bool = False) -> tuple[str, ...]:
    """Collaborations of ``layer`` that no connected region within the bounds can hold.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> from rato_opt.spec import Bound, RegionSpec
    >>> from rato_opt.optimize.problem import compile_problem
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abc"),
    ...     "population": [1, 5, 1]}, geometry=[box(9 * i, 0, 9 * i + 9, 9) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> table = pd.DataFrame({"unit": list("acab"), "collaboration": list("xxyy")})
    >>> boards = Layer.from_table("boards", table, units)
    >>> p = compile_problem(Landscape(units, [boards]), RegionSpec(k=2,
    ...     bounds=[Bound("population", upper=6)]))
    >>> forced_splits(p, "boards")  # x's units are 1 + 1 but the way between them weighs 5
    ('x',)
    """
    model = as_problem(problem)
    names, feet = _layer_footprints(model, layer, weighted)
    if not capacities(model):
        return ()
    return tuple(names[i] for i, f in enumerate(feet)
                 if len(f) >= 2 and not footprint_fits(model, f))


def hitting_lower_bound(problem, *, cuts: dict | None = None, max_size: int = 3,
                        max_tests: int = MAX_TESTS) -> float:
    """Lower bound on the objective: connected cuts plus what overlapping groups force.

    Per weighted collaboration group (a split layer, alignment, stay close) with
    per-collaboration bound ``L_c`` (:func:`~rato_opt.optimize.bounds.connected_cuts`):
    a split collaboration loses at least ``m_c``, its lightest member, so its cost is at
    least ``L_c + x_c * max(0, m_c - L_c)`` with ``x_c`` = 1 when split. Forced splits
    have ``x_c = 1``, every group of :func:`infeasible_groups` needs one ``x_c = 1``; the
    certified LP value of that weighted hitting set is added to ``sum L_c``, times the
    group's coefficient. Never below the connected bound.

    Parameters
    ----------
    problem : CompiledProblem
    cuts : dict, optional
        Group name -> list of ``L_c`` (computed when omitted).
    max_size, max_tests : int
        Passed to :func:`infeasible_groups`.
    """
    model = as_problem(problem)
    if not capacities(model):
        return 0.0
    total = 0.0
    for _, group in collaboration_groups(model):
        feet = [np.asarray(m, dtype=int) for m, _ in group.members]
        low = (cuts or {}).get(group.name)
        if low is None:
            low = [connected_cuts(model, m, w) for m, w in group.members]
        extra = np.array([max(0.0, float(np.min(w)) - lc)
                          for (_, w), lc in zip(group.members, low, strict=True)])
        forced = [i for i, f in enumerate(feet) if not footprint_fits(model, f)]
        groups = infeasible_groups(model, feet, skip=set(forced), max_size=max_size,
                                   max_tests=max_tests)
        hit = float(extra[forced].sum()) + certified_cover_bound(len(feet), groups, extra)
        total += group.coef * (float(sum(low)) + hit)
    return total
