"""The coarse start: solve the parents, carry the plan down to the finer units."""

from __future__ import annotations

import pandas as pd
import pytest
from test_resolution import gemeente_grid, wijk_grid

from rato_opt import Bound, Budget, Objective, RegionSpec, propose_regions, verify_plan
from rato_opt.landscape.resolution import refine_landscape
from rato_opt.optimize.multilevel import coarse_start, parent_groups
from rato_opt.optimize.problem import compile_problem
from rato_opt.optimize.runstate import RunState
from rato_opt.optimize.runtime import InterruptGuard

OBJECTIVE = Objective(split=1, split_layers={"boards": 1}, compactness=0, alignment=0)


def _fine():
    return refine_landscape(gemeente_grid(), wijk_grid(), by="kids")


def test_parent_groups_keep_parents_whole_unless_too_big():
    fine = _fine()
    spec = RegionSpec(k=3, bounds=(Bound("population", lower=0.5, upper=1.5, relative=True),),
                      objective=OBJECTIVE)
    groups = parent_groups(compile_problem(fine, spec))
    # G0 (800 > 650) stays in its wijken; every other gemeente is one merged unit
    assert groups[["W000", "W001", "W010", "W011"]].tolist() == ["W000", "W001", "W010", "W011"]
    assert set(groups[groups.index.str.startswith("W1")]) == {"G1"}
    assert groups.nunique() == 4 + 5


def test_parent_groups_split_disconnected_parents():
    fine = _fine()
    units = fine.units.copy()
    units.loc["W100", "gemeente"] = "G2"  # a piece of G2 far from the rest of G2
    land = type(fine)(units, fine.layers, adjacency=fine.adjacency)
    spec = RegionSpec(k=3, objective=OBJECTIVE)
    groups = parent_groups(compile_problem(land, spec))
    g2 = groups[units.index[units["gemeente"] == "G2"]]
    assert g2.nunique() == 2 and all(v.startswith("G2~") for v in g2)


def test_no_parent_column_no_groups():
    land = gemeente_grid()
    assert parent_groups(compile_problem(land, RegionSpec(k=3, objective=OBJECTIVE))) is None


def test_coarse_start_offers_a_verified_plan_and_records_it():
    fine = _fine()
    spec = RegionSpec(k=3, bounds=(Bound("population", lower=0.5, upper=1.5, relative=True),),
                      objective=OBJECTIVE)
    problem = compile_problem(fine, spec)
    with InterruptGuard() as guard:
        run = RunState(problem, solver="highs", budget=Budget(seed=0, starts=2),
                       time_limit=None, progress=None, guard=guard)
        info = coarse_start(problem, run)
    assert info["verified"] is True and info["units"] == 9
    best = run.best["assignment"]
    assert verify_plan(fine, best, spec).ok
    # whole gemeenten stay whole in the carried-down plan
    per = best.groupby(fine.units["gemeente"]).nunique()
    assert (per.drop("G0") == 1).all()


def test_coarse_start_is_skipped_with_locks_or_a_start():
    fine = _fine()
    start = {c: "R1" for c in fine.codes}
    spec = RegionSpec(k=1, start=start, objective=OBJECTIVE)
    problem = compile_problem(fine, spec)
    with InterruptGuard() as guard:
        run = RunState(problem, solver="highs", budget=Budget(seed=0, starts=2),
                       time_limit=None, progress=None, guard=guard)
        assert coarse_start(problem, run) is None


@pytest.mark.parametrize("seed", [0, 1])
def test_solve_on_finer_units_is_reproducible(seed):
    fine = _fine()
    spec = RegionSpec(k=3, bounds=(Bound("population", lower=0.5, upper=1.5, relative=True),),
                      objective=OBJECTIVE)
    a = propose_regions(fine, spec, budget=Budget(seed=seed, starts=2), time_limit=None)
    b = propose_regions(fine, spec, budget=Budget(seed=seed, starts=2), time_limit=None)
    assert verify_plan(fine, a.assignment, spec).ok
    pd.testing.assert_series_equal(a.assignment, b.assignment)
