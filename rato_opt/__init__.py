"""rato_opt: form Dutch onderwijsregio's from overlapping collaboration layers.

The public front is small; the implementation lives in one module per concern:

- :mod:`rato_opt.units` — base units (validated polygons keyed by unit code)
- :mod:`rato_opt.layers` — collaboration layers (polygons or membership tables)
- :mod:`rato_opt.landscape` — the landscape and its coverage / witte-vlekken analysis
- :mod:`rato_opt.graph` — the unit adjacency graph (libpysal contiguity + links)
- :mod:`rato_opt.synthetic` — the seeded synthetic country (embedded default)
- :mod:`rato_opt.io` — loaders for CBS / PDOK / DUO files and online sources
- :mod:`rato_opt.plotting` — static maps
- :mod:`rato_opt.model`, :mod:`rato_opt.solve`, :mod:`rato_opt.plan` — the region optimiser
"""

from __future__ import annotations

import importlib
from typing import Any

from .exceptions import *  # noqa: F403
from .exceptions import __all__ as _exc_all
from .graph import build_graph, check_connected, components, graph_from_landscape
from .landscape import (
    Landscape,
    coverage_table,
    layer_summary,
    multiplicity,
    validate_links,
    white_spots,
)
from .layers import Layer
from .units import RD_NEW, join_weights, read_units, validate_units

__version__ = "0.1.0"

# Names re-exported lazily from modules that import heavier dependencies.
_LAZY = {
    "make_country": "rato_opt.synthetic",
    "synthetic_overlays": "rato_opt.synthetic",
    "load_default": "rato_opt.synthetic",
}

__all__ = [
    *_exc_all,
    "RD_NEW",
    "Landscape",
    "Layer",
    "build_graph",
    "check_connected",
    "components",
    "coverage_table",
    "graph_from_landscape",
    "join_weights",
    "layer_summary",
    "multiplicity",
    "read_units",
    "validate_links",
    "validate_units",
    "white_spots",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rato_opt' has no attribute {name!r}")
