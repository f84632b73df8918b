"""Maps of region plans: one plan, the difference between two, several side by side.

A *plan* is an assignment: a :class:`pandas.Series` mapping unit code → region id with
index ``units.index``. Every function accepts the landscape in place of its unit table;
neighbouring regions (neighbours in the optimiser's unit graph, see
:func:`rato_opt.maps.colouring.unit_graph`) never share a colour. Collections carry a
``gid``: ``"units"``, ``"regions"``, ``"overlay"``, ``"white_spots"``, ``"changed"``,
``"regions_a"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .._util import listing
from ..exceptions import ColumnError, CRSError, InputError, UnitCodeError
from ..landscape import Landscape, Layer
from .colouring import check_assignment, region_colours, unit_graph, unit_table
from .draw import (
    add_credit,
    add_legend,
    add_lines,
    add_polygons,
    check_units,
    dissolve,
    frame_map,
    get_ax,
    hatch_patch,
    place_scale_bar,
    set_title,
    sliver_area,
    union_parts,
)
from .labels import draw_labels
from .matching import changed_units, match_regions
from .style import (
    CREDIT_SIZE,
    GREY_FILL,
    HIGHLIGHT,
    LABEL_MIN_SIZE,
    PLAN_A_EDGE,
    REGION_EDGE,
    TEXT,
    TITLE_SIZE,
    UNIT_EDGE_ON_COLOUR,
    WEIGHT_NAMES,
    Lang,
    guess_unit_nouns,
    local_number,
    plan_status,
    texts,
    unit_nouns,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_regions", "plot_difference", "small_multiples"]


def _overlay_shapes(
    overlay: Layer | gpd.GeoDataFrame | gpd.GeoSeries, units: gpd.GeoDataFrame
) -> gpd.GeoSeries:
    if isinstance(overlay, Layer):
        m = overlay.membership()
        keys = {}
        for cid, group in m.groupby("collaboration", sort=True):
            codes = [c for c in group["unit"] if c in units.index]
            if codes:
                keys[str(cid)] = union_parts(units.geometry.loc[codes].to_numpy(),
                                             sliver_area(units))
        return gpd.GeoSeries(keys, crs=units.crs)
    if isinstance(overlay, gpd.GeoDataFrame | gpd.GeoSeries):
        geo = overlay.geometry if isinstance(overlay, gpd.GeoDataFrame) else overlay
        if geo.crs is None or units.crs is None or geo.crs != units.crs:
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
        white_spots = white_spots.index[white_spots.to_numpy()]
    elif isinstance(white_spots, pd.DataFrame):
        white_spots = white_spots.index
    codes = pd.Index(list(white_spots)).astype(str)
    unknown = codes.difference(units.index)
    if len(unknown):
        raise UnitCodeError(f"white_spots names {len(unknown)} code(s) that are not units: "
                            f"{listing(unknown, 10)}")
    return codes


def plot_regions(
    units: Landscape | gpd.GeoDataFrame,
    assignment: Any,
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
    credit: str | None = None,
    legend: bool = True,
    legend_loc: str = "auto",
    lang: Lang = "nl",
    colours: Mapping[str, str] | None = None,
    palette: Sequence[str] | None = None,
    min_fontsize: float = LABEL_MIN_SIZE,
    max_fontsize: float = 9.5,
    linewidths: tuple[float, float] = (0.3, 1.0),
    figsize: tuple[float, float] | None = None,
    note: str | None = None,
    outline_by: str | None = "auto",
    scale_bar: bool = True,
    unit_noun: tuple[str, str] | str | None = None,
) -> Axes:
    """Map a plan: regions in distinct colours, outlined, labelled.

    Neighbouring regions never share a colour
    (:func:`~rato_opt.maps.colouring.region_colours`). Region outlines
    are drawn thicker than the (white) unit boundaries. Labels sit at the centre of the
    largest circle inside each region, with a white halo and a font size that follows the
    room there; labels that would overlap are shrunk or pushed apart.

    Parameters
    ----------
    units : Landscape or GeoDataFrame
        The landscape, or its unit table.
    assignment : Plan, Series or mapping
        Unit code → region id (every unit once; NaN for "not assigned"), or a
        :class:`~rato_opt.assess.plan.Plan`: then its region names label the map and
        the subtitle states its status and gap ("Status: haalbaar, gat 12,3 % tot de
        ondergrens").
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    graph : networkx.Graph, optional
        Unit graph for the colouring; default :func:`~rato_opt.maps.colouring.unit_graph`
        of ``units`` (for a landscape: with its links, as the optimiser uses it).
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
        Title; default states the number of regions; ``""`` for none (and no status).
    credit : str, optional
        Data credit, e.g. ``"Bron: CBS/Kadaster (via PDOK)"``; default the landscape's
        ``credit`` (none for a bare unit table); ``""`` for none.
    legend : bool, default True
        Legend of everything drawn: units, region boundaries, overlay, hatches.
    legend_loc : str, default "auto"
        ``"auto"``: the inside corner that covers least of the map, else right of it;
        ``"right"``/``"below"``: outside the map; or a matplotlib legend location.
    lang : {"nl", "en"}, default "nl"
        Language of the generated texts.
    colours : mapping, optional
        Region id → colour; default :func:`~rato_opt.maps.colouring.region_colours`.
    palette : sequence of str, optional
        Palette for the region colours.
    min_fontsize, max_fontsize : float
        Range of label font sizes (points); 6 pt is legible at :data:`FIGSIZE
        <rato_opt.maps.style.FIGSIZE>` (16 cm wide, an A4 text column).
    linewidths : (float, float), default (0.3, 1.0)
        Line widths (points) of the unit and the region boundaries.
    figsize : (float, float), optional
        Size of a new figure.
    note : str, optional
        A last legend line without a symbol, e.g. the split figures of a layer
        (:meth:`rato_opt.assess.plan.Plan.split_note`).
    outline_by : str or None, default "auto"
        A column of the units naming each unit's parent (e.g. ``"gemeente"`` on a map
        of wijken) whose borders are drawn thin and dark over the regions. ``"auto"``
        draws the ``gemeente`` borders when the units are finer than gemeenten; None
        draws none. On a landscape whose ``notes`` mark estimated quantities, the map
        also says which ones are estimates.
    scale_bar : bool, default True
        Draw a scale bar (gid ``"scale_bar"``, km) in a free corner.
    unit_noun : str or (str, str), optional
        Word for a unit in the legend; default from the codes (``GM…``: gemeente).

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
    >>> graph = nx.path_graph(["a", "b", "c", "d"])  # default: unit_graph(units)
    >>> ax = plot_regions(units, plan, ax=Figure().subplots(), graph=graph, names={"R1": "West"})
    >>> sorted(t.get_text() for t in ax.texts if t.get_gid() == "label")
    ['R2', 'West']
    """
    t = texts(lang)
    source = units
    units = check_units(unit_table(units))
    status = None
    if hasattr(assignment, "assignment") and hasattr(assignment, "status"):  # a Plan
        status = plan_status(assignment.status, assignment.gap, lang)
        table = getattr(assignment, "regions", None)
        if names is None and isinstance(table, pd.DataFrame) and "name" in table.columns:
            names = table["name"].astype(str)
        assignment = assignment.assignment
    assign = check_assignment(units, assignment)
    if credit is None:
        credit = getattr(source, "credit", "") or ""
    if colours is None:
        colours = region_colours(source, assign, graph=graph, palette=palette)
    ax = get_ax(ax, figsize)
    faces = [colours.get(r, "#CCCCCC") if isinstance(r, str) else "#F4F4F4"
             for r in assign.to_numpy()]
    add_polygons(
        ax, units.geometry, gid="units", facecolor=faces, edgecolor=UNIT_EDGE_ON_COLOUR,
        linewidth=linewidths[0], zorder=1,
    )
    regions = dissolve(units, assign)
    handles = []
    if white_spots is not None:
        codes = _spot_codes(white_spots, units)
        add_polygons(
            ax, units.geometry.loc[codes], gid="white_spots", facecolor="none",
            edgecolor="none", linewidth=0.0, hatch="/////", hatchcolor="#333333",
            hatch_linewidth=0.6, zorder=2,
        )
        handles.append(hatch_patch(
            facecolor="white", edgecolor="#666666", linewidth=0.5, hatch="/////",
            hatchcolor="#333333", label=f"{t['white_spot']} ({local_number(len(codes), lang)})"))
    unassigned = int(assign.isna().sum())
    if unassigned:
        handles.append(hatch_patch(facecolor="#F4F4F4", edgecolor="#999999", linewidth=0.5,
                                   label=f"{t['not_assigned']} ({local_number(unassigned, lang)})"))
    add_polygons(ax, regions.to_numpy(), gid="regions", facecolor="none", edgecolor=REGION_EDGE,
                 linewidth=linewidths[1], zorder=5)
    from matplotlib.lines import Line2D

    sg, pl = unit_nouns(t, unit_noun) if unit_noun else guess_unit_nouns(units.index, lang)
    handles[:0] = [
        hatch_patch(facecolor="#BDBDBD", edgecolor="#FFFFFF", linewidth=0.8,
                    label=t["unit_patch"].format(noun=sg if len(units) == 1 else pl,
                                                 n=local_number(len(units), lang))),
        Line2D([], [], color=REGION_EDGE, linewidth=linewidths[1],
               label=t["region_boundary"].format(n=len(regions))),
    ]
    if overlay is not None:
        shapes = _overlay_shapes(overlay, units)
        lines = shapely.boundary(shapes.to_numpy())
        if overlay_internal:
            x0, y0, x1, y1 = units.total_bounds
            tol = 2e-4 * max(x1 - x0, y1 - y0, 1e-9)
            outline = shapely.buffer(shapely.boundary(shapely.union_all(regions.to_numpy())), tol)
            lines = shapely.difference(lines, outline)
        add_lines(
            ax, lines, gid="overlay", colors="#7A0000", linewidths=1.1,
            linestyles=[(0, (4, 2.5))], zorder=6, capstyle="butt",
        )
        label = overlay_label or t["overlay"].format(
            name=overlay.name if isinstance(overlay, Layer) else "overlay"
        )
        handles.append(
            Line2D([], [], color="#7A0000", linewidth=1.1, linestyle=(0, (4, 2.5)), label=label)
        )
    parent = _outline_column(units, outline_by)
    if parent is not None:
        lines = shapely.boundary(dissolve(units, units[parent].astype(str)).to_numpy())
        add_lines(ax, lines, gid="parent_outline", colors="#404040", linewidths=0.45, zorder=4)
        handles.append(Line2D([], [], color="#404040", linewidth=0.45,
                              label=t["parent_boundary"]))
    estimated = [k for k, v in getattr(source, "notes", {}).items() if v.startswith("estimated")]
    if estimated:
        handles.append(Line2D([], [], linestyle="none",
                              label=t["estimated"].format(what=", ".join(estimated))))
    if note:
        handles.append(Line2D([], [], linestyle="none", label=note))
    frame_map(ax, units.total_bounds, scale_bar=scale_bar)
    set_title(ax, t["regions"].format(n=len(regions)) if title is None else title,
              status if title != "" else None)
    add_credit(ax, credit)
    if legend:
        add_legend(ax, handles, loc=legend_loc, footprint=units.geometry.to_numpy())
    else:
        place_scale_bar(ax, units.geometry.to_numpy())
    if labels and len(regions):
        label_of = pd.Series(names).astype(str).to_dict() if names is not None else {}
        draw_labels(
            ax, regions, {r: label_of.get(r, r) for r in regions.index},
            min_fontsize=min_fontsize, max_fontsize=max_fontsize, relocate=True,
        )
    return ax


def _outline_column(units: gpd.GeoDataFrame, outline_by: str | None) -> str | None:
    if outline_by is None:
        return None
    if outline_by == "auto":
        column = "gemeente"
        if column not in units.columns or units[column].nunique() == len(units):
            return None
        return column
    if outline_by not in units.columns:
        raise ColumnError(
            f"outline_by={outline_by!r} is not a column of the units; got "
            f"{listing(units.columns)}"
        )
    return outline_by


def plot_difference(
    units: Landscape | gpd.GeoDataFrame,
    plan_a: pd.Series | Mapping[str, str],
    plan_b: pd.Series | Mapping[str, str],
    *,
    ax: Axes | None = None,
    plan_names: tuple[str, str] = ("A", "B"),
    weight: str | None = None,
    title: str | None = None,
    credit: str | None = None,
    legend: bool = True,
    legend_loc: str = "auto",
    lang: Lang = "nl",
    unit_noun: tuple[str, str] | str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Axes:
    """Highlight the units that change region between two plans.

    Regions are first matched across the plans by maximum overlap (one-to-one, see
    :func:`~rato_opt.maps.matching.match_regions`): region ids of two plans need not correspond, and a region
    that is split keeps its identity in its larger part only. A unit is highlighted when
    its region in ``plan_b`` is not the match of its region in ``plan_a``
    (:func:`~rato_opt.maps.matching.changed_units`). Region boundaries of ``plan_b`` are drawn solid black; those
    of ``plan_a`` that ``plan_b`` does not share are dashed blue; the title gives the
    number of changed units.

    Parameters
    ----------
    units : Landscape or GeoDataFrame
        The landscape, or its unit table.
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
    credit : str, optional
        Data credit; default the landscape's ``credit``; ``""`` for none.
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
    t = texts(lang)
    if credit is None:
        credit = getattr(units, "credit", "") or ""
    units = check_units(unit_table(units))
    a = check_assignment(units, plan_a)
    b = check_assignment(units, plan_b)
    w = units[weight] if weight is not None else None
    if weight is not None and weight not in units.columns:
        raise ColumnError(f"weight column {weight!r} not in the units; have {list(units.columns)}")
    changed = changed_units(a, b, weights=w)
    ax = get_ax(ax, figsize)
    add_polygons(
        ax, units.geometry, gid="units", facecolor=GREY_FILL, edgecolor="white",
        linewidth=0.3, zorder=1,
    )
    add_polygons(
        ax, units.geometry[changed.to_numpy()], gid="changed", facecolor=HIGHLIGHT,
        edgecolor="white", linewidth=0.3, zorder=2,
    )
    regions_b = dissolve(units, b).to_numpy()
    add_polygons(
        ax, regions_b, gid="regions", facecolor="none", edgecolor=REGION_EDGE,
        linewidth=1.1, zorder=5,
    )
    # boundaries of plan A only where plan B has none (shared ones are drawn once, solid)
    x0, y0, x1, y1 = units.total_bounds
    tol = 2e-4 * max(x1 - x0, y1 - y0, 1e-9)
    shared = shapely.buffer(shapely.union_all(shapely.boundary(regions_b)), tol)
    lines_a = shapely.difference(shapely.boundary(dissolve(units, a).to_numpy()), shared)
    add_lines(
        ax, lines_a, gid="regions_a", colors=PLAN_A_EDGE, linewidths=1.1,
        linestyles=[(0, (3, 2))], zorder=6, capstyle="butt",
    )
    frame_map(ax, units.total_bounds)
    n = int(changed.sum())
    sg, pl = unit_nouns(t, unit_noun) if unit_noun else guess_unit_nouns(units.index, lang)
    noun = sg if (n == 1 and lang == "en") else pl
    if legend:
        from matplotlib.lines import Line2D

        handles = [
            hatch_patch(facecolor=HIGHLIGHT, edgecolor="white",
                        label=f"{t['changed']} ({local_number(n, lang)})"),
            hatch_patch(facecolor=GREY_FILL, edgecolor="white",
                        label=f"{t['unchanged']} ({local_number(len(units) - n, lang)})"),
            Line2D([], [], color=REGION_EDGE, linewidth=1.1,
                   label=t["boundary_of"].format(plan=plan_names[1])),
            Line2D([], [], color=PLAN_A_EDGE, linewidth=1.1, linestyle=(0, (3, 2)),
                   label=t["boundary_of"].format(plan=plan_names[0])),
        ]
        add_legend(ax, handles, loc=legend_loc, footprint=units.geometry.to_numpy())
    if title is None:
        text = t["diff_title"].format(n=local_number(n, lang), units=noun)
        if weight is not None:
            moved = float(units.loc[changed.to_numpy(), weight].sum())
            what = WEIGHT_NAMES[lang].get(weight, weight).removeprefix("de ").removeprefix(
                "the ")
            text += f" ({local_number(moved, lang)} {what})"
        set_title(ax, text)
    else:
        set_title(ax, title)
    add_credit(ax, credit)
    return ax


def small_multiples(
    units: Landscape | gpd.GeoDataFrame,
    plans: Mapping[str, pd.Series],
    *,
    ncols: int = 3,
    graph: nx.Graph | None = None,
    figsize: tuple[float, float] | None = None,
    credit: str | None = None,
    labels: bool = False,
    names: Mapping[str, Mapping[str, str]] | None = None,
    title: str | None = None,
    lang: Lang = "nl",
) -> Figure:
    """Maps of several plans side by side, for comparison.

    Regions of every plan are matched to those of the first plan by maximum overlap
    (:func:`~rato_opt.maps.matching.match_regions`) and keep its colour where no neighbour has it, so that "the
    same" region looks the same across panels; neighbouring regions still never share a
    colour.

    Parameters
    ----------
    units : Landscape or GeoDataFrame
        The landscape, or its unit table.
    plans : mapping of str to Series
        Panel title → assignment (unit code → region id).
    ncols : int, default 3
        Panels per row.
    graph : networkx.Graph, optional
        Unit graph for the colouring; default :func:`~rato_opt.maps.colouring.unit_graph`
        of ``units`` (for a landscape: with its links), built once.
    figsize : (float, float), optional
        Figure size; default at most 6.9 inch wide (a text column), panel height from
        the map's aspect ratio.
    credit : str, optional
        Data credit, printed once under the panels; default the landscape's ``credit``.
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

    t = texts(lang)
    source = units
    if credit is None:
        credit = getattr(source, "credit", "") or ""
    units = check_units(unit_table(units))
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
        graph = unit_graph(source)
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
            legend=False, lang=lang, colours=colours, min_fontsize=5.0, max_fontsize=7.0,
            linewidths=(0.15, 0.7), credit="", scale_bar=i == 0,
        )
        ax.set_title(f"{key}\n{t['regions'].format(n=k)}", loc="left", fontsize=8.5,
                     color=TEXT, pad=4)
    for j in range(n, nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    if title:
        fig.suptitle(title, fontsize=TITLE_SIZE, x=0.02, ha="left")
    if credit:
        text = fig.text(0.995, 0.005, credit, ha="right", va="bottom", fontsize=CREDIT_SIZE,
                        color="#444444")
        text.set_gid("credit")
    return fig


