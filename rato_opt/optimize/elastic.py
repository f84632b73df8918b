"""Explain why a region model is infeasible: an elastic re-solve.

:func:`explain` rebuilds the model with a non-negative slack on every bound
(per region and side) and on every lock, minimises the total slack (bound slacks
relative to the bound, lock slacks with a high penalty) and names the bounds and
locks that must move, and by how much. Contiguity, the partition and the number
of regions stay hard: when even the elastic model is infeasible the explanation
says so.
"""

from __future__ import annotations

import numpy as np

from .backends import run_cbc, run_highs
from .model import RegionModel
from .problem import unit_weights

__all__ = ["explain"]


def _fmt(x: float) -> str:
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.4g}"


def explain(
    model: RegionModel,
    *,
    solver: str = "highs",
    time_limit: float | None = 30.0,
    threads: int | None = None,
) -> list[str]:
    """Name the bounds and locks that must move to make ``model`` feasible.

    Parameters
    ----------
    model : RegionModel
        A model the solver reported infeasible (any model works).
    solver : {"highs", "cbc"}, default "highs"
    time_limit : float, optional, default 30
        Seconds for the elastic solve.
    threads : int, optional

    Returns
    -------
    list of str
        One sentence per bound or lock that must move, e.g. ``"population upper
        bound 640,000 must rise to 931,298 for region containing Amsterdam
        (GM0363)"``; empty when the model is feasible as it is.

    Examples
    --------
    Two units of population 5 and 1 in one region cannot stay under 4::

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> from rato_opt.optimize.model import Bound, RegionSpec, build_model
    >>> units = validate_units(gpd.GeoDataFrame({"code": ["a", "b"], "population": [5, 1]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(units, [Layer.from_partition("sop", {"a": "x", "b": "x"})])
    >>> m = build_model(land, RegionSpec(k=1, bounds=[Bound("population", upper=4)]), check=False)
    >>> explain(m, time_limit=10)
    ['population upper bound 4 must rise to 6 for region containing a (a)']
    """
    em = RegionModel(model.compiled, formulation="flow", elastic=True)
    kwargs = dict(time_limit=time_limit, threads=threads, msg=False, start=False)
    if solver == "highs":
        kwargs["on_progress"] = None
        run = run_highs(em, **kwargs)
    else:
        run = run_cbc(em, **kwargs)
    if not run["has_solution"]:
        if run["status"] == "infeasible":
            return [
                f"infeasible even with every bound and lock relaxed: {em.k_min}..{em.k_max} "
                "contiguous regions cannot be formed on this unit graph (check k and the links)"
            ]
        return ["the elastic re-solve found no solution in time; raise the time limit"]
    lab = em.labels_of(em.assignment_from_values())
    names = em.landscape.units["name"].astype(str).to_numpy()
    out = []
    for var, _name, info in em.slacks:
        val = var.varValue or 0.0
        if val <= 1e-6:
            continue
        if "side" in info:
            r = info["region"]
            members = np.flatnonzero(lab == r)
            if len(members) == 0:
                continue
            b = info["bound"]
            column = info["column"]
            w = np.ones(em.n) if column == "units" else unit_weights(em.landscape, column)
            load = float(w[members].sum())
            total = float(w.sum())
            q = int(lab.max()) + 1
            limit = getattr(b, info["side"])
            if b.relative:
                limit = limit * total / q
            if info["side"] == "upper" and load <= limit + 1e-6:
                continue
            if info["side"] == "lower" and load >= limit - 1e-6:
                continue
            big = members[np.argmax(w[members])] if column != "units" else members[0]
            what = "number of units" if column == "units" else column
            verb = "rise" if info["side"] == "upper" else "fall"
            rel = (f" (factor {getattr(b, info['side'])} of the mean region total "
                   f"{_fmt(total / q)})" if b.relative else "")
            out.append(
                f"{what} {info['side']} bound {_fmt(limit)}{rel} must {verb} to {_fmt(load)} "
                f"for region containing {names[big]} ({em.codes[big]})"
            )
        else:
            units = ", ".join(info["units"])
            out.append(f"lock {info['kind']} ({units}) cannot hold and must be dropped")
    if not out:
        out.append("the elastic re-solve needed no slack: the model looks feasible "
                   "(the solver may have stopped early)")
    return sorted(set(out), key=out.index)

