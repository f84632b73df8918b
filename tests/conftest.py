"""Shared fixtures.

``real_data`` gives the real-data directory (``RATO_OPT_DATA`` or ``../shared/data/nl``).
When it is missing, tests that need it are skipped locally, but CI sets
``RATO_OPT_REQUIRE_DATA=1`` and a missing directory is then a failure.
"""

from __future__ import annotations

import os

import geopandas as gpd
import pytest
from shapely import box

from rato_opt.data import data_dir
from rato_opt.exceptions import DataNotFoundError
from rato_opt.units import validate_units


@pytest.fixture(scope="session")
def real_data():
    try:
        return data_dir()
    except DataNotFoundError as err:
        if os.environ.get("RATO_OPT_REQUIRE_DATA") == "1":
            pytest.fail(f"real data are required in CI: {err}")
        pytest.skip(str(err))


def grid_units(rows: int, cols: int, *, weights: dict | None = None) -> gpd.GeoDataFrame:
    """A rows × cols grid of unit squares, codes ``r{row}c{col}``, row 0 at the top.

    ::

        r0c0 r0c1 r0c2
        r1c0 r1c1 r1c2
    """
    codes, geoms = [], []
    for r in range(rows):
        for c in range(cols):
            codes.append(f"r{r}c{c}")
            geoms.append(box(c * 1000, (rows - 1 - r) * 1000, (c + 1) * 1000, (rows - r) * 1000))
    frame = gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs="EPSG:28992")
    for key, values in (weights or {}).items():
        frame[key] = values
    return validate_units(frame, code="code")


@pytest.fixture
def grid3x3():
    """3×3 grid, population 1..9 row by row."""
    return grid_units(3, 3, weights={"population": list(range(1, 10))})
