"""Static and interactive maps of layers and plans."""

from __future__ import annotations

from .colouring import (
    PALETTE,
    check_assignment,
    colour_graph,
    region_colours,
    region_graph,
    unit_graph,
)
from .draw import (
    add_credit,
)
from .factsheet import region_factsheet, write_factsheets
from .interactive import (
    explore_regions,
)
from .layer_maps import (
    plot_layer,
    plot_multiplicity,
    plot_white_spots,
)
from .matching import (
    changed_units,
    match_regions,
)
from .plan_maps import (
    plot_difference,
    plot_regions,
    small_multiples,
)
from .save import (
    save_figure,
)
from .tradeoff_plot import plot_alternatives, plot_tradeoff

__all__ = [
    "PALETTE",
    "unit_graph",
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
    "region_factsheet",
    "write_factsheets",
    "plot_alternatives",
    "plot_tradeoff",
]
