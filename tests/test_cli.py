"""The command line: ``rato-opt demo --json`` on the embedded default.

The demo's reproducibility (two runs, same assignment and objective) is tested here,
beside the module's demo run, so that the ~30 s demo runs once more, not twice;
``tests/test_reproducible.py`` covers ``rato-opt run``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from rato_opt.spec import Budget
from rato_opt.workflow.cli import demo, main

#: The demo's wall-clock cap in these tests: the work budget ends the solve long
#: before (about 11 s on an idle machine), so a busy machine never reaches it and
#: the plan stays reproducible.
CAP = "600"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run(
        [sys.executable, "-m", "rato_opt.workflow.cli", "demo", "--out", str(out), "--json",
         "--time-limit", CAP],
        capture_output=True, text=True, check=False, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    return out, json.loads(proc.stdout)


def test_demo_json_matches_tables(demo_run):
    out, summary = demo_run
    for key in ("units", "layers", "white_spots", "regions", "status", "objective", "bound",
                "gap", "seconds", "contiguous", "covered_share"):
        assert key in summary
    coverage = pd.read_csv(out / "coverage.csv", index_col="code")
    layers = pd.read_csv(out / "layer_summary.csv", index_col="layer")
    assert summary["units"] == len(coverage)
    assert summary["white_spots"] == int(coverage["white_spot"].sum())
    for name, info in summary["layers"].items():
        assert info["collaborations"] == layers.loc[name, "collaborations"]
        assert info["covered_share"] == pytest.approx(layers.loc[name, "covered_share"])
        assert info["covered_share"] == pytest.approx((coverage[f"n_{name}"] > 0).mean())
    assignment = pd.read_csv(out / "plan_assignment.csv", index_col=0)
    assert summary["regions"] == assignment["region"].nunique()
    assert summary["covered_share"] == 1.0
    assert set(assignment.index) == set(coverage.index)
    assert summary["contiguous"] is True
    assert summary["status"] in ("optimal", "feasible")
    if summary["status"] == "optimal":
        assert summary["gap"] is None or summary["gap"] <= 1e-4


def test_demo_one_white_spot_number(demo_run):
    out, summary = demo_run
    spots = pd.read_csv(out / "white_spots.csv", index_col="code")
    assert summary["white_spot_layers"] == ["rap_po", "rap_vo", "sop"]
    assert summary["white_spots"] == len(spots) > 0
    assert "white_spots_rap_sop" not in summary
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk["white_spots"] == summary["white_spots"]


def test_demo_files_respect_the_umask(demo_run):
    out, _ = demo_run
    mask = os.umask(0)
    os.umask(mask)
    assert {p.stat().st_mode & 0o777 for p in out.iterdir()} == {0o666 & ~mask}


def test_demo_writes_maps(demo_run):
    out, summary = demo_run
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert "plan_regions.png" in pngs and "white_spots.png" in pngs
    assert all((out / p).stat().st_size > 10_000 for p in pngs)


def test_demo_json_and_summary_record_the_run(demo_run):
    out, summary = demo_run
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk == summary  # what is printed is what is written
    run = summary["run"]
    assert run["seed"] == 0 and run["budget"] == Budget(seed=0).as_dict()
    assert run["time_limit"] == float(CAP)
    assert run["deterministic"] is True and run["time_limit_hit"] is False
    assert run["stopped_by"] in ("optimal", "work_budget")
    assert {"rato_opt", "highspy", "python", "numpy"} <= set(run["versions"])


@pytest.mark.slow
def test_demo_twice_gives_the_same_plan(demo_run, tmp_path):
    """Issue 9: two demo runs write identical assignments and objectives."""
    out, first = demo_run
    second = demo(tmp_path / "again", time_limit=float(CAP))  # in-process, another hash seed
    assert second["run"]["deterministic"] and first["run"]["deterministic"]
    assert second["objective"] == first["objective"]
    assert (tmp_path / "again" / "plan_assignment.csv").read_bytes() == (
        out / "plan_assignment.csv").read_bytes()
    assert second["run"]["budget"] == first["run"]["budget"]


@pytest.mark.parametrize("value", ["-1", "1.5", "abc", "", "True"])
@pytest.mark.parametrize("command", [["demo"], ["run", "scenario.toml"]])
def test_seed_is_checked_first(tmp_path, capsys, monkeypatch, command, value):
    import rato_opt.workflow.cli as cli
    import rato_opt.workflow.run as workflow

    def forbidden(*args, **kwargs):
        raise AssertionError("the CLI started working before checking --seed")

    monkeypatch.setattr(cli, "demo", forbidden)
    monkeypatch.setattr(workflow, "run_scenario_file", forbidden)
    assert main([*command, "--out", str(tmp_path / "o"), "--seed", value]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.strip() == (
        f"rato-opt: error: --seed must be a whole number >= 0, got {value!r}; e.g. --seed 1 "
        "(the same seed gives the same plan)")


def test_seed_reaches_demo_and_run(tmp_path, monkeypatch):
    import rato_opt.workflow.cli as cli
    import rato_opt.workflow.run as workflow

    seen = {}

    def fake_demo(out, **kwargs):
        seen["demo"] = kwargs["seed"]
        return {"out": str(out), "status": "feasible"}

    def fake_run(path, out, **kwargs):
        seen["run"] = kwargs.get("seed")
        return {"out_dir": str(out), "status": "feasible"}

    monkeypatch.setattr(cli, "demo", fake_demo)
    monkeypatch.setattr(workflow, "run_scenario_file", fake_run)
    assert main(["demo", "--out", str(tmp_path / "d"), "--seed", "7", "--json"]) == 0
    assert main(["run", "s.toml", "--out", str(tmp_path / "r"), "--seed", "0", "--json"]) == 0
    assert seen == {"demo": 7, "run": 0}
    assert main(["demo", "--out", str(tmp_path / "d"), "--json"]) == 0
    assert main(["run", "s.toml", "--out", str(tmp_path / "r"), "--json"]) == 0
    assert seen == {"demo": 0, "run": None}  # run: the scenario's own solver.seed


def test_demo_function_checks_seed():
    from rato_opt.exceptions import InputError

    with pytest.raises(InputError, match=r"seed must be a whole number >= 0, got -2; "
                                         r"e\.g\. seed=1"):
        demo(seed=-2)


def test_bad_scenario_exit_code(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nk = "many"\n', encoding="utf-8")
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "k" in capsys.readouterr().err
