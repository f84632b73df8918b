"""Solve a :class:`~rato_opt.model.RegionModel` and read back a verified Plan.

:func:`solve` runs HiGHS (through ``pulp.HiGHS``/highspy) or CBC (``pulp.COIN_CMD``),
with a time limit, threads, a heuristic warm start and an optional progress
callback, and reports the status honestly:

- ``"optimal"``: the solver proved optimality (HiGHS model status optimal; CBC status
  Optimal *and* sol_status optimal) and, for the cut loop, the last solution was
  connected;
- ``"feasible"``: a verified plan, with the best proven bound and the gap (time limit);
- ``"infeasible"``: the solver proved infeasibility; the plan's ``explanation`` then
  holds the elastic re-solve's diagnosis (:func:`rato_opt.elastic.explain`);
- ``"not_solved"``: no verified plan was found in time.

Every returned plan is verified independently by :func:`rato_opt.plan.verify_plan`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd
import pulp

from .cbclog import CbcLogWatcher, parse_cbc_log
from .exceptions import SolverError
from .heuristic import from_partition, improve, repair, warm_start_labels
from .model import RegionModel, build_model

__all__ = ["solve", "propose_regions", "SolverRun"]

Solver = Literal["highs", "cbc"]


class SolverRun(dict):
    """Outcome of one solver call: status, has_solution, objective, bound, gap, seconds."""


# --------------------------------------------------------------------------- HiGHS
def _highs_class():
    class _HiGHS(pulp.HiGHS):
        """pulp.HiGHS with a MIP start and progress callbacks (PuLP's class has neither)."""

        def __init__(self, *args, start=None, on_event=None, deadline=None, **kwargs):
            super().__init__(*args, **kwargs)
            self._start = start
            self._on_event = on_event
            self._deadline = deadline

        def callSolver(self, lp):
            h = lp.solverModel
            if self._deadline is not None:  # building the model in Python took time too
                h.setOptionValue("time_limit", max(self._deadline - time.perf_counter(), 0.1))
            if self._start:
                idx, val = [], []
                for v in lp.variables():
                    if v.varValue is not None:
                        idx.append(v.index)
                        val.append(float(v.varValue))
                if idx:
                    h.setSolution(len(idx), np.array(idx, dtype=np.int32), np.array(val))
            if self._on_event is not None:
                h.cbMipImprovingSolution.subscribe(self._on_event)
                h.cbMipInterrupt.subscribe(self._on_event)
            h.run()

    return _HiGHS


def _run_highs(model: RegionModel, *, time_limit, threads, msg, start, on_progress) -> SolverRun:
    import highspy

    last = [0.0]

    def on_event(e):
        if on_progress is None:
            return
        now = time.perf_counter()
        improving = e.callback_type == highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution
        if not improving and now - last[0] < 1.0:
            return
        last[0] = now
        d = e.data_out
        on_progress(d.mip_primal_bound, d.mip_dual_bound, d.mip_gap)

    cls = _highs_class()
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    solver = cls(msg=msg, timeLimit=time_limit, threads=threads, start=start, deadline=deadline,
                 on_event=on_event if on_progress is not None else None,
                 random_seed=0, mip_rel_gap=1e-6, mip_abs_gap=1e-9)
    t = time.perf_counter()
    model.problem.solve(solver)
    seconds = time.perf_counter() - t
    h = model.problem.solverModel
    info = h.getInfo()
    ms = h.getModelStatus()
    S = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if ms == S.kOptimal:
        status = "optimal"
    elif ms in (S.kInfeasible,):
        status = "infeasible"
    elif ms == S.kUnboundedOrInfeasible:
        status = "infeasible"
    elif has_solution:
        status = "feasible"
    else:
        status = "not_solved"
    bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
    return SolverRun(status=status, has_solution=has_solution,
                     objective=info.objective_function_value if has_solution else None,
                     bound=bound, seconds=seconds, detail=h.modelStatusToString(ms))


# --------------------------------------------------------------------------- CBC
def _cbc_solver(**kwargs):
    s = pulp.COIN_CMD(**kwargs)
    if not s.available():
        from pulp.apis.coin_api import pulp_cbc_path

        s = pulp.COIN_CMD(path=pulp_cbc_path, **kwargs)
    if not s.available():
        raise SolverError(
            "CBC is not available: install it with `pip install pulp[cbc]` "
            "(or use solver='highs')"
        )
    return s


def _run_cbc(model: RegionModel, *, time_limit, threads, msg, start,
             on_progress=None) -> SolverRun:
    fd, log = tempfile.mkstemp(suffix=".log", prefix="rato_cbc_")
    os.close(fd)
    opts = dict(msg=False, timeLimit=time_limit, threads=threads, warmStart=bool(start),
                logPath=log, gapRel=1e-6, options=["randomSeed 1", "randomCbcSeed 1"])
    if time_limit is None:
        opts.pop("timeLimit")
    solver = _cbc_solver(**opts)
    t = time.perf_counter()
    try:
        # the log is tailed while CBC runs: incumbent, bound and gap as they come
        with CbcLogWatcher(log, on_progress):
            model.problem.solve(solver)
    except pulp.PulpSolverError as err:  # pragma: no cover - solver crash
        raise SolverError(f"CBC failed: {err}") from err
    seconds = time.perf_counter() - t
    with open(log, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    os.unlink(log)
    if msg:
        print(text)
    st, sol = model.problem.status, model.problem.sol_status
    has_solution = sol in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if st == pulp.LpStatusOptimal and sol == pulp.LpSolutionOptimal:
        status = "optimal"
    elif st == pulp.LpStatusInfeasible or sol == pulp.LpSolutionInfeasible:
        status = "infeasible"
    elif has_solution:
        status = "feasible"
    else:
        status = "not_solved"
    # both log formats (CBC 2.10 and the newer "CBC devel" one): rato_opt.cbclog
    bound = parse_cbc_log(text).bound
    if status == "optimal":
        bound = pulp.value(model.problem.objective)
    objective = pulp.value(model.problem.objective) if has_solution else None
    return SolverRun(status=status, has_solution=has_solution, objective=objective,
                     bound=bound, seconds=seconds, detail=pulp.LpStatus[st])


# --------------------------------------------------------------------------- helpers
def _assignment(model: RegionModel, lab: np.ndarray) -> pd.Series:
    return pd.Series([f"R{int(r)}" for r in lab], index=pd.Index(model.codes, name="code"),
                     name="region")


def _verify(model: RegionModel, assignment: pd.Series):
    from .plan import verify_plan

    return verify_plan(model.landscape, assignment, model.spec, graph=model.graph)


def _objective(model: RegionModel, assignment) -> float:
    return float(sum(model.evaluate(assignment).values()))


def _offer_to(model: RegionModel, best: dict, report) -> Callable[[pd.Series], bool]:
    """``offer(assignment)``: keep it in ``best`` if it verifies and is better, and report it.

    ``best`` holds ``assignment`` and ``objective``; ``report`` gets the objective
    without the model's constant (a light model has none), like a solver incumbent.
    """
    constant = getattr(model, "objective_constant", 0.0)

    def offer(assignment: pd.Series) -> bool:
        if not _verify(model, assignment).ok:
            return False
        obj = _objective(model, assignment)
        if obj < best["objective"] - 1e-12:
            best["assignment"], best["objective"] = assignment, obj
            report(obj - constant, None, None)
        return True

    return offer


def _make_plan(model, assignment, *, status, bound, seconds, solver, explanation=()):
    from .plan import Plan

    gap = None
    if assignment is not None and bound is not None and status in ("optimal", "feasible"):
        obj = _objective(model, assignment)
        bound = min(bound, obj)
        gap = 0.0 if status == "optimal" else max(obj - bound, 0.0) / max(abs(obj), 1e-9)
        if status == "optimal":
            gap = 0.0
            bound = obj
    return Plan.from_assignment(
        model.landscape,
        assignment,
        model.spec,
        graph=model.graph,
        status=status,
        bound=bound,
        gap=gap,
        seconds=seconds,
        solver=solver,
        explanation=tuple(explanation),
    )


# --------------------------------------------------------------------------- LNS
def _lns(model: RegionModel, lab: np.ndarray, *, deadline: float, threads, offer,
         report, window: int = 3, window_seconds: float = 5.0) -> int:
    """Exact large-neighbourhood search with HiGHS on the model itself.

    Repeatedly frees the units of a few neighbouring regions (the others keep their
    region: their ``x`` are fixed), re-solves the full model from the current plan and
    keeps the result when it verifies and is better. Returns the number of windows tried.
    """
    lab = model.labels_of(dict(zip(model.codes, lab, strict=True)))  # first-unit order
    prob = model.problem
    cls = _highs_class()
    solver = cls(msg=False, threads=threads, random_seed=0, mip_rel_gap=1e-6)
    solver.createAndConfigureSolver(prob)
    solver.buildSolverModel(prob)
    h = prob.solverModel
    h.setOptionValue("output_flag", False)
    # label-order (symmetry breaking) rows would pin the window's labels between the fixed
    # ones: drop them here; labels are re-canonicalised after every window
    order_rows = np.array([i for i, name in enumerate(model._cnames) if name.startswith("order_")],
                          dtype=np.int32)
    if len(order_rows):
        inf = np.full(len(order_rows), np.inf)
        h.changeRowsBounds(len(order_rows), order_rows, -inf, inf)
    xi = {key: v.index for key, v in model.x.items()}
    allv = list(model._vars.values())
    idx_all = np.array([v.index for v in allv], dtype=np.int32)
    keys = list(xi)
    cols = np.array([xi[k] for k in keys], dtype=np.int32)
    kunit = np.array([k[0] for k in keys])
    klab = np.array([k[1] for k in keys])
    tried = 0
    rng = np.random.default_rng(0)
    stale = 0
    while time.perf_counter() < deadline - 0.5 and stale < 3 * (lab.max() + 1):
        q = int(lab.max()) + 1
        r0 = int(rng.integers(q))
        border: dict[int, float] = {}
        for a, b, d in model.edges:
            ra, rb = lab[a], lab[b]
            if ra != rb and r0 in (ra, rb):
                other = rb if ra == r0 else ra
                border[other] = border.get(other, 0.0) + d + 1.0
        nbr = sorted(border, key=lambda t: (-border[t], t))[: window - 1]
        win = {r0, *nbr}
        free = np.isin(lab[kunit], list(win)) & np.isin(klab, list(win))
        cur = (lab[kunit] == klab).astype(float)
        model.set_start(_assignment(model, lab))  # lab is in first-unit order: consistent
        vals = np.array([float(v.varValue or 0.0) for v in allv])
        # collaboration homes: free only for collaborations with a member in the window,
        # and only among the window's labels and the current home
        in_win = np.isin(lab, list(win))
        hc, hlo, hup = [], [], []
        for members, hv in model.home_vars:
            touched = bool(in_win[members].any())
            for r, v in hv.items():
                val = float(v.varValue or 0.0)
                hc.append(v.index)
                if touched and (r in win or val > 0.5):
                    hlo.append(0.0)
                    hup.append(1.0)
                else:
                    hlo.append(val)
                    hup.append(val)
        all_cols = np.concatenate([cols, np.array(hc, dtype=np.int32)])
        lo = np.concatenate([np.where(free, 0.0, cur), hlo])
        up = np.concatenate([np.where(free, 1.0, cur), hup])
        h.changeColsBounds(len(all_cols), all_cols, lo, up)
        h.setSolution(len(idx_all), idx_all, vals)
        h.setOptionValue("time_limit", float(max(min(window_seconds, deadline - time.perf_counter()),
                                                 0.2)))
        h.run()
        tried += 1
        info = h.getInfo()
        if info.primal_solution_status != 2:
            stale += 1
            continue
        x = np.asarray(h.getSolution().col_value)[cols]
        new = lab.copy()
        chosen = x > 0.5
        new[kunit[chosen]] = klab[chosen]
        new = model.labels_of(dict(zip(model.codes, new, strict=True)))
        before = _objective(model, _assignment(model, lab))
        after = _objective(model, _assignment(model, new))
        if after < before - 1e-9 and offer(_assignment(model, new)):
            lab = new
            stale = 0
        else:
            stale += 1
    return tried


# --------------------------------------------------------------------------- annealing
#: Start temperatures of successive annealing rounds, as factors of the first round's.
#: Measured on the real map at k = 35 with loose balance (8 s from the same start):
#: factor 1 found nothing better than the start (0.3154), 0.3 and 0.1 reached 0.3136,
#: 0.03 nothing; under tight balance factor 1 gained most (0.394 -> 0.354 in 20 s).
_ROUND_TEMPERATURES = (1.0, 0.3, 0.1)
def _anneal_rounds(model: RegionModel, budget: float, *, offer, best: dict, report,
                   round_seconds: float = 10.0, max_moves: int | None = None,
                   rounds: int | None = None) -> int:
    """Simulated annealing in rounds from the incumbent; returns the number of rounds.

    Each round starts from the best plan so far (an iterated annealing), at the first
    round's start temperature times 1, 0.3, 0.1, 1, 0.3, ... (:data:`_ROUND_TEMPERATURES`):
    hot rounds explore, cool ones polish. Every better plan goes through ``offer``
    (independent verification) and is reported at most once a second.
    """
    from .anneal import anneal

    end = time.perf_counter() + max(budget, 0.0)
    temp = None
    last = [0.0]
    constant = getattr(model, "objective_constant", 0.0)  # a light model has none

    def on_improve(_labels, objective):
        now = time.perf_counter()
        if now - last[0] >= 1.0:
            last[0] = now
            report(objective - constant, None, None)

    done = 0
    while rounds is None or done < rounds:
        left = end - time.perf_counter()
        if left < (0.05 if max_moves is not None else 0.3):
            break
        lab = model.labels_of(best["assignment"])
        factor = _ROUND_TEMPERATURES[done % len(_ROUND_TEMPERATURES)]
        res = anneal(model, lab, time_budget=min(left, round_seconds), seed=done,
                     t_start=None if temp is None else factor * temp, max_moves=max_moves,
                     on_improve=on_improve)
        temp = temp or res.t_start
        done += 1
        if res.feasible and res.objective < best["objective"] - 1e-12:
            offer(_assignment(model, res.labels))
    return done


# --------------------------------------------------------------------------- solve
def _pmedian_start(model: RegionModel, *, deadline, threads, offer) -> None:
    """Offer a balanced p-median plan when no heuristic start meets the bounds.

    Tight weight bounds defeat region growing; the p-median model
    (:mod:`rato_opt.pmedian`) handles them well. It gets at most half of the
    remaining time and only runs when the number of regions is fixed.
    """
    from .pmedian import pmedian_regions

    if model.k_min != model.k_max:
        return
    remaining = None if deadline is None else 0.5 * (deadline - time.perf_counter())
    if remaining is not None and remaining < 5.0:
        return
    plan = pmedian_regions(model.landscape, model.spec, graph=model.graph, candidates=20,
                           time_limit=remaining, threads=threads)
    if plan is not None:
        offer(plan)


def solve(
    model: RegionModel,
    *,
    solver: Solver = "highs",
    time_limit: float | None = 60.0,
    threads: int | None = None,
    warm_start: bool = True,
    msg: bool = False,
    progress: Callable[[dict], None] | None = None,
    max_iterations: int = 200,
    polish: float | None = None,
    anneal: float | None = None,
):
    """Solve a region model and return a verified :class:`~rato_opt.plan.Plan`.

    Parameters
    ----------
    model : RegionModel
        From :func:`rato_opt.model.build_model`.
    solver : {"highs", "cbc"}, default "highs"
        HiGHS through highspy, or CBC (``pulp.COIN_CMD``; the binary of ``pulp[cbc]``).
    time_limit : float or None, default 60.0
        Wall-clock seconds for the whole solve (heuristic, solver and, for the cut
        loop, every re-solve). ``None``: no limit.
    threads : int, optional
        Solver threads.
    warm_start : bool, default True
        Start from ``spec.start`` (when it fits) or a seeded region-growing heuristic
        (:mod:`rato_opt.heuristic`).
    msg : bool, default False
        Show the solver log.
    progress : callable, optional
        Called with dicts ``{elapsed, incumbent, bound, gap, iteration}``: as soon as
        a better verified plan is in hand (warm start, annealing at most once a second),
        about once a second while the solver searches (HiGHS callbacks; for CBC its
        log, read while it runs by :mod:`rato_opt.cbclog`), and after every iteration
        of the cut loop. ``incumbent`` is the best plan known (a solver's worse
        incumbent is not shown), ``bound`` the best valid bound so far (a solver bound
        above a verified plan's objective is discarded with a ``RuntimeWarning``).
    max_iterations : int, default 200
        Cap on solve-and-cut rounds (``formulation="cuts"``).
    polish : float, optional
        Share of ``time_limit`` spent first on an exact large-neighbourhood search
        (HiGHS re-optimises a few neighbouring regions at a time, the rest fixed)
        improving the warm start; the global solve gets the rest (and the chance to
        prove a bound). ``None``: 0. Measured on the real 2024 map (k = 35, tight
        balance, 60 s): the search improved nothing on the annealed plan, and a 0.4
        annealing + 0.6 polish split ended at 0.3615 against 0.3542 for annealing alone.
        Needs ``solver="highs"``, ``formulation="flow"`` (window solutions must be
        contiguous by construction) and a time limit.
    anneal : float, optional
        Share of ``time_limit`` spent on simulated annealing from the warm start
        (:func:`rato_opt.anneal.anneal`, in rounds of at most 10 s, each from the
        best plan so far). ``None``: 0.7 for models with more than 2,000 binaries;
        smaller models get a single deterministic round of 300 moves per unit, capped
        at 0.1 of the time limit, and leave the rest to the solver, which can prove
        optimality there. Without a time limit the annealing gets a fixed 10 s (1 s
        for small models).

    Returns
    -------
    Plan
        ``status`` is ``"optimal"`` only when proven. Time-limited runs give
        ``"feasible"`` with ``bound`` (valid for the original problem) and ``gap``,
        or ``"not_solved"``. Infeasible models give ``"infeasible"`` with the
        elastic explanation.

    Raises
    ------
    SolverError
        The solver is unknown or unavailable.

    Notes
    -----
    Order of work: warm-start candidates (``spec.start`` and the reference partition,
    both repaired and improved by local search, and the multi-start heuristic) → the
    best *verified* one is the incumbent → simulated annealing (``anneal``) → optional
    exact large-neighbourhood search (``polish``) → the global solve (for ``"cuts"``: solve, add separator cuts for
    disconnected regions, repair the solution into a verified plan, re-solve). The
    reported ``bound`` is the best dual bound of any solve (each is a relaxation of the
    original problem, so it is valid), never below 0, which holds trivially because
    every term is non-negative. Time limits make results depend on machine speed; for
    a run that ends without hitting a limit the result is deterministic (fixed seeds,
    sorted iteration). Measurements are in :class:`rato_opt.model.RegionModel`.
    The objective of the returned plan is recomputed from its assignment
    (:func:`rato_opt.metrics.objective_terms`), so it equals the model's to rounding.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> from rato_opt.model import RegionSpec, build_model
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abcd"), "population": [1, 1, 1, 1]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(units, [Layer.from_partition("sop", dict(zip("abcd", "xxyy")))])
    >>> plan = solve(build_model(land, RegionSpec(k=2)), time_limit=10)
    >>> plan.status, plan.objective, plan.assignment.tolist()
    ('optimal', 0.0, ['R01', 'R01', 'R02', 'R02'])
    """
    if solver not in ("highs", "cbc"):
        raise SolverError(f"solver must be 'highs' or 'cbc', got {solver!r}")
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + float(time_limit)
    iteration = [0]
    best: dict = {"assignment": None, "objective": math.inf}

    def elapsed() -> float:
        return time.perf_counter() - t0

    known_bound: list[float | None] = [None]
    warned: list[bool] = [False]

    def trusted(b: float) -> float | None:
        """A solver bound, or None when it exceeds a verified plan's objective."""
        obj = best["objective"]
        if math.isfinite(obj) and b > obj + 1e-6 * max(1.0, abs(obj)):
            if not warned[0]:
                warned[0] = True
                warnings.warn(
                    f"{solver} reported a bound {b:.6g} above the objective {obj:.6g} of a "
                    "verified plan; that bound is wrong and was ignored",
                    RuntimeWarning, stacklevel=3,
                )
            return None
        return b

    def report(incumbent, bound, gap):
        """Progress event: best verified plan or solver incumbent, best bound so far."""
        if progress is None:
            return
        inc = best["objective"] if math.isfinite(best["objective"]) else None
        if incumbent is not None and math.isfinite(incumbent):
            # a solver's own incumbent may be worse than the plan already in hand
            shifted = incumbent + model.objective_constant
            inc = shifted if inc is None else min(inc, shifted)
        if bound is not None and math.isfinite(bound):
            # every term is non-negative, so 0 is always a valid bound; the solver's
            # own bound excludes the model's constant and may lie below it
            b = trusted(max(0.0, bound + model.objective_constant))
            if b is not None:
                known_bound[0] = b if known_bound[0] is None else max(known_bound[0], b)
        bnd = known_bound[0]
        gap = None
        if inc is not None and bnd is not None and inc > 0:
            gap = max(0.0, (inc - min(bnd, inc)) / abs(inc))
        progress({"elapsed": elapsed(), "incumbent": inc, "bound": bnd, "gap": gap,
                  "iteration": iteration[0]})

    offer = _offer_to(model, best, report)

    # ---- warm start
    start_lab = None
    if warm_start:
        cand = []
        budget = 2.0 if time_limit is None else max(0.2, min(5.0, 0.08 * time_limit))
        # plans to start from: the spec's start plan, the reference partition (both
        # repaired and improved by local search), and the multi-start heuristic
        partitions = []
        if model.spec.start is not None:
            partitions.append(model.spec.start)
        ref = model.spec.objective.reference
        if ref is not None and ref in model.landscape.layers:
            m = model.landscape.layers[ref].membership()
            if not m["unit"].duplicated().any():
                partitions.append(dict(zip(m["unit"], m["collaboration"], strict=True)))
        for part in partitions:
            lab = from_partition(model, part, time_budget=budget / 2)
            if lab is not None:
                cand.append(lab)
        cand.append(warm_start_labels(model, seed=0, time_budget=budget))
        for lab in cand:
            if lab.max() + 1 < model.k_min or lab.max() + 1 > model.k_max:
                continue
            if offer(_assignment(model, lab)) and start_lab is None:
                start_lab = lab
        if best["assignment"] is None and model.spec.bounds and not model.spec.allow_islands:
            _pmedian_start(model, deadline=deadline, threads=threads, offer=offer)
        if best["assignment"] is not None:
            start_lab = model.labels_of(best["assignment"])
    run_solver = _run_highs if solver == "highs" else _run_cbc
    big = model.n_binaries > 2000
    if anneal is None:
        anneal = 0.7 if big else 0.1
    if anneal > 0 and best["assignment"] is not None:
        budget = (anneal * (deadline - time.perf_counter()) if deadline is not None
                  else (10.0 if big else 1.0))
        # small models: one deterministic round of 300 moves per unit (well under a
        # second on a few hundred units); the solver can prove optimality there
        _anneal_rounds(model, budget, offer=offer, best=best, report=report,
                       max_moves=None if big else 300 * model.n, rounds=None if big else 1)
        start_lab = model.labels_of(best["assignment"])
    if polish is None:
        polish = 0.0
    if (polish > 0 and solver == "highs" and best["assignment"] is not None
            and deadline is not None and model.formulation == "flow"):
        lns_deadline = time.perf_counter() + polish * (deadline - time.perf_counter())
        _lns(model, model.labels_of(best["assignment"]), deadline=lns_deadline,
             threads=threads, offer=offer, report=report)
        start_lab = model.labels_of(best["assignment"])

    def call(remaining):
        use_start = start_lab is not None and model.set_start(_assignment(model, start_lab))
        if not use_start:
            for v in model._vars.values():
                v.varValue = None
        kwargs = dict(time_limit=remaining, threads=threads, msg=msg, start=use_start)
        kwargs["on_progress"] = report if progress is not None else None
        return run_solver(model, **kwargs)

    lower = 0.0  # every term is a non-negative fraction: 0 is a valid (trivial) bound
    final_status = None
    while True:
        remaining = None if deadline is None else deadline - time.perf_counter()
        if remaining is not None and remaining <= 0.05:
            final_status = "time"
            break
        run = call(None if remaining is None else max(remaining, 0.1))
        iteration[0] += 1
        if run["bound"] is not None and run["status"] != "infeasible":
            # every term is a non-negative fraction, so 0 is always a valid bound
            b = trusted(max(run["bound"] + model.objective_constant, 0.0))
            if b is not None:
                lower = b if lower is None else max(lower, b)
        if run["status"] == "infeasible":
            final_status = "infeasible"
            break
        if not run["has_solution"]:
            final_status = "time" if run["status"] == "not_solved" else run["status"]
            break
        assignment = _assignment(model, model.labels_of(model.assignment_from_values()))
        if model.formulation == "cuts":
            added = model.add_separator_cuts(assignment)
            if added:
                lab = repair(model, model.labels_of(assignment))
                if model.k_min <= lab.max() + 1 <= model.k_max:
                    lab = improve(model, lab, time_budget=1.0)
                    if offer(_assignment(model, lab)):
                        start_lab = model.labels_of(best["assignment"])
                report(None, None if lower is None else lower - model.objective_constant, None)
                if iteration[0] >= max_iterations:
                    final_status = "time"
                    break
                continue
        ok = offer(assignment)
        if not ok:  # pragma: no cover - the model and verify_plan disagree
            raise SolverError(
                "the solver's plan fails independent verification: "
                + "; ".join(_verify(model, assignment).problems)
            )
        final_status = run["status"]
        if final_status == "optimal":
            # the solver's plan is optimal; keep it even if a tie was found earlier
            best["assignment"] = assignment
            best["objective"] = _objective(model, assignment)
        report(None, None if lower is None else lower - model.objective_constant, None)
        break

    seconds = elapsed()
    name = "HiGHS" if solver == "highs" else "CBC"
    if final_status == "infeasible":
        from .elastic import explain

        remaining = None if deadline is None else max(deadline - time.perf_counter(), 5.0)
        explanation = explain(model, solver=solver, time_limit=remaining, threads=threads)
        from .plan import Plan

        return Plan.from_assignment(model.landscape, None, model.spec, model.graph,
                                    status="infeasible", explanation=tuple(explanation),
                                    seconds=elapsed(), solver=name)
    if best["assignment"] is None:
        from .plan import Plan

        return Plan.from_assignment(model.landscape, None, model.spec, model.graph,
                                    status="not_solved", seconds=seconds, solver=name)
    status = "optimal" if final_status == "optimal" else "feasible"
    return _make_plan(model, best["assignment"], status=status, bound=lower, seconds=seconds,
                      solver=name)


#: Above this many assignment variables :func:`propose_regions` answers with a
#: verified heuristic plan instead of the integer program: on such instances the
#: program is expensive to build (the 4,000-unit synthetic country at k = 35:
#: 466 k variables, 1.4 M rows, 6 GiB, 8 minutes to a first solution) and, with
#: its weak LP bound, improves nothing on the heuristic in 10 minutes (measured:
#: 1.188 after 613 s against 1.182 from the heuristic in 17 s).
LARGE_MODEL = 50_000


def _propose_large(light: RegionModel, time_limit: float | None, started: float, progress):
    """Heuristic answer for instances above ``LARGE_MODEL``: multi-start, then annealing."""
    from .plan import Plan

    landscape, spec, graph = light.landscape, light.spec, light.graph
    budget = 120.0 if time_limit is None else max(1.0, min(120.0, 0.25 * time_limit))
    best: dict = {"assignment": None, "objective": math.inf}

    def report(incumbent, _bound, _gap):
        if progress is not None:
            inc = incumbent  # a light model has no objective constant: this is the objective
            progress({"elapsed": time.perf_counter() - started, "incumbent": inc,
                      "bound": 0.0, "gap": 1.0 if inc > 0 else 0.0, "iteration": 0})

    offer = _offer_to(light, best, report)

    offer(_assignment(light, warm_start_labels(light, seed=0, time_budget=budget)))
    if best["assignment"] is not None:
        left = (30.0 if time_limit is None
                else 0.9 * (time_limit - (time.perf_counter() - started)))
        _anneal_rounds(light, left, offer=offer, best=best, report=report)
    seconds = time.perf_counter() - started
    if best["assignment"] is None:
        return Plan.from_assignment(landscape, None, spec, graph, status="not_solved",
                                    seconds=seconds, solver="heuristic")
    plan = Plan.from_assignment(landscape, best["assignment"], spec, graph, status="feasible",
                                bound=0.0, seconds=seconds, solver="heuristic")
    return dataclasses.replace(plan, gap=1.0 if plan.objective > 0 else 0.0)


def propose_regions(landscape, spec, *, graph=None, formulation="flow", **solve_kwargs):
    """Build the model and solve it: ``solve(build_model(landscape, spec), ...)``.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
    graph : networkx.Graph, optional
    formulation : {"flow", "cuts"}, default "flow"
    **solve_kwargs
        Passed to :func:`solve`. ``time_limit`` (default 60 s) bounds the whole
        call: the time spent building the model is taken off the solver's share.

    Returns
    -------
    Plan

    Notes
    -----
    On large instances (more than ``LARGE_MODEL`` assignment variables
    :math:`x_{ir}`, i.e. roughly units × k) the integer program is not built:
    the seeded multi-start heuristic of :mod:`rato_opt.heuristic` runs for up
    to a quarter of the time limit (at most 120 s), simulated annealing
    (:mod:`rato_opt.anneal`) improves its plan for 90% of the time left (30 s
    without a time limit), and the best plan, verified like every plan, is
    returned as ``"feasible"`` with the trivial bound 0 (every term is
    non-negative) and ``solver="heuristic"``. Call :func:`build_model`
    and :func:`solve` directly to force the integer program.
    """
    from .diagnose import check_feasible
    from .model import model_graph

    started = time.perf_counter()
    time_limit = solve_kwargs.pop("time_limit", 60.0)
    graph = model_graph(landscape, spec, graph=graph)
    check_feasible(landscape, spec, graph=graph)
    light = RegionModel(landscape, spec, graph, formulation=formulation, _light=True)
    n_x = sum(min(i + 1, light.K) for i in range(light.n))
    if n_x > LARGE_MODEL:
        return _propose_large(light, time_limit, started, solve_kwargs.get("progress"))
    model = build_model(landscape, spec, graph=graph, formulation=formulation, check=False)
    built = time.perf_counter() - started
    if time_limit is not None:
        time_limit = max(1.0, time_limit - built)
    progress = solve_kwargs.pop("progress", None)
    if progress is not None:
        # progress times count from this call, model building included
        def shifted(event: dict) -> None:
            progress({**event, "elapsed": event["elapsed"] + built})

        solve_kwargs["progress"] = shifted
    plan = solve(model, time_limit=time_limit, **solve_kwargs)
    return dataclasses.replace(plan, seconds=plan.seconds + built)
