"""Drawing helpers shared by the static maps: polygons, lines, legend, credit, frame, dissolve.

Everything draws on a given matplotlib Axes only (no rcParams, no ``plt.show()``);
matplotlib is imported inside the functions. :func:`add_credit` is user-facing; the other
names serve the map modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..exceptions import InputError
from .style import CREDIT_SIZE, FIGSIZE, LEGEND_SIZE, TEXT, TITLE_SIZE

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.legend import Legend
    from matplotlib.patches import Patch
    from matplotlib.path import Path as MplPath
    from matplotlib.text import Text

__all__ = ["add_credit"]


# ----------------------------------------------------------------------------- axes
def get_ax(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    """``ax``, or the Axes of a new constrained-layout figure (default size ``FIGSIZE``).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> get_ax(ax) is ax
    True
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize or FIGSIZE, layout="constrained")
    return new


def frame_map(
    ax: Axes, bounds: Sequence[float], margin: float = 0.02, *, scale_bar: bool = True
) -> None:
    """Equal-aspect map extent around ``bounds``, no axis decoration, a scale bar.

    The map units are metres (EPSG:28992). The scale bar (:func:`add_scale_bar`) starts
    in the lower right corner; :func:`add_legend` moves it to the free corner that
    covers least of the map.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> frame_map(ax, (0, 0, 100, 50))
    >>> [float(x) for x in ax.get_xlim()]
    [-2.0, 102.0]
    """
    x0, y0, x1, y1 = bounds
    dx, dy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    ax.set_xlim(x0 - margin * dx, x1 + margin * dx)
    ax.set_ylim(y0 - margin * dy, y1 + margin * dy)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    if scale_bar:
        add_scale_bar(ax)


# ----------------------------------------------------------------------------- scale bar
def nice_length(span: float, share: float = 0.2) -> float:
    """The longest 1-2-5 length (map units) not above ``share`` of ``span``.

    Examples
    --------
    >>> nice_length(300_000), nice_length(42_000), nice_length(800)
    (50000.0, 5000.0, 100.0)
    """
    target = max(float(span) * share, 1e-9)
    power = 10.0 ** np.floor(np.log10(target))
    return float(max(m * power for m in (1.0, 2.0, 5.0) if m * power <= target * (1 + 1e-9)))


def scale_label(length: float) -> str:
    """``"50 km"`` or, below a kilometre, ``"500 m"`` (lengths in metres).

    Examples
    --------
    >>> scale_label(50_000.0), scale_label(2_500.0), scale_label(200.0)
    ('50 km', '2,5 km', '200 m')
    """
    if length >= 1000:
        km = length / 1000
        return f"{km:g} km".replace(".", ",")
    return f"{length:g} m"


_CORNERS = {"upper right": 1, "upper left": 2, "lower left": 3, "lower right": 4}


def add_scale_bar(ax: Axes, *, loc: str = "lower right", fontsize: float = LEGEND_SIZE) -> Any:
    """Draw a scale bar (gid ``"scale_bar"``) about a fifth of the map's width long.

    Lengths are in the map's CRS units, metres for EPSG:28992; the label says
    ``"… km"``. Call after the extent is set (:func:`frame_map` does it). A previous scale
    bar on ``ax`` is replaced.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> frame_map(ax, (0, 300_000, 280_000, 620_000), scale_bar=False)
    >>> bar = add_scale_bar(ax)
    >>> bar.get_gid(), bar.txt_label.get_text(), bar.length
    ('scale_bar', '50 km', 50000.0)
    """
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    for old in [a for a in ax.artists if a.get_gid() == "scale_bar"]:
        old.remove()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    length = nice_length(abs(x1 - x0))
    bar = AnchoredSizeBar(
        ax.transData, length, scale_label(length), _CORNERS.get(loc, 4), pad=0.35,
        borderpad=0.6, sep=2.5, frameon=True, size_vertical=0.006 * abs(y1 - y0),
        color=TEXT, fontproperties=FontProperties(size=fontsize),
    )
    bar.patch.set(facecolor="white", edgecolor="none", alpha=0.85)
    bar.length = length
    bar.set_gid("scale_bar")
    bar.set_zorder(11)
    ax.add_artist(bar)
    return bar


def place_scale_bar(ax: Axes, footprint: Any, avoid: Any = None) -> str | None:
    """Move the scale bar to the inside corner covering least of ``footprint`` (the unit
    geometries) that does not overlap ``avoid`` (a display-space Bbox, e.g. the legend's).

    Returns the corner chosen, or None when ``ax`` has no scale bar.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from shapely import box
    >>> ax = Figure().subplots()
    >>> frame_map(ax, (0, 0, 100_000, 100_000))
    >>> place_scale_bar(ax, [box(0, 0, 100_000, 60_000)])
    'upper left'
    """
    bars = [a for a in ax.artists if a.get_gid() == "scale_bar"]
    if not bars:
        return None
    bar = bars[0]
    if footprint is None:
        return next(k for k, v in _CORNERS.items() if v == bar.loc)
    geoms = np.asarray(footprint)
    layout(ax)
    inv = ax.transData.inverted()
    best, best_share = None, np.inf
    for corner in ("lower right", "lower left", "upper left", "upper right"):
        bar.loc = _CORNERS[corner]
        bb = bar.get_window_extent()
        if avoid is not None and bb.overlaps(avoid):
            continue
        (x0, y0), (x1, y1) = inv.transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
        box = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        share = float(shapely.area(shapely.intersection(geoms, box)).sum()) / max(box.area, 1e-12)
        if share < best_share - 1e-9:
            best, best_share = corner, share
    best = best or "lower right"
    bar.loc = _CORNERS[best]
    return best


def set_title(ax: Axes, title: str | None, subtitle: str | None = None) -> None:
    """Left-aligned title with an optional second line; nothing when both are None.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> set_title(ax, "Kaart", "ondertitel")
    >>> ax.get_title(loc="left")
    'Kaart\\nondertitel'
    """
    if title is None and subtitle is None:
        return
    text = title or ""
    if subtitle:
        text = f"{text}\n{subtitle}" if text else subtitle
    ax.set_title(text, fontsize=TITLE_SIZE, loc="left", color=TEXT, pad=6)


def layout(ax: Axes) -> None:
    """Run the figure's layout engine (if any) and fix the aspect, so sizes are final.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure(layout="constrained").subplots()
    >>> layout(ax)
    """
    engine = ax.figure.get_layout_engine()
    if engine is not None:
        engine.execute(ax.figure)
    ax.apply_aspect()


# ----------------------------------------------------------------------------- shapes
def polygons(geom: shapely.Geometry | None) -> list[shapely.Polygon]:
    """The polygons of a (multi)polygon or geometry collection; [] for None or empty.

    Examples
    --------
    >>> from shapely import MultiPolygon, box
    >>> len(polygons(MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])))
    2
    """
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in polygons(g)]
    return []


def polygon_path(geom: shapely.Geometry | None) -> MplPath:
    """A compound matplotlib Path of a (multi)polygon, holes included.

    Examples
    --------
    >>> from shapely import box
    >>> len(polygon_path(box(0, 0, 1, 1)).vertices)
    5
    """
    from matplotlib.path import Path as MplPath

    rings: list[MplPath] = []
    if geom is not None and not geom.is_empty:
        geom = shapely.orient_polygons(geom) if hasattr(shapely, "orient_polygons") else geom
        for poly in polygons(geom):
            for ring in (poly.exterior, *poly.interiors):
                xy = np.asarray(ring.coords)[:, :2]
                if len(xy) >= 3:
                    rings.append(MplPath(xy, closed=True))
    if not rings:
        return MplPath(np.zeros((0, 2)))
    return MplPath.make_compound_path(*rings)


def sliver_area(units: gpd.GeoDataFrame) -> float:
    """Holes and parts smaller than this (1e-7 of the map's area) are slivers.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> round(sliver_area(gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)])), 6)
    0.1
    """
    return 1e-7 * float(units.geometry.area.sum())


def union_parts(geoms: Any, min_area: float) -> shapely.Geometry:
    """Union of polygons without sliver holes and sliver parts (smaller than ``min_area``).

    Examples
    --------
    >>> from shapely import box
    >>> union_parts([box(0, 0, 1, 1), box(1, 0, 2, 1)], 1e-9).area
    2.0
    """
    merged = shapely.union_all(np.asarray(geoms))
    parts = []
    for poly in polygons(merged):
        if poly.area < min_area:
            continue
        holes = [ring for ring in poly.interiors if shapely.Polygon(ring).area >= min_area]
        parts.append(shapely.Polygon(poly.exterior, holes))
    if not parts:
        return merged
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def dissolve(units: gpd.GeoDataFrame, keys: pd.Series) -> gpd.GeoSeries:
    """Union the unit geometries per key (NaN keys are left out), sorted by key.

    Slivers are removed: generalised boundaries that do not share vertices exactly leave
    zero-width holes in a union, which would be drawn as stray boundary fragments.

    ``shapely.coverage_union_all`` (GEOS CoverageUnion) would be faster, but it needs a
    valid coverage, with exactly shared vertices. On the embedded default country it
    matches this union (areas within 2e-15 relative), but the generalised CBS gemeenten
    of 2024 are not a valid coverage (``shapely.coverage_is_valid`` is False): it raises
    "CoverageUnion cannot process incorrectly noded inputs" for 26 of the 35
    arbeidsmarktregio's, and where it does succeed its areas differ by up to 1.2e-5
    (relative) because it keeps the sliver holes. So the general union stays.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> units = gpd.GeoDataFrame(geometry=[box(i, 0, i + 1, 1) for i in range(3)],
    ...                          index=list("abc"))
    >>> dissolve(units, pd.Series({"a": "R1", "b": "R1", "c": None})).area.tolist()
    [2.0]
    """
    values = keys.reindex(units.index)
    mask = values.notna().to_numpy()
    geoms = units.geometry.to_numpy()[mask]
    k = values.to_numpy()[mask].astype(str)
    order = sorted(set(k))
    min_area = sliver_area(units)
    out = [union_parts(geoms[k == key], min_area) for key in order]
    return gpd.GeoSeries(out, index=pd.Index(order, name=keys.name), crs=units.crs)


def check_units(units: Any) -> gpd.GeoDataFrame:
    """``units`` when it is a GeoDataFrame, else an :class:`InputError` saying what to pass.

    Examples
    --------
    >>> import pandas as pd
    >>> check_units(pd.DataFrame())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.InputError: units must be a GeoDataFrame (a unit table), got DataFrame; ...
    """
    if not isinstance(units, gpd.GeoDataFrame):
        raise InputError(
            f"units must be a GeoDataFrame (a unit table), got {type(units).__name__}; "
            "read one with rato_opt.read_units or validate it with rato_opt.validate_units"
        )
    return units


# ----------------------------------------------------------------------------- artists
def add_polygons(
    ax: Axes,
    geoms: Iterable[shapely.Geometry],
    *,
    gid: str,
    hatch: str | None = None,
    hatchcolor: Any = None,
    hatch_linewidth: float | None = None,
    **kwargs: Any,
) -> PatchCollection:
    """Add one patch per geometry to ``ax`` as a single collection named ``gid``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from shapely import box
    >>> ax = Figure().subplots()
    >>> add_polygons(ax, [box(0, 0, 1, 1)], gid="units", facecolor="white").get_gid()
    'units'
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch

    patches = [PathPatch(polygon_path(g)) for g in geoms]
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


def add_lines(
    ax: Axes, geoms: Iterable[shapely.Geometry], *, gid: str, **kwargs: Any
) -> LineCollection:
    """Add the (multi)line geometries to ``ax`` as a single LineCollection named ``gid``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from shapely import LineString
    >>> ax = Figure().subplots()
    >>> len(add_lines(ax, [LineString([(0, 0), (1, 1)])], gid="overlay").get_segments())
    1
    """
    from matplotlib.collections import LineCollection

    segments = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        parts = shapely.get_parts(shapely.line_merge(geom) if geom.geom_type in (
            "MultiLineString", "LineString") else geom)
        for part in np.atleast_1d(parts):
            if part.geom_type in ("LineString", "LinearRing"):
                segments.append(np.asarray(part.coords)[:, :2])
    coll = LineCollection(segments, **kwargs)
    coll.set_gid(gid)
    ax.add_collection(coll, autolim=False)
    return coll


def hatch_patch(**kwargs: Any) -> Patch:
    """A legend patch; hatch colour applied where matplotlib supports it.

    Examples
    --------
    >>> hatch_patch(facecolor="white", hatch="////", label="overlap").get_label()
    'overlap'
    """
    from matplotlib.patches import Patch

    hatchcolor = kwargs.pop("hatchcolor", None)
    patch = Patch(**kwargs)
    if hatchcolor is not None and hasattr(patch, "set_hatchcolor"):
        patch.set_hatchcolor(hatchcolor)
    return patch


def add_credit(
    ax: Axes,
    text: str,
    *,
    loc: Literal[
        "below right", "below left", "lower right", "lower left", "upper right", "upper left"
    ] = "below right",
    fontsize: float = CREDIT_SIZE,
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


def add_legend(
    ax: Axes,
    handles: list,
    *,
    title: str | None = None,
    loc: str = "auto",
    footprint: Any = None,
) -> Legend | None:
    """Add a legend; None when there are no handles.

    ``loc="auto"``: the inside corner covering least of ``footprint`` (the unit
    geometries), or outside right of the map when every corner covers more than 3% of the
    map there; ``"right"``/``"below"``: outside the map; else a matplotlib location.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> add_legend(ax, [hatch_patch(facecolor="red", label="rood")]).get_texts()[0].get_text()
    'rood'
    """
    if not handles:
        return None
    outside = {"right": ((1.01, 1.0), "upper left"), "below": ((0.0, -0.04), "upper left")}
    kwargs = {
        "fontsize": LEGEND_SIZE,
        "title": title,
        "title_fontsize": LEGEND_SIZE + 0.5,
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
    if footprint is not None:
        layout(ax)
        place_scale_bar(ax, footprint, avoid=leg.get_window_extent())
    return leg


def _best_corner(ax: Axes, leg: Any, footprint: Any, limit: float = 0.03) -> str | None:
    """The inside corner where the legend covers the smallest share of the map."""
    if footprint is None:
        return "upper left"
    geoms = np.asarray(footprint)
    layout(ax)
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
