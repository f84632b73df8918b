"""The figures of a region fact sheet (:mod:`rato_opt.maps.factsheet`): texts, the plan's
parts, collaborations kept and split, the change against a reference, and a small text
layout engine for tables on a page.

Nothing here is user-facing. The split figures follow
:func:`rato_opt.assess.split.split_table` (same member weights); they are recomputed
here because the maps may not import :mod:`rato_opt.assess` (layer contract).
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .._util import listing
from ..exceptions import InputError, LayerError
from ..landscape import Landscape
from .colouring import check_assignment
from .draw import dissolve
from .matching import match_regions
from .style import TEXT, local_number, plan_status

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__: list[str] = []  # helpers of rato_opt.maps.factsheet

#: Texts of the fact sheet, per language.
SHEET_TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "{name}",
        "region_of": "Regio {id} ({i} van {n}) · {members} {units}",
        "location": "Ligging",
        "key": "Kerncijfers",
        "members": "{Units} in de regio",
        "total": "Totaal regio",
        "share_nl": "Aandeel van het land",
        "area": "Oppervlakte",
        "neighbours": "Grenst aan",
        "collab": "Samenwerkingen: heel en gesplitst",
        "whole": "Heel in de regio ({n})",
        "split": "Gesplitst ({n})",
        "share_here": "{share} hier",
        "main_in": "hoofddeel in {name}",
        "none": "geen",
        "layer_weight": "(aandelen naar {what})",
        "reference": "Verandering t.o.v. {ref}",
        "ref_match": "Komt het meest overeen met {name}: {a} van deze regio ligt daarin, "
                     "{b} daarvan ligt in deze regio.",
        "ref_none": "Geen overeenkomende referentieregio.",
        "units_in": "Erbij ({n}): ",
        "units_out": "Eraf ({n}): ",
        "from": "uit {name}",
        "to": "naar {name}",
        "funds": "Middelen",
        "formula": "Formule: {parts}",
        "base": "basis per regio",
        "per": "× {what}",
        "by": "naar {what}",
        "budget": "geschaald naar een budget van {total}",
        "funds_total": "Totaal",
        "funds_share": "{share} van {total}",
        "funds_none": "Deze regio krijgt geen middelen in de gegeven verdeling.",
        "more": "… en {n} meer",
        "more_units": "… en {n} andere {units}",
        "estimated": "* geschat: {note}",
        "page": "pagina {i} van {n}",
        "legend_region": "deze regio",
        "legend_other": "andere regio's",
        "legend_ref": "grens {name} (referentie)",
        "legend_unit": "{unit}grens",
        "legend_view": "kaartuitsnede",
    },
    "en": {
        "title": "{name}",
        "region_of": "Region {id} ({i} of {n}) · {members} {units}",
        "location": "Location",
        "key": "Key figures",
        "members": "{Units} in the region",
        "total": "Region total",
        "share_nl": "Share of the country",
        "area": "Area",
        "neighbours": "Borders on",
        "collab": "Collaborations: kept whole and split",
        "whole": "Whole in the region ({n})",
        "split": "Split ({n})",
        "share_here": "{share} here",
        "main_in": "main part in {name}",
        "none": "none",
        "layer_weight": "(shares by {what})",
        "reference": "Change against {ref}",
        "ref_match": "Closest to {name}: {a} of this region lies in it, {b} of it lies "
                     "in this region.",
        "ref_none": "No matching reference region.",
        "units_in": "In ({n}): ",
        "units_out": "Out ({n}): ",
        "from": "from {name}",
        "to": "to {name}",
        "funds": "Funds",
        "formula": "Formula: {parts}",
        "base": "base per region",
        "per": "× {what}",
        "by": "by {what}",
        "budget": "scaled to a budget of {total}",
        "funds_total": "Total",
        "funds_share": "{share} of {total}",
        "funds_none": "This region receives nothing in the given allocation.",
        "more": "… and {n} more",
        "more_units": "… and {n} other {units}",
        "estimated": "* estimated: {note}",
        "page": "page {i} of {n}",
        "legend_region": "this region",
        "legend_other": "other regions",
        "legend_ref": "boundary {name} (reference)",
        "legend_unit": "{unit} boundary",
        "legend_view": "map extent",
    },
}

#: Short column headers of weight columns, per language.
SHORT_WEIGHTS: dict[str, dict[str, str]] = {
    "nl": {"population": "inwoners", "pupils_po": "leerlingen po", "pupils_vo": "leerlingen vo",
           "pupils_mbo": "studenten mbo", "shortage_fte": "tekort (fte)"},
    "en": {"population": "population", "pupils_po": "pupils po", "pupils_vo": "pupils vo",
           "pupils_mbo": "students mbo", "shortage_fte": "shortage (fte)"},
}
PREFERRED_WEIGHTS = ("population", "pupils_po", "pupils_vo", "pupils_mbo", "shortage_fte")


def share_text(x: float, lang: str) -> str:
    """A share as a percentage with a decimal comma in Dutch: ``"12,3 %"``.

    Examples
    --------
    >>> share_text(0.1234, "nl"), share_text(1.0, "en")
    ('12,3 %', '100%')
    """
    digits = 0 if x >= 0.995 or x == 0 else 1
    return local_number(100 * x, lang, digits) + (" %" if lang == "nl" else "%")


def money(x: float, lang: str) -> str:
    """An amount in euros: ``"€ 1.234,50"`` (whole euros without cents).

    Examples
    --------
    >>> money(1234.5, "nl"), money(1000, "en")
    ('€ 1.234,50', '€ 1,000')
    """
    digits = 0 if float(x) == round(float(x)) else 2
    return "€ " + local_number(float(x), lang, digits)


# ------------------------------------------------------------------ the plan's parts
@dataclasses.dataclass(frozen=True)
class SheetData:
    """Everything the pages of one plan share (computed once for all regions)."""

    units: gpd.GeoDataFrame
    assign: pd.Series
    names: dict[str, str]
    shapes: gpd.GeoSeries
    status: str | None
    weights: list[str]
    ref: pd.Series | None
    ref_names: dict[str, str]
    ref_label: str
    match: dict[str, str]
    split: dict[str, pd.DataFrame]
    split_by: str | None


def plan_parts(plan: Any, landscape: Landscape) -> tuple[pd.Series, dict[str, str], Any]:
    """(assignment, region names, the Plan or None) of a Plan or a bare assignment."""
    if not isinstance(landscape, Landscape):
        raise InputError(f"landscape must be a rato_opt.Landscape, got {type(landscape).__name__}")
    names: dict[str, str] = {}
    the_plan = None
    if hasattr(plan, "assignment") and hasattr(plan, "status"):
        the_plan = plan
        table = getattr(plan, "regions", None)
        if isinstance(table, pd.DataFrame) and "name" in table.columns:
            names = {str(k): str(v) for k, v in table["name"].items()}
        plan = plan.assignment
    if not isinstance(plan, pd.Series | Mapping) or len(plan) == 0:
        raise InputError("plan must be a Plan with a solution, or a Series / mapping unit code "
                         f"-> region id; got {type(plan).__name__} with no regions")
    assign = check_assignment(landscape.units, plan)
    weight = largest_weight(landscape)
    for region, codes in assign.dropna().groupby(assign.dropna()).groups.items():
        if str(region) not in names:  # the largest unit names the region
            key = landscape.units.loc[codes, weight] if weight else pd.Series(1, index=codes)
            names[str(region)] = str(landscape.units.at[key.idxmax(), "name"])
    return assign, names, the_plan


def largest_weight(landscape: Landscape) -> str | None:
    """The weight column that names and orders units: population when there is one."""
    ws = landscape.weights
    return "population" if "population" in ws else (ws[0] if ws else None)


def table_weights(landscape: Landscape, weights: Sequence[str] | None) -> list[str]:
    """Weight columns of the member table: given, else up to three known ones."""
    if weights is not None:
        unknown = [w for w in weights if w not in landscape.weights]
        if unknown:
            raise InputError(f"weights {listing(unknown)} are not weight columns; the "
                             f"landscape has {listing(landscape.weights)}")
        return list(weights)
    known = [w for w in PREFERRED_WEIGHTS if w in landscape.weights]
    return (known or list(landscape.weights))[:3]


def reference_parts(reference: Any, landscape: Landscape, lang: str
                    ) -> tuple[pd.Series | None, dict[str, str], str]:
    """(assignment, names, label) of a reference: a Plan, an assignment or a layer name.

    A layer that is not a partition gives each unit its collaboration with the largest
    membership weight.
    """
    if reference is None:
        return None, {}, ""
    if isinstance(reference, str):
        if reference not in landscape.layers:
            raise LayerError(f"reference layer {reference!r} is not a layer of the landscape; "
                             f"layers: {listing(sorted(landscape.layers))}")
        layer = landscape.layers[reference]
        m = layer.membership().sort_values(["unit", "weight"], ascending=[True, False],
                                           kind="stable").drop_duplicates("unit")
        ref = pd.Series(m["collaboration"].astype(str).to_numpy(), index=m["unit"].to_numpy())
        names = {str(k): str(v) for k, v in layer.collaborations["name"].items()}
        full = ref.reindex(landscape.codes)
        return full, names, reference
    ref, names, _ = plan_parts(reference, landscape)
    return ref, names, "referentieplan" if lang == "nl" else "reference plan"


def split_frames(landscape: Landscape, assign: pd.Series, spec: Any,
                 layers: Sequence[str] | None) -> tuple[dict[str, pd.DataFrame], str | None]:
    """Per layer the membership rows with their weight ``w`` and ``region``."""
    objective = getattr(spec, "objective", None)
    split_by = getattr(objective, "split_by", None) or largest_weight(landscape)
    split_weight = getattr(objective, "split_weight", "unit")
    if layers is None:
        chosen = getattr(objective, "split_layers", None)
        layers = list(chosen) if chosen else sorted(landscape.layers)
    missing = [n for n in layers if n not in landscape.layers]
    if missing:
        raise LayerError(f"layers {listing(missing)} are not layers of the landscape; "
                         f"layers: {listing(sorted(landscape.layers))}")
    out = {}
    unit_w = landscape.units[split_by] if split_by else pd.Series(1.0, index=landscape.codes)
    for name in layers:
        layer = landscape.layers[name]
        m = layer.membership().copy()
        if split_weight == "membership" and layer.weighted:
            m["w"] = m["weight"].astype(float)
        else:
            m["w"] = unit_w.reindex(m["unit"]).to_numpy(dtype=float)
        m["region"] = assign.reindex(m["unit"]).to_numpy()
        m["cname"] = m["collaboration"].map(layer.collaborations["name"].astype(str)) \
            .fillna(m["collaboration"].astype(str))
        out[name] = m
    return out, split_by


def sheet_data(plan: Any, landscape: Landscape, *, reference: Any = None, spec: Any = None,
               layers: Sequence[str] | None = None, weights: Sequence[str] | None = None,
               lang: str = "nl") -> SheetData:
    """The shared parts of the fact sheets of one plan."""
    assign, names, the_plan = plan_parts(plan, landscape)
    units = landscape.units
    status = plan_status(the_plan.status, the_plan.gap, lang) if the_plan is not None else None
    ref, ref_names, ref_label = reference_parts(reference, landscape, lang)
    match: dict[str, str] = {}
    if ref is not None:
        both = assign.notna() & ref.notna()
        w = units[largest_weight(landscape)] if largest_weight(landscape) else None
        if both.any():
            match = match_regions(ref[both], assign[both],
                                  weights=None if w is None else w[both])
    split, split_by = split_frames(landscape, assign, spec, layers)
    return SheetData(units=units, assign=assign, names=names, shapes=dissolve(units, assign),
                     status=status, weights=table_weights(landscape, weights), ref=ref,
                     ref_names=ref_names, ref_label=ref_label, match=match, split=split,
                     split_by=split_by)


def collaborations(frame: pd.DataFrame, region: str, names: Mapping[str, str]
                   ) -> tuple[list[str], list[tuple[str, float, str | None]]]:
    """(names kept whole in ``region``, [(name, share here, main region name if elsewhere)]).

    Collaborations without weight count by their members. Sorted by weight in the region.
    """
    here = frame[frame["unit"].isin(frame.loc[frame["region"] == region, "unit"])]
    touched = here["collaboration"].unique()
    rows = frame[frame["collaboration"].isin(touched)].copy()
    rows["w"] = np.where(rows.groupby("collaboration")["w"].transform("sum") > 0, rows["w"], 1.0)
    total = rows.groupby("collaboration")["w"].sum()
    by_region = rows.groupby(["collaboration", "region"], dropna=False)["w"].sum()
    whole, split = [], []
    order = rows[rows["region"] == region].groupby("collaboration")["w"].sum() \
        .sort_values(ascending=False, kind="stable")
    cname = rows.drop_duplicates("collaboration").set_index("collaboration")["cname"]
    for cid, inside in order.items():
        share = float(inside / total[cid]) if total[cid] > 0 else 1.0
        if share >= 1 - 1e-9:
            whole.append(str(cname[cid]))
            continue
        parts = by_region.loc[cid].sort_values(ascending=False, kind="stable")
        main = parts.index[0]
        main_name = None if main == region or pd.isna(main) else names.get(str(main), str(main))
        split.append((str(cname[cid]), share, main_name))
    return whole, split


def reference_change(data: SheetData, region: str
                     ) -> tuple[str | None, float, float, list[tuple[str, str]],
                                list[tuple[str, str]]]:
    """(reference region, share of this region in it, share of it in this region,
    [(unit name, came from)], [(unit name, went to)]) by the naming weight."""
    ref = data.ref
    if ref is None:
        return None, 0.0, 0.0, [], []
    target = data.match.get(region)
    units = data.units
    w = units["population"] if "population" in units.columns else pd.Series(1.0, units.index)
    mine = data.assign == region
    if target is None:
        return None, 0.0, 0.0, [], []
    theirs = ref == target
    a = float(w[mine & theirs].sum() / max(w[mine].sum(), 1e-12))
    b = float(w[mine & theirs].sum() / max(w[theirs].sum(), 1e-12))
    name = units["name"].astype(str)
    order = w.sort_values(ascending=False, kind="stable").index
    came = [(name[c], data.ref_names.get(str(ref[c]), str(ref[c])) if pd.notna(ref[c]) else "–")
            for c in order if mine[c] and not theirs[c]]
    went = [(name[c], data.names.get(str(data.assign[c]), str(data.assign[c]))
             if pd.notna(data.assign[c]) else "–") for c in order if theirs[c] and not mine[c]]
    return target, a, b, came, went


# ------------------------------------------------------------------ text layout
class Flow:
    """Lines of text top-down in an axes (axis off), with columns, wrapping and a budget.

    Positions are in axes fractions; one line is ``fontsize * spacing`` points high.
    """

    def __init__(self, ax: Axes, fontsize: float = 7.0, spacing: float = 1.32) -> None:
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        fig = ax.figure
        pos = ax.get_position()
        self.height_pt = pos.height * fig.get_figheight() * 72
        self.width_pt = pos.width * fig.get_figwidth() * 72
        self.ax, self.fontsize, self.spacing = ax, fontsize, spacing
        self.y = 1.0

    def step(self, size: float | None = None) -> float:
        return (size or self.fontsize) * self.spacing / self.height_pt

    def lines_left(self, size: float | None = None) -> int:
        return int(self.y / self.step(size) + 1e-9)

    def chars(self, width: float, size: float | None = None) -> int:
        """How many characters of average width fit in ``width`` (axes fraction)."""
        return max(4, int(width * self.width_pt / (0.5 * (size or self.fontsize))))

    def gap(self, lines: float = 0.5) -> None:
        self.y -= lines * self.step()

    def heading(self, text: str, size: float | None = None) -> None:
        size = size or self.fontsize + 1.5
        if self.y < 1.0:
            self.gap(0.6)
        self.y -= self.step(size)
        self.ax.text(0, self.y, text, fontsize=size, fontweight="bold", color=TEXT,
                     va="baseline", ha="left", gid="heading")
        self.y -= 0.25 * self.step()

    def row(self, cells: Sequence[str], xs: Sequence[float], aligns: Sequence[str] = (),
            *, bold: bool = False, colour: str = TEXT, widths: Sequence[float] = ()) -> None:
        self.y -= self.step()
        for i, (text, x) in enumerate(zip(cells, xs, strict=False)):
            width = widths[i] if i < len(widths) else 0
            if width:
                text = shorten(text, self.chars(width))
            artist = self.ax.text(x, self.y, text, fontsize=self.fontsize, color=colour,
                                  ha=aligns[i] if i < len(aligns) else "left", va="baseline",
                                  fontweight="bold" if bold else "normal")
            if width:
                self.fit(artist, width)

    def fit(self, artist: Any, width: float) -> None:
        """Shorten a text until it is at most ``width`` (axes fraction) wide."""
        limit = width * self.ax.get_window_extent().width
        text = artist.get_text()
        while len(text) > 4 and artist.get_window_extent().width > limit:
            text = shorten(text, len(text) - 2)
            artist.set_text(text)

    def rule(self) -> None:
        y = self.y - 0.35 * self.step()
        self.ax.plot([0, 1], [y, y], color="#999999", linewidth=0.5)
        self.y -= 0.15 * self.step()

    def paragraph(self, text: str, *, max_lines: int | None = None, indent: float = 0.0,
                  colour: str = TEXT, more: str = "…") -> int:
        """Wrapped text; at most ``max_lines`` (and what fits); returns lines used."""
        lines = textwrap.wrap(text, self.chars(1.0 - indent)) or [""]
        budget = min(max_lines or len(lines), self.lines_left())
        if budget <= 0:
            return 0
        if len(lines) > budget:
            lines = lines[:budget]
            lines[-1] = shorten(lines[-1] + " " + more, self.chars(1.0 - indent))
        for line in lines:
            self.y -= self.step()
            self.ax.text(indent, self.y, line, fontsize=self.fontsize, color=colour,
                         ha="left", va="baseline")
        return len(lines)


def shorten(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters with an ellipsis.

    Examples
    --------
    >>> shorten("Stichting Openbaar Onderwijs", 12)
    'Stichting O…'
    """
    return text if len(text) <= n else text[: max(n - 1, 1)].rstrip() + "…"


def listing_text(names: Sequence[str], t: Mapping[str, str], limit: int) -> str:
    """``"A, B, C … en 4 meer"`` (at most ``limit`` names).

    Examples
    --------
    >>> listing_text(list("ABCDE"), SHEET_TEXTS["nl"], 3)
    'A, B, C … en 2 meer'
    """
    if not names:
        return t["none"]
    text = ", ".join(names[:limit])
    if len(names) > limit:
        text += " " + t["more"].format(n=len(names) - limit)
    return text
