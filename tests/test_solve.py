"""Tests of rato_opt.optimize.pipeline / heuristic / elastic: proven optima on tiny grids, invariants.

Grids come from ``conftest.grid_units`` (1 km squares, codes ``r{row}c{col}``); every
grid test uses rook contiguity so that corner contacts do not count.
"""

from __future__ import annotations

import os
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pulp
import pytest
from conftest import grid_units
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rato_opt import Landscape, Layer
from rato_opt.assess.metrics import objective_terms
from rato_opt.assess.plan import score_plan
from rato_opt.assess.verify import verify_plan
from rato_opt.exceptions import InfeasibleError, ModelError
from rato_opt.optimize.heuristic import greedy_regions
from rato_opt.optimize.model import Bound, Locks, Objective, RegionSpec, build_model
from rato_opt.optimize.pipeline import propose_regions, solve
from rato_opt.optimize.problem import compile_problem
from rato_opt.spec import Budget

matplotlib.use("Agg")
SOLVERS = ["highs", "cbc"]


def _groups(plan) -> set[frozenset]:
    a = plan.assignment
    return {frozenset(a.index[a == r]) for r in a.unique()}


def _check_objective(plan, land, spec, graph):
    """The plan's terms equal metrics.objective_terms and add up to the objective."""
    terms = objective_terms(land, plan.assignment, spec, graph)
    for key, value in terms.items():
        assert plan.terms[key] == pytest.approx(value, abs=1e-6)
    assert plan.objective == pytest.approx(sum(terms.values()), abs=1e-6)


def _check_model_value(plan, model):
    """For a proven optimum, the solver's objective (plus the model's constant) is the
    plan's objective recomputed by rato_opt.assess.metrics."""
    value = pulp.value(model.problem.objective) + model.objective_constant
    assert value == pytest.approx(plan.objective, abs=1e-6)
    assert sum(model.evaluate(plan.assignment).values()) == pytest.approx(plan.objective,
                                                                          abs=1e-9)


def _grid2x4():
    """2 × 4 grid, population 1 each; collaboration ``L`` = columns 0-1, ``R`` = 2-3::

        r0c0 r0c1 | r0c2 r0c3
        r1c0 r1c1 | r1c2 r1c3
    """
    units = grid_units(2, 4, weights={"population": [1] * 8})
    sop = Layer.from_partition("sop", {c: "L" if int(c[-1]) < 2 else "R" for c in units.index})
    return Landscape(units, [sop])


LEFT = frozenset({"r0c0", "r0c1", "r1c0", "r1c1"})
RIGHT = frozenset({"r0c2", "r0c3", "r1c2", "r1c3"})
TOP = frozenset({"r0c0", "r0c1", "r0c2", "r0c3"})
BOTTOM = frozenset({"r1c0", "r1c1", "r1c2", "r1c3"})


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("formulation", ["flow", "cuts"])
def test_grid_left_right_is_proven_optimal(solver, formulation):
    """k=2, 4 units each, split + compactness: the left | right split (0 split, 2 cut
    edges of 10) is the unique optimum."""
    land = _grid2x4()
    spec = RegionSpec(k=2, bounds=[Bound("population", 4, 4)], contiguity="rook",
                      objective=Objective(split=1.0, compactness=0.5))
    model = build_model(land, spec, formulation=formulation)
    plan = solve(model, solver=solver, time_limit=30)
    assert plan.status == "optimal" and plan.gap == 0.0
    assert _groups(plan) == {LEFT, RIGHT}
    assert plan.objective == pytest.approx(0.5 * 2 / 10, abs=1e-6)
    assert plan.bound == pytest.approx(plan.objective, abs=1e-6)
    assert plan.verification.ok
    _check_objective(plan, land, spec, model.graph)
    _check_model_value(plan, model)


@pytest.mark.parametrize("solver", SOLVERS)
def test_lock_changes_the_optimum(solver):
    """Keeping r0c0 and r1c0 apart rules out left | right; top / bottom (4 cut edges)
    is then optimal::

        r0c0 r0c1 r0c2 r0c3     <- region 1
        ---- ---- ---- ----
        r1c0 r1c1 r1c2 r1c3     <- region 2
    """
    land = _grid2x4()
    spec = RegionSpec(k=2, bounds=[Bound("population", 4, 4)], contiguity="rook",
                      objective=Objective(split=0.0, compactness=1.0),
                      locks=Locks(apart=[("r0c0", "r1c0")]))
    plan = propose_regions(land, spec, solver=solver, time_limit=30)
    assert plan.status == "optimal"
    assert _groups(plan) == {TOP, BOTTOM}
    assert plan.objective == pytest.approx(4 / 10)


def test_fixed_labels_and_own_region():
    land = _grid2x4()
    base = dict(k=2, contiguity="rook", objective=Objective(split=0.0, compactness=1.0))
    plan = propose_regions(land, RegionSpec(**base, locks=Locks(
        fixed={"r0c0": "north", "r0c3": "north", "r1c0": "south"})), time_limit=30)
    assert plan.status == "optimal"
    a = plan.assignment
    assert a["r0c0"] == a["r0c3"] != a["r1c0"]
    plan = propose_regions(land, RegionSpec(**base, locks=Locks(own_region=[("r0c0",)])),
                           time_limit=30)
    assert plan.status == "optimal"
    assert frozenset({"r0c0"}) in _groups(plan)
    plan = propose_regions(land, RegionSpec(**base, locks=Locks(together=[("r0c0", "r1c3")])),
                           time_limit=30)
    assert plan.assignment["r0c0"] == plan.assignment["r1c3"]


def test_k_range_with_relative_bounds_picks_the_best_k():
    """k in 2..4, every region within 10 % of the mean of the chosen k: k=2 (left | right)
    and k=4 (2 × 2 blocks) are balanced; compactness prefers k=2."""
    land = _grid2x4()
    spec = RegionSpec(k_min=2, k_max=4, contiguity="rook",
                      bounds=[Bound("population", 0.9, 1.1, relative=True)],
                      objective=Objective(split=0.0, compactness=1.0))
    plan = propose_regions(land, spec, time_limit=30)
    assert plan.status == "optimal" and plan.n_regions == 2
    assert _groups(plan) == {LEFT, RIGHT}


def test_islands_become_their_own_region():
    import geopandas as gpd
    from shapely import box

    from rato_opt.landscape.units import validate_units

    geoms = [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 0, 3000, 1000),
             box(9000, 0, 10000, 1000)]
    units = validate_units(gpd.GeoDataFrame({"code": ["A", "B", "C", "Z"],
                                             "population": [5, 5, 5, 1]}, geometry=geoms,
                                            crs="EPSG:28992"), code="code")
    land = Landscape(units, [Layer.from_partition("sop", dict(zip("ABCZ", "xxyy", strict=True)))])
    spec = RegionSpec(k=3, bounds=[Bound("population", lower=4, upper=10)], allow_islands=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = propose_regions(land, spec, time_limit=30)
    assert plan.status == "optimal" and plan.verification.ok
    assert frozenset({"Z"}) in _groups(plan)  # population 1 < lower bound 4: exempt


def _path(pops):
    """A 1 × n strip ``c0 c1 ... c{n-1}``; only prefixes | suffixes are contiguous 2-splits."""
    units = grid_units(1, len(pops), weights={"population": pops})
    return units


@pytest.mark.parametrize("solver", SOLVERS)
def test_contiguity_forces_the_only_balanced_split(solver):
    """Strip with populations 2 3 1 1 3 and every region exactly 5::

        r0c0 r0c1 | r0c2 r0c3 r0c4      (the only contiguous split)
         2    3   |  1    1    3

    Collaboration {r0c0, r0c4} would like {r0c0, r0c4} | ... (also weight 5) but that is
    not contiguous; the optimum splits it (split share 1/2).
    """
    units = _path([2, 3, 1, 1, 3])
    layer = Layer.from_table("sop", pd.DataFrame({"unit": ["r0c0", "r0c4"],
                                                  "collaboration": ["x", "x"]}), units.index)
    land = Landscape(units, [layer])
    spec = RegionSpec(k=2, bounds=[Bound("population", 5, 5)], contiguity="rook")
    plan = propose_regions(land, spec, solver=solver, time_limit=30)
    assert plan.status == "optimal"
    assert _groups(plan) == {frozenset({"r0c0", "r0c1"}), frozenset({"r0c2", "r0c3", "r0c4"})}
    assert plan.terms["split"] == pytest.approx(0.5)


def test_precheck_raises_naming_the_heavy_unit():
    units = _path([10, 1, 1, 1])
    land = Landscape(units, [Layer.from_partition("sop", dict.fromkeys(units.index, "x"))])
    with pytest.raises(InfeasibleError, match="r0c0") as err:
        build_model(land, RegionSpec(k=2, bounds=[Bound("population", upper=6)],
                                     contiguity="rook"))
    assert err.value.reasons


@pytest.mark.parametrize("solver", SOLVERS)
def test_infeasible_through_contiguity_gets_elastic_explanation(solver):
    """Strip 3 1 2 1 3, k=2, every region exactly 5: {c0, c2} would do, but no prefix
    weighs 5, so the contiguous problem is infeasible although the pre-checks pass."""
    units = _path([3, 1, 2, 1, 3])
    land = Landscape(units, [Layer.from_partition("sop", dict.fromkeys(units.index, "x"))])
    spec = RegionSpec(k=2, bounds=[Bound("population", 5, 5)], contiguity="rook")
    model = build_model(land, spec)  # passes the pre-checks
    plan = solve(model, solver=solver, time_limit=30)
    assert plan.status == "infeasible"
    assert not plan.verification.ok
    assert plan.explanation
    text = " ".join(plan.explanation)
    assert "population" in text and ("must rise to 6" in text or "must fall to 4" in text)


def test_apart_together_conflict_through_contiguity_is_explained():
    """Strip a b c: a and c together, b apart from both: c is cut off from a."""
    units = _path([1, 1, 1])
    land = Landscape(units, [Layer.from_partition("sop", dict.fromkeys(units.index, "x"))])
    spec = RegionSpec(k=2, contiguity="rook", locks=Locks(
        together=[("r0c0", "r0c2")], apart=[("r0c0", "r0c1")]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = build_model(land, spec)
        except InfeasibleError as err:  # the pre-check may see it already: also fine
            assert "r0c0" in str(err)
            return
    plan = solve(model, time_limit=30)
    assert plan.status == "infeasible"
    assert any("lock" in line for line in plan.explanation)


def _country_model():
    from rato_opt.sources.synthetic import make_country

    land = make_country(n_units=120, seed=3)
    spec = RegionSpec(k=12, bounds=[Bound("population", 0.25, 4.0, relative=True)],
                      objective=Objective(split=1.0, split_by="pupils_po", compactness=0.2,
                                          alignment=0.5, reference="amr",
                                          alliance_layer="alliance"))
    return land, spec, build_model(land, spec)


def test_a_run_stopped_by_its_work_budget_is_not_reported_optimal():
    land, spec, model = _country_model()
    seen = []
    plan = solve(model, budget=Budget(starts=2, anneal_rounds=1, nodes=5), progress=seen.append)
    assert plan.status == "feasible"
    assert plan.verification.ok
    assert plan.bound is not None and 0 <= plan.bound <= plan.objective + 1e-9
    assert plan.gap is not None and plan.gap > 0
    assert plan.run["stopped_by"] == "work_budget" and plan.run["deterministic"]
    assert [s["stage"] for s in plan.run["stages"]] == [
        "warm_start", "bound", "recombine", "pool", "anneal", "exact", "verify"]
    _check_objective(plan, land, spec, model.graph)
    assert all({"elapsed", "incumbent", "bound", "gap", "iteration", "stage"} <= set(d)
               for d in seen)


def test_a_run_cut_by_the_time_cap_says_so():
    land, spec, model = _country_model()
    plan = solve(model, time_limit=0.01)  # every stage is cut short, on any machine
    assert plan.status in ("feasible", "not_solved")
    assert plan.run["time_limit_hit"] and not plan.run["deterministic"]
    assert plan.run["stopped_by"] == "time_limit"
    if plan.status == "not_solved":
        assert "time limit" in " ".join(plan.explanation)


def test_same_seed_and_budget_give_the_same_plan_and_another_seed_may_not():
    land, spec, model = _country_model()
    budget = Budget(seed=3, starts=2, anneal_rounds=2, anneal_moves=50, nodes=0)
    a = solve(model, budget=budget)
    b = solve(build_model(land, spec), budget=budget)
    assert a.assignment.equals(b.assignment) and a.objective == b.objective
    assert a.run["seed"] == 3 and a.run["budget"]["anneal_moves"] == 50
    assert {"rato_opt", "highspy", "pulp"} <= set(a.run["versions"])


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "soon"])
def test_time_limit_must_be_positive(bad):
    _, _, model = _country_model()
    with pytest.raises(ModelError, match="time_limit must be a number of seconds > 0"):
        solve(model, time_limit=bad)


# ---------------------------------------------------------------- solver claims
def _lying(monkeypatch, change):
    """Wrap the HiGHS runner so that its report is altered by ``change(run)``."""
    import rato_opt.optimize.backends as solver_module

    real = solver_module.run_highs

    def wrapped(model, **kwargs):
        run = real(model, **kwargs)
        change(run)
        return run

    monkeypatch.setattr(solver_module, "run_highs", wrapped)


def _grid_case():
    land = _grid2x4()
    spec = RegionSpec(k=2, contiguity="rook", objective=Objective(split=1.0))
    return land, spec


def test_optimal_with_a_wrong_objective_is_not_believed(monkeypatch):
    land, spec = _grid_case()

    def change(run):
        assert run["status"] == "optimal"
        run["objective"] = run["objective"] + 0.25
        run["bound"] = run["objective"]

    _lying(monkeypatch, change)
    with pytest.warns(RuntimeWarning, match="reported optimal with objective"):
        plan = solve(build_model(land, spec), budget=Budget(anneal_rounds=0))
    assert plan.status == "feasible" and plan.verification.ok
    assert plan.bound == 0.0 and plan.run["claims_rejected"]
    assert any("reported optimal" in line for line in plan.explanation)


def test_optimal_with_a_bound_above_a_verified_plan_is_not_believed(monkeypatch):
    from rato_opt.sources.synthetic import make_country

    land = make_country(n_units=40, seed=2)
    spec = RegionSpec(k=4, objective=Objective(split=1.0, split_by="pupils_po",
                                               compactness=0.3))

    def change(run):
        # a solver that claims optimality for a worse plan than one already verified
        run["status"] = "optimal"
        run["bound"] = run["objective"] = (run["objective"] or 0.0) + 10.0

    _lying(monkeypatch, change)
    with pytest.warns(RuntimeWarning):
        plan = solve(build_model(land, spec), budget=Budget(nodes=10))
    assert plan.status == "feasible"
    assert plan.bound <= plan.objective + 1e-9


def test_infeasible_claim_with_a_verified_plan_in_hand_is_not_believed(monkeypatch):
    land, spec = _grid_case()

    def change(run):
        run.update(status="infeasible", has_solution=False, objective=None, bound=None)

    _lying(monkeypatch, change)
    with pytest.warns(RuntimeWarning, match="infeasible although a verified plan exists"):
        plan = solve(build_model(land, spec))
    assert plan.status == "feasible" and plan.verification.ok


@pytest.mark.parametrize("failure", ["no_solution", "crash"])
def test_a_failing_solver_still_returns_the_best_verified_plan(monkeypatch, failure):
    import rato_opt.optimize.backends as solver_module
    from rato_opt.exceptions import SolverError

    land, spec = _grid_case()
    if failure == "no_solution":
        _lying(monkeypatch, lambda run: run.update(status="not_solved", has_solution=False,
                                                   objective=None, bound=None))
    else:
        def crash(model, **kwargs):
            raise SolverError("HiGHS ran out of memory (simulated)")

        monkeypatch.setattr(solver_module, "run_highs", crash)
    plan = solve(build_model(land, spec))
    assert plan.status == "feasible" and plan.verification.ok
    assert plan.objective == pytest.approx(0.0)  # the warm start found the optimum
    if failure == "crash":
        assert plan.run["failures"] and "out of memory" in plan.run["failures"][0]


def test_no_verified_plan_is_not_solved_with_a_reason(monkeypatch):
    land, spec = _grid_case()
    _lying(monkeypatch, lambda run: run.update(status="not_solved", has_solution=False,
                                               objective=None, bound=None))
    plan = solve(build_model(land, spec), warm_start=False)
    assert plan.status == "not_solved" and plan.assignment.empty
    assert "no plan passed verification" in plan.explanation[0]


def test_heuristic_is_contiguous_and_deterministic():
    from rato_opt.sources.synthetic import make_country

    land = make_country(n_units=80, seed=5)
    spec = RegionSpec(k=8, bounds=[Bound("population", 0.5, 2.0, relative=True)],
                      objective=Objective(alignment=1.0, reference="amr"))
    a = greedy_regions(land, spec, seed=1, starts=3)
    b = greedy_regions(land, spec, seed=1, starts=3)
    assert a.equals(b)
    assert a.nunique() == 8
    v = verify_plan(land, a, spec)
    assert v.partition and v.contiguous
    assert score_plan(land, a, spec).status == "scored"


# ---------------------------------------------------------------- properties
@st.composite
def small_maps(draw):
    rows = draw(st.integers(1, 3))
    cols = draw(st.integers(2, 4))
    n = rows * cols
    pops = draw(st.lists(st.integers(1, 9), min_size=n, max_size=n))
    labels = draw(st.lists(st.sampled_from("abc"), min_size=n, max_size=n))
    k = draw(st.integers(1, min(3, n)))
    comp = draw(st.sampled_from([0.0, 0.5]))
    return rows, cols, pops, labels, k, comp


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(small_maps())
def test_property_plans_are_valid(case):
    rows, cols, pops, labels, k, comp = case
    units = grid_units(rows, cols, weights={"population": pops})
    land = Landscape(units, [Layer.from_partition("sop", dict(zip(units.index, labels,
                                                                  strict=True)))])
    spec = RegionSpec(k=k, bounds=[Bound("population", 0.2, 3.0, relative=True)],
                      contiguity="rook", objective=Objective(split=1.0, compactness=comp))
    try:
        model = build_model(land, spec)
    except InfeasibleError:
        return
    plan = solve(model, time_limit=10)
    if plan.status in ("infeasible", "not_solved"):
        assert plan.status == "infeasible" or plan.seconds >= 5
        return
    v = plan.verification
    assert v.ok and v.partition and v.contiguous and v.bounds_ok
    assert sorted(plan.assignment.index) == sorted(units.index)
    assert plan.n_regions == k
    _check_objective(plan, land, spec, model.graph)
    scored = score_plan(land, plan.assignment, spec, graph=model.graph)
    assert scored.objective == pytest.approx(plan.objective, abs=1e-6)
    if plan.status == "optimal":
        assert plan.gap == 0.0
        _check_model_value(plan, model)
    totals = units["population"].groupby(plan.assignment).sum()
    mean = units["population"].sum() / k
    assert (totals <= 3.0 * mean + 1e-6).all() and (totals >= 0.2 * mean - 1e-6).all()


# ---------------------------------------------------------------- real map
@pytest.mark.slow
@pytest.mark.realdata
def test_real_map_precheck_names_heavy_units(real_data):
    from rato_opt.sources.nl2024 import load_nl_2024

    land = load_nl_2024(real_data, layers=["amr"])
    spec = RegionSpec(k=35, bounds=[Bound("population", 0.9, 1.1, relative=True)])
    with pytest.raises(InfeasibleError) as err:
        build_model(land, spec)
    text = " ".join(err.value.reasons)
    assert "GM0363" in text or "Amsterdam" in text


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.skipif(os.environ.get("RATO_OPT_SKIP_REAL_SOLVE") == "1", reason="opt-out")
def test_real_map_k35_returns_a_verified_plan(real_data):
    from rato_opt.sources.nl2024 import load_nl_2024

    land = load_nl_2024(real_data)
    spec = RegionSpec(k=35, bounds=[Bound("population", 0.5, 2.0, relative=True)],
                      objective=Objective(split=1.0, split_layers={"boards": 1.0},
                                          split_by="pupils_po", compactness=0.2,
                                          alignment=0.5, reference="amr"))
    model = build_model(land, spec)
    plan = solve(model, time_limit=40)
    assert plan.status in ("optimal", "feasible")
    assert plan.verification.ok and plan.n_regions == 35
    if plan.status == "feasible":
        assert plan.gap is not None and plan.gap >= 0
    _check_objective(plan, land, spec, model.graph)
    assert np.isfinite(plan.objective)


def test_large_instances_get_a_verified_heuristic_plan(monkeypatch):
    """Above LARGE_MODEL assignment variables no integer program is built."""
    from rato_opt.optimize import pipeline as solve_module
    from rato_opt.sources.synthetic import make_country

    monkeypatch.setattr(solve_module, "LARGE_MODEL", 100)
    monkeypatch.setattr(
        solve_module, "RegionModel", lambda *a, **k: pytest.fail("integer program was built")
    )
    land = make_country(n_units=60, seed=1)
    spec = RegionSpec(k=4, bounds=(Bound("population", 0.5, 2.0, relative=True),))
    events = []
    plan = solve_module.propose_regions(land, spec, time_limit=8, progress=events.append)
    assert plan.solver == "heuristic"
    assert plan.status == "feasible"  # never "optimal": nothing was proven
    assert plan.verification.ok and plan.n_regions == 4
    # no solver bound; the knapsack bound (rato_opt.optimize.bounds) is the one reported
    assert 0.0 <= plan.bound <= plan.objective
    assert plan.gap == pytest.approx((plan.objective - plan.bound) / plan.objective)
    assert plan.run["bound_source"].startswith(("trivial", "per-collaboration"))
    assert events and events[-1]["incumbent"] == pytest.approx(plan.objective)


@pytest.mark.slow
@pytest.mark.realdata
def test_real_map_split_only_claims_are_checked(real_data):
    """The case that once came back "optimal" with three different objectives.

    Real 2024 map, k = 35, population within the arbeidsmarktregio's own range
    (0.284-2.803 x mean), the school-board split term alone. HiGHS 1.16 answers
    "Optimal" after 0 nodes with an objective its own plan does not have; the library
    must not pass that on.
    """
    from rato_opt.sources.nl2024 import load_nl_2024

    land = load_nl_2024(real_data, layers=("amr", "boards"))
    spec = RegionSpec(k=35, bounds=[Bound("population", 0.284, 2.803, relative=True)],
                      objective=Objective(split=1.0, split_layers={"boards": 1.0},
                                          split_by="pupils_po", compactness=0, alignment=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a rejected claim warns
        plan = propose_regions(land, spec, budget=Budget(starts=2, anneal_rounds=1,
                                                         exact_max_binaries=None, nodes=50))
    assert plan.verification.ok and plan.n_regions == 35
    assert plan.bound is not None and 0 < plan.bound <= plan.objective + 1e-9  # knapsack bound
    exact = next(s for s in plan.run["stages"] if s["stage"] == "exact")
    if plan.status == "optimal":
        assert exact["solver_status"] == "optimal" and not plan.run["claims_rejected"]
        assert plan.gap == 0 and plan.bound == pytest.approx(plan.objective)
    else:
        assert plan.status == "feasible" and plan.gap > 0
        if exact["solver_status"] == "optimal":  # a claim was made and did not survive
            assert plan.run["claims_rejected"]
            assert any("optimal" in line for line in plan.explanation)


def test_knapsack_bound_is_valid_and_reported():
    """The per-collaboration bound lies below every verified plan, and the plan carries it."""
    from rato_opt.optimize.lower_bound import split_lower_bound
    from rato_opt.sources.synthetic import make_country

    land = make_country(n_units=40, seed=2)
    spec = RegionSpec(k=4, bounds=[Bound("population", 0.5, 1.2, relative=True)],
                      objective=Objective(split=1.0, split_by="pupils_po"))
    light = compile_problem(land, spec)
    lower = split_lower_bound(light)
    assert lower > 0  # collaborations larger than a region must be split
    plan = solve(build_model(land, spec), budget=Budget(nodes=20))
    assert plan.verification.ok and lower <= plan.objective + 1e-9
    assert plan.bound >= lower - 1e-12 and plan.bound <= plan.objective + 1e-9
    stage = next(s for s in plan.run["stages"] if s["stage"] == "bound")
    assert stage["value"] == pytest.approx(lower)
    for seed in range(3):  # any other verified plan too
        other = greedy_regions(land, spec, seed=seed, starts=1)
        scored = score_plan(land, other, spec)
        if scored.verification.ok:
            assert lower <= scored.objective + 1e-9
