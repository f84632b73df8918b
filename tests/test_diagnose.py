"""Pre-solve infeasibility checks on hand-made grids."""

from __future__ import annotations

import functools

import geopandas as gpd
import matplotlib
import pandas as pd
import pytest
from conftest import grid_units
from shapely import box

from rato_opt import Landscape, Layer
from rato_opt.assess.diagnose import check_feasible, feasible_k_range, precheck, precheck_notes
from rato_opt.exceptions import ColumnError, InfeasibleError, LayerError
from rato_opt.landscape.units import validate_units
from rato_opt.spec import Bound, Locks, Objective, RegionSpec

matplotlib.use("Agg")


@functools.lru_cache(maxsize=1)
def grid() -> Landscape:
    """3 × 3 grid, population 1..9 row by row (total 45)::

        r0c0(1) r0c1(2) r0c2(3)
        r1c0(4) r1c1(5) r1c2(6)
        r2c0(7) r2c1(8) r2c2(9)
    """
    units = grid_units(3, 3, weights={"population": list(range(1, 10))})
    t = pd.DataFrame({"unit": ["r0c0", "r0c1", "r1c0"], "collaboration": ["a", "a", "b"]})
    return Landscape(units, [Layer.from_table("alliance", t, units)])


def islands(populations=(5, 5, 5, 1)) -> Landscape:
    """Mainland ``a b c`` and an island ``i`` that touches nothing::

        a b c            i
    """
    geoms = [box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)] + [box(9000, 0, 10000, 1000)]
    units = validate_units(gpd.GeoDataFrame({"code": list("abci"), "population": list(populations)},
                                            geometry=geoms, crs="EPSG:28992"), code="code")
    return Landscape(units, {})


def one(reasons: list[str]) -> str:
    assert len(reasons) == 1, reasons
    return reasons[0]


def test_feasible_spec_has_no_reasons():
    spec = RegionSpec(k=3, bounds=[Bound("population", 10, 20)], min_units=2, max_units=4)
    assert precheck(grid(), spec) == []
    check_feasible(grid(), spec)  # does not raise


def test_unit_heavier_than_upper_bound_is_named():
    reasons = precheck(grid(), RegionSpec(bounds=[Bound("population", upper=8.5)]))
    assert reasons[0].startswith("r2c2 has population 9 > upper bound 8.5")
    assert len(reasons) == 1  # k is free: 6..9 regions would hold the total


def test_heavy_unit_with_names_and_relative_bound():
    units = grid_units(1, 3, weights={"population": [931_298, 100_000, 200_000]})
    units.loc["r0c0", "name"] = "Amsterdam"
    spec = RegionSpec(k=3, bounds=[Bound("population", upper=1.5, relative=True)])
    reason = precheck(Landscape(units, {}), spec)[0]
    assert reason.startswith("Amsterdam (r0c0) has population 931,298 > upper bound 615,649 "
                             "(1.5 × mean 410,433 with k=3)")


def test_k_incompatible_with_totals_gives_working_range():
    assert one(precheck(grid(), RegionSpec(k=2, bounds=[Bound("population", upper=20)]))) == (
        "k=2 cannot work: k=2 regions with upper bound 20 on population hold at most 40, but the "
        "total is 45; k in 3..9 would work"
    )
    reason = one(precheck(grid(), RegionSpec(k=3, bounds=[Bound("population", lower=16)])))
    assert "need at least 48, but the total is 45; k in 1..2 would work" in reason
    # 10..15 per region: 3 or 4 regions fit 45; the message explains the nearest k asked
    reason = one(precheck(grid(), RegionSpec(k_min=5, k_max=6,
                                             bounds=[Bound("population", 10, 15)])))
    assert reason == ("k in 5..6 cannot work: k=5 regions with lower bound 10 on population need "
                      "at least 50, but the total is 45; k in 3..4 would work")


def test_k_larger_than_units_and_unit_limits():
    assert "k=20 regions is more than the 9 units; k in 1..9 would work" in one(
        precheck(grid(), RegionSpec(k=20)))
    assert "need 12 units, but there are 9; k in 1..3 would work" in one(
        precheck(grid(), RegionSpec(k=4, min_units=3)))
    assert "hold 6 units, but there are 9; k in 3..9 would work" in one(
        precheck(grid(), RegionSpec(k=2, max_units=3)))


def test_relative_bounds_that_exclude_the_mean():
    reason = one(precheck(grid(), RegionSpec(k=3, bounds=[Bound("population", 1.2, 2,
                                                                 relative=True)])))
    assert "relative lower bound 1.2 on population is above 1" in reason
    assert reason.endswith("no number of regions works")
    reason = one(precheck(grid(), RegionSpec(bounds=[Bound("population", upper=0.9,
                                                           relative=True)])))
    assert "relative upper bound 0.9 on population is below 1" in reason


def test_island_too_small_for_a_lower_bound():
    reason = one(precheck(islands(), RegionSpec(k=2, bounds=[Bound("population", lower=4)])))
    assert reason.startswith("a part of the unit graph that no link joins to the rest, i (1 unit, population 1)")
    assert "too small for one region (lower bound 4 on population)" in reason
    assert "allow_islands=True" in reason
    # with allow_islands the island is a region of its own, exempt from lower bounds
    assert precheck(islands(), RegionSpec(k=2, bounds=[Bound("population", lower=4)],
                                          allow_islands=True)) == []
    # 3 mainland regions of 5 plus the island (1): 4 regions although 4 × 5 > 16 in total
    assert precheck(islands(), RegionSpec(k=4, bounds=[Bound("population", lower=5)],
                                          allow_islands=True)) == []
    # ... but the island is exactly one region, so k=5 is impossible: 3 + 1 at most
    reason = one(precheck(islands(), RegionSpec(k=5, allow_islands=True)))
    assert reason.startswith("k=5 cannot work with the 2 components of the unit graph")
    assert reason.endswith("k in 2..4 would work")


def test_component_that_cannot_be_divided_into_whole_regions():
    """Mainland 5+5+5 = 15 with regions of 6..7: 2 regions hold at most 14, 3 need 18."""
    spec = RegionSpec(bounds=[Bound("population", 6, 7)])
    reasons = precheck(islands((5, 5, 5, 5)), spec)
    assert any(r.startswith("the largest component, a, b, c (3 units, population 15)")
               and "needs at least 3 region(s) but can hold at most 2" in r for r in reasons)
    assert any(r.startswith("a part of the unit graph that no link joins to the rest, i") for r in reasons)


def test_components_need_more_regions_than_k():
    """Mainland 12 needs 2 regions of at most 7, the island 1 more: 3 > k = 2, while the
    total 13 would fit in 2 regions."""
    spec = RegionSpec(k=2, bounds=[Bound("population", upper=7)])
    reason = one(precheck(islands((4, 4, 4, 1)), spec))
    assert "k=2 cannot work with the 2 components of the unit graph" in reason
    assert "between 3 and 4 regions" in reason and "k in 3..4 would work" in reason
    assert feasible_k_range(islands((4, 4, 4, 1)), spec) == [3, 4]


def test_lock_contradictions():
    both = Locks(together=[("r0c0", "r0c1")], apart=[("r0c1", "r0c0")])
    assert one(precheck(grid(), RegionSpec(locks=both))) == (
        "r0c1 and r0c0 must lie in different regions, but together/own_region/fixed locks keep "
        "them in one region")
    labels = Locks(together=[("r0c0", "r0c1")], fixed={"r0c0": "a", "r0c1": "b"})
    assert "units fixed to different labels ('a': r0c0; 'b': r0c1)" in one(
        precheck(grid(), RegionSpec(locks=labels)))
    overlap = Locks(own_region=[("r0c0", "r0c1"), ("r0c1", "r0c2")])
    reasons = precheck(grid(), RegionSpec(locks=overlap))
    assert "own_region groups (r0c0, r0c1) and (r0c1, r0c2) overlap" in reasons[0]
    joined = Locks(own_region=[("r0c0", "r0c1")], together=[("r0c0", "r2c2")])
    assert "must form a region alone, but together/fixed locks also keep r2c2 with it" in one(
        precheck(grid(), RegionSpec(locks=joined)))
    many = Locks(fixed={"r0c0": "a", "r0c1": "b", "r0c2": "c"})
    assert "3 different fixed labels need 3 regions, but at most 2" in one(
        precheck(grid(), RegionSpec(k=2, locks=many)))


def test_unknown_lock_codes_are_named():
    locks = Locks(together=[("GM1", "r0c0")], fixed={"GM2": "x"})
    assert one(precheck(grid(), RegionSpec(locks=locks))).startswith(
        "locks name unit code(s) the landscape does not have: GM1, GM2")


def test_locked_groups_against_bounds_and_graph():
    heavy = Locks(together=[("r2c2", "r2c1", "r1c2")])
    assert one(precheck(grid(), RegionSpec(bounds=[Bound("population", upper=20)],
                                           locks=heavy))) == (
        "units locked together (r1c2, r2c1, r2c2) weigh population 23 > upper bound 20")
    light = Locks(own_region=[("r0c0", "r0c1")])
    assert "own_region group (r0c0, r0c1) weigh population 3 < lower bound 5" in one(
        precheck(grid(), RegionSpec(bounds=[Bound("population", lower=5)], locks=light)))
    big = Locks(together=[("r0c0", "r0c1", "r0c2")])
    assert "3 units > max_units=2" in one(precheck(grid(), RegionSpec(max_units=2, locks=big)))
    apart_own = Locks(own_region=[("r0c0", "r0c2")])
    assert "is not connected in the unit graph" in one(
        precheck(grid(), RegionSpec(locks=apart_own)))
    across = Locks(together=[("a", "i")])
    assert "lie in 2 parts of the unit graph that no link joins" in one(
        precheck(islands(), RegionSpec(locks=across)))


def test_together_group_not_adjacent_is_only_a_note():
    spec = RegionSpec(locks=Locks(together=[("r0c0", "r2c2")]))
    assert precheck(grid(), spec) == []
    assert precheck_notes(grid(), spec) == [
        "units locked together (r0c0, r2c2) are not adjacent to each other; their region must "
        "also hold units connecting them"]


def test_alliance_hard_with_units_in_no_alliance():
    spec = RegionSpec(objective=Objective(alliance_hard=True, alliance_layer="alliance"),
                      locks=Locks(together=[("r0c0", "r1c0")]))
    reasons = precheck(grid(), spec)
    assert reasons[0].startswith("alliance_hard: 6 unit(s) belong to no alliance of layer "
                                 "'alliance'")
    assert "r0c2" in reasons[0]
    assert reasons[1] == "alliance_hard: units locked together (r0c0, r1c0) share no alliance"


def test_check_feasible_raises_with_reasons():
    spec = RegionSpec(k=20, locks=Locks(fixed={"XX": "a"}))
    with pytest.raises(InfeasibleError) as info:
        check_feasible(grid(), spec)
    assert len(info.value.reasons) == 2
    assert "2 reasons" in str(info.value) and "XX" in str(info.value)


def test_input_errors_are_not_infeasibility():
    with pytest.raises(ColumnError, match="pupils"):
        precheck(grid(), RegionSpec(bounds=[Bound("pupils", upper=3)]))
    with pytest.raises(LayerError, match="amr"):
        precheck(grid(), RegionSpec(objective=Objective(alignment=1, reference="amr")))


def test_feasible_k_range_on_grid():
    assert feasible_k_range(grid(), RegionSpec(bounds=[Bound("population", 10, 15)])) == [3, 4]
    assert feasible_k_range(grid(), RegionSpec(min_units=2, max_units=4)) == [3, 4]


# --------------------------------------------------------------------------- real map
@pytest.fixture(scope="module")
def real_population(real_data):
    from rato_opt.landscape.graph import graph_from_landscape
    from rato_opt.landscape.units import join_weights, read_units

    units = read_units(real_data / "cbs_gemeente_2024_gegeneraliseerd.geojson", code="statcode",
                       name="statnaam")
    kern = gpd.read_file(real_data / "cbs_wijkbuurtkaart_gemeenten_2024_kerncijfers.geojson",
                         ignore_geometry=True, columns=["gemeentecode", "aantal_inwoners"])
    kern = kern[kern["gemeentecode"] != "GM0998"]
    units = join_weights(units, kern, on="gemeentecode", columns=["aantal_inwoners"],
                         rename={"aantal_inwoners": "population"})
    links = pd.read_csv(real_data / "water_links_2024.csv")
    linked = Landscape(units, {}, links=links)
    bare = Landscape(units, {})
    return linked, graph_from_landscape(linked), bare, graph_from_landscape(bare)


def test_real_map_heavy_cities_and_islands(real_population):
    linked, graph, bare, bare_graph = real_population
    spec = RegionSpec(k=35, bounds=[Bound("population", upper=640_000)])
    reasons = precheck(linked, spec, graph)
    assert reasons[0].startswith(
        "Amsterdam (GM0363) has population 931,298 > upper bound 640,000")
    assert reasons[1].startswith("Rotterdam (GM0599) has population 670,610")
    assert len(reasons) == 2
    bounds = [Bound("population", 300_000, 1_000_000)]
    assert precheck(linked, RegionSpec(k=20, bounds=bounds), graph) == []
    assert precheck(linked, RegionSpec(k=15, bounds=bounds), graph) == [
        "k=15 cannot work: k=15 regions with upper bound 1,000,000 on population hold at most "
        "15,000,000, but the total is 17,942,942; k in 18..59 would work"]
    islands_reasons = precheck(bare, RegionSpec(bounds=[Bound("population", lower=100_000)]),
                               bare_graph)
    named = " ".join(islands_reasons)
    for island in ("Texel (GM0448)", "Ameland (GM0060)", "Schiermonnikoog (GM0088)",
                   "Terschelling (GM0093), Vlieland (GM0096)"):
        assert island in named
    assert "Sluis" not in named  # Zeeuws-Vlaanderen holds more than 100,000 people
    assert precheck(linked, RegionSpec(bounds=[Bound("population", lower=100_000)]), graph) == []
