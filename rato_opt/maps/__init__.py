"""Static and interactive maps of layers and plans."""

from __future__ import annotations

from .colouring import (
    PALETTE,
    check_assignment,
    colour_graph,
    match_regions,
    region_colours,
    region_graph,
)
from .interactive import (
    explore_regions,
)
from .plotting import (
    add_credit,
    changed_units,
    plot_difference,
    plot_layer,
    plot_multiplicity,
    plot_regions,
    plot_white_spots,
    save_figure,
    small_multiples,
)

__all__ = [
    "PALETTE",
    "region_graph",
    "colour_graph",
    "region_colours",
    "match_regions",
    "check_assignment",
    "explore_regions",
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
