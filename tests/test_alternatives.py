"""Alternatives: distinct plans within a share of the best objective (issue 13, item 2)."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import grid_units

from rato_opt import Landscape, Layer
from rato_opt.assess.compare import adjusted_rand_index
from rato_opt.assess.plan import score_plan
from rato_opt.assess.verify import verify_plan
from rato_opt.exceptions import ModelError
from rato_opt.maps.matching import changed_units
from rato_opt.maps.tradeoff_plot import plot_alternatives
from rato_opt.optimize.alternatives import Alternatives, alternatives, plan_distance
from rato_opt.sources.synthetic import make_country
from rato_opt.spec import Bound, Budget, Objective, RegionSpec

BUDGET = Budget(seed=0, starts=2, recom_steps=300, recom_rounds=1, anneal_moves=100,
                anneal_rounds=1, nodes=0)
#: the grids are small enough for the integer program: their best plans are optimal
GRID_BUDGET = Budget(seed=0, starts=2, recom_steps=300, recom_rounds=1, anneal_moves=100,
                     anneal_rounds=1, nodes=200)


@pytest.fixture(scope="module")
def country():
    return make_country(n_units=60, seed=1)


@pytest.fixture(scope="module")
def country_spec():
    return RegionSpec(k=5, bounds=[Bound("population", 0.5, 2.0, relative=True)],
                      objective=Objective(split_layers={"rap_po": 1.0, "sop": 1.0},
                                          alignment=0.5, reference="amr"))


@pytest.fixture(scope="module")
def country_alts(country, country_spec):
    return alternatives(country, country_spec, n=3, within=0.2, min_distance=4, steps=600,
                        budget=BUDGET)


@pytest.fixture(scope="module")
def grid():
    units = grid_units(4, 4, weights={"population": [1.0] * 16})
    cols = {c: f"col{c[-1]}" for c in units.index}
    halves = {c: "left" if int(c[-1]) < 2 else "right" for c in units.index}
    return Landscape(units, [Layer.from_partition("cols", cols),
                             Layer.from_partition("halves", halves)])


def check(alts: Alternatives, landscape, spec) -> None:
    """Every plan verified, within the threshold and far enough from every other."""
    assert alts.names[: len(alts.plans)] == tuple("ABCDEFG"[: len(alts.plans)])
    best = alts.plans[0].objective
    assert alts.threshold == pytest.approx((1 + alts.within) * best)
    for plan in alts.plans:
        assert plan.verification.ok
        assert verify_plan(landscape, plan.assignment, spec).ok
        assert plan.objective <= alts.threshold + 1e-9
    for (i, a), (j, b) in itertools.combinations(enumerate(alts.plans), 2):
        d = plan_distance(a, b, alts.distance)
        assert d >= alts.min_distance - 1e-9
        assert alts.distances.iloc[i, j] == pytest.approx(d) == alts.distances.iloc[j, i]
    assert np.allclose(np.diag(alts.distances.to_numpy()), 0)


def test_plan_distance_agrees_with_library_functions():
    a = pd.Series({"u1": "A", "u2": "A", "u3": "B", "u4": "B", "u5": "C", "u6": "C"})
    b = pd.Series({"u1": "x", "u2": "x", "u3": "x", "u4": "y", "u5": "y", "u6": "z"})
    assert plan_distance(a, b) == changed_units(a, b).sum() == 2
    assert plan_distance(a, b, "ari") == pytest.approx(1 - adjusted_rand_index(a, b))
    assert plan_distance(a, a.map({"A": "p", "B": "q", "C": "r"})) == 0
    with pytest.raises(ModelError, match="distance must be one of"):
        plan_distance(a, b, "hamming")


def test_country_alternatives_are_distinct_and_near_the_best(country, country_spec,
                                                             country_alts):
    alts = country_alts
    assert len(alts.plans) == 3 and not alts.notes
    check(alts, country, country_spec)
    table = alts.table
    assert list(table.index) == ["A", "B", "C"]
    assert {"objective", "above_best", "split", "alignment", "rap_po_split", "sop_outside",
            "distance_to_best", "nearest", "verified"} <= set(table.columns)
    assert table.loc["A", "above_best"] == 0 and (table["above_best"] <= 0.2 + 1e-9).all()
    assert table["verified"].all()
    assert table.loc["B", "distance_to_best"] == alts.distances.loc["B", "A"]
    assert alts.best is alts.plans[0] and alts["B"] is alts.plans[1]
    assert list(alts.assignments().columns) == ["A", "B", "C"]


def test_alternatives_are_deterministic_for_seed_and_budget(country, country_spec,
                                                            country_alts):
    again = alternatives(country, country_spec, n=3, within=0.2, min_distance=4, steps=600,
                         budget=BUDGET, best=country_alts.best)
    assert all(a.assignment.equals(b.assignment)
               for a, b in zip(country_alts.plans, again.plans, strict=True))
    assert again.run["deterministic"]
    other = alternatives(country, country_spec, n=2, within=0.2, min_distance=4, steps=600,
                         budget=Budget(seed=5, recom_steps=300), best=country_alts.best)
    check(other, country, country_spec)


def test_ari_distance_on_a_grid(grid):
    spec = RegionSpec(k=4, bounds=[Bound("population", 4, 4)],
                      objective=Objective(split_layers={"halves": 1.0}, compactness=1.0))
    alts = alternatives(grid, spec, n=3, within=1.0, distance="ari", min_distance=0.2,
                        steps=400, budget=GRID_BUDGET)
    assert alts.distance == "ari" and len(alts.plans) == 3, alts.notes
    check(alts, grid, spec)
    assert alts.best.objective > 0


def test_within_zero_allows_only_equally_good_plans(grid):
    """Regions of two horizontal dominoes keep every domino whole: rows, blocks, mixes."""
    dominoes = {c: f"{c[:2]}{'left' if int(c[-1]) < 2 else 'right'}" for c in grid.codes}
    land = Landscape(grid.units, [Layer.from_partition("dominoes", dominoes)])
    spec = RegionSpec(k=4, bounds=[Bound("population", 4, 4)],
                      objective=Objective(split_layers={"dominoes": 1.0}))
    alts = alternatives(land, spec, n=3, within=0.0, min_distance=4, steps=2000,
                        budget=GRID_BUDGET)
    assert len(alts.plans) == 3, alts.notes
    check(alts, land, spec)
    for plan in alts.plans:
        assert plan.objective == pytest.approx(0)


def test_too_far_gives_fewer_plans_and_says_why(grid):
    spec = RegionSpec(k=4, bounds=[Bound("population", 4, 4)],
                      objective=Objective(split_layers={"cols": 1.0}))
    alts = alternatives(grid, spec, n=3, within=0.0, min_distance=3, steps=200,
                        attempts=1, budget=GRID_BUDGET)
    assert len(alts.plans) == 1 and alts.requested == 3
    assert "found 1 of 3 plans" in alts.notes[0] and "min_distance" in alts.notes[0]
    assert alts.distances.shape == (1, 1)


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "n must be"),
    ({"within": -0.1}, "within must be"),
    ({"distance": "hamming"}, "distance must be one of"),
    ({"min_distance": 0}, "min_distance must be"),
    ({"min_distance": 3.0, "distance": "ari"}, "at most 2"),
    ({"attempts": 0}, "attempts must be"),
    ({"steps": -1}, "steps must be"),
])
def test_bad_arguments_say_what_is_expected(grid, kwargs, match):
    spec = RegionSpec(k=2, objective=Objective(split_layers={"cols": 1.0}))
    with pytest.raises(ModelError, match=match):
        alternatives(grid, spec, budget=GRID_BUDGET, **kwargs)


def test_unverified_best_is_refused(grid):
    spec = RegionSpec(k=4, bounds=[Bound("population", 4, 4)],
                      objective=Objective(split_layers={"cols": 1.0}))
    bad = score_plan(grid, pd.Series("R1", index=grid.codes), spec)
    with pytest.raises(ModelError, match="no verified best plan"):
        alternatives(grid, spec, best=bad, budget=GRID_BUDGET)


def test_plot_alternatives_side_by_side(country, country_alts):
    axes = plot_alternatives(country, country_alts, lang="en")
    assert len(axes) == 3
    titles = [ax.get_title(loc="left") for ax in axes]
    assert titles[0].startswith("A  objective") and "(best)" in titles[0]
    assert "units moved" in titles[1]
    plt.close("all")
    fig, given = plt.subplots(1, 3)
    out = country_alts.plot(country, axes=given)
    assert list(out) == list(given)
    assert "eenheden anders" in given[2].get_title(loc="left")
    plt.close("all")


@pytest.mark.realdata
def test_real_map_alternatives_from_the_arbeidsmarktregios(real_data):
    """Two plans near the 35 arbeidsmarktregio's, scored as the best (no solve: fast)."""
    from rato_opt.sources.nl2024 import load_nl_2024

    land = load_nl_2024(real_data, layers=("amr", "boards"))
    spec = RegionSpec(k=35, bounds=[Bound("population", 0.28, 2.81, relative=True)],
                      objective=Objective(split=1.0, split_layers={"boards": 1.0},
                                          split_by="pupils_po", alignment=0.5,
                                          reference="amr"))
    amr = land.layers["amr"].membership().set_index("unit")["collaboration"]
    best = score_plan(land, amr, spec)
    assert best.verification.ok
    alts = alternatives(land, spec, n=2, within=0.05, min_distance=10, steps=600,
                        budget=BUDGET, best=best)
    assert len(alts.plans) == 2, alts.notes
    check(alts, land, spec)
