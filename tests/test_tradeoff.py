"""Trade-off curves of two objective terms (issue 13, item 3)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from conftest import grid_units

from rato_opt import Landscape, Layer
from rato_opt.assess.metrics import objective_terms
from rato_opt.exceptions import ModelError
from rato_opt.maps.tradeoff_plot import plot_tradeoff
from rato_opt.sources.synthetic import make_country
from rato_opt.spec import Bound, Budget, Objective, RegionSpec
from rato_opt.workflow.tradeoff import non_dominated, scan_weights, tradeoff

BUDGET = Budget(seed=0, starts=2, recom_steps=300, recom_rounds=1, anneal_moves=100,
                anneal_rounds=1, nodes=0)
WEIGHTS = [(0.1, 0.9), (0.5, 0.5), (0.9, 0.1)]


@pytest.fixture(scope="module")
def country():
    return make_country(n_units=60, seed=1)


@pytest.fixture(scope="module")
def spec():
    return RegionSpec(k=5, bounds=[Bound("population", 0.5, 2.0, relative=True)],
                      objective=Objective(split_layers={"rap_po": 1.0, "sop": 1.0},
                                          reference="amr"))


@pytest.fixture(scope="module")
def curve(country, spec):
    return tradeoff(country, spec, weights=WEIGHTS, budget=BUDGET)


def test_non_dominated_and_scan_weights():
    assert non_dominated([1, 2, 3], [3, 2, 1]).tolist() == [True, True, True]
    assert non_dominated([1, 2, 1], [1, 2, 1]).tolist() == [True, False, True]
    assert non_dominated([], []).tolist() == []
    pairs = scan_weights(5)
    assert len(pairs) == 5 and all(a + b == pytest.approx(1) for a, b in pairs)
    assert pairs[0][0] / pairs[0][1] == pytest.approx(0.1)
    assert pairs[2] == pytest.approx((0.5, 0.5))
    assert scan_weights(1) == ((0.5, 0.5),)
    with pytest.raises(ModelError, match="n_points"):
        scan_weights(0)


def test_curve_plans_are_verified_and_values_re_evaluated(country, spec, curve):
    table = curve.table
    assert curve.terms == ("alignment", "split")
    assert list(table["label"]) == ["0.10:0.90", "0.50:0.50", "0.90:0.10"]
    measure = spec.replace(objective=Objective(split=1.0, split_layers={"rap_po": 1.0, "sop": 1.0},
                                               alignment=1.0, reference="amr"))
    for (_, row), plan in zip(table.iterrows(), curve.plans, strict=True):
        assert plan.verification.ok and row["verified"]
        values = objective_terms(country, plan.assignment, measure)
        assert row["alignment"] == pytest.approx(values["alignment"])
        assert row["split"] == pytest.approx(values["split"])
        own = spec.replace(objective=Objective(
            split=row["w_split"], split_layers={"rap_po": 1.0, "sop": 1.0},
            alignment=row["w_alignment"], reference="amr"))
        assert row["objective"] == pytest.approx(sum(objective_terms(country, plan.assignment,
                                                                     own).values()))


def test_frontier_is_non_dominated_and_weighted_sum_consistent(curve):
    table = curve.table
    assert table["frontier"].any()
    assert (table["frontier"] == ~table["dominated"]).all()
    x, y = table["alignment"].to_numpy(), table["split"].to_numpy()
    for i in table.index[table["frontier"]]:
        assert not any(x[j] <= x[i] and y[j] <= y[i] and (x[j] < x[i] or y[j] < y[i])
                       for j in range(len(table)))
    for i in table.index[table["dominated"]]:
        assert any(x[j] <= x[i] and y[j] <= y[i] for j in range(len(table)) if j != i)
    # cross-check: each point's plan is the best found under its own weights, so more
    # weight on alignment never gives a plan with more alignment cost
    for i, (wx, wy) in enumerate(curve.weights):
        mine = wx * x[i] + wy * y[i]
        assert all(mine <= wx * x[j] + wy * y[j] + 1e-12 for j in range(len(table)))
    assert all(x[i + 1] <= x[i] + 1e-12 for i in range(len(x) - 1))
    front = curve.frontier
    assert list(front["alignment"]) == sorted(front["alignment"])
    assert set(curve.assignments().columns) == set(table["label"])


def test_curve_is_deterministic(country, spec, curve):
    again = tradeoff(country, spec, weights=WEIGHTS, budget=BUDGET)
    assert again.table.drop(columns=[]).equals(curve.table)
    assert curve.run["deterministic"]


def test_progress_reports_each_solve(country, spec):
    seen = []
    tradeoff(country, spec, weights=[(0.5, 0.5)], budget=BUDGET, progress=seen.append)
    assert [(e["point"], e["of"], e["label"]) for e in seen] == [(1, 1, "0.50:0.50")]
    assert {"alignment", "split", "seconds"} <= set(seen[0])


@pytest.mark.parametrize("kwargs, match", [
    ({"terms": ("split", "split")}, "two different terms"),
    ({"terms": ("split", "beauty")}, "not an objective term"),
    ({"terms": "split"}, "two objective term names"),
    ({"weights": [(1, -1)]}, "both weights >= 0"),
    ({"weights": [(0, 0)]}, "not both 0"),
    ({"weights": []}, "weights is empty"),
    ({"weights": ["ab"]}, "pairs"),
    ({"n_points": 0}, "n_points"),
])
def test_bad_arguments_say_what_is_expected(country, spec, kwargs, match):
    with pytest.raises(ModelError, match=match):
        tradeoff(country, spec, budget=BUDGET, **kwargs)


def test_alignment_needs_a_reference_layer():
    units = grid_units(2, 2, weights={"population": [1.0] * 4})
    land = Landscape(units, [Layer.from_partition("sop", dict(zip(units.index, "xxyy", strict=True)))])
    with pytest.raises(ModelError, match="reference layer"):
        tradeoff(land, RegionSpec(k=2), budget=BUDGET)


def test_other_pair_of_terms_on_a_grid():
    """Compactness against the split of columns on a 4 x 4 grid: rows vs columns vs blocks."""
    units = grid_units(4, 4, weights={"population": [1.0] * 16})
    land = Landscape(units, [Layer.from_partition("cols", {c: c[-1] for c in units.index})])
    spec = RegionSpec(k=4, bounds=[Bound("population", 4, 4)],
                      objective=Objective(split_layers={"cols": 1.0}))
    curve = tradeoff(land, spec, terms=("compactness", "split"), n_points=3,
                     budget=BUDGET.__class__(**{**BUDGET.as_dict(), "nodes": 200}))
    table = curve.table
    assert table["verified"].all() and table["frontier"].any()
    assert table.loc[0, "split"] == pytest.approx(0)  # split weighs most: the columns


def test_plot_tradeoff(curve):
    ax = plot_tradeoff(curve, lang="en")
    gids = {c.get_gid() for c in ax.collections}
    assert "frontier" in gids
    assert ("dominated" in gids) == bool(curve.table["dominated"].any())
    assert ax.get_xlabel().startswith("departure from the reference regions [amr]")
    assert ax.get_ylabel() == "split (weight outside main region) [rap_po, sop]"
    texts = {t.get_text() for t in ax.texts}
    assert any("0.50:0.50" in t for t in texts)
    plt.close("all")
    fig, given = plt.subplots()
    assert curve.plot(ax=given) is given
    assert given.get_title(loc="left").startswith("Afweging")
    plt.close("all")


@pytest.mark.slow
@pytest.mark.realdata
def test_real_map_tradeoff_two_points(real_data):
    from rato_opt.sources.nl2024 import load_nl_2024

    land = load_nl_2024(real_data, layers=("amr", "boards"))
    spec = RegionSpec(k=35, bounds=[Bound("population", 0.284, 2.803, relative=True)],
                      objective=Objective(split=1.0, split_layers={"boards": 1.0},
                                          split_by="pupils_po"))
    curve = tradeoff(land, spec, weights=[(0.2, 0.8), (0.8, 0.2)], budget=BUDGET)
    table = curve.table
    assert table["verified"].all() and table["frontier"].any()
    assert table.loc[1, "alignment"] <= table.loc[0, "alignment"] + 1e-12
