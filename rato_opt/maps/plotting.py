"""Static maps for policy documents: collaboration landscapes, region plans and their differences.

Every map function takes ``ax=None`` (a new figure is made when it is None), draws on that
Axes only and returns it; nothing else changes (no rcParams, no ``plt.show()``). Matplotlib
is imported inside the functions. Labels are Dutch by default (``lang="en"`` for English),
and a data credit (e.g. ``"Bron: CBS/Kadaster (via PDOK), DUO"``) is printed on every map
that is given one (:func:`add_credit`).

Collections carry a ``gid`` so that maps can be inspected programmatically:
``"units"`` (one patch per unit), ``"regions"`` (one per region), ``"collaborations"``,
``"overlap"``, ``"uncovered"``, ``"white_spots"``, ``"overlay"``, ``"changed"``; the
credit text has gid ``"credit"``.

A *plan* is an assignment: a :class:`pandas.Series` mapping unit code → region id with
index ``units.index``.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
import shapely.affinity

from .._util import listing
from ..exceptions import InputError, LayerError, UnitCodeError
from ..landscape.coverage import Landscape, multiplicity
from ..landscape.coverage import white_spots as find_white_spots
from ..landscape.layers import Layer
from .colouring import (
    check_assignment,
    colour_graph,
    match_regions,
    region_colours,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.collections import PatchCollection
    from matplotlib.figure import Figure
    from matplotlib.text import Text

__all__ = [
    "add_credit",
    "plot_layer",
    "plot_multiplicity",
    "plot_white_spots",
    "plot_regions",
    "plot_difference",
    "small_multiples",
    "save_figure",
    "region_colours",
    "match_regions",
    "changed_units",
]

Lang = Literal["nl", "en"]

# ----------------------------------------------------------------------------- style
_UNIT_EDGE = "#C8C8C8"  # unit boundaries on white / translucent maps
_UNIT_EDGE_ON_COLOUR = "#FFFFFF"  # unit boundaries inside coloured regions
_REGION_EDGE = "#222222"
_TEXT = "#1A1A1A"
_GREY_FILL = "#E4E4E4"
_PLAN_A_EDGE = "#1F5FA8"  # dashed boundaries of the reference plan in difference maps
_HIGHLIGHT = "#D55E00"  # Okabe-Ito vermillion: white spots, changed units
_MULTIPLICITY = ("#FFFFFF", "#C6DBEF", "#6BAED6", "#2171B5")  # 0, 1, 2, 3+
_TITLE_SIZE = 11.0
_LEGEND_SIZE = 7.5
_CREDIT_SIZE = 6.5
_FIGSIZE = (6.3, 7.4)  # a Kamerbrief text column (16 cm) wide

_TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "uncovered": "niet gedekt",
        "collab_1": "1 samenwerking",
        "collab_n": "{n} samenwerkingen",
        "collab_more": "{n}+ samenwerkingen",
        "layer_1": "1 laag",
        "layer_n": "{n} lagen",
        "layer_more": "{n}+ lagen",
        "overlap": "overlap (2+ samenwerkingen)",
        "white_spot": "witte vlek",
        "covered": "gedekt",
        "units": "eenheden",
        "unit": "eenheid",
        "region_boundary": "regiogrens ({n} regio's)",
        "regions": "{n} regio's",
        "not_assigned": "niet toegewezen",
        "changed": "van regio gewisseld",
        "layer_title": "{layer}: {n} samenwerkingen",
        "layer_sub": "{u} {units} niet gedekt, {o} met overlap",
        "mult_layer": "Aantal samenwerkingen per {unit} – {layer}",
        "mult_total": "Aantal samenwerkingen per {unit} – alle lagen",
        "mult_any": "Aantal lagen dat een {unit} dekt",
        "legend_coverage": "Dekking",
        "ws_title": "Witte vlekken: {n} {units}",
        "ws_layers": "lagen: {layers}",
        "ws_how_any": "door geen enkele laag gedekt",
        "ws_how_all": "door minstens één laag niet gedekt",
        "share_of": "{share} van {what}",
        "diff_title": "{n} {units} van regio gewisseld",
        "boundary_of": "regiogrens {plan}",
        "overlay": "grens {name}",
        "collaborations_more": "… en {n} andere samenwerkingen",
        "and": "en",
    },
    "en": {
        "uncovered": "not covered",
        "collab_1": "1 collaboration",
        "collab_n": "{n} collaborations",
        "collab_more": "{n}+ collaborations",
        "layer_1": "1 layer",
        "layer_n": "{n} layers",
        "layer_more": "{n}+ layers",
        "overlap": "overlap (2+ collaborations)",
        "white_spot": "white spot",
        "covered": "covered",
        "units": "units",
        "unit": "unit",
        "region_boundary": "region boundary ({n} regions)",
        "regions": "{n} regions",
        "not_assigned": "not assigned",
        "changed": "changed region",
        "layer_title": "{layer}: {n} collaborations",
        "layer_sub": "{u} {units} not covered, {o} with overlap",
        "mult_layer": "Collaborations per {unit} – {layer}",
        "mult_total": "Collaborations per {unit} – all layers",
        "mult_any": "Number of layers covering a {unit}",
        "legend_coverage": "Coverage",
        "ws_title": "White spots: {n} {units}",
        "ws_layers": "layers: {layers}",
        "ws_how_any": "covered by no layer",
        "ws_how_all": "missing from at least one layer",
        "share_of": "{share} of {what}",
        "diff_title": "{n} {units} changed region",
        "boundary_of": "region boundary {plan}",
        "overlay": "boundary {name}",
        "collaborations_more": "… and {n} more collaborations",
        "and": "and",
    },
}

_WEIGHT_NAMES = {
    "nl": {
        "population": "de inwoners",
        "pupils_po": "de leerlingen po",
        "pupils_vo": "de leerlingen vo",
        "pupils_mbo": "de studenten mbo",
        "shortage_fte": "het lerarentekort (fte)",
    },
    "en": {
        "population": "the population",
        "pupils_po": "primary pupils",
        "pupils_vo": "secondary pupils",
        "pupils_mbo": "mbo students",
        "shortage_fte": "the teacher shortage (fte)",
    },
}


def _texts(lang: str) -> dict[str, str]:
    if lang not in _TEXTS:
        raise InputError(f"lang must be one of {sorted(_TEXTS)}, got {lang!r}")
    return _TEXTS[lang]


def _fmt_number(x: float, lang: str, digits: int = 0) -> str:
    """Format a number with Dutch (1.234,5) or English (1,234.5) separators."""
    s = f"{x:,.{digits}f}"
    if lang == "nl":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


def _fmt_share(x: float, lang: str) -> str:
    digits = 1 if x < 0.1 else 0
    return _fmt_number(100 * x, lang, digits) + "%"


# ----------------------------------------------------------------------------- basics
def _get_ax(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize or _FIGSIZE, layout="constrained")
    return new


def _polygon_path(geom: shapely.Geometry):
    """A compound matplotlib Path of a (multi)polygon, holes included."""
    from matplotlib.path import Path as MplPath

    rings: list[MplPath] = []
    if geom is not None and not geom.is_empty:
        geom = shapely.orient_polygons(geom) if hasattr(shapely, "orient_polygons") else geom
        for poly in _polygons(geom):
            for ring in (poly.exterior, *poly.interiors):
                xy = np.asarray(ring.coords)[:, :2]
                if len(xy) >= 3:
                    rings.append(MplPath(xy, closed=True))
    if not rings:
        return MplPath(np.zeros((0, 2)))
    return MplPath.make_compound_path(*rings)


def _polygons(geom: shapely.Geometry) -> list[shapely.Polygon]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


def _add_polygons(
    ax: Axes,
    geoms: Iterable[shapely.Geometry],
    *,
    gid: str,
    hatch: str | None = None,
    hatchcolor: Any = None,
    hatch_linewidth: float | None = None,
    **kwargs: Any,
) -> PatchCollection:
    """Add one patch per geometry to ``ax`` as a single collection named ``gid``."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch

    patches = [PathPatch(_polygon_path(g)) for g in geoms]
    coll = PatchCollection(patches, match_original=False, **kwargs)
    if hatch:
        coll.set_hatch(hatch)
        if hatchcolor is not None and hasattr(coll, "set_hatchcolor"):
            coll.set_hatchcolor(hatchcolor)
        elif hatchcolor is not None:  # matplotlib < 3.10 draws hatches in the edge colour
            coll.set_edgecolor(hatchcolor)
        if hatch_linewidth is not None and hasattr(coll, "set_hatch_linewidth"):
            coll.set_hatch_linewidth(hatch_linewidth)
    coll.set_gid(gid)
    ax.add_collection(coll, autolim=True)
    return coll


def _add_lines(ax: Axes, geoms: Iterable[shapely.Geometry], *, gid: str, **kwargs: Any):
    """Add the (multi)line geometries to ``ax`` as a single LineCollection named ``gid``."""
    from matplotlib.collections import LineCollection

    segments = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        parts = shapely.get_parts(shapely.line_merge(geom) if geom.geom_type in (
            "MultiLineString", "LineString") else geom)
        for part in np.atleast_1d(parts):
            if part.geom_type == "LineString":
                segments.append(np.asarray(part.coords)[:, :2])
            elif part.geom_type == "LinearRing":
                segments.append(np.asarray(part.coords)[:, :2])
    coll = LineCollection(segments, **kwargs)
    coll.set_gid(gid)
    ax.add_collection(coll, autolim=False)
    return coll


def _hatch_patch(**kwargs: Any):
    """A legend patch; hatch colour applied where matplotlib supports it."""
    from matplotlib.patches import Patch

    hatchcolor = kwargs.pop("hatchcolor", None)
    patch = Patch(**kwargs)
    if hatchcolor is not None and hasattr(patch, "set_hatchcolor"):
        patch.set_hatchcolor(hatchcolor)
    return patch


def _frame_map(ax: Axes, bounds: Sequence[float], margin: float = 0.02) -> None:
    """Equal-aspect map extent around ``bounds``, no axis decoration."""
    x0, y0, x1, y1 = bounds
    dx, dy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    ax.set_xlim(x0 - margin * dx, x1 + margin * dx)
    ax.set_ylim(y0 - margin * dy, y1 + margin * dy)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()


def _set_title(ax: Axes, title: str | None, subtitle: str | None = None) -> None:
    if title is None and subtitle is None:
        return
    text = title or ""
    if subtitle:
        text = f"{text}\n{subtitle}" if text else subtitle
    ax.set_title(text, fontsize=_TITLE_SIZE, loc="left", color=_TEXT, pad=6)


def add_credit(
    ax: Axes,
    text: str,
    *,
    loc: Literal[
        "below right", "below left", "lower right", "lower left", "upper right", "upper left"
    ] = "below right",
    fontsize: float = _CREDIT_SIZE,
) -> Text | None:
    """Print a data credit (e.g. ``"Bron: CBS/Kadaster (via PDOK), DUO"``) on a map.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The map.
    text : str
        The credit; nothing is drawn when it is empty.
    loc : str, default "below right"
        ``"below right"``/``"below left"``: just under the map, outside the axes, so it
        never covers the map; or a corner inside the axes (``"lower right"``, ...).
    fontsize : float, default 6.5
        Font size in points.

    Returns
    -------
    matplotlib.text.Text or None
        The credit text (gid ``"credit"``), or None for an empty credit.

    Examples
    --------
    >>> import matplotlib
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> add_credit(ax, "Bron: CBS/Kadaster (via PDOK)").get_text()
    'Bron: CBS/Kadaster (via PDOK)'
    """
    corners = {
        "below right": (1.0, -0.005, "right", "top"),
        "below left": (0.0, -0.005, "left", "top"),
        "lower right": (0.995, 0.005, "right", "bottom"),
        "lower left": (0.005, 0.005, "left", "bottom"),
        "upper right": (0.995, 0.995, "right", "top"),
        "upper left": (0.005, 0.995, "left", "top"),
    }
    if loc not in corners:
        raise InputError(f"loc must be one of {sorted(corners)}, got {loc!r}")
    if not text:
        return None
    x, y, ha, va = corners[loc]
    artist = ax.text(
        x,
        y,
        text,
        transform=ax.transAxes,
        ha=ha,
        va=va,
        fontsize=fontsize,
        color="#444444",
        zorder=10,
        bbox={"boxstyle": "square,pad=0.25", "facecolor": "white", "edgecolor": "none",
              "alpha": 0.8},
    )
    artist.set_gid("credit")
    return artist


def _legend(
    ax: Axes,
    handles: list,
    *,
    title: str | None = None,
    loc: str = "auto",
    footprint: Any = None,
):
    """Add a legend. ``loc="auto"``: the inside corner covering least of ``footprint``
    (the unit geometries), or outside right of the map when every corner covers more than
    3% of the map there."""
    if not handles:
        return None
    outside = {"right": ((1.01, 1.0), "upper left"), "below": ((0.0, -0.04), "upper left")}
    kwargs = {
        "fontsize": _LEGEND_SIZE,
        "title": title,
        "title_fontsize": _LEGEND_SIZE + 0.5,
        "frameon": True,
        "framealpha": 0.92,
        "edgecolor": "#BBBBBB",
        "fancybox": False,
        "handlelength": 1.6,
        "handleheight": 1.1,
        "borderpad": 0.5,
        "labelspacing": 0.35,
    }
    if loc in outside:
        anchor, where = outside[loc]
        leg = ax.legend(handles=handles, loc=where, bbox_to_anchor=anchor, **kwargs)
    elif loc != "auto":
        leg = ax.legend(handles=handles, loc=loc, **kwargs)
    else:
        leg = ax.legend(handles=handles, loc="upper left", **kwargs)
        best = _best_corner(ax, leg, footprint)
        if best is None:
            leg.remove()
            anchor, where = outside["right"]
            leg = ax.legend(handles=handles, loc=where, bbox_to_anchor=anchor, **kwargs)
        else:
            leg.set_loc(best)
    leg.set_zorder(11)
    return leg


def _best_corner(ax: Axes, leg: Any, footprint: Any, limit: float = 0.03) -> str | None:
    """The inside corner where the legend covers the smallest share of the map."""
    if footprint is None:
        return "upper left"
    geoms = np.asarray(footprint)
    _layout(ax)
    inv = ax.transData.inverted()
    best, best_share = None, np.inf
    for corner in ("upper left", "upper right", "lower left", "lower right"):
        leg.set_loc(corner)
        bb = leg.get_window_extent()
        (x0, y0), (x1, y1) = inv.transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
        box = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        if box.area <= 0:
            continue
        share = float(shapely.area(shapely.intersection(geoms, box)).sum()) / box.area
        if share < best_share - 1e-9:
            best, best_share = corner, share
    return best if best_share <= limit else None


def _layout(ax: Axes) -> None:
    """Run the figure's layout engine (if any) and fix the aspect, so sizes are final."""
    engine = ax.figure.get_layout_engine()
    if engine is not None:
        engine.execute(ax.figure)
    ax.apply_aspect()


def _dissolve(units: gpd.GeoDataFrame, keys: pd.Series) -> gpd.GeoSeries:
    """Union the unit geometries per key (NaN keys are left out), sorted by key.

    Slivers are removed: generalised boundaries that do not share vertices exactly leave
    zero-width holes in a union, which would be drawn as stray boundary fragments.
    """
    values = keys.reindex(units.index)
    mask = values.notna().to_numpy()
    geoms = units.geometry.to_numpy()[mask]
    k = values.to_numpy()[mask].astype(str)
    order = sorted(set(k))
    min_area = _sliver_area(units)
    out = [_union(geoms[k == key], min_area) for key in order]
    return gpd.GeoSeries(out, index=pd.Index(order, name=keys.name), crs=units.crs)


def _sliver_area(units: gpd.GeoDataFrame) -> float:
    """Holes and parts smaller than this (1e-7 of the map's area) are slivers."""
    return 1e-7 * float(units.geometry.area.sum())


def _union(geoms: Any, min_area: float) -> shapely.Geometry:
    """Union of polygons without sliver holes and sliver parts."""
    merged = shapely.union_all(np.asarray(geoms))
    parts = []
    for poly in _polygons(merged):
        if poly.area < min_area:
            continue
        holes = [ring for ring in poly.interiors if shapely.Polygon(ring).area >= min_area]
        parts.append(shapely.Polygon(poly.exterior, holes))
    if not parts:
        return merged
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _label_anchor(geom: shapely.Geometry) -> tuple[float, float, float]:
    """Centre and radius of the largest circle inside the largest part of ``geom``."""
    parts = _polygons(geom)
    if not parts:
        return (np.nan, np.nan, 0.0)
    poly = max(parts, key=lambda p: p.area)
    tol = max(np.sqrt(poly.area) / 200.0, 1e-9)
    try:
        line = shapely.maximum_inscribed_circle(poly, tol)
        centre = shapely.get_point(line, 0)
        return (centre.x, centre.y, float(line.length))
    except Exception:  # pragma: no cover - degenerate polygons
        p = poly.representative_point()
        return (p.x, p.y, np.sqrt(poly.area) / 4)


def _points_per_unit(ax: Axes) -> float:
    """Typographic points per data unit of an equal-aspect map."""
    _layout(ax)
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    w_pts, h_pts = bbox.width * fig_w * 72, bbox.height * fig_h * 72
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return min(w_pts / abs(x1 - x0), h_pts / abs(y1 - y0))


def _wrap(label: str, width: int = 14) -> str:
    if len(label) <= width:
        return label
    return "\n".join(textwrap.wrap(label, width=width, break_long_words=False)) or label


def _fit_label(text: str, room: float, wrap: int) -> tuple[str, float]:
    """Line breaks and font size (points) for a label in a circle of diameter ``room`` (pt).

    The text block may spill a little beyond the circle (labels are haloed); of the
    candidate wrappings the one allowing the largest font wins, ties to fewer lines.
    """
    candidates = [text]
    for width in (wrap, max(6, wrap * 2 // 3), max(5, wrap // 2)):
        wrapped = _wrap(text, width)
        if wrapped not in candidates:
            candidates.append(wrapped)
    best_label, best_size = text, 0.0
    for cand in candidates:
        lines = cand.split("\n")
        longest = max(max(len(line) for line in lines), 3)
        by_width = 1.8 * room / (0.56 * longest)
        by_height = 1.5 * room / (1.15 * len(lines))
        size = min(by_width, by_height)
        if size > best_size * 1.15:
            best_label, best_size = cand, size
    return best_label, best_size


def _size_class(size: float, low: float, high: float) -> float:
    """Round a font size down to one of three classes between ``low`` and ``high``."""
    classes = np.linspace(low, high, 3)
    fitting = classes[classes <= size + 1e-9]
    return float(fitting[-1]) if len(fitting) else float(low)


def _draw_labels(
    ax: Axes,
    geoms: gpd.GeoSeries,
    labels: Mapping[str, str],
    *,
    min_fontsize: float,
    max_fontsize: float,
    colours: Mapping[str, str] | None = None,
    wrap: int = 14,
    avoid_overlap: bool = True,
    relocate: bool = False,
) -> list[Text]:
    """Label each geometry at the centre of its largest inscribed circle.

    The font size follows the room there (the circle's diameter, times 1.6, should hold
    the longest line), clipped to ``[min_fontsize, max_fontsize]``; labels whose boxes
    overlap are shrunk, then nudged, a few times. With ``relocate`` (for a partition, e.g.
    regions), labels that spill over other regions are first moved to nearby free space
    (see :func:`_relocate`).
    """
    import matplotlib.patheffects as pe

    scale = _points_per_unit(ax)
    texts: list[Text] = []
    anchors: list[tuple[float, float]] = []
    keys: list[str] = []
    for key, geom in geoms.items():
        x, y, r = _label_anchor(geom)
        if not np.isfinite(x):
            continue
        label, size = _fit_label(str(labels.get(key, key)), 2 * r * scale, wrap)
        size = _size_class(size, min_fontsize, max_fontsize)
        colour = colours.get(key, _TEXT) if colours else _TEXT
        t = ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=size,
            color=colour,
            zorder=9,
            linespacing=1.0,
            path_effects=[pe.withStroke(linewidth=2.4, foreground="white")],
        )
        t.set_gid("label")
        t.set_in_layout(False)
        texts.append(t)
        anchors.append((x, y))
        keys.append(key)
    if relocate and len(texts):
        _relocate(ax, texts, keys, geoms)
    if avoid_overlap and len(texts) > 1:
        _declutter(ax, texts, min_fontsize)
    # a label moved away from its region gets a thin leader line to it
    for t, (x, y) in zip(texts, anchors, strict=True):
        tx, ty = t.get_position()
        if np.hypot(tx - x, ty - y) * scale > 0.9 * t.get_fontsize():
            ax.plot([x, tx], [y, ty], color="#444444", linewidth=0.5, zorder=8,
                    solid_capstyle="round", gid="leader")
            ax.plot([x], [y], marker="o", markersize=1.6, color="#444444", zorder=8,
                    gid="leader")
    return texts


def _data_box(ax: Axes, text: Text) -> shapely.Polygon:
    bb = text.get_window_extent()
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
    return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _relocate(ax: Axes, texts: list[Text], keys: list[str], shapes: gpd.GeoSeries) -> None:
    """Move labels that spill over other regions to a nearby spot that does not.

    A label's cost is the share of its box lying over *other* regions or other labels
    (or outside the map); empty space (sea) and its own region are free. Labels of the
    smallest size (those that did not fit) costing more than 0.35 try 48 positions around
    their anchor (12 directions × 4 distances) and move to the cheapest one when it is
    clearly better; a leader line is drawn later.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    frame = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    tol = 2e-3 * max(abs(x1 - x0), abs(y1 - y0))
    simple = shapely.simplify(shapes.to_numpy(), tol, preserve_topology=True)
    position = {k: i for i, k in enumerate(shapes.index)}
    tree = shapely.STRtree(simple)
    boxes = [_data_box(ax, t) for t in texts]

    def cost(i: int, box: shapely.Polygon) -> float:
        near = tree.query(box)
        own = position[keys[i]]
        foreign = sum(shapely.area(shapely.intersection(simple[j], box)) for j in near
                      if j != own)
        labels = sum(shapely.area(shapely.intersection(b, box)) for j, b in enumerate(boxes)
                     if j != i)
        outside = box.area - shapely.area(shapely.intersection(frame, box))
        return float(foreign + 3 * labels + 5 * outside) / max(box.area, 1e-12)

    smallest = min(t.get_fontsize() for t in texts)
    for i, t in enumerate(texts):
        if t.get_fontsize() > smallest + 1e-9:
            continue  # larger labels fit their region by construction
        box = boxes[i]
        now = cost(i, box)
        if now <= 0.35:
            continue
        bx0, by0, bx1, by1 = box.bounds
        w, h = bx1 - bx0, by1 - by0
        best = (now, 0.0, 0.0)
        for dist in (0.6, 0.9, 1.3, 1.8):
            for angle in np.deg2rad(np.arange(0, 360, 30)):
                dx = np.cos(angle) * dist * (w / 2 + h / 2)
                dy = np.sin(angle) * dist * (h / 2 + w / 6)
                moved = shapely.affinity.translate(box, dx, dy)
                c = cost(i, moved) + 0.04 * dist
                if c < best[0]:
                    best = (c, dx, dy)
        if best[0] < now - 0.15:
            tx, ty = t.get_position()
            t.set_position((tx + best[1], ty + best[2]))
            boxes[i] = shapely.affinity.translate(box, best[1], best[2])


def _declutter(ax: Axes, texts: list[Text], min_fontsize: float, rounds: int = 6) -> None:
    """Shrink, then push apart, labels whose boxes overlap."""
    inv = ax.transData.inverted()
    for step in range(rounds):
        boxes = [t.get_window_extent().expanded(1.10, 1.18) for t in texts]
        moved = False
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                if not boxes[i].overlaps(boxes[j]):
                    continue
                moved = True
                a, b = texts[i], texts[j]
                big = a if a.get_fontsize() >= b.get_fontsize() else b
                if step < 3 and big.get_fontsize() > min_fontsize + 0.25:
                    big.set_fontsize(max(min_fontsize, big.get_fontsize() * 0.88))
                    continue
                # push apart along the line joining the centres, by half the overlap
                bi, bj = boxes[i], boxes[j]
                ci = np.array([(bi.x0 + bi.x1) / 2, (bi.y0 + bi.y1) / 2])
                cj = np.array([(bj.x0 + bj.x1) / 2, (bj.y0 + bj.y1) / 2])
                d = cj - ci
                if not np.any(d):
                    d = np.array([0.0, 1.0])
                ox = min(bi.x1, bj.x1) - max(bi.x0, bj.x0)
                oy = min(bi.y1, bj.y1) - max(bi.y0, bj.y0)
                shift = (
                    np.array([np.sign(d[0]) * ox / 2 + 0.5, 0.0])
                    if ox < oy
                    else np.array([0.0, np.sign(d[1]) * oy / 2 + 0.5])
                )
                for t, sgn in ((a, -1.0), (b, 1.0)):
                    px = ax.transData.transform(t.get_position())
                    t.set_position(tuple(inv.transform(px + sgn * shift)))
                boxes[i] = a.get_window_extent().expanded(1.10, 1.18)
                boxes[j] = b.get_window_extent().expanded(1.10, 1.18)
        if not moved:
            break


def _darker(colour: str, factor: float = 0.62) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (r * factor, g * factor, b * factor)


def _with_alpha(colour: str, alpha: float) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgba

    return to_rgba(colour, alpha)


def _check_units(units: Any) -> gpd.GeoDataFrame:
    if not isinstance(units, gpd.GeoDataFrame):
        raise InputError(
            f"units must be a GeoDataFrame (a unit table), got {type(units).__name__}; "
            "read one with rato_opt.read_units or validate it with rato_opt.validate_units"
        )
    return units


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


def _unit_nouns(t: Mapping[str, str], unit_noun: tuple[str, str] | str | None) -> tuple[str, str]:
    """(singular, plural) of the word for a unit, e.g. ("gemeente", "gemeenten")."""
    if unit_noun is None:
        return t["unit"], t["units"]
    if isinstance(unit_noun, str):
        return unit_noun, unit_noun
    return unit_noun[0], unit_noun[1]


# ------------------------------------------------------------------- landscape maps
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
) -> Axes:
    """Map the collaborations of one layer, with their overlaps and gaps.

    Each collaboration is drawn as the outline of its member units in its own colour with
    a translucent fill, so overlapping collaborations show as blended colours; units that
    belong to two or more collaborations are also hatched, and units that belong to none
    (witte vlekken of this layer) are dotted. Unit boundaries are light grey.
    Collaborations that overlap or touch get different colours.

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
    t = _texts(lang)
    lay = _check_layer(landscape, layer)
    units = landscape.units
    _sg, pl = _unit_nouns(t, unit_noun)
    ax = _get_ax(ax, figsize)
    counts = lay.count(units.index)
    membership = lay.membership()

    _add_polygons(
        ax, units.geometry, gid="units", facecolor="white", edgecolor=_UNIT_EDGE, linewidth=0.35,
        zorder=1,
    )
    uncovered = counts[counts == 0].index
    _add_polygons(
        ax, units.geometry.loc[uncovered], gid="uncovered", facecolor="none",
        edgecolor=_UNIT_EDGE, linewidth=0.35, hatch="....", hatchcolor="#8C8C8C",
        hatch_linewidth=0.6, zorder=2,
    )

    # collaboration outlines, coloured so that overlapping/touching ones differ
    collab_ids = list(lay.collaborations.index)
    keys_geoms = {}
    min_area = _sliver_area(units)
    for cid, group in membership.groupby("collaboration", sort=True):
        keys_geoms[str(cid)] = _union(units.geometry.loc[group["unit"]].to_numpy(), min_area)
    shapes = gpd.GeoSeries(keys_geoms, crs=units.crs).sort_index()
    colours = colour_graph(_touch_graph(shapes))
    fill = [_with_alpha(colours[c], alpha) for c in shapes.index]
    edge = [_darker(colours[c]) for c in shapes.index]
    _add_polygons(
        ax, shapes.to_numpy(), gid="collaborations", facecolor=fill, edgecolor=edge,
        linewidth=1.3, zorder=3,
    )
    overlap = counts[counts >= 2].index
    _add_polygons(
        ax, units.geometry.loc[overlap], gid="overlap", facecolor="none", edgecolor="none",
        linewidth=0.0, hatch="////", hatchcolor="#333333", hatch_linewidth=0.5, zorder=4,
    )
    _frame_map(ax, units.total_bounds)

    if legend:
        handles = []
        if len(shapes) <= max_legend:
            names = lay.collaborations["name"].astype(str)
            for c in shapes.index:
                handles.append(
                    _hatch_patch(facecolor=_with_alpha(colours[c], alpha),
                                 edgecolor=_darker(colours[c]), linewidth=1.0,
                                 label=names.get(c, c))
                )
        handles.append(
            _hatch_patch(facecolor="white", edgecolor="#666666", linewidth=0.5, hatch="////",
                         hatchcolor="#333333", label=t["overlap"])
        )
        handles.append(
            _hatch_patch(facecolor="white", edgecolor="#8C8C8C", linewidth=0.5, hatch="....",
                         hatchcolor="#8C8C8C", label=f"{t['uncovered']} ({t['white_spot']})")
        )
        _legend(ax, handles, loc=legend_loc, footprint=units.geometry.to_numpy())
    if title is None:
        _set_title(
            ax,
            t["layer_title"].format(layer=layer, n=len(collab_ids)),
            t["layer_sub"].format(u=len(uncovered), units=pl, o=len(overlap)),
        )
    else:
        _set_title(ax, title)
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
                _union(units.geometry.loc[own].to_numpy(), min_area) if own else shapes[c]
            )
        names = lay.collaborations["name"].astype(str).to_dict()
        _draw_labels(
            ax, gpd.GeoSeries(anchors, crs=units.crs), names, min_fontsize=5.5,
            max_fontsize=8.5, colours={c: _darker(colours[c], 0.3) for c in chosen},
        )
    return ax


def _touch_graph(shapes: gpd.GeoSeries, tolerance: float = 1.0) -> nx.Graph:
    """Graph of the shapes that overlap or come within ``tolerance`` of each other."""
    g = nx.Graph()
    g.add_nodes_from(shapes.index)
    geoms = shapes.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance)
    for i, j in zip(left, right, strict=True):
        if i < j:
            g.add_edge(shapes.index[i], shapes.index[j])
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
    t = _texts(lang)
    sg, _pl = _unit_nouns(t, unit_noun)
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
    ax = _get_ax(ax, figsize)
    units = landscape.units
    klass = np.minimum(counts.reindex(units.index).to_numpy(dtype=int), 3)
    faces = [_MULTIPLICITY[k] for k in klass]
    _add_polygons(
        ax, units.geometry, gid="units", facecolor=faces, edgecolor=_UNIT_EDGE, linewidth=0.35,
        zorder=1,
    )
    zero = units.index[klass == 0]
    _add_polygons(
        ax, units.geometry.loc[zero], gid="uncovered", facecolor="none", edgecolor="#9A9A9A",
        linewidth=0.5, hatch="....", hatchcolor="#8C8C8C", hatch_linewidth=0.6, zorder=2,
    )
    _frame_map(ax, units.total_bounds)
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
                _hatch_patch(
                    facecolor=_MULTIPLICITY[k], edgecolor="#9A9A9A", linewidth=0.5,
                    hatch="...." if k == 0 else None, hatchcolor="#8C8C8C",
                    label=f"{label} ({_fmt_number(n, lang)})",
                )
            )
        _legend(ax, handles, title=t["legend_coverage"], loc=legend_loc,
                footprint=units.geometry.to_numpy())
    _set_title(ax, default_title if title is None else title)
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
    t = _texts(lang)
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
    sg, pl = _unit_nouns(t, unit_noun)
    if weights is None:
        weights = [c for c in ("population", "pupils_po", "pupils_vo", "pupils_mbo")
                   if c in units.columns]
    shares = []
    for c in weights:
        total = float(units[c].sum())
        if total > 0:
            share = float(units.loc[spots.index, c].sum()) / total
            what = _WEIGHT_NAMES[lang].get(c, c)
            shares.append(t["share_of"].format(share=_fmt_share(share, lang), what=what))
    ax = _get_ax(ax, figsize)
    is_spot = units.index.isin(spots.index)
    _add_polygons(
        ax, units.geometry, gid="units", facecolor=_GREY_FILL, edgecolor="white",
        linewidth=0.35, zorder=1,
    )
    _add_polygons(
        ax, units.geometry[is_spot], gid="white_spots", facecolor=_HIGHLIGHT,
        edgecolor="white", linewidth=0.35, zorder=2,
    )
    _frame_map(ax, units.total_bounds)
    n = len(spots)
    noun = sg if n == 1 and lang == "en" else pl
    if legend:
        spot_label = f"{t['white_spot']} ({_fmt_number(n, lang)} {noun})"
        if shares and n:
            spot_label += "\n" + "\n".join(shares)
        handles = [
            _hatch_patch(facecolor=_HIGHLIGHT, edgecolor="white", label=spot_label),
            _hatch_patch(facecolor=_GREY_FILL, edgecolor="white", label=t["covered"]),
        ]
        _legend(ax, handles, loc=legend_loc, footprint=units.geometry.to_numpy())
    if title is None:
        sub = t["ws_how_" + how]
        if layers is not None or len(names) > 1:
            sub += "; " + t["ws_layers"].format(layers=", ".join(names))
        sub = "\n".join(textwrap.wrap(sub, width=70))
        if shares and n:
            sub += "\n" + shares[0]  # the first weight (population) in the title
        _set_title(ax, t["ws_title"].format(n=_fmt_number(n, lang), units=noun), sub)
    else:
        _set_title(ax, title)
    add_credit(ax, _credit(landscape, credit))
    return ax


# -------------------------------------------------------------------- region maps
def _overlay_shapes(
    overlay: Layer | gpd.GeoDataFrame | gpd.GeoSeries, units: gpd.GeoDataFrame
) -> gpd.GeoSeries:
    if isinstance(overlay, Layer):
        m = overlay.membership()
        keys = {}
        for cid, group in m.groupby("collaboration", sort=True):
            codes = [c for c in group["unit"] if c in units.index]
            if codes:
                keys[str(cid)] = _union(units.geometry.loc[codes].to_numpy(), _sliver_area(units))
        return gpd.GeoSeries(keys, crs=units.crs)
    if isinstance(overlay, gpd.GeoDataFrame | gpd.GeoSeries):
        geo = overlay.geometry if isinstance(overlay, gpd.GeoDataFrame) else overlay
        if geo.crs is None or units.crs is None or geo.crs != units.crs:
            from ..exceptions import CRSError

            raise CRSError(
                f"the overlay is in {geo.crs} but the units are in {units.crs}; reproject it "
                f"with .to_crs({units.crs.to_string() if units.crs else 'EPSG:28992'!r})"
            )
        return geo
    raise InputError(
        f"overlay must be a rato_opt.Layer or a GeoDataFrame/GeoSeries, got "
        f"{type(overlay).__name__}"
    )


def _spot_codes(white_spots: Any, units: gpd.GeoDataFrame) -> pd.Index:
    if isinstance(white_spots, pd.Series) and pd.api.types.is_bool_dtype(white_spots):
        codes = white_spots.index[white_spots.to_numpy()]
    elif isinstance(white_spots, pd.DataFrame):
        codes = white_spots.index
    else:
        codes = pd.Index(list(white_spots))
    codes = pd.Index(codes.astype(str))
    unknown = codes.difference(units.index)
    if len(unknown):
        raise UnitCodeError(
            f"white_spots names {len(unknown)} code(s) that are not units: "
            f"{listing(unknown, 10)}"
        )
    return codes


def plot_regions(
    units: gpd.GeoDataFrame,
    assignment: pd.Series | Mapping[str, str],
    *,
    ax: Axes | None = None,
    graph: nx.Graph | None = None,
    labels: bool = True,
    names: Mapping[str, str] | pd.Series | None = None,
    overlay: Layer | gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    overlay_label: str | None = None,
    overlay_internal: bool = True,
    white_spots: Any = None,
    title: str | None = None,
    credit: str = "",
    legend: bool = True,
    legend_loc: str = "auto",
    lang: Lang = "nl",
    colours: Mapping[str, str] | None = None,
    palette: Sequence[str] | None = None,
    min_fontsize: float = 5.5,
    max_fontsize: float = 9.5,
    linewidths: tuple[float, float] = (0.3, 1.0),
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """Map a plan: regions in distinct colours, outlined, labelled.

    Neighbouring regions never share a colour (:func:`region_colours`). Region outlines
    are drawn thicker than the (white) unit boundaries. Labels sit at the centre of the
    largest circle inside each region, with a white halo and a font size that follows the
    room there; labels that would overlap are shrunk or pushed apart.

    Parameters
    ----------
    units : GeoDataFrame
        The unit table.
    assignment : Series or mapping
        Unit code → region id (every unit once; NaN for "not assigned").
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    graph : networkx.Graph, optional
        Unit graph for the colouring; built with :func:`rato_opt.landscape.graph.build_graph`
        when needed and not given.
    labels : bool, default True
        Label the regions (with ``names`` where given, else the region id).
    names : mapping or Series, optional
        Region id → readable name.
    overlay : Layer or GeoDataFrame or GeoSeries, optional
        Outlines drawn dashed on top, e.g. the alliances (a Layer over these units) or
        any polygons in the units' CRS.
    overlay_label : str, optional
        Legend text of the overlay; default names the layer.
    overlay_internal : bool, default True
        Draw only the overlay boundaries that lie inside the map, not those along its
        outline (the coast), which the region outlines already show.
    white_spots : DataFrame, boolean Series or iterable of codes, optional
        Units to hatch as witte vlekken (e.g. the result of
        :func:`rato_opt.landscape.coverage.white_spots`).
    title : str, optional
        Title; default states the number of regions; ``""`` for none.
    credit : str, default ""
        Data credit, e.g. ``"Bron: CBS/Kadaster (via PDOK)"``.
    legend : bool, default True
        Legend of the line styles and hatches.
    legend_loc : str, default "auto"
        ``"auto"``: the inside corner that covers least of the map, else right of it;
        ``"right"``/``"below"``: outside the map; or a matplotlib legend location.
    lang : {"nl", "en"}, default "nl"
        Language of the generated texts.
    colours : mapping, optional
        Region id → colour; default :func:`region_colours`.
    palette : sequence of str, optional
        Palette for :func:`region_colours`.
    min_fontsize, max_fontsize : float
        Range of label font sizes (points).
    linewidths : (float, float), default (0.3, 1.0)
        Line widths (points) of the unit and the region boundaries.
    figsize : (float, float), optional
        Size of a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The map: collection ``"units"`` (one patch per unit), ``"regions"`` (one outline
        per region), and ``"overlay"``/``"white_spots"`` when asked.

    Examples
    --------
    >>> import pandas as pd, geopandas as gpd, networkx as nx
    >>> from matplotlib.figure import Figure
    >>> from shapely import box
    >>> from rato_opt import validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abcd")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:28992"), code="code")
    >>> plan = pd.Series({"a": "R1", "b": "R1", "c": "R2", "d": "R2"})
    >>> graph = nx.path_graph(["a", "b", "c", "d"])  # default: build_graph(units)
    >>> ax = plot_regions(units, plan, ax=Figure().subplots(), graph=graph, names={"R1": "West"})
    >>> sorted(t.get_text() for t in ax.texts if t.get_gid() == "label")
    ['R2', 'West']
    """
    t = _texts(lang)
    units = _check_units(units)
    assign = check_assignment(units, assignment)
    if colours is None:
        colours = region_colours(units, assign, graph=graph, palette=palette)
    ax = _get_ax(ax, figsize)
    faces = [colours.get(r, "#CCCCCC") if isinstance(r, str) else "#F4F4F4"
             for r in assign.to_numpy()]
    _add_polygons(
        ax, units.geometry, gid="units", facecolor=faces, edgecolor=_UNIT_EDGE_ON_COLOUR,
        linewidth=linewidths[0], zorder=1,
    )
    regions = _dissolve(units, assign)
    handles = []
    if white_spots is not None:
        codes = _spot_codes(white_spots, units)
        _add_polygons(
            ax, units.geometry.loc[codes], gid="white_spots", facecolor="none",
            edgecolor="none", linewidth=0.0, hatch="/////", hatchcolor="#333333",
            hatch_linewidth=0.6, zorder=2,
        )
        handles.append(
            _hatch_patch(facecolor="white", edgecolor="#666666", linewidth=0.5, hatch="/////",
                         hatchcolor="#333333",
                         label=f"{t['white_spot']} ({_fmt_number(len(codes), lang)})")
        )
    unassigned = int(assign.isna().sum())
    if unassigned:
        handles.append(
            _hatch_patch(facecolor="#F4F4F4", edgecolor="#999999", linewidth=0.5,
                         label=f"{t['not_assigned']} ({_fmt_number(unassigned, lang)})")
        )
    _add_polygons(
        ax, regions.to_numpy(), gid="regions", facecolor="none", edgecolor=_REGION_EDGE,
        linewidth=linewidths[1], zorder=5,
    )
    from matplotlib.lines import Line2D

    handles.insert(
        0, Line2D([], [], color=_REGION_EDGE, linewidth=linewidths[1],
                  label=t["region_boundary"].format(n=len(regions)))
    )
    if overlay is not None:
        shapes = _overlay_shapes(overlay, units)
        lines = shapely.boundary(shapes.to_numpy())
        if overlay_internal:
            x0, y0, x1, y1 = units.total_bounds
            tol = 2e-4 * max(x1 - x0, y1 - y0, 1e-9)
            outline = shapely.buffer(shapely.boundary(shapely.union_all(regions.to_numpy())), tol)
            lines = shapely.difference(lines, outline)
        _add_lines(
            ax, lines, gid="overlay", colors="#7A0000", linewidths=1.1,
            linestyles=[(0, (4, 2.5))], zorder=6, capstyle="butt",
        )
        label = overlay_label or t["overlay"].format(
            name=overlay.name if isinstance(overlay, Layer) else "overlay"
        )
        handles.append(
            Line2D([], [], color="#7A0000", linewidth=1.1, linestyle=(0, (4, 2.5)), label=label)
        )
    _frame_map(ax, units.total_bounds)
    _set_title(ax, t["regions"].format(n=len(regions)) if title is None else title)
    add_credit(ax, credit)
    if legend:
        _legend(ax, handles, loc=legend_loc, footprint=units.geometry.to_numpy())
    if labels and len(regions):
        label_of = pd.Series(names).astype(str).to_dict() if names is not None else {}
        _draw_labels(
            ax, regions, {r: label_of.get(r, r) for r in regions.index},
            min_fontsize=min_fontsize, max_fontsize=max_fontsize, relocate=True,
        )
    return ax


def changed_units(
    plan_a: pd.Series | Mapping[str, str],
    plan_b: pd.Series | Mapping[str, str],
    *,
    weights: pd.Series | None = None,
) -> pd.Series:
    """Which units change region between two plans, after matching their regions.

    Region ids of two plans need not correspond, so the regions of ``plan_b`` are first
    paired one-to-one with those of ``plan_a`` by maximum overlap
    (:func:`match_regions`). A unit has *changed* when its region in ``plan_b`` is not
    paired with its region in ``plan_a`` (or is not paired at all).

    Parameters
    ----------
    plan_a, plan_b : Series or mapping
        Unit code → region id, over the same units.
    weights : Series, optional
        Unit weights for the overlap (default: count units).

    Returns
    -------
    Series of bool
        Indexed by unit code (order of ``plan_a``), named ``"changed"``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.Series({"u1": "A", "u2": "A", "u3": "B"})
    >>> b = pd.Series({"u1": "x", "u2": "y", "u3": "y"})
    >>> changed_units(a, b).tolist()
    [False, True, False]
    """
    a = pd.Series(plan_a)
    a.index = a.index.astype(str)
    b = pd.Series(plan_b)
    b.index = b.index.astype(str)
    pairs = match_regions(a, b, weights=weights)
    b = b.reindex(a.index)
    mapped = b.map(lambda r: pairs.get(str(r)) if pd.notna(r) else None)
    changed = [
        not (pd.notna(x) and pd.notna(y) and str(x) == str(y)) and not (pd.isna(x) and pd.isna(y))
        for x, y in zip(a.to_numpy(), mapped.to_numpy(), strict=True)
    ]
    return pd.Series(changed, index=a.index, name="changed", dtype=bool)


def plot_difference(
    units: gpd.GeoDataFrame,
    plan_a: pd.Series | Mapping[str, str],
    plan_b: pd.Series | Mapping[str, str],
    *,
    ax: Axes | None = None,
    plan_names: tuple[str, str] = ("A", "B"),
    weight: str | None = None,
    title: str | None = None,
    credit: str = "",
    legend: bool = True,
    legend_loc: str = "auto",
    lang: Lang = "nl",
    unit_noun: tuple[str, str] | str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """Highlight the units that change region between two plans.

    Regions are first matched across the plans by maximum overlap (one-to-one, see
    :func:`match_regions`): region ids of two plans need not correspond, and a region
    that is split keeps its identity in its larger part only. A unit is highlighted when
    its region in ``plan_b`` is not the match of its region in ``plan_a``
    (:func:`changed_units`). Region boundaries of ``plan_b`` are drawn solid black; those
    of ``plan_a`` that ``plan_b`` does not share are dashed blue; the title gives the
    number of changed units.

    Parameters
    ----------
    units : GeoDataFrame
        The unit table.
    plan_a, plan_b : Series or mapping
        Unit code → region id; ``plan_a`` is the reference.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    plan_names : (str, str), default ("A", "B")
        Names of the plans in the legend.
    weight : str, optional
        Weight column used for matching and reported in the title (e.g.
        ``"population"``: "… (12.345 inwoners)").
    title : str, optional
        Title; default states the count; ``""`` for none.
    credit : str, default ""
        Data credit.
    legend : bool, default True
        Draw the legend.
    legend_loc : str, default "auto"
        ``"auto"``: the inside corner that covers least of the map, else right of it;
        ``"right"``/``"below"``: outside the map; or a matplotlib legend location.
    lang : {"nl", "en"}, default "nl"
        Language of the generated texts.
    unit_noun : str or (str, str), optional
        Word for a unit (singular, plural).
    figsize : (float, float), optional
        Size of a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The map: collection ``"units"`` (one patch per unit), ``"changed"``,
        ``"regions"`` (plan B) and ``"regions_a"`` (plan A).

    Examples
    --------
    >>> import pandas as pd, geopandas as gpd
    >>> from matplotlib.figure import Figure
    >>> from shapely import box
    >>> from rato_opt import validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abcd")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:28992"), code="code")
    >>> a = pd.Series({"a": "R1", "b": "R1", "c": "R2", "d": "R2"})
    >>> b = pd.Series({"a": "R1", "b": "R2", "c": "R2", "d": "R2"})
    >>> plot_difference(units, a, b, ax=Figure().subplots()).get_title(loc="left")
    '1 eenheden van regio gewisseld'
    """
    t = _texts(lang)
    units = _check_units(units)
    a = check_assignment(units, plan_a)
    b = check_assignment(units, plan_b)
    w = units[weight] if weight is not None else None
    if weight is not None and weight not in units.columns:
        from ..exceptions import ColumnError

        raise ColumnError(f"weight column {weight!r} not in the units; have {list(units.columns)}")
    changed = changed_units(a, b, weights=w)
    ax = _get_ax(ax, figsize)
    _add_polygons(
        ax, units.geometry, gid="units", facecolor=_GREY_FILL, edgecolor="white",
        linewidth=0.3, zorder=1,
    )
    _add_polygons(
        ax, units.geometry[changed.to_numpy()], gid="changed", facecolor=_HIGHLIGHT,
        edgecolor="white", linewidth=0.3, zorder=2,
    )
    regions_b = _dissolve(units, b).to_numpy()
    _add_polygons(
        ax, regions_b, gid="regions", facecolor="none", edgecolor=_REGION_EDGE,
        linewidth=1.1, zorder=5,
    )
    # boundaries of plan A only where plan B has none (shared ones are drawn once, solid)
    x0, y0, x1, y1 = units.total_bounds
    tol = 2e-4 * max(x1 - x0, y1 - y0, 1e-9)
    shared = shapely.buffer(shapely.union_all(shapely.boundary(regions_b)), tol)
    lines_a = shapely.difference(shapely.boundary(_dissolve(units, a).to_numpy()), shared)
    _add_lines(
        ax, lines_a, gid="regions_a", colors=_PLAN_A_EDGE, linewidths=1.1,
        linestyles=[(0, (3, 2))], zorder=6, capstyle="butt",
    )
    _frame_map(ax, units.total_bounds)
    n = int(changed.sum())
    sg, pl = _unit_nouns(t, unit_noun)
    noun = sg if (n == 1 and lang == "en") else pl
    if legend:
        from matplotlib.lines import Line2D

        handles = [
            _hatch_patch(facecolor=_HIGHLIGHT, edgecolor="white",
                         label=f"{t['changed']} ({_fmt_number(n, lang)})"),
            Line2D([], [], color=_REGION_EDGE, linewidth=1.1,
                   label=t["boundary_of"].format(plan=plan_names[1])),
            Line2D([], [], color=_PLAN_A_EDGE, linewidth=1.1, linestyle=(0, (3, 2)),
                   label=t["boundary_of"].format(plan=plan_names[0])),
        ]
        _legend(ax, handles, loc=legend_loc, footprint=units.geometry.to_numpy())
    if title is None:
        text = t["diff_title"].format(n=_fmt_number(n, lang), units=noun)
        if weight is not None:
            moved = float(units.loc[changed.to_numpy(), weight].sum())
            what = _WEIGHT_NAMES[lang].get(weight, weight).removeprefix("de ").removeprefix(
                "the ")
            text += f" ({_fmt_number(moved, lang)} {what})"
        _set_title(ax, text)
    else:
        _set_title(ax, title)
    add_credit(ax, credit)
    return ax


def small_multiples(
    units: gpd.GeoDataFrame,
    plans: Mapping[str, pd.Series],
    *,
    ncols: int = 3,
    graph: nx.Graph | None = None,
    figsize: tuple[float, float] | None = None,
    credit: str = "",
    labels: bool = False,
    names: Mapping[str, Mapping[str, str]] | None = None,
    title: str | None = None,
    lang: Lang = "nl",
) -> Figure:
    """Maps of several plans side by side, for comparison.

    Regions of every plan are matched to those of the first plan by maximum overlap
    (:func:`match_regions`) and keep its colour where no neighbour has it, so that "the
    same" region looks the same across panels; neighbouring regions still never share a
    colour.

    Parameters
    ----------
    units : GeoDataFrame
        The unit table.
    plans : mapping of str to Series
        Panel title → assignment (unit code → region id).
    ncols : int, default 3
        Panels per row.
    graph : networkx.Graph, optional
        Unit graph, built once when not given.
    figsize : (float, float), optional
        Figure size; default at most 6.9 inch wide (a text column), panel height from
        the map's aspect ratio.
    credit : str, default ""
        Data credit, printed once under the panels.
    labels : bool, default False
        Label the regions in each panel.
    names : mapping, optional
        Panel title → (region id → name), for the labels.
    title : str, optional
        Figure title.
    lang : {"nl", "en"}, default "nl"
        Language of the generated texts.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per plan (unused panels hidden); the credit text has gid ``"credit"``.

    Examples
    --------
    >>> import pandas as pd, geopandas as gpd, matplotlib.pyplot as plt, networkx as nx
    >>> from shapely import box
    >>> from rato_opt import validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abcd")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:28992"), code="code")
    >>> plans = {"twee": pd.Series(dict(zip("abcd", ["1", "1", "2", "2"]))),
    ...          "drie": pd.Series(dict(zip("abcd", ["1", "2", "3", "3"])))}
    >>> fig = small_multiples(units, plans, ncols=2, graph=nx.path_graph(list("abcd")))
    >>> [ax.get_title(loc="left") for ax in fig.axes]
    ["twee\\n2 regio's", "drie\\n3 regio's"]
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    t = _texts(lang)
    units = _check_units(units)
    if not plans:
        raise InputError("plans is empty; pass a mapping of panel title → assignment")
    if ncols < 1:
        raise InputError(f"ncols must be at least 1, got {ncols}")
    checked = {str(k): check_assignment(units, v) for k, v in plans.items()}
    n = len(checked)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    if figsize is None:
        x0, y0, x1, y1 = units.total_bounds
        aspect = float(np.clip((y1 - y0) / max(x1 - x0, 1e-9), 0.4, 2.5))
        width = min(2.3, 6.9 / ncols)
        figsize = (width * ncols, (width * aspect + 0.5) * nrows + (0.35 if title else 0.0)
                   + (0.2 if credit else 0.0))
    if graph is None:
        from ..landscape.graph import build_graph

        graph = build_graph(units)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, layout="constrained")
    first_key = next(iter(checked))
    first_colours = region_colours(units, checked[first_key], graph=graph)
    for i, (key, assign) in enumerate(checked.items()):
        ax = axes[i // ncols][i % ncols]
        if key == first_key:
            colours = first_colours
        else:
            pairs = match_regions(checked[first_key], assign)
            prefer = {rb: first_colours[ra] for rb, ra in pairs.items() if ra in first_colours}
            colours = region_colours(units, assign, graph=graph, prefer=prefer)
        k = int(assign.dropna().nunique())
        plot_regions(
            units, assign, ax=ax, graph=graph, labels=labels,
            names=(names or {}).get(key), title=f"{key}\n{t['regions'].format(n=k)}",
            legend=False, lang=lang, colours=colours, min_fontsize=4.5, max_fontsize=7.0,
            linewidths=(0.15, 0.7),
        )
        ax.set_title(f"{key}\n{t['regions'].format(n=k)}", loc="left", fontsize=8.5,
                     color=_TEXT, pad=4)
    for j in range(n, nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    if title:
        fig.suptitle(title, fontsize=_TITLE_SIZE, x=0.02, ha="left")
    if credit:
        text = fig.text(0.995, 0.005, credit, ha="right", va="bottom", fontsize=_CREDIT_SIZE,
                        color="#444444")
        text.set_gid("credit")
    return fig


# ------------------------------------------------------------------------ output
def save_figure(
    fig: Figure | Axes,
    path: str | os.PathLike[str],
    *,
    formats: Sequence[str] = ("pdf", "svg", "png"),
    dpi: int = 300,
    transparent: bool = False,
) -> list[Path]:
    """Write a figure for print, in several formats, atomically.

    Every format is first written to a temporary file in the target directory; only when
    all have been written are they moved into place with :func:`os.replace`. A failure
    leaves no half-written file (and no temporary file) behind. PDFs embed TrueType fonts
    (editable text), the bounding box is tight. Files get the mode an ordinary ``open``
    gives them (0666 less the umask, e.g. 0644), not the private 0600 of a temporary file.

    Parameters
    ----------
    fig : Figure or Axes
        The figure (or an Axes on it).
    path : path-like
        Target path; its suffix is replaced by each format (``"kaart"`` and
        ``"kaart.pdf"`` both give ``kaart.pdf``, ``kaart.svg``, ``kaart.png``). Missing
        directories are created.
    formats : sequence of str, default ("pdf", "svg", "png")
        Output formats understood by matplotlib.
    dpi : int, default 300
        Resolution of raster output.
    transparent : bool, default False
        Transparent background.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.

    Examples
    --------
    >>> import tempfile, os
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(1, 1))
    >>> paths = save_figure(fig, os.path.join(tempfile.mkdtemp(), "kaart"), formats=("png",),
    ...                     dpi=50)
    >>> [p.name for p in paths]
    ['kaart.png']
    """
    import matplotlib

    from .._util import normal_mode

    figure = fig.figure if hasattr(fig, "get_figure") and not hasattr(fig, "savefig") else fig
    if not hasattr(figure, "savefig"):
        raise InputError(f"expected a matplotlib Figure or Axes, got {type(fig).__name__}")
    formats = [str(f).lower().lstrip(".") for f in formats]
    if not formats:
        raise InputError("formats is empty; pass e.g. formats=('pdf', 'png')")
    supported = figure.canvas.get_supported_filetypes()
    bad = [f for f in formats if f not in supported]
    if bad:
        raise InputError(f"unsupported format(s) {bad}; matplotlib supports {sorted(supported)}")
    target = Path(path)
    if target.suffix.lower().lstrip(".") in supported:
        target = target.with_suffix("")
    target.parent.mkdir(parents=True, exist_ok=True)
    finals = [target.with_name(f"{target.name}.{f}") for f in formats]
    temps: list[str] = []
    try:
        with matplotlib.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42}):
            for fmt, final in zip(formats, finals, strict=True):
                fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp",
                                           dir=final.parent)
                os.close(fd)
                temps.append(tmp)
                normal_mode(tmp)  # mkstemp makes 0600; give the umask's mode (e.g. 0644)
                figure.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight",
                               pad_inches=0.05, transparent=transparent)
        for tmp, final in zip(temps, finals, strict=True):
            os.replace(tmp, final)
    except BaseException:
        for tmp in temps:
            try:
                os.remove(tmp)
            except FileNotFoundError:
                pass
        raise
    return finals
