"""Issue 9, "Reproducible": same input + same seed -> the same plan, bit for bit.

Every solve here is budgeted in work (``[solver]`` seed, starts, anneal_rounds, nodes),
never in seconds, and nothing asserts on elapsed time: the time limit is a generous
cap that the work budget always ends first. Two ``rato-opt run`` of the same scenario
run in separate interpreters (so with different hash seeds, as on two machines); the
scenario runs every stage (seeded starts, annealing, then the integer program with a
node budget). Further runs use :func:`rato_opt.workflow.run.run_scenario_file` in-process
without maps, which writes the same plan files as the command line.

The demo's reproducibility is tested in ``tests/test_cli.py``
(``test_demo_twice_gives_the_same_plan``), beside the demo run it reuses.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_scenario import write_grid_files

from rato_opt.assess.verify import verify_plan
from rato_opt.spec import Budget
from rato_opt.workflow.cli import main
from rato_opt.workflow.export import read_plan, read_run
from rato_opt.workflow.run import run_scenario_file
from rato_opt.workflow.scenario import Scenario

#: A small work budget: the 4 × 5 grid solves in about a second.
BUDGET = Budget(seed=0, starts=2, anneal_rounds=1, nodes=50)


def _scenario_file(folder: Path, *, nodes: int = BUDGET.nodes) -> Path:
    """A 4 × 5 grid scenario, k = 4, balanced population; ``nodes = 0`` would leave the
    plan to the seeded heuristic and annealing alone (no integer program).

    ::

        r0c0 r0c1 r0c2 | r0c3 r0c4      sop: west | east
        r1c0 r1c1 r1c2 | r1c3 r1c4      alliance: rows 0-1 | rows 2-3
        r2c0 ...
        r3c0 ...
    """
    write_grid_files(folder, rows=4, cols=5)
    path = folder / f"grid_n{nodes}.toml"
    path.write_text(textwrap.dedent(f"""
        name = "grid_n{nodes}"
        k = 4
        [data]
        source = "files"
        units = "units.gpkg"
        name = "naam"
        [[data.layer_tables]]
        name = "sop"
        path = "sop.csv"
        [[data.layer_tables]]
        name = "alliance"
        path = "alliance.csv"
        [[bounds]]
        column = "population"
        lower = 0.5
        upper = 1.5
        relative = true
        [objective]
        split = 1.0
        compactness = 0.3
        [solver]
        mode = "deterministic"
        seed = {BUDGET.seed}
        starts = {BUDGET.starts}
        anneal_rounds = {BUDGET.anneal_rounds}
        nodes = {nodes}
        time_limit = 600
        """), encoding="utf-8")
    return path


def _cli_run(scenario: Path, out: Path, *extra: str) -> dict:
    """``rato-opt run SCENARIO --out OUT --json`` in a fresh interpreter; its stdout JSON."""
    proc = subprocess.run(
        [sys.executable, "-m", "rato_opt.workflow.cli", "run", str(scenario), "--out", str(out),
         "--json", *extra],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    printed = json.loads(proc.stdout)
    assert json.loads((out / "summary.json").read_text()) == printed  # printed == written
    return printed


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("repro")
    scenario = _scenario_file(root)
    first = _cli_run(scenario, root / "first")
    second = _cli_run(scenario, root / "second")
    return root, scenario, first, second


def test_two_runs_write_identical_plans(two_runs):
    root, _, first, second = two_runs
    assert first["status"] in ("optimal", "feasible") and first["verified"] is True
    assert second["objective"] == first["objective"]
    assert second["terms"] == first["terms"]
    for name in ("plan_units.csv", "plan_regions.csv"):
        assert (root / "second" / name).read_bytes() == (root / "first" / name).read_bytes()


def test_summary_records_seed_budget_and_versions(two_runs):
    root, scenario, first, _ = two_runs
    nodes = Scenario.from_toml(scenario).solver.nodes
    run = first["run"]
    assert run["seed"] == 0
    assert run["budget"] == Budget(seed=0, starts=2, anneal_rounds=1, nodes=nodes).as_dict()
    assert run["time_limit"] == 600.0
    assert run["deterministic"] is True and run["time_limit_hit"] is False
    assert run["stopped_by"] in ("optimal", "work_budget")
    assert {"rato_opt", "highspy", "python"} <= set(run["versions"])
    # the exports carry the same record: JSON beside the plan, Excel sheet, GeoPackage table
    out = root / "first"
    assert json.loads((out / "plan_run.json").read_text()) == run
    for path in (out / "plan_run.json", out / "plan.xlsx", out / "plan.gpkg",
                 out / "plan_units.csv"):
        assert read_run(path) == run, path.name
    assert read_plan(out / "plan_units.csv").attrs["run"] == run
    # and the scenario as run names the seed and budget, so it can be run again
    again = Scenario.from_toml(out / "scenario.toml")
    assert again.solver.budget() == Budget(**run["budget"])


def test_rerunning_the_written_scenario_gives_the_same_plan(two_runs, tmp_path):
    root, _, first, _ = two_runs
    again = run_scenario_file(root / "first" / "scenario.toml", tmp_path / "x",
                              formats=("csv",), maps=())
    assert again["objective"] == first["objective"]
    assert (tmp_path / "x" / "plan_units.csv").read_bytes() == (
        root / "first" / "plan_units.csv").read_bytes()


def test_another_seed_may_differ_but_verifies(two_runs, tmp_path, capsys):
    root, scenario, first, _ = two_runs
    assert main(["run", str(scenario), "--out", str(tmp_path / "s7"), "--seed", "7",
                 "--json"]) == 0
    other = json.loads(capsys.readouterr().out)
    assert other["run"]["seed"] == 7 and other["run"]["budget"]["seed"] == 7
    assert other["run"]["deterministic"] is True
    assert other["status"] in ("optimal", "feasible") and other["verified"] is True
    s = Scenario.from_toml(scenario)
    land = s.load_landscape()
    plan = read_plan(tmp_path / "s7" / "plan_units.csv")
    assert verify_plan(land, plan, s.to_spec(land), graph=s.build_graph(land)).ok
    # the seed is recorded in the scenario as run, so the run can be repeated
    assert Scenario.from_toml(tmp_path / "s7" / "scenario.toml").solver.seed == 7
    # and the same seed again gives the same plan
    again = run_scenario_file(scenario, tmp_path / "s7b", seed=7, formats=("csv",), maps=())
    assert again["objective"] == other["objective"]
    assert (tmp_path / "s7b" / "plan_units.csv").read_bytes() == (
        tmp_path / "s7" / "plan_units.csv").read_bytes()


def test_a_bad_seed_is_a_scenario_error(tmp_path):
    from rato_opt.exceptions import ScenarioError

    scenario = _scenario_file(tmp_path)
    with pytest.raises(ScenarioError, match=r"'solver\.seed': got -3; expected a whole number"):
        run_scenario_file(scenario, tmp_path / "out", seed=-3)
    assert not (tmp_path / "out").exists()
