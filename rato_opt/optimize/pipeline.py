"""Solve a region problem and read back a verified Plan: the pipeline.

The pieces: :mod:`~rato_opt.optimize.problem` (the compiled problem every engine
reads), :mod:`~rato_opt.optimize.model` (the PuLP program), :mod:`~rato_opt.optimize.backends`
(HiGHS, CBC, a caller's PuLP solver), :mod:`~rato_opt.optimize.stages` (what each stage
does) and :mod:`~rato_opt.optimize.runstate` (best verified plan, trusted bound, trace).

:func:`solve` runs explicit stages, each budgeted in deterministic work
(:class:`rato_opt.spec.Budget`) with a wall-clock ``time_limit`` as an optional cap:

1. **warm start** — the spec's start plan and the reference partition (repaired and
   improved by local search), the seeded multi-start heuristic, and under tight
   bounds the balanced p-median model;
2. **improvement** — recombination rounds (:mod:`rato_opt.optimize.recom`: two
   neighbouring regions merged and re-split along a random spanning tree), the pool
   program choosing the best plan among the regions they visited
   (:mod:`rato_opt.optimize.pool`), simulated annealing in rounds from the best plan
   (:mod:`rato_opt.optimize.annealing`), optionally an exact large-neighbourhood search;
3. **exact** — the integer program with HiGHS (highspy) or CBC, node-limited;
4. **verification** — every plan any stage offers is checked by
   :func:`rato_opt.assess.plan.verify_plan` before it is kept, and every solver claim is
   checked before it is believed.

Statuses are reported as checked, never as claimed:

- ``"optimal"``: the solver says optimal, *and* its own solution verifies and its
  objective evaluated by :mod:`rato_opt.assess.metrics` matches the solver's value, *and*
  the solver's bound is not above any verified plan of the run;
- ``"feasible"``: the best verified plan, with the bound the library trusts and the
  gap (work budget or time limit reached, or a solver claim rejected);
- ``"interrupted"``: Ctrl-C; the best verified plan so far;
- ``"infeasible"``: the solver proved infeasibility and no verified plan exists; the
  plan's ``explanation`` holds the elastic re-solve's diagnosis;
- ``"not_solved"``: no plan passed verification; ``explanation`` says why.

``plan.run`` records the seed, budget, time limit, versions, what stopped the run
and what each stage contributed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import pulp

from ..assess.diagnose import check_feasible
from ..exceptions import ModelError, SolverError
from ..spec import Budget
from . import stages
from .backends import Solver, highs_solver
from .heuristic import warm_start_labels
from .lns import exact_windows
from .model import RegionModel
from .multilevel import coarse_start
from .problem import CompiledProblem, compile_problem
from .runstate import RunState, labels_to_assignment
from .runtime import InterruptGuard, quiet_highs

__all__ = ["solve", "propose_regions", "highs_solver", "LARGE_MODEL"]


def _check_time_limit(time_limit) -> float | None:
    if time_limit is None:
        return None
    try:
        value = float(time_limit)
    except (TypeError, ValueError):
        raise ModelError(f"time_limit must be a number of seconds > 0 or None, "
                         f"got {time_limit!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ModelError(f"time_limit must be a number of seconds > 0 (or None for no "
                         f"limit), got {time_limit!r}")
    return value


def _check_budget(budget, time_limit) -> Budget:
    if budget is None:
        return Budget()
    if not isinstance(budget, Budget):
        raise ModelError(f"budget must be a rato_opt.Budget, got {type(budget).__name__}; "
                         "e.g. Budget(seed=1, nodes=500) or Budget.wall_clock()")
    if not budget.deterministic and time_limit is None:
        raise ModelError("a Budget with stages limited by the clock (None fields, e.g. "
                         "Budget.wall_clock()) needs a time_limit")
    return budget


def solve(
    model: RegionModel,
    *,
    solver: Solver | pulp.LpSolver = "highs",
    budget: Budget | None = None,
    time_limit: float | None = 600.0,
    threads: int | None = 1,
    warm_start: bool = True,
    msg: bool = False,
    progress: Callable[[dict], None] | None = None,
    max_iterations: int = 200,
    polish: float | None = None,
    anneal: float | None = None,
    _started: float | None = None,
):
    """Solve a region model and return a verified :class:`~rato_opt.assess.plan.Plan`.

    Parameters
    ----------
    model : RegionModel
        From :func:`rato_opt.optimize.model.build_model`.
    solver : {"highs", "cbc"} or pulp.LpSolver, default "highs"
        HiGHS through highspy, CBC (``pulp.COIN_CMD``; the binary of ``pulp[cbc]``), or
        a caller's own PuLP solver instance (:mod:`rato_opt.optimize.backends`); its
        claims are checked like the others'.
    budget : Budget, optional
        Work per stage and the seed (default ``Budget()``): same model, seed and budget,
        same plan, whatever the machine's load. ``Budget.wall_clock()`` makes every
        stage run for a share of ``time_limit`` instead (benchmarks at equal wall time).
    time_limit : float or None, default 600
        Wall-clock cap in seconds for the whole solve. A plan whose run hit it says so
        (``plan.run["time_limit_hit"]``, ``plan.run["deterministic"]`` False).
    threads : int or None, default 1
        Solver threads (1 keeps the solver's path reproducible).
    warm_start : bool, default True
        Start from ``spec.start``, the reference partition and the seeded multi-start
        heuristic (:mod:`rato_opt.optimize.heuristic`).
    msg : bool, default False
        Show the solver log (on standard error; standard output stays clean).
        HiGHS's banner goes to standard error too
        (:func:`rato_opt.optimize.runtime.quiet_highs`).
    progress : callable, optional
        Called with dicts ``{elapsed, incumbent, bound, gap, iteration, stage}``
        whenever a better verified plan is in hand and about once a second while the
        solver searches; ``stage`` names the stage that reported (``"warm_start"``,
        ``"anneal"``, ``"polish"``, ``"exact"``, ``"verify"``). ``bound`` is the best bound the library trusts (a solver bound above
        a verified plan is discarded with a ``RuntimeWarning``).
    max_iterations : int, default 200
        Cap on solve-and-cut rounds (``formulation="cuts"``).
    polish : float, optional
        Share of ``time_limit`` for an exact large-neighbourhood search after the
        annealing (HiGHS, ``formulation="flow"``, needs a time limit). Budgeted in
        seconds, so a plan that used it is marked not deterministic. Default 0:
        measured on the real 2024 map (k = 35, tight balance, 60 s) it improved
        nothing on the annealed plan.
    anneal : float, optional
        0 switches annealing off. With ``Budget.wall_clock()``, the share of the time
        limit spent on annealing (default 0.7 for models with more than 2,000
        binaries, else one round of 300 moves per unit).

    Returns
    -------
    Plan
        Status checked as described in the module docstring; ``plan.run`` records
        seed, budget, limits hit, stage contributions and versions.

    Raises
    ------
    SolverError
        The solver is unknown or unavailable.
    ModelError
        ``time_limit`` or ``budget`` is invalid.

    Notes
    -----
    Ctrl-C during a solve stops it within about a second and returns the best verified
    plan so far with status ``"interrupted"``; a second Ctrl-C raises at once.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> from rato_opt.optimize.model import RegionSpec, build_model
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abcd"), "population": [1, 1, 1, 1]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(units, [Layer.from_partition("sop", dict(zip("abcd", "xxyy")))])
    >>> plan = solve(build_model(land, RegionSpec(k=2)))
    >>> plan.status, plan.objective, plan.assignment.tolist(), plan.run["deterministic"]
    ('optimal', 0.0, ['R01', 'R01', 'R02', 'R02'], True)
    """
    if not isinstance(solver, pulp.LpSolver) and solver not in ("highs", "cbc"):
        raise SolverError(f"solver must be 'highs', 'cbc' or a pulp.LpSolver instance, "
                          f"got {solver!r}")
    time_limit = _check_time_limit(time_limit)
    budget = _check_budget(budget, time_limit)
    if anneal is not None and not (isinstance(anneal, int | float) and 0 <= anneal <= 1):
        raise ModelError(f"anneal must be a share between 0 and 1, got {anneal!r}")
    if polish is not None and not (isinstance(polish, int | float) and 0 <= polish <= 1):
        raise ModelError(f"polish must be a share between 0 and 1, got {polish!r}")
    with InterruptGuard() as guard:
        problem = model.compiled
        run = RunState(problem, solver=solver, budget=budget, time_limit=time_limit,
                       progress=progress, guard=guard, started=_started,
                       constant=model.objective_constant)
        name = run.solver_name
        if warm_start and not guard.requested:
            with run.stage("warm_start"):
                stages.warm_start(problem, run, threads=threads)
        stages.bound_stage(problem, run)
        big = model.n_binaries > 2000
        if run.best["assignment"] is not None and not guard.requested and not run.out_of_time():
            left = run.remaining()
            stages.recombine_stage(problem, run, clock_seconds=(0.5 if big else 0.1) * (
                left if left is not None else 20.0), pool_share=0.3, threads=threads)
        if (anneal is None or anneal > 0) and run.best["assignment"] is not None \
                and not guard.requested and not run.out_of_time():
            share = anneal if anneal is not None else (0.7 if big else 0.1)
            left = run.remaining()
            stages.anneal_stage(problem, run, clock_seconds=(share * left if left is not None
                                                     else (10.0 if big else 1.0)),
                          clock_moves=None if big else 300 * model.n,
                          clock_rounds=None if big else 1)
        if (polish and isinstance(solver, str) and solver == "highs" and run.best["assignment"] is not None
                and run.deadline is not None and model.formulation == "flow"
                and not guard.requested):
            run.clocked.append("polish")
            with run.stage("polish") as entry:
                end = time.perf_counter() + polish * run.cap()
                quiet_highs()
                with guard.native():
                    entry["windows"] = exact_windows(model, model.labels_of(run.best["assignment"]),
                                            deadline=end, threads=threads, offer=run.offer)
        claim: dict[str, Any] = {"status": None}
        too_big = (budget.exact_max_binaries is not None
                   and model.n_binaries > budget.exact_max_binaries)
        if too_big:
            run.stages.append({"stage": "exact", "skipped": (
                f"{model.n_binaries} binaries > Budget.exact_max_binaries "
                f"({budget.exact_max_binaries})")})
        if budget.nodes != 0 and not too_big and not guard.requested:
            with run.stage("exact") as entry:
                claim = stages.exact_stage(model, run, threads=threads, msg=msg,
                               max_iterations=max_iterations)
                entry["solver_status"] = claim.get("status")
                entry["solver_detail"] = claim.get("detail")
        with run.stage("verify"):
            verdict = stages.judge(problem, run, claim) if claim.get("status") else None
        run.report()
        ran_exact = any(st["stage"] == "exact" and "skipped" not in st for st in run.stages)
        # the plan names the solver only when the solver had a hand in it
        return stages.finish(problem, run, verdict, solver_label=name if ran_exact else "heuristic",
                      model=model)



#: Above this many assignment variables :func:`propose_regions` answers with a
#: verified heuristic plan instead of the integer program: on such instances the
#: program is expensive to build (the 4,000-unit synthetic country at k = 35:
#: 466 k variables, 1.4 M rows, 6 GiB, 8 minutes to a first solution) and, with
#: its weak LP bound, improves nothing on the heuristic in 10 minutes (measured:
#: 1.188 after 613 s against 1.182 from the heuristic in 17 s).
LARGE_MODEL = 50_000


def _propose_large(light: CompiledProblem, *, budget: Budget, time_limit: float | None,
                   started: float, progress):
    """Heuristic answer for instances above ``LARGE_MODEL``: multi-start, then annealing."""
    with InterruptGuard() as guard:
        run = RunState(light, solver="highs", budget=budget, time_limit=time_limit,
                   progress=progress, guard=guard, started=started)
        with run.stage("coarse_start"):
            run.coarse = coarse_start(light, run)
        with run.stage("warm_start"):
            if run.best["assignment"] is not None:
                pass  # the coarse plan carried down is the start
            elif budget.starts is None:
                run.clocked.append("warm_start")
                seconds = 120.0 if time_limit is None else max(1.0, min(120.0, 0.25 * time_limit))
                lab = warm_start_labels(light, seed=budget.seed, time_budget=seconds)
            else:
                lab = warm_start_labels(light, seed=budget.seed, time_budget=run.cap(),
                                        starts=budget.starts)
            if run.best["assignment"] is None:
                run.offer(labels_to_assignment(light, lab))
        stages.bound_stage(light, run)
        if run.best["assignment"] is not None and not guard.requested:
            left = run.remaining()
            stages.recombine_stage(light, run, clock_seconds=0.5 * (30.0 if left is None
                                                                    else left),
                                   pool_share=0.3, threads=None)
            left = run.remaining()
            stages.anneal_stage(light, run, clock_seconds=30.0 if left is None else 0.9 * left,
                          clock_moves=None, clock_rounds=None)
        return stages.finish(light, run, None, solver_label="heuristic")


def propose_regions(landscape, spec, *, graph=None, formulation="flow", **solve_kwargs):
    """Check the request, build the model and solve it.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
    graph : networkx.Graph, optional
    formulation : {"flow", "cuts"}, default "flow"
    **solve_kwargs
        Passed to :func:`solve` (``budget``, ``time_limit``, ``solver``, ``progress``
        ...). ``time_limit`` (default 600 s) caps the whole call, model building
        included.

    Returns
    -------
    Plan

    Notes
    -----
    The request is checked first (:func:`rato_opt.assess.diagnose.check_feasible`: bounds,
    locks, start plan), so an impossible request fails in seconds with a reason. On
    large instances (more than ``LARGE_MODEL`` assignment variables :math:`x_{ir}`,
    roughly units × k) the integer program is not built: the seeded multi-start
    heuristic (:mod:`rato_opt.optimize.heuristic`) and simulated annealing
    (:mod:`rato_opt.optimize.annealing`) run within the same :class:`~rato_opt.spec.Budget`, and
    the best verified plan is returned as ``"feasible"`` with the trivial bound 0
    (every term is non-negative) and ``solver="heuristic"``. Call :func:`build_model`
    and :func:`solve` directly to force the integer program.
    """
    started = time.perf_counter()
    time_limit = _check_time_limit(solve_kwargs.pop("time_limit", 600.0))
    budget = _check_budget(solve_kwargs.pop("budget", None), time_limit)
    problem = compile_problem(landscape, spec, graph=graph)
    check_feasible(landscape, spec, graph=problem.graph)
    n_x = sum(min(i + 1, problem.K) for i in range(problem.n))
    if n_x > LARGE_MODEL:
        return _propose_large(problem, budget=budget, time_limit=time_limit, started=started,
                              progress=solve_kwargs.get("progress"))
    cap = budget.exact_max_binaries
    if cap is not None and n_x > cap and not solve_kwargs.get("polish"):
        # the integer program would be skipped: do not spend seconds building it
        model = _UnbuiltModel(problem, formulation, n_x)
    else:
        model = RegionModel(problem, formulation=formulation)
    return solve(model, budget=budget, time_limit=time_limit, _started=started, **solve_kwargs)


class _UnbuiltModel:
    """What :func:`solve` reads of a :class:`RegionModel` whose program will not run.

    :func:`propose_regions` uses it when the assignment variables alone exceed
    ``Budget.exact_max_binaries``, so the exact stage is skipped anyway: building the PuLP
    program took 5 s of every 60 s run on the real 2024 map at k = 35 (measured). The
    heuristic stages read the compiled problem; the objective constant is 0 (values are
    in objective units, as in ``_propose_large``); ``n_binaries`` counts the assignment
    variables only, a lower bound of the program's binaries.
    """

    objective_constant = 0.0

    def __init__(self, problem: CompiledProblem, formulation: str, n_binaries: int) -> None:
        self.compiled = problem
        self.formulation = formulation
        self.n_binaries = n_binaries
        self.n = problem.n
