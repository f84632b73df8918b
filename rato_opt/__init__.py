"""rato_opt: form Dutch onderwijsregio's from overlapping collaboration layers.

The public front is small; the implementation lives in one module per concern:

- :mod:`rato_opt.landscape.units` — base units (validated polygons keyed by unit code)
- :mod:`rato_opt.landscape.layers` — collaboration layers (polygons or membership tables)
- :mod:`rato_opt.landscape.coverage` — the landscape and its coverage / witte-vlekken analysis
- :mod:`rato_opt.landscape.graph` — the unit adjacency graph (libpysal contiguity + links)
- :mod:`rato_opt.sources.synthetic` — the seeded synthetic country (embedded default)
- :mod:`rato_opt.sources.io` — loaders for CBS / PDOK / DUO files and online sources
- :mod:`rato_opt.maps.plotting` — static maps
- :mod:`rato_opt.optimize.model`, :mod:`rato_opt.optimize.pipeline`, :mod:`rato_opt.assess.plan` — the region optimiser
"""

from __future__ import annotations

import importlib
from typing import Any

from .exceptions import *  # noqa: F403
from .exceptions import __all__ as _exc_all
from .landscape.coverage import (
    Landscape,
    coverage_table,
    layer_summary,
    multiplicity,
    validate_links,
    white_spots,
)
from .landscape.graph import build_graph, check_connected, components, graph_from_landscape
from .landscape.layers import Layer
from .landscape.units import RD_NEW, join_weights, read_units, validate_units

__version__ = "0.1.0"

# Names re-exported lazily: importing rato_opt stays cheap (no PuLP, matplotlib, folium).
_LAZY = {
    **dict.fromkeys(["make_country", "synthetic_overlays", "load_default"], "rato_opt.sources.synthetic"),
    "load_nl_2024": "rato_opt.sources.nl2024",
    **dict.fromkeys(
        ["read_cbs_gemeenten", "read_cbs_kerncijfers", "read_duo_schools", "read_duo_pupils",
         "pupils_per_unit", "board_footprint_layer", "region_code_layer", "amr_layer",
         "read_water_links"],
        "rato_opt.sources.io",
    ),
    "fetch_cbs_gemeenten": "rato_opt.sources.pdok",
    **dict.fromkeys(["Bound", "Objective", "Locks", "RegionSpec", "Budget"], "rato_opt.spec"),
    **dict.fromkeys(["RegionModel", "build_model"], "rato_opt.optimize.model"),
    **dict.fromkeys(["solve", "propose_regions"], "rato_opt.optimize.pipeline"),
    **dict.fromkeys(["Plan", "Verification", "score_plan", "verify_plan"], "rato_opt.assess.plan"),
    "objective_terms": "rato_opt.assess.metrics",
    **dict.fromkeys(["precheck", "check_feasible"], "rato_opt.assess.diagnose"),
    **dict.fromkeys(["sector_landscape", "sector_spec"], "rato_opt.workflow.sectors"),
    **dict.fromkeys(["Scenario", "load_scenario"], "rato_opt.workflow.scenario"),
    **dict.fromkeys(["Comparison", "compare_plans"], "rato_opt.assess.compare"),
    **dict.fromkeys(["export_plan", "read_plan", "read_run"], "rato_opt.workflow.export"),
    **dict.fromkeys(["sweep", "SweepResult"], "rato_opt.workflow.sweeps"),
    **dict.fromkeys(["run_scenario", "run_scenario_file"], "rato_opt.workflow.run"),
    **dict.fromkeys(
        ["plot_layer", "plot_multiplicity", "plot_white_spots", "plot_regions",
         "plot_difference", "small_multiples", "save_figure"],
        "rato_opt.maps.plotting",
    ),
    "explore_regions": "rato_opt.maps.interactive",
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


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rato_opt' has no attribute {name!r}")
