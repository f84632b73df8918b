"""The lower bound every solve reports: the best of the per-collaboration bounds.

:func:`lower_bounds` computes each bound of :data:`METHODS` (``"knapsack"`` and
``"connected"`` from :mod:`rato_opt.optimize.bounds`, ``"hitting"`` from
:mod:`rato_opt.optimize.count_bound`); :func:`split_lower_bound` is their maximum, the
value :func:`rato_opt.optimize.stages.bound_stage` trusts (cross-checked against every
verified plan of the run).
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (used by the doctest)

from .bounds import METHODS, capacities, collaboration_groups, connected_cuts, knapsack_cuts
from .count_bound import hitting_lower_bound
from .problem import as_problem

__all__ = ["METHODS", "MAX_PATH_SOURCES", "path_sources", "cut_sum", "lower_bounds",
           "split_lower_bound"]

#: Work cap of the path bounds (``"connected"``, ``"hitting"``): shortest-path trees
#: (members of every collaboration x upper bounds) above which they are not computed and
#: only the knapsack bound is reported. Measured at k = 35 with the school boards: the
#: 342 gemeenten need 1,073 trees (well under a second), the mixed map with the four big
#: cities in wijken 6,610 (about 4 s), the 3,393 wijken 21,650 (30 s for the connected
#: bound, which raised the knapsack bound only from 0.0266 to 0.0274).
MAX_PATH_SOURCES = 10_000


def path_sources(problem) -> int:
    """Shortest-path trees the path bounds need: members x upper bounds, summed."""
    model = as_problem(problem)
    return len(capacities(model)) * sum(len(m) for _, group in collaboration_groups(model)
                                        for m, _ in group.members)


def cut_sum(problem, cut) -> float:
    return sum(group.coef * cut(problem, m, w)
               for _, group in collaboration_groups(problem) for m, w in group.members)


def lower_bounds(problem, methods: tuple[str, ...] = METHODS, *,
                 max_sources: int | None = None) -> dict[str, float]:
    """Every lower bound of :data:`METHODS` on the objective, by name.

    With ``max_sources``, the path bounds are left out (not in the result) when they
    would need more shortest-path trees than that (:func:`path_sources`).

    ``"knapsack"`` and ``"connected"`` sum :func:`knapsack_cuts` and
    :func:`connected_cuts`; ``"hitting"`` is
    :func:`rato_opt.optimize.count_bound.hitting_lower_bound` (the connected bound
    plus what overlapping collaborations force). Each is 0 without upper bounds.
    """
    model = as_problem(problem)
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise ValueError(f"unknown bound method(s) {unknown}; choose from {list(METHODS)}")
    out: dict[str, float] = {}
    if not capacities(model):
        return dict.fromkeys(methods, 0.0)
    if "knapsack" in methods:
        out["knapsack"] = cut_sum(model, knapsack_cuts)
    if max_sources is not None and path_sources(model) > max_sources:
        return out
    if "connected" in methods or "hitting" in methods:
        cuts = {group.name: [connected_cuts(model, m, w) for m, w in group.members]
                for _, group in collaboration_groups(model)}
        if "connected" in methods:
            out["connected"] = sum(group.coef * sum(cuts[group.name])
                                   for _, group in collaboration_groups(model))
        if "hitting" in methods:
            out["hitting"] = hitting_lower_bound(model, cuts=cuts)
    return out


def split_lower_bound(problem, *, method: str = "best") -> float:
    """Lower bound on the objective of every plan of ``model`` (0 without upper bounds).

    Parameters
    ----------
    problem : CompiledProblem
        The compiled problem (a :class:`~rato_opt.optimize.model.RegionModel` works too).
    method : {"best", "knapsack", "connected", "hitting"}, default "best"
        Which bound (:func:`lower_bounds`); ``"best"`` is the largest of them.

    Returns
    -------
    float
        ``sum over terms and collaborations of coef * (split weight proven)``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> from rato_opt.spec import RegionSpec, Bound, Objective
    >>> from rato_opt.optimize.problem import compile_problem
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abcd"),
    ...     "population": [1, 1, 1, 1]}, geometry=[box(i, 0, i + 1, 1) for i in range(4)],
    ...     crs="EPSG:28992"), code="code")
    >>> land = Landscape(units, [Layer.from_partition("sop", dict.fromkeys("abcd", "x"))])
    >>> spec = RegionSpec(k=2, bounds=[Bound("population", upper=2)],
    ...                   objective=Objective(split=1.0))
    >>> problem = compile_problem(land, spec)
    >>> # the four units of "x" need two regions of at most 2: half of "x" is always split
    >>> float(split_lower_bound(problem)), problem.objective(np.array([0, 0, 1, 1]))
    (0.5, 0.5)
    """
    if method == "best":
        return max(lower_bounds(problem).values(), default=0.0)
    return lower_bounds(problem, (method,))[method]
