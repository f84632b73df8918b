"""Recombination moves (rato_opt.optimize.recom), the region pool program
(rato_opt.optimize.pool) and their stages in solve()."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from rato_opt.assess.verify import verify_plan
from rato_opt.optimize.heuristic import warm_start_labels
from rato_opt.optimize.model import build_model
from rato_opt.optimize.pipeline import solve
from rato_opt.optimize.pool import RegionPool, solve_pool
from rato_opt.optimize.problem import compile_problem
from rato_opt.optimize.recom import STRATEGIES, TreeSplitter, recombine
from rato_opt.sources.synthetic import make_country
from rato_opt.spec import Bound, Budget, Locks, Objective, RegionSpec


@pytest.fixture(scope="module")
def country():
    return make_country(n_units=80, seed=7)


def _spec(locks: Locks | None = None, k: int = 6) -> RegionSpec:
    return RegionSpec(
        k=k,
        bounds=(Bound("population", 0.5, 2.0, relative=True),
                Bound("pupils_po", 0.3, 2.5, relative=True)),
        objective=Objective(split=1.0, split_by="pupils_po", compactness=0.3),
        locks=locks or Locks(),
    )


def _assignment(problem, labels) -> pd.Series:
    return pd.Series([f"R{r}" for r in labels], index=pd.Index(problem.codes, name="code"))


def _start(problem):
    lab = warm_start_labels(problem, seed=0, starts=2)
    assert verify_plan(problem.landscape, _assignment(problem, lab), problem.spec,
                       graph=problem.graph).ok
    return lab


def _locked(country):
    """A problem with fixed, together and apart locks that its warm start meets."""
    free = compile_problem(country, _spec())
    lab = _start(free)
    a, b = next((i, j) for i, j, _ in free.edges if lab[i] == lab[j])
    c = next(i for i in range(free.n) if lab[i] != lab[0])
    d = next(i for i in range(free.n) if lab[i] not in (lab[0], lab[c]))
    code = free.codes
    locks = Locks(fixed={code[0]: "north", code[c]: "south"}, together=[[code[a], code[b]]],
                  apart=[(code[c], code[d])])
    problem = compile_problem(country, _spec(locks))
    assert verify_plan(country, _assignment(problem, lab), problem.spec, graph=problem.graph).ok
    return problem, lab


def test_tree_cuts_keep_contiguity_bounds_and_locks(country):
    problem, lab = _locked(country)
    q = int(lab.max()) + 1
    splitter = TreeSplitter(problem, q)
    frozen, _ = problem.frozen_units()
    assert frozen.sum() >= 3
    limits = [row.limits(q) for row in problem.bounds]
    rng = np.random.default_rng(3)
    pairs = sorted({(int(lab[a]), int(lab[b])) for a, b, _ in problem.edges if lab[a] != lab[b]})
    cuts = 0
    for ra, rb in pairs * 5:
        cut = splitter.split(lab, ra, rb, rng, tries=5)
        if cut is None:
            continue
        cuts += 1
        units, new = cut
        assert set(units.tolist()) == set(np.flatnonzero((lab == ra) | (lab == rb)).tolist())
        after = lab.copy()
        after[units] = new
        assert (after[frozen] == lab[frozen]).all()  # locked units keep their region
        for r in (ra, rb):
            part = np.flatnonzero(after == r)
            assert len(part) and nx.is_connected(problem.int_graph.subgraph(part.tolist()))
            for row, (lo, up) in zip(problem.bounds, limits, strict=True):
                load = row.weights[part].sum()
                assert lo - 1e-6 <= load <= up + 1e-6
    assert cuts >= len(pairs)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_recombine_keeps_plans_valid_and_is_deterministic(country, strategy):
    problem, lab = _locked(country)
    spec = problem.spec
    seen: list[np.ndarray] = []
    res = recombine(problem, lab, steps=600, seed=5, strategy=strategy,
                    on_region=seen.append)
    assert res.steps == 600 and res.recom_valid > 0 and seen
    assert res.objective <= res.start_objective + 1e-12
    assert res.objective == pytest.approx(problem.objective(res.labels), abs=1e-12)
    check = verify_plan(country, _assignment(problem, res.labels), spec, graph=problem.graph)
    assert check.ok, check.problems
    again = recombine(problem, lab, steps=600, seed=5, strategy=strategy)
    assert np.array_equal(again.labels, res.labels) and again.objective == res.objective
    # every region a proposal created is connected and within the bounds
    q = int(lab.max()) + 1
    for units in seen[:200]:
        assert nx.is_connected(problem.int_graph.subgraph(units.tolist()))
        for row in problem.bounds:
            lo, up = row.limits(q)
            assert lo - 1e-6 <= row.weights[units].sum() <= up + 1e-6


def test_pool_program_is_verified_and_no_worse_than_its_plans(country):
    spec = _spec(k=5)
    problem = compile_problem(country, spec)
    lab = _start(problem)
    pool = RegionPool(problem.n, max_columns=400)
    plans = [lab]
    for seed in range(3):
        res = recombine(problem, lab, steps=300, seed=seed, on_region=pool.add)
        plans.append(res.labels)
    for plan in plans:
        pool.add_plan(plan)
    best = min(plans, key=problem.objective)
    out = solve_pool(problem, pool, 5, start=best, nodes=200)
    assert out.labels is not None and out.columns == len(pool) >= 5
    assert verify_plan(country, _assignment(problem, out.labels), spec,
                       graph=problem.graph).ok
    assert out.objective <= problem.objective(best) + 1e-9
    assert out.program_value == pytest.approx(out.objective, abs=1e-7)  # the program is exact


def test_region_pool_keeps_pinned_and_newest_regions():
    pool = RegionPool(5, max_columns=2)
    pool.add_plan(np.array([0, 0, 1, 1, 1]))
    for units in ([0], [1, 2], [3, 4], [1, 2]):
        pool.add(np.array(units))
    cols = [c.tolist() for c in pool.columns()]
    assert cols == [[0, 1], [2, 3, 4], [3, 4], [1, 2]]
    assert pool.seen == 5


def test_solve_reports_recombine_and_pool_stages(country):
    spec = _spec()
    budget = Budget(seed=1, starts=2, anneal_rounds=1, anneal_moves=20, nodes=0,
                    recom_steps=400, recom_rounds=2, pool_max_columns=300)
    plan = solve(build_model(country, spec), budget=budget)
    stages = {s["stage"]: s for s in plan.run["stages"]}
    rec, pool = stages["recombine"], stages["pool"]
    assert rec["rounds"] == 2 and rec["steps"] == 800 and rec["pool_columns"] > 0
    assert rec["objective_after"] <= rec["objective_before"]
    assert pool["columns"] >= rec["pool_columns"] and pool["solver_status"]
    assert pool["objective_after"] <= pool["objective_before"]
    assert plan.run["deterministic"] and plan.run["budget"]["recom_steps"] == 400
    again = solve(build_model(country, spec), budget=budget)
    assert again.assignment.equals(plan.assignment)
    off = solve(build_model(country, spec), budget=Budget(seed=1, starts=2, anneal_rounds=1,
                                                          anneal_moves=20, nodes=0,
                                                          recom_rounds=0))
    assert not {"recombine", "pool"} & {s["stage"] for s in off.run["stages"]}
