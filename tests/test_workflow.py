"""The CLI-facing workflow: run a scenario file, compare plan files, atomically."""

from __future__ import annotations

import json
import textwrap

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import pytest
from test_scenario import write_grid_files

import rato_opt.workflow.run as workflow
from rato_opt.exceptions import InputError
from rato_opt.workflow.export import read_plan, read_run
from rato_opt.workflow.run import compare_plan_files, run_scenario, run_scenario_file
from rato_opt.workflow.scenario import Scenario


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two solved runs of a 3×4 grid: k=2 from a TOML file and k=3 extending it."""
    root = tmp_path_factory.mktemp("wf")
    write_grid_files(root)
    (root / "base.toml").write_text(textwrap.dedent("""
        name = "grid_k2"
        k = 2
        [data]
        source = "files"
        units = "units.gpkg"
        name = "naam"
        [[data.layer_tables]]
        name = "sop"
        path = "sop.csv"
        [[bounds]]
        column = "population"
        upper = 1.5
        relative = true
        [solver]
        time_limit = 10
        threads = 1
        """))
    (root / "k3.toml").write_text('extends = "base.toml"\nname = "grid_k3"\nk = 3\n')
    s2 = run_scenario_file(root / "base.toml", root / "out" / "k2")
    s3 = run_scenario_file(root / "k3.toml", root / "out" / "k3", formats=("csv",),
                           maps=("png",))
    return root, s2, s3


def test_run_scenario_file_writes_everything(runs):
    root, s2, _ = runs
    out = root / "out" / "k2"
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "summary.json", "scenario.toml", "plan.gpkg", "plan_units.csv", "plan_regions.csv",
        "plan.xlsx", "plan_units.geojson", "plan_regions.geojson", "plan_run.json",
        "map.pdf", "map.png",
    ])
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk == s2
    # how the plan was made: in the summary, beside the plan, in the Excel file
    run = s2["run"]
    assert run["seed"] == 0 and run["budget"] == Scenario().solver.budget().as_dict()
    assert run["time_limit"] == 10.0 and isinstance(run["deterministic"], bool)
    assert {"rato_opt", "highspy"} <= set(run["versions"]) and run["stopped_by"]
    assert json.loads((out / "plan_run.json").read_text()) == run
    assert read_run(out / "plan.xlsx") == run == read_run(out / "plan.gpkg")
    assert read_plan(out / "plan.xlsx").attrs["run"] == run
    json.dumps(s2)  # JSON-able
    assert s2["scenario"] == "grid_k2" and s2["regions"] == 2 and s2["units"] == 12
    assert s2["status"] in ("optimal", "feasible") and s2["verified"] is True
    assert set(s2["terms"]) >= {"split", "compactness"}
    assert (out / "map.pdf").read_bytes()[:4] == b"%PDF"
    plan = read_plan(out / "plan_units.csv")
    assert plan.nunique() == 2 and len(plan) == 12
    assert len(gpd.read_file(out / "plan.gpkg", layer="regions")) == 2
    # the scenario copy runs from anywhere: its paths are absolute
    again = Scenario.from_toml(out / "scenario.toml")
    assert again.k == 2 and again.resolve(again.data.units) == root / "units.gpkg"


def test_formats_and_inheritance(runs):
    root, _, s3 = runs
    assert s3["scenario"] == "grid_k3" and s3["regions"] == 3
    names = sorted(p.name for p in (root / "out" / "k3").iterdir())
    assert names == ["map.png", "plan_regions.csv", "plan_run.json", "plan_units.csv",
                     "scenario.toml", "summary.json"]


def test_compare_plan_files(runs, tmp_path):
    root, _, _ = runs
    result = compare_plan_files([root / "out" / "k2", root / "out" / "k3" / "plan_units.csv"],
                                tmp_path / "cmp")
    assert result["plans"] == ["k2", "k3"]
    assert result["scenario"] == "grid_k2"  # found beside the first plan
    assert result["metrics"]["k2"]["n_regions"] == 2
    assert result["metrics"]["k3"]["verified"] is True  # k is not enforced in comparisons
    (pair,) = result["similarity"]
    assert pair["plan_a"] == "k2" and pair["plan_b"] == "k3" and pair["ari"] < 1
    files = sorted(p.name for p in (tmp_path / "cmp").iterdir())
    assert files == sorted([
        "comparison.json", "metrics.csv", "similarity.csv", "moved_units.csv",
        "plans.pdf", "plans.png", "difference_k2__k3.pdf", "difference_k2__k3.png",
    ])
    assert json.loads((tmp_path / "cmp" / "comparison.json").read_text()) == result


def test_compare_plan_files_errors(runs, tmp_path):
    root, _, _ = runs
    with pytest.raises(InputError, match="at least one"):
        compare_plan_files([], tmp_path / "x")
    with pytest.raises(InputError, match="without a plan export"):
        compare_plan_files([tmp_path], tmp_path / "x")
    with pytest.raises(InputError, match="2 names"):
        compare_plan_files([root / "out" / "k2"], tmp_path / "x", names=["a", "b"])


def test_run_scenario_is_atomic(runs, tmp_path, monkeypatch):
    root, _, _ = runs

    def broken(*args, **kwargs):
        raise RuntimeError("plotting failed")

    monkeypatch.setattr(workflow, "_save", broken)
    scenario = Scenario.from_toml(root / "base.toml")
    with pytest.raises(RuntimeError, match="plotting failed"):
        run_scenario(scenario, tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ issue 13 tables
def _tiny(bounds=None, **extras):
    budget = {"starts": 2, "recom_steps": 200, "recom_rounds": 1, "anneal_moves": 50,
              "anneal_rounds": 1, "nodes": 0, "time_limit": 0}
    return Scenario.from_dict({
        "name": "tiny", "data": {"source": "default", "n_units": 60, "seed": 1},
        "bounds": bounds or [{"column": "population", "lower": 0.4, "upper": 2.5,
                              "relative": True}],
        "objective": {"split_layers": {"rap_po": 1.0}, "alignment": 0.5, "reference": "amr"},
        "solver": budget, **extras})


def test_run_scenario_with_funds_output_alternatives_and_tradeoff(tmp_path):
    import pandas as pd

    scenario = _tiny(k=4, funds={"base_per_region": 100, "per_weight": {"pupils_po": 1.5},
                                 "total": 9999.99},
                     output={"factsheets": True, "formats": ["csv", "xlsx"], "maps": ["png"]},
                     alternatives={"n": 2, "within": 0.3, "min_distance": 3},
                     tradeoff={"n_points": 2})
    events = []
    summary = run_scenario(scenario, tmp_path / "out", progress=events.append)
    out = tmp_path / "out"
    assert events and {"stage", "incumbent", "elapsed"} <= set(events[0])
    assert [e["point"] for e in events if "point" in e] == [1, 2]
    assert summary["funds"]["total"] == 9999.99 and "notes" in summary
    funds = pd.read_csv(out / "plan_funds.csv")
    assert round(funds["total"].sum(), 2) == 9999.99
    regions = pd.read_excel(out / "plan.xlsx", sheet_name="regions")
    assert round(regions["funds_total"].sum(), 2) == 9999.99
    assert (out / "factsheets.pdf").read_bytes()[:5] == b"%PDF-"
    assert (out / "map.png").is_file() and not (out / "map.pdf").exists()
    assert not (out / "plan.gpkg").exists()  # output.formats
    alts = summary["alternatives"]
    assert alts["names"][0] == "A" and alts["table"][0]["objective"] == pytest.approx(
        summary["objective"])  # the run's plan is the best the walk starts from
    for name in ("alternatives.csv", "alternative_distances.csv", "alternatives.png",
                 "tradeoff.csv", "tradeoff.png", "tradeoff_units.csv"):
        assert (out / name).is_file(), name
        assert name.replace(".", "_") in summary["files"]
    curve = pd.read_csv(out / "tradeoff.csv", index_col="point")
    assert len(curve) == 2 and curve["verified"].all()
    assert [p["label"] for p in summary["tradeoff"]["points"]] == list(curve["label"])
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk["tradeoff"] == summary["tradeoff"] and on_disk["funds"] == summary["funds"]


def test_run_scenario_completes_proposals_from_the_scenario_file(tmp_path):
    import pandas as pd

    from rato_opt.sources.synthetic import make_country
    from rato_opt.sources.synthetic_proposals import synthetic_proposals

    land = make_country(n_units=60, seed=1)
    member = synthetic_proposals(land, seed=3).membership()
    member.rename(columns={"collaboration": "proposal"})[["proposal", "unit"]].to_csv(
        tmp_path / "props.csv", index=False)
    # accept the proposal whose population is nearest the mean (inside the bounds)
    population = member.assign(p=member["unit"].map(land.units["population"])).groupby(
        "collaboration")["p"].sum()
    accepted = [str((population - population.mean()).abs().idxmin())]
    _tiny(proposals={"table": "props.csv", "accepted": accepted},
          bounds=[{"column": "population", "lower": 0.1, "upper": 5.0, "relative": True}],
          output={"formats": ["csv"], "maps": ["png"]}).to_toml(tmp_path / "p.toml")
    summary = run_scenario_file(tmp_path / "p.toml", tmp_path / "out")
    out = tmp_path / "out"
    record = summary["proposals"]
    assert summary["verified"] and record["accepted"] == accepted
    assert record["proposals"] == member["collaboration"].nunique()
    assert "Completed" in record["completion"] and "proposals claim" in record["report"]
    plan = read_plan(out / "plan_units.csv")
    assert set(plan.unique()) <= set(member["collaboration"])  # regions are proposals
    kept = set(member.loc[member["collaboration"] == accepted[0], "unit"])
    assert set(plan[plan == accepted[0]].index) == kept  # accepted: as submitted
    changes = pd.read_csv(out / "changes.csv")
    assert {"proposal", "unit", "change", "kind"} <= set(changes.columns)
    for name in ("per_proposal.csv", "proposals_report.txt", "conflicts.csv", "gaps.csv"):
        assert (out / name).is_file(), name
    # the scenario written beside the plan points at the table wherever it is run from
    assert str(tmp_path / "props.csv") in (out / "scenario.toml").read_text()
