"""Plans: canonical ids, region table, independent verification and scoring."""

from __future__ import annotations

import functools
import json
import math

import geopandas as gpd
import matplotlib
import networkx as nx
import pandas as pd
import pytest
from conftest import GRID6_PLAN, grid6, grid6_graph, grid_units, membership_table
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box

from rato_opt import Landscape, Layer
from rato_opt.assess.metrics import objective_terms
from rato_opt.assess.plan import Plan, score_plan
from rato_opt.assess.regions import canonical_regions, region_table
from rato_opt.assess.verify import Verification, island_regions, verify_plan
from rato_opt.exceptions import ModelError, UnitCodeError
from rato_opt.landscape.graph import graph_from_landscape
from rato_opt.landscape.units import validate_units
from rato_opt.spec import Bound, Locks, Objective, RegionSpec

matplotlib.use("Agg")


# --------------------------------------------------------------------------- 2 × 3 grid
#   grid6() (tests/conftest.py):
#       r0c0(1) r0c1(2) | r0c2(3)          A A | B
#       r1c0(4) r1c1(5) | r1c2(6)          A A | B
#   sop: x = {r0c0, r0c1, r1c0}, y = {r1c1, r0c2, r1c2}, z = {r0c1, r0c2}
#   alliance: a1 = every unit but r1c2, a2 = {r1c2};  amr: P = top row, Q = bottom row
PLAN = GRID6_PLAN


#   3 × 3 grid, population 1..9 row by row
#       r0c0 r0c1 r0c2
#       r1c0 r1c1 r1c2
#       r2c0 r2c1 r2c2
@functools.lru_cache(maxsize=1)
def grid9() -> tuple[Landscape, nx.Graph]:
    units = grid_units(3, 3, weights={"population": list(range(1, 10))})
    codes = list(units.index)
    ally = Layer.from_table("alliance", membership_table(
        [(c, "west") for c in codes if c[-1] in "01"] + [(c, "east") for c in codes if c[-1] == "2"]
        + [("r1c1", "east")]
    ), units)
    land = Landscape(units, [ally])
    return land, graph_from_landscape(land)


CODES9 = [f"r{r}c{c}" for r in range(3) for c in range(3)]
#   columns plan:  L L R      (L = columns 0-1, R = column 2)
COLUMNS = {c: ("L" if c[-1] in "01" else "R") for c in CODES9}


# --------------------------------------------------------------------------- canonical
def test_canonical_regions_orders_by_smallest_code():
    s = canonical_regions({"b": "z", "a": "y", "c": "z", "d": "x"})
    assert s.to_dict() == {"a": "R01", "b": "R02", "c": "R02", "d": "R03"}
    assert s.name == "region" and list(s.index) == sorted(s.index)


def test_canonical_regions_three_digits_and_duplicates():
    s = canonical_regions({f"u{i:03d}": i for i in range(120)})
    assert s.iloc[0] == "R001" and s.iloc[-1] == "R120"
    with pytest.raises(UnitCodeError, match="more than once"):
        canonical_regions(pd.Series(["x", "y"], index=["a", "a"]))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=9, max_size=9), st.permutations(CODES9))
def test_canonical_regions_deterministic_and_idempotent(values, order):
    plan = pd.Series(values, index=CODES9)
    once = canonical_regions(plan)
    assert canonical_regions(once).equals(once)
    shuffled = plan.reindex(order).map(lambda v: f"label{7 - v}")
    assert canonical_regions(shuffled).equals(once)
    assert once.nunique() == len(set(values))


# --------------------------------------------------------------------------- region table
def test_region_table_by_hand():
    """R01 = A (2 × 2 square), R02 = B (1 × 2 strip)."""
    land = grid6()
    table = region_table(land, canonical_regions(PLAN), graph=grid6_graph())
    assert list(table.index) == ["R01", "R02"]
    assert table["name"].tolist() == ["r1c1", "r1c2"]  # largest unit by population
    assert table["units"].tolist() == [4, 2]
    assert table["population"].tolist() == [12, 9]
    assert table["area_km2"].tolist() == pytest.approx([4.0, 2.0])
    assert table["compactness"].tolist() == pytest.approx([math.pi / 4, 2 * math.pi / 9])
    assert table["boundary_km"].tolist() == pytest.approx([8.0, 6.0])
    # default split layers = all three: A touches y, z, a1, P, Q (all split); B the same
    assert table["collaborations_split"].tolist() == [5, 5]
    assert table["neighbours"].tolist() == ["R02", "R01"]
    assert table["reference_region"].isna().all()


def test_region_table_reference_names_and_overlap():
    """Reference amr, weight population: A has P 3, Q 9 -> Q (0.75); B has P 3, Q 6 -> Q
    (2/3). A holds 9 of Q's 15 but not Q's namesake (its largest member r1c2), so neither
    region takes the name 'Zuid': both are named after their largest unit."""
    spec = RegionSpec(objective=Objective(reference="amr", alliance_layer="alliance"))
    table = region_table(grid6(), canonical_regions(PLAN), spec)
    assert table["name"].tolist() == ["r1c1", "r1c2"]
    assert table["reference_region"].tolist() == ["Q", "Q"]
    assert table["reference_overlap"].tolist() == pytest.approx([0.75, 2 / 3])
    # only sop is a split layer now: y and z touch both regions
    assert table["collaborations_split"].tolist() == [2, 2]
    assert table["neighbours"].isna().all()


def test_region_table_without_population_names_by_area():
    units = validate_units(gpd.GeoDataFrame(
        {"code": ["a", "b"], "name": ["Klein", "Groot"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 3000, 1000)], crs="EPSG:28992"),
        code="code")
    table = region_table(Landscape(units, {}), {"a": "R1", "b": "R1"})
    assert table.loc["R1", "name"] == "Groot"


# --------------------------------------------------------------------------- verify
def test_verify_ok_plan():
    land, graph = grid9()
    v = verify_plan(land, COLUMNS, RegionSpec(k=2), graph=graph)
    assert v.ok and v.partition and v.contiguous and v.bounds_ok and v.locks_ok
    assert v.problems == () and bool(v)


def test_verify_disconnected_region_names_parts():
    """X = {r0c0, r0c2} (not adjacent: r0c1 lies between them)::

        X Y X
        Y Y Y
        Y Y Y
    """
    land, graph = grid9()
    plan = dict.fromkeys(CODES9, "Y") | {"r0c0": "X", "r0c2": "X"}
    v = verify_plan(land, plan, graph=graph)
    assert not v.ok and not v.contiguous and v.partition
    assert v.problems == ("region X is not connected: 2 parts: r0c0 | r0c2",)


def test_verify_partition_problems():
    land, graph = grid9()
    plan = pd.Series(COLUMNS)
    plan = pd.concat([plan.drop("r2c2"), pd.Series({"r0c0": "R", "zz9": "L"})])
    v = verify_plan(land, plan, graph=graph)
    assert not v.partition and not v.ok
    text = " ".join(v.problems)
    assert "more than once: r0c0" in text
    assert "unknown unit code(s) in the assignment: zz9" in text
    assert "have no region: r2c2" in text
    empty = verify_plan(land, None, graph=graph)
    assert not empty.ok and "no assignment" in empty.problems[0]


def test_verify_k_and_unit_counts():
    land, graph = grid9()
    v = verify_plan(land, COLUMNS, RegionSpec(k=3, min_units=4, max_units=5), graph=graph)
    assert not v.bounds_ok and v.contiguous and v.partition
    text = "\n".join(v.problems)
    assert "2 regions, the spec asks for k=3" in text
    assert "region R has 3 units < min_units=4: r0c2, r1c2, r2c2" in text
    assert "region L has 6 units > max_units=5" in text
    v = verify_plan(land, COLUMNS, RegionSpec(k_min=3), graph=graph)
    assert "fewer than k_min=3" in v.problems[0]
    v = verify_plan(land, COLUMNS, RegionSpec(k_max=1), graph=graph)
    assert "more than k_max=1" in v.problems[0]


def test_verify_absolute_and_relative_bounds():
    """L = 1+2+4+5+7+8 = 27, R = 3+6+9 = 18; total 45, mean 22.5 for two regions."""
    land, graph = grid9()
    v = verify_plan(land, COLUMNS, RegionSpec(bounds=[Bound("population", 20, 25)]), graph=graph)
    assert not v.bounds_ok
    assert v.problems == (
        "region L (6 units): population 27 > upper bound 25",
        "region R (3 units: r0c2, r1c2, r2c2): population 18 < lower bound 20",
    )
    rel = RegionSpec(bounds=[Bound("population", 0.9, 1.1, relative=True)])
    v = verify_plan(land, COLUMNS, rel, graph=graph)
    assert len(v.problems) == 2
    assert "population 27 > upper bound 24.75 (relative to the mean 22.5" in v.problems[0]
    # exactly on the bound (within 1e-6 relative) passes
    exact = RegionSpec(bounds=[Bound("population", 18, 27)])
    assert verify_plan(land, COLUMNS, exact, graph=graph).ok
    just = RegionSpec(bounds=[Bound("population", upper=27 * (1 - 1e-8))])
    assert verify_plan(land, COLUMNS, just, graph=graph).ok


def test_verify_locks():
    land, graph = grid9()
    locks = Locks(
        together=(("r0c0", "r0c2"),),
        apart=(("r0c0", "r1c1"),),
        own_region=(("r0c2", "r1c2"),),
        fixed={"r0c0": "west", "r2c2": "oost", "r0c1": "oost"},
    )
    v = verify_plan(land, COLUMNS, RegionSpec(locks=locks), graph=graph)
    assert not v.locks_ok and v.bounds_ok and not v.ok
    text = "\n".join(v.problems)
    assert "together group (r0c0, r0c2) is not in one region: r0c0->L, r0c2->R" in text
    assert "r0c0 and r1c1 must lie in different regions but both lie in L" in text
    assert "own_region group (r0c2, r1c2) must form region R alone, but it also holds r2c2" in text
    assert "units fixed to 'oost' lie in several regions: r0c1->L, r2c2->R" in text
    assert "region L holds units fixed to different labels ['oost', 'west']" in text
    ok = Locks(together=(("r0c0", "r2c1"),), apart=(("r0c0", "r0c2"),),
               own_region=(("r0c2", "r1c2", "r2c2"),), fixed={"r0c0": "w", "r2c2": "e"})
    assert verify_plan(land, COLUMNS, RegionSpec(locks=ok), graph=graph).ok


def test_verify_unknown_lock_codes():
    land, graph = grid9()
    v = verify_plan(land, COLUMNS, RegionSpec(locks=Locks(fixed={"GM9999": "a"})), graph=graph)
    assert not v.locks_ok and "unknown unit code(s): GM9999" in v.problems[0]


def test_verify_alliance_hard():
    """west = columns 0-1, east = column 2 plus r1c1. Columns plan fits; moving r0c1 to R
    breaks R."""
    land, graph = grid9()
    spec = RegionSpec(objective=Objective(alliance_hard=True, alliance_layer="alliance"))
    assert verify_plan(land, COLUMNS, spec, graph=graph).ok
    plan = COLUMNS | {"r0c1": "R"}
    v = verify_plan(land, plan, spec, graph=graph)
    assert not v.locks_ok
    assert v.problems == ("alliance_hard: region R lies in no single alliance; its main "
                          "alliance 'east' covers 3 of 4 units; outside it: r0c1",)


# --------------------------------------------------------------------------- islands, links
@functools.lru_cache(maxsize=1)
def islands() -> Landscape:
    """Three mainland units and an island far east::

        a b c            i
    """
    geoms = [box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)] + [box(9000, 0, 10000, 1000)]
    units = validate_units(gpd.GeoDataFrame({"code": list("abci"), "population": [5, 5, 5, 1]},
                                            geometry=geoms, crs="EPSG:28992"), code="code")
    return Landscape(units, {})


def test_links_make_a_region_contiguous():
    land = islands()
    plan = {"a": "R1", "b": "R1", "c": "R2", "i": "R2"}
    assert not verify_plan(land, plan).contiguous
    linked = Landscape(land.units, {}, links=pd.DataFrame({"from_code": ["c"], "to_code": ["i"],
                                                           "kind": ["ferry"]}))
    assert verify_plan(linked, plan).ok


def test_allow_islands_exempts_island_regions_from_lower_limits():
    land = islands()
    graph = graph_from_landscape(land)
    plan = {"a": "R1", "b": "R1", "c": "R1", "i": "R2"}
    spec = RegionSpec(bounds=[Bound("population", lower=4, upper=20)], min_units=2)
    v = verify_plan(land, plan, spec, graph=graph)
    assert not v.bounds_ok and len(v.problems) == 2  # R2 too light and too small
    v = verify_plan(land, plan, spec.replace(allow_islands=True), graph=graph)
    assert v.ok, v.problems
    assert island_regions(pd.Series(plan), graph) == {"R2"}
    heavy = spec.replace(allow_islands=True, bounds=(Bound("population", upper=0.5),))
    assert not verify_plan(land, plan, heavy, graph=graph).bounds_ok  # upper still applies


# --------------------------------------------------------------------------- Plan
def test_plan_from_assignment_and_summary():
    spec = RegionSpec(k=2, objective=Objective(compactness=1, reference="amr", alignment=2))
    plan = Plan.from_assignment(grid6(), PLAN, spec, grid6_graph(), status="optimal",
                                bound=0.5, gap=0.0, seconds=1.5, solver="highs")
    assert plan.n_regions == 2 and plan.status == "optimal"
    assert plan.assignment.to_dict() == {c: ("R01" if r == "A" else "R02") for c, r in PLAN.items()}
    assert list(plan.assignment.index) == list(grid6().codes) and plan.assignment.name == "region"
    assert plan.objective == pytest.approx(sum(plan.terms.values()))
    assert plan.terms["alignment"] == pytest.approx(2 * 2 / 6)
    assert plan.verification.ok
    summary = plan.summary()
    json.dumps(summary)
    assert summary["regions"] == 2 and summary["contiguous"] and summary["covered_share"] == 1.0
    assert summary["terms"]["split"] == pytest.approx(plan.terms["split"])
    assert summary["gap"] == 0.0 and summary["solver"] == "highs"


def test_plan_without_assignment():
    plan = Plan.from_assignment(grid6(), None, RegionSpec(k=2), grid6_graph(), status="infeasible",
                                explanation=["too heavy"], solver="cbc")
    assert plan.n_regions == 0 and len(plan.assignment) == 0
    assert math.isnan(plan.objective) and not plan.verification.ok
    assert plan.regions.empty and "population" in plan.regions.columns
    s = plan.summary()
    json.dumps(s)
    assert s["objective"] is None and s["explanation"] == ["too heavy"] and s["regions"] == 0


def test_plan_rejects_unknown_status():
    with pytest.raises(ModelError, match="status"):
        Plan.from_assignment(grid6(), PLAN, status="great", graph=grid6_graph())


def test_score_plan_partial_map():
    land = grid6()
    partial = {c: r for c, r in PLAN.items() if c != "r1c2"} | {"XX": "A"}
    plan = score_plan(land, partial, graph=grid6_graph())
    assert plan.status == "scored" and not plan.verification.partition
    assert plan.metrics["covered_share"] == pytest.approx(5 / 6)
    assert pd.isna(plan.assignment["r1c2"])
    assert plan.regions["units"].sum() == 5
    assert any("unknown unit code(s) in the assignment: XX" in p for p in plan.verification.problems)


def test_score_plan_keeps_labels_when_asked():
    plan = score_plan(grid6(), PLAN, graph=grid6_graph(), relabel=False)
    assert list(plan.regions.index) == ["A", "B"]
    assert isinstance(plan.verification, Verification) and plan.seconds >= 0


SPEC_ALL = RegionSpec(
    start={c: ("S2" if c == "r1c2" else "S1") for c in PLAN},
    objective=Objective(split=1, compactness=0.7, alignment=0.3, reference="amr", alliance=2,
                        alliance_layer="alliance", stay_close=1.1, split_by="population"),
)
CODES6 = list(PLAN)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=6, max_size=6))
def test_score_plan_invariants(values):
    land, graph = grid6(), grid6_graph()
    plan_in = dict(zip(CODES6, values, strict=True))
    plan = score_plan(land, plan_in, SPEC_ALL, graph=graph)
    assert plan.objective == pytest.approx(sum(plan.terms.values()), abs=1e-12)
    assert plan.terms == objective_terms(land, plan.assignment, SPEC_ALL, graph)
    assert plan.regions["units"].sum() == len(land.codes)
    assert plan.regions["population"].sum() == land.units["population"].sum()
    assert plan.regions["area_km2"].sum() == pytest.approx(6.0)
    assert plan.n_regions == len(set(values)) == len(plan.regions)
    assert plan.verification.partition
    connected = all(
        nx.is_connected(graph.subgraph(g.index)) for _, g in plan.assignment.groupby(plan.assignment)
    )
    assert plan.verification.contiguous == connected


# --------------------------------------------------------------------------- real map
@pytest.fixture(scope="module")
def real_amr(real_data):
    from rato_opt.landscape.units import read_units

    units = read_units(real_data / "cbs_gemeente_2024_gegeneraliseerd.geojson", code="statcode",
                       name="statnaam")
    table = pd.read_csv(real_data / "gemeente_arbeidsmarktregio_2024.csv")
    amr = table.set_index("gemeentecode")["arbeidsmarktregiocode"]
    names = table.drop_duplicates("arbeidsmarktregiocode").set_index(
        "arbeidsmarktregiocode")["arbeidsmarktregio"]
    layer = Layer.from_partition("amr", amr, names=names)
    links = pd.read_csv(real_data / "water_links_2024.csv")
    with_links = Landscape(units, [layer], links=links)
    without = Landscape(units, [layer])
    return with_links, without, amr, names


def test_real_amr_partition_scored(real_amr):
    land, _, amr, names = real_amr
    graph = graph_from_landscape(land)
    spec = RegionSpec(objective=Objective(alignment=1, reference="amr", compactness=1))
    plan = score_plan(land, amr, spec, graph=graph)
    assert plan.n_regions == 35 and plan.status == "scored"
    assert plan.verification.ok and plan.verification.contiguous, plan.verification.problems
    assert plan.terms["alignment"] == 0.0 and plan.metrics["alignment"] == 0.0
    assert plan.regions["reference_overlap"].eq(1.0).all()
    assert sorted(plan.regions["name"]) == sorted(names)
    assert plan.regions["units"].sum() == 342
    assert 0 < plan.terms["compactness"] < 1


def test_real_amr_not_contiguous_without_water_links(real_amr):
    _, without, amr, _ = real_amr
    v = verify_plan(without, amr)
    assert v.partition and not v.contiguous
    bad = sorted(p.split()[1] for p in v.problems)
    assert bad == ["AM02", "AM15", "AM24"]
    am02 = next(p for p in v.problems if "AM02" in p)
    assert "4 parts" in am02 and "Ameland (GM0060)" in am02 and "Schiermonnikoog (GM0088)" in am02
    assert "Terschelling (GM0093), Vlieland (GM0096)" in am02
    am15 = next(p for p in v.problems if "AM15" in p)
    assert am15.endswith("(16 in all) | Texel (GM0448)")
    am24 = next(p for p in v.problems if "AM24" in p)
    assert "Hulst (GM0677), Terneuzen (GM0715), Sluis (GM1714)" in am24
