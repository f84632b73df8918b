"""Label placement for maps: where a label goes, how large, and keeping labels apart.

:func:`draw_labels` puts one haloed label per shape at the centre of the shape's largest
inscribed circle, with a font size that follows the room there; labels that spill over
other regions are moved to nearby free space (with a leader line), and labels that
overlap are shrunk, then pushed apart.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity

from .draw import layout, polygons
from .style import TEXT

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.text import Text

__all__: list[str] = []  # the label engine of the map modules; nothing user-facing


def label_anchor(geom: shapely.Geometry) -> tuple[float, float, float]:
    """Centre and radius of the largest circle inside the largest part of ``geom``.

    Examples
    --------
    >>> from shapely import box
    >>> x, y, r = label_anchor(box(0, 0, 4, 2))
    >>> round(y, 2), round(r, 2)
    (1.0, 1.0)
    """
    parts = polygons(geom)
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


def fit_label(text: str, room: float, wrap: int) -> tuple[str, float]:
    """Line breaks and font size (points) for a label in a circle of diameter ``room`` (pt).

    The text block may spill a little beyond the circle (labels are haloed); of the
    candidate wrappings (at ``wrap``, 2/3 and 1/2 of it characters) the one allowing the
    largest font wins, ties to fewer lines.

    Examples
    --------
    >>> label, size = fit_label("Zuid-Holland Zuid", 40.0, 14)
    >>> label.split("\\n"), round(size, 1)
    (['Zuid-', 'Holland', 'Zuid'], 17.4)
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


def draw_labels(
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
    the longest line), rounded down to one of three classes in ``[min_fontsize,
    max_fontsize]``; labels whose boxes overlap are shrunk, then nudged, a few times.
    With ``relocate`` (for a partition, e.g. regions), labels that spill over other
    regions are first moved to nearby free space. A label moved away from its shape gets
    a thin leader line (gid ``"leader"``) to it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The map, already framed (see :func:`rato_opt.maps.draw.frame_map`).
    geoms : GeoSeries
        The shapes to label, indexed by key.
    labels : mapping
        Key → label text (the key itself where missing).
    min_fontsize, max_fontsize : float
        Range of font sizes (points).
    colours : mapping, optional
        Key → text colour; default near-black.
    wrap : int, default 14
        Preferred line length in characters.
    avoid_overlap : bool, default True
        Shrink and push apart overlapping labels.
    relocate : bool, default False
        Move labels that spill over other shapes.

    Returns
    -------
    list of matplotlib.text.Text
        The labels (gid ``"label"``), in the order of ``geoms``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from matplotlib.figure import Figure
    >>> from shapely import box
    >>> ax = Figure().subplots()
    >>> ax.set_xlim(0, 2); ax.set_ylim(0, 1); ax.set_aspect("equal")
    (0.0, 2.0)
    (0.0, 1.0)
    >>> shapes = gpd.GeoSeries({"a": box(0, 0, 1, 1), "b": box(1, 0, 2, 1)})
    >>> texts = draw_labels(ax, shapes, {"a": "West"}, min_fontsize=5, max_fontsize=9)
    >>> [t.get_text() for t in texts]
    ['West', 'b']
    """
    import matplotlib.patheffects as pe

    scale = _points_per_unit(ax)
    texts: list[Text] = []
    anchors: list[tuple[float, float]] = []
    keys: list[str] = []
    for key, geom in geoms.items():
        x, y, r = label_anchor(geom)
        if not np.isfinite(x):
            continue
        label, size = fit_label(str(labels.get(key, key)), 2 * r * scale, wrap)
        size = _size_class(size, min_fontsize, max_fontsize)
        colour = colours.get(key, TEXT) if colours else TEXT
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


def _points_per_unit(ax: Axes) -> float:
    """Typographic points per data unit of an equal-aspect map."""
    layout(ax)
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    w_pts, h_pts = bbox.width * fig_w * 72, bbox.height * fig_h * 72
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return min(w_pts / abs(x1 - x0), h_pts / abs(y1 - y0))


def _wrap(label: str, width: int = 14) -> str:
    if len(label) <= width:
        return label
    return "\n".join(textwrap.wrap(label, width=width, break_long_words=False)) or label


def _size_class(size: float, low: float, high: float) -> float:
    """Round a font size down to one of three classes between ``low`` and ``high``."""
    classes = np.linspace(low, high, 3)
    fitting = classes[classes <= size + 1e-9]
    return float(fitting[-1]) if len(fitting) else float(low)


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
