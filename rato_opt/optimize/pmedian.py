r"""Balanced, contiguous p-median regions (Hess model with Shirabe flow contiguity).

The textbook districting model: every unit :math:`i` is assigned to a centre
unit :math:`j` (:math:`x_{ij} = 1`), exactly :math:`k` centres are open
(:math:`x_{jj} = 1`), every region meets the weight bounds, and a
single-commodity flow along the unit graph proves each region connected. The
objective is Hess's moment of inertia (weight × squared distance to the centre),
whose LP relaxation is tight, so the model finds *feasible, balanced* plans
quickly even when the bounds are tight.

rato_opt uses it as a warm start for :func:`rato_opt.optimize.pipeline.solve` when the
region-growing heuristic finds no plan within the bounds, and the benchmarks use
it as the "naive formulation" baseline.

.. math::

    \min \sum_{i,j} w_i d_{ij}^2 x_{ij} \quad\text{s.t.}\quad
    \sum_j x_{ij} = 1,\; x_{ij} \le x_{jj},\; \sum_j x_{jj} = k,\;
    L\,x_{jj} \le \sum_i a_i x_{ij} \le U\,x_{jj},

    \sum_{(v,i)} f_{vi} - \sum_{(i,v)} f_{iv} + M x_{ii} \ge 1,\quad
    f_{uv} \le M (1 - x_{uj} + x_{vj}) \;\forall j,

with :math:`M = n - k + 1`: a unit that is not a centre needs one unit of
inflow, and flow may only run between units of the same region. With
``candidates = m`` a unit may only join one of its ``m`` nearest centres (a
heuristic restriction that keeps the model small).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from ..exceptions import ModelError
from ..landscape.coverage import Landscape
from ..spec import RegionSpec
from .backends import highs_solver
from .problem import CompiledProblem, compile_problem

__all__ = ["PMedianModel", "resolve_bounds", "build_pmedian", "solve_pmedian", "pmedian_regions"]


@dataclasses.dataclass(frozen=True)
class PMedianModel:
    """A built p-median model and the maps needed to read its plan."""

    problem: Any
    x: dict[tuple[int, int], Any]
    codes: list[str]
    k: int
    candidates: list[list[int]]
    build_seconds: float

    @property
    def size(self) -> dict[str, int]:
        """Number of variables and constraints."""
        return {
            "variables": self.problem.numVariables(),
            "constraints": self.problem.numConstraints(),
        }


def resolve_bounds(units: pd.DataFrame, spec: RegionSpec, k: int) -> dict[str, tuple]:
    """Absolute ``(lower, upper)`` bounds per weight column for ``k`` regions.

    Relative bounds are factors of ``total / k``; several bounds on one column
    combine to the tightest.

    Examples
    --------
    >>> import pandas as pd
    >>> from rato_opt.spec import Bound, RegionSpec
    >>> spec = RegionSpec(k=2, bounds=(Bound("population", 0.5, 2, relative=True),))
    >>> resolve_bounds(pd.DataFrame({"population": [1, 3]}), spec, 2)
    {'population': (1.0, 4.0)}
    """
    out: dict[str, tuple] = {}
    for b in spec.bounds:
        scale = float(units[b.column].sum()) / k if b.relative else 1.0
        lo = None if b.lower is None else float(b.lower) * scale
        hi = None if b.upper is None else float(b.upper) * scale
        old_lo, old_hi = out.get(b.column, (None, None))
        lo = lo if old_lo is None else (old_lo if lo is None else max(lo, old_lo))
        hi = hi if old_hi is None else (old_hi if hi is None else min(hi, old_hi))
        out[b.column] = (lo, hi)
    return out


def _exact_k(spec: RegionSpec) -> int:
    if spec.k is not None:
        return int(spec.k)
    if spec.k_min is not None and spec.k_max is not None:
        return (int(spec.k_min) + int(spec.k_max)) // 2
    raise ModelError(
        "the p-median model needs a number of regions: set RegionSpec.k (or k_min and k_max)"
    )


def build_pmedian(
    landscape: Landscape | CompiledProblem,
    spec: RegionSpec | None = None,
    *,
    graph: nx.Graph | None = None,
    candidates: int | None = 30,
    weight: str | None = None,
    k: int | None = None,
) -> PMedianModel:
    """Build the p-median + flow-contiguity model (never solves it).

    Parameters
    ----------
    landscape : Landscape or CompiledProblem
        A compiled problem (:func:`rato_opt.optimize.problem.compile_problem`), or a
        landscape compiled here with ``spec`` and ``graph``. Unit centroids give the
        distances (km).
    spec : RegionSpec, optional
        Needed with a landscape. ``k`` (or the middle of ``k_min``/``k_max``),
        ``bounds``, ``min_units`` and ``max_units`` are used; objective terms and locks
        are not.
    graph : networkx.Graph, optional
        With a landscape: the unit graph (with links) along which the flow runs; built
        from the landscape when omitted.
    candidates : int or None, default 30
        Nearest centres a unit may join; ``None`` allows all unit pairs.
    weight : str, optional
        Weight of the moment of inertia: default the first bounded column, else
        ``population``, else unit counts.
    k : int, optional
        Number of regions, overriding the spec's.

    Returns
    -------
    PMedianModel

    Examples
    --------
    >>> from rato_opt.sources.synthetic import make_country
    >>> from rato_opt.landscape.graph import graph_from_landscape
    >>> land = make_country(n_units=60, seed=1)
    >>> m = build_pmedian(land, RegionSpec(k=4), graph=graph_from_landscape(land), candidates=10)
    >>> m.k, len(m.codes)
    (4, 60)
    """
    import pulp

    t0 = time.perf_counter()
    if isinstance(landscape, CompiledProblem):
        problem = landscape
    else:
        if spec is None:
            raise ModelError("build_pmedian(landscape, spec, ...) needs the RegionSpec; or pass "
                             "a compiled problem: build_pmedian(compile_problem(landscape, spec))")
        problem = compile_problem(landscape, spec, graph=graph)
    spec = problem.spec
    units = problem.landscape.units
    codes = list(problem.codes)
    n = len(codes)
    k = _exact_k(spec) if k is None else int(k)
    centroids = units.geometry.centroid
    xy = np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()]) / 1000.0
    d2 = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)
    if weight is None:
        weight = spec.bounds[0].column if spec.bounds else (
            "population" if "population" in units.columns else None)
    w = units[weight].to_numpy(float) if weight else np.ones(n)
    w = w / w.sum() if w.sum() > 0 else np.full(n, 1.0 / n)
    m = n if candidates is None or candidates >= n else int(candidates)
    if m < n:
        nearest = np.argsort(d2, axis=1, kind="stable")[:, :m]
        cand = [sorted(set(nearest[i].tolist()) | {i}) for i in range(n)]
    else:
        cand = [list(range(n)) for _ in range(n)]
    members: list[list[int]] = [[] for _ in range(n)]
    for i, cs in enumerate(cand):
        for j in cs:
            members[j].append(i)

    prob = pulp.LpProblem("pmedian_flow", pulp.LpMinimize)
    x = {
        (i, j): prob.add_variable(f"x_{i}_{j}", 0, 1, pulp.LpBinary)
        for i in range(n)
        for j in cand[i]
    }
    pos = problem.pos
    arcs = [(pos[str(u)], pos[str(v)]) for u, v in problem.graph.edges()]  # graph order
    arcs += [(b, a) for a, b in arcs]
    f = {(u, v): prob.add_variable(f"f_{u}_{v}", 0, None) for u, v in arcs}
    prob += pulp.LpAffineExpression([(x[i, j], float(w[i] * d2[i, j])) for (i, j) in x]), "inertia"
    for i in range(n):
        prob += pulp.lpSum(x[i, j] for j in cand[i]) == 1, f"assign_{i}"
    for (i, j), var in x.items():
        if i != j:
            prob += var - x[j, j] <= 0, f"open_{i}_{j}"
    prob += pulp.lpSum(x[j, j] for j in range(n)) == k, "k_centres"
    for col, (lo, hi) in resolve_bounds(units, spec, k).items():
        a = units[col].to_numpy(float)
        for j in range(n):
            expr = pulp.LpAffineExpression([(x[i, j], float(a[i])) for i in members[j]])
            if lo is not None:
                prob += expr - lo * x[j, j] >= 0, f"lower_{col}_{j}"
            if hi is not None:
                prob += expr - hi * x[j, j] <= 0, f"upper_{col}_{j}"
    for attr, sense in (("min_units", 1), ("max_units", -1)):
        limit = getattr(spec, attr)
        if limit is None:
            continue
        for j in range(n):
            expr = pulp.lpSum(x[i, j] for i in members[j]) - limit * x[j, j]
            prob += (expr >= 0) if sense > 0 else (expr <= 0), f"{attr}_{j}"
    big_m = n - k + 1
    flow_in: list[list[tuple]] = [[] for _ in range(n)]
    for u, v in arcs:
        flow_in[v].append((f[u, v], 1.0))
        flow_in[u].append((f[u, v], -1.0))
    for i in range(n):
        prob += pulp.LpAffineExpression([*flow_in[i], (x[i, i], float(big_m))]) >= 1, f"flow_{i}"
    cand_sets = [set(c) for c in cand]
    for u, v in arcs:
        for j in cand[u]:
            terms = [(f[u, v], 1.0), (x[u, j], float(big_m))]
            if j in cand_sets[v]:
                terms.append((x[v, j], -float(big_m)))
            prob += pulp.LpAffineExpression(terms) <= big_m, f"cap_{u}_{v}_{j}"
    return PMedianModel(prob, x, codes, k, cand, time.perf_counter() - t0)


def solve_pmedian(
    model: PMedianModel, *, time_limit: float | None = 60.0, threads: int | None = None,
    msg: bool = False, nodes: int | None = None, seed: int = 0,
) -> tuple[pd.Series | None, str]:
    """Solve a p-median model with HiGHS and read its plan.

    Returns
    -------
    (Series or None, str)
        Unit code → centre code (None when no plan was found) and the status:
        ``"optimal"`` (proven for the model's own objective), ``"feasible"``,
        ``"infeasible"`` or ``"not_solved"``.
    """
    import contextlib

    import pulp

    from .runtime import native_output_to_stderr, quiet_highs

    params = {"random_seed": int(seed)}
    if nodes is not None:
        params["mip_max_nodes"] = int(nodes)

    solver = highs_solver(msg=msg, timeLimit=time_limit, threads=threads, **params)
    quiet_highs()
    with native_output_to_stderr() if msg else contextlib.nullcontext():
        status = model.problem.solve(solver)
    sol = model.problem.sol_status
    if status == pulp.LpStatusInfeasible:
        return None, "infeasible"
    if sol not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return None, "not_solved"
    centre = {}
    for (i, j), var in model.x.items():
        value = var.value()
        if value is not None and value > 0.5:
            centre[model.codes[i]] = model.codes[j]
    if len(centre) != len(model.codes):
        return None, "not_solved"
    label = "optimal" if sol == pulp.LpSolutionOptimal else "feasible"
    return pd.Series(centre, name="region").rename_axis("code"), label


def pmedian_regions(
    landscape: Landscape,
    spec: RegionSpec,
    *,
    graph: nx.Graph,
    candidates: int | None = 30,
    time_limit: float | None = 30.0,
    threads: int | None = None,
    nodes: int | None = None,
    seed: int = 0,
) -> pd.Series | None:
    """A balanced, contiguous plan from the p-median model, or None.

    Build and solve in one call, within ``time_limit`` seconds in all. The
    plan is not verified here; callers verify it (see :func:`rato_opt.assess.plan.verify_plan`).

    Examples
    --------
    >>> from rato_opt.sources.synthetic import make_country
    >>> from rato_opt.landscape.graph import graph_from_landscape
    >>> land = make_country(n_units=60, seed=1)
    >>> plan = pmedian_regions(land, RegionSpec(k=4), graph=graph_from_landscape(land),
    ...                        candidates=15, time_limit=20)
    >>> plan.nunique()
    4
    """
    t0 = time.perf_counter()
    model = build_pmedian(landscape, spec, graph=graph, candidates=candidates)
    remaining = None if time_limit is None else max(1.0, time_limit - (time.perf_counter() - t0))
    plan, _ = solve_pmedian(model, time_limit=remaining, threads=threads, nodes=nodes,
                            seed=seed)
    return plan
