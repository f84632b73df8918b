"""A coarse start for maps of finer units: solve the parents, then refine.

Region growing on thousands of small units rarely meets tight balance bounds (on a
3,400-unit synthetic country at 0.6-1.85 x mean it left a violation of 0.33 after
5 s and after 20 s alike), and the p-median start does not scale there either. When
the units name a parent (the ``gemeente`` column of wijk and mixed-resolution maps,
:mod:`rato_opt.landscape.resolution`), :func:`coarse_start` solves the coarser map
first, with every parent whole except those that cannot be (a parent above an upper
bound, or whose units are not connected, stays in its finer units), and offers the
coarse plan carried down to the finer units. Region totals are the same at both
levels, so the carried-down plan meets the bounds; the later stages then improve it
unit by unit. It runs on every map whose units have parents, also when a start was
found at the finer level: single-unit moves rarely reunite a gemeente that a start split
(on the mixed map with the four big cities in wijken and a count of gemeenten split in
the objective, the finer starts kept two cities split at objective 0.32-0.49, where the
carried-down plan splits none).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..landscape.resolution import coarsen_landscape
from .problem import CompiledProblem
from .runstate import RunState

__all__ = ["PARENT_COLUMN", "COARSE_SHARE", "parent_groups", "coarse_start"]

#: Unit column naming each unit's parent.
PARENT_COLUMN = "gemeente"
#: Share of the time left that the coarse solve may use in wall-clock mode.
COARSE_SHARE = 0.6


def parent_groups(problem: CompiledProblem, column: str = PARENT_COLUMN) -> pd.Series | None:
    """The merged unit of every unit: its parent, where the parent can stay whole.

    A parent stays split into its units when its weight exceeds an upper bound (at
    the plan's number of regions) or when its units are not connected to each other
    (each connected part then becomes one merged unit).

    Returns
    -------
    Series or None
        Unit code -> merged unit code; None when the units have no ``column`` or no
        parent would merge two units.
    """
    units = problem.landscape.units
    if column not in units.columns:
        return None
    parent = units[column].astype(str).reindex(problem.codes).to_numpy()
    q = problem.choose_q()
    too_big = np.zeros(problem.n, dtype=bool)
    for row in problem.bounds:
        _, upper = row.limits(q)
        if upper is None:
            continue
        per = pd.Series(row.weights).groupby(parent).transform("sum").to_numpy()
        too_big |= per > upper + 1e-9
    keys = np.where(too_big, np.asarray(problem.codes, dtype=object), parent)
    # split parents whose units are not connected
    adj = sp.coo_matrix(problem.adjacency)
    same = keys[adj.row] == keys[adj.col]
    inner = sp.coo_matrix((np.ones(int(same.sum())), (adj.row[same], adj.col[same])),
                          shape=(problem.n, problem.n))
    _, comp = connected_components(inner, directed=False)
    first = pd.Series(keys).groupby(comp).transform("first").to_numpy()
    parts = pd.Series(comp).groupby(first).transform(lambda c: pd.factorize(c)[0]).to_numpy()
    many = pd.Series(comp).groupby(first).transform("nunique").to_numpy() > 1
    merged = np.where(many, [f"{k}~{p}" for k, p in zip(first, parts, strict=True)], first)
    if len(set(merged)) == problem.n:
        return None
    return pd.Series(merged, index=pd.Index(problem.codes, name="code"), name="group")


def coarse_start(problem: CompiledProblem, run: RunState) -> dict[str, Any] | None:
    """Solve the coarser map and offer its plan carried down to the units.

    The coarse solve runs :func:`rato_opt.optimize.pipeline.propose_regions` with the
    run's budget (in wall-clock mode: :data:`COARSE_SHARE` of the time left). It is
    skipped when the spec has a start plan or locks (they name finer units).

    Returns
    -------
    dict or None
        What happened (``units`` of the coarse map, its ``status`` and ``objective``,
        whether the carried-down plan ``verified``); None when skipped.
    """
    spec = problem.spec
    locks = spec.locks
    if spec.start is not None or any((locks.together, locks.apart, locks.own_region,
                                      locks.fixed)):
        return None
    groups = parent_groups(problem)
    if groups is None:
        return None
    from .pipeline import propose_regions  # the pipeline runs this stage

    coarse = coarsen_landscape(problem.landscape, groups)
    left = run.remaining()
    limit = None if left is None else COARSE_SHARE * left
    if limit is not None and limit < 2.0:
        return None
    plan = propose_regions(coarse, dataclasses.replace(spec, start=None),
                           budget=run.budget, time_limit=limit, solver=run.solver)
    info: dict[str, Any] = {"units": len(coarse.codes), "status": plan.status,
                            "objective": plan.objective, "verified": False}
    if plan.run.get("time_limit_hit"):
        run.limits.add("time_limit")
    if not plan.run.get("deterministic", False):
        run.clocked.append("coarse_start")
    if plan.assignment is None or not len(plan.assignment) or (
            isinstance(plan.objective, float) and math.isnan(plan.objective)):
        return info
    fine = groups.map(plan.assignment.astype(str))
    if fine.isna().any():
        return info
    info["verified"] = run.offer(fine.rename("region"))
    return info
