"""Maps of the collaboration landscape: one layer, coverage counts, witte vlekken.

Every map function takes ``ax=None`` (a new figure is made when it is None), draws on that
Axes only and returns it. Collections carry a ``gid`` (``"units"``, ``"collaborations"``,
``"overlap"``, ``"uncovered"``, ``"white_spots"``) so that maps can be inspected.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from ..exceptions import InputError, LayerError
from ..landscape import Landscape, Layer, graph_from_landscape, multiplicity
from ..landscape import white_spots as find_white_spots
from .colouring import colour_graph
from .draw import (
    add_credit,
    add_legend,
    add_polygons,
    frame_map,
    get_ax,
    hatch_patch,
    set_title,
    sliver_area,
    union_parts,
)
from .labels import draw_labels
from .style import (
    GREY_FILL,
    HIGHLIGHT,
    MULTIPLICITY,
    UNIT_EDGE,
    WEIGHT_NAMES,
    Lang,
    darker,
    local_number,
    local_share,
    texts,
    unit_nouns,
    with_alpha,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_layer", "plot_multiplicity", "plot_white_spots"]


def _check_layer(landscape: Landscape, layer: str) -> Layer:
    if not isinstance(landscape, Landscape):
        raise InputError(f"expected a rato_opt.Landscape, got {type(landscape).__name__}")
    if layer not in landscape.layers:
        raise LayerError(
            f"unknown layer {layer!r}; the landscape has {sorted(landscape.layers)}"
        )
    return landscape.layers[layer]


def _credit(landscape: Landscape, credit: str | None) -> str:
    return landscape.credit if credit is None else credit


def plot_layer(
    landscape: Landscape,
    layer: str,
    *,
    ax: Axes | None = None,
    max_labels: int = 12,
    title: str | None = None,
    lang: Lang = "nl",
    credit: str | None = None,
    legend: bool = True,
    legend_loc: str = "auto",
    alpha: float = 0.3,
    max_legend: int = 10,
    unit_noun: tuple[str, str] | str | None = None,
    figsize: tuple[float, float] | None = None,
    graph: nx.Graph | None = None,
) -> Axes:
    """Map the collaborations of one layer, with their overlaps and gaps.

    Each collaboration is drawn as the outline of its member units in its own colour with
    a translucent fill, so overlapping collaborations show as blended colours; units that
    belong to two or more collaborations are also hatched, and units that belong to none
    (witte vlekken of this layer) are dotted. Unit boundaries are light grey.
    Collaborations that overlap or neighbour each other (two of their units are neighbours
    in the unit graph, links such as ferries included) get different colours.

    Parameters
    ----------
    landscape : Landscape
        Units and layers.
    layer : str
        Name of the layer to map.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    max_labels : int, default 12
        Label at most this many collaborations (the largest by member count), by name,
        at a point they do not share with others where possible. 0 for none.
    title : str, optional
        Title; default names the layer, its number of collaborations and the number of
        uncovered and overlapping units. ``""`` for none.
    lang : {"nl", "en"}, default "nl"
        Language of the generated texts.
    credit : str, optional
        Data credit; default ``landscape.credit``.
    legend : bool, default True
        Draw a legend (with one entry per collaboration when there are at most
        ``max_legend``).
    legend_loc : str, default "auto"
        ``"auto"``: the inside corner that covers least of the map, else right of it;
        ``"right"``/``"below"``: outside the map; or a matplotlib legend location.
    alpha : float, default 0.3
        Opacity of the collaboration fills.
    max_legend : int, default 10
        Most collaborations listed in the legend.
    unit_noun : str or (str, str), optional
        Word for a unit (singular, plural), e.g. ``("gemeente", "gemeenten")``.
    figsize : (float, float), optional
        Size of a new figure, in inches.
    graph : networkx.Graph, optional
        Unit graph for the colouring; default
        :func:`rato_opt.landscape.graph.graph_from_landscape` (the optimiser's graph).

    Returns
    -------
    matplotlib.axes.Axes
        The map (collections ``"units"``, ``"uncovered"``, ``"collaborations"``,
        ``"overlap"``).

    Examples
    --------
    >>> import matplotlib, pandas as pd, geopandas as gpd
    >>> from matplotlib.figure import Figure
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abcd")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:28992"), code="code")
    >>> t = pd.DataFrame({"unit": ["a", "b", "b", "c"], "collaboration": ["x", "x", "y", "y"]})
    >>> land = Landscape(units, [Layer.from_table("sop", t, units)])
    >>> ax = plot_layer(land, "sop", ax=Figure().subplots())
    >>> ax.get_title(loc="left").splitlines()[0]
    'sop: 2 samenwerkingen'
    """
    t = texts(lang)
    lay = _check_layer(landscape, layer)
    units = landscape.units
    _sg, pl = unit_nouns(t, unit_noun)
    ax = get_ax(ax, figsize)
    counts = lay.count(units.index)
    membership = lay.membership()

    add_polygons(
        ax, units.geometry, gid="units", facecolor="white", edgecolor=UNIT_EDGE, linewidth=0.35,
        zorder=1,
    )
    uncovered = counts[counts == 0].index
    add_polygons(
        ax, units.geometry.loc[uncovered], gid="uncovered", facecolor="none",
        edgecolor=UNIT_EDGE, linewidth=0.35, hatch="....", hatchcolor="#8C8C8C",
        hatch_linewidth=0.6, zorder=2,
    )

    # collaboration outlines, coloured so that overlapping/neighbouring ones differ
    collab_ids = list(lay.collaborations.index)
    keys_geoms = {}
    min_area = sliver_area(units)
    for cid, group in membership.groupby("collaboration", sort=True):
        keys_geoms[str(cid)] = union_parts(units.geometry.loc[group["unit"]].to_numpy(), min_area)
    shapes = gpd.GeoSeries(keys_geoms, crs=units.crs).sort_index()
    if graph is None:
        graph = graph_from_landscape(landscape)
    colours = colour_graph(_collaboration_graph(membership, graph, shapes.index))
    fill = [with_alpha(colours[c], alpha) for c in shapes.index]
    edge = [darker(colours[c]) for c in shapes.index]
    add_polygons(
        ax, shapes.to_numpy(), gid="collaborations", facecolor=fill, edgecolor=edge,
        linewidth=1.3, zorder=3,
    )
    overlap = counts[counts >= 2].index
    add_polygons(
        ax, units.geometry.loc[overlap], gid="overlap", facecolor="none", edgecolor="none",
        linewidth=0.0, hatch="////", hatchcolor="#333333", hatch_linewidth=0.5, zorder=4,
    )
    frame_map(ax, units.total_bounds)

    if legend:
        handles = []
        if len(shapes) <= max_legend:
            names = lay.collaborations["name"].astype(str)
            for c in shapes.index:
                handles.append(
                    hatch_patch(facecolor=with_alpha(colours[c], alpha),
                                edgecolor=darker(colours[c]), linewidth=1.0,
                                label=names.get(c, c))
                )
        handles.append(
            hatch_patch(facecolor="white", edgecolor="#666666", linewidth=0.5, hatch="////",
                        hatchcolor="#333333", label=t["overlap"])
        )
        handles.append(
            hatch_patch(facecolor="white", edgecolor="#8C8C8C", linewidth=0.5, hatch="....",
                        hatchcolor="#8C8C8C", label=f"{t['uncovered']} ({t['white_spot']})")
        )
        add_legend(ax, handles, loc=legend_loc, footprint=units.geometry.to_numpy())
    if title is None:
        set_title(
            ax,
            t["layer_title"].format(layer=layer, n=len(collab_ids)),
            t["layer_sub"].format(u=len(uncovered), units=pl, o=len(overlap)),
        )
    else:
        set_title(ax, title)
    add_credit(ax, _credit(landscape, credit))
    if max_labels and len(shapes):
        size = membership.groupby("collaboration").size().reindex(shapes.index).fillna(0)
        chosen = sorted(shapes.index, key=lambda c: (-size[c], c))[: int(max_labels)]
        single = counts[counts == 1].index
        anchors = {}
        for c in chosen:
            own = [u for u in membership.loc[membership["collaboration"] == c, "unit"]
                   if u in single]
            anchors[c] = (
                union_parts(units.geometry.loc[own].to_numpy(), min_area) if own else shapes[c]
            )
        names = lay.collaborations["name"].astype(str).to_dict()
        draw_labels(
            ax, gpd.GeoSeries(anchors, crs=units.crs), names, min_fontsize=5.5,
            max_fontsize=8.5, colours={c: darker(colours[c], 0.3) for c in chosen},
        )
    return ax


def _collaboration_graph(
    membership: pd.DataFrame, graph: nx.Graph, keys: Sequence[str]
) -> nx.Graph:
    """Collaborations joined where they share a unit or two of their units are neighbours.

    Neighbours are those of the unit graph (with the landscape's links), the meaning of
    "neighbour" the optimiser and the region maps use.
    """
    of_unit: dict[str, list[str]] = {}
    for unit, collab in zip(membership["unit"].astype(str), membership["collaboration"].astype(str),
                            strict=True):
        of_unit.setdefault(unit, []).append(collab)
    g = nx.Graph()
    g.add_nodes_from(keys)
    for collabs in of_unit.values():
        g.add_edges_from((a, b) for i, a in enumerate(collabs) for b in collabs[i + 1:] if a != b)
    for u, v in graph.edges():
        g.add_edges_from((a, b) for a in of_unit.get(str(u), ()) for b in of_unit.get(str(v), ())
                         if a != b)
    return g


def plot_multiplicity(
    landscape: Landscape,
    layer: str | None = None,
    *,
    ax: Axes | None = None,
    total: bool = False,
    title: str | None = None,
    lang: Lang = "nl",
    credit: str | None = None,
    legend: bool = True,
    legend_loc: str = "auto",
    unit_noun: tuple[str, str] | str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """Colour the units by how many collaborations cover them: 0, 1, 2, 3+.

    Parameters
    ----------
    landscape : Landscape
        Units and layers.
    layer : str, optional
        Count the collaborations of this layer. None counts over all layers: the number
        of layers covering each unit, or with ``total=True`` the number of
        collaborations of all layers together.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    total : bool, default False
        With ``layer=None``: count collaborations instead of layers.
    title : str, optional
        Title; a default in ``lang``; ``""`` for none.
    lang : {"nl", "en"}, default "nl"
        Language of the legend ("niet gedekt", "1 samenwerking", ...).
    credit : str, optional
        Data credit; default ``landscape.credit``.
    legend : bool, default True
        Draw the discrete legend, with the number of units per class.
    legend_loc : str, default "auto"
        ``"auto"``: the inside corner that covers least of the map, else right of it;
        ``"right"``/``"below"``: outside the map; or a matplotlib legend location.
    unit_noun : str or (str, str), optional
        Word for a unit (singular, plural).
    figsize : (float, float), optional
        Size of a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The map; collection ``"units"`` holds one patch per unit.

    Examples
    --------
    >>> import pandas as pd, geopandas as gpd
    >>> from matplotlib.figure import Figure
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abc")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> t = pd.DataFrame({"unit": ["a", "b", "b"], "collaboration": ["x", "x", "y"]})
    >>> land = Landscape(units, [Layer.from_table("sop", t, units)])
    >>> ax = plot_multiplicity(land, "sop", ax=Figure().subplots())
    >>> [x.get_text() for x in ax.get_legend().get_texts()][:2]
    ['niet gedekt (1)', '1 samenwerking (1)']
    """
    t = texts(lang)
    sg, _pl = unit_nouns(t, unit_noun)
    if layer is not None:
        _check_layer(landscape, layer)
        counts = multiplicity(landscape, [layer])[layer]
        kind = "collab"
        default_title = t["mult_layer"].format(unit=sg, layer=layer)
    else:
        mult = multiplicity(landscape)
        counts = mult["total"] if total else mult["any"]
        kind = "collab" if total else "layer"
        default_title = t["mult_total" if total else "mult_any"].format(unit=sg)
    ax = get_ax(ax, figsize)
    units = landscape.units
    klass = np.minimum(counts.reindex(units.index).to_numpy(dtype=int), 3)
    faces = [MULTIPLICITY[k] for k in klass]
    add_polygons(
        ax, units.geometry, gid="units", facecolor=faces, edgecolor=UNIT_EDGE, linewidth=0.35,
        zorder=1,
    )
    zero = units.index[klass == 0]
    add_polygons(
        ax, units.geometry.loc[zero], gid="uncovered", facecolor="none", edgecolor="#9A9A9A",
        linewidth=0.5, hatch="....", hatchcolor="#8C8C8C", hatch_linewidth=0.6, zorder=2,
    )
    frame_map(ax, units.total_bounds)
    if legend:
        labels = [
            t["uncovered"],
            t[f"{kind}_1"],
            t[f"{kind}_n"].format(n=2),
            t[f"{kind}_more"].format(n=3),
        ]
        handles = []
        for k, label in enumerate(labels):
            n = int((klass == k).sum())
            handles.append(
                hatch_patch(
                    facecolor=MULTIPLICITY[k], edgecolor="#9A9A9A", linewidth=0.5,
                    hatch="...." if k == 0 else None, hatchcolor="#8C8C8C",
                    label=f"{label} ({local_number(n, lang)})",
                )
            )
        add_legend(ax, handles, title=t["legend_coverage"], loc=legend_loc,
                footprint=units.geometry.to_numpy())
    set_title(ax, default_title if title is None else title)
    add_credit(ax, _credit(landscape, credit))
    return ax


def plot_white_spots(
    landscape: Landscape,
    layers: Sequence[str] | None = None,
    *,
    how: Literal["any", "all"] = "any",
    ax: Axes | None = None,
    title: str | None = None,
    lang: Lang = "nl",
    credit: str | None = None,
    legend: bool = True,
    legend_loc: str = "auto",
    weights: Sequence[str] | None = None,
    unit_noun: tuple[str, str] | str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """Highlight the witte vlekken: units that the collaborations leave uncovered.

    Uses :func:`rato_opt.landscape.coverage.white_spots`; the legend gives their number and their
    share of every weight (population, pupils, ...).

    Parameters
    ----------
    landscape : Landscape
        Units and layers.
    layers : sequence of str, optional
        Layers to consider; all by default.
    how : {"any", "all"}, default "any"
        ``"any"``: units no layer covers; ``"all"``: units missing from at least one of
        the layers (see :func:`rato_opt.landscape.coverage.white_spots`).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title : str, optional
        Title; default states the count; ``""`` for none.
    lang : {"nl", "en"}, default "nl"
        Language of the generated texts.
    credit : str, optional
        Data credit; default ``landscape.credit``.
    legend : bool, default True
        Draw the legend with count and shares.
    legend_loc : str, default "auto"
        ``"auto"``: the inside corner that covers least of the map, else right of it;
        ``"right"``/``"below"``: outside the map; or a matplotlib legend location.
    weights : sequence of str, optional
        Weight columns whose share to state; default the population and pupil columns
        present.
    unit_noun : str or (str, str), optional
        Word for a unit (singular, plural), e.g. ``("gemeente", "gemeenten")``.
    figsize : (float, float), optional
        Size of a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The map; collections ``"units"`` and ``"white_spots"``.

    Examples
    --------
    >>> import pandas as pd, geopandas as gpd
    >>> from matplotlib.figure import Figure
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abc"), "population": [1, 1, 2]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(units, [Layer.from_partition("amr", pd.Series({"a": "x", "b": "x",
    ...     "c": None}))])
    >>> ax = plot_white_spots(land, ax=Figure().subplots())
    >>> ax.get_title(loc="left").splitlines()[0]
    'Witte vlekken: 1 eenheden'
    """
    t = texts(lang)
    if how not in ("any", "all"):
        raise InputError(
            f"how must be 'any' or 'all' for a map of witte vlekken, got {how!r}; "
            "use rato_opt.white_spots(..., how='each') for a table per layer"
        )
    if not isinstance(landscape, Landscape):
        raise InputError(f"expected a rato_opt.Landscape, got {type(landscape).__name__}")
    spots = find_white_spots(landscape, layers=layers, how=how)
    names = list(landscape.layers) if layers is None else list(layers)
    units = landscape.units
    sg, pl = unit_nouns(t, unit_noun)
    if weights is None:
        weights = [c for c in ("population", "pupils_po", "pupils_vo", "pupils_mbo")
                   if c in units.columns]
    shares = []
    for c in weights:
        total = float(units[c].sum())
        if total > 0:
            share = float(units.loc[spots.index, c].sum()) / total
            what = WEIGHT_NAMES[lang].get(c, c)
            shares.append(t["share_of"].format(share=local_share(share, lang), what=what))
    ax = get_ax(ax, figsize)
    is_spot = units.index.isin(spots.index)
    add_polygons(
        ax, units.geometry, gid="units", facecolor=GREY_FILL, edgecolor="white",
        linewidth=0.35, zorder=1,
    )
    add_polygons(
        ax, units.geometry[is_spot], gid="white_spots", facecolor=HIGHLIGHT,
        edgecolor="white", linewidth=0.35, zorder=2,
    )
    frame_map(ax, units.total_bounds)
    n = len(spots)
    noun = sg if n == 1 and lang == "en" else pl
    if legend:
        spot_label = f"{t['white_spot']} ({local_number(n, lang)} {noun})"
        if shares and n:
            spot_label += "\n" + "\n".join(shares)
        handles = [
            hatch_patch(facecolor=HIGHLIGHT, edgecolor="white", label=spot_label),
            hatch_patch(facecolor=GREY_FILL, edgecolor="white", label=t["covered"]),
        ]
        add_legend(ax, handles, loc=legend_loc, footprint=units.geometry.to_numpy())
    if title is None:
        sub = t["ws_how_" + how]
        if layers is not None or len(names) > 1:
            sub += "; " + t["ws_layers"].format(layers=", ".join(names))
        sub = "\n".join(textwrap.wrap(sub, width=70))
        if shares and n:
            sub += "\n" + shares[0]  # the first weight (population) in the title
        set_title(ax, t["ws_title"].format(n=local_number(n, lang), units=noun), sub)
    else:
        set_title(ax, title)
    add_credit(ax, _credit(landscape, credit))
    return ax


