"""The real 2024 landscape (342 gemeenten) as loaded by rato_opt.sources.nl2024.load_nl_2024."""

from __future__ import annotations

import time

import pandas as pd
import pytest
import shapely

from rato_opt.landscape.coverage import layer_summary, multiplicity, white_spots
from rato_opt.landscape.graph import build_graph, components, graph_from_landscape
from rato_opt.sources.nl2024 import FILES, LAYERS, NL_2024_CREDIT, NL_2024_NAME, load_nl_2024

pytestmark = pytest.mark.realdata

#: Groups of gemeenten that touch no other gemeente (PROVENANCE.md, section 1).
ISOLATED = [
    {"GM0060"},  # Ameland
    {"GM0088"},  # Schiermonnikoog
    {"GM0448"},  # Texel
    {"GM0093", "GM0096"},  # Terschelling + Vlieland
    {"GM1714", "GM0715", "GM0677"},  # Zeeuws-Vlaanderen: Sluis, Terneuzen, Hulst
]


@pytest.fixture(scope="module")
def loaded(real_data):
    start = time.perf_counter()
    land = load_nl_2024(real_data)
    return land, time.perf_counter() - start


@pytest.fixture(scope="module")
def land(loaded):
    return loaded[0]


def test_units(land):
    units = land.units
    assert len(units) == 342
    assert units.index.is_unique and units.index.str.fullmatch(r"GM\d{4}").all()
    assert units.crs.to_epsg() == 28992
    assert list(units.columns) == ["name", "population", "pupils_po", "geometry"]
    assert land.name == NL_2024_NAME and land.credit == NL_2024_CREDIT
    assert units.loc["GM0363", "name"] == "Amsterdam"
    assert "GM1992" in units.index  # Voorne aan Zee, formed 2023


def test_units_tile(land):
    geoms = land.units.geometry
    assert geoms.is_valid.all()
    total = geoms.area.sum()
    union = shapely.union_all(geoms.to_numpy()).area
    assert abs(total - union) / union < 1e-4, (total, union)
    assert union / 1e6 == pytest.approx(35_087.9, rel=1e-3)  # km², PROVENANCE section 1


def test_population(land):
    pop = land.units["population"]
    assert int(pop.sum()) == 17_942_942
    assert (pop > 0).all()
    assert pop.idxmax() == "GM0363"


def test_components_without_and_with_links(land):
    bare = build_graph(land.units)
    comps = components(bare)
    assert len(comps) == 6
    assert len(comps[0]) == 342 - sum(len(g) for g in ISOLATED)
    assert sorted(map(set, comps[1:]), key=min) == sorted(ISOLATED, key=min)
    linked = graph_from_landscape(land)
    assert len(components(linked)) == 1
    assert len(land.links) == 7
    assert set(land.links["kind"]) == {"ferry", "tunnel"}


def test_amr_layer(land):
    amr = land.layers["amr"]
    assert amr.n_collaborations == 35
    counts = amr.count(land.codes)
    assert (counts == 1).all(), "the arbeidsmarktregio's partition all 342 gemeenten"
    assert amr.collaborations.loc["AM22", "name"] == "Rijnmond"
    pop = land.units["population"].groupby(amr.membership().set_index("unit")["collaboration"]).sum()
    assert pop.min() == 145_611 and pop.max() == 1_436_988  # PROVENANCE section 8


def test_rmc_layer(land):
    rmc = land.layers["rmc"]
    assert rmc.n_collaborations == 40
    assert (rmc.count(land.codes) == 1).all()


def test_board_layer_coverage_and_multiplicity(land):
    boards = land.layers["boards"]
    counts = multiplicity(land, ["boards"])["boards"]
    assert (counts >= 1).all(), "every gemeente has at least one PO school board"
    assert counts.sum() == len(boards.membership())
    assert boards.n_collaborations > 500
    assert counts.idxmax() == "GM0363"  # Amsterdam has the most PO school boards
    summary = layer_summary(land)
    assert summary.loc["boards", "white_spots"] == 0
    assert summary.loc["boards", "units_3plus"] > summary.loc["boards", "units_1"]
    assert (boards.collaborations["schools"] >= boards.collaborations["gemeenten"]).all()
    # with a threshold of 3 vestigingen some gemeenten lose every board: witte vlekken
    strict = load_nl_2024(layers=["boards"], board_min_schools=3)
    spots = white_spots(strict, layers=["boards"])
    assert 0 < len(spots) < 342
    assert {"GM0088", "GM0096"} <= set(spots.index)  # Schiermonnikoog, Vlieland: tiny


def test_pupils(land, real_data):
    per_unit = land.units["pupils_po"]
    assert (per_unit > 0).all(), "every gemeente has PO pupils"
    # an independent sum straight from the DUO file
    raw = pd.read_csv(real_data / FILES["pupils"], sep=";", encoding="utf-8-sig", dtype=str)
    counts = pd.to_numeric(raw["LEERLINGEN_2025"], errors="coerce").fillna(0)
    kinds = raw["SOORT_VESTIGING"].str.strip()
    assert per_unit.sum() == counts[kinds.isin(["BO", "SBO"])].sum()
    # PROVENANCE section 6: about 1.464 M pupils in 2025, of which BO 1.357 M
    assert counts.sum() == pytest.approx(1.464e6, rel=5e-3)
    assert counts[kinds == "BO"].sum() == pytest.approx(1.357e6, rel=5e-3)
    assert counts[kinds == "BO"].sum() < per_unit.sum() < counts.sum()


def test_all_layers_and_errors(real_data):
    # the vo layer reports the one school it cannot map and the pupils it cannot place
    with pytest.warns(UserWarning, match="DUO vo data: left out 1 vestiging"):
        land = load_nl_2024(real_data, layers=list(LAYERS))
    assert set(land.layers) == set(LAYERS)
    sizes = {n: layer.n_collaborations for n, layer in land.layers.items()}
    assert sizes["province"] == 12 and sizes["corop"] == 40 and sizes["rpa"] == 34
    # COROP from DUO equals COROP from CBS (PROVENANCE section 8), 1:1
    amr_table = pd.read_csv(real_data / FILES["amr"], dtype=str).set_index("gemeentecode")
    duo = land.layers["corop"].membership().set_index("unit")["collaboration"]
    pairs = pd.crosstab(duo, amr_table["corop_code"].reindex(duo.index))
    assert ((pairs > 0).sum(axis=1) == 1).all() and ((pairs > 0).sum(axis=0) == 1).all()
    from rato_opt.exceptions import LayerError

    with pytest.raises(LayerError, match="unknown layer"):
        load_nl_2024(real_data, layers=["rap_po"])


def test_other_real_files(real_data):
    """The 2022 geometry and the kerncijfers file read with the same loaders."""
    from rato_opt.sources.cbs import read_cbs_gemeenten, read_cbs_kerncijfers

    g2022 = read_cbs_gemeenten(real_data / "cbs_gemeente_2022_gegeneraliseerd.geojson")
    assert len(g2022) == 345 and "GM0457" in g2022.index  # Weesp still separate
    kern = read_cbs_kerncijfers(real_data / FILES["kerncijfers"])
    g2024 = read_cbs_gemeenten(real_data / FILES["gemeenten"])
    assert kern.index.equals(g2024.index)  # GM0998 Buitenland dropped, all 342 match
    assert kern["population"].notna().all()


def test_online_parser_reads_a_real_pdok_answer(real_data, tmp_path):
    """The shared 2024 file is a PDOK gemeente_gegeneraliseerd answer: parse it offline."""
    import json

    from rato_opt.sources.cbs import read_cbs_gemeenten
    from rato_opt.sources.pdok import fetch_cbs_gemeenten, ogc_items_url

    raw = (real_data / FILES["gemeenten"]).read_bytes()
    served = []

    def fake_get(url, *, timeout=60):
        served.append(url)
        return raw

    units = fetch_cbs_gemeenten(2024, cache_dir=tmp_path, get=fake_get)
    assert served == [ogc_items_url(2024)]
    expected = read_cbs_gemeenten(real_data / FILES["gemeenten"])
    assert units.index.equals(expected.index)
    assert (units["name"] == expected["name"]).all()
    assert units.geom_equals_exact(expected.geometry, tolerance=1e-3).all()
    assert len(json.loads((tmp_path / "cbs_gemeente_gegeneraliseerd_2024_ogcapi.geojson").read_text())["features"]) == 342


def test_vo_boards_and_pupils_vo(real_data, land):
    """Layer vo_boards and weight pupils_vo (DUO 2019/2020, PROVENANCE sections 11, 12)."""
    from rato_opt.sources.nl2024 import NL_2024_CREDIT_VO, WEIGHTS

    with pytest.warns(UserWarning, match=r"02TD04 \(GM0416, 473 pupils\).*11 vestiging"):
        vo = load_nl_2024(real_data, layers=("amr", "vo_boards"))
    units = vo.units
    assert list(units.columns) == ["name", "population", "pupils_po", "pupils_vo", "geometry"]
    assert units["pupils_vo"].sum() == 953_143  # 953,616 matched minus Langedijk's 473
    assert (units["pupils_vo"] > 0).sum() == 284 and units["pupils_vo"].idxmax() == "GM0363"
    assert units["pupils_po"].equals(land.units["pupils_po"])  # PO weights unchanged
    layer = vo.layers["vo_boards"]
    assert layer.kind == "school board (vo)" and layer.n_collaborations == 323
    assert "DUO 2019/2020" in LAYERS["vo_boards"] and "DUO 2019/2020" in WEIGHTS["pupils_vo"]
    assert layer.collaborations["source"].str.contains("DUO 2019/2020").all()
    assert layer.collaborations.loc["10053", "name"] == "Bestuur 10053 (Assen)"
    assert layer.membership()["weight"].sum() == 953_143
    assert vo.credit == NL_2024_CREDIT_VO and "DUO VO 2019/2020" in vo.credit
    assert land.credit == NL_2024_CREDIT and "VO" not in land.credit  # not without vo data
    # the weight alone, and a planner's successor for the one row the rules cannot map
    with pytest.warns(UserWarning, match="not in the 2020 vestigingen file"):
        only = load_nl_2024(real_data, layers=(), weights=("pupils_vo",),
                            vo_successors={"GM0416": "GM1980"})
    assert not only.layers and only.units["pupils_vo"].sum() == 953_616
    from rato_opt.exceptions import ColumnError

    with pytest.raises(ColumnError, match="pupils_mbo"):
        load_nl_2024(real_data, layers=(), weights=("pupils_mbo",))
