"""The real CBS wijken of 2024 (PROVENANCE.md section 10); one build per module."""

from __future__ import annotations

import networkx as nx
import pytest

from rato_opt.landscape.graph import graph_from_landscape
from rato_opt.sources.wijken import EXPLAINED_DISCONNECTED, read_cbs_wijken


@pytest.fixture(scope="module")
def wijken(real_data, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RATO_OPT_CACHE", str(tmp_path_factory.mktemp("cache")))
        first = read_cbs_wijken(real_data)
        second = read_cbs_wijken(real_data)
    return first, second


def test_read_and_dropped(wijken):
    w, _ = wijken
    report = w.report
    assert report.n_read == 3475
    assert len(w.units) == 3393
    reasons = [d[2] for d in report.dropped]
    assert reasons.count("Groot water") == 81 and reasons.count("Buitenland") == 1
    assert "GM0998" not in set(w.units["gemeente"])
    assert w.units["gemeente"].nunique() == 342
    # 15 invalid polygons in the file: 11 repaired, 4 were Groot water wijken and dropped
    assert len(report.repaired) == 11
    assert (w.units.geometry.is_valid & ~w.units.geometry.is_empty).all()


def test_population_total(wijken):
    w, _ = wijken
    total = int(w.units["population"].sum())
    assert total == 17_942_715  # PROVENANCE: wijk sum; CBS gemeente total 17,942,942
    assert abs(total - 17_942_942) <= 300
    share = w.units["children_0_15_est"].sum() / total
    assert 0.14 < share < 0.17


def test_adjacency_matches_gemeente_graph(wijken):
    check = wijken[0].report.check
    assert check.missing == ()
    assert check.extra == ()
    assert check.n_gemeente_pairs == 889
    assert check.disconnected == tuple(sorted(EXPLAINED_DISCONNECTED))
    assert check.pieces["GM0687"][1:] == (("WK068753",),)  # Veerse Meer
    assert all(c.startswith("WK0363S") or c.startswith("WK0363T")
               for c in check.pieces["GM0363"][1])  # Weesp and Zuidoost


def test_links_land_in_harbours(wijken):
    w, _ = wijken
    names = w.units["name"]
    pairs = {row.name: (names[row.from_code], names[row.to_code])
             for row in w.links.itertuples()}
    assert len(pairs) == 7
    assert pairs["Texel (Het Horntje) - Den Helder"] == (
        "Wijk 00 Het Oude Land en duingebied", "Wijk 02 Stad binnen de Linie-West")
    assert pairs["Vlieland - Harlingen"][1] == "Wijk 00 Harlingen"
    assert pairs["Ameland (Nes) - Holwerd (Noardeast-Fryslan)"][1] == "Holwerd"
    assert pairs["Breskens (Sluis) - Vlissingen"] == ("Wijk 10 Breskens", "Binnenstad")
    assert pairs["Westerscheldetunnel Terneuzen - Borsele"][1] == "Ellewoutsdijk"


def test_landscape_connected_with_links(wijken):
    w, _ = wijken
    land = w.landscape()
    assert "CBS/Kadaster 2024 (CC-BY 4.0)" in land.credit
    graph = graph_from_landscape(land)
    assert graph.number_of_nodes() == 3393
    assert nx.is_connected(graph)
    assert not nx.is_connected(graph.edge_subgraph(
        [(a, b) for a, b, k in graph.edges(data="kind") if k == "border"]))


def test_cache_hit(wijken):
    first, second = wijken
    assert not first.report.from_cache and second.report.from_cache
    assert second.adjacency.equals(first.adjacency)
    assert first.report.seconds <= 60  # target 30 s on 2 free cores; the CI box is shared
