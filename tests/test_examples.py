"""Every example script runs as a subprocess, on the embedded default country."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rato_opt.workflow.scenario import Scenario

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
SCENARIOS = sorted((EXAMPLES / "scenarios").glob("*.toml"))


def test_every_example_is_tested():
    assert {p.name for p in SCRIPTS} >= {
        "propose_default.py", "what_if_sweep.py", "compare_plans.py",
    }


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenario_files_are_valid(path):
    s = Scenario.from_toml(path)
    assert s.name == path.stem
    assert s.k is not None and s.solver.time_limit is not None
    # examples are reproducible: budgeted in work, the time limit only a cap
    assert s.solver.mode == "deterministic" and s.solver.budget().deterministic
    assert "mode" in path.read_text() or "extends" in path.read_text()


def test_example_scripts_use_deterministic_budgets():
    """No example asks for wall-clock budgets; each lets the user pick the seed."""
    for path in SCRIPTS:
        text = path.read_text()
        assert "wall_clock" not in text, path.name
        if "run_scenario" in text or "sweep(" in text:
            assert "--seed" in text and '"seed"' in text, path.name


def test_variant_extends_default():
    base = Scenario.from_toml(EXAMPLES / "scenarios" / "default_k12.toml")
    variant = Scenario.from_toml(EXAMPLES / "scenarios" / "variant_k14.toml")
    assert variant.k == 14 and base.k == 12
    assert variant.replace(k=12, name=base.name, description=base.description,
                           objective={"alliance": 0.0, "alliance_layer": None}) == base


def test_default_scenario_loads():
    s = Scenario.from_toml(EXAMPLES / "scenarios" / "default_k12.toml")
    land = s.load_landscape()
    spec = s.to_spec(land)
    assert len(land.units) == 340 and spec.k == 12
    assert spec.objective.split_by == "pupils_po"


def test_nl2024_scenario_loads(real_data):
    s = Scenario.from_toml(EXAMPLES / "scenarios" / "nl2024_k35.toml")
    land = s.load_landscape()
    spec = s.to_spec(land)
    assert len(land.units) == 342 and spec.k == 35
    assert len(set(spec.start.values())) == 35  # warm start: the arbeidsmarktregio's


@pytest.mark.slow
@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_example_runs(path, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(path), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=170, env=env, cwd=tmp_path,
    )
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-3000:]
    assert "written to" in done.stdout or "regions" in done.stdout
    assert any(tmp_path.rglob("*")), "the example wrote nothing"
    print(f"{path.name}: {seconds:.1f} s")
