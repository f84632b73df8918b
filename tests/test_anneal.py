"""Simulated annealing (rato_opt.optimize.annealing) and how solve() uses it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rato_opt.assess.plan import score_plan
from rato_opt.assess.verify import verify_plan
from rato_opt.optimize.annealing import anneal
from rato_opt.optimize.heuristic import warm_start_labels
from rato_opt.optimize.model import (
    Bound,
    Locks,
    Objective,
    RegionSpec,
    build_model,
)
from rato_opt.optimize.pipeline import solve
from rato_opt.optimize.problem import CompiledProblem, compile_problem
from rato_opt.sources.synthetic import make_country
from rato_opt.spec import Budget


@pytest.fixture(scope="module")
def country():
    return make_country(n_units=80, seed=7)


def _spec(**kwargs) -> RegionSpec:
    return RegionSpec(
        k=6,
        bounds=(Bound("population", 0.5, 2.0, relative=True),),
        objective=Objective(split=1.0, split_by="pupils_po", compactness=0.5, alignment=0.5,
                            reference="amr"),
        **kwargs,
    )


def _problem(land, spec) -> CompiledProblem:
    return compile_problem(land, spec)


def _as_series(model, labels) -> pd.Series:
    return pd.Series([f"R{r}" for r in labels], index=pd.Index(model.codes, name="code"))


def test_anneal_improves_a_start_and_keeps_it_valid(country):
    spec = _spec()
    model = _problem(country, spec)
    start = warm_start_labels(model, seed=0, starts=2, time_budget=math.inf)
    assert verify_plan(country, _as_series(model, start), spec, graph=model.graph).ok
    res = anneal(model, start, time_budget=math.inf, max_moves=40_000, seed=1)
    assert res.feasible
    assert res.objective <= res.start_objective + 1e-12
    plan = _as_series(model, res.labels)
    v = verify_plan(country, plan, spec, graph=model.graph)
    assert v.ok, v.problems
    assert plan.nunique() == 6  # moves never empty a region
    # the reported objective is the exact objective of the returned plan
    assert score_plan(country, plan, spec, graph=model.graph).objective == pytest.approx(
        res.objective, abs=1e-9)
    assert res.moves_accepted > 0 and res.moves_tried >= res.moves_accepted


def test_anneal_is_deterministic_with_max_moves(country):
    spec = _spec()
    model = _problem(country, spec)
    start = warm_start_labels(model, seed=0, starts=2, time_budget=math.inf)
    a = anneal(model, start, time_budget=math.inf, max_moves=5_000, seed=3)
    b = anneal(model, start, time_budget=math.inf, max_moves=5_000, seed=3)
    assert np.array_equal(a.labels, b.labels) and a.objective == b.objective
    assert a.moves_tried == 5_000


def test_anneal_never_moves_locked_units(country):
    codes = list(country.codes)
    base = _spec()
    model = _problem(country, base)
    start = warm_start_labels(model, seed=0, starts=2, time_budget=math.inf)
    # lock three units where the start has them, and one whole region as own_region
    fixed = {codes[i]: f"L{start[i]}" for i in (0, 10, 20)}
    own_label = start[40]
    own = tuple(c for c, r in zip(codes, start, strict=True) if r == own_label)
    spec = _spec(locks=Locks(fixed=fixed, own_region=(own,)))
    model = _problem(country, spec)
    res = anneal(model, start, time_budget=math.inf, max_moves=20_000, seed=0)
    for code in fixed:
        i = model.pos[code]
        assert res.labels[i] == start[i]
    members = {c for c, r in zip(codes, res.labels, strict=True) if r == own_label}
    assert members == set(own)


def test_anneal_reports_an_infeasible_start_honestly(country):
    spec = RegionSpec(k=6, bounds=(Bound("population", 0.99, 1.01, relative=True),),
                      objective=Objective(split=1.0, split_by="pupils_po"))
    model = _problem(country, spec)
    start = warm_start_labels(model, seed=0, starts=2, time_budget=math.inf)
    ok_start = verify_plan(country, _as_series(model, start), spec, graph=model.graph).ok
    res = anneal(model, start, time_budget=math.inf, max_moves=3_000, seed=0)
    ok_end = verify_plan(country, _as_series(model, res.labels), spec, graph=model.graph).ok
    assert res.feasible == ok_end
    if not ok_start and not res.feasible:
        assert np.array_equal(res.labels, start)  # nothing better to offer than the start


def test_solve_reports_the_first_plan_early_and_never_a_worse_incumbent():
    land = make_country(n_units=120, seed=3)
    spec = RegionSpec(k=12, bounds=[Bound("population", 0.25, 4.0, relative=True)],
                      objective=Objective(split=1.0, split_by="pupils_po", compactness=0.2,
                                          alignment=0.5, reference="amr"))
    events = []
    model = build_model(land, spec)
    plan = solve(model, progress=events.append, budget=Budget(nodes=50))
    assert plan.status in ("feasible", "optimal") and plan.verification.ok
    incumbents = [e["incumbent"] for e in events if e["incumbent"] is not None]
    assert incumbents, "no progress event carried an incumbent"
    # the first verified plan is reported when the warm start finds it, not at the end
    first = next(e for e in events if e["incumbent"] is not None)
    assert first["stage"] == "warm_start"
    assert [e["stage"] for e in events][:1] == ["warm_start"]  # every stage announces itself
    assert all(b <= a + 1e-12 for a, b in zip(incumbents, incumbents[1:], strict=False))
    assert incumbents[-1] == pytest.approx(plan.objective)
    for e in events:
        if e["bound"] is not None and e["incumbent"] is not None:
            assert e["bound"] <= e["incumbent"] + 1e-9


def test_solve_with_cbc_reports_solver_progress_from_its_log():
    land = make_country(n_units=30, seed=1)
    # no upper bound: the knapsack bound (rato_opt.optimize.bounds) is 0 and CBC's bound is the best
    spec = RegionSpec(k=4, bounds=[Bound("population", lower=0.33, relative=True)],
                      objective=Objective(split=1.0, split_by="pupils_po", compactness=0.5))
    events = []
    plan = solve(build_model(land, spec), solver="cbc", progress=events.append,
                 budget=Budget(nodes=20, anneal_rounds=1), threads=1)
    assert plan.status in ("feasible", "optimal") and plan.verification.ok
    bounds = [e["bound"] for e in events if e["bound"] is not None]
    # the bound the plan reports is CBC's (checked), and it reached the progress callback
    assert plan.run["bound_source"].startswith("CBC"), plan.run["bound_source"]
    assert bounds and bounds[-1] == pytest.approx(plan.bound)
    assert plan.bound is not None and 0 <= plan.bound <= plan.objective + 1e-9
    assert max(bounds) <= plan.objective + 1e-9


def test_anneal_rejects_labels_that_do_not_fit_the_model(country):
    from rato_opt.exceptions import ModelError

    model = _problem(country, _spec())
    with pytest.raises(ModelError, match=r"80 units.*got shape \(3,\).*labels_of"):
        anneal(model, np.array([0, 1, 1]))
    with pytest.raises(ModelError, match="minimum -1"):
        anneal(model, np.full(80, -1))
