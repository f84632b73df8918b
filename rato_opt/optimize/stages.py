"""The stages of a solve, each reading the compiled problem and reporting to the run.

:func:`warm_start` (spec start, reference partition, multi-start heuristic, the coarse
map's plan carried down (:mod:`~rato_opt.optimize.multilevel`), p-median under tight bounds) -> :func:`bound_stage` (per-collaboration knapsack bound) ->
:func:`recombine_stage` (recombination rounds, then the pool program over the regions
they visited) -> :func:`anneal_stage` (annealing in rounds) -> :func:`exact_stage` (the integer
program through a back-end) -> :func:`judge` (the solver's word checked) ->
:func:`finish` (the Plan with its run record). :func:`rato_opt.optimize.pipeline.solve`
runs them in this order; each stage runs inside ``run.stage(name)``, which records
what it contributed to the progress trace and ``plan.run["stages"]``.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pandas as pd

from . import backends
from .heuristic import from_partition, improve, repair, warm_start_labels
from .model import RegionModel
from .multilevel import coarse_start
from .problem import CompiledProblem
from .runstate import (
    CLAIM_TOLERANCE,
    TRIVIAL_BOUND,
    RunState,
    close_enough,
    labels_to_assignment,
    metrics_objective,
    problem_objective,
    verify_assignment,
)

__all__ = ["ROUND_TEMPERATURES", "CLOCK_RECOM_STEPS", "anneal_rounds", "bound_stage",
           "anneal_stage", "recombine_stage",
           "pmedian_start", "warm_start", "exact_stage", "judge", "finish"]


# ------------------------------------------------------------------ annealing
#: Start temperatures of successive annealing rounds, as factors of the first round's.
#: Measured on the real map at k = 35 with loose balance (8 s from the same start):
#: factor 1 found nothing better than the start (0.3154), 0.3 and 0.1 reached 0.3136,
#: 0.03 nothing; under tight balance factor 1 gained most (0.394 -> 0.354 in 20 s).
ROUND_TEMPERATURES = (1.0, 0.3, 0.1)


def anneal_rounds(problem: CompiledProblem, run: RunState, *, seconds: float, moves: int | None,
                   rounds: int | None, seed: int, round_seconds: float = 10.0) -> int:
    """Simulated annealing in rounds from the incumbent; returns the number of rounds.

    Each round starts from the best plan so far at the first round's start temperature
    times 1, 0.3, 0.1, 1, ... (:data:`ROUND_TEMPERATURES`). With ``moves`` and
    ``rounds`` the work is fixed (deterministic for ``seed``) and ``seconds`` is only a
    cap; without them rounds of ``round_seconds`` run until ``seconds`` are used.
    """
    from .annealing import anneal

    end = time.perf_counter() + max(seconds, 0.0)
    temp = None
    done = 0
    while rounds is None or done < rounds:
        left = end - time.perf_counter()
        if left < (0.05 if moves is not None else 0.3):
            if moves is not None:
                run.limits.add("time_limit")
            break
        lab = problem.labels_of(run.best["assignment"])
        factor = ROUND_TEMPERATURES[done % len(ROUND_TEMPERATURES)]
        limit = left if moves is not None else min(left, round_seconds)
        res = anneal(problem, lab, time_budget=limit, seed=seed + done,
                     t_start=None if temp is None else factor * temp, max_moves=moves,
                     on_improve=run.search_progress)
        if moves is not None and res.moves_tried < moves:
            run.limits.add("time_limit")  # the cap cut the round short
        temp = temp or res.t_start
        done += 1
        if res.feasible and res.objective < run.best["objective"] - 1e-12:
            run.offer(labels_to_assignment(problem, res.labels))
    return done


def bound_stage(problem: CompiledProblem, run: RunState) -> None:
    """The best lower bound of :mod:`rato_opt.optimize.bounds` (knapsack, connected, hitting).

    The entry records every bound (``bounds``) and the largest (``value``, ``method``).
    """
    from .lower_bound import MAX_PATH_SOURCES, METHODS, lower_bounds, path_sources

    sources = {"knapsack": "per-collaboration knapsack (rato_opt.optimize.bounds)",
               "connected": "per-collaboration connected knapsack (rato_opt.optimize.bounds)",
               "hitting": ("per-collaboration connected knapsack + hitting set "
                           "(rato_opt.optimize.count_bound)")}
    with run.stage("bound") as entry:
        found = lower_bounds(problem, max_sources=MAX_PATH_SOURCES)
        if set(found) != set(METHODS):
            entry["skipped"] = (f"{', '.join(m for m in METHODS if m not in found)}: "
                                f"{path_sources(problem):,} shortest-path trees > "
                                f"{MAX_PATH_SOURCES:,}")
        method = max(found, key=lambda m: (found[m], -list(found).index(m)))
        entry["bounds"] = found
        entry["value"], entry["method"] = found[method], method
        run.trust_bound(found[method] - run.constant, sources[method])


def anneal_stage(problem: CompiledProblem, run: RunState, *, clock_seconds: float,
                  clock_moves: int | None, clock_rounds: int | None) -> None:
    """The annealing stage: the budget's moves and rounds, or (wall clock) the given time."""
    budget = run.budget
    with run.stage("anneal") as entry:
        if budget.anneal_moves is not None and budget.anneal_rounds is not None:
            entry["rounds"] = anneal_rounds(problem, run, seconds=run.cap(),
                                             moves=budget.anneal_moves * problem.n,
                                             rounds=budget.anneal_rounds, seed=budget.seed)
        else:
            run.clocked.append("anneal")
            entry["rounds"] = anneal_rounds(problem, run, seconds=clock_seconds,
                                             moves=clock_moves, rounds=clock_rounds,
                                             seed=budget.seed)


# ------------------------------------------------------------------ recombination + pool
#: Proposals per recombination round when the budget is on the clock (rounds run until
#: the stage's time share is used).
CLOCK_RECOM_STEPS = 3000


def recombine_stage(problem: CompiledProblem, run: RunState, *, clock_seconds: float,
                    pool_share: float, threads) -> None:
    """Recombination rounds (:mod:`rato_opt.optimize.recom`), then the pool program.

    Stage ``"recombine"``: ``budget.recom_rounds`` rounds of ``budget.recom_steps``
    proposals (annealed recombination and unit moves), each from the best plan so far
    with seed ``budget.seed + round``; on the clock, rounds of
    :data:`CLOCK_RECOM_STEPS` until ``clock_seconds`` are used. Every region the rounds
    create feeds a :class:`~rato_opt.optimize.pool.RegionPool`. Stage ``"pool"``: the
    best plan of pool regions (:func:`~rato_opt.optimize.pool.solve_pool`, ``budget.nodes``
    nodes under the cap, or on the clock ``pool_share`` of the time left), offered like
    every plan.
    """
    from .pool import DEFAULT_COLUMNS, RegionPool, solve_pool
    from .recom import recombine

    budget = run.budget
    steps, rounds, size = budget.recom_steps, budget.recom_rounds, budget.pool_max_columns
    if steps == 0 or rounds == 0 or run.best["assignment"] is None:
        return
    clocked = steps is None or rounds is None
    pool = None if size == 0 else RegionPool(problem.n, DEFAULT_COLUMNS if size is None
                                             else size)
    with run.stage("recombine") as entry:
        if clocked:
            run.clocked.append("recombine")
        end = time.perf_counter() + (clock_seconds if clocked else run.cap())
        done = total = 0
        while (rounds is None or done < rounds) and not run.guard.requested:
            if time.perf_counter() >= end - (0.3 if clocked else 0.05):
                if not clocked:
                    run.limits.add("time_limit")
                break
            lab = problem.labels_of(run.best["assignment"])
            if pool is not None:
                pool.add_plan(lab)
            res = recombine(problem, lab, steps=steps or CLOCK_RECOM_STEPS,
                            seed=budget.seed + done, deadline=end, on_improve=run.search_progress,
                            on_region=None if pool is None else pool.add)
            if res.hit_deadline and not clocked:
                run.limits.add("time_limit")
            done += 1
            total += res.steps
            if res.objective < run.best["objective"] - 1e-12:
                run.offer(labels_to_assignment(problem, res.labels))
            if pool is not None:
                pool.add_plan(res.labels)
        entry.update(rounds=done, steps=total)
        if pool is not None:
            entry.update(regions_seen=pool.seen, pool_columns=len(pool))
    if pool is None or run.guard.requested or run.out_of_time():
        return
    with run.stage("pool") as entry:
        lab = problem.labels_of(run.best["assignment"])
        pool.add_plan(lab)
        if budget.nodes is None:
            run.clocked.append("pool")
        left = run.remaining()
        if budget.nodes is None and left is not None:
            left *= pool_share
        with run.guard.native():
            res = solve_pool(problem, pool, int(lab.max()) + 1, start=lab, nodes=budget.nodes,
                             time_limit=None if left is None else max(left, 0.1),
                             threads=threads, seed=budget.seed, guard=run.guard)
        entry.update(columns=res.columns, variables=res.variables, rows=res.rows,
                     solver_status=res.status, program_value=res.program_value)
        if res.status == "Time limit reached":
            run.limits.add("time_limit")
        if res.labels is not None:
            run.offer(labels_to_assignment(problem, res.labels))


# --------------------------------------------------------------------------- warm start
def pmedian_start(problem: CompiledProblem, run: RunState, *, threads) -> None:
    """Offer a balanced p-median plan when no heuristic start meets the bounds.

    Tight weight bounds defeat region growing; the p-median problem
    (:mod:`rato_opt.optimize.pmedian`) handles them well. It runs only when the number of
    regions is fixed, with ``budget.pmedian_nodes`` nodes and the time left under the
    cap. In wall-clock mode it takes 90 % of the time left: it runs only when no other
    stage has a plan, and without one the later stages have nothing to improve (measured
    on the real map at k = 35, 0.6-1.85 x mean, 60 s: with half the time left it found
    no plan and the run returned none). A run stopped by the clock is recorded as such.
    """
    from .pmedian import build_pmedian, solve_pmedian

    if problem.k_min != problem.k_max:
        return
    left = run.remaining()
    nodes = run.budget.pmedian_nodes
    limit = left
    if nodes is None:
        run.clocked.append("pmedian")
        limit = None if left is None else 0.9 * left
        if limit is not None and limit < 5.0:
            return
    t = time.perf_counter()
    pm = build_pmedian(problem, candidates=20)
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


def warm_start(problem: CompiledProblem, run: RunState, *, threads) -> None:
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
    if problem.spec.start is not None:
        partitions.append(problem.spec.start)
        start = pd.Series(dict(problem.spec.start), dtype=object).reindex(problem.codes)
        if start.notna().all():  # a complete start plan counts as it is when it verifies
            run.offer(start.astype(str).rename("region"))
    ref = problem.spec.objective.reference
    if ref is not None and ref in problem.landscape.layers:
        m = problem.landscape.layers[ref].membership()
        if not m["unit"].duplicated().any():
            partitions.append(dict(zip(m["unit"], m["collaboration"], strict=True)))
    cand = []
    for part in partitions:
        lab = from_partition(problem, part, time_budget=part_seconds)
        if lab is not None:
            cand.append(lab)
    cand.append(warm_start_labels(problem, seed=budget.seed, time_budget=run.cap()
                                  if budget.starts is not None else seconds, starts=starts))
    for lab in cand:
        if problem.k_min <= lab.max() + 1 <= problem.k_max:
            run.offer(labels_to_assignment(problem, lab))
    if problem.spec.bounds:  # units with parents: the parents' plan carried down, too
        run.coarse = coarse_start(problem, run)
    if run.best["assignment"] is None and problem.spec.bounds and not problem.spec.allow_islands:
        pmedian_start(problem, run, threads=threads)


# --------------------------------------------------------------------------- exact stage
def exact_stage(model: RegionModel, run: RunState, *, threads, msg, max_iterations) -> dict[str, Any]:
    """The integer program (and, for ``"cuts"``, its cut loop). Returns the solver's word."""
    run_solver = backends.backend(run.solver)
    claim: dict[str, Any] = {"status": None}
    start_lab = (None if run.best["assignment"] is None
                 else model.labels_of(run.best["assignment"]))
    while True:
        if run.out_of_time():
            run.limits.add("time_limit")
            break
        use_start = start_lab is not None and model.set_start(labels_to_assignment(model, start_lab))
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
        assignment = labels_to_assignment(model, model.labels_of(model.assignment_from_values()))
        claim["assignment"] = assignment
        if model.formulation == "cuts" and model.add_separator_cuts(assignment):
            claim["status"] = "cut"
            lab = repair(model, model.labels_of(assignment))
            if model.k_min <= lab.max() + 1 <= model.k_max:
                lab = improve(model, lab, time_budget=min(1.0, run.cap()))
                if run.offer(labels_to_assignment(model, lab)):
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
                       "verification: " + "; ".join(verify_assignment(model.compiled, assignment).problems))
        break
    return claim


def judge(problem: CompiledProblem, run: RunState, claim: dict[str, Any]) -> str | None:
    """Check the solver's word; return "optimal", "infeasible" or None (not believed)."""
    name = run.solver_name
    status = claim.get("status")
    if status == "infeasible":
        if run.best["assignment"] is not None:
            run.reject(f"{name} reported the problem infeasible although a verified plan "
                       "exists; the claim was ignored")
            return None
        return "infeasible"
    if status != "optimal":
        if claim.get("bound") is not None:
            run.trust_bound(claim["bound"], name)
        return None
    assignment = claim["assignment"]
    if not verify_assignment(problem, assignment).ok:
        return None  # already rejected in exact_stage
    value = metrics_objective(problem, assignment)
    said = None if claim.get("objective") is None else claim["objective"] + run.constant
    if said is None or not close_enough(said, value):
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
    run.best["assignment"], run.best["objective"] = assignment, problem_objective(problem, assignment)
    run.bound, run.bound_source = value, f"{name} (optimal, checked)"
    return "optimal"


def finish(problem: CompiledProblem, run: RunState, verdict: str | None, *, solver_label: str,
           model: RegionModel | None = None):
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
        explanation = list(explain(model, solver=run.solver if isinstance(run.solver, str)
                                   else "highs",
                                   time_limit=None if left is None else max(left, 5.0),
                                   threads=None))
        return Plan.from_assignment(problem.landscape, None, problem.spec, problem.graph,
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
        return Plan.from_assignment(problem.landscape, None, problem.spec, problem.graph,
                                    status=status, explanation=tuple(explanation),
                                    seconds=run.elapsed(), solver=solver_label, run=record)
    value = problem_objective(problem, best)
    bound = min(run.bound, value)
    if status == "optimal":
        bound, gap = value, 0.0
    else:
        gap = max(value - bound, 0.0) / max(abs(value), 1e-9) if value > 0 else 0.0
        explanation.extend(run.claims_rejected)
    return Plan.from_assignment(problem.landscape, best, problem.spec, problem.graph, status=status,
                                bound=bound, gap=gap, seconds=run.elapsed(),
                                solver=solver_label, explanation=tuple(explanation), run=record)


