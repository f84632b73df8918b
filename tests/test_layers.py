"""Collaboration layers: polygons, tables, partitions; shares and membership."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from conftest import grid_units
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box

from rato_opt.exceptions import ColumnError, CRSError, LayerError, UnitCodeError
from rato_opt.landscape.coverage import (
    Landscape,
    coverage_table,
    layer_summary,
    multiplicity,
    white_spots,
)
from rato_opt.landscape.layers import Layer


@pytest.fixture
def row():
    """Three unit squares in a row, A B C, 1 km each::

    +---+---+---+
    | A | B | C |
    +---+---+---+
    """
    frame = gpd.GeoDataFrame(
        {"code": list("ABC"), "population": [10, 20, 30]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 0, 3000, 1000)],
        crs="EPSG:28992",
    )
    from rato_opt.landscape.units import validate_units

    return validate_units(frame, code="code")


def test_area_shares_of_overlapping_polygons(row):
    polys = gpd.GeoDataFrame(
        {"id": ["p", "q"], "naam": ["P", "Q"]},
        geometry=[box(0, 0, 1250, 1000), box(750, 0, 3000, 1000)],
        crs="EPSG:28992",
    )
    layer = Layer.from_polygons("sop", polys, row, id_column="id", name_column="naam")
    shares = layer.shares.set_index(["unit", "collaboration"])["area_share"]
    assert shares[("A", "p")] == pytest.approx(1.0)
    assert shares[("A", "q")] == pytest.approx(0.25)
    assert shares[("B", "p")] == pytest.approx(0.25)
    assert shares[("B", "q")] == pytest.approx(1.0)
    assert shares[("C", "q")] == pytest.approx(1.0)
    assert layer.count().to_dict() == {"A": 1, "B": 1, "C": 1}
    assert layer.with_min_share(0.2).count().to_dict() == {"A": 2, "B": 2, "C": 1}
    assert layer.collaborations.loc["q", "name"] == "Q"


def test_weight_shares_from_points(row):
    polys = gpd.GeoDataFrame(
        {"id": ["p"]}, geometry=[box(0, 0, 1500, 1000)], crs="EPSG:28992"
    )
    # two schools in B: one inside p (100 pupils), one outside (300 pupils)
    points = gpd.GeoDataFrame(
        {"pupils": [100, 300, 50]},
        geometry=gpd.points_from_xy([1200, 1800, 500], [500, 500, 500]),
        crs="EPSG:28992",
    )
    layer = Layer.from_polygons(
        "sop", polys, row, id_column="id", weight_points=points, weight_column="pupils",
        share_by="weight",
    )
    s = layer.shares.set_index(["unit", "collaboration"])
    assert s.loc[("B", "p"), "area_share"] == pytest.approx(0.5)
    assert s.loc[("B", "p"), "weight_share"] == pytest.approx(0.25)
    assert s.loc[("A", "p"), "weight_share"] == pytest.approx(1.0)
    # by weight, B (25%) is not a member; by area (50%) it is
    assert layer.count().to_dict() == {"A": 1, "B": 0, "C": 0}
    assert layer.with_min_share(0.5, "area").count().to_dict() == {"A": 1, "B": 1, "C": 0}


def test_crs_mismatch_is_an_error(row):
    polys = gpd.GeoDataFrame({"id": ["p"]}, geometry=[box(4, 52, 5, 53)], crs="EPSG:4326")
    with pytest.raises(CRSError, match="EPSG:4326.*EPSG:28992"):
        Layer.from_polygons("sop", polys, row, id_column="id")
    with pytest.raises(CRSError, match="no CRS"):
        Layer.from_polygons(
            "sop", gpd.GeoDataFrame({"id": ["p"]}, geometry=[box(0, 0, 1, 1)]), row, id_column="id"
        )


def test_polygons_covering_nothing(row):
    polys = gpd.GeoDataFrame(
        {"id": ["far"]}, geometry=[box(90_000, 0, 91_000, 1000)], crs="EPSG:28992"
    )
    with pytest.raises(LayerError, match="no polygon overlaps any unit"):
        Layer.from_polygons("sop", polys, row, id_column="id")


def test_missing_id_column(row):
    polys = gpd.GeoDataFrame({"id": ["p"]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:28992")
    with pytest.raises(ColumnError, match="'code'"):
        Layer.from_polygons("sop", polys, row, id_column="code")


def test_table_with_unknown_codes_named(row):
    t = pd.DataFrame({"unit": ["A", "X", "Y"], "collaboration": ["c", "c", "d"]})
    with pytest.raises(UnitCodeError, match="2 unknown unit code.*X, Y"):
        Layer.from_table("rap_po", t, row)


def test_table_layer_covering_no_unit(row):
    t = pd.DataFrame({"unit": ["A"], "collaboration": ["c"], "share": [0.1]})
    with pytest.raises(LayerError, match="covers no unit"):
        Layer.from_table("rap_po", t, row, share_column="share")


def test_partition_layer_and_members(row):
    layer = Layer.from_partition("amr", pd.Series({"A": "1", "B": "1", "C": "2"}),
                                 names={"1": "Noord", "2": "Zuid"})
    assert layer.members() == {"1": ["A", "B"], "2": ["C"]}
    assert layer.collaborations["name"].to_dict() == {"1": "Noord", "2": "Zuid"}


def test_landscape_analysis(row):
    rap = Layer.from_table(
        "rap_po", pd.DataFrame({"unit": ["A", "B"], "collaboration": ["r1", "r1"]}), row
    )
    sop = Layer.from_table(
        "sop",
        pd.DataFrame({"unit": ["A", "A", "A", "B"], "collaboration": ["s1", "s2", "s3", "s2"]}),
        row,
    )
    land = Landscape(row, [rap, sop])
    mult = multiplicity(land)
    assert mult.loc["A"].to_dict() == {"rap_po": 1, "sop": 3, "any": 2, "total": 4}
    assert mult.loc["C"].to_dict() == {"rap_po": 0, "sop": 0, "any": 0, "total": 0}
    summary = layer_summary(land)
    assert summary.loc["sop", "units_3plus"] == 1
    assert summary.loc["sop", "units_1"] == 1
    assert summary.loc["sop", "units_0"] == 1
    assert summary.loc["rap_po", "covered_share"] == pytest.approx(2 / 3)
    assert summary.loc["rap_po", "population_covered_share"] == pytest.approx(30 / 60)
    spots = white_spots(land)
    assert list(spots.index) == ["C"]
    assert spots.loc["C", "share_population"] == pytest.approx(0.5)
    required = white_spots(land, how="all")
    assert list(required.index) == ["C"]
    assert white_spots(land, how="each").loc["B"].to_dict() == {"rap_po": False, "sop": False}
    table = coverage_table(land)
    assert table.loc["A", "sop"] == "s1;s2;s3"
    assert bool(table.loc["C", "white_spot"])


def test_landscape_rejects_layer_with_foreign_units(row):
    other = grid_units(1, 2)
    layer = Layer.from_partition("amr", pd.Series({"r0c0": "x", "r0c1": "x"}))
    with pytest.raises(UnitCodeError, match="not in the units"):
        Landscape(other.iloc[:1], [layer])


@settings(max_examples=30, deadline=None)
@given(
    memberships=st.lists(
        st.tuples(st.integers(0, 8), st.integers(0, 4), st.floats(0.01, 1.0)), min_size=1,
        max_size=30,
    ),
    threshold=st.floats(0.01, 1.0),
)
def test_coverage_invariants(memberships, threshold):
    units = grid_units(3, 3, weights={"population": list(range(1, 10))})
    codes = list(units.index)
    t = pd.DataFrame(
        {
            "unit": [codes[u] for u, _, _ in memberships],
            "collaboration": [f"c{c}" for _, c, _ in memberships],
            "share": [s for _, _, s in memberships],
        }
    )
    try:
        layer = Layer.from_table("sop", t, units, share_column="share", min_share=threshold)
    except LayerError:
        assert (t.groupby(["unit", "collaboration"])["share"].max() < threshold - 1e-12).all()
        return
    land = Landscape(units, [layer])
    shares = layer.share()
    assert ((shares >= 0) & (shares <= 1)).all()
    table = coverage_table(land)
    assert table.index.is_unique and set(table.index) == set(codes)
    summary = layer_summary(land).loc["sop"]
    assert summary[["units_0", "units_1", "units_2", "units_3plus"]].sum() == len(codes)
    assert summary["units_covered"] + summary["white_spots"] == len(codes)
    assert len(white_spots(land)) == summary["white_spots"]
    assert multiplicity(land)["sop"].sum() == len(layer.membership())


def test_analysis_never_renames_the_units_index(row):
    """Regression: reindexing shares the Index object, so naming it in place renamed the units."""
    layer = Layer.from_partition("amr", pd.Series({"A": "1", "B": "1", "C": "2"}))
    land = Landscape(row, [layer])
    layer.count(land.codes)
    coverage_table(land)
    multiplicity(land)
    assert land.units.index.name == "code"
    assert layer.incidence(land.codes).index.name == "code"
