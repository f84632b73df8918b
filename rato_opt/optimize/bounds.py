"""Lower bounds on the objective that need no solver: fractional knapsacks per collaboration.

A collaboration's split cost is its membership weight outside its main region,
``W_c - max_r load_{c,r}``. Whatever the plan, the part of ``c`` in one region must fit
under every upper bound of the spec (population, pupils, unit count ...), so the largest
part that can be kept together is at most the value of a knapsack: items are ``c``'s
member units, values their membership weights, sizes their bound weights, capacity the
bound. The fractional (LP) knapsack is solved exactly by a greedy pass and is an upper
bound on the integer one, so ``W_c - knapsack`` is a valid lower bound on ``c``'s split
cost for every plan, connected or not. Summed over the collaborations of the split,
alignment and stay-close terms (which all have this form) and weighted like the
objective, it is a lower bound on the objective, since every other term is >= 0.

It is weak where upper bounds are loose and useful where they bind: a collaboration
larger than any region must be split.
"""

from __future__ import annotations

import numpy as np

from .problem import as_problem

__all__ = ["fractional_knapsack", "capacities", "split_lower_bound"]


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


def split_lower_bound(problem) -> float:
    """Lower bound on the objective of every plan of ``model`` (0 without upper bounds).

    Parameters
    ----------
    problem : CompiledProblem
        The compiled problem (a :class:`~rato_opt.optimize.model.RegionModel` works too).

    Returns
    -------
    float
        ``sum over terms and collaborations of coef * (W_c - knapsack_c)``.

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
    model = as_problem(problem)
    caps = capacities(model)
    if not caps:
        return 0.0
    total = 0.0
    for term in ("split", "alignment", "stay_close"):
        for group in model.groups.get(term, ()):
            for members, weights in group.members:
                w = np.asarray(weights, dtype=float)
                whole = float(w.sum())
                cut = max(whole - fractional_knapsack(w, bw[np.asarray(members)], cap)
                          for bw, cap in caps)
                total += group.coef * max(cut, 0.0)
    return total
