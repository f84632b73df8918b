"""Forming regions: compile the problem, run the engines, verify the plan.

The data flow: :func:`compile_problem` (landscape + spec -> :class:`CompiledProblem`,
read by every engine) -> engines (:mod:`.heuristic` warm starts, :mod:`.annealing`,
:mod:`.pmedian`, :mod:`.bounds`, the PuLP program of :mod:`.model` solved through
:mod:`.backends`) -> :func:`solve` / :func:`propose_regions` (:mod:`.pipeline`, running
the stages of :mod:`.stages` with the state of :mod:`.runstate`) -> a verified Plan.
"""

from __future__ import annotations

from .alternatives import Alternatives, alternatives, plan_distance
from .annealing import AnnealResult, anneal
from .backends import SolverRun, backend, highs_solver
from .bounds import fractional_knapsack
from .cbclog import CbcEvent, CbcLog, CbcLogWatcher, parse_cbc_log
from .completion import Completion, complete_proposals
from .count_bound import count_lower_bound, forced_splits
from .elastic import explain
from .heuristic import from_partition, greedy_regions, improve, repair, warm_start_labels
from .lower_bound import lower_bounds, split_lower_bound
from .model import RegionModel, build_model
from .moves import MoveState
from .multilevel import coarse_start, parent_groups
from .pipeline import LARGE_MODEL, propose_regions, solve
from .pmedian import PMedianModel, build_pmedian, pmedian_regions, resolve_bounds, solve_pmedian
from .pool import RegionPool, solve_pool
from .problem import BoundRow, CompiledProblem, Group, compile_problem, model_graph
from .recom import recombine
from .runtime import InterruptGuard, native_output_to_stderr, quiet_highs, versions

__all__ = [
    "Alternatives", "alternatives", "plan_distance",
    "Completion", "complete_proposals", "coarse_start", "parent_groups",
    "AnnealResult", "anneal", "SolverRun", "backend", "highs_solver", "fractional_knapsack",
    "split_lower_bound", "lower_bounds", "CbcEvent", "CbcLog", "CbcLogWatcher", "parse_cbc_log", "explain",
    "from_partition", "greedy_regions", "improve", "repair", "warm_start_labels",
    "RegionModel", "build_model", "MoveState", "LARGE_MODEL", "propose_regions", "solve",
    "PMedianModel", "build_pmedian", "pmedian_regions", "resolve_bounds", "solve_pmedian",
    "count_lower_bound", "forced_splits", "BoundRow", "CompiledProblem", "Group", "compile_problem", "model_graph",
    "InterruptGuard", "native_output_to_stderr", "quiet_highs", "versions",
    "RegionPool", "solve_pool", "recombine",
]
