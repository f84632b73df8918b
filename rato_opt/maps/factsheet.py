"""Region fact sheets: one A4 page per region, all regions of a plan in one PDF.

A page holds the region's name, the plan's status, a map of the region with its member
units labelled (and a scale bar), a location inset of the whole country, the key figures
(weights and their share of the country, area, neighbours), the member table, the
collaborations of every split layer kept whole in the region and those split (with the
share in the region), the change against a reference (a plan or a layer such as the
arbeidsmarktregio's: units in and out) and, when given, the region's funds (an
:class:`~rato_opt.assess.funds.Allocation`). The footer carries the data credit and the
landscape's notes on estimated quantities.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> from rato_opt.sources.synthetic import make_country
>>> land = make_country(n_units=60, seed=1)
>>> fig = region_factsheet(land.layers["amr"].membership().set_index("unit")["collaboration"],
...                        land, "AM01", reference="province")
>>> [round(float(x), 2) for x in fig.get_size_inches()]
[8.27, 11.69]
>>> plt.close(fig)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from .._util import atomic_output, check_output_dir, listing
from ..exceptions import InputError
from ..landscape import Landscape
from .draw import add_legend, add_lines, add_polygons, add_scale_bar, hatch_patch
from .factsheet_parts import (
    SHEET_TEXTS,
    SHORT_WEIGHTS,
    Flow,
    SheetData,
    collaborations,
    listing_text,
    money,
    reference_change,
    share_text,
    sheet_data,
    shorten,
)
from .labels import draw_labels
from .style import (
    A4,
    CREDIT_SIZE,
    GREY_FILL,
    LABEL_MIN_SIZE,
    LAYER_NAMES,
    PLAN_A_EDGE,
    REGION_EDGE,
    TEXT,
    WEIGHT_NAMES,
    Lang,
    guess_unit_nouns,
    local_number,
    texts,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["region_factsheet", "write_factsheets"]

HIGHLIGHT_FILL = "#9CC3E4"  #: the region's units on its fact sheet
OTHER_EDGE = "#8C8C8C"  #: boundaries of the other regions


def region_factsheet(
    plan: Any,
    landscape: Landscape,
    region: str,
    *,
    reference: Any = None,
    allocation: Any = None,
    spec: Any = None,
    layers: Sequence[str] | None = None,
    weights: Sequence[str] | None = None,
    lang: Lang = "nl",
    page: tuple[int, int] | None = None,
    _data: SheetData | None = None,
) -> Figure:
    """One A4 page about one region of a plan.

    Parameters
    ----------
    plan : Plan or Series or mapping
        A :class:`~rato_opt.assess.plan.Plan` (its names and status are used) or an
        assignment unit code -> region id (regions are then named after their largest
        unit).
    landscape : Landscape
        The landscape the plan divides.
    region : str
        The region's id in the plan.
    reference : Plan, Series, mapping or str, optional
        What the region is compared with: another plan or assignment, or the name of a
        layer of the landscape (e.g. ``"amr"``). The region is paired with the reference
        region it overlaps most (one-to-one, by population; see
        :func:`~rato_opt.maps.matching.match_regions`); the page lists the units that
        came in and went out, and the map outlines the reference region dashed.
    allocation : Allocation, optional
        Funds per region (:func:`rato_opt.assess.funds.allocate`); the page shows this
        region's components, total and share, and the formula.
    spec : RegionSpec, optional
        Its ``objective.split_layers`` choose the layers whose collaborations are listed
        and ``objective.split_by`` / ``split_weight`` weigh the shares, as the optimiser
        does; default every layer, weighed by population.
    layers : sequence of str, optional
        The layers to list (overrides ``spec``).
    weights : sequence of str, optional
        Weight columns of the member table; default up to three of population and
        pupils.
    lang : {"nl", "en"}, default "nl"
    page : (int, int), optional
        Page number and count for the footer.

    Returns
    -------
    matplotlib.figure.Figure
        An A4 portrait figure (8.27 × 11.69 inch). Axes have gids ``"map"``,
        ``"inset"``, ``"key"``, ``"members"`` and ``"details"``; the map has a scale bar
        (gid ``"scale_bar"``).

    Raises
    ------
    InputError
        ``region`` is not a region of the plan; the plan has no solution.
    LayerError
        ``reference`` or ``layers`` name a layer the landscape does not have.
    """
    import matplotlib.pyplot as plt

    data = _data if _data is not None else sheet_data(
        plan, landscape, reference=reference, spec=spec, layers=layers, weights=weights,
        lang=lang)
    region = str(region)
    if region not in data.shapes.index:
        raise InputError(f"region {region!r} is not a region of the plan; regions: "
                         f"{listing(data.shapes.index)}")
    t = SHEET_TEXTS[lang]
    texts(lang)  # checks lang
    sg, pl = guess_unit_nouns(data.units.index, lang)
    fig = plt.figure(figsize=A4)
    members = data.assign.index[(data.assign == region).to_numpy()]
    regions = list(data.shapes.index)
    name = data.names.get(region, region)
    # ---- header
    fig.text(0.05, 0.962, name, fontsize=17, fontweight="bold", color=TEXT, gid="title")
    sub = t["region_of"].format(id=region, i=regions.index(region) + 1, n=len(regions),
                                members=local_number(len(members), lang),
                                units=sg if len(members) == 1 else pl)
    if data.status:
        sub += " · " + data.status
    fig.text(0.05, 0.944, sub, fontsize=8.5, color="#333333", gid="subtitle")
    # ---- map, inset, key figures
    target = data.match.get(region)
    view = _region_map(fig.add_axes((0.04, 0.515, 0.60, 0.415)), data, region, target, t, sg)
    _inset(fig.add_axes((0.67, 0.745, 0.29, 0.185)), data, region, view, t)
    _key_figures(Flow(fig.add_axes((0.67, 0.515, 0.29, 0.215), gid="key"), 7.0),
                 landscape, data, region, t, lang)
    # ---- member table and details
    _member_table(Flow(fig.add_axes((0.05, 0.07, 0.40, 0.425), gid="members"), 6.8),
                  data, region, t, lang, pl)
    details = Flow(fig.add_axes((0.50, 0.07, 0.46, 0.425), gid="details"), 6.8)
    reserve = (11 if data.ref is not None else 0) + (
        10 + len(allocation.formula.per_weight) if allocation is not None else 0)
    _collaboration_block(details, data, region, t, lang, reserve)
    if data.ref is not None:
        _reference_block(details, data, region, target, t, lang)
    if allocation is not None:
        _funds_block(details, allocation, region, t, lang)
    # ---- footer
    foot = [landscape.credit] if landscape.credit else []
    marks = _estimated(landscape, data)
    foot += [t["estimated"].format(note=f"{k}: {v.removeprefix('estimated:').strip()}")
             for k, v in marks.items()]
    fig.text(0.05, 0.045, "\n".join(shorten(x, 150) for x in foot), fontsize=CREDIT_SIZE,
             color="#444444", va="top", gid="credit")
    if page is not None:
        fig.text(0.96, 0.022, t["page"].format(i=page[0], n=page[1]), fontsize=CREDIT_SIZE,
                 color="#444444", ha="right", gid="page")
    return fig


def write_factsheets(
    plan: Any,
    landscape: Landscape,
    path: str | os.PathLike[str],
    *,
    regions: Sequence[str] | None = None,
    reference: Any = None,
    allocation: Any = None,
    spec: Any = None,
    layers: Sequence[str] | None = None,
    weights: Sequence[str] | None = None,
    lang: Lang = "nl",
) -> Path:
    """Write the fact sheets of all regions (or of ``regions``) into one PDF, atomically.

    One A4 page per region, in region order (:func:`region_factsheet`; the keyword
    arguments are passed on). The PDF is written beside its target and moved into place
    only when every page succeeded, so a failure leaves an existing file as it was.

    Parameters
    ----------
    plan, landscape, reference, allocation, spec, layers, weights, lang
        See :func:`region_factsheet`.
    path : path-like
        The PDF to write (``.pdf`` is required).
    regions : sequence of str, optional
        The regions to include, in this order; default all.

    Returns
    -------
    Path
        The PDF written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from rato_opt.sources.synthetic import make_country
    >>> land = make_country(n_units=60, seed=1)
    >>> plan = land.layers["amr"].membership().set_index("unit")["collaboration"]
    >>> out = write_factsheets(plan, land, pathlib.Path(tempfile.mkdtemp()) / "regios.pdf",
    ...                        regions=["AM01", "AM02"])
    >>> out.name, out.read_bytes()[:5]
    ('regios.pdf', b'%PDF-')
    """
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    target = Path(path).absolute()
    if target.suffix.lower() != ".pdf":
        raise InputError(f"path must name a .pdf file, got {str(path)!r}")
    check_output_dir(target.parent)
    data = sheet_data(plan, landscape, reference=reference, spec=spec, layers=layers,
                      weights=weights, lang=lang)
    chosen = list(data.shapes.index) if regions is None else [str(r) for r in regions]
    unknown = [r for r in chosen if r not in data.shapes.index]
    if unknown or not chosen:
        raise InputError(f"regions {listing(unknown) if unknown else '(none)'} are not regions "
                         f"of the plan; regions: {listing(data.shapes.index)}")
    with atomic_output(target.parent) as tmp:
        meta = {"Title": f"Regio's: {len(chosen)} factsheets", "Creator": "rato_opt",
                "CreationDate": None}
        with PdfPages(tmp / target.name, metadata=meta) as pdf:
            for i, region in enumerate(chosen, 1):
                fig = region_factsheet(plan, landscape, region, allocation=allocation, lang=lang,
                                       page=(i, len(chosen)), _data=data)
                try:
                    pdf.savefig(fig)
                finally:
                    plt.close(fig)
    return target


# ------------------------------------------------------------------ page parts
def _region_map(ax: Any, data: SheetData, region: str, target: str | None,
                t: dict[str, str], unit: str) -> tuple[float, float, float, float]:
    """The region, its neighbourhood, member labels, reference outline, scale bar."""
    from matplotlib.lines import Line2D

    ax.set_gid("map")
    units, assign = data.units, data.assign
    shape = data.shapes[region]
    x0, y0, x1, y1 = shape.bounds
    pos = ax.get_position()
    box_ratio = (pos.height * ax.figure.get_figheight()) / (pos.width * ax.figure.get_figwidth())
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = max((x1 - x0), (y1 - y0) / box_ratio, 8000) * 0.56
    half_h = half_w * box_ratio
    view = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    near = units.index[units.geometry.intersects(shapely.box(*view)).to_numpy()]
    mine = (assign.reindex(near) == region).to_numpy()
    geoms = units.geometry.loc[near]
    add_polygons(ax, geoms[~mine], gid="others", facecolor=GREY_FILL, edgecolor="white",
                 linewidth=0.4, zorder=1)
    add_polygons(ax, geoms[mine], gid="units", facecolor=HIGHLIGHT_FILL, edgecolor="white",
                 linewidth=0.6, zorder=2)
    others = data.shapes.drop(region)
    others = others[others.intersects(shapely.box(*view)).to_numpy()]
    add_polygons(ax, others.to_numpy(), gid="other_regions", facecolor="none",
                 edgecolor=OTHER_EDGE, linewidth=0.8, zorder=3)
    add_polygons(ax, [shape], gid="regions", facecolor="none", edgecolor=REGION_EDGE,
                 linewidth=1.8, zorder=5)
    handles = [
        hatch_patch(facecolor=HIGHLIGHT_FILL, edgecolor=REGION_EDGE, linewidth=1.2,
                    label=t["legend_region"]),
        hatch_patch(facecolor=GREY_FILL, edgecolor=OTHER_EDGE, linewidth=0.8,
                    label=t["legend_other"]),
    ]
    if target is not None:
        ref_shape = shapely.union_all(units.geometry[(data.ref == target).to_numpy()].to_numpy())
        add_lines(ax, [ref_shape.boundary], gid="reference", colors=PLAN_A_EDGE,
                  linewidths=1.3, linestyles=[(0, (3, 2))], zorder=6, capstyle="butt")
        label = t["legend_ref"].format(name=data.ref_names.get(target, target))
        handles.append(Line2D([], [], color=PLAN_A_EDGE, linewidth=1.3,
                              linestyle=(0, (3, 2)), label=label))
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set(color="#BBBBBB", linewidth=0.6)
    add_scale_bar(ax)
    add_legend(ax, handles, loc="auto", footprint=geoms[mine].to_numpy())
    codes = near[mine]
    big = units.loc[codes]
    if len(codes) > 60:  # too many to label: the largest 60
        w = big["population"] if "population" in big.columns else big.geometry.area
        big = big.loc[w.sort_values(ascending=False).index[:60]]
    draw_labels(ax, big.geometry, big["name"].astype(str).to_dict(),
                min_fontsize=LABEL_MIN_SIZE, max_fontsize=8.5, wrap=12)
    return view


def _inset(ax: Any, data: SheetData, region: str, view: tuple[float, ...],
           t: dict[str, str]) -> None:
    """The whole country, the region highlighted, the map's extent as a rectangle."""
    ax.set_gid("inset")
    shapes = data.shapes
    add_polygons(ax, shapes.drop(region).to_numpy(), gid="country", facecolor=GREY_FILL,
                 edgecolor="white", linewidth=0.3, zorder=1)
    add_polygons(ax, [shapes[region]], gid="regions", facecolor="#D55E00", edgecolor="#7A2E00",
                 linewidth=0.5, zorder=2)
    x0, y0, x1, y1 = data.units.total_bounds
    pad = 0.03 * max(x1 - x0, y1 - y0)
    frame = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    add_lines(ax, [shapely.intersection(shapely.box(*view), frame).boundary], gid="view",
              colors=REGION_EDGE, linewidths=0.6, zorder=3)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    ax.set_title(t["location"], fontsize=8.5, loc="left", color=TEXT, fontweight="bold", pad=2)


def _key_figures(flow: Flow, landscape: Landscape, data: SheetData, region: str,
                 t: dict[str, str], lang: str) -> None:
    flow.heading(t["key"])
    units = data.units
    mine = (data.assign == region).to_numpy()
    marks = _estimated(landscape, data)
    xs, al = (0.0, 0.68, 1.0), ("left", "right", "right")
    for w in data.weights:
        total = float(units[w].sum())
        value = float(units.loc[mine, w].sum())
        label = WEIGHT_NAMES[lang].get(w, w).removeprefix("de ").removeprefix("het ") \
            .removeprefix("the ")
        flow.row([label + (" *" if w in marks else ""), local_number(value, lang),
                  share_text(value / total, lang) if total > 0 else "–"], xs, al,
                 widths=(0.45,))
    area = float(units.geometry[mine].area.sum()) / 1e6
    flow.row([t["area"].lower(), f"{local_number(area, lang)} km²",
              share_text(area / (float(units.geometry.area.sum()) / 1e6), lang)], xs, al)
    shape = data.shapes[region]
    near = data.shapes.drop(region)
    touching = near.index[near.intersects(shapely.buffer(shape, 50.0)).to_numpy()]
    names = sorted(data.names.get(r, r) for r in touching)
    flow.gap(0.3)
    flow.paragraph(f"{t['neighbours']}: {listing_text(names, t, 12)}", max_lines=4)


def _member_table(flow: Flow, data: SheetData, region: str, t: dict[str, str], lang: str,
                  plural: str) -> None:
    units = data.units
    members = units.loc[(data.assign == region).to_numpy()]
    ws = data.weights
    flow.heading(t["members"].format(Units=plural.capitalize()))
    n_w = len(ws)
    xs = [0.0, *np.linspace(1.0 - 0.24 * (n_w - 1), 1.0, n_w)] if n_w else [0.0]
    al = ["left", *["right"] * n_w]
    name_w = xs[1] - 0.26 if n_w else 1.0
    heads = [SHORT_WEIGHTS[lang].get(w, w) for w in ws]
    flow.row(["", *heads], xs, al, bold=True)
    flow.rule()
    key = ws[0] if ws else None
    order = members.sort_values(key, ascending=False, kind="stable") if key else members
    room = flow.lines_left() - 4
    show = order if len(order) <= room else order.iloc[: max(room - 1, 0)]
    for _, row in show.iterrows():
        flow.row([str(row["name"]), *(local_number(float(row[w]), lang) for w in ws)], xs, al,
                 widths=(name_w,))
    if len(show) < len(order):
        rest = order.iloc[len(show):]
        flow.row([t["more_units"].format(n=len(rest), units=plural),
                  *(local_number(float(rest[w].sum()), lang) for w in ws)], xs, al,
                 colour="#555555", widths=(name_w,))
    flow.rule()
    flow.row([t["total"], *(local_number(float(members[w].sum()), lang) for w in ws)], xs, al,
             bold=True, widths=(name_w,))
    flow.row([t["share_nl"], *(share_text(float(members[w].sum()) / float(units[w].sum()), lang)
                               if float(units[w].sum()) > 0 else "–" for w in ws)], xs, al,
             widths=(name_w,))


def _collaboration_block(flow: Flow, data: SheetData, region: str, t: dict[str, str],
                         lang: str, reserve: int) -> None:
    """Per layer: collaborations whole in the region, and split ones with their share;
    ``reserve`` lines are left for the blocks below."""
    if not data.split:
        return
    flow.heading(t["collab"])
    if data.split_by:
        what = WEIGHT_NAMES[lang].get(data.split_by, data.split_by)
        flow.paragraph(t["layer_weight"].format(what=what), max_lines=1, colour="#555555")
    per_layer = max(4, (flow.lines_left() - reserve - 2) // max(len(data.split), 1) - 2)
    for name, frame in data.split.items():
        whole, split = collaborations(frame, region, data.names)
        flow.gap(0.3)
        flow.row([LAYER_NAMES.get(lang, {}).get(name, name)], [0.0], bold=True)
        used = flow.paragraph(t["whole"].format(n=len(whole)) + ": " + listing_text(
            whole, t, 14), max_lines=3, indent=0.02)
        flow.row([t["split"].format(n=len(split)) + (":" if split else ": " + t["none"])],
                 [0.02])
        room = max(per_layer - used - 1, 1)
        rows = split if len(split) <= room else split[: room - 1]
        for cname, share, main in rows:
            where = t["main_in"].format(name=main) if main else ""
            flow.row([cname, t["share_here"].format(share=share_text(share, lang)), where],
                     [0.04, 0.66, 0.69], ["left", "right", "left"],
                     widths=(0.45, 0, 0.31))
        if len(rows) < len(split):
            flow.row([t["more"].format(n=len(split) - len(rows))], [0.04], colour="#555555")


def _reference_block(flow: Flow, data: SheetData, region: str, target: str | None,
                     t: dict[str, str], lang: str) -> None:
    flow.heading(t["reference"].format(ref=data.ref_label))
    ref, a, b, came, went = reference_change(data, region)
    if ref is None:
        flow.paragraph(t["ref_none"], max_lines=2)
        return
    name = data.ref_names.get(ref, ref)
    flow.paragraph(t["ref_match"].format(name=name, a=share_text(a, lang),
                                         b=share_text(b, lang)), max_lines=2)
    for head, rows, key in ((t["units_in"], came, "from"), (t["units_out"], went, "to")):
        text = head.format(n=len(rows)) + listing_text(
            [f"{u} ({t[key].format(name=r)})" for u, r in rows], t, 8)
        flow.paragraph(text, max_lines=3, indent=0.02)


def _funds_block(flow: Flow, allocation: Any, region: str, t: dict[str, str],
                 lang: str) -> None:
    table = getattr(allocation, "table", None)
    formula = getattr(allocation, "formula", None)
    if not isinstance(table, pd.DataFrame) or formula is None:
        raise InputError("allocation must be an Allocation from rato_opt.assess.funds.allocate, "
                         f"got {type(allocation).__name__}")
    flow.heading(t["funds"])
    parts = []
    if float(formula.base_per_region):
        parts.append(f"{money(float(formula.base_per_region), lang)} {t['base']}")
    for col, rate in formula.per_weight.items():
        what = SHORT_WEIGHTS[lang].get(col, col)
        parts.append(f"{money(float(rate), lang)} {t['per'].format(what=what)}")
    text = t["formula"].format(parts=" + ".join(parts) or "–")
    if formula.total is not None:
        text += "; " + t["budget"].format(total=money(float(formula.total), lang))
    flow.paragraph(text, max_lines=3, colour="#333333")
    if region not in table.index:
        flow.paragraph(t["funds_none"], max_lines=2)
        return
    row = table.loc[region]
    xs, al = (0.02, 0.70), ("left", "right")
    for comp in formula.components:
        label = t["base"] if comp == "base" else t["by"].format(
            what=SHORT_WEIGHTS[lang].get(comp[3:], comp[3:]))
        flow.row([label, money(float(row[comp]), lang)], xs, al)
    flow.rule()
    flow.row([t["funds_total"], money(float(row["total"]), lang)], xs, al, bold=True)
    total = float(table["total"].sum())
    if total > 0:
        flow.row([t["funds_share"].format(share=share_text(float(row["total"]) / total, lang),
                                          total=money(total, lang))], [0.02],
                 colour="#555555")


def _estimated(landscape: Landscape, data: SheetData) -> dict[str, str]:
    """Notes on estimated quantities that the page shows (weights, layers, split weight)."""
    shown = {*data.weights, *data.split, *([data.split_by] if data.split_by else [])}
    return {k: v for k, v in landscape.notes.items()
            if v.lower().startswith(("estimated", "geschat")) and k in shown}

