"""Solver back-ends behind one small interface: HiGHS, CBC, or a caller's own PuLP solver.

Each back-end takes a built :class:`~rato_opt.optimize.model.RegionModel` and returns a
:class:`SolverRun` (the solver's *word*: status, solution present, objective, bound,
seconds, which limit stopped it). Nothing here believes that word; the pipeline's
verification stage (:func:`rato_opt.optimize.stages.judge`) checks it.

- ``"highs"``: HiGHS through highspy, with a MIP start, progress and Ctrl-C callbacks;
- ``"cbc"``: CBC through ``pulp.COIN_CMD`` (the binary of ``pulp[cbc]``), its log tailed
  for progress;
- any ``pulp.LpSolver`` instance (as spopt allows): solved with PuLP's own interface;
  its bound is unknown to us, so a claim of optimality from it is checked like any other.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pulp

from ..exceptions import SolverError
from .cbclog import CbcLogWatcher, parse_cbc_log
from .runtime import InterruptGuard, native_output_to_stderr, quiet_highs

__all__ = ["SolverRun", "Solver", "highs_solver", "highs_class", "cbc_solver", "run_highs",
           "run_cbc", "run_custom", "backend", "solver_name"]

Solver = Literal["highs", "cbc"]


class SolverRun(dict):
    """Outcome of one solver call: status, has_solution, objective, bound, seconds, limit."""


# --------------------------------------------------------------------------- HiGHS
def highs_class():
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
    return highs_class()(**kwargs)


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


def run_highs(model, *, time_limit, threads, msg, start, on_progress,
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

    cls = highs_class()
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
def cbc_solver(**kwargs):
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


def run_cbc(model, *, time_limit, threads, msg, start,
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
    solver = cbc_solver(**opts)
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


# --------------------------------------------------------------------------- any PuLP solver
def run_custom(model, solver: pulp.LpSolver, *, time_limit=None, threads=None, msg=False,
               start=False, on_progress=None, nodes=None, seed=0,
               guard: InterruptGuard | None = None) -> SolverRun:
    """Solve with a caller's own ``pulp.LpSolver`` (its options are the caller's).

    ``time_limit``, ``threads``, ``nodes`` and ``seed`` are not passed on: the solver
    object carries its own settings. The bound is unknown (``None``), so the run's
    bound stays the library's own.
    """
    t = time.perf_counter()
    try:
        with native_output_to_stderr():
            if guard is not None:
                with guard.native():
                    model.problem.solve(solver)
            else:
                model.problem.solve(solver)
    except pulp.PulpSolverError as err:
        raise SolverError(f"{solver.name} failed: {err}") from err
    st, sol = model.problem.status, model.problem.sol_status
    has_solution = sol in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if st == pulp.LpStatusOptimal and sol == pulp.LpSolutionOptimal:
        status = "optimal"
    elif st == pulp.LpStatusInfeasible or sol == pulp.LpSolutionInfeasible:
        status = "infeasible"
    else:
        status = "feasible" if has_solution else "not_solved"
    objective = pulp.value(model.problem.objective) if has_solution else None
    return SolverRun(status=status, has_solution=has_solution, objective=objective,
                     bound=objective if status == "optimal" else None,
                     seconds=time.perf_counter() - t, detail=pulp.LpStatus[st],
                     limit=None if status == "optimal" else "work_budget")


def solver_name(solver: str | pulp.LpSolver) -> str:
    """How messages name a back-end: ``"HiGHS"``, ``"CBC"`` or the PuLP solver's name.

    Examples
    --------
    >>> solver_name("highs"), solver_name("cbc")
    ('HiGHS', 'CBC')
    """
    if isinstance(solver, pulp.LpSolver):
        return str(getattr(solver, "name", type(solver).__name__))
    return {"highs": "HiGHS", "cbc": "CBC"}[solver]


def backend(solver: str | pulp.LpSolver) -> Callable[..., SolverRun]:
    """The function that runs ``solver`` on a model (looked up at call time).

    Raises
    ------
    SolverError
        ``solver`` is neither ``"highs"``, ``"cbc"`` nor a ``pulp.LpSolver``.

    Examples
    --------
    >>> backend("highs").__name__
    'run_highs'
    """
    if isinstance(solver, pulp.LpSolver):
        def run(model, **kwargs: Any) -> SolverRun:
            return run_custom(model, solver, **kwargs)
        return run
    if solver == "highs":
        return run_highs
    if solver == "cbc":
        return run_cbc
    raise SolverError(f"solver must be 'highs', 'cbc' or a pulp.LpSolver instance, "
                      f"got {solver!r}")
