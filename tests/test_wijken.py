"""The wijk loader on small maps made here: overlap, gap, sliver, island, bowtie, water."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import Polygon, box

from rato_opt.landscape.graph import build_graph, graph_from_landscape
from rato_opt.sources.wijk_geometry import adjacency_table, fit_to_parents, repair_polygons
from rato_opt.sources.wijken import WIJKEN_FILE, check_against_gemeenten, read_cbs_wijken

X0, Y0 = 100_000, 400_000  # somewhere in the Netherlands, RD New


def _shift(geom):
    return shapely.transform(geom, lambda xy: xy + [X0, Y0])


# G1 = [0,2000]x[0,1000] holds A (overlaps B by 50 m) and B (stops 10 m short of G2);
# G2 = [2000,4000]x[0,1000] holds C (with a sliver reaching 1.5 km into G1) and D (a bowtie);
# G3 is an island south of A, linked to G1 by a ferry; G4 lies 300 m north of G1 across
# water, and the "Groot water" wijk W of G1 fills that water.
GEMEENTEN = {
    "GM0001": box(0, 0, 2000, 1000),
    "GM0002": box(2000, 0, 4000, 1000),
    "GM0003": box(0, -3000, 800, -2000),
    "GM0004": box(0, 1300, 2000, 2300),
}
WIJKEN = [
    ("WK000101", "A", "GM0001", 100, 20.0, box(0, 0, 1050, 1000)),
    ("WK000102", "B", "GM0001", 200, 10.0, box(1000, 0, 1990, 1000)),
    ("WK000201", "C", "GM0002", 300, 10.0,
     shapely.union(box(2000, 0, 3000, 1000), box(500, 995, 2000, 1000))),
    ("WK000202", "D", "GM0002", 400, None,
     Polygon([(3000, 0), (4000, 1000), (4000, 0), (3000, 1000)])),
    ("WK000301", "I", "GM0003", 10, 10.0, box(0, -3000, 800, -2000)),
    ("WK000401", "E", "GM0004", 50, 10.0, box(0, 1300, 2000, 2300)),
    ("WK000199", "Groot water", "GM0001", None, None, box(0, 1000, 2000, 1300)),
    ("WK099899", "Buitenland", "GM0998", None, None, box(5000, 5000, 5100, 5100)),
]


@pytest.fixture
def small_data(tmp_path, monkeypatch):
    monkeypatch.setenv("RATO_OPT_CACHE", str(tmp_path / "cache"))
    gpd.GeoDataFrame(
        {"statcode": list(GEMEENTEN), "statnaam": ["Een", "Twee", "Eiland", "Vier"]},
        geometry=[_shift(g) for g in GEMEENTEN.values()], crs="EPSG:28992",
    ).to_file(tmp_path / "cbs_gemeente_2024_gegeneraliseerd.geojson")
    rows = pd.DataFrame(WIJKEN, columns=["wijkcode", "wijknaam", "gemeentecode", "aantal_inwoners",
                                         "0_15", "geometry"])
    rows["gemeentenaam"] = rows["gemeentecode"]
    gdf = gpd.GeoDataFrame(rows.drop(columns="geometry"),
                           geometry=[_shift(g) for g in rows["geometry"]], crs="EPSG:28992")
    gdf.to_file(tmp_path / WIJKEN_FILE)
    (tmp_path / "water_links_2024.csv").write_text(
        "from_code,to_code,kind,name\nGM0003,GM0001,ferry,Eiland - Een\n")
    return tmp_path


def _pairs(adjacency):
    return sorted(map(tuple, adjacency[["from_code", "to_code"]].to_numpy()))


def test_small_map_adjacency(small_data):
    wijken = read_cbs_wijken(small_data)
    units = wijken.units
    assert list(units.index) == ["WK000101", "WK000102", "WK000201", "WK000202", "WK000301",
                                 "WK000401"]
    # overlap A/B resolved, gap B/C filled, sliver of C into G1 clipped (no A-C), bowtie
    # repaired, water wijk dropped (no G1-G4 pair), island reached by its link
    assert _pairs(wijken.adjacency) == [("WK000101", "WK000102"), ("WK000102", "WK000201"),
                                        ("WK000201", "WK000202")]
    assert wijken.adjacency["length"].between(990, 1010).all()
    assert wijken.links[["from_code", "to_code"]].values.tolist() == [["WK000301", "WK000101"]]
    assert {d[0] for d in wijken.report.dropped} == {"WK000199", "WK099899"}
    assert [r[0] for r in wijken.report.repaired] == ["WK000202"]
    assert wijken.report.check.ok and wijken.report.check.disconnected == ()
    # the fitted wijken tile their gemeenten
    for gm, poly in GEMEENTEN.items():
        area = units.loc[units["gemeente"] == gm].geometry.area.sum()
        assert area == pytest.approx(poly.area, rel=1e-6)
    assert units.loc["WK000202", "children_0_15_est"] == pytest.approx(40.0)  # G2 share 10 %
    assert units["population"].dtype == np.int64 and units["population"].sum() == 1060
    assert units.loc["WK000101", "gemeente_name"] == "Een"


def test_small_map_landscape_graph(small_data):
    land = read_cbs_wijken(small_data).landscape()
    assert "CBS/Kadaster 2024 (CC-BY 4.0)" in land.credit
    graph = graph_from_landscape(land)
    assert sorted(map(sorted, graph.edges())) == [
        ["WK000101", "WK000102"], ["WK000101", "WK000301"], ["WK000102", "WK000201"],
        ["WK000201", "WK000202"]]
    assert graph.degree("WK000401") == 0  # G4 lies across water, with no link


def test_keeping_water_would_join_across_water(small_data):
    wijken = read_cbs_wijken(small_data)
    gm = gpd.read_file(small_data / "cbs_gemeente_2024_gegeneraliseerd.geojson")
    graph = build_graph(gm.set_index("statcode").rename(columns={"statnaam": "name"}))
    bad = pd.DataFrame({"from_code": ["WK000101"], "to_code": ["WK000401"]})
    check = check_against_gemeenten(wijken.units, pd.concat([wijken.adjacency, bad]), None, graph)
    assert check.extra == ("Een (GM0001) – Vier (GM0004)",)
    assert check.missing == ()


def test_cache_hit_and_rebuild(small_data):
    first = read_cbs_wijken(small_data)
    assert not first.report.from_cache
    second = read_cbs_wijken(small_data)
    assert second.report.from_cache
    assert _pairs(second.adjacency) == _pairs(first.adjacency)
    files = list((small_data / "cache" / "wijken").glob("*.pkl"))
    assert len(files) == 1
    files[0].write_bytes(b"not a pickle")
    third = read_cbs_wijken(small_data)
    assert not third.report.from_cache and _pairs(third.adjacency) == _pairs(first.adjacency)
    other = read_cbs_wijken(small_data, tolerance=0.5)  # another key
    assert not other.report.from_cache
    assert len(list((small_data / "cache" / "wijken").glob("*.pkl"))) == 2
    assert not read_cbs_wijken(small_data, cache=False).report.from_cache


def test_cache_stale_input_rebuilt(small_data):
    read_cbs_wijken(small_data)
    (small_data / "water_links_2024.csv").write_text("from_code,to_code,kind,name\n")
    again = read_cbs_wijken(small_data)
    assert not again.report.from_cache and len(again.links) == 0


def test_fit_overlap_gap_sliver():
    units = np.array([box(0, 0, 1.2, 1), box(1, 0, 1.9, 1), box(1.9, 0.9, 9, 1)])
    fitted, report = fit_to_parents(units, np.array(["P", "P", "Q"]),
                                    pd.Series({"P": box(0, 0, 2, 1), "Q": box(2, 0, 3, 1)}))
    assert shapely.coverage_is_valid(fitted)
    assert sum(g.area for g in fitted[:2]) == pytest.approx(2.0)
    # the sliver reaching into P is clipped off; Q's only unit fills Q
    assert fitted[2].area == pytest.approx(1.0) and fitted[2].within(box(2, 0, 3, 1))
    assert report.gap_pieces >= 1 and report.overlap_km2 > 0 and report.outside_km2 > 0


def test_bowtie_repaired_and_water_unit_isolated():
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    geoms, repaired = repair_polygons(np.array([bowtie, box(2, 0, 3, 2)]), np.array(["a", "b"]))
    assert repaired[0][0] == "a" and "Self-intersection" in repaired[0][1]
    assert shapely.is_valid(geoms).all()
    table = adjacency_table(np.array(["a", "b", "w"]),
                            np.append(geoms, box(10, 0, 11, 1)), 0.01)
    assert _pairs(table) == [("a", "b")]


def test_check_needs_gemeente_column():
    import networkx as nx

    from rato_opt.exceptions import ColumnError

    with pytest.raises(ColumnError, match="gemeente"):
        check_against_gemeenten(pd.DataFrame(index=["a"]), pd.DataFrame(
            {"from_code": [], "to_code": []}), None, nx.Graph())
