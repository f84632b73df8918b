"""Base units, collaboration layers, coverage and the unit graph."""

from __future__ import annotations

from .coverage import (
    LINK_COLUMNS,
    Landscape,
    coverage_table,
    layer_summary,
    multiplicity,
    validate_links,
    white_spots,
)
from .crs import RD_NEW, check_coordinates
from .graph import (
    build_graph,
    check_connected,
    components,
    describe_components,
    graph_from_landscape,
)
from .layers import (
    SHARE_COLUMNS,
    Layer,
)
from .units import (
    check_weights,
    join_weights,
    read_units,
    validate_units,
    weight_columns,
)

__all__ = [
    "Landscape",
    "validate_links",
    "layer_summary",
    "multiplicity",
    "white_spots",
    "coverage_table",
    "LINK_COLUMNS",
    "build_graph",
    "graph_from_landscape",
    "components",
    "describe_components",
    "check_connected",
    "Layer",
    "SHARE_COLUMNS",
    "RD_NEW",
    "validate_units",
    "read_units",
    "check_coordinates",
    "join_weights",
    "check_weights",
    "weight_columns",
]
