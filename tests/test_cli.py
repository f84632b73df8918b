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


# ------------------------------------------------------------------ issue 13 commands
TINY = """
name = "tiny"
{k}
[data]
source = "default"
n_units = 60
seed = 1
[[bounds]]
column = "population"
lower = 0.4
upper = 2.5
relative = true
[objective]
split = 1.0
split_layers = {{ rap_po = 1.0 }}
alignment = 0.5
reference = "amr"
[output]
formats = ["csv"]
maps = ["png"]
[solver]
mode = "deterministic"
starts = 2
recom_steps = 200
recom_rounds = 1
anneal_moves = 50
anneal_rounds = 1
nodes = 0
time_limit = 0
"""


def tiny_scenario(folder, k="k = 4"):
    path = folder / "tiny.toml"
    path.write_text(TINY.format(k=k), encoding="utf-8")
    return path


def progress_lines(err: str, command: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(f"rato-opt: {command} tiny: ")]


def test_run_with_funds_and_factsheets(tmp_path, capfd):
    path = tiny_scenario(tmp_path)
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "--json", "--funds-base", "1000",
                 "--funds-per", "population=0.01", "--funds-per", "pupils_po=2.5",
                 "--funds-total", "123456.78", "--factsheets"]) == 0
    captured = capfd.readouterr()
    result = json.loads(captured.out)  # stdout holds the JSON only
    lines = progress_lines(captured.err, "run")
    assert lines and all("stage " in line and line.endswith(" s") for line in lines)
    assert "rato-opt:" not in captured.out
    assert result["funds"]["total"] == 123456.78
    assert result["funds"]["formula"]["per_weight"] == {"population": 0.01, "pupils_po": 2.5}
    assert (out / "factsheets.pdf").read_bytes()[:5] == b"%PDF-"
    funds = pd.read_csv(out / "plan_funds.csv")
    assert round(funds["total"].sum(), 2) == 123456.78
    assert sorted(funds["region"].astype(str)) == sorted(
        pd.read_csv(out / "plan_units.csv")["region"].astype(str).unique())
    assert json.loads((out / "summary.json").read_text())["funds"] == result["funds"]
    assert "[funds]" in (out / "scenario.toml").read_text()  # the run can be repeated
    assert result["verified"] and result["regions"] == 4


def test_quiet_switches_progress_off(tmp_path, capfd):
    path = tiny_scenario(tmp_path)
    assert main(["run", str(path), "--out", str(tmp_path / "q"), "--quiet"]) == 0
    captured = capfd.readouterr()
    assert not progress_lines(captured.err, "run")
    assert "status: " in captured.out  # the human summary


@pytest.mark.parametrize("flags, message", [
    (["--funds-per", "population"], "--funds-per must be COLUMN=RATE"),
    (["--funds-base", "-3"], "--funds-base must be a number >= 0"),
    (["--funds-total", "lots"], "--funds-total must be a number >= 0"),
])
def test_bad_funds_flags_fail_before_any_work(tmp_path, capsys, flags, message):
    assert main(["run", "missing.toml", "--out", str(tmp_path / "o"), *flags]) == 2
    assert message in capsys.readouterr().err


def test_funds_column_is_checked_before_solving(tmp_path, capsys):
    path = tiny_scenario(tmp_path)
    assert main(["run", str(path), "--out", str(tmp_path / "o"),
                 "--funds-per", "leerlingen=3"]) == 2
    err = capsys.readouterr().err
    assert "'funds.per_weight.leerlingen'" in err and "population" in err
    assert not (tmp_path / "o").exists()


def test_alternatives_command(tmp_path, capfd):
    path = tiny_scenario(tmp_path)
    out = tmp_path / "alts"
    assert main(["alternatives", str(path), "--out", str(out), "--n", "3", "--within", "0.3",
                 "--min-distance", "3", "--seed", "0", "--json"]) == 0
    captured = capfd.readouterr()
    result = json.loads(captured.out)
    assert progress_lines(captured.err, "alternatives")
    assert result["requested"] == 3 and 1 <= result["plans"] <= 3
    assert result["names"][0] == "A" and result["distance"] == "units_moved"
    for name in ("alternatives.csv", "alternative_distances.csv", "alternatives_units.csv",
                 "alternatives.png", "summary.json", "scenario.toml"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "alternatives.csv", index_col="plan")
    assert list(table.index) == result["names"] and table["verified"].all()
    assert (table["objective"] <= result["threshold"] + 1e-9).all()
    distances = pd.read_csv(out / "alternative_distances.csv", index_col="plan")
    assert distances.shape == (result["plans"], result["plans"])
    units = pd.read_csv(out / "alternatives_units.csv", index_col="code")
    assert len(units) == 60 and list(units.columns) == result["names"]


def test_alternatives_bad_options(tmp_path, capsys):
    path = tiny_scenario(tmp_path)
    assert main(["alternatives", str(path), "--out", str(tmp_path / "o"), "--n", "0"]) == 2
    assert "--n must be a whole number >= 1" in capsys.readouterr().err
    assert main(["alternatives", str(path), "--out", str(tmp_path / "o"), "--distance", "ari",
                 "--min-distance", "5"]) == 2
    assert "'alternatives.min_distance'" in capsys.readouterr().err


def test_tradeoff_command(tmp_path, capfd):
    path = tiny_scenario(tmp_path)
    out = tmp_path / "curve"
    assert main(["tradeoff", str(path), "--out", str(out), "--terms", "alignment,split",
                 "--weights", "0.1:0.9,0.9:0.1", "--json"]) == 0
    captured = capfd.readouterr()
    result = json.loads(captured.out)
    lines = progress_lines(captured.err, "tradeoff")
    assert [line.split(",")[0] for line in lines if "point" in line] == [
        "rato-opt: tradeoff tiny: point 1/2 (weights 0.10:0.90)",
        "rato-opt: tradeoff tiny: point 2/2 (weights 0.90:0.10)"]
    assert result["terms"] == ["alignment", "split"]
    assert [p["label"] for p in result["points"]] == ["0.10:0.90", "0.90:0.10"]
    assert result["frontier"]
    table = pd.read_csv(out / "tradeoff.csv", index_col="point")
    assert list(table["label"]) == ["0.10:0.90", "0.90:0.10"] and table["verified"].all()
    assert (out / "tradeoff.png").is_file() and (out / "tradeoff_units.csv").is_file()


def test_tradeoff_bad_options(tmp_path, capsys):
    path = tiny_scenario(tmp_path)
    for flags, message in ((["--weights", "0.1-0.9"], "--weights must be pairs WX:WY"),
                           (["--points", "3", "--weights", "1:1"], "--points or --weights"),
                           (["--terms", "split"], "--terms must be two objective terms"),
                           (["--terms", "split,beauty"], "'tradeoff.terms[1]'")):
        assert main(["tradeoff", str(path), "--out", str(tmp_path / "o"), *flags]) == 2
        assert message in capsys.readouterr().err


def test_proposals_command_with_funds(tmp_path, capfd):
    from rato_opt.sources.synthetic import make_country
    from rato_opt.sources.synthetic_proposals import synthetic_proposals

    path = tiny_scenario(tmp_path, k="")
    member = synthetic_proposals(make_country(n_units=60, seed=1), seed=3).membership()
    member.rename(columns={"collaboration": "proposal"})[["proposal", "unit"]].to_csv(
        tmp_path / "props.csv", index=False)
    out = tmp_path / "prop"
    assert main(["proposals", str(path), str(tmp_path / "props.csv"), "--out", str(out),
                 "--funds-per", "population=0.5", "--funds-total", "1000000", "--json"]) == 0
    captured = capfd.readouterr()
    result = json.loads(captured.out)
    assert progress_lines(captured.err, "proposals")
    assert result["verified"] and result["out"] == str(out)
    assert result["conflicts"] == result["proposals"]["conflicts"]
    assert result["report"] and result["completion"]
    for name in ("changes.csv", "per_proposal.csv", "proposals_report.txt", "plan_funds.csv",
                 "plan_units.csv"):
        assert (out / name).is_file(), name
    assert round(pd.read_csv(out / "plan_funds.csv")["total"].sum(), 2) == 1000000.0
    assert result["funds"]["total"] == 1000000.0
