"""Solve a :class:`~rato_opt.optimize.model.RegionModel` and read back a verified Plan.

:func:`solve` runs explicit stages, each budgeted in deterministic work
(:class:`rato_opt.spec.Budget`) with a wall-clock ``time_limit`` as an optional cap:

1. **warm start** — the spec's start plan and the reference partition (repaired and
   improved by local search), the seeded multi-start heuristic, and under tight
   bounds the balanced p-median model;
2. **improvement** — simulated annealing in rounds from the best plan
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

import contextlib
import math
import os
import signal
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd
import pulp

from ..exceptions import ModelError, SolverError
from ..spec import Budget
from .cbclog import CbcLogWatcher, parse_cbc_log
from .heuristic import from_partition, improve, repair, warm_start_labels
from .model import RegionModel, build_model
from .runtime import InterruptGuard, native_output_to_stderr, quiet_highs, versions

__all__ = ["solve", "propose_regions", "SolverRun", "highs_solver"]

Solver = Literal["highs", "cbc"]

#: Relative tolerance when a solver's objective is compared with our evaluation.
CLAIM_TOLERANCE = 1e-6
#: Where the bound 0 comes from: it holds for every plan.
TRIVIAL_BOUND = "trivial (every term is non-negative)"


class SolverRun(dict):
    """Outcome of one solver call: status, has_solution, objective, bound, seconds, limit."""


# --------------------------------------------------------------------------- HiGHS
def _highs_class():
    class _HiGHS(pulp.HiGHS):
        """pulp.HiGHS with a MIP start, progress and interrupt callbacks."""

        def __init__(self, *args, start=None, on_event=None, deadline=None, guard=None,
                     **kwargs):
            super().__init__(*args, **kwargs)
            self._start = start
            self._on_event = on_event
            self._deadline = deadline
            self._guard = guard

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
            if self._guard is not None:
                guard = self._guard

                def stop_if_asked(e):
                    if guard.requested:
                        e.interrupt()

                h.cbMipInterrupt.subscribe(stop_if_asked)
                h.cbSimplexInterrupt.subscribe(stop_if_asked)
                h.cbIpmInterrupt.subscribe(stop_if_asked)
                _run_abandonable(h, guard)
            else:
                h.run()

        def findSolutionValues(self, lp):
            # PuLP 3.3's status table lacks some HiGHS statuses (kSolutionLimit after
            # mip_max_nodes, kInterrupt, kMemoryLimit) and raises KeyError on them, after
            # it has read the variable values; our own status comes from the model status
            try:
                return super().findSolutionValues(lp)
            except KeyError:
                info = lp.solverModel.getInfo()
                if info.primal_solution_status == 2:
                    return pulp.LpStatusNotSolved, pulp.LpSolutionIntegerFeasible
                return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound

    return _HiGHS


def highs_solver(**kwargs) -> pulp.HiGHS:
    """A ``pulp.HiGHS`` that also reads node-limited and interrupted runs.

    PuLP 3.3 raises ``KeyError`` when HiGHS stops on ``mip_max_nodes``; this solver
    reports such a run as not proven, with its solution. Keyword arguments are those of
    ``pulp.HiGHS`` (HiGHS options such as ``mip_max_nodes=100`` included).

    Examples
    --------
    >>> highs_solver(msg=False, mip_max_nodes=10).name
    'HiGHS'
    """
    return _highs_class()(**kwargs)


class _SolverAbandoned(Exception):
    """Ctrl-C while a native solver was between its interrupt checks."""


def _run_abandonable(h, guard: InterruptGuard, grace: float = 0.5) -> None:
    """Run HiGHS in a worker thread; on Ctrl-C wait ``grace`` seconds, then abandon it.

    HiGHS polls its interrupt callbacks only at certain points (a root LP can run for
    half a minute between two); the main thread stays responsive and, when the run
    does not stop within ``grace``, leaves it behind (it stops at its next check,
    because the guard's flag stays set) and raises :class:`_SolverAbandoned`.
    """
    done = threading.Event()
    error: list[BaseException] = []

    def target() -> None:
        try:
            h.run()
        except BaseException as exc:  # pragma: no cover - re-raised below
            error.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=target, name="rato-opt-highs", daemon=True)
    worker.start()
    while not done.wait(0.1):
        if guard.requested:
            if not done.wait(grace):
                raise _SolverAbandoned
            break
    if error:
        raise error[0]


def _highs_limit(ms, S) -> str | None:
    """Which limit stopped HiGHS: "time_limit", "work_budget", "interrupted" or None."""
    if ms == S.kTimeLimit:
        return "time_limit"
    if ms == S.kInterrupt:
        return "interrupted"
    if ms in (S.kIterationLimit, S.kSolutionLimit):
        return "work_budget"
    if ms == S.kMemoryLimit:
        return "solver_failed"
    return None


def _run_highs(model: RegionModel, *, time_limit, threads, msg, start, on_progress,
               nodes: int | None = None, seed: int = 0,
               guard: InterruptGuard | None = None) -> SolverRun:
    import highspy

    last = [0.0]

    def on_event(e):
        if guard is not None and guard.requested:
            e.interrupt()
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
    params: dict[str, Any] = dict(random_seed=int(seed), mip_rel_gap=1e-6, mip_abs_gap=1e-9)
    if nodes is not None:
        params["mip_max_nodes"] = int(nodes)
    solver = cls(msg=msg, timeLimit=time_limit, threads=threads, start=start, deadline=deadline,
                 on_event=on_event if on_progress is not None else None, guard=guard, **params)
    t = time.perf_counter()
    quiet_highs()
    try:
        with native_output_to_stderr() if msg else contextlib.nullcontext():
            if guard is not None:
                with guard.native():
                    model.problem.solve(solver)
            else:
                model.problem.solve(solver)
    except _SolverAbandoned:
        return SolverRun(status="not_solved", has_solution=False, objective=None, bound=None,
                         seconds=time.perf_counter() - t, detail="interrupted (Ctrl-C)",
                         limit="interrupted")
    seconds = time.perf_counter() - t
    h = model.problem.solverModel
    info = h.getInfo()
    ms = h.getModelStatus()
    S = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if ms == S.kOptimal:
        status = "optimal"
    elif ms in (S.kInfeasible, S.kUnboundedOrInfeasible):
        status = "infeasible"
    elif has_solution:
        status = "feasible"
    else:
        status = "not_solved"
    limit = _highs_limit(ms, S)
    if guard is not None and guard.requested:
        limit = "interrupted"
    bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
    return SolverRun(status=status, has_solution=has_solution,
                     objective=info.objective_function_value if has_solution else None,
                     bound=bound, seconds=seconds, detail=h.modelStatusToString(ms),
                     limit=limit, nodes=int(getattr(info, "mip_node_count", -1)))


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


def _child_pids(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc; empty elsewhere)."""
    out = []
    try:
        entries = os.listdir("/proc")
    except OSError:  # pragma: no cover - not Linux
        return out
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(entry))
    return out


class _StopCbcOnInterrupt:
    """While CBC runs, forward a Ctrl-C request to it (CBC then stops with its best plan)."""

    def __init__(self, guard: InterruptGuard | None) -> None:
        self.guard = guard
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def _watch(self, grace: float = 0.5) -> None:
        # CBC stops on SIGINT at its next node; in its root LP it does not, so a CBC
        # still running ``grace`` seconds after its SIGINT is killed (PuLP then finds no
        # solution). A CBC started after the request (PuLP was still writing its input)
        # is caught by the same loop.
        signalled: dict[int, float] = {}
        while not self._done.wait(0.1):
            if self.guard is None or not self.guard.requested:
                continue
            now = time.monotonic()
            for pid in _child_pids(os.getpid()):
                first = signalled.setdefault(pid, now)
                sig = signal.SIGINT if first == now else (
                    signal.SIGKILL if now - first > grace else None)
                if sig is not None:
                    try:
                        os.kill(pid, sig)
                    except OSError:
                        pass

    def __enter__(self):
        if self.guard is not None:
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)


def _run_cbc(model: RegionModel, *, time_limit, threads, msg, start,
             on_progress=None, nodes: int | None = None, seed: int = 0,
             guard: InterruptGuard | None = None) -> SolverRun:
    fd, log = tempfile.mkstemp(suffix=".log", prefix="rato_cbc_")
    os.close(fd)
    options = [f"randomSeed {int(seed) + 1}", f"randomCbcSeed {int(seed) + 1}"]
    if nodes is not None:
        options.append(f"maxNodes {int(nodes)}")
    opts = dict(msg=False, timeLimit=time_limit, threads=threads, warmStart=bool(start),
                logPath=log, gapRel=1e-6, options=options)
    if time_limit is None:
        opts.pop("timeLimit")
    solver = _cbc_solver(**opts)
    t = time.perf_counter()
    try:
        # the log is tailed while CBC runs: incumbent, bound and gap as they come
        with CbcLogWatcher(log, on_progress), _StopCbcOnInterrupt(guard):
            if guard is not None:
                with guard.native():
                    model.problem.solve(solver)
            else:
                model.problem.solve(solver)
    except pulp.PulpSolverError as err:
        if guard is not None and guard.requested:  # stopped by us on Ctrl-C
            with contextlib.suppress(OSError):
                os.unlink(log)
            return SolverRun(status="not_solved", has_solution=False, objective=None,
                             bound=None, seconds=time.perf_counter() - t,
                             detail="interrupted (Ctrl-C)", limit="interrupted")
        raise SolverError(f"CBC failed: {err}") from err
    seconds = time.perf_counter() - t
    with open(log, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    os.unlink(log)
    if msg:
        import sys

        print(text, file=sys.stderr)
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
    # both log formats (CBC 2.10 and the newer "CBC devel" one): rato_opt.optimize.cbclog
    parsed = parse_cbc_log(text)
    bound = parsed.bound
    if status == "optimal":
        bound = pulp.value(model.problem.objective)
    objective = pulp.value(model.problem.objective) if has_solution else None
    lowered = text.lower()
    limit = None
    if guard is not None and guard.requested:
        limit = "interrupted"
    elif status != "optimal" and "time limit" in lowered:
        limit = "time_limit"
    elif status != "optimal" and ("node limit" in lowered or "maxnodes" in lowered
                                  or "stopped on nodes" in lowered):
        limit = "work_budget"
    elif status == "feasible":
        limit = "work_budget"
    return SolverRun(status=status, has_solution=has_solution, objective=objective,
                     bound=bound, seconds=seconds, detail=pulp.LpStatus[st], limit=limit)


# --------------------------------------------------------------------------- helpers
def _assignment(model: RegionModel, lab: np.ndarray) -> pd.Series:
    return pd.Series([f"R{int(r)}" for r in lab], index=pd.Index(model.codes, name="code"),
                     name="region")


def _verify(model: RegionModel, assignment: pd.Series):
    from ..assess.plan import verify_plan

    return verify_plan(model.landscape, assignment, model.spec, graph=model.graph)


def _objective(model: RegionModel, assignment) -> float:
    return float(sum(model.evaluate(assignment).values()))


def _metrics_objective(model: RegionModel, assignment: pd.Series) -> float:
    """The objective as :mod:`rato_opt.assess.metrics` computes it (independent of the model)."""
    from ..assess.metrics import evaluate

    terms, _ = evaluate(model.landscape, assignment, model.spec, model.graph)
    return float(sum(terms.values()))


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= CLAIM_TOLERANCE * max(1.0, abs(a), abs(b))


# --------------------------------------------------------------------------- LNS
def _lns(model: RegionModel, lab: np.ndarray, *, deadline: float, threads, offer,
         window: int = 3, window_seconds: float = 5.0) -> int:
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




# --------------------------------------------------------------------------- run state
class _Run:
    """The state of one solve: best verified plan, trusted bound, limits hit, trace.

    Every stage offers plans through :meth:`offer` (independent verification) and
    records what it contributed with :meth:`stage`.
    """

    def __init__(self, model: RegionModel, *, solver: str, budget: Budget,
                 time_limit: float | None, progress, guard: InterruptGuard,
                 started: float | None = None) -> None:
        self.model = model
        self.solver = solver
        self.budget = budget
        self.time_limit = time_limit
        self.progress = progress
        self.guard = guard
        self.t0 = time.perf_counter() if started is None else started
        self.deadline = None if time_limit is None else self.t0 + float(time_limit)
        self.best: dict[str, Any] = {"assignment": None, "objective": math.inf}
        self.bound = 0.0  # every term is a non-negative fraction: 0 is always valid
        self.bound_source = TRIVIAL_BOUND
        self.iteration = 0
        self.stages: list[dict[str, Any]] = []
        self.claims_rejected: list[str] = []
        self.limits: set[str] = set()
        self.clocked: list[str] = []  # stages budgeted in seconds (not reproducible)
        self.failures: list[str] = []
        self.constant = getattr(model, "objective_constant", 0.0)
        self.current_stage = "start"

    # -- time
    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.perf_counter()

    def cap(self) -> float:
        """Seconds a stage may use at most (``inf`` without a time limit)."""
        left = self.remaining()
        return math.inf if left is None else max(left, 0.0)

    def out_of_time(self, margin: float = 0.05) -> bool:
        left = self.remaining()
        return left is not None and left <= margin

    # -- plans
    def offer(self, assignment: pd.Series) -> bool:
        """Keep ``assignment`` if it verifies and is better; report it. True if it verified."""
        if not _verify(self.model, assignment).ok:
            return False
        obj = _objective(self.model, assignment)
        if obj < self.best["objective"] - 1e-12:
            self.best["assignment"], self.best["objective"] = assignment, obj
            self.report()
        return True

    def trust_bound(self, value: float | None, source: str) -> None:
        """Raise the trusted bound to a solver bound, unless a verified plan refutes it."""
        if value is None or not math.isfinite(value):
            return
        b = max(0.0, value + self.constant)
        obj = self.best["objective"]
        if math.isfinite(obj) and b > obj + CLAIM_TOLERANCE * max(1.0, abs(obj)):
            self.reject(f"{source} reported a bound {b:.6g} above the objective {obj:.6g} of "
                        "a verified plan; that bound is wrong and was ignored")
            return
        if b > self.bound:
            self.bound, self.bound_source = b, source

    def reject(self, claim: str) -> None:
        if claim not in self.claims_rejected:
            self.claims_rejected.append(claim)
            warnings.warn(claim, RuntimeWarning, stacklevel=4)

    # -- progress
    def report(self, incumbent: float | None = None, bound: float | None = None) -> None:
        """Progress event: best verified plan (or a better solver incumbent), best bound."""
        if self.progress is None:
            return
        inc = self.best["objective"] if math.isfinite(self.best["objective"]) else None
        if incumbent is not None and math.isfinite(incumbent):
            shifted = incumbent + self.constant
            inc = shifted if inc is None else min(inc, shifted)
        if bound is not None and math.isfinite(bound):
            self.trust_bound(bound, self.solver_name)
        bnd = self.bound
        gap = None
        if inc is not None and inc > 0:
            gap = max(0.0, (inc - min(bnd, inc)) / abs(inc))
        self.progress({"elapsed": self.elapsed(), "incumbent": inc, "bound": bnd, "gap": gap,
                       "iteration": self.iteration, "stage": self.current_stage})

    def solver_progress(self, incumbent, bound, _gap) -> None:
        self.report(incumbent, bound)

    @property
    def solver_name(self) -> str:
        return "HiGHS" if self.solver == "highs" else "CBC"

    # -- stages
    def stage(self, name: str) -> _Stage:
        return _Stage(self, name)

    def record(self) -> dict[str, Any]:
        hit_time = "time_limit" in self.limits
        return {
            "seed": self.budget.seed,
            "budget": self.budget.as_dict(),
            "time_limit": self.time_limit,
            "deterministic": self.budget.deterministic and not hit_time and not self.clocked,
            "time_limit_hit": hit_time,
            "clocked_stages": list(self.clocked),
            "stages": [dict(s) for s in self.stages],
            "bound_source": self.bound_source,
            "claims_rejected": list(self.claims_rejected),
            "failures": list(self.failures),
            "versions": versions(),
        }


class _Stage:
    """Context manager around one stage: time, objective before/after, Ctrl-C, failures."""

    def __init__(self, run: _Run, name: str) -> None:
        self.run = run
        self.entry: dict[str, Any] = {"stage": name}

    def __enter__(self) -> dict[str, Any]:
        self._t = time.perf_counter()
        self.run.current_stage = self.entry["stage"]
        self.run.report()  # every stage announces itself in the progress trace
        obj = self.run.best["objective"]
        self.entry["objective_before"] = obj if math.isfinite(obj) else None
        return self.entry

    def __exit__(self, exc_type, exc, tb) -> bool:
        run = self.run
        self.entry["seconds"] = round(time.perf_counter() - self._t, 3)
        obj = run.best["objective"]
        self.entry["objective_after"] = obj if math.isfinite(obj) else None
        if run.deadline is not None and time.perf_counter() >= run.deadline:
            run.limits.add("time_limit")
            self.entry.setdefault("stopped_by", "time_limit")
        run.stages.append(self.entry)
        if exc_type is None:
            return False
        if issubclass(exc_type, KeyboardInterrupt):
            run.guard.requested = True
            run.limits.add("interrupted")
            self.entry["stopped_by"] = "interrupted"
            return True
        if issubclass(exc_type, MemoryError | SolverError | pulp.PulpSolverError | OSError):
            run.failures.append(f"{self.entry['stage']}: {type(exc).__name__}: {exc}")
            self.entry["stopped_by"] = "solver_failed"
            return True
        return False


# --------------------------------------------------------------------------- annealing
#: Start temperatures of successive annealing rounds, as factors of the first round's.
#: Measured on the real map at k = 35 with loose balance (8 s from the same start):
#: factor 1 found nothing better than the start (0.3154), 0.3 and 0.1 reached 0.3136,
#: 0.03 nothing; under tight balance factor 1 gained most (0.394 -> 0.354 in 20 s).
_ROUND_TEMPERATURES = (1.0, 0.3, 0.1)


def _anneal_rounds(model: RegionModel, run: _Run, *, seconds: float, moves: int | None,
                   rounds: int | None, seed: int, round_seconds: float = 10.0) -> int:
    """Simulated annealing in rounds from the incumbent; returns the number of rounds.

    Each round starts from the best plan so far at the first round's start temperature
    times 1, 0.3, 0.1, 1, ... (:data:`_ROUND_TEMPERATURES`). With ``moves`` and
    ``rounds`` the work is fixed (deterministic for ``seed``) and ``seconds`` is only a
    cap; without them rounds of ``round_seconds`` run until ``seconds`` are used.
    """
    from .annealing import anneal

    end = time.perf_counter() + max(seconds, 0.0)
    temp = None
    last = [0.0]

    def on_improve(_labels, objective):
        now = time.perf_counter()
        if now - last[0] >= 1.0:
            last[0] = now
            run.report(objective - run.constant)

    done = 0
    while rounds is None or done < rounds:
        left = end - time.perf_counter()
        if left < (0.05 if moves is not None else 0.3):
            if moves is not None:
                run.limits.add("time_limit")
            break
        lab = model.labels_of(run.best["assignment"])
        factor = _ROUND_TEMPERATURES[done % len(_ROUND_TEMPERATURES)]
        limit = left if moves is not None else min(left, round_seconds)
        res = anneal(model, lab, time_budget=limit, seed=seed + done,
                     t_start=None if temp is None else factor * temp, max_moves=moves,
                     on_improve=on_improve)
        if moves is not None and res.moves_tried < moves:
            run.limits.add("time_limit")  # the cap cut the round short
        temp = temp or res.t_start
        done += 1
        if res.feasible and res.objective < run.best["objective"] - 1e-12:
            run.offer(_assignment(model, res.labels))
    return done


def _bound_stage(model: RegionModel, run: _Run) -> None:
    """A lower bound from per-collaboration knapsacks (:mod:`rato_opt.optimize.bounds`)."""
    from .bounds import split_lower_bound

    with run.stage("bound") as entry:
        value = split_lower_bound(model)
        entry["value"] = value
        run.trust_bound(value - run.constant, "per-collaboration knapsack (rato_opt.optimize.bounds)")


def _anneal_stage(model: RegionModel, run: _Run, *, clock_seconds: float,
                  clock_moves: int | None, clock_rounds: int | None) -> None:
    """The annealing stage: the budget's moves and rounds, or (wall clock) the given time."""
    budget = run.budget
    with run.stage("anneal") as entry:
        if budget.anneal_moves is not None and budget.anneal_rounds is not None:
            entry["rounds"] = _anneal_rounds(model, run, seconds=run.cap(),
                                             moves=budget.anneal_moves * model.n,
                                             rounds=budget.anneal_rounds, seed=budget.seed)
        else:
            run.clocked.append("anneal")
            entry["rounds"] = _anneal_rounds(model, run, seconds=clock_seconds,
                                             moves=clock_moves, rounds=clock_rounds,
                                             seed=budget.seed)


# --------------------------------------------------------------------------- warm start
def _pmedian_start(model: RegionModel, run: _Run, *, threads) -> None:
    """Offer a balanced p-median plan when no heuristic start meets the bounds.

    Tight weight bounds defeat region growing; the p-median model
    (:mod:`rato_opt.optimize.pmedian`) handles them well. It runs only when the number of
    regions is fixed, with ``budget.pmedian_nodes`` nodes and the time left under the
    cap (half of it in wall-clock mode). A run stopped by the clock is recorded as such.
    """
    from .pmedian import build_pmedian, solve_pmedian

    if model.k_min != model.k_max:
        return
    left = run.remaining()
    nodes = run.budget.pmedian_nodes
    limit = left
    if nodes is None:
        run.clocked.append("pmedian")
        limit = None if left is None else 0.5 * left
        if limit is not None and limit < 5.0:
            return
    t = time.perf_counter()
    pm = build_pmedian(model.landscape, model.spec, graph=model.graph, candidates=20)
    if limit is not None:
        limit = max(limit - (time.perf_counter() - t), 0.1)
    plan, status = solve_pmedian(pm, time_limit=limit, threads=threads, nodes=nodes,
                                 seed=run.budget.seed)
    solver_model = getattr(pm.problem, "solverModel", None)
    if solver_model is not None:
        import highspy

        if solver_model.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
            run.limits.add("time_limit")
    if plan is not None:
        run.offer(plan)


def _warm_start(model: RegionModel, run: _Run, *, threads) -> None:
    budget = run.budget
    if budget.starts is None:  # wall clock: the old shares of the time limit
        tl = run.time_limit
        seconds = 2.0 if tl is None else max(0.2, min(5.0, 0.08 * tl))
        run.clocked.append("warm_start")
        part_seconds, starts = seconds / 2, 20
    else:
        seconds = part_seconds = run.cap()
        starts = budget.starts
    partitions = []
    if model.spec.start is not None:
        partitions.append(model.spec.start)
    ref = model.spec.objective.reference
    if ref is not None and ref in model.landscape.layers:
        m = model.landscape.layers[ref].membership()
        if not m["unit"].duplicated().any():
            partitions.append(dict(zip(m["unit"], m["collaboration"], strict=True)))
    cand = []
    for part in partitions:
        lab = from_partition(model, part, time_budget=part_seconds)
        if lab is not None:
            cand.append(lab)
    cand.append(warm_start_labels(model, seed=budget.seed, time_budget=run.cap()
                                  if budget.starts is not None else seconds, starts=starts))
    for lab in cand:
        if model.k_min <= lab.max() + 1 <= model.k_max:
            run.offer(_assignment(model, lab))
    if run.best["assignment"] is None and model.spec.bounds and not model.spec.allow_islands:
        _pmedian_start(model, run, threads=threads)


# --------------------------------------------------------------------------- exact stage
def _exact(model: RegionModel, run: _Run, *, threads, msg, max_iterations) -> dict[str, Any]:
    """The integer program (and, for ``"cuts"``, its cut loop). Returns the solver's word."""
    run_solver = _run_highs if run.solver == "highs" else _run_cbc
    claim: dict[str, Any] = {"status": None}
    start_lab = (None if run.best["assignment"] is None
                 else model.labels_of(run.best["assignment"]))
    while True:
        if run.out_of_time():
            run.limits.add("time_limit")
            break
        use_start = start_lab is not None and model.set_start(_assignment(model, start_lab))
        if not use_start:
            for v in model.problem.variables():
                v.varValue = None
        left = run.remaining()
        result = run_solver(model, time_limit=None if left is None else max(left, 0.1),
                            threads=threads, msg=msg, start=use_start,
                            on_progress=run.solver_progress if run.progress else None,
                            nodes=run.budget.nodes, seed=run.budget.seed, guard=run.guard)
        run.iteration += 1
        if result.get("limit"):
            run.limits.add(result["limit"])
        if run.budget.nodes is None:
            run.clocked.append("exact")
        claim = dict(result)
        if result["status"] == "infeasible" or not result["has_solution"]:
            break
        assignment = _assignment(model, model.labels_of(model.assignment_from_values()))
        claim["assignment"] = assignment
        if model.formulation == "cuts" and model.add_separator_cuts(assignment):
            claim["status"] = "cut"
            lab = repair(model, model.labels_of(assignment))
            if model.k_min <= lab.max() + 1 <= model.k_max:
                lab = improve(model, lab, time_budget=min(1.0, run.cap()))
                if run.offer(_assignment(model, lab)):
                    start_lab = model.labels_of(run.best["assignment"])
            run.report()
            if run.iteration >= max_iterations:
                run.limits.add("work_budget")
                break
            if run.guard.requested:
                break
            continue
        if not run.offer(assignment):
            run.reject(f"{run.solver_name} returned a plan that fails independent "
                       "verification: " + "; ".join(_verify(model, assignment).problems))
        break
    return claim


def _judge(model: RegionModel, run: _Run, claim: dict[str, Any]) -> str | None:
    """Check the solver's word; return "optimal", "infeasible" or None (not believed)."""
    name = run.solver_name
    status = claim.get("status")
    if status == "infeasible":
        if run.best["assignment"] is not None:
            run.reject(f"{name} reported the model infeasible although a verified plan "
                       "exists; the claim was ignored")
            return None
        return "infeasible"
    if status != "optimal":
        if claim.get("bound") is not None:
            run.trust_bound(claim["bound"], name)
        return None
    assignment = claim["assignment"]
    if not _verify(model, assignment).ok:
        return None  # already rejected in _exact
    value = _metrics_objective(model, assignment)
    said = None if claim.get("objective") is None else claim["objective"] + run.constant
    if said is None or not _close(said, value):
        run.reject(f"{name} reported optimal with objective {said!r}, but its plan evaluates "
                   f"to {value:.6g}; the claim was ignored")
        return None
    bound = claim.get("bound")
    bound = said if bound is None else bound + run.constant
    best = run.best["objective"]
    if bound > best + CLAIM_TOLERANCE * max(1.0, abs(best)) or value > best + (
            CLAIM_TOLERANCE * max(1.0, abs(best))):
        run.reject(f"{name} reported optimal with bound {bound:.6g}, but a verified plan of "
                   f"this run has objective {best:.6g}; the claim was ignored")
        return None
    # believed: the solver's plan is optimal; keep it even if a tie was found earlier
    run.best["assignment"], run.best["objective"] = assignment, _objective(model, assignment)
    run.bound, run.bound_source = value, f"{name} (optimal, checked)"
    return "optimal"


def _finish(model: RegionModel, run: _Run, verdict: str | None, *, solver_label: str):
    """The plan: status from the checked verdict, bound cross-checked, run record."""
    from ..assess.plan import Plan

    best, obj = run.best["assignment"], run.best["objective"]
    # a bound above the final best plan is wrong (it was trusted against an earlier one)
    if math.isfinite(obj) and run.bound > obj + CLAIM_TOLERANCE * max(1.0, abs(obj)):
        run.reject(f"bound {run.bound:.6g} ({run.bound_source}) lies above the verified "
                   f"objective {obj:.6g}; it was replaced by 0")
        run.bound, run.bound_source = 0.0, TRIVIAL_BOUND
    if run.guard.requested:
        status, stopped = "interrupted", "interrupted"
    elif verdict == "optimal":
        status, stopped = "optimal", "optimal"
    elif verdict == "infeasible":
        status, stopped = "infeasible", "infeasible"
    elif best is not None:
        status = "feasible"
        stopped = ("time_limit" if "time_limit" in run.limits else
                   "solver_failed" if run.failures else "work_budget")
    else:
        status = "not_solved"
        stopped = ("time_limit" if "time_limit" in run.limits else
                   "solver_failed" if run.failures else "work_budget")
    record = run.record()
    record["stopped_by"] = stopped
    explanation: list[str] = []
    if status == "infeasible":
        from .elastic import explain

        left = run.remaining()
        explanation = list(explain(model, solver=run.solver,
                                   time_limit=None if left is None else max(left, 5.0),
                                   threads=None))
        return Plan.from_assignment(model.landscape, None, model.spec, model.graph,
                                    status="infeasible", explanation=tuple(explanation),
                                    seconds=run.elapsed(), solver=solver_label, run=record)
    if best is None:
        why = {"time_limit": f"the time limit of {run.time_limit} s was reached",
               "interrupted": "the run was interrupted (Ctrl-C)",
               "solver_failed": "the solver failed: " + "; ".join(run.failures),
               "work_budget": "the work budget was used up"}[stopped]
        explanation.append(
            f"no plan passed verification: {why} before any warm start, annealing round or "
            "solver solution met the spec; raise the Budget (starts, nodes) or the time "
            "limit, or loosen the bounds (rato_opt.assess.diagnose.precheck lists what can be "
            "proven infeasible up front)")
        return Plan.from_assignment(model.landscape, None, model.spec, model.graph,
                                    status=status, explanation=tuple(explanation),
                                    seconds=run.elapsed(), solver=solver_label, run=record)
    value = _objective(model, best)
    bound = min(run.bound, value)
    if status == "optimal":
        bound, gap = value, 0.0
    else:
        gap = max(value - bound, 0.0) / max(abs(value), 1e-9) if value > 0 else 0.0
        explanation.extend(run.claims_rejected)
    return Plan.from_assignment(model.landscape, best, model.spec, model.graph, status=status,
                                bound=bound, gap=gap, seconds=run.elapsed(),
                                solver=solver_label, explanation=tuple(explanation), run=record)


# --------------------------------------------------------------------------- solve
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
    solver: Solver = "highs",
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
    solver : {"highs", "cbc"}, default "highs"
        HiGHS through highspy, or CBC (``pulp.COIN_CMD``; the binary of ``pulp[cbc]``).
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
    if solver not in ("highs", "cbc"):
        raise SolverError(f"solver must be 'highs' or 'cbc', got {solver!r}")
    time_limit = _check_time_limit(time_limit)
    budget = _check_budget(budget, time_limit)
    if anneal is not None and not (isinstance(anneal, int | float) and 0 <= anneal <= 1):
        raise ModelError(f"anneal must be a share between 0 and 1, got {anneal!r}")
    if polish is not None and not (isinstance(polish, int | float) and 0 <= polish <= 1):
        raise ModelError(f"polish must be a share between 0 and 1, got {polish!r}")
    with InterruptGuard() as guard:
        run = _Run(model, solver=solver, budget=budget, time_limit=time_limit,
                   progress=progress, guard=guard, started=_started)
        name = run.solver_name
        if warm_start and not guard.requested:
            with run.stage("warm_start"):
                _warm_start(model, run, threads=threads)
        _bound_stage(model, run)
        big = model.n_binaries > 2000
        if (anneal is None or anneal > 0) and run.best["assignment"] is not None \
                and not guard.requested and not run.out_of_time():
            share = anneal if anneal is not None else (0.7 if big else 0.1)
            left = run.remaining()
            _anneal_stage(model, run, clock_seconds=(share * left if left is not None
                                                     else (10.0 if big else 1.0)),
                          clock_moves=None if big else 300 * model.n,
                          clock_rounds=None if big else 1)
        if (polish and solver == "highs" and run.best["assignment"] is not None
                and run.deadline is not None and model.formulation == "flow"
                and not guard.requested):
            run.clocked.append("polish")
            with run.stage("polish") as entry:
                end = time.perf_counter() + polish * run.cap()
                quiet_highs()
                with guard.native():
                    entry["windows"] = _lns(model, model.labels_of(run.best["assignment"]),
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
                claim = _exact(model, run, threads=threads, msg=msg,
                               max_iterations=max_iterations)
                entry["solver_status"] = claim.get("status")
                entry["solver_detail"] = claim.get("detail")
        with run.stage("verify"):
            verdict = _judge(model, run, claim) if claim.get("status") else None
        run.report()
        ran_exact = any(st["stage"] == "exact" and "skipped" not in st for st in run.stages)
        # the plan names the solver only when the solver had a hand in it
        return _finish(model, run, verdict, solver_label=name if ran_exact else "heuristic")



#: Above this many assignment variables :func:`propose_regions` answers with a
#: verified heuristic plan instead of the integer program: on such instances the
#: program is expensive to build (the 4,000-unit synthetic country at k = 35:
#: 466 k variables, 1.4 M rows, 6 GiB, 8 minutes to a first solution) and, with
#: its weak LP bound, improves nothing on the heuristic in 10 minutes (measured:
#: 1.188 after 613 s against 1.182 from the heuristic in 17 s).
LARGE_MODEL = 50_000


def _propose_large(light: RegionModel, *, budget: Budget, time_limit: float | None,
                   started: float, progress):
    """Heuristic answer for instances above ``LARGE_MODEL``: multi-start, then annealing."""
    with InterruptGuard() as guard:
        run = _Run(light, solver="highs", budget=budget, time_limit=time_limit,
                   progress=progress, guard=guard, started=started)
        with run.stage("warm_start"):
            if budget.starts is None:
                run.clocked.append("warm_start")
                seconds = 120.0 if time_limit is None else max(1.0, min(120.0, 0.25 * time_limit))
                lab = warm_start_labels(light, seed=budget.seed, time_budget=seconds)
            else:
                lab = warm_start_labels(light, seed=budget.seed, time_budget=run.cap(),
                                        starts=budget.starts)
            run.offer(_assignment(light, lab))
        _bound_stage(light, run)
        if run.best["assignment"] is not None and not guard.requested:
            left = run.remaining()
            _anneal_stage(light, run, clock_seconds=30.0 if left is None else 0.9 * left,
                          clock_moves=None, clock_rounds=None)
        return _finish(light, run, None, solver_label="heuristic")


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
    from ..assess.diagnose import check_feasible
    from .model import model_graph

    started = time.perf_counter()
    time_limit = _check_time_limit(solve_kwargs.pop("time_limit", 600.0))
    budget = _check_budget(solve_kwargs.pop("budget", None), time_limit)
    graph = model_graph(landscape, spec, graph=graph)
    check_feasible(landscape, spec, graph=graph)
    light = RegionModel(landscape, spec, graph, formulation=formulation, _light=True)
    n_x = sum(min(i + 1, light.K) for i in range(light.n))
    if n_x > LARGE_MODEL:
        return _propose_large(light, budget=budget, time_limit=time_limit, started=started,
                              progress=solve_kwargs.get("progress"))
    model = build_model(landscape, spec, graph=graph, formulation=formulation, check=False)
    return solve(model, budget=budget, time_limit=time_limit, _started=started, **solve_kwargs)
