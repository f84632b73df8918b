"""Comparing plans: ARI / VI, moved units, side-by-side metrics, difference maps."""

from __future__ import annotations

import json
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import grid_units
from hypothesis import given, settings
from hypothesis import strategies as st

from rato_opt.assess.compare import (
    Comparison,
    adjusted_rand_index,
    compare_plans,
    contingency_table,
    moved_units,
    variation_of_information,
)
from rato_opt.exceptions import InputError, UnitCodeError
from rato_opt.landscape.coverage import Landscape
from rato_opt.landscape.layers import Layer
from rato_opt.spec import RegionSpec


def as_plan(labels) -> dict[str, str]:
    return {f"u{i:02d}": str(label) for i, label in enumerate(labels)}


partitions = st.lists(st.integers(0, 4), min_size=2, max_size=30)


# ----------------------------------------------------------------- similarity
@settings(max_examples=30, deadline=None)
@given(labels=partitions, perm=st.permutations(range(5)))
def test_identical_up_to_relabelling(labels, perm):
    a = as_plan(labels)
    b = as_plan(f"R{perm[x]}" for x in labels)
    assert adjusted_rand_index(a, b) == pytest.approx(1.0)
    assert variation_of_information(a, b) == pytest.approx(0.0, abs=1e-12)
    assert len(moved_units(a, b)) == 0


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_matches_reference_implementation(data):
    sklearn = pytest.importorskip("sklearn.metrics")
    n = data.draw(st.integers(2, 30))
    x = data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    y = data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    a, b = as_plan(x), as_plan(y)
    ari = adjusted_rand_index(a, b)
    assert ari == pytest.approx(sklearn.adjusted_rand_score(x, y), abs=1e-9)
    assert ari == pytest.approx(adjusted_rand_index(b, a))
    h = [sklearn.mutual_info_score(v, v) for v in (x, y)]
    vi_ref = h[0] + h[1] - 2 * sklearn.mutual_info_score(x, y)
    vi = variation_of_information(a, b)
    assert vi == pytest.approx(vi_ref, abs=1e-9)
    assert vi == pytest.approx(variation_of_information(b, a))
    assert 0 <= vi <= math.log(n) + 1e-9
    assert 0 <= variation_of_information(a, b, normalized=True) <= 1 + 1e-12


def test_known_values():
    a = as_plan("aabbcc")
    b = as_plan("xxxyyy")
    assert adjusted_rand_index(a, b) == pytest.approx(8 / 33)  # 0.2424...
    assert variation_of_information(a, b) == pytest.approx(math.log(3) - math.log(2) / 3)
    crossed = variation_of_information(as_plan("aabb"), as_plan("xyxy"))
    assert crossed == pytest.approx(2 * math.log(2))
    assert adjusted_rand_index(as_plan("aabb"), as_plan("xyxy")) == pytest.approx(-0.5)
    # trivial partitions
    assert adjusted_rand_index(as_plan("aaaa"), as_plan("xxxx")) == 1.0
    assert variation_of_information(as_plan("aaaa"), as_plan("wxyz")) == pytest.approx(
        math.log(4)
    )
    assert contingency_table(as_plan("aab"), as_plan("xyy")).tolist() == [[1, 1], [0, 1]]


def test_plans_over_different_units():
    with pytest.raises(UnitCodeError, match="only in the first"):
        adjusted_rand_index({"a": 1, "b": 1}, {"a": 1, "c": 1})


# ---------------------------------------------------------------- moved units
def test_moved_units_table():
    a = {"u1": "N", "u2": "N", "u3": "N", "u4": "S", "u5": "S"}
    b = {"u1": "R01", "u2": "R01", "u3": "R02", "u4": "R02", "u5": "R02"}
    names = pd.Series({f"u{i}": f"Unit {i}" for i in range(1, 6)})
    mv = moved_units(a, b, names=names, region_names=({"N": "North", "S": "South"},
                                                      {"R01": "One", "R02": "Two"}))
    assert list(mv.index) == ["u3"]
    row = mv.loc["u3"]
    assert (row["name"], row["from_region"], row["to_region"], row["to_region_b"]) == (
        "Unit 3", "N", "S", "R02")
    assert (row["from_name"], row["to_name"]) == ("North", "Two")


# -------------------------------------------------------------- compare_plans
@pytest.fixture
def land():
    units = grid_units(3, 4, weights={"population": [10 * (i + 1) for i in range(12)]})
    west = {c: ("w" if int(c[-1]) < 2 else "e") for c in units.index}
    return Landscape(units, [Layer.from_partition("sop", west)], credit="test credit")


@pytest.fixture
def plans(land):
    codes = land.units.index
    by_column = pd.Series({c: "W" if int(c[-1]) < 2 else "E" for c in codes})
    by_row = pd.Series({c: "T" if c[1] in "01" else "B" for c in codes})
    shifted = by_column.copy()
    shifted["r0c2"] = "W"  # one unit crosses over
    return {"columns": by_column, "rows": by_row, "shifted": shifted}


def test_compare_plans(land, plans):
    spec = RegionSpec()
    cmp = compare_plans(land, plans, spec=spec)
    assert isinstance(cmp, Comparison)
    assert cmp.names == ("columns", "rows", "shifted")
    m = cmp.metrics
    assert list(m.index) == ["columns", "rows", "shifted"]
    assert m.loc["columns", "n_regions"] == 2
    # the column plan follows the sop layer exactly: no split
    assert m.loc["columns", "term.split"] == pytest.approx(0.0)
    assert m.loc["shifted", "term.split"] == pytest.approx(1 / 12)
    assert m.loc["rows", "term.split"] > 0
    assert m["verified"].all()
    assert cmp.side_by_side().shape == (m.shape[1], 3)
    sim = cmp.similarity.set_index(["plan_a", "plan_b"])
    assert list(sim.index) == [("columns", "rows"), ("columns", "shifted"), ("rows", "shifted")]
    assert sim.loc[("columns", "shifted"), "units_moved"] == 1
    assert sim.loc[("columns", "shifted"), "population_moved"] == 30  # r0c2
    ari = cmp.matrix("ari")
    assert (ari.to_numpy() == ari.to_numpy().T).all() and (ari.to_numpy().diagonal() == 1).all()
    assert ari.loc["columns", "shifted"] == pytest.approx(
        adjusted_rand_index(plans["columns"], plans["shifted"])
    )
    assert cmp.matrix("vi").loc["columns", "columns"] == 0
    moved = cmp.moved_units("columns", "shifted")
    assert list(moved.index) == ["r0c2"]
    assert moved.loc["r0c2", "population"] == 30
    # both plans are relabelled R01.. by the scorer; matching still finds the move
    assert moved.loc["r0c2", "from_region"] != moved.loc["r0c2", "to_region"]
    json.dumps(cmp.to_dict())  # JSON-able


def test_compare_maps(land, plans):
    cmp = compare_plans(land, plans)
    ax = cmp.plot_difference("columns", "shifted")
    assert ax.figure is not None
    fig = cmp.small_multiples(ncols=3)
    assert len(fig.axes) >= 3
    plt.close("all")


def test_compare_plan_objects_keep_solver_facts(land, plans):
    from rato_opt.assess.plan import score_plan

    scored = score_plan(land, plans["rows"])
    cmp = compare_plans(land, [scored, plans["columns"]])
    assert cmp.names == ("plan1", "plan2")
    assert cmp.metrics.loc["plan1", "status"] == "scored"


def test_compare_errors(land, plans):
    with pytest.raises(InputError, match="at least one"):
        compare_plans(land, {})
    with pytest.raises(UnitCodeError, match="'bad'.*missing"):
        compare_plans(land, {"ok": plans["rows"], "bad": plans["rows"].drop("r0c0")})
    cmp = compare_plans(land, {"a": plans["rows"]})
    with pytest.raises(InputError, match="unknown plan 'b'"):
        cmp.moved_units("a", "b")
    with pytest.raises(InputError, match="'ari', 'vi'"):
        cmp.matrix("rand")
