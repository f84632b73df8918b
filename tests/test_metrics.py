"""Objective terms on hand-drawn grids, with hand-computed values, plus invariants."""

from __future__ import annotations

import functools
import math

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from conftest import GRID6_PLAN, grid6, grid6_graph, grid_units, membership_table
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import Polygon, box

from rato_opt import Landscape, Layer
from rato_opt.assess.metrics import (
    TERMS,
    cut_boundary,
    evaluate,
    objective_terms,
    polsby_popper,
    split_layer_weights,
)
from rato_opt.assess.split import alliance_cost, as_assignment, split_cost, split_table
from rato_opt.exceptions import ColumnError, LayerError
from rato_opt.landscape.graph import graph_from_landscape
from rato_opt.spec import Objective, RegionSpec

matplotlib.use("Agg")

# --------------------------------------------------------------------------- fixtures
#   grid6() (tests/conftest.py): 2 × 3 grid, population 1..6 row by row;
#   plan: A = columns 0-1, B = column 2
#
#       r0c0(1) r0c1(2) | r0c2(3)          A A | B
#       r1c0(4) r1c1(5) | r1c2(6)          A A | B
#
#   sop (overlapping):  x = {r0c0, r0c1, r1c0}
#                       y = {r1c1, r0c2, r1c2}
#                       z = {r0c1, r0c2}
#   alliance:           a1 = {r0c0, r0c1, r1c0, r1c1, r0c2},  a2 = {r1c2}
#   amr (reference):    P = top row, Q = bottom row
#   start:              S1 = every unit but r1c2, S2 = {r1c2}
PLAN = GRID6_PLAN
START = {c: ("S2" if c == "r1c2" else "S1") for c in PLAN}


# --------------------------------------------------------------------------- split
def test_split_cost_counts_units():
    """x: 0 outside of 3; y: r1c1 outside (1 of 3); z: one of 2 outside -> 2 / 8."""
    assert split_cost(grid6().layers["sop"], PLAN) == pytest.approx(2 / 8)


def test_split_cost_population_weights():
    """x: 0 of 7; y: r1c1 = 5 of 14 outside; z: r0c1 = 2 of 5 outside -> 7 / 26."""
    land = grid6()
    w = land.units["population"].astype(float)
    assert split_cost(land.layers["sop"], PLAN, w) == pytest.approx(7 / 26)


def test_split_table_matches_split_cost():
    land = grid6()
    w = land.units["population"].astype(float)
    table = split_table(land.layers["sop"], PLAN, w)
    assert table.loc["x", "main_region"] == "A" and table.loc["y", "main_region"] == "B"
    assert table.loc["z", "main_region"] == "B"  # 3 of 5 in B
    assert table["regions"].to_dict() == {"x": 1, "y": 2, "z": 2}
    assert table["weight"].to_dict() == {"x": 7.0, "y": 14.0, "z": 5.0}
    assert table.loc["y", "share_outside"] == pytest.approx(5 / 14)
    outside = (table["weight"] - table["main_weight"]).sum() / table["weight"].sum()
    assert outside == pytest.approx(split_cost(land.layers["sop"], PLAN, w))


def test_split_table_tie_goes_to_smallest_region():
    layer = Layer.from_partition("amr", {"a": "c", "b": "c"})
    table = split_table(layer, {"a": "R2", "b": "R1"})
    assert table.loc["c", "main_region"] == "R1"
    assert table.loc["c", "share_outside"] == pytest.approx(0.5)


def test_split_zero_when_plan_equals_layer():
    land = grid6()
    amr = land.layers["amr"]
    plan = {c: ("P" if c.startswith("r0") else "Q") for c in PLAN}
    assert split_cost(amr, plan) == 0.0


def test_split_of_unassigned_units_counts_outside():
    layer = Layer.from_partition("amr", {"a": "c", "b": "c", "d": "c"})
    # d is unassigned: 1 of 3 outside the main region
    assert split_cost(layer, {"a": "R1", "b": "R1"}) == pytest.approx(1 / 3)


def test_split_weightless_layer_is_zero():
    layer = Layer.from_partition("amr", {"a": "c", "b": "c"})
    w = pd.Series({"a": 0.0, "b": 0.0})
    assert split_cost(layer, {"a": "R1", "b": "R2"}, w) == 0.0


# --------------------------------------------------------------------------- boundary
def edge_lengths() -> tuple[float, float]:
    """Length of a side (rook) edge and of a corner edge of the grid graph.

    With the default 1 m tolerance a side measures 1000 m (+ up to 1 m of snapping at
    each end) and a corner contact a few metres at most.
    """
    g = grid6_graph()
    side, corner = g.edges["r0c0", "r0c1"]["length"], g.edges["r0c0", "r1c1"]["length"]
    assert side == pytest.approx(1000, abs=5) and 0 <= corner < 5
    return side, corner


def test_cut_boundary_exact_lengths():
    """Cut between columns 1 and 2: two side edges and two corner edges; all edges:
    7 side + 4 corner edges."""
    side, corner = edge_lengths()
    cut, total = cut_boundary(grid6_graph(), PLAN)
    assert cut == pytest.approx(2 * side + 2 * corner)
    assert total == pytest.approx(7 * side + 4 * corner)


def test_cut_boundary_hand_graph_and_unassigned():
    g = nx.Graph()
    g.add_edge("a", "b", length=3.0)
    g.add_edge("b", "c", length=4.0)
    g.add_edge("c", "d", kind="ferry", length=0.0)
    g.add_edge("a", "c")  # no length: counts 0
    assert cut_boundary(g, {"a": 1, "b": 1, "c": 2, "d": 2}) == (4.0, 7.0)
    assert cut_boundary(g, {"a": 1, "b": 1}) == (4.0, 7.0)  # c, d unassigned: cut
    assert cut_boundary(nx.Graph(), {}) == (0.0, 0.0)


# --------------------------------------------------------------------------- alliance
def test_alliance_cost_counts_and_weights():
    """A lies in a1. B = {r0c2 (a1), r1c2 (a2)}: count 1 of 6 outside; population 3 of 21."""
    land = grid6()
    layer = land.layers["alliance"]
    assert alliance_cost(layer, PLAN) == pytest.approx(1 / 6)
    w = land.units["population"].astype(float)
    assert alliance_cost(layer, PLAN, w) == pytest.approx(3 / 21)


def test_alliance_unit_in_no_alliance_is_outside():
    layer = Layer.from_table("alliance", membership_table([("a", "x")]), pd.Index(["a", "b"]))
    assert alliance_cost(layer, {"a": 1, "b": 1}) == pytest.approx(0.5)
    assert alliance_cost(layer, {"a": 1, "b": 2}) == pytest.approx(0.5)
    assert alliance_cost(layer, {}) == 0.0


def test_alliance_overlapping_alliances_take_the_best():
    t = membership_table([("a", "x"), ("b", "x"), ("b", "y"), ("c", "y")])
    layer = Layer.from_table("alliance", t, pd.Index(list("abc")))
    assert alliance_cost(layer, {"a": 1, "b": 1}) == 0.0
    assert alliance_cost(layer, {"a": 1, "b": 1, "c": 1}) == pytest.approx(1 / 3)


# --------------------------------------------------------------------------- shape
def test_polsby_popper_values():
    pp = polsby_popper([box(0, 0, 1, 1), box(0, 0, 2, 1), Polygon(), None])
    assert pp[0] == pytest.approx(math.pi / 4)
    assert pp[1] == pytest.approx(4 * math.pi * 2 / 36)
    assert np.isnan(pp[2]) and np.isnan(pp[3])
    assert polsby_popper(box(0, 0, 1, 1)) == pytest.approx(math.pi / 4)
    s = polsby_popper(pd.Series([box(0, 0, 1, 1)], index=["R01"]))
    assert list(s.index) == ["R01"]


# --------------------------------------------------------------------------- all terms
def test_objective_terms_by_hand():
    """Weights 2, 0.5, 3, 1, 4; raw split 2/8, compactness (2 side + 2 corner) / (7 side +
    4 corner) edges, alignment 2/6 (each amr row has one of three units in B), alliance
    1/6, stay_close 1/6 (S1 has r0c2 outside A)."""
    side, corner = edge_lengths()
    spec = RegionSpec(
        start=START,
        objective=Objective(split=2, compactness=0.5, alignment=3, reference="amr", alliance=1,
                            alliance_layer="alliance", stay_close=4),
    )
    terms, metrics = evaluate(grid6(), PLAN, spec, grid6_graph())
    expected = {
        "split": 2 * 2 / 8,
        "compactness": 0.5 * (2 * side + 2 * corner) / (7 * side + 4 * corner),
        "alignment": 3 * 2 / 6,
        "alliance": 1 * 1 / 6,
        "stay_close": 4 * 1 / 6,
    }
    assert set(terms) == set(TERMS)
    for key, value in expected.items():
        assert terms[key] == pytest.approx(value), key
    assert metrics["split_sop"] == pytest.approx(2 / 8)
    assert metrics["cut_km"] == pytest.approx((2 * side + 2 * corner) / 1000)
    assert metrics["n_regions"] == 2
    assert objective_terms(grid6(), PLAN, spec, grid6_graph()) == terms


def test_objective_terms_population_split_by_and_layer_weights():
    """split_by=population: sop 7/26, amr: P = 1,2 | 3 -> 3 of 6 outside; Q = 4,5 | 6 -> 6
    of 15 outside -> 9/21. split_layers {sop: 0.5, amr: 2}."""
    spec = RegionSpec(objective=Objective(split=1, split_layers={"sop": 0.5, "amr": 2},
                                          split_by="population"))
    terms = objective_terms(grid6(), PLAN, spec, grid6_graph())
    assert terms["split"] == pytest.approx(0.5 * 7 / 26 + 2 * 9 / 21)
    assert terms["compactness"] == terms["alignment"] == 0.0


def test_default_split_layers_skip_reference_and_alliance():
    land = grid6()
    assert split_layer_weights(land, Objective()) == {"sop": 1.0, "alliance": 1.0, "amr": 1.0}
    obj = Objective(reference="amr", alliance_layer="alliance")
    assert split_layer_weights(land, obj) == {"sop": 1.0}


def test_evaluate_errors_name_the_problem():
    land = grid6()
    with pytest.raises(LayerError, match="nope"):
        objective_terms(land, PLAN, RegionSpec(objective=Objective(split_layers={"nope": 1})))
    with pytest.raises(LayerError, match="ref"):
        objective_terms(land, PLAN, RegionSpec(objective=Objective(alignment=1, reference="ref")))
    with pytest.raises(ColumnError, match="pupils"):
        objective_terms(land, PLAN, RegionSpec(objective=Objective(split_by="pupils")))


def test_compactness_builds_graph_when_needed():
    side, corner = edge_lengths()
    spec = RegionSpec(objective=Objective(split=0, compactness=1))
    assert objective_terms(grid6(), PLAN, spec)["compactness"] == pytest.approx(
        (2 * side + 2 * corner) / (7 * side + 4 * corner))
    _, metrics = evaluate(grid6(), PLAN)
    assert np.isnan(metrics["compactness"])  # no graph needed, none built


def test_as_assignment_normalises():
    s = as_assignment(pd.Series([1, 2, None], index=["a", "b", "c"]))
    assert s.to_dict() == {"a": "1", "b": "2"} and s.name == "region"
    dup = as_assignment(pd.Series(["x", "y"], index=["a", "a"]))
    assert dup.to_dict() == {"a": "x"}


# --------------------------------------------------------------------------- properties
@functools.lru_cache(maxsize=1)
def grid33() -> tuple[Landscape, nx.Graph]:
    units = grid_units(3, 3, weights={"population": [3, 1, 4, 1, 5, 9, 2, 6, 5]})
    codes = list(units.index)
    rap = Layer.from_partition("rap_po", {c: ("w" if c[-1] in "01" else "e") for c in codes})
    sop = Layer.from_table("sop", membership_table([("r0c0", "s"), ("r1c1", "s"), ("r2c2", "s"),
                                          ("r0c2", "t"), ("r1c1", "t")]), units)
    ally = Layer.from_table("alliance", membership_table([(c, "n") for c in codes[:5]]), units)
    land = Landscape(units, [rap, sop, ally])
    return land, graph_from_landscape(land)


CODES33 = [f"r{r}c{c}" for r in range(3) for c in range(3)]
labels = st.lists(st.integers(0, 3), min_size=9, max_size=9)
SPEC33 = RegionSpec(
    start={c: str(i % 2) for i, c in enumerate(CODES33)},
    objective=Objective(split=1.5, compactness=2, alliance=0.5, alliance_layer="alliance",
                        alignment=1, reference="rap_po", stay_close=3, split_by="population",
                        split_count=0.7),
)


@settings(max_examples=40, deadline=None)
@given(labels)
def test_terms_lie_between_zero_and_weight(values):
    land, graph = grid33()
    plan = dict(zip(CODES33, values, strict=True))
    terms, metrics = evaluate(land, plan, SPEC33, graph)
    weights = {"split": 1.5, "compactness": 2, "alignment": 1, "alliance": 0.5, "stay_close": 3,
               "split_count": 0.7}
    for key, value in terms.items():
        assert -1e-12 <= value <= weights[key] + 1e-12, key
    assert metrics["n_regions"] == len(set(values))


@settings(max_examples=30, deadline=None)
@given(labels)
def test_terms_do_not_depend_on_labels(values):
    land, graph = grid33()
    plan = dict(zip(CODES33, values, strict=True))
    relabelled = {c: f"Z{9 - v}" for c, v in plan.items()}
    assert evaluate(land, plan, SPEC33, graph) == evaluate(land, relabelled, SPEC33, graph)


def test_one_region_has_no_cut_and_singletons_cut_everything():
    land, graph = grid33()
    spec = RegionSpec(objective=Objective(compactness=1))
    assert objective_terms(land, dict.fromkeys(CODES33, "R"), spec, graph)["compactness"] == 0
    singles = {c: c for c in CODES33}
    assert objective_terms(land, singles, spec, graph)["compactness"] == pytest.approx(1.0)
    # every collaboration with two or more members is split when every unit is alone
    assert split_cost(land.layers["rap_po"], singles) == pytest.approx((6 - 1 + 3 - 1) / 9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=9, max_size=9), st.integers(0, 3))
def test_split_is_zero_for_the_layer_itself(values, shift):
    """A plan equal to a partition layer (under any relabelling) splits nothing."""
    land, _ = grid33()
    partition = dict(zip(CODES33, values, strict=True))
    layer = Layer.from_partition("amr", partition)
    plan = {c: f"plan{v + shift}" for c, v in partition.items()}
    w = land.units["population"].astype(float)
    assert split_cost(layer, plan) == 0.0
    assert split_cost(layer, plan, w) == 0.0
    table = split_table(layer, plan, w)
    assert (table["regions"] == 1).all() and (table["share_outside"] == 0).all()


def test_national_alliances_are_ignored_for_nesting():
    """Two regional alliances x = {A, B}, y = {C, D} and a national one over all units::

        +---+---+---+---+
        | A | B | C | D |     plan: R1 = {A, B, C}, R2 = {D}
        +---+---+---+---+
    """
    import pandas as pd

    from rato_opt.assess.split import alliance_cost, regional_collaborations
    from rato_opt.landscape.layers import Layer

    codes = pd.Index(list("ABCD"))
    t = pd.DataFrame(
        {
            "unit": list("ABCD") + list("ABCD"),
            "collaboration": ["x", "x", "y", "y", "nat", "nat", "nat", "nat"],
        }
    )
    layer = Layer.from_table("alliance", t, codes)
    plan = {"A": "R1", "B": "R1", "C": "R1", "D": "R2"}
    assert alliance_cost(layer, plan) == 0.0  # trivially inside the national alliance
    regional = regional_collaborations(layer, codes)
    assert list(regional.collaborations.index) == ["x", "y"]
    assert alliance_cost(regional, plan) == 0.25  # C lies outside R1's main alliance x
