"""The real 2024 map at wijk level and at mixed resolution (real data)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from rato_opt import Bound, RegionSpec
from rato_opt.landscape import graph_from_landscape
from rato_opt.landscape.resolution import contract_adjacency
from rato_opt.sources.nl2024 import load_nl_2024
from rato_opt.sources.nl2024_fine import BIG_FOUR, load_nl_2024_mixed, load_nl_2024_wijken
from rato_opt.workflow.scenario import Scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"


@functools.lru_cache(maxsize=1)
def _wijken():
    return load_nl_2024_wijken(keep_gemeenten=True)


@functools.lru_cache(maxsize=1)
def _gemeenten():
    return load_nl_2024(layers=("amr", "boards"))


def test_wijk_map_carries_the_gemeente_figures_down(real_data):
    fine, coarse = _wijken(), _gemeenten()
    assert len(fine.units) == 3393
    per = fine.units.groupby("gemeente")["pupils_po"].sum()
    assert np.allclose(per.reindex(coarse.codes), coarse.units["pupils_po"])
    assert fine.notes["pupils_po"].startswith("estimated") and "children_0_15_est" in \
        fine.notes["pupils_po"]
    assert fine.notes["boards"].startswith("estimated")
    b_fine = fine.layers["boards"].membership()["weight"].sum()
    b_coarse = coarse.layers["boards"].membership()["weight"].sum()
    assert b_fine == pytest.approx(b_coarse)
    assert "0-15" in fine.credit and "CC-BY" in fine.credit
    assert fine.layers["gemeenten"].n_collaborations == 342


def test_mixed_map_with_the_big_four(real_data):
    fine, coarse = _wijken(), _gemeenten()
    mixed = load_nl_2024_mixed()
    refined = set(mixed.units.loc[mixed.units.index.str.startswith("WK"), "gemeente"])
    assert refined == set(BIG_FOUR)
    n_wijken = int(fine.units["gemeente"].isin(BIG_FOUR).sum())
    assert len(mixed.units) == 342 - 4 + n_wijken
    assert mixed.units["population"].sum() == pytest.approx(
        coarse.units["population"].sum(), abs=500)
    # contracting the mixed graph by gemeente gives the gemeente graph with its links
    back = contract_adjacency(mixed.adjacency, mixed.units["gemeente"])
    pairs = {tuple(p) for p in back[["from_code", "to_code"]].values}
    pairs |= {tuple(sorted(p)) for p in mixed.links[["from_code", "to_code"]].values}
    gemeente_pairs = {tuple(sorted(e)) for e in graph_from_landscape(coarse).edges()}
    assert pairs == gemeente_pairs
    assert mixed.notes["refined"].count("named by the planner") == 4


def test_tight_bounds_refine_the_gemeenten_that_must_split(real_data):
    spec = RegionSpec(k=35, bounds=(Bound("population", 0.6, 1.6, relative=True),))
    mixed = load_nl_2024_mixed(refine=(), spec=spec)
    # at 1.6 x mean (820 k) Amsterdam (932 k) cannot stay whole; nothing else must split
    assert set(mixed.units.loc[mixed.units.index.str.startswith("WK"), "gemeente"]) == \
        {"GM0363"}
    assert "must split" in mixed.notes["refined"]


@pytest.mark.parametrize("name", ["nl2024_mixed_k35.toml", "nl2024_wijken_k35.toml"])
def test_fine_scenarios_load(real_data, name):
    scenario = Scenario.from_toml(EXAMPLES / name)
    land = scenario.load_landscape()
    spec = scenario.to_spec(land)
    assert set(spec.objective.split_layers) <= set(land.layers)
    assert "gemeente" in land.units.columns
