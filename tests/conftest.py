"""Shared fixtures.

``real_data`` gives the real-data directory (``RATO_OPT_DATA`` or ``../shared/data/nl``).
When it is missing, tests that need it are skipped locally, but CI sets
``RATO_OPT_REQUIRE_DATA=1`` and a missing directory is then a failure.
"""

from __future__ import annotations

import functools
import os

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from shapely import box

from rato_opt import Landscape, Layer
from rato_opt.exceptions import DataNotFoundError
from rato_opt.landscape.graph import graph_from_landscape
from rato_opt.landscape.units import validate_units
from rato_opt.sources.data import data_dir


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


def membership_table(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """(unit, collaboration) pairs as a membership table for ``Layer.from_table``."""
    return pd.DataFrame(pairs, columns=["unit", "collaboration"])


# 2 × 3 grid, population 1..6 row by row, shared by the metrics and plan tests;
# GRID6_PLAN: A = columns 0-1, B = column 2
#
#     r0c0(1) r0c1(2) | r0c2(3)          A A | B
#     r1c0(4) r1c1(5) | r1c2(6)          A A | B
#
# sop (overlapping):  x = {r0c0, r0c1, r1c0}
#                     y = {r1c1, r0c2, r1c2}
#                     z = {r0c1, r0c2}
# alliance:           a1 = {r0c0, r0c1, r1c0, r1c1, r0c2},  a2 = {r1c2}
# amr (reference):    P = top row ('Noord'), Q = bottom row ('Zuid')
GRID6_PLAN = {"r0c0": "A", "r0c1": "A", "r1c0": "A", "r1c1": "A", "r0c2": "B", "r1c2": "B"}


@functools.lru_cache(maxsize=1)
def grid6() -> Landscape:
    """The 2 × 3 grid landscape drawn above (cached; do not modify it)."""
    units = grid_units(2, 3, weights={"population": [1, 2, 3, 4, 5, 6]})
    sop = Layer.from_table("sop", membership_table([
        ("r0c0", "x"), ("r0c1", "x"), ("r1c0", "x"),
        ("r1c1", "y"), ("r0c2", "y"), ("r1c2", "y"),
        ("r0c1", "z"), ("r0c2", "z"),
    ]), units)
    alliance = Layer.from_table("alliance", membership_table(
        [(c, "a1") for c in ("r0c0", "r0c1", "r1c0", "r1c1", "r0c2")] + [("r1c2", "a2")]
    ), units)
    amr = Layer.from_partition(
        "amr", {c: ("P" if c.startswith("r0") else "Q") for c in GRID6_PLAN},
        names={"P": "Noord", "Q": "Zuid"},
    )
    return Landscape(units, [sop, alliance, amr])


@functools.lru_cache(maxsize=1)
def grid6_graph() -> nx.Graph:
    """Unit graph of :func:`grid6` (cached)."""
    return graph_from_landscape(grid6())
