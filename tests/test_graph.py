"""Unit graph: contiguity, border lengths, links, components."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from conftest import grid_units
from shapely import box

from rato_opt.exceptions import DisconnectedError, GraphError, UnitCodeError
from rato_opt.landscape.graph import build_graph, check_connected, components
from rato_opt.landscape.units import validate_units


def test_grid_queen_and_rook():
    units = grid_units(3, 3)
    queen = build_graph(units)
    rook = build_graph(units, contiguity="rook")
    assert rook.number_of_edges() == 12
    assert queen.number_of_edges() == 12 + 8  # plus the diagonals
    assert rook.edges["r0c0", "r0c1"]["length"] == pytest.approx(1000, abs=5)
    assert queen.edges["r0c0", "r1c1"]["length"] < 5
    assert set(queen.nodes) == set(units.index)


def test_links_join_islands():
    units = validate_units(
        gpd.GeoDataFrame(
            {"code": ["M1", "M2", "I"], "naam": ["Main1", "Main2", "Eiland"]},
            geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10), box(50, 50, 60, 60)],
            crs="EPSG:28992",
        ),
        code="code",
        name="naam",
    )
    g = build_graph(units)
    with pytest.raises(DisconnectedError, match=r"Eiland \(I\)") as err:
        check_connected(g)
    assert err.value.components == [["I"]]
    with pytest.warns(UserWarning, match="Eiland"):
        assert check_connected(g, allow_islands=True) == [["I"]]
    links = pd.DataFrame({"from_code": ["I"], "to_code": ["M2"], "kind": ["ferry"], "name": ["boot"]})
    linked = build_graph(units, links=links)
    assert check_connected(linked) == []
    assert linked.edges["I", "M2"] == {"kind": "ferry", "length": 0.0, "name": "boot"}


def test_bad_links():
    units = grid_units(1, 2)
    with pytest.raises(UnitCodeError, match="unknown unit codes XX"):
        build_graph(units, links=pd.DataFrame({"from_code": ["XX"], "to_code": ["r0c0"]}))
    with pytest.raises(GraphError, match="contiguity"):
        build_graph(units, contiguity="bishop")


def test_geographic_crs_rejected():
    units = grid_units(1, 2).to_crs("EPSG:4326")
    with pytest.raises(GraphError, match="geographic"):
        build_graph(units)


def test_components_order():
    g = nx.Graph([("b", "c")])
    g.add_node("a")
    assert components(g) == [["b", "c"], ["a"]]


def test_real_map_components(real_data):
    from rato_opt.landscape.units import read_units

    units = read_units(
        real_data / "cbs_gemeente_2024_gegeneraliseerd.geojson", code="statcode", name="statnaam"
    )
    g = build_graph(units)
    comps = components(g)
    assert len(units) == 342
    assert sorted(map(tuple, comps[1:])) == sorted(
        [("GM0060",), ("GM0088",), ("GM0448",), ("GM0093", "GM0096"),
         ("GM0677", "GM0715", "GM1714")]
    )
    links = pd.read_csv(real_data / "water_links_2024.csv")
    assert len(components(build_graph(units, links=links))) == 1


def _three_apart():
    """Three squares far apart: the geometry gives no edge at all."""
    return validate_units(gpd.GeoDataFrame(
        {"code": list("ABC"), "population": [1, 2, 3]},
        geometry=[box(0, 0, 1, 1), box(10, 0, 11, 1), box(20, 0, 21, 1)], crs="EPSG:28992"),
        code="code")


def test_explicit_adjacency_replaces_geometry():
    from rato_opt.landscape import Landscape, graph_from_landscape

    units = _three_apart()
    adj = pd.DataFrame({"from_code": ["B", "B"], "to_code": ["A", "C"], "length": [300.0, 2.0]})
    links = pd.DataFrame({"from_code": ["A"], "to_code": ["C"], "kind": ["ferry"]})
    land = Landscape(units, [], links=links, adjacency=adj)
    # canonical order, one row per pair
    assert land.adjacency[["from_code", "to_code"]].values.tolist() == [["A", "B"], ["B", "C"]]
    graph = graph_from_landscape(land)
    assert sorted(graph.edges()) == [("A", "B"), ("A", "C"), ("B", "C")]
    assert graph.edges["A", "B"]["length"] == 300.0
    assert graph.edges["A", "C"]["kind"] == "ferry"
    rook = graph_from_landscape(land, contiguity="rook")
    assert sorted(rook.edges()) == [("A", "B"), ("A", "C")]
    # without the table the same geometry gives only the ferry
    assert sorted(graph_from_landscape(Landscape(units, [], links=links)).edges()) == [("A", "C")]


def test_graph_is_built_once_and_copied():
    from rato_opt.landscape import Landscape, graph_from_landscape

    land = Landscape(grid_units(2, 2), [])
    first = graph_from_landscape(land)
    first.remove_edge("r0c0", "r0c1")
    again = graph_from_landscape(land)
    assert again.has_edge("r0c0", "r0c1")
    assert again is not first


@pytest.mark.parametrize(
    ("table", "error", "text"),
    [
        (pd.DataFrame({"from_code": ["A"]}), "ColumnError", "to_code"),
        (pd.DataFrame({"from_code": ["A"], "to_code": ["Z"]}), "UnitCodeError", "Z"),
        (pd.DataFrame({"from_code": ["A"], "to_code": ["A"]}), "UnitCodeError", "itself"),
        (pd.DataFrame({"from_code": ["A"], "to_code": ["B"], "length": [-1]}), "ColumnError",
         ">= 0"),
    ],
)
def test_bad_adjacency(table, error, text):
    from rato_opt import exceptions
    from rato_opt.landscape import Landscape

    with pytest.raises(getattr(exceptions, error), match=text):
        Landscape(_three_apart(), [], adjacency=table)
