"""The state of one solve: best verified plan, trusted bound, limits hit, stage trace.

Every stage of :func:`rato_opt.optimize.pipeline.solve` offers plans to a
:class:`RunState` (which verifies each independently, :func:`verify_assignment`) and
records what it contributed inside a :class:`Stage`.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pulp

from ..exceptions import SolverError
from ..spec import Budget
from .runtime import InterruptGuard, versions

__all__ = ["RunState", "Stage", "CLAIM_TOLERANCE", "TRIVIAL_BOUND", "FINISH_SECONDS_PER_UNIT",
           "labels_to_assignment",
           "verify_assignment", "problem_objective", "metrics_objective", "close_enough"]

#: Relative tolerance when a solver's objective is compared with our evaluation.
CLAIM_TOLERANCE = 1e-6
#: Where the bound 0 comes from: it holds for every plan.
TRIVIAL_BOUND = "trivial (every term is non-negative)"


def labels_to_assignment(problem, lab: np.ndarray) -> pd.Series:
    """Region ``"R<label>"`` per unit code (not yet canonical)."""
    model = problem
    return pd.Series([f"R{int(r)}" for r in lab], index=pd.Index(model.codes, name="code"),
                     name="region")


def verify_assignment(problem, assignment: pd.Series):
    """:func:`~rato_opt.assess.plan.verify_plan` of an assignment for the problem's spec."""
    model = problem
    from ..assess.plan import verify_plan

    return verify_plan(model.landscape, assignment, model.spec, graph=model.graph)


def problem_objective(problem, assignment) -> float:
    """The weighted objective as the engines count it."""
    model = problem
    return float(sum(model.evaluate(assignment).values()))


def metrics_objective(problem, assignment: pd.Series) -> float:
    model = problem
    """The objective as :mod:`rato_opt.assess.metrics` computes it (independent of the model)."""
    from ..assess.metrics import evaluate

    terms, _ = evaluate(model.landscape, assignment, model.spec, model.graph)
    return float(sum(terms.values()))


def close_enough(a: float, b: float) -> bool:
    """Equal within :data:`CLAIM_TOLERANCE` (relative, at least absolute)."""
    return abs(a - b) <= CLAIM_TOLERANCE * max(1.0, abs(a), abs(b))


#: Seconds per unit kept free at the end of a timed run to build and check the Plan
#: (region table, dissolved regions, verification): measured 3.6 s for the 3,393 wijken on
#: an idle machine and about 6 s with other jobs beside it.
FINISH_SECONDS_PER_UNIT = 0.002


class RunState:
    """The state of one solve: best verified plan, trusted bound, limits hit, trace.

    Every stage offers plans through :meth:`offer` (independent verification) and
    records what it contributed with :meth:`stage`.
    """

    def __init__(self, problem, *, solver, budget: Budget,
                 time_limit: float | None, progress, guard: InterruptGuard,
                 started: float | None = None, constant: float = 0.0) -> None:
        self.problem = problem
        self.solver = solver
        self.budget = budget
        self.time_limit = time_limit
        self.progress = progress
        self.guard = guard
        self.t0 = time.perf_counter() if started is None else started
        # the stages stop early enough for the Plan to be built within the time limit
        reserve = FINISH_SECONDS_PER_UNIT * getattr(problem, "n", 0)
        self.deadline = (None if time_limit is None
                         else self.t0 + max(float(time_limit) - reserve, 0.5 * float(time_limit)))
        self.best: dict[str, Any] = {"assignment": None, "objective": math.inf}
        self.bound = 0.0  # every term is a non-negative fraction: 0 is always valid
        self.bound_source = TRIVIAL_BOUND
        self.iteration = 0
        self.stages: list[dict[str, Any]] = []
        self.claims_rejected: list[str] = []
        self.limits: set[str] = set()
        self.clocked: list[str] = []  # stages budgeted in seconds (not reproducible)
        self.failures: list[str] = []
        self.constant = constant  # the model's objective constant (solver values lack it)
        self.last_search_report = 0.0  # when search_progress last reported
        self.current_stage = "start"
        self.coarse: dict[str, Any] | None = None  # what the coarse start did, if it ran

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
        if not verify_assignment(self.problem, assignment).ok:
            return False
        obj = problem_objective(self.problem, assignment)
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

    def search_progress(self, _labels, objective: float) -> None:
        """``on_improve`` callback of the searches: report a better plan at most once a
        second (``objective`` includes the model's constant)."""
        now = time.perf_counter()
        if now - self.last_search_report >= 1.0:
            self.last_search_report = now
            self.report(objective - self.constant)

    @property
    def solver_name(self) -> str:
        from .backends import solver_name

        return solver_name(self.solver)

    # -- stages
    def stage(self, name: str) -> Stage:
        return Stage(self, name)

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
            **({"coarse_start": dict(self.coarse)} if self.coarse else {}),
            "versions": versions(),
        }


class Stage:
    """Context manager around one stage: time, objective before/after, Ctrl-C, failures."""

    def __init__(self, run: RunState, name: str) -> None:
        self.run = run
        self.entry: dict[str, Any] = {"stage": name}

    def __enter__(self) -> dict[str, Any]:
        self._t = time.perf_counter()
        self.run.current_stage = self.entry["stage"]
        self.run.last_search_report = 0.0  # a stage's first improvement is reported at once
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


