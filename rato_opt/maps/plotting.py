"""Static maps for policy documents: collaboration landscapes, region plans and their differences.

This module gathers the static map functions, which live in modules of one concern:

- :mod:`rato_opt.maps.layer_maps` — :func:`plot_layer`, :func:`plot_multiplicity`,
  :func:`plot_white_spots` (the collaboration landscape);
- :mod:`rato_opt.maps.plan_maps` — :func:`plot_regions`, :func:`plot_difference`,
  :func:`small_multiples` (region plans), with :func:`changed_units` from
  :mod:`rato_opt.maps.matching`;
- :mod:`rato_opt.maps.draw` — :func:`add_credit` and the drawing helpers;
- :mod:`rato_opt.maps.save` — :func:`save_figure`;
- :mod:`rato_opt.maps.style` (colours, fonts, texts) and :mod:`rato_opt.maps.labels`
  (label placement) serve them.

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
index ``units.index``. Neighbouring regions never share a colour; "neighbour" means
neighbour in the optimiser's unit graph (:func:`rato_opt.maps.colouring.unit_graph`).
"""

from __future__ import annotations

from .draw import add_credit
from .layer_maps import plot_layer, plot_multiplicity, plot_white_spots
from .matching import changed_units
from .plan_maps import plot_difference, plot_regions, small_multiples
from .save import save_figure

__all__ = [
    "add_credit",
    "plot_layer",
    "plot_multiplicity",
    "plot_white_spots",
    "plot_regions",
    "plot_difference",
    "small_multiples",
    "save_figure",
    "changed_units",
]
