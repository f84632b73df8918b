"""Forming regions: the integer program, heuristics, bounds and the solve pipeline."""

from __future__ import annotations

from .annealing import (
    AnnealResult,
    anneal,
)
from .bounds import (
    fractional_knapsack,
    split_lower_bound,
)
from .cbclog import (
    CbcEvent,
    CbcLog,
    CbcLogWatcher,
    parse_cbc_log,
)
from .elastic import (
    explain,
)
from .heuristic import (
    from_partition,
    greedy_regions,
    improve,
    repair,
    warm_start_labels,
)
from .model import (
    TERMS,
    Bound,
    Locks,
    Objective,
    RegionModel,
    RegionSpec,
    build_model,
    model_graph,
)
from .pipeline import (
    SolverRun,
    highs_solver,
    propose_regions,
    solve,
)
from .pmedian import (
    PMedianModel,
    build_pmedian,
    pmedian_regions,
    resolve_bounds,
    solve_pmedian,
)
from .runtime import (
    InterruptGuard,
    native_output_to_stderr,
    quiet_highs,
    versions,
)

__all__ = [
    "AnnealResult",
    "anneal",
    "fractional_knapsack",
    "split_lower_bound",
    "CbcEvent",
    "CbcLog",
    "CbcLogWatcher",
    "parse_cbc_log",
    "explain",
    "greedy_regions",
    "improve",
    "repair",
    "from_partition",
    "warm_start_labels",
    "Bound",
    "Objective",
    "Locks",
    "RegionSpec",
    "RegionModel",
    "build_model",
    "model_graph",
    "TERMS",
    "solve",
    "propose_regions",
    "SolverRun",
    "highs_solver",
    "PMedianModel",
    "resolve_bounds",
    "build_pmedian",
    "solve_pmedian",
    "pmedian_regions",
    "native_output_to_stderr",
    "quiet_highs",
    "InterruptGuard",
    "versions",
]
