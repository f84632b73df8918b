"""Lower bounds on the objective that need no solver: knapsacks per collaboration.

A collaboration's split cost is its membership weight outside its main region,
``W_c - max_r load_{c,r}``. Whatever the plan, the part ``S`` of ``c`` kept in its main
region ``R`` must fit under every upper bound of the spec (population, pupils, unit
count ...), so the largest part that can be kept together is at most the value of a
knapsack: items are ``c``'s member units, values their membership weights, sizes their
bound weights, capacity the bound. The fractional (LP) knapsack is solved exactly by a
greedy pass and is an upper bound on the integer one, so ``W_c - knapsack`` is a valid
lower bound on ``c``'s split cost for every plan (:func:`knapsack_cuts`).

Regions are connected, which makes far-apart members costly (:func:`connected_cuts`):
``R`` also holds a path from any kept member to any other, and the units of such a path
that are not members of ``c`` count against the bound too. Summed over the
collaborations of the split, alignment and stay-close terms (which all have this form)
and weighted like the objective, either is a lower bound on the objective, since every
other term is >= 0. :mod:`rato_opt.optimize.count_bound` adds what pairs and triples of
overlapping collaborations force (at least one of them is split).

It is weak where upper bounds are loose and useful where they bind: a collaboration
larger than any region must be split.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.sparse.csgraph import dijkstra

from .problem import CompiledProblem, Group, as_problem

__all__ = ["fractional_knapsack", "capacities", "node_distances", "knapsack_cuts",
           "connected_cuts", "collaboration_groups", "METHODS"]

#: The bounds :func:`rato_opt.optimize.lower_bound.split_lower_bound` knows, weakest first; ``"best"`` takes the largest.
METHODS = ("knapsack", "connected", "hitting")


def fractional_knapsack(values: np.ndarray, sizes: np.ndarray, capacity: float) -> float:
    """Largest total value of items (fractions allowed) whose sizes add up to ``capacity``.

    Items of size 0 are taken whole. The greedy pass by value per size is optimal for
    the fractional problem.

    Examples
    --------
    >>> fractional_knapsack(np.array([6.0, 5.0, 4.0]), np.array([3.0, 5.0, 1.0]), 4.0)
    10.0
    >>> fractional_knapsack(np.array([6.0, 5.0]), np.array([3.0, 5.0]), 5.0)
    8.0
    """
    values = np.asarray(values, dtype=float)
    sizes = np.asarray(sizes, dtype=float)
    free = sizes <= 0
    kept = float(values[free].sum())
    v, s = values[~free], sizes[~free]
    if not len(v) or capacity <= 0:
        return kept
    order = np.argsort(-(v / s), kind="stable")
    left = float(capacity)
    for i in order:
        if s[i] <= left:
            kept += float(v[i])
            left -= float(s[i])
        else:
            kept += float(v[i]) * left / float(s[i])
            break
    return kept


def capacities(problem) -> list[tuple[np.ndarray, float]]:
    """(bound weight per unit, largest capacity of one region) per upper bound.

    Relative bounds are largest with the fewest regions, so ``k_min`` sets them.
    """
    model = as_problem(problem)
    out = []
    for row in model.bounds:
        if row.bound.upper is None:
            continue
        cap = (row.bound.upper * row.total / model.k_min if row.bound.relative
               else float(row.bound.upper))
        out.append((row.weights, cap))
    return out


def node_distances(problem: CompiledProblem, weights: np.ndarray, sources: np.ndarray,
                   free: np.ndarray | None = None) -> np.ndarray:
    """Node-weighted shortest paths from ``sources`` to every unit.

    The cost of a path is the sum of the weights of its units, the first one included;
    units in ``free`` cost nothing. ``inf`` where no path exists (islands).

    Parameters
    ----------
    problem : CompiledProblem
    weights : numpy.ndarray
        Weight per unit (>= 0).
    sources : numpy.ndarray
        Unit positions; one row per source.
    free : numpy.ndarray, optional
        Unit positions that cost 0.

    Returns
    -------
    numpy.ndarray
        ``len(sources) x n``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> from rato_opt.spec import RegionSpec
    >>> from rato_opt.optimize.problem import compile_problem
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abc")},
    ...     geometry=[box(9 * i, 0, 9 * i + 9, 9) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> p = compile_problem(Landscape(units, {}), RegionSpec(k=1))
    >>> node_distances(p, np.array([1.0, 5.0, 2.0]), np.array([0])).tolist()
    [[1.0, 6.0, 8.0]]
    >>> node_distances(p, np.array([1.0, 5.0, 2.0]), np.array([0]), free=np.array([0, 2]))
    array([[0., 5., 5.]])
    """
    cost = np.asarray(weights, dtype=float).copy()
    if free is not None:
        cost[np.asarray(free, dtype=int)] = 0.0
    adj = problem.adjacency
    # arc u -> v costs the weight of v; explicit zeros stay arcs in scipy's csgraph
    arcs = adj.copy()
    arcs.data = cost[adj.indices]
    sources = np.asarray(sources, dtype=int)
    dist = dijkstra(arcs, directed=True, indices=sources)
    return np.atleast_2d(dist) + cost[sources][:, None]


def collaboration_groups(problem) -> Iterator[tuple[str, Group]]:
    """(term, group) for every weighted collaboration group of the objective."""
    model = as_problem(problem)
    for term in ("split", "alignment", "stay_close"):
        for group in model.groups.get(term, ()):
            yield term, group


def knapsack_cuts(problem, members: np.ndarray, weights: np.ndarray) -> float:
    """Weight of one collaboration split in every plan, by the fractional knapsack.

    ``W - min over upper bounds of knapsack(values = weights, sizes = bound weights)``.
    """
    w = np.asarray(weights, dtype=float)
    whole = float(w.sum())
    cuts = [whole - fractional_knapsack(w, bw[np.asarray(members)], cap)
            for bw, cap in capacities(problem)]
    return max([0.0, *cuts])


def _anchor_keep(values, sizes, full, spare, a, cap) -> float:
    """Largest part kept with ``a`` under one bound (see :func:`connected_cuts`)."""
    if sizes[a] > cap:
        return 0.0
    ok = full <= cap
    ok[a] = False
    best = float(values[a])
    for t in np.unique(spare[ok]):
        items = ok & (spare <= t)
        left = cap - t - sizes[a]
        if left < 0:
            break
        best = max(best, float(values[a]) + fractional_knapsack(values[items], sizes[items],
                                                                left))
    return best


def connected_cuts(problem, members: np.ndarray, weights: np.ndarray) -> float:
    """Weight of one collaboration split in every plan, counting the paths between members.

    Parameters
    ----------
    problem : CompiledProblem
    members, weights : numpy.ndarray
        Unit positions of the collaboration and their membership weights.

    Returns
    -------
    float
        A lower bound on ``W - max_r load_r`` for every plan with connected regions;
        never below :func:`knapsack_cuts`.

    Notes
    -----
    *Validity.* Let ``S`` be the kept part (in the main region ``R``) and ``a`` any unit
    of ``S``; fix an upper bound with unit weights ``b`` and capacity ``C``. ``R`` is
    connected, so for every ``j`` in ``S`` it holds a path from ``a`` to ``j``:
    (1) ``b(R) >= full(a, j)``, the node-weighted shortest path (both ends counted), so
    a member with ``full(a, j) > C`` is not in ``S``; (2) the units of the path from
    ``a`` to the member ``j*`` of ``S`` farthest by ``spare`` (the shortest path in which
    members of the collaboration cost 0) that are not members lie in ``R`` but not in
    ``S``, so ``b(S) <= C - t`` with ``t = max_{j in S} spare(a, j)``. Hence ``S \\ {a}``
    is a feasible set of the knapsack with items ``{j : full <= C, spare <= t}`` and
    capacity ``C - t - b(a)``, and the kept weight is at most
    ``max_a min_bounds max_t (v_a + knapsack_t)``. Every one of these knapsacks is a
    restriction of the plain one (``a`` forced in, items and capacity cut), so this
    bound is never weaker; the maximum with :func:`knapsack_cuts` is returned anyway.
    Cost: one Dijkstra per member and bound, ``O(m)`` knapsacks per anchor.

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
    ...     bounds=[Bound("population", upper=5)]))
    >>> # "a" and "c" (1 each) fit the bound 5 together, but "b" (5) lies between them
    >>> knapsack_cuts(p, np.array([0, 2]), np.array([1.0, 1.0]))
    0.0
    >>> connected_cuts(p, np.array([0, 2]), np.array([1.0, 1.0]))
    1.0
    """
    model = as_problem(problem)
    members = np.asarray(members, dtype=int)
    values = np.asarray(weights, dtype=float)
    plain = knapsack_cuts(model, members, values)
    caps = capacities(model)
    if not caps or len(members) < 2:
        return plain
    keep = np.full(len(members), np.inf)
    for bw, cap in caps:
        sizes = bw[members]
        full = node_distances(model, bw, members)[:, members]
        spare = node_distances(model, bw, members, free=members)[:, members]
        for a in range(len(members)):
            keep[a] = min(keep[a], _anchor_keep(values, sizes, full[a], spare[a], a, cap))
    return max(plain, float(values.sum()) - float(keep.max()))
