"""Base units: validation, reading, weight joins; every bad input gets a named error."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import Polygon, box

from rato_opt.exceptions import (
    ColumnError,
    CRSError,
    DataNotFoundError,
    GeometryError,
    UnitCodeError,
    WeightError,
)
from rato_opt.landscape.crs import RD_NEW
from rato_opt.landscape.units import join_weights, read_units, validate_units


def _frame(**extra):
    data = {"code": ["A", "B", "C"], "naam": ["Aa", "Bb", "Cc"], "pop": [1, 2, 3]}
    data.update(extra)
    return gpd.GeoDataFrame(
        data, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)], crs=RD_NEW
    )


def test_canonical_form():
    units = validate_units(_frame(), code="code", name="naam")
    assert units.index.name == "code"
    assert list(units.columns) == ["name", "pop", "geometry"]
    assert units.crs == RD_NEW
    assert units.loc["B", "name"] == "Bb"


def test_input_not_changed():
    frame = _frame()
    before = frame.copy()
    validate_units(frame, code="code")
    pd.testing.assert_frame_equal(frame, before)


def test_reprojects_explicitly():
    frame = _frame().set_crs(None, allow_override=True)
    frame = gpd.GeoDataFrame(
        {"code": ["A"]}, geometry=[box(5.0, 52.0, 5.01, 52.01)], crs="EPSG:4326"
    )
    units = validate_units(frame, code="code")
    assert units.crs == RD_NEW
    x, y = units.geometry.iloc[0].centroid.coords[0]
    assert 100_000 < x < 200_000 and 400_000 < y < 500_000


def test_missing_crs():
    frame = gpd.GeoDataFrame({"code": ["A"]}, geometry=[box(0, 0, 1, 1)])
    with pytest.raises(CRSError, match="no CRS"):
        validate_units(frame, code="code")


def test_geographic_target_rejected():
    with pytest.raises(CRSError, match="projected"):
        validate_units(_frame(), code="code", crs="EPSG:4326")


def test_duplicate_codes_named():
    with pytest.raises(UnitCodeError, match="duplicate unit codes: A"):
        validate_units(_frame(code=["A", "A", "C"]), code="code")


def test_missing_codes():
    with pytest.raises(UnitCodeError, match="no code"):
        validate_units(_frame(code=["A", None, "C"]), code="code")


def test_missing_code_column_lists_available():
    with pytest.raises(ColumnError, match="'statcode' not found.*naam"):
        validate_units(_frame(), code="statcode")


def test_empty_geometry():
    frame = _frame()
    frame.loc[1, "geometry"] = Polygon()
    with pytest.raises(GeometryError, match="empty geometry: B"):
        validate_units(frame, code="code")


def test_invalid_geometry_needs_explicit_repair():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    frame = _frame()
    frame.loc[2, "geometry"] = bowtie
    with pytest.raises(GeometryError, match="invalid geometries at C.*repair=True"):
        validate_units(frame, code="code")
    units = validate_units(frame, code="code", repair=True)
    assert units.geometry.is_valid.all()
    assert units.loc["C", "geometry"].area == pytest.approx(0.5)


def test_non_polygon_rejected():
    frame = gpd.GeoDataFrame({"code": ["A"]}, geometry=gpd.points_from_xy([0], [0]), crs=RD_NEW)
    with pytest.raises(GeometryError, match="must be polygons"):
        validate_units(frame, code="code")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["1", "x", "3"], "must be numeric"),
        ([1, -2, 3], "negative values at B"),
        ([1, np.nan, 3], "missing values at B"),
    ],
)
def test_bad_weights(values, message):
    with pytest.raises(WeightError, match=message):
        validate_units(_frame(pop=values), code="code", weights=["pop"])


def test_missing_weight_column():
    with pytest.raises(ColumnError, match="'pupils'"):
        validate_units(_frame(), code="code", weights=["pupils"])


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp", ".parquet"])
def test_read_units_formats(tmp_path, suffix):
    path = tmp_path / f"units{suffix}"
    frame = _frame()
    if suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_file(path)
    units = read_units(path, code="code", name="naam", weights=["pop"])
    assert list(units.index) == ["A", "B", "C"]
    assert units["pop"].tolist() == [1, 2, 3]


def test_read_units_missing_file(tmp_path):
    with pytest.raises(DataNotFoundError, match="not found"):
        read_units(tmp_path / "nope.gpkg", code="code")


def test_join_weights():
    units = validate_units(_frame(), code="code", weights=[])
    table = pd.DataFrame({"gm": ["C", "A", "B"], "pupils": [30, 10, 20]})
    out = join_weights(units, table, on="gm")
    assert out["pupils"].tolist() == [10, 20, 30]
    assert list(out.columns) == ["name", "pupils", "geometry"]


def test_join_weights_missing_units_named():
    units = validate_units(_frame(), code="code", weights=[])
    table = pd.DataFrame({"gm": ["A"], "pupils": [1]})
    with pytest.raises(UnitCodeError, match="no row for 2 unit.*B, C.*fill=0"):
        join_weights(units, table, on="gm")
    assert join_weights(units, table, on="gm", fill=0)["pupils"].tolist() == [1, 0, 0]


def test_join_weights_duplicates_named():
    units = validate_units(_frame(), code="code", weights=[])
    table = pd.DataFrame({"gm": ["A", "A", "B", "C"], "pupils": [1, 2, 3, 4]})
    with pytest.raises(UnitCodeError, match="more than once: A"):
        join_weights(units, table, on="gm")
