"""rato_opt: form Dutch onderwijsregio's from overlapping collaboration layers.

The front holds what a planner needs in a notebook; everything else lives in
subpackages that follow the data flow (README: "Layout"):

- :mod:`rato_opt.landscape` — base units, collaboration layers, coverage, the unit graph
- :mod:`rato_opt.sources` — CBS / DUO / PDOK loaders, the real 2024 map, the synthetic country
- :mod:`rato_opt.assess` — metrics, Plan, verification, diagnosis, comparison
- :mod:`rato_opt.optimize` — the compiled problem, engines, bounds and the solve pipeline
- :mod:`rato_opt.maps` — static and interactive maps
- :mod:`rato_opt.workflow` — scenarios, exports, sweeps, sectors, the command line

Exceptions are in :mod:`rato_opt.exceptions` (all derive from ``RatoOptError``).
"""

from __future__ import annotations

import importlib
from typing import Any

from .exceptions import RatoOptError
from .landscape.coverage import Landscape, coverage_table, layer_summary, white_spots
from .landscape.graph import graph_from_landscape
from .landscape.layers import Layer
from .landscape.units import join_weights, read_units, validate_units

__version__ = "0.1.0"

# Names re-exported lazily: importing rato_opt stays cheap (no PuLP, matplotlib, folium).
_LAZY = {
    "load_default": "rato_opt.sources.synthetic",
    "load_nl_2024": "rato_opt.sources.nl2024",
    **dict.fromkeys(["load_nl_2024_wijken", "load_nl_2024_mixed"], "rato_opt.sources.nl2024_fine"),
    **dict.fromkeys(["Bound", "Objective", "Locks", "RegionSpec", "Budget"], "rato_opt.spec"),
    "compile_problem": "rato_opt.optimize.problem",
    "build_model": "rato_opt.optimize.model",
    **dict.fromkeys(["solve", "propose_regions"], "rato_opt.optimize.pipeline"),
    "Plan": "rato_opt.assess.plan",
    "score_plan": "rato_opt.assess.plan",
    "verify_plan": "rato_opt.assess.verify",
    "precheck": "rato_opt.assess.diagnose",
    "compare_plans": "rato_opt.assess.compare",
    **dict.fromkeys(["plot_layer", "plot_regions"], "rato_opt.maps.plotting"),
    "load_scenario": "rato_opt.workflow.scenario",
    "run_scenario": "rato_opt.workflow.run",
    **dict.fromkeys(["export_plan", "read_plan"], "rato_opt.workflow.export"),
    "sweep": "rato_opt.workflow.sweeps",
}

__all__ = [
    "RatoOptError",
    "Landscape",
    "Layer",
    "validate_units",
    "read_units",
    "join_weights",
    "graph_from_landscape",
    "layer_summary",
    "coverage_table",
    "white_spots",
    *_LAZY,
]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rato_opt' has no attribute {name!r}")
