"""Scenarios, exports, sweeps, sectors, the scenario runner and the command line."""

from __future__ import annotations

from .data_source import (
    check_names,
    check_start,
    load_landscape,
    resolve_path,
    scenario_landscape,
    start_plan,
)
from .export import (
    FORMATS,
    atomic_output,
    check_output_dir,
    export_plan,
    plan_assignment,
    region_summary,
    unit_table,
)
from .plan_reader import PLAN_FILE_HINT, read_plan, read_run
from .run import (
    MAP_FORMATS,
    compare_plan_files,
    run_scenario,
    run_scenario_file,
)
from .run_records import RUN_KEYS, run_record
from .scenario import Scenario, load_scenario
from .scenario_fields import SCENARIO_SECTORS, parse_scenario
from .scenario_sections import (
    CONTIGUITY,
    MODES,
    SIZE_FIELDS,
    SOLVERS,
    SOURCES,
    WORK_FIELDS,
    Adjacency,
    DataSource,
    LayerChoice,
    LayerTable,
    SolverSettings,
    WeightTable,
)
from .scenario_toml import dumps_toml, loads_toml, read_toml
from .sectors import (
    SECTORS,
    Sector,
    get_sector,
    sector_landscape,
    sector_spec,
)
from .sweeps import (
    SweepResult,
    VariantResult,
    expand_variants,
    run_variant,
    sweep,
)

__all__ = [
    "FORMATS",
    "export_plan",
    "read_plan",
    "atomic_output",
    "check_output_dir",
    "read_run",
    "run_record",
    "RUN_KEYS",
    "PLAN_FILE_HINT",
    "plan_assignment",
    "region_summary",
    "unit_table",
    "run_scenario",
    "run_scenario_file",
    "compare_plan_files",
    "MAP_FORMATS",
    "Scenario",
    "DataSource",
    "WeightTable",
    "LayerTable",
    "LayerChoice",
    "Adjacency",
    "SolverSettings",
    "load_scenario",
    "parse_scenario",
    "dumps_toml",
    "loads_toml",
    "read_toml",
    "load_landscape",
    "scenario_landscape",
    "check_names",
    "check_start",
    "start_plan",
    "resolve_path",
    "SOURCES",
    "SOLVERS",
    "SCENARIO_SECTORS",
    "MODES",
    "CONTIGUITY",
    "WORK_FIELDS",
    "SIZE_FIELDS",
    "SECTORS",
    "Sector",
    "get_sector",
    "sector_landscape",
    "sector_spec",
    "sweep",
    "SweepResult",
    "VariantResult",
    "run_variant",
    "expand_variants",
]
