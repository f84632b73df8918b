"""Tests of the seeded synthetic country (rato_opt.sources.synthetic)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import grid_units
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import box

from rato_opt.exceptions import InputError
from rato_opt.landscape.coverage import coverage_table, multiplicity, white_spots
from rato_opt.landscape.graph import build_graph, components, graph_from_landscape
from rato_opt.sources.synthetic import (
    LAYER_KINDS,
    load_default,
    make_country,
    synthetic_overlays,
)
from rato_opt.sources.synthetic.growing import grow_partition

PARTITIONS = ("province", "amr")
WEIGHTS = ["population", "pupils_po", "pupils_vo", "pupils_mbo", "shortage_fte"]


@pytest.fixture(scope="module")
def default():
    return load_default()


@pytest.fixture(scope="module")
def default_graph(default):
    return graph_from_landscape(default)


@pytest.fixture(scope="module")
def small():
    return make_country(60, seed=1)


def _fingerprint(land):
    """Everything that must be reproducible, as plain comparable values."""
    return {
        "codes": land.units.index.tolist(),
        "names": land.units["name"].tolist(),
        "weights": land.units[WEIGHTS].to_numpy().tolist(),
        "wkb": land.units.geometry.to_wkb().tolist(),
        "links": land.links.to_numpy().tolist(),
        "layers": {
            k: (
                layer.shares.fillna(-1.0).to_numpy().tolist(),
                layer.collaborations.reset_index().to_numpy().tolist(),
            )
            for k, layer in land.layers.items()
        },
    }


# ------------------------------------------------------------------ determinism
def test_same_seed_gives_identical_country(small):
    again = make_country(60, seed=1)
    assert _fingerprint(again) == _fingerprint(small)


def test_different_seed_gives_different_country(small):
    other = _fingerprint(make_country(60, seed=2))
    mine = _fingerprint(small)
    assert other["wkb"] != mine["wkb"]
    assert other["weights"] != mine["weights"]
    assert other["names"] != mine["names"]
    assert other["layers"]["rap_po"] != mine["layers"]["rap_po"]


def test_load_default_is_cached_default(default):
    assert load_default() is default
    assert len(default.units) == 340
    assert default.name == "Synthetisch land (seed 2026)"
    assert "geen echte indeling" in default.credit and "2026" in default.credit


# ------------------------------------------------------------------ units and weights
def test_units_codes_names_and_crs(default):
    units = default.units
    assert units.index[0] == "SU0001" and units.index[-1] == "SU0340"
    assert units.index.is_unique and units["name"].is_unique
    assert units.crs.to_epsg() == 28992
    xmin, ymin, xmax, ymax = units.total_bounds
    assert 10_000 <= xmin and xmax <= 280_000 and 300_000 <= ymin and ymax <= 620_000
    assert list(units.columns) == ["name", *WEIGHTS, "geometry"]


@pytest.mark.parametrize("fixture", ["small", "default"])
def test_valid_tiling(fixture, request):
    units = request.getfixturevalue(fixture).units
    assert units.geometry.is_valid.all()
    assert set(units.geom_type) <= {"Polygon", "MultiPolygon"}
    total = units.area.sum()
    assert units.union_all().area == pytest.approx(total, rel=1e-9)
    # Not a rectangle of squares: the country fills well under its bounding box.
    assert total / shapely.box(*units.total_bounds).area < 0.75


def test_weights(default):
    u = default.units
    for c in ["population", "pupils_po", "pupils_vo", "pupils_mbo"]:
        assert pd.api.types.is_integer_dtype(u[c]), c
        assert (u[c] > 0).all(), c
    assert 17e6 <= u["population"].sum() <= 18e6
    pop = u["population"]
    assert pop.max() / pop.median() > 10  # a few big cities, many small units
    assert u["pupils_po"].sum() / pop.sum() == pytest.approx(0.09, rel=0.1)
    assert u["pupils_vo"].sum() / pop.sum() == pytest.approx(0.06, rel=0.1)
    assert u["pupils_mbo"].sum() / pop.sum() == pytest.approx(0.03, rel=0.15)
    assert (u["shortage_fte"] > 0).all()
    assert np.corrcoef(u["shortage_fte"], u["pupils_po"])[0, 1] > 0.7
    big = pop >= pop.quantile(0.9)
    per_pupil = u["shortage_fte"] / (u["pupils_po"] + u["pupils_vo"])
    assert per_pupil[big].mean() > per_pupil[~big].mean()


# ------------------------------------------------------------------ layers
def test_layer_counts_of_default(default):
    n = {k: layer.n_collaborations for k, layer in default.layers.items()}
    assert sorted(n) == sorted(LAYER_KINDS)
    assert 10 <= n["province"] <= 14
    assert 30 <= n["amr"] <= 40
    assert 38 <= n["rap_po"] <= 48
    assert 24 <= n["rap_vo"] <= 32
    assert 70 <= n["sop"] <= 90
    assert n["alliance"] == 9


def test_partitions_cover_every_unit_once(default):
    mult = multiplicity(default)
    for name in PARTITIONS:
        assert (mult[name] == 1).all(), name
    # Seven zones plus two national alliances: every unit in exactly three alliances.
    assert (mult["alliance"] == 3).all()
    assert white_spots(default).empty  # partitions and national alliances cover everything


@pytest.mark.parametrize("fixture", ["small", "default"])
def test_every_collaboration_is_contiguous(fixture, request):
    land = request.getfixturevalue(fixture)
    graph = graph_from_landscape(land)
    for name, layer in land.layers.items():
        for collab, members in layer.members().items():
            assert members, (name, collab)
            assert nx.is_connected(graph.subgraph(members)), (name, collab)


def test_collaborations_contiguous_under_rook(default):
    graph = graph_from_landscape(default, contiguity="rook")
    for name, layer in default.layers.items():
        for collab, members in layer.members().items():
            assert nx.is_connected(graph.subgraph(members)), (name, collab)


def test_amr_mostly_nested_in_provinces(default):
    prov = default.layers["province"].membership().set_index("unit")["collaboration"]
    amr = default.layers["amr"].membership().set_index("unit")["collaboration"]
    main_province = prov.groupby(amr).agg(lambda s: s.value_counts().index[0])
    nested = (amr.map(main_province) == prov.reindex(amr.index)).mean()
    assert 0.9 <= nested < 1.0


def test_rap_layers_are_partition_like(default):
    mult = multiplicity(default, ["rap_po", "rap_vo"])
    for name in ("rap_po", "rap_vo"):
        counts = mult[name].value_counts()
        assert counts.get(1, 0) > 0.85 * len(mult)
        assert counts.get(0, 0) >= 2 and counts.get(2, 0) >= 2, name
        assert mult[name].max() <= 2


def test_sop_overlaps_with_fractional_shares(default, small):
    for land in (default, small):
        counts = land.layers["sop"].count(land.codes)
        assert {0, 1, 2} <= set(counts) and counts.max() >= 3
    shares = default.layers["sop"].shares["area_share"]
    assert ((shares > 0.01) & (shares < 0.99)).sum() > 50


def test_witte_vlekken_visible_in_collaboration_layers(default, small):
    for land in (default, small):
        spots = white_spots(land, layers=["rap_po", "rap_vo", "sop"])
        assert len(spots) >= 2
        assert (spots["missing"] == "rap_po,rap_vo,sop").all()


def test_collaboration_names_are_readable_and_unique(default):
    for name, layer in default.layers.items():
        names = layer.collaborations["name"]
        assert names.is_unique, name
        assert not names.str.startswith("[synthetisch]").any()
    assert default.layers["rap_po"].collaborations["name"].str.startswith("RAP PO ").all()


# ------------------------------------------------------------------ islands and links
def test_islands_detached_without_links_and_joined_with_links(default, default_graph):
    comps = components(build_graph(default.units))
    kinds = set(default.links["kind"])
    assert kinds == {"ferry", "tunnel"}
    # Mainland + one component per Wadden-like island + the detached group of 2-3 units.
    assert len(comps) >= 4
    singles = [c for c in comps[1:] if len(c) == 1]
    groups = [c for c in comps[1:] if len(c) > 1]
    assert len(singles) >= 2 and len(groups) == 1 and 2 <= len(groups[0]) <= 3
    assert nx.is_connected(default_graph)
    linked = set(default.links["from_code"]) | set(default.links["to_code"])
    assert {c for comp in comps[1:] for c in comp} & linked


def test_no_islands_means_no_links():
    land = make_country(40, seed=3, islands=False)
    assert land.links.empty
    assert len(components(build_graph(land.units))) == 1


# ------------------------------------------------------------------ sizes and errors
@pytest.mark.parametrize("n", [60, 1000])  # 340: the `default` fixture above
def test_sizes(n):
    land = make_country(n, seed=11)
    assert len(land.units) == n
    assert land.units.index[-1] == f"SU{n:04d}"
    assert nx.is_connected(graph_from_landscape(land))
    assert not white_spots(land, layers=["rap_po", "rap_vo", "sop"]).empty


@pytest.mark.parametrize(
    "kwargs", [{"n_units": 5}, {"n_units": 60.0}, {"n_units": 60, "seed": -1}, {"seed": "x"}]
)
def test_bad_input(kwargs):
    with pytest.raises(InputError):
        make_country(**kwargs)


# ------------------------------------------------------------------ overlays
def test_synthetic_overlays_on_grid_are_labelled():
    units = grid_units(8, 8, weights={"population": list(range(1, 65))})
    layers = synthetic_overlays(units, seed=5)
    assert sorted(layers) == ["alliance", "rap_po", "rap_vo", "sop"]
    for name, layer in layers.items():
        assert layer.name == name
        assert layer.kind == f"{name} (synthetisch)"
        assert layer.collaborations["name"].str.startswith("[synthetisch] ").all(), name
        assert set(layer.membership()["unit"]) <= set(units.index)
    again = synthetic_overlays(units, seed=5)
    for name in layers:
        pd.testing.assert_frame_equal(layers[name].shares, again[name].shares)


def test_synthetic_overlays_span_detached_units():
    grid = grid_units(5, 5)
    island = gpd.GeoDataFrame({"code": ["ISL"]}, geometry=[box(7000, 2000, 8000, 3000)],
                              crs="EPSG:28992").set_index("code")
    units = pd.concat([grid, island.assign(name="ISL")])
    layers = synthetic_overlays(units, kinds=["province", "amr", "alliance"], seed=1)
    # The detached unit joins a collaboration instead of forming its own.
    assert layers["province"].n_collaborations < len(units)
    assert (layers["amr"].count(units.index) == 1).all()


def test_synthetic_overlays_reject_unknown_kind():
    with pytest.raises(InputError, match="unknown synthetic layer kind"):
        synthetic_overlays(grid_units(3, 3), kinds=["rap_mbo"])


# ------------------------------------------------------------------ properties
def _grid_adjacency(rows, cols):
    adj = [[] for _ in range(rows * cols)]
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols:
                adj[i].append(i + 1)
                adj[i + 1].append(i)
            if r + 1 < rows:
                adj[i].append(i + cols)
                adj[i + cols].append(i)
    return [sorted(a) for a in adj]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 7),
    cols=st.integers(1, 7),
    k=st.integers(1, 10),
    seed=st.integers(0, 1000),
    holes=st.lists(st.integers(0, 48), max_size=6),
)
def test_grow_partition_invariants(rows, cols, k, seed, holes):
    """Every allowed node gets exactly one part, every part is connected."""
    adj = _grid_adjacency(rows, cols)
    n = rows * cols
    allowed = np.ones(n, bool)
    allowed[[h for h in holes if h < n]] = False
    labels = grow_partition(adj, k, np.random.default_rng(seed), allowed=allowed)
    assert ((labels >= 0) == allowed).all()
    graph = nx.Graph([(i, j) for i in range(n) for j in adj[i]])
    graph.add_nodes_from(range(n))
    parts = sorted(set(labels[allowed].tolist()))
    assert parts == list(range(len(parts)))
    n_comp = nx.number_connected_components(graph.subgraph(np.flatnonzero(allowed).tolist()))
    if allowed.any():
        assert max(n_comp, min(k, allowed.sum())) <= len(parts) <= max(k, n_comp)
    for p in parts:
        assert nx.is_connected(graph.subgraph(np.flatnonzero(labels == p).tolist()))
    again = grow_partition(adj, k, np.random.default_rng(seed), allowed=allowed)
    assert (again == labels).all()



@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(30, 70))
def test_properties_over_seeds(seed, n):
    land = make_country(n, seed=seed)
    for layer in land.layers.values():
        shares = layer.shares[["area_share"]].join(layer.shares[["weight_share"]])
        values = shares.to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        assert ((values >= 0) & (values <= 1)).all()
    table = coverage_table(land)
    assert table.index.is_unique
    assert sorted(table.index) == sorted(land.units.index)
    assert len(land.units) == n
    assert land.units.geometry.is_valid.all()
