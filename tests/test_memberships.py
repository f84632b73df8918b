"""Weighted memberships and the count of collaborations split (issue "Keep collaborations whole").

The tiny landscape of most tests, a 1 × 4 strip with pupils per gemeente and three school
boards with their own pupils per gemeente::

    unit       A     B     C     D
    pupils   500    40   100    60        (the whole unit)
    board x  120    30                    (x's own pupils)
    board y               50    10
    board z          10    40
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
import pytest
from shapely import box

from rato_opt import Landscape, Layer
from rato_opt.assess.metrics import evaluate
from rato_opt.assess.plan import score_plan
from rato_opt.assess.split import member_weights, split_cost, split_summary, split_table
from rato_opt.assess.verify import verify_plan
from rato_opt.exceptions import LayerError, ModelError
from rato_opt.landscape.graph import graph_from_landscape
from rato_opt.landscape.units import validate_units
from rato_opt.optimize.backends import highs_solver
from rato_opt.optimize.model import build_model
from rato_opt.optimize.moves import MoveState
from rato_opt.optimize.problem import compile_problem
from rato_opt.sources.synthetic import make_country
from rato_opt.spec import TERMS, Bound, Objective, RegionSpec

BOARDS = pd.DataFrame({
    "unit": ["A", "B", "C", "D", "B", "C"],
    "collaboration": ["x", "x", "y", "y", "z", "z"],
    "pupils": [120, 30, 50, 10, 10, 40],
})


def strip() -> Landscape:
    units = validate_units(gpd.GeoDataFrame(
        {"code": list("ABCD"), "pupils": [500, 40, 100, 60]},
        geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(4)], crs="EPSG:28992"),
        code="code")
    layer = Layer.from_table("boards", BOARDS, units, weight_column="pupils")
    return Landscape(units, [layer])


def spec(**objective) -> RegionSpec:
    return RegionSpec(k=2, objective=Objective(split_by="pupils", **objective))


def test_layer_carries_membership_weights():
    layer = strip().layers["boards"]
    assert layer.weighted
    m = layer.membership()
    assert m.set_index(["unit", "collaboration"])["weight"].to_dict() == {
        ("A", "x"): 120.0, ("B", "x"): 30.0, ("B", "z"): 10.0, ("C", "y"): 50.0,
        ("C", "z"): 40.0, ("D", "y"): 10.0}
    plain = Layer.from_table("sop", BOARDS, pd.Index(list("ABCD")))
    assert not plain.weighted and (plain.membership()["weight"] == 1).all()
    # repeated rows of one membership add up; negative weights are refused
    twice = pd.concat([BOARDS, BOARDS.iloc[:1]])
    again = Layer.from_table("b", twice, pd.Index(list("ABCD")), weight_column="pupils")
    assert again.membership().iloc[0]["weight"] == 240.0
    with pytest.raises(LayerError, match="pupils"):
        Layer.from_table("b", BOARDS.assign(pupils=-1), pd.Index(list("ABCD")),
                         weight_column="pupils")


def test_polygon_membership_weight_is_covered_share_times_unit_weight():
    land = strip()
    polys = gpd.GeoDataFrame({"id": ["p"]}, geometry=[box(0, 0, 1500, 1000)], crs="EPSG:28992")
    layer = Layer.from_polygons("sop", polys, land.units, id_column="id", member_weight="pupils",
                                min_share=0.4)
    # A fully covered (500 pupils), B half covered (half of 40)
    assert layer.membership()["weight"].tolist() == pytest.approx([500.0, 20.0])


def test_weighted_and_unweighted_split_by_hand():
    """Plan {A} | {B, C, D} splits board x only.

    Unit weights: x loses B's 40 of 540; y (160) and z (140) are whole: 40 / 840.
    Membership weights: x loses its 30 pupils in B of 150; y 60, z 50 whole: 30 / 260.
    """
    land = strip()
    plan = {"A": "R1", "B": "R2", "C": "R2", "D": "R2"}
    layer = land.layers["boards"]
    w = land.units["pupils"].astype(float)
    assert split_cost(layer, plan, w) == pytest.approx(40 / 840)
    assert split_cost(layer, plan, w, split_weight="membership") == pytest.approx(30 / 260)
    assert member_weights(layer, w).tolist() == [500.0, 40.0, 40.0, 100.0, 100.0, 60.0]
    unit_terms, _ = evaluate(land, plan, spec(split=1))
    member_terms, _ = evaluate(land, plan, spec(split=1, split_weight="membership"))
    assert unit_terms["split"] == pytest.approx(40 / 840)
    assert member_terms["split"] == pytest.approx(30 / 260)
    # the compiled problem weighs the same way, in both modes
    for objective, expected in (({}, 40 / 840), ({"split_weight": "membership"}, 30 / 260)):
        problem = compile_problem(land, spec(split=1, **objective))
        assert problem.evaluate(plan)["split"] == pytest.approx(expected)


def test_count_with_threshold_by_hand():
    """Plan {A, B} | {C, D}: only z is split, with B outside its main region C.

    Membership weights: z has 10 of 50 outside (0.2); unit weights: 40 of 140 (0.286).
    """
    land = strip()
    plan = {"A": "R1", "B": "R1", "C": "R2", "D": "R2"}
    layer = land.layers["boards"]
    w = land.units["pupils"].astype(float)
    for how, threshold, count in (("membership", 0.0, 1), ("membership", 0.19, 1),
                                  ("membership", 0.2, 0), ("unit", 0.25, 1),
                                  ("unit", 0.3, 0)):
        summary = split_summary(layer, plan, w, split_weight=how, threshold=threshold)
        assert summary["count"] == count and summary["collaborations"] == 3
        table = split_table(layer, plan, w, split_weight=how, threshold=threshold)
        assert table["split"].sum() == count and table.loc["z", "split"] == bool(count)
        s = spec(split=0, split_count=2, split_weight=how, split_threshold=threshold)
        terms, metrics = evaluate(land, plan, s)
        assert metrics["split_count_boards"] == count and metrics["collaborations_boards"] == 3
        assert terms["split_count"] == pytest.approx(2 * count / 3)
        assert compile_problem(land, s).evaluate(plan)["split_count"] == pytest.approx(
            terms["split_count"])
    scored = score_plan(land, plan, spec(split=1, split_weight="membership"))
    assert scored.split_layers().loc["boards"].to_dict() == pytest.approx(
        {"share_outside": 10 / 260, "split": 1.0, "collaborations": 3.0})
    assert scored.summary()["split"]["boards"]["split"] == 1.0


def test_objective_options_are_checked():
    assert "split_count" in TERMS
    assert Objective().split_weight == "unit" and Objective().split_count == 0
    with pytest.raises(ModelError, match="split_weight"):
        Objective(split_weight="pupils")
    with pytest.raises(ModelError, match="split_threshold"):
        Objective(split_threshold=1.0)
    with pytest.raises(ModelError, match="split_count_layers"):
        Objective(split_count_layers=["boards"])
    with pytest.raises(LayerError, match="nope"):
        evaluate(strip(), {"A": 1, "B": 1, "C": 1, "D": 1},
                 spec(split_count=1, split_count_layers={"nope": 1}))


def _weighted_country():
    """A small synthetic country with a weighted copy of its rap_po layer (fractional
    weights, so rounding is exercised)."""
    land = make_country(n_units=60, seed=3)
    rng = np.random.default_rng(7)
    m = land.layers["rap_po"].membership()
    table = m[["unit", "collaboration"]].assign(w=rng.uniform(0.1, 50.0, len(m)).round(3))
    return land.with_layers(Layer.from_table("weighted", table, land.units, weight_column="w"))


@pytest.mark.parametrize("threshold", [0.0, 0.15])
def test_movestate_is_exact_with_the_count_term(threshold):
    land = _weighted_country()
    s = RegionSpec(k=5, bounds=(Bound("population", 0.5, 2.0, relative=True),),
                   objective=Objective(split=1, split_count=2, split_threshold=threshold,
                                       split_count_layers={"weighted": 1, "sop": 0.5},
                                       split_weight="membership", compactness=0.3))
    problem = compile_problem(land, s)
    assert problem.groups["split_count"] and problem.groups["split_count"][0].threshold == threshold
    rng = np.random.default_rng(11)
    lab = rng.integers(0, 5, problem.n)
    state = MoveState(problem, lab, 5)
    running = problem.objective(state.lab)
    for step in range(3000):
        i, b = int(rng.integers(problem.n)), int(rng.integers(5))
        if b == state.lab[i]:
            continue
        _, delta = state.move_delta(i, b)
        state.apply(i, b)
        running += delta
        if step % 500 == 0:
            assert running == pytest.approx(problem.objective(state.lab), abs=1e-9)
    assert running == pytest.approx(problem.objective(state.lab), abs=1e-9)
    # and the engines' count is the scorer's
    terms, _ = evaluate(land, problem.assignment(state.lab), s)
    assert problem.evaluate(state.lab)["split_count"] == pytest.approx(terms["split_count"])


def _ip_optimum(land, s):
    model = build_model(land, s)
    model.problem.solve(highs_solver(msg=False))
    assert pulp.LpStatus[model.problem.status] == "Optimal"
    labels = {model.codes[i]: r for (i, r), v in model.x.items() if v.varValue > 0.5}
    expr, const = model.terms["split_count"]
    total = pulp.value(model.problem.objective) + model.objective_constant
    return labels, float(pulp.value(expr) or 0.0) + const, total


@pytest.mark.parametrize(("threshold", "split"), [(0.0, 0.0), (0.1, 0.0), (0.15, 1.0)])
def test_integer_program_agrees_with_score_plan_on_the_count(threshold, split):
    """2 × 4 grid, k = 2, five weighted boards; HiGHS's optimum is the brute-force one
    (every plan splits some board: the count optimum is 2 of 5 at thresholds 0 and 0.1)."""
    units = validate_units(gpd.GeoDataFrame(
        {"code": [f"u{i}" for i in range(8)], "population": [3, 1, 2, 2, 1, 3, 2, 2]},
        geometry=[box((i % 4) * 1000, (i // 4) * 1000, (i % 4 + 1) * 1000, (i // 4 + 1) * 1000)
                  for i in range(8)], crs="EPSG:28992"), code="code")
    t = pd.DataFrame({"unit": ["u0", "u1", "u4", "u1", "u2", "u5", "u2", "u3", "u6", "u7", "u3",
                               "u5", "u6"],
                      "collaboration": list("aaabbbcccddee"),
                      "w": [5, 1, 2, 4, 4, 1, 1, 6, 2, 3, 3, 2, 2]})
    land = Landscape(units, [Layer.from_table("boards", t, units, weight_column="w")])
    s = RegionSpec(k=2, bounds=(Bound("population", 0.75, 1.25, relative=True),),
                   contiguity="rook",
                   objective=Objective(split=split, split_count=1, split_threshold=threshold,
                                       split_weight="membership"))
    labels, count_term, total = _ip_optimum(land, s)
    scored = score_plan(land, labels, s)
    assert scored.verification.ok
    assert count_term == pytest.approx(scored.terms["split_count"], abs=1e-6)
    assert total == pytest.approx(scored.objective, abs=1e-6)
    graph = graph_from_landscape(land, contiguity="rook")
    best = min(
        sum(evaluate(land, plan, s, graph)[0].values())
        for bits in itertools.product((0, 1), repeat=7)
        if verify_plan(land, (plan := dict(zip(land.codes, (0, *bits), strict=True))), s,
                       graph=graph).ok
    )
    assert total == pytest.approx(best, abs=1e-6)
    if threshold < 0.15:
        assert count_term == pytest.approx(0.4)


@pytest.mark.realdata
def test_board_membership_weights_are_the_duo_pupils(real_data):
    from rato_opt.sources.duo import read_duo_pupils
    from rato_opt.sources.nl2024 import FILES, load_nl_2024

    land = load_nl_2024(real_data, layers=("boards",))
    boards = land.layers["boards"]
    assert boards.weighted
    weights = boards.membership().groupby("collaboration")["weight"].sum()
    pupils = read_duo_pupils(real_data / FILES["pupils"], year=2025, kinds=("BO", "SBO"))
    duo = pupils["pupils"].fillna(0.0).groupby(pupils["board"]).sum()
    collab = boards.collaborations
    # per board: its weights plus its pupils in gemeenten outside its school footprint
    # are its DUO pupils
    assert (weights + collab["pupils_unplaced"]).to_numpy() == pytest.approx(
        duo.reindex(collab.index).fillna(0.0).to_numpy())
    assert weights.to_numpy() == pytest.approx(collab["pupils"].to_numpy())
    assert (weights <= duo.reindex(weights.index).fillna(0.0) + 1e-9).all()
    # nearly every pupil lies in its board's footprint
    assert weights.sum() / duo.sum() > 0.95
    # and no gemeente has more board pupils than pupils
    per_unit = boards.membership().groupby("unit")["weight"].sum()
    assert (per_unit <= land.units["pupils_po"].reindex(per_unit.index) + 1e-9).all()
