"""The command line: ``rato-opt demo --json`` on the embedded default."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from rato_opt.cli import main


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run(
        [sys.executable, "-m", "rato_opt.cli", "demo", "--out", str(out), "--json"],
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


def test_bad_scenario_exit_code(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nk = "many"\n', encoding="utf-8")
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "k" in capsys.readouterr().err
