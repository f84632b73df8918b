"""Tests of the static maps (rato_opt.maps.plotting), map colouring and interactive maps.

Small grids from ``tests/conftest.py``::

    r0c0 r0c1 r0c2 r0c3
    r1c0 r1c1 r1c2 r1c3
    r2c0 r2c1 r2c2 r2c3
"""

from __future__ import annotations

import os
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx
import pandas as pd
import pytest
from conftest import grid_units
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from rato_opt.exceptions import InputError, LayerError, UnitCodeError
from rato_opt.landscape.coverage import Landscape
from rato_opt.landscape.graph import build_graph
from rato_opt.landscape.layers import Layer
from rato_opt.maps.colouring import (
    PALETTE,
    colour_graph,
    region_colours,
    region_graph,
)
from rato_opt.maps.matching import match_regions
from rato_opt.maps.plotting import (
    add_credit,
    changed_units,
    plot_difference,
    plot_layer,
    plot_multiplicity,
    plot_regions,
    plot_white_spots,
    save_figure,
    small_multiples,
)

CREDIT = "Bron: CBS/Kadaster (via PDOK), DUO"


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def grid():
    """4 columns × 3 rows, population 1..12."""
    return grid_units(3, 4, weights={"population": list(range(1, 13))})


@pytest.fixture(scope="module")
def grid_graph(grid):
    return build_graph(grid)


@pytest.fixture(scope="module")
def landscape(grid):
    """A layer with overlaps and gaps, and a partition layer.

    sop: x = columns 0-1, y = columns 1-2 (column 1 in both), column 3 uncovered.
    amr: left half / right half.
    """
    rows = []
    for code in grid.index:
        col = int(code.split("c")[1])
        if col in (0, 1):
            rows.append((code, "x", "SWV Noord"))
        if col in (1, 2):
            rows.append((code, "y", "SWV Zuid"))
    table = pd.DataFrame(rows, columns=["unit", "collaboration", "name"])
    sop = Layer.from_table("sop", table, grid, name_column="name")
    amr = Layer.from_partition(
        "amr", pd.Series({c: "L" if int(c.split("c")[1]) < 2 else "R" for c in grid.index})
    )
    return Landscape(grid, [sop, amr], credit=CREDIT)


@pytest.fixture
def ax():
    fig = Figure(figsize=(4, 3))
    yield fig.subplots()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _plan(grid, cols_per_region=2):
    return pd.Series(
        {c: f"R{int(c.split('c')[1]) // cols_per_region}" for c in grid.index}, name="region"
    )


def _collection(ax, gid):
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, f"expected one collection {gid!r}, got {len(found)}"
    return found[0]


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _rc_snapshot():
    return {k: repr(v) for k, v in matplotlib.rcParams.items()}


# ------------------------------------------------------------------ add_credit
def test_add_credit_draws_text_and_skips_empty(ax):
    text = add_credit(ax, CREDIT)
    assert text.get_text() == CREDIT and text.get_gid() == "credit"
    assert add_credit(ax, "") is None
    assert len(ax.texts) == 1
    with pytest.raises(InputError, match="loc must be one of"):
        add_credit(ax, CREDIT, loc="middle")


# ------------------------------------------------------------------ landscape maps
def test_plot_layer_draws_units_collaborations_overlap_and_gaps(landscape, ax):
    before = _rc_snapshot()
    out = plot_layer(landscape, "sop", ax=ax)
    assert out is ax
    assert len(_collection(ax, "units").get_paths()) == 12
    assert len(_collection(ax, "collaborations").get_paths()) == 2
    assert len(_collection(ax, "overlap").get_paths()) == 3  # column 1
    assert len(_collection(ax, "uncovered").get_paths()) == 3  # column 3
    title = ax.get_title(loc="left")
    assert "sop: 2 samenwerkingen" in title and "3 eenheden niet gedekt, 3 met overlap" in title
    assert CREDIT in _texts(ax)
    labels = [t.get_text().replace("\n", " ") for t in ax.texts if t.get_gid() == "label"]
    assert sorted(labels) == ["SWV Noord", "SWV Zuid"]  # long names may be wrapped
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "overlap (2+ samenwerkingen)" in legend
    assert "niet gedekt (witte vlek)" in legend
    assert _rc_snapshot() == before


def test_plot_layer_collaborations_that_overlap_get_different_colours(landscape, ax):
    plot_layer(landscape, "sop", ax=ax, max_labels=0, legend=False, title="")
    faces = _collection(ax, "collaborations").get_facecolors()
    assert tuple(faces[0]) != tuple(faces[1])
    assert not [t for t in ax.texts if t.get_gid() == "label"]
    assert ax.get_legend() is None


def test_plot_layer_english_and_unknown_layer(landscape, ax):
    plot_layer(landscape, "sop", ax=ax, lang="en")
    assert "2 collaborations" in ax.get_title(loc="left")
    with pytest.raises(LayerError, match="unknown layer"):
        plot_layer(landscape, "nope", ax=ax)
    with pytest.raises(InputError, match="lang"):
        plot_layer(landscape, "sop", ax=ax, lang="de")


def test_plot_layer_without_ax_makes_a_figure(landscape):
    ax = plot_layer(landscape, "sop", max_labels=1)
    assert ax.figure is not None
    assert len([t for t in ax.texts if t.get_gid() == "label"]) == 1


def test_plot_multiplicity_classes_and_dutch_legend(landscape, ax):
    before = _rc_snapshot()
    out = plot_multiplicity(landscape, "sop", ax=ax)
    assert out is ax
    assert len(_collection(ax, "units").get_paths()) == 12
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [
        "niet gedekt (3)",
        "1 samenwerking (6)",
        "2 samenwerkingen (3)",
        "3+ samenwerkingen (0)",
    ]
    assert CREDIT in _texts(ax)
    assert _rc_snapshot() == before


def test_plot_multiplicity_over_all_layers(landscape):
    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    plot_multiplicity(landscape, ax=ax1)
    legend = [t.get_text() for t in ax1.get_legend().get_texts()]
    # every unit is in the amr partition; columns 0-2 also in sop
    assert legend == ["niet gedekt (0)", "1 laag (3)", "2 lagen (9)", "3+ lagen (0)"]
    plot_multiplicity(landscape, ax=ax2, total=True)
    legend = [t.get_text() for t in ax2.get_legend().get_texts()]
    assert legend == [
        "niet gedekt (0)", "1 samenwerking (3)", "2 samenwerkingen (6)",
        "3+ samenwerkingen (3)",
    ]


def test_plot_white_spots_count_and_share(landscape, ax):
    out = plot_white_spots(landscape, ["sop"], ax=ax)
    assert out is ax
    assert len(_collection(ax, "white_spots").get_paths()) == 3
    assert len(_collection(ax, "units").get_paths()) == 12
    title = ax.get_title(loc="left")
    assert title.startswith("Witte vlekken: 3 eenheden")
    # column 3 holds population 4 + 8 + 12 = 24 of 78
    share = 24 / 78 * 100
    assert f"{share:.0f}% van de inwoners" in title
    assert any("van de inwoners" in t.get_text() for t in ax.get_legend().get_texts())
    assert CREDIT in _texts(ax)


def test_plot_white_spots_all_layers_and_bad_how(landscape, ax):
    plot_white_spots(landscape, ax=ax, unit_noun=("gemeente", "gemeenten"))
    assert ax.get_title(loc="left").startswith("Witte vlekken: 0 gemeenten")
    with pytest.raises(InputError, match="how must be"):
        plot_white_spots(landscape, how="each", ax=ax)


# ------------------------------------------------------------------ region maps
def test_plot_regions_draws_regions_labels_overlay_white_spots(landscape, grid, grid_graph, ax):
    before = _rc_snapshot()
    plan = _plan(grid)
    out = plot_regions(
        grid, plan, ax=ax, graph=grid_graph, names={"R0": "West"},
        overlay=landscape.layers["sop"], white_spots=["r0c3", "r1c3"], title="Plan",
        credit=CREDIT,
    )
    assert out is ax
    assert len(_collection(ax, "units").get_paths()) == 12
    assert len(_collection(ax, "regions").get_paths()) == 2
    assert len(_collection(ax, "white_spots").get_paths()) == 2
    assert _collection(ax, "overlay").get_gid() == "overlay"
    labels = sorted(t.get_text() for t in ax.texts if t.get_gid() == "label")
    assert labels == ["R1", "West"]
    assert ax.get_title(loc="left") == "Plan"
    assert CREDIT in _texts(ax)
    region_lw = _collection(ax, "regions").get_linewidths()[0]
    unit_lw = _collection(ax, "units").get_linewidths()[0]
    assert region_lw > unit_lw
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["eenheden (12), gekleurd per regio", "regiogrens (2 regio's)"]  # every drawn element
    assert "witte vlek (2)" in legend and "grens sop" in legend
    assert _rc_snapshot() == before


def test_plot_regions_neighbours_have_distinct_fill(grid, grid_graph, ax):
    plan = _plan(grid, cols_per_region=1)
    plot_regions(grid, plan, ax=ax, graph=grid_graph, labels=False, legend=False)
    faces = _collection(ax, "units").get_facecolors()
    by_code = {code: tuple(faces[i]) for i, code in enumerate(grid.index)}
    for a, b in grid_graph.edges():
        if plan[a] != plan[b]:
            assert by_code[a] != by_code[b]
    assert ax.get_title(loc="left") == "4 regio's"


def test_plot_regions_with_geodataframe_overlay_and_unassigned(grid, grid_graph, ax):
    plan = _plan(grid).astype(object)
    plan["r2c3"] = None
    overlay = grid.iloc[:4][["geometry"]]
    plot_regions(grid, plan, ax=ax, graph=grid_graph, overlay=overlay, overlay_label="rij 0")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "niet toegewezen (1)" in legend and "rij 0" in legend


def test_plot_regions_rejects_mismatched_assignment(grid, grid_graph, ax):
    plan = _plan(grid)
    with pytest.raises(UnitCodeError, match="no region for 1 unit"):
        plot_regions(grid, plan.drop("r0c0"), ax=ax, graph=grid_graph)
    with pytest.raises(UnitCodeError, match="not units"):
        plot_regions(grid, pd.concat([plan, pd.Series({"zz": "R0"})]), ax=ax, graph=grid_graph)
    with pytest.raises(InputError, match="GeoDataFrame"):
        plot_regions(pd.DataFrame(index=grid.index), plan, ax=ax)


def test_plot_regions_builds_graph_when_not_given(grid):
    ax = plot_regions(grid, _plan(grid))
    assert len(_collection(ax, "regions").get_paths()) == 2


# ------------------------------------------------------------------ colouring
def _queen_grid_graph(rows: int, cols: int) -> nx.Graph:
    """Queen adjacency of ``grid_units(rows, cols)`` (what build_graph gives)."""
    g = nx.Graph()
    for r in range(rows):
        for c in range(cols):
            g.add_node(f"r{r}c{c}")
            for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
                if 0 <= r + dr < rows and 0 <= c + dc < cols:
                    g.add_edge(f"r{r}c{c}", f"r{r + dr}c{c + dc}")
    return g


_GRID_5x4 = grid_units(5, 4)
_GRAPH_5x4 = _queen_grid_graph(5, 4)


def test_queen_grid_graph_is_what_build_graph_gives():
    built = build_graph(_GRID_5x4)
    assert {frozenset(e) for e in built.edges()} == {frozenset(e) for e in _GRAPH_5x4.edges()}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=20, max_size=20))
def test_region_colours_is_a_proper_colouring(values):
    grid = _GRID_5x4
    plan = pd.Series([f"R{v}" for v in values], index=grid.index)
    colours = region_colours(grid, plan, graph=_GRAPH_5x4)
    assert set(colours) == set(plan)
    for a, b in _GRAPH_5x4.edges():
        if plan[a] != plan[b]:
            assert colours[plan[a]] != colours[plan[b]], (a, b)
    # deterministic
    assert colours == region_colours(grid, plan, graph=_GRAPH_5x4)


def test_region_graph_matches_built_graph(grid, grid_graph):
    plan = _plan(grid, cols_per_region=1)
    rg = region_graph(grid, plan, graph=grid_graph)
    assert sorted(rg.edges()) == [("R0", "R1"), ("R1", "R2"), ("R2", "R3")]
    assert all(d["length"] > 0 for _, _, d in rg.edges(data=True))


def test_regions_joined_only_by_a_link_get_different_colours():
    """Map colouring uses the optimiser's unit graph: a ferry makes regions neighbours."""
    units = grid_units(1, 3).drop(index="r0c1")  # r0c0 and r0c2: 1 km of water between
    ferry = pd.DataFrame({"from_code": ["r0c0"], "to_code": ["r0c2"], "kind": ["ferry"]})
    land = Landscape(units, [], links=ferry)
    plan = pd.Series({"r0c0": "R1", "r0c2": "R2"})
    one = ["#77AADD"]  # a single colour: only neighbours need a second one
    assert list(region_graph(units, plan).edges()) == []
    assert region_colours(units, plan, palette=one) == {"R1": "#77AADD", "R2": "#77AADD"}
    assert list(region_graph(land, plan).edges()) == [("R1", "R2")]
    colours = region_colours(land, plan, palette=one)
    assert colours["R1"] != colours["R2"]
    ax = plot_regions(land, plan, palette=one, labels=False, legend=False)
    faces = _collection(ax, "units").get_facecolors()
    assert tuple(faces[0]) != tuple(faces[1])


def test_plot_layer_colours_collaborations_joined_by_links_differently():
    """Ten islands, one collaboration each: the nine palette colours must repeat, unless
    ferries join every island to every other (then all ten differ)."""
    units = grid_units(1, 19).iloc[::2]  # 10 squares, 1 km of water between neighbours
    codes = list(units.index)
    ferries = pd.DataFrame(
        [(a, b) for i, a in enumerate(codes) for b in codes[i + 1:]],
        columns=["from_code", "to_code"],
    )
    sop = Layer.from_partition("sop", {c: f"s{i}" for i, c in enumerate(codes)})
    distinct = {}
    for name, links in (("bare", None), ("ferries", ferries)):
        ax = Figure().subplots()
        plot_layer(Landscape(units, [sop], links=links), "sop", ax=ax, max_labels=0,
                   legend=False, title="")
        faces = _collection(ax, "collaborations").get_facecolors()
        distinct[name] = len({tuple(f) for f in faces})
    assert distinct == {"bare": len(PALETTE), "ferries": 10}


def test_colour_graph_palette_and_extension():
    assert len(PALETTE) >= 8 and len(set(PALETTE)) == len(PALETTE)
    k12 = nx.complete_graph(12)
    colours = colour_graph(k12)
    assert len(set(colours.values())) == 12  # needs more than the palette: extended
    with pytest.raises(InputError, match="repeats"):
        colour_graph(k12, palette=["#000000", "#000000"])


def test_colour_graph_spreads_and_keeps_preferences():
    path = nx.path_graph(["a", "b", "c", "d"])
    colours = colour_graph(path, prefer={"a": "#123456"})
    assert colours["a"] == "#123456"
    assert len(set(colours.values())) >= 3  # balanced over the palette
    # a preference that clashes with an already coloured neighbour is not kept
    clash = colour_graph(path, prefer={"a": "#123456", "b": "#123456"})
    assert clash["a"] != clash["b"]


def test_match_regions_and_changed_units():
    a = pd.Series({"u1": "A", "u2": "A", "u3": "B", "u4": "B"})
    relabelled = a.map({"A": "x", "B": "y"})
    assert match_regions(a, relabelled) == {"x": "A", "y": "B"}
    assert not changed_units(a, relabelled).any()
    moved = relabelled.copy()
    moved["u2"] = "y"
    assert changed_units(a, moved).tolist() == [False, True, False, False]
    with pytest.raises(UnitCodeError, match="different units"):
        match_regions(a, a.drop("u1"))


def test_plot_difference_counts_changed_units(grid, ax):
    a = _plan(grid)
    b = a.map({"R0": "Q1", "R1": "Q2"})  # same plan, other ids
    b["r0c2"] = "Q1"
    b["r1c2"] = "Q1"
    out = plot_difference(grid, a, b, ax=ax, weight="population", credit=CREDIT)
    assert out is ax
    assert len(_collection(ax, "units").get_paths()) == 12
    assert len(_collection(ax, "changed").get_paths()) == 2
    title = ax.get_title(loc="left")
    assert title.startswith("2 eenheden van regio gewisseld")
    assert "(10 inwoners)" in title  # populations 3 + 7 of r0c2 and r1c2
    assert CREDIT in _texts(ax)


def test_small_multiples_figure(grid, grid_graph):
    plans = {
        "twee": _plan(grid),
        "twee, andere ids": _plan(grid).map({"R0": "Z9", "R1": "Z8"}),
        "vier": _plan(grid, cols_per_region=1),
    }
    before = _rc_snapshot()
    fig = small_multiples(grid, plans, ncols=2, graph=grid_graph, credit=CREDIT)
    assert isinstance(fig, Figure)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3 and len(fig.axes) == 4
    assert [ax.get_title(loc="left").split("\n")[0] for ax in visible] == list(plans)
    assert [t.get_text() for t in fig.texts if t.get_gid() == "credit"] == [CREDIT]
    # matched regions keep their colour across panels
    f0 = _collection(visible[0], "units").get_facecolors()
    f1 = _collection(visible[1], "units").get_facecolors()
    assert (f0 == f1).all()
    assert _rc_snapshot() == before
    with pytest.raises(InputError, match="empty"):
        small_multiples(grid, {}, graph=grid_graph)


# ------------------------------------------------------------------ save_figure
def test_save_figure_writes_every_format(tmp_path, landscape):
    ax = plot_multiplicity(landscape, "sop")
    paths = save_figure(ax.figure, tmp_path / "sub" / "kaart.pdf", dpi=60)
    assert [p.name for p in paths] == ["kaart.pdf", "kaart.svg", "kaart.png"]
    assert paths[0].read_bytes().startswith(b"%PDF")
    assert b"<svg" in paths[1].read_bytes()[:500]
    assert paths[2].read_bytes().startswith(b"\x89PNG")
    assert sorted(os.listdir(tmp_path / "sub")) == ["kaart.pdf", "kaart.png", "kaart.svg"]
    # an Axes works too
    assert save_figure(ax, tmp_path / "ax", formats=("png",), dpi=30)[0].exists()


def test_save_figure_is_atomic(tmp_path, monkeypatch):
    fig = Figure(figsize=(1, 1))
    fig.subplots().plot([0, 1], [0, 1])
    old = tmp_path / "kaart.pdf"
    old.write_bytes(b"old version")
    real = Figure.savefig
    calls = {"n": 0}

    def failing(self, fname, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            with open(fname, "wb") as fh:
                fh.write(b"half")
            raise OSError("disk full")
        return real(self, fname, **kwargs)

    monkeypatch.setattr(Figure, "savefig", failing)
    with pytest.raises(OSError, match="disk full"):
        save_figure(fig, tmp_path / "kaart", dpi=30)
    assert sorted(os.listdir(tmp_path)) == ["kaart.pdf"]
    assert old.read_bytes() == b"old version"


def test_save_figure_rejects_bad_input(tmp_path):
    with pytest.raises(InputError, match="unsupported format"):
        save_figure(Figure(), tmp_path / "x", formats=("doc",))
    with pytest.raises(InputError, match="Figure or Axes"):
        save_figure("not a figure", tmp_path / "x")


# ------------------------------------------------------------------ interactive
def test_explore_regions_map_with_tooltips(grid, grid_graph):
    folium = pytest.importorskip("folium")
    from rato_opt.maps.interactive import explore_regions

    plan = _plan(grid)
    fmap = explore_regions(
        grid, plan, names={"R0": "West", "R1": "Oost"}, graph=grid_graph, tiles=None,
        credit=CREDIT,
    )
    assert isinstance(fmap, folium.Map)
    html = fmap.get_root().render()
    for field in ("region_name", "population", "West", "Oost", "r0c0", CREDIT):
        assert field in html
    tooltips = [c for c in fmap._children.values() if isinstance(c, folium.GeoJson)]
    assert len(tooltips) == 2  # units and region outlines
    default = explore_regions(grid, plan, graph=grid_graph).get_root().render()
    assert "service.pdok.nl/brt/achtergrondkaart" in default and "Kadaster" in default


def test_explore_regions_without_folium_says_how_to_install(grid, monkeypatch):
    from rato_opt.maps.interactive import explore_regions

    monkeypatch.setitem(sys.modules, "folium", None)
    with pytest.raises(ImportError, match=r"pip install rato_opt\[notebook\]"):
        explore_regions(grid, _plan(grid))


def test_explore_regions_unknown_tooltip_column(grid, grid_graph):
    pytest.importorskip("folium")
    from rato_opt.exceptions import ColumnError
    from rato_opt.maps.interactive import explore_regions

    with pytest.raises(ColumnError, match="tooltip"):
        explore_regions(grid, _plan(grid), graph=grid_graph, tooltip_columns=["nope"])


# ------------------------------------------------------------------ real data
@pytest.mark.realdata
def test_arbeidsmarktregios_map_on_real_gemeenten(real_data):
    from rato_opt.landscape.units import read_units

    units = read_units(
        real_data / "cbs_gemeente_2024_gegeneraliseerd.geojson", code="statcode", name="statnaam"
    )
    amr = pd.read_csv(real_data / "gemeente_arbeidsmarktregio_2024.csv").set_index(
        "gemeentecode"
    )
    links = pd.read_csv(real_data / "water_links_2024.csv")
    graph = build_graph(units, links=links)
    plan = amr["arbeidsmarktregiocode"].reindex(units.index)
    names = amr.drop_duplicates("arbeidsmarktregiocode").set_index("arbeidsmarktregiocode")[
        "arbeidsmarktregio"
    ]
    colours = region_colours(units, plan, graph=graph)
    for a, b in graph.edges():
        if plan[a] != plan[b]:
            assert colours[plan[a]] != colours[plan[b]]
    credit = "Bron: CBS/Kadaster (via PDOK), CBS Gebieden in Nederland"
    ax = plot_regions(units, plan, graph=graph, names=names, colours=colours, credit=credit)
    assert len(_collection(ax, "units").get_paths()) == 342
    assert len(_collection(ax, "regions").get_paths()) == 35
    labels = [t for t in ax.texts if t.get_gid() == "label"]
    assert len(labels) == 35 and all(t.get_fontsize() >= 5.5 for t in labels)
    boxes = [t.get_window_extent() for t in labels]
    overlapping = [
        (labels[i].get_text(), labels[j].get_text())
        for i in range(len(boxes)) for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]
    assert overlapping == []
    assert credit in _texts(ax)


# ------------------------------------------------------------------ policy-ready maps
def _scale_bars(ax):
    return [a for a in ax.artists if a.get_gid() == "scale_bar"]


def test_every_map_has_a_scale_bar_in_km(landscape, grid, grid_graph):
    from rato_opt.maps.draw import nice_length, scale_label

    assert [nice_length(x) for x in (300_000, 42_000, 9_000)] == [50_000, 5_000, 1_000]
    assert scale_label(2_500) == "2,5 km" and scale_label(500) == "500 m"
    plan = _plan(grid)
    axes = [
        plot_regions(grid, plan, ax=Figure().subplots(), graph=grid_graph),
        plot_regions(grid, plan, ax=Figure().subplots(), graph=grid_graph, legend=False),
        plot_difference(grid, plan, pd.Series("R0", index=grid.index), ax=Figure().subplots()),
        plot_layer(landscape, "sop", ax=Figure().subplots()),
        plot_multiplicity(landscape, ax=Figure().subplots()),
        plot_white_spots(landscape, ax=Figure().subplots()),
    ]
    for ax in axes:
        bars = _scale_bars(ax)
        assert len(bars) == 1
        width = ax.get_xlim()[1] - ax.get_xlim()[0]  # map units: metres
        assert bars[0].length <= 0.2 * width and bars[0].txt_label.get_text()
    assert not _scale_bars(plot_regions(grid, plan, ax=Figure().subplots(), graph=grid_graph,
                                        scale_bar=False))


def test_scale_bar_avoids_the_legend(grid, grid_graph, ax):
    plot_regions(grid, _plan(grid), ax=ax, graph=grid_graph, legend_loc="lower right")
    bar = _scale_bars(ax)[0]
    assert not bar.get_window_extent().overlaps(ax.get_legend().get_window_extent())


def test_plot_regions_of_a_plan_states_status_and_gap(grid, grid_graph):
    import dataclasses

    from rato_opt.assess.plan import score_plan
    from rato_opt.maps.style import plan_status

    land = Landscape(grid, {}, credit=CREDIT)
    plan = dataclasses.replace(score_plan(land, _plan(grid)), status="feasible", gap=0.123)
    ax = plot_regions(land, plan, ax=Figure().subplots(), graph=grid_graph)
    title = ax.get_title(loc="left")
    assert title == "2 regio's\nStatus: haalbaar, gat 12,3 % tot de ondergrens"
    assert CREDIT in _texts(ax)  # the landscape's credit by default
    labels = sorted(t.get_text() for t in ax.texts if t.get_gid() == "label")
    assert labels == sorted(plan.regions["name"])  # the plan's region names
    ax = plot_regions(land, plan, ax=Figure().subplots(), graph=grid_graph, lang="en",
                      credit="")
    assert ax.get_title(loc="left") == "2 regions\nStatus: feasible, gap 12.3% to the lower bound"
    assert CREDIT not in _texts(ax)
    assert plan_status("optimal", 0.0, "nl") == "Status: optimaal (bewezen)"
    assert plan_status("feasible", None, "nl") == "Status: haalbaar, gat onbekend (geen ondergrens)"
    assert plan_status("infeasible", None, "en") == "Status: infeasible"


def test_legends_name_every_drawn_element(grid, grid_graph):
    plan = _plan(grid)
    b = pd.Series("R0", index=grid.index)
    ax = plot_difference(grid, plan, b, ax=Figure().subplots())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["van regio gewisseld (6)", "niet gewisseld (6)"]
    gm = grid.rename(index=lambda c: "GM" + c)
    ax = plot_regions(gm, plan.rename(index=lambda c: "GM" + c), ax=Figure().subplots())
    assert ax.get_legend().get_texts()[0].get_text() == "gemeenten (12), gekleurd per regio"
