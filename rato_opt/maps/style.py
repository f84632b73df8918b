"""House style of the static maps: colours, font sizes, texts in Dutch and English, numbers.

Every name here serves the map modules (:mod:`rato_opt.maps.layer_maps`,
:mod:`rato_opt.maps.plan_maps`, ...); nothing is part of the user-facing front. Nothing
here needs matplotlib at import time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from ..exceptions import InputError

__all__: list[str] = []  # helpers for the map modules; nothing user-facing

#: Language of the generated map texts.
Lang = Literal["nl", "en"]

UNIT_EDGE = "#C8C8C8"  #: unit boundaries on white / translucent maps
UNIT_EDGE_ON_COLOUR = "#FFFFFF"  #: unit boundaries inside coloured regions
REGION_EDGE = "#222222"  #: region outlines
TEXT = "#1A1A1A"  #: titles and labels
GREY_FILL = "#E4E4E4"  #: units that are not highlighted
PLAN_A_EDGE = "#1F5FA8"  #: dashed boundaries of the reference plan in difference maps
HIGHLIGHT = "#D55E00"  #: Okabe-Ito vermillion: white spots, changed units
MULTIPLICITY = ("#FFFFFF", "#C6DBEF", "#6BAED6", "#2171B5")  #: fills for 0, 1, 2, 3+
TITLE_SIZE = 11.0  #: points
LEGEND_SIZE = 7.5  #: points
CREDIT_SIZE = 6.5  #: points
FIGSIZE = (6.3, 7.4)  #: inches: a Kamerbrief text column (16 cm) wide
A4 = (8.27, 11.69)  #: inches: an A4 page, portrait
#: Smallest label size (points) on maps printed at :data:`FIGSIZE`: 6 pt is about 2.1 mm
#: capital height, the usual floor for legible print.
LABEL_MIN_SIZE = 6.0

#: Plan statuses (:data:`rato_opt.assess.plan.STATUSES`) in words, per language.
STATUS_NAMES: dict[str, dict[str, str]] = {
    "nl": {"optimal": "optimaal", "feasible": "haalbaar", "interrupted": "onderbroken",
           "infeasible": "onhaalbaar", "not_solved": "niet opgelost", "scored": "beoordeeld"},
    "en": {"optimal": "optimal", "feasible": "feasible", "interrupted": "interrupted",
           "infeasible": "infeasible", "not_solved": "not solved", "scored": "scored"},
}

#: Generated texts per language.
TEXTS: dict[str, dict[str, str]] = {
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
        "parent_boundary": "gemeentegrens",
        "estimated": "geschat: {what}",
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
        "status": "Status: {status}",
        "gap": "gat {gap} tot de ondergrens",
        "gap_unknown": "gat onbekend (geen ondergrens)",
        "proven": "bewezen",
        "scored_note": "gemeten, niet geoptimaliseerd",
        "unchanged": "niet gewisseld",
        "unit_patch": "{noun} ({n}), gekleurd per regio",
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
        "parent_boundary": "gemeente boundary",
        "estimated": "estimated: {what}",
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
        "status": "Status: {status}",
        "gap": "gap {gap} to the lower bound",
        "gap_unknown": "gap unknown (no lower bound)",
        "proven": "proven",
        "scored_note": "measured, not optimised",
        "unchanged": "unchanged",
        "unit_patch": "{noun} ({n}), coloured by region",
    },
}

#: How the weight columns are called in map texts, per language.
#: Readable names of the usual collaboration layers, by language (others print as named).
LAYER_NAMES: dict[str, dict[str, str]] = {
    "nl": {
        "boards": "schoolbesturen (po)", "vo_boards": "schoolbesturen (vo, DUO 2019/2020)",
        "amr": "arbeidsmarktregio's", "rmc": "RMC-regio's", "gemeenten": "gemeenten",
        "rap_po": "RAP-regio's (po)", "rap_vo": "RAP-regio's (vo)",
        "sop": "SO&P-samenwerkingen", "alliance": "Educatieve Allianties",
        "province": "provincies", "proposals": "voorstellen",
    },
    "en": {
        "boards": "school boards (primary)",
        "vo_boards": "school boards (secondary, DUO 2019/2020)",
        "amr": "labour-market regions", "rmc": "RMC regions", "gemeenten": "municipalities",
        "rap_po": "RAP regions (primary)", "rap_vo": "RAP regions (secondary)",
        "sop": "SO&P partnerships", "alliance": "Educatieve Allianties",
        "province": "provinces", "proposals": "proposals",
    },
}

WEIGHT_NAMES: dict[str, dict[str, str]] = {
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


def texts(lang: str) -> dict[str, str]:
    """The generated map texts in ``lang``.

    Raises
    ------
    InputError
        ``lang`` is not ``"nl"`` or ``"en"``.

    Examples
    --------
    >>> texts("en")["white_spot"]
    'white spot'
    """
    if lang not in TEXTS:
        raise InputError(f"lang must be one of {sorted(TEXTS)}, got {lang!r}")
    return TEXTS[lang]


def local_number(x: float, lang: str, digits: int = 0) -> str:
    """Format a number with Dutch (1.234,5) or English (1,234.5) separators.

    Examples
    --------
    >>> local_number(1234.5, "nl", 1), local_number(1234.5, "en", 1)
    ('1.234,5', '1,234.5')
    """
    s = f"{x:,.{digits}f}"
    if lang == "nl":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


def local_share(x: float, lang: str) -> str:
    """Format a share as a percentage, one decimal below 10%.

    Examples
    --------
    >>> local_share(0.0512, "nl"), local_share(0.25, "en")
    ('5,1%', '25%')
    """
    digits = 1 if x < 0.1 else 0
    return local_number(100 * x, lang, digits) + "%"


def unit_nouns(t: Mapping[str, str], unit_noun: tuple[str, str] | str | None) -> tuple[str, str]:
    """(singular, plural) of the word for a unit, e.g. ("gemeente", "gemeenten").

    Examples
    --------
    >>> unit_nouns(texts("nl"), None), unit_nouns(texts("nl"), "gemeente")
    (('eenheid', 'eenheden'), ('gemeente', 'gemeente'))
    """
    if unit_noun is None:
        return t["unit"], t["units"]
    if isinstance(unit_noun, str):
        return unit_noun, unit_noun
    return unit_noun[0], unit_noun[1]


def darker(colour: str, factor: float = 0.62) -> tuple[float, float, float]:
    """The colour with every RGB channel scaled by ``factor``.

    Examples
    --------
    >>> darker("#FFFFFF", 0.5)
    (0.5, 0.5, 0.5)
    """
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (r * factor, g * factor, b * factor)


def with_alpha(colour: str, alpha: float) -> tuple[float, float, float, float]:
    """The colour as RGBA with opacity ``alpha``.

    Examples
    --------
    >>> with_alpha("#000000", 0.3)
    (0.0, 0.0, 0.0, 0.3)
    """
    from matplotlib.colors import to_rgba

    return to_rgba(colour, alpha)


def plan_status(status: str, gap: float | None, lang: str) -> str:
    """One line stating a plan's status and optimality gap, e.g. for a map subtitle.

    Parameters
    ----------
    status : str
        One of :data:`rato_opt.assess.plan.STATUSES`.
    gap : float or None
        Relative gap between the plan's objective and the best proven lower bound.
    lang : {"nl", "en"}

    Examples
    --------
    >>> plan_status("feasible", 0.123, "nl")
    'Status: haalbaar, gat 12,3 % tot de ondergrens'
    >>> plan_status("optimal", 0.0, "en"), plan_status("scored", None, "nl")
    ('Status: optimal (proven)', 'Status: beoordeeld (gemeten, niet geoptimaliseerd)')
    """
    t = texts(lang)
    word = STATUS_NAMES[lang].get(status, status)
    if status == "optimal":
        return t["status"].format(status=f"{word} ({t['proven']})")
    if status == "scored":
        return t["status"].format(status=f"{word} ({t['scored_note']})")
    if status in ("infeasible", "not_solved"):
        return t["status"].format(status=word)
    if gap is None or gap != gap or gap == float("inf"):
        return t["status"].format(status=f"{word}, {t['gap_unknown']}")
    share = local_number(100 * float(gap), lang, 1) + (" %" if lang == "nl" else "%")
    return t["status"].format(status=f"{word}, {t['gap'].format(gap=share)}")


def guess_unit_nouns(codes: Iterable[str], lang: str) -> tuple[str, str]:
    """(singular, plural) word for units with these codes: CBS ``GM`` codes are
    gemeenten, ``WK`` wijken, ``BU`` buurten; anything else "eenheid"/"unit".

    Examples
    --------
    >>> guess_unit_nouns(["GM0363", "GM0344"], "nl"), guess_unit_nouns(["A"], "en")
    (('gemeente', 'gemeenten'), ('unit', 'units'))
    """
    prefixes = {str(c)[:2] for c in codes}
    words = {"GM": ("gemeente", "gemeenten"), "WK": ("wijk", "wijken"),
             "BU": ("buurt", "buurten")}
    if len(prefixes) == 1 and next(iter(prefixes)) in words:
        return words[next(iter(prefixes))]
    t = texts(lang)
    return t["unit"], t["units"]
