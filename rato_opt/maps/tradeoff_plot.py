"""Plots for choosing between plans: alternatives side by side, and a trade-off curve.

:func:`plot_alternatives` draws the plans of
:class:`rato_opt.optimize.alternatives.Alternatives` as small multiples, regions matched
to the best plan by overlap so that "the same" region keeps its colour, each panel
titled with its objective, its share above the best and its distance to the best.
:func:`plot_tradeoff` draws a :class:`rato_opt.workflow.tradeoff.TradeOff`: the two term
values of every plan, labelled with the weights, the frontier line through the
non-dominated points and the dominated points in grey.

Both read only the public attributes of the results (``plans``, ``names``, ``table``,
``terms``), so this module needs nothing from the layers above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import InputError
from .colouring import region_colours, unit_graph
from .draw import get_ax
from .matching import match_regions
from .plan_maps import plot_regions
from .style import CREDIT_SIZE, GREY_FILL, REGION_EDGE, TEXT, Lang, local_number, texts

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    from matplotlib.axes import Axes

    from ..landscape.coverage import Landscape

__all__ = ["TERM_NAMES", "plot_alternatives", "plot_tradeoff"]

#: Axis names of the objective terms (raw shares), per language.
TERM_NAMES: dict[str, dict[str, str]] = {
    "nl": {"split": "gesplitst (gewicht buiten hoofdregio)",
           "split_count": "aantal gesplitste samenwerkingen",
           "compactness": "doorsneden grens",
           "alignment": "afwijking van de referentie-indeling",
           "alliance": "buiten hoofdalliantie",
           "stay_close": "afwijking van startplan"},
    "en": {"split": "split (weight outside main region)",
           "split_count": "collaborations split",
           "compactness": "border cut",
           "alignment": "departure from the reference regions",
           "alliance": "outside main alliance",
           "stay_close": "departure from start plan"},
}

_WORDS = {
    "nl": {"best": "beste", "objective": "doel", "moved": "{n} eenheden anders",
           "ari": "1 − ARI {v}", "frontier": "niet-gedomineerd", "dominated": "gedomineerd",
           "title": "Afweging: {x} tegen {y}", "weights": "bij elk punt de gewichten {x}:{y}"},
    "en": {"best": "best", "objective": "objective", "moved": "{n} units moved",
           "ari": "1 − ARI {v}", "frontier": "non-dominated", "dominated": "dominated",
           "title": "Trade-off: {x} against {y}", "weights": "points labelled with the weights {x}:{y}"},
}

#: Short names of the terms for titles.
_SHORT: dict[str, dict[str, str]] = {
    "nl": {"split": "splitsing", "split_count": "aantal gesplitst", "compactness": "grens",
           "alignment": "afwijking referentie", "alliance": "allianties",
           "stay_close": "afwijking startplan"},
    "en": {"split": "split", "split_count": "number split", "compactness": "border",
           "alignment": "departure from reference", "alliance": "alliances",
           "stay_close": "departure from start"},
}

_FRONT = "#1F5FA8"


def _words(lang: str) -> dict[str, str]:
    texts(lang)  # raises InputError for an unknown language
    return _WORDS[lang]


def plot_alternatives(
    landscape: Landscape,
    alts: Any,
    *,
    axes: Sequence[Axes] | None = None,
    ncols: int = 3,
    graph: nx.Graph | None = None,
    labels: bool = False,
    lang: Lang = "nl",
) -> list[Axes]:
    """Maps of the alternatives side by side, one panel per plan.

    Parameters
    ----------
    landscape : Landscape
        The landscape the plans were made for.
    alts : Alternatives
        From :func:`rato_opt.optimize.alternatives.alternatives` (anything with
        ``plans``, ``names``, ``table`` and ``distance``).
    axes : sequence of Axes, optional
        One axes per plan; default a new figure with ``ncols`` panels per row and the
        landscape's data credit once under the panels (gid ``"credit"``).
    ncols : int, default 3
    graph : networkx.Graph, optional
        Unit graph for the colouring (built once when not given).
    labels : bool, default False
        Label the regions.
    lang : {"nl", "en"}, default "nl"

    Returns
    -------
    list of Axes
        The panels, in the order of ``alts.plans``; titles give objective, share above
        the best and distance to the best.

    Examples
    --------
    >>> import matplotlib.pyplot as plt, pandas as pd
    >>> from types import SimpleNamespace
    >>> from rato_opt.sources.synthetic import load_default
    >>> land = load_default()
    >>> a = pd.Series("R1", index=land.codes); b = a.copy(); b.iloc[:3] = "R2"
    >>> plans = [SimpleNamespace(assignment=a), SimpleNamespace(assignment=b)]
    >>> table = pd.DataFrame({"objective": [0.1, 0.104], "above_best": [0, 0.04],
    ...                       "distance_to_best": [0, 3]}, index=["A", "B"])
    >>> alts = SimpleNamespace(plans=plans, names=("A", "B"), table=table,
    ...                        distance="units_moved")
    >>> axes = plot_alternatives(land, alts, lang="en")
    >>> axes[1].get_title(loc="left").splitlines()[0]
    'B  objective 0.104 (+4.0%)'
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    w = _words(lang)
    plans = list(alts.plans)
    if not plans:
        raise InputError("alts holds no plans; nothing to draw")
    n = len(plans)
    if axes is None:
        ncols = max(1, min(ncols, n))
        nrows = int(np.ceil(n / ncols))
        x0, y0, x1, y1 = landscape.units.total_bounds
        aspect = float(np.clip((y1 - y0) / max(x1 - x0, 1e-9), 0.4, 2.5))
        width = min(3.2, 9.6 / ncols)
        fig, grid = plt.subplots(nrows, ncols, figsize=(width * ncols, (width * aspect + 0.6)
                                                        * nrows),
                                 squeeze=False, layout="constrained")
        axes = [grid[i // ncols][i % ncols] for i in range(n)]
        for j in range(n, nrows * ncols):
            grid[j // ncols][j % ncols].set_visible(False)
        credit = getattr(landscape, "credit", "")
        if credit:
            fig.text(0.995, 0.005, credit, ha="right", va="bottom", fontsize=CREDIT_SIZE,
                     color="#444444", gid="credit")
    axes = list(axes)
    if len(axes) < n:
        raise InputError(f"axes holds {len(axes)} axes for {n} plans; give one per plan")
    if graph is None:
        graph = unit_graph(landscape)
    # the unit table, not the landscape: no credit line per panel (one under the figure)
    units = getattr(landscape, "units", landscape)
    first = plans[0].assignment
    first_colours = region_colours(landscape, first, graph=graph)
    for i, (name, plan, ax) in enumerate(zip(alts.names, plans, axes, strict=False)):
        if i == 0:
            colours = first_colours
        else:
            pairs = match_regions(first, plan.assignment)
            prefer = {rb: first_colours[ra] for rb, ra in pairs.items() if ra in first_colours}
            colours = region_colours(landscape, plan.assignment, graph=graph, prefer=prefer)
        plot_regions(units, plan.assignment, ax=ax, graph=graph, labels=labels,
                     legend=False, lang=lang, colours=colours, min_fontsize=4.5,
                     max_fontsize=7.0, linewidths=(0.15, 0.7))
        row = alts.table.loc[name]
        head = f"{name}  {w['objective']} {local_number(row['objective'], lang, 4).rstrip('0')}"
        if i == 0:
            head += f" ({w['best']})"
        else:
            share = local_number(100 * row["above_best"], lang, 1)
            head += f" (+{share}%)"
        d = row["distance_to_best"]
        second = (w["moved"].format(n=int(round(d))) if alts.distance == "units_moved"
                  else w["ari"].format(v=local_number(d, lang, 3)))
        ax.set_title(head if i == 0 else f"{head}\n{second}", loc="left", fontsize=8.5,
                     color=TEXT, pad=4)
    return axes


def plot_tradeoff(
    tradeoff: Any,
    *,
    ax: Axes | None = None,
    lang: Lang = "nl",
    annotate: bool = True,
    title: str | None = None,
) -> Axes:
    """The trade-off curve: both term values per plan, the frontier, the weights.

    Parameters
    ----------
    tradeoff : TradeOff
        From :func:`rato_opt.workflow.tradeoff.tradeoff` (anything with ``terms`` and a
        ``table`` holding both term columns, ``label`` and ``frontier``).
    ax : Axes, optional
        Axes to draw on; a new figure when None.
    lang : {"nl", "en"}, default "nl"
    annotate : bool, default True
        Label each point with its weights ``w_x:w_y`` (points sharing a plan once).
    title : str, optional
        Default names the two terms.

    Returns
    -------
    Axes
        Frontier points (gid ``"frontier"``), dominated points in grey (gid
        ``"dominated"``) and the frontier line (gid ``"frontier_line"``).

    Examples
    --------
    >>> import matplotlib.pyplot as plt, pandas as pd
    >>> from types import SimpleNamespace
    >>> table = pd.DataFrame({"alignment": [0.3, 0.1, 0.2], "split": [0.1, 0.3, 0.25],
    ...     "label": ["0.1:0.9", "0.9:0.1", "0.5:0.5"], "frontier": [True, True, False]})
    >>> ax = plot_tradeoff(SimpleNamespace(terms=("alignment", "split"), table=table), lang="en")
    >>> sorted(c.get_gid() for c in ax.collections)
    ['dominated', 'frontier']
    >>> plt.close("all")
    """
    w = _words(lang)
    tx, ty = tradeoff.terms
    table = tradeoff.table
    for col in (tx, ty, "label", "frontier"):
        if col not in table.columns:
            raise InputError(f"tradeoff.table has no column {col!r}; pass a TradeOff from "
                             "rato_opt.workflow.tradeoff.tradeoff")
    ax = get_ax(ax, (6.3, 4.6))
    front = table[table["frontier"].astype(bool)]
    dominated = table[~table["frontier"].astype(bool)]
    line = front.sort_values([tx, ty])
    if len(line) > 1:
        ax.plot(line[tx], line[ty], color=_FRONT, lw=1.2, zorder=2, gid="frontier_line")
    ax.scatter(front[tx], front[ty], s=36, color=_FRONT, edgecolor="white", zorder=3,
               label=w["frontier"], gid="frontier")
    if len(dominated):
        ax.scatter(dominated[tx], dominated[ty], s=30, color=GREY_FILL, edgecolor="#888888",
                   zorder=3, label=w["dominated"], gid="dominated")
    if annotate:
        for (x, y), names in _label_groups(table, tx, ty).items():
            ax.annotate(", ".join(names), (x, y), xytext=(5, 4), textcoords="offset points",
                        fontsize=7, color=TEXT)
    from matplotlib.ticker import PercentFormatter

    names = TERM_NAMES[lang]
    ax.set_xlabel(_with_layers(names.get(tx, tx), tx, tradeoff), fontsize=8.5, color=TEXT)
    ax.set_ylabel(_with_layers(names.get(ty, ty), ty, tradeoff), fontsize=8.5, color=TEXT)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    ax.tick_params(labelsize=7.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(REGION_EDGE)
    ax.spines["bottom"].set_color(REGION_EDGE)
    ax.margins(0.15)
    ax.legend(fontsize=7.5, frameon=False, loc="upper right")
    if annotate:
        ax.text(1.0, -0.13, w["weights"].format(x=tx, y=ty), transform=ax.transAxes,
                ha="right", va="top", fontsize=6.5, color="#444444")
    short = _SHORT[lang]
    ax.set_title(title if title is not None else w["title"].format(
        x=_with_layers(short.get(tx, tx), tx, tradeoff),
        y=_with_layers(short.get(ty, ty), ty, tradeoff)), loc="left", fontsize=10, color=TEXT)
    return ax


def _label_groups(table: Any, tx: str, ty: str) -> dict[tuple[float, float], list[str]]:
    """Weight labels of points that lie within 2% of the axis ranges of each other, joined."""
    xs, ys = table[tx].to_numpy(dtype=float), table[ty].to_numpy(dtype=float)
    span_x = max(float(np.ptp(xs)) if len(xs) else 0.0, 1e-12)
    span_y = max(float(np.ptp(ys)) if len(ys) else 0.0, 1e-12)
    groups: dict[tuple[float, float], list[str]] = {}
    for x, y, label in zip(xs, ys, table["label"].astype(str), strict=True):
        key = next((k for k in groups if abs(k[0] - x) <= 0.02 * span_x
                    and abs(k[1] - y) <= 0.02 * span_y), (float(x), float(y)))
        groups.setdefault(key, []).append(label)
    return groups


def _with_layers(text: str, term: str, tradeoff: Any) -> str:
    """The term's name with the layers it measures, read from ``tradeoff.spec`` if any."""
    objective = getattr(getattr(tradeoff, "spec", None), "objective", None)
    if objective is None:
        return text
    if term == "alignment" and objective.reference:
        return f"{text} [{objective.reference}]"
    if term in ("split", "split_count"):
        layers = objective.split_layers if term == "split" else (
            objective.split_count_layers or objective.split_layers)
        if layers:
            return f"{text} [{', '.join(layers)}]"
    return text
