"""Scoring and checking plans: metrics, Plan, region table, verification, diagnosis, comparison."""

from __future__ import annotations

from .compare import (
    Comparison,
    adjusted_rand_index,
    compare_plans,
    contingency_table,
    moved_units,
    variation_of_information,
)
from .diagnose import (
    check_feasible,
    check_start,
    feasible_k_range,
    precheck,
    precheck_notes,
)
from .funds import Allocation, AllocationChange, FundsFormula, allocate, compare_allocations
from .metrics import (
    TERMS,
    cut_boundary,
    evaluate,
    objective_terms,
    polsby_popper,
    split_layer_weights,
    unit_weights,
)
from .naming import region_names
from .plan import STATUSES, Plan, score_plan
from .proposals import ProposalReport, Proposals, check_proposals
from .regions import REGION_COLUMNS, canonical_regions, region_table
from .split import (
    alliance_cost,
    as_assignment,
    membership,
    regional_collaborations,
    split_cost,
    split_table,
)
from .verify import Verification, island_regions, verify_plan

__all__ = [
    "Comparison",
    "compare_plans",
    "adjusted_rand_index",
    "variation_of_information",
    "contingency_table",
    "moved_units",
    "precheck",
    "precheck_notes",
    "check_feasible",
    "check_start",
    "feasible_k_range",
    "TERMS",
    "as_assignment",
    "membership",
    "unit_weights",
    "split_layer_weights",
    "split_cost",
    "split_table",
    "cut_boundary",
    "alliance_cost",
    "regional_collaborations",
    "polsby_popper",
    "evaluate",
    "objective_terms",
    "STATUSES",
    "REGION_COLUMNS",
    "Verification",
    "Plan",
    "canonical_regions",
    "region_table",
    "verify_plan",
    "score_plan",
    "island_regions",
    "FundsFormula",
    "Allocation",
    "AllocationChange",
    "allocate",
    "compare_allocations",
    "region_names",
    "Proposals",
    "ProposalReport",
    "check_proposals",
]
