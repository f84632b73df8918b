"""The compiled problem: one description every engine reads, and the solver back-ends."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pulp
import pytest
from conftest import grid_units

from rato_opt import Landscape, Layer
from rato_opt.assess.metrics import evaluate
from rato_opt.assess.verify import verify_plan
from rato_opt.exceptions import ColumnError, LayerError, ModelError, SolverError, UnitCodeError
from rato_opt.landscape.graph import graph_from_landscape
from rato_opt.optimize.annealing import anneal
from rato_opt.optimize.backends import backend, solver_name
from rato_opt.optimize.heuristic import warm_start_labels
from rato_opt.optimize.lower_bound import split_lower_bound
from rato_opt.optimize.model import RegionModel, build_model
from rato_opt.optimize.pipeline import solve
from rato_opt.optimize.problem import CompiledProblem, as_problem, compile_problem
from rato_opt.sources.synthetic import make_country
from rato_opt.spec import Bound, Locks, Objective, RegionSpec


@pytest.fixture(scope="module")
def country():
    return make_country(n_units=60, seed=1)


def _spec(**kw):
    return RegionSpec(k=5, bounds=(Bound("population", 0.5, 2.0, relative=True),),
                      objective=Objective(split=1.0, split_by="pupils_po", compactness=0.2,
                                          alignment=0.3, reference="amr"), **kw)


def test_compiled_problem_describes_the_landscape(country):
    p = compile_problem(country, _spec())
    graph = graph_from_landscape(country)
    assert p.codes == tuple(str(c) for c in country.codes) and p.n == len(country.codes)
    assert p.k_min == p.k_max == 5
    # CSR adjacency: symmetric, one entry per graph edge in each direction (links included)
    adj = p.adjacency
    assert (adj != adj.T).nnz == 0 and adj.nnz == 2 * graph.number_of_edges()
    pairs = {tuple(sorted((p.pos[a], p.pos[b]))) for a, b in graph.edges}
    assert pairs == {(a, b) for a, b, _ in p.edges}
    assert all(set(p.nbrs[i]) == set(adj[i].indices) for i in range(p.n))
    row = p.bounds[0]
    pop = country.units["population"].to_numpy(float)
    assert np.array_equal(row.weights, pop)
    assert row.limits(5) == pytest.approx((0.5 * pop.sum() / 5, 2.0 * pop.sum() / 5))
    names, mat = p.membership("amr")
    assert mat.shape == (len(names), p.n)
    assert np.array_equal(np.asarray(mat.sum(axis=0)).ravel() >= 1,
                          np.isin(np.arange(p.n), [p.pos[u] for u in
                                                   country.layers["amr"].membership()["unit"]]))


def test_engine_objective_matches_the_metrics(country):
    spec = _spec()
    p = compile_problem(country, spec)
    rng = np.random.default_rng(0)
    for _ in range(5):
        lab = warm_start_labels(p, seed=int(rng.integers(100)), starts=1, time_budget=math.inf)
        assignment = p.assignment(lab)
        terms, _ = evaluate(country, assignment, spec, p.graph)
        assert p.objective(lab) == pytest.approx(sum(terms.values()), rel=1e-9, abs=1e-12)


def test_model_and_engines_share_one_compiled_problem(country):
    spec = _spec()
    model = build_model(country, spec)
    p = model.compiled
    assert as_problem(model) is p and isinstance(p, CompiledProblem)
    assert model.codes == list(p.codes) and model.edges == list(p.edges)
    lab = warm_start_labels(model, seed=0, starts=1, time_budget=math.inf)
    assert np.array_equal(lab, warm_start_labels(p, seed=0, starts=1, time_budget=math.inf))
    res = anneal(p, lab, seed=1, max_moves=2_000, time_budget=math.inf)
    assert res.objective <= res.start_objective + 1e-12
    assert 0 <= split_lower_bound(p) <= res.objective + 1e-12
    assert model.evaluate(p.assignment(res.labels)) == p.evaluate(res.labels)


def test_compile_errors_say_what_was_given(country):
    with pytest.raises(ColumnError, match="'nope'"):
        compile_problem(country, RegionSpec(k=3, bounds=(Bound("nope", upper=1),)))
    with pytest.raises(LayerError, match="'nolayer'"):
        compile_problem(country, RegionSpec(k=3, objective=Objective(split_layers={"nolayer": 1})))
    with pytest.raises(UnitCodeError, match="XX"):
        compile_problem(country, RegionSpec(k=3, locks=Locks(fixed={"XX": "a"})))
    with pytest.raises(ModelError, match="RegionSpec"):
        compile_problem(country, {"k": 3})
    with pytest.raises(ModelError, match="compile_problem"):
        RegionModel(country)
    with pytest.raises(ModelError, match="CompiledProblem"):
        as_problem(nx.Graph())


def test_a_callers_own_pulp_solver_is_a_backend_and_its_claims_are_checked():
    units = grid_units(2, 4, weights={"population": [1, 2, 1, 2, 2, 1, 2, 1]})
    land = Landscape(units, [Layer.from_partition("sop", dict(zip(
        units.index, ["a", "a", "b", "b", "a", "c", "c", "b"], strict=True)))])
    spec = RegionSpec(k=2, bounds=(Bound("population", 0.75, 1.25, relative=True),),
                      objective=Objective(split=1.0))
    own = pulp.HiGHS(msg=False, timeLimit=60)  # PuLP's own HiGHS interface, not ours
    assert solver_name(own) == "HiGHS" and callable(backend(own))
    plan = solve(build_model(land, spec), solver=own, time_limit=120)
    assert plan.status in ("optimal", "feasible")
    assert verify_plan(land, plan.assignment, spec).ok
    reference = solve(build_model(land, spec), time_limit=120)
    if plan.status == "optimal" and reference.status == "optimal":
        assert plan.objective == pytest.approx(reference.objective, abs=1e-9)
    with pytest.raises(SolverError, match="pulp.LpSolver"):
        solve(build_model(land, spec), solver="gurobi-please")
