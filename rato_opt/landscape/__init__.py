"""Base units, collaboration layers, coverage and the unit graph."""

from __future__ import annotations

from .coverage import (
    LINK_COLUMNS,
    Landscape,
    coverage_table,
    layer_summary,
    multiplicity,
    validate_adjacency,
    validate_links,
    white_spots,
)
from .crs import RD_NEW, check_coordinates
from .graph import (
    build_graph,
    check_connected,
    components,
    describe_components,
    graph_from_adjacency,
    graph_from_landscape,
)
from .layers import (
    SHARE_COLUMNS,
    Layer,
)
from .resolution import (
    coarsen_landscape,
    contract_adjacency,
    mixed_resolution,
    must_split,
    parent_layer,
    refine_landscape,
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
    "graph_from_adjacency",
    "validate_adjacency",
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
    "refine_landscape",
    "coarsen_landscape",
    "contract_adjacency",
    "mixed_resolution",
    "must_split",
    "parent_layer",
]
