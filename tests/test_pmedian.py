"""The p-median + flow model used as a warm start under tight bounds."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import grid_units

from rato_opt.assess.verify import verify_plan
from rato_opt.landscape.coverage import Landscape
from rato_opt.landscape.graph import build_graph
from rato_opt.landscape.layers import Layer
from rato_opt.optimize.pmedian import build_pmedian, pmedian_regions, solve_pmedian
from rato_opt.spec import Bound, RegionSpec


@pytest.fixture
def strip():
    """A 1×6 strip with population 1 1 1 1 1 5::

        +---+---+---+---+---+---+
        | 1 | 1 | 1 | 1 | 1 | 5 |
        +---+---+---+---+---+---+
    """
    units = grid_units(1, 6, weights={"population": [1, 1, 1, 1, 1, 5]})
    layer = Layer.from_partition("amr", pd.Series("a", index=units.index))
    return Landscape(units, [layer])


def test_tight_bounds_give_the_only_balanced_split(strip):
    spec = RegionSpec(k=2, bounds=(Bound("population", lower=5, upper=5),))
    graph = build_graph(strip.units)
    model = build_pmedian(strip, spec, graph=graph, candidates=None)
    plan, status = solve_pmedian(model, time_limit=30)
    assert status == "optimal"
    sizes = strip.units["population"].groupby(plan).sum().sort_values().tolist()
    # prefix sums 1 2 3 4 5 10: only {r0c0..r0c4} | {r0c5} splits 5 | 5
    assert sizes == [5, 5]
    assert verify_plan(strip, plan, spec, graph=graph).ok


def test_infeasible_bounds_report_infeasible(strip):
    spec = RegionSpec(k=2, bounds=(Bound("population", lower=5.5, upper=6),))
    model = build_pmedian(strip, spec, graph=build_graph(strip.units), candidates=None)
    plan, status = solve_pmedian(model, time_limit=30)
    assert plan is None and status == "infeasible"


def test_regions_are_contiguous_on_a_grid():
    units = grid_units(3, 4, weights={"population": [1] * 12})
    land = Landscape(units, [Layer.from_partition("amr", pd.Series("a", index=units.index))])
    graph = build_graph(units, contiguity="rook")
    spec = RegionSpec(k=3, bounds=(Bound("population", lower=4, upper=4),))
    plan = pmedian_regions(land, spec, graph=graph, candidates=None, time_limit=30)
    assert plan is not None and plan.nunique() == 3
    assert verify_plan(land, plan, spec, graph=graph).ok
