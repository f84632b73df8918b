"""Region names: planner's name, reference name only when earned, largest gemeente, no "X (2)"."""

from __future__ import annotations

import functools

import geopandas as gpd
import pandas as pd
import pytest
from conftest import GRID6_PLAN, grid6, grid_units
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box

from rato_opt import Landscape, Layer
from rato_opt.assess.naming import gemeente_parts, namesake_gemeente, region_names
from rato_opt.assess.regions import region_table
from rato_opt.assess.split import membership
from rato_opt.exceptions import ColumnError, InputError, LayerError
from rato_opt.landscape.units import validate_units
from rato_opt.sources.synthetic import make_country
from rato_opt.spec import Objective, RegionSpec


@functools.lru_cache(maxsize=1)
def country() -> Landscape:
    return make_country(n_units=60, seed=1)


def amr_plan(land: Landscape) -> pd.Series:
    return membership(land.layers["amr"]).set_index("unit")["collaboration"]


def holder(land: Landscape, plan: pd.Series, weight: str | None = None) -> dict[str, str]:
    """Gemeente name -> the region holding it."""
    parts = gemeente_parts(land, plan, weight=weight)
    return dict(zip(parts.loc[parts["held"], "name"], parts.loc[parts["held"], "region"],
                    strict=True))


# --------------------------------------------------------------------------- 1 × 4 strip
#   A(Aa, 5) B(Bee, 1) | C(Cee, 2) D(Dee, 4)     amr: x = {A, B} 'Groot Aa', y = {C, D} 'Cee'
def strip() -> Landscape:
    units = validate_units(gpd.GeoDataFrame(
        {"code": list("ABCD"), "name": ["Aa", "Bee", "Cee", "Dee"], "population": [5, 1, 2, 4]},
        geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(4)], crs="EPSG:28992"),
        code="code")
    amr = Layer.from_partition("amr", dict(zip("ABCD", "xxyy", strict=True)),
                               names={"x": "Groot Aa", "y": "Cee"})
    return Landscape(units, [amr])


def test_reference_names_when_region_holds_most_and_namesake():
    land = strip()
    names = region_names(land, {"A": "R1", "B": "R1", "C": "R2", "D": "R2"}, reference="amr")
    assert names.to_dict() == {"R1": "Groot Aa", "R2": "Cee"}
    assert names.name == "name" and names.index.name == "region"


def test_reference_name_refused_without_its_namesake():
    """x = {A, B} 'Groot Aa' (namesake Aa = A), y = {C, D} 'Cee' (namesake Cee = C)."""
    land = strip()
    # R2 = {B, C, D} holds all of y and Cee; R1 = {A} holds 5 of x's 6 and Aa
    assert region_names(land, {"A": "R1", "B": "R2", "C": "R2", "D": "R2"},
                        reference="amr").to_dict() == {"R1": "Groot Aa", "R2": "Cee"}
    # R1 = {B, C} holds Cee but only 2 of y's 6: named after its largest gemeente, Cee
    got = region_names(land, {"A": "R2", "B": "R1", "C": "R1", "D": "R2"}, reference="amr")
    assert got.to_dict() == {"R1": "Cee", "R2": "Groot Aa"}
    # R3 = {C, D} holds y and Cee; R1 = {B} holds 1/6 of x, without Aa: its own name
    got = region_names(land, {"A": "R2", "B": "R1", "C": "R3", "D": "R3"}, reference="amr")
    assert got.to_dict() == {"R1": "Bee", "R2": "Groot Aa", "R3": "Cee"}


def test_reference_name_needs_more_than_half():
    land = strip()
    # y = C (2) + D (4): a region with only D holds 4/6 but not the namesake Cee
    got = region_names(land, {"A": "R1", "B": "R1", "C": "R1", "D": "R2"}, reference="amr")
    assert got.to_dict() == {"R1": "Groot Aa", "R2": "Dee"}
    # exactly half is not most
    half = Landscape(strip().units.assign(population=[5, 5, 2, 4]), [strip().layers["amr"]])
    got = region_names(half, {"A": "R1", "B": "R2", "C": "R2", "D": "R2"}, reference="amr")
    assert got["R1"] == "Aa"


def test_without_reference_largest_gemeente_and_by_area():
    land = strip()
    assert region_names(land, {"A": "R1", "B": "R1", "C": "R2", "D": "R2"}).to_dict() == {
        "R1": "Aa", "R2": "Dee"}
    units = validate_units(gpd.GeoDataFrame(
        {"code": ["a", "b"], "name": ["Klein", "Groot"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 3000, 1000)], crs="EPSG:28992"),
        code="code")
    assert region_names(Landscape(units, {}), {"a": "R1", "b": "R1"})["R1"] == "Groot"
    # an explicit weight column
    assert region_names(land, {c: "R" for c in "ABCD"}, weight="population")["R"] == "Aa"
    with pytest.raises(ColumnError, match="pupils"):
        region_names(land, {c: "R" for c in "ABCD"}, weight="pupils")


def test_planner_names_override_and_are_checked():
    land = strip()
    plan = {"A": "R1", "B": "R1", "C": "R2", "D": "R2"}
    got = region_names(land, plan, reference="amr", names={"R2": "Oost"})
    assert got.to_dict() == {"R1": "Groot Aa", "R2": "Oost"}
    # a planner's name is kept; an automatic name that clashes with it gets a second name
    got = region_names(land, plan, names={"R2": "Aa"})
    assert got.to_dict() == {"R1": "Aa / Bee", "R2": "Aa"}
    with pytest.raises(InputError, match="R9"):
        region_names(land, plan, names={"R9": "X"})
    with pytest.raises(InputError, match="same name.*R1, R2"):
        region_names(land, plan, names={"R1": "X", "R2": "X"})
    with pytest.raises(InputError, match="non-empty"):
        region_names(land, plan, names={"R1": " "})
    with pytest.raises(LayerError, match="amr"):
        region_names(land, plan, reference="nope")


# --------------------------------------------------------------------------- wijken
#   w1 w2 | w3 w4 w5      gemeente G1 'Groot' = w1..w4 (pop 5, 4, 3, 3), G2 'Klein' = w5 (1)
def wijken() -> Landscape:
    units = grid_units(1, 5, weights={"population": [5, 4, 3, 3, 1]})
    units = units.assign(gemeente=["G1", "G1", "G1", "G1", "G2"],
                         gemeente_name=["Groot", "Groot", "Groot", "Groot", "Klein"],
                         name=[f"Wijk {i}" for i in range(1, 6)])
    return Landscape(units, {})


def test_wijken_are_named_by_gemeente_and_never_twice():
    land = wijken()
    codes = list(land.codes)
    # R1 holds G1 (9 of 15); R2 holds Klein
    got = region_names(land, dict(zip(codes, ["R1", "R1", "R2", "R2", "R2"], strict=True)))
    assert got.to_dict() == {"R1": "Groot", "R2": "Klein"}
    # R2 holds nothing: part of Groot -> 'Groot / Wijk 3' (no second gemeente: its largest wijk)
    got = region_names(land, dict(zip(codes, ["R1", "R1", "R2", "R3", "R3"], strict=True)))
    assert got.to_dict() == {"R1": "Groot", "R2": "Groot / Wijk 3", "R3": "Klein"}
    # R2 has two gemeenten but holds none -> its second gemeente: 'Groot / Klein'
    plan = dict(zip(codes, ["R1", "R1", "R2", "R3", "R2"], strict=True))
    got = region_names(land, plan)
    assert got.to_dict() == {"R1": "Groot", "R2": "Klein", "R3": "Groot / Wijk 4"}


def test_gemeente_without_name_falls_back_to_the_unit_of_that_code():
    units = grid_units(1, 3, weights={"population": [1, 5, 1]})
    units = units.assign(gemeente=["r0c1", "r0c1", None], name=["a", "Stad", "c"])
    got = region_names(Landscape(units, {}), {"r0c0": "R1", "r0c1": "R1", "r0c2": "R2"})
    assert got.to_dict() == {"R1": "Stad", "R2": "c"}


def test_namesake_gemeente_rules():
    names = pd.Series({"G1": "Amsterdam", "G2": "Amstelveen", "G3": "Zaanstad", "G4": "Ede",
                       "G5": "Waterland", "G6": "Midden-Groningen", "G7": "Groningen"})
    assert namesake_gemeente("Groot Amsterdam", pd.Series({"G1": 9.0, "G2": 1.0}), names) == "G1"
    # whole words only: 'Ede' is not in 'Nederland'
    assert namesake_gemeente("Nederland", pd.Series({"G4": 1.0, "G3": 2.0}), names) == "G3"
    assert namesake_gemeente("Zaanstreek/Waterland", pd.Series({"G3": 9.0, "G5": 1.0}),
                             names) == "G5"
    # the longest name that occurs wins; members before non-members
    assert namesake_gemeente("Midden-Groningen", pd.Series({"G6": 1.0, "G7": 9.0}),
                             names) == "G6"
    assert namesake_gemeente("Regio Groningen", pd.Series({"G6": 1.0, "G7": 9.0}), names) == "G7"
    assert namesake_gemeente("Leeg", pd.Series(dtype=float), names) is None


def test_region_table_uses_region_names():
    spec = RegionSpec(objective=Objective(reference="amr", alliance_layer="alliance"))
    table = region_table(grid6(), GRID6_PLAN, spec)
    assert table["name"].tolist() == region_names(grid6(), GRID6_PLAN,
                                                  reference="amr").tolist()


# --------------------------------------------------------------------------- synthetic country
def test_synthetic_amr_plan_is_named_by_its_amr():
    land = country()
    plan = amr_plan(land)
    got = region_names(land, plan, reference="amr")
    expected = land.layers["amr"].collaborations["name"].reindex(got.index)
    assert got.tolist() == expected.tolist()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 11), min_size=60, max_size=60), st.booleans())
def test_names_unique_and_gemeente_names_held(labels, with_reference):
    land = country()
    plan = pd.Series([f"R{v:02d}" for v in labels], index=land.codes)
    got = region_names(land, plan, reference="amr" if with_reference else None)
    assert not got.duplicated().any(), got[got.duplicated(keep=False)]
    assert set(got.index) == set(plan)
    held = holder(land, plan)
    for region, name in got.items():
        if name in held:  # a region named like a gemeente contains that gemeente
            assert held[name] == region, (region, name)
        assert "(" not in name


# --------------------------------------------------------------------------- real map
@pytest.fixture(scope="module")
def real_amr(real_data):
    from rato_opt.sources.nl2024 import load_nl_2024

    land = load_nl_2024(real_data, layers=("amr",))
    return land, amr_plan(land)


def test_real_amr_plan_named_by_amr_and_amersfoort_contains_amersfoort(real_amr):
    land, plan = real_amr
    got = region_names(land, plan, reference="amr")
    amr_names = land.layers["amr"].collaborations["name"]
    assert got.to_dict() == amr_names.reindex(got.index).to_dict()
    amersfoort = got[got == "Amersfoort"].index
    assert len(amersfoort) == 1 and plan["GM0307"] == amersfoort[0]


def test_real_moved_plan_names_contain_their_gemeente(real_amr):
    land, plan = real_amr
    moved = plan.copy()
    moved["GM0307"] = plan["GM0344"]  # Amersfoort into Midden-Utrecht
    moved["GM0512"] = plan["GM0505"]  # Gorinchem into Drechtsteden
    moved["GM0852"] = plan["GM0363"]  # Waterland into Groot Amsterdam
    spec = RegionSpec(objective=Objective(reference="amr"))
    table = region_table(land, moved, spec)
    names = table["name"]
    assert not names.duplicated().any()
    gemeente_region = dict(zip(land.units["name"], moved.reindex(land.units.index),
                               strict=True))
    plain = region_names(land, moved)  # without reference: every name is a gemeente's
    for got, least in ((names, 4), (plain, 35)):
        named_like_gemeente = got[got.isin(gemeente_region)]
        assert len(named_like_gemeente) >= least
        for region, name in named_like_gemeente.items():
            assert gemeente_region[name] == region, (region, name)
    # the regions that lost their namesake lose the reference name
    assert names[plan["GM0307"]] != "Amersfoort" and names[plan["GM0344"]] == "Midden-Utrecht"
    assert names[plan["GM0512"]] == "Vijfheerenlanden"  # was 'Gorinchem'
    assert names[plan["GM0479"]] == "Zaanstad"  # was 'Zaanstreek/Waterland'
    assert names[plan["GM0363"]] == "Groot Amsterdam"
