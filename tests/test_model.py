"""Tests of rato_opt.optimize.model: building the integer program (no solving here)."""

from __future__ import annotations

import warnings

import geopandas as gpd
import matplotlib
import pandas as pd
import pulp
import pytest
from conftest import grid_units
from shapely import box

from rato_opt import Landscape, Layer
from rato_opt.exceptions import DisconnectedError, LayerError, ModelError, UnitCodeError
from rato_opt.landscape.units import validate_units
from rato_opt.optimize.model import (
    Bound,
    Locks,
    Objective,
    RegionModel,
    RegionSpec,
    build_model,
    model_graph,
)
from rato_opt.optimize.problem import compile_problem

matplotlib.use("Agg")


def _grid_land(rows=2, cols=4):
    """2 × 4 grid, population 1 each; sop collaborations left (c0, c1) and right (c2, c3)::

        r0c0 r0c1 | r0c2 r0c3
        r1c0 r1c1 | r1c2 r1c3
    """
    units = grid_units(rows, cols, weights={"population": [1] * (rows * cols)})
    sop = Layer.from_partition("sop", {c: ("L" if int(c[-1]) < cols // 2 else "R")
                                       for c in units.index})
    amr = Layer.from_partition("amr", {c: c[:2] for c in units.index})
    return Landscape(units, [sop, amr])


def test_spec_classes_are_reexported():
    import rato_opt.spec as spec

    assert Bound is spec.Bound and RegionSpec is spec.RegionSpec
    assert Objective is spec.Objective and Locks is spec.Locks


def test_build_never_solves_and_counts():
    land = _grid_land()
    model = build_model(land, RegionSpec(k=2, contiguity="rook"))
    assert isinstance(model, RegionModel)
    assert model.problem.status == pulp.LpStatusNotSolved
    assert model.n_variables == len(model.problem.variables())
    assert model.n_constraints == len(model.problem.constraints())
    assert 0 < model.n_binaries < model.n_variables
    # symmetry breaking: the first unit can only take label 0
    assert ("r0c0" in model.codes[0]) and len(model.labels[0]) == 1


def test_constraint_names_are_readable(tmp_path):
    land = _grid_land()
    spec = RegionSpec(k=2, bounds=[Bound("population", upper=5)],
                      locks=Locks(apart=[("r0c0", "r0c3")]), contiguity="rook")
    model = build_model(land, spec)
    names = set(model.constraint_names)
    assert "assign_r0c0" in names
    assert "upper_population_b0_R1" in names
    assert any(n.startswith("apart_r0c0_r0c3") for n in names)
    assert any(n.startswith("flowbal_") for n in names)
    path = tmp_path / "m.lp"
    model.write_lp(path)
    text = path.read_text()
    assert "assign_r1c3" in text and "x_r1c3_R1" in text


def test_cut_formulation_has_no_flow_and_adds_separator_cuts():
    land = _grid_land()
    model = build_model(land, RegionSpec(k=2, contiguity="rook"), formulation="cuts")
    assert not model.flow
    # region {r0c0, r0c3} is disconnected (r0c1 / r0c2 separate them)
    a = {c: "B" for c in land.codes}
    a["r0c0"] = a["r0c3"] = "A"
    before = model.n_constraints
    added = model.add_separator_cuts(a)
    assert added > 0 and model.n_constraints == before + added
    assert model.add_separator_cuts({c: "A" for c in land.codes}) == 0


def test_disconnected_graph_raises_with_names_and_islands_allowed():
    geoms = [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(5000, 0, 6000, 1000)]
    units = validate_units(
        gpd.GeoDataFrame({"code": ["A", "B", "C"], "population": [1, 1, 1]}, geometry=geoms,
                         crs="EPSG:28992"), code="code")
    land = Landscape(units, [Layer.from_partition("sop", {"A": "x", "B": "x", "C": "y"})])
    with pytest.raises(DisconnectedError, match=r"C \(C\)") as err:
        build_model(land, RegionSpec(k=2))
    assert err.value.components == [["C"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = build_model(land, RegionSpec(k=2, allow_islands=True))
        assert model.islands == [[2]]
        assert model_graph(land, RegionSpec(k=2, allow_islands=True)).number_of_nodes() == 3


def test_bad_specs_raise_helpful_errors():
    land = _grid_land()
    with pytest.raises(ModelError, match="number of regions"):
        build_model(land, RegionSpec(), check=False)
    with pytest.raises(ModelError, match="only 8 units"):
        build_model(land, RegionSpec(k=9), check=False)
    with pytest.raises(LayerError, match="nope"):
        build_model(land, RegionSpec(k=2, objective=Objective(split_layers={"nope": 1.0})),
                    check=False)
    with pytest.raises(UnitCodeError, match="XX"):
        build_model(land, RegionSpec(k=2, locks=Locks(apart=[("XX", "r0c0")])), check=False)
    with pytest.raises(ModelError, match="formulation"):
        build_model(land, RegionSpec(k=2), formulation="magic")


def test_evaluate_matches_metrics_on_any_assignment():
    from rato_opt.assess.metrics import objective_terms

    land = _grid_land()
    spec = RegionSpec(k=3, contiguity="rook", objective=Objective(
        split=1.0, compactness=0.3, alignment=0.7, reference="amr"))
    model = build_model(land, spec)
    a = dict(zip(land.codes, ["A", "A", "B", "C", "A", "B", "B", "C"], strict=True))
    mine = model.evaluate(a)
    theirs = objective_terms(land, a, spec, model.graph)
    for key, value in theirs.items():
        assert mine[key] == pytest.approx(value, abs=1e-9)


def test_k_range_and_relative_bounds_build():
    land = _grid_land()
    spec = RegionSpec(k_min=2, k_max=4, bounds=[Bound("population", 0.5, 2.0, relative=True)],
                      min_units=1, contiguity="rook")
    model = build_model(land, spec)
    assert model.K == 4 and set(model.q_choice) == {2, 3, 4}
    assert "nregions_link" in model.constraint_names


def test_alliance_term_ignores_national_alliances_like_the_metrics():
    """Regression: the model once counted the national alliances (covering every unit),
    so its alliance term was 0 where score_plan's was not."""
    from rato_opt.assess.plan import score_plan
    from rato_opt.optimize.model import model_graph
    from rato_opt.sources.synthetic import make_country

    land = make_country(n_units=60, seed=1)
    members = land.layers["alliance"].members()
    assert any(len(m) == len(land.codes) for m in members.values())  # national ones exist
    spec = RegionSpec(k=5, objective=Objective(split=0.0, alliance=1.0,
                                               alliance_layer="alliance", split_by="pupils_po"))
    graph = model_graph(land, spec)
    model = compile_problem(land, spec, graph=graph)
    assert all(len(a) < len(land.codes) for a in model.alliances)
    amr = land.layers["amr"].membership().set_index("unit")["collaboration"]
    plan = dict(zip(amr.index, amr.to_numpy(), strict=True))
    ours = model.evaluate(plan)["alliance"]
    scored = score_plan(land, pd.Series(plan), spec, graph=graph).terms["alliance"]
    assert scored > 0
    assert ours == pytest.approx(scored, abs=1e-12)
