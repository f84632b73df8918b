"""Smoke tests of the benchmark harness (benchmarks/): models, parsers, report. No timing checks."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import matplotlib
import networkx as nx
import pandas as pd
import pytest
from conftest import grid_units

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import baselines as bl  # noqa: E402
from benchmarks.instances import Instance, default_objective  # noqa: E402
from benchmarks.report import RESULT_COLUMNS, SECTIONS, ratios, render, targets  # noqa: E402
from benchmarks.run import load_run, merge_runs, run_benchmark  # noqa: E402
from rato_opt import Landscape, Layer  # noqa: E402
from rato_opt.assess.verify import verify_plan  # noqa: E402
from rato_opt.landscape.graph import build_graph  # noqa: E402
from rato_opt.spec import Bound, RegionSpec  # noqa: E402


def _river_grid():
    """2 × 3 grid of 1 km squares with two 'river' edges removed from the rook graph.

    ::

        r0c0 (1) ── r0c1 (5)      r0c2 (3)
                      │             │
        r1c0 (5) ── r1c1 (6) ──── r1c2 (5)

    (population in brackets; r0c0–r1c0 and r0c1–r0c2 do not touch in the graph).
    With k = 2 the p-median optimum *without* contiguity is the two rows (moment of
    inertia 14/25 = 0.56), but the top row is not connected. The contiguous optimum is
    {r0c0, r0c1, r1c0, r1c1} (centre r1c1) + {r0c2, r1c2} (centre r1c2):
    (1·2 + 5·1 + 5·1 + 3·1) / 25 = 15/25 = 0.6, and it is unique.
    """
    units = grid_units(2, 3, weights={"population": [1, 5, 3, 5, 6, 5]})
    graph = build_graph(units, contiguity="rook")
    graph.remove_edges_from([("r0c0", "r1c0"), ("r0c1", "r0c2")])
    land = Landscape(units, [Layer.from_partition("sop", dict.fromkeys(units.index, "s1"))])
    return land, graph


def _brute_force(land, graph, k, *, contiguous=True):
    codes = list(land.units.index)
    best = []
    for lab in itertools.product(range(k), repeat=len(codes)):
        if lab[0] != 0 or len(set(lab)) != k:
            continue
        a = pd.Series([f"R{v}" for v in lab], index=codes)
        if contiguous and not all(
            nx.is_connected(graph.subgraph(g.index)) for _, g in a.groupby(a)
        ):
            continue
        best.append((bl.moment_of_inertia(land.units, a), lab))
    return sorted(best)


def test_naive_model_finds_the_known_contiguous_pmedian_optimum():
    land, graph = _river_grid()
    spec = RegionSpec(k=2)
    # the hand-derived numbers in the docstring, checked by enumeration
    free = _brute_force(land, graph, 2, contiguous=False)
    tied = _brute_force(land, graph, 2)
    assert free[0][0] == pytest.approx(0.56)
    assert tied[0][0] == pytest.approx(0.6) and tied[1][0] > 0.6 + 1e-9
    model = bl.build_naive(land, spec, graph=graph)
    assert model.size == bl.naive_size(graph, 6, bound_rows=bl.bound_rows(land.units, spec))
    res = bl.solve_naive(model, solver="highs", time_limit=None)
    assert res.status == "optimal"
    assert res.own_objective == pytest.approx(0.6)
    a = res.assignment
    assert a["r0c0"] == a["r0c1"] == a["r1c0"] == a["r1c1"] != a["r0c2"] == a["r1c2"]
    ver = verify_plan(land, a, spec, graph=graph)
    assert ver.ok and ver.contiguous, ver.problems


def test_naive_model_with_bounds_and_candidate_lists():
    land, graph = _river_grid()
    # k = 3, population 2..12 per region: the optimum {r0c0,r0c1} (6), {r0c2,r1c2} (8),
    # {r1c0,r1c1} (11) has moment of inertia (1 + 3 + 5) / 25 = 0.36
    spec = RegionSpec(k=3, bounds=(Bound("population", lower=2, upper=12),))
    res = bl.solve_naive(bl.build_naive(land, spec, graph=graph, candidates=4), time_limit=None)
    assert res.status == "optimal"
    assert res.own_objective == pytest.approx(0.36)
    totals = land.units["population"].groupby(res.assignment).sum()
    assert totals.between(2, 12).all()
    assert verify_plan(land, res.assignment, spec, graph=graph).ok


def test_naive_model_reports_infeasible_bounds():
    land, graph = _river_grid()
    # every connected 2-split of the river grid has a part of 17 or more people
    spec = RegionSpec(k=2, bounds=(Bound("population", upper=16),))
    res = bl.solve_naive(bl.build_naive(land, spec, graph=graph), time_limit=None)
    assert res.status == "infeasible"
    assert res.assignment is None


def test_parse_cbc_log_both_formats():
    classic = (
        "Cbc0012I Integer solution of 5 found by feasibility pump after 0 iterations and 0 "
        "nodes (0.20 seconds)\nCbc0010I After 10 nodes, 2 on tree, 5 best solution, best "
        "possible 4 (0.9 seconds)\nLower bound:    4.0\nGap:   0.2\n"
    )
    out = bl.parse_cbc_log(classic)
    assert [ev["t"] for ev in out["trace"]] == [0.2, 0.9]
    assert out["trace"][1]["gap"] == pytest.approx(0.2)
    devel = (
        "     Nodes   OnTree  Depth         BestSol Method     BestBound     Gap%   Time(s)\n"
        "         0        1      0        -2.07204           -3.48481   68.18%      15.1\n"
        "✔ Stopped (time limit) — BestSol: -2.07204   Bound: -3.48481   Gap: 68.18%   "
        "Nodes: 5   Iters: 8016   Time: 19.4s\n"
        "Result - Stopped on time limit\nObjective value:   -2.07203501733\n"
        "Lower bound:      -3.48481\n"
    )
    out = bl.parse_cbc_log(devel)
    assert [ev["t"] for ev in out["trace"]] == [15.1, 19.4]
    assert out["bound"] == pytest.approx(-3.48481)
    assert out["objective"] == pytest.approx(-2.07203501733)


def test_spopt_weights_follow_the_unit_graph_with_links():
    land, graph = _river_grid()
    codes = list(land.units.index)
    w = bl.pysal_weights(graph, codes)
    assert w.n == 6
    pairs = {(codes[i], codes[j]) for i, ns in w.neighbors.items() for j in ns}
    assert pairs == {(a, b) for a, b in graph.edges()} | {(b, a) for a, b in graph.edges()}


def _tiny_landscape():
    """3 × 4 grid with population, pupils and two partition layers."""
    units = grid_units(
        3, 4, weights={"population": [5, 3, 4, 6, 2, 7, 3, 4, 5, 3, 6, 2],
                       "pupils_po": [1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 1]}
    )
    codes = list(units.index)
    sop = {c: f"s{int(c[1]) }{int(c[3]) // 2}" for c in codes}
    amr = {c: "a0" if int(c[3]) < 2 else "a1" for c in codes}
    return Landscape(units, [Layer.from_partition("sop", sop), Layer.from_partition("amr", amr)])


def test_quick_harness_produces_the_report(tmp_path):
    land = _tiny_landscape()
    spec = RegionSpec(
        k=3,
        bounds=(Bound("population", lower=0.33, upper=3.0, relative=True),),
        objective=default_objective(land),
    )
    inst = Instance("tiny_grid_k3", land, spec, time_limit=10.0, description="3x4 grid")
    result = run_benchmark([inst], out_dir=tmp_path, log=lambda s: None)
    result["machine"] = {"cores": 2, "versions": {"pulp": "x"}, "date_utc": "today"}
    records = {r["method"]: r for r in result["records"]}
    assert set(records) >= {"ours_highs", "ours_cbc", "naive_highs", "spopt_skater",
                            "spopt_azp", "spopt_region_kmeans", "spopt_maxp"}
    for method in ("ours_highs", "naive_highs"):
        r = records[method]
        assert r["status"] in ("optimal", "feasible"), r.get("error")
        assert r["verified"] is True and r["objective"] >= 0
        assert r["peak_mib"] > 0
    # every spopt plan is scored (or its failure reported), never dropped
    for method in ("spopt_skater", "spopt_azp", "spopt_region_kmeans", "spopt_maxp"):
        r = records[method]
        assert r["objective"] is not None or r.get("error"), r
    text = render(result)
    for heading in SECTIONS:
        assert heading in text
    header = "| " + " | ".join(RESULT_COLUMNS) + " |"
    assert header in text
    assert "tiny_grid_k3" in text and "naive_highs" in text
    assert (tmp_path / "records.jsonl").is_file()
    # a finished run can be re-rendered from its results.json and trace files
    slim = dict(result, records=[{k: v for k, v in r.items() if k not in ("assignment", "trace")}
                                 for r in result["records"]])
    (tmp_path / "results.json").write_text(json.dumps(slim, default=str))
    again = load_run(tmp_path)
    assert [len(r.get("trace", [])) for r in again["records"]] == [
        len(r.get("trace") or []) if r.get("trace_file") else 0 for r in result["records"]
    ]
    assert "## Targets" in render(again)
    merged = merge_runs([tmp_path, tmp_path], ["first", "second"])
    assert len(merged["records"]) == len(result["records"])  # the later run wins
    assert [r["instances"] for r in merged["runs"]] == [[], ["tiny_grid_k3"]]
    assert "merges these runs" in render(merged)


def test_targets_and_ratios_follow_the_records():
    base = {"time_limit": 60.0, "verified": True}
    recs = [
        {**base, "instance": "nl2024_k35_tight", "method": "ours_highs", "status": "optimal",
         "objective": 0.5, "proof_s": 20.0, "wall_s": 20.0, "gap": 0.0, "trace": []},
        {**base, "instance": "nl2024_k35_tight", "method": "naive_highs", "status": "feasible",
         "objective": 0.8, "proof_s": None, "wall_s": 60.0, "gap": 0.3, "trace": []},
        {**base, "instance": "nl2024_k35_tight", "method": "spopt_azp", "status": "heuristic",
         "objective": 0.7, "proof_s": None, "wall_s": 1.0},
    ]
    rows = {r["baseline"]: r for r in ratios(recs)}
    assert rows["naive_highs"]["objective_ratio"] == pytest.approx(1.6)
    assert rows["naive_highs"]["proof_ratio_lower"] == pytest.approx(3.0)
    verdicts = {name.split(":")[0]: v for name, v, _ in targets(recs)}
    assert verdicts["Real map, k = 35, default objective, tight balance"] == "MET"
    # a 3x lower bound does not show the 10x target; it is not claimed
    assert verdicts["Time-to-proof ≥ 10× shorter than the naive formulation (same instance, same run)"] != "MET"
    recs[0].update(status="feasible", proof_s=None, gap=0.2)
    verdicts = {name.split(":")[0]: v for name, v, _ in targets(recs)}
    assert verdicts["Real map, k = 35, default objective, tight balance"] == "NOT MET"


# ----------------------------------------------------------------------------- keep whole
def _boards_grid():
    """4 × 4 grid, two arbeidsmarktregio's (left, right) and five overlapping boards.

    ::

        r0c0 r0c1 | r0c2 r0c3      amr:    a0 = columns 0-1, a1 = columns 2-3
        r1c0 r1c1 | r1c2 r1c3      boards: b0 = rows 0-1 x columns 0-2,
        r2c0 r2c1 | r2c2 r2c3              b1 = rows 2-3 x columns 0-1,
        r3c0 r3c1 | r3c2 r3c3              b2 = column 3, b3 = row 2, b4 = {r1c1, r1c2}
    """
    units = grid_units(4, 4, weights={
        "population": [5, 3, 4, 6, 2, 7, 3, 4, 5, 3, 6, 2, 4, 4, 5, 3],
        "pupils_po": [1, 2, 2, 1, 1, 3, 1, 1, 2, 1, 1, 1, 2, 1, 2, 1],
    })
    pairs = [(f"r{r}c{c}", "b0") for r in (0, 1) for c in (0, 1, 2)]
    pairs += [(f"r{r}c{c}", "b1") for r in (2, 3) for c in (0, 1)]
    pairs += [(f"r{r}c3", "b2") for r in range(4)] + [(f"r2c{c}", "b3") for c in range(4)]
    pairs += [("r1c1", "b4"), ("r1c2", "b4")]
    boards = Layer.from_table("boards", pd.DataFrame(pairs, columns=["unit", "collaboration"]),
                              units.index)
    amr = Layer.from_partition("amr", {c: "a0" if int(c[3]) < 2 else "a1" for c in units.index})
    return Landscape(units, [amr, boards])


def test_gerrychain_baseline_returns_a_verified_plan_scored_like_rato_opt():
    import numpy as np

    from benchmarks.gerrychain_baseline import KeepWholeScore, recom_window, run_gerrychain
    from benchmarks.instances import keep_whole_objective
    from benchmarks.keep_whole import collaboration_stats, score_record
    from rato_opt.assess.metrics import objective_terms, unit_weights
    from rato_opt.assess.split import split_cost
    from rato_opt.landscape.graph import graph_from_landscape

    land = _boards_grid()
    graph = graph_from_landscape(land)
    spec = RegionSpec(k=3, bounds=(Bound("population", lower=0.5, upper=1.6, relative=True),),
                      objective=keep_whole_objective())
    mean = land.units["population"].sum() / 3
    target, eps = recom_window(0.5 * mean, 1.6 * mean, 3 * mean)
    assert target * (1 - eps) == pytest.approx(0.5 * mean)
    assert target * (1 + eps) == pytest.approx(1.6 * mean)

    # reproducible budget in chain states, no clock: same seed, same plan
    run = run_gerrychain(land, spec, graph=graph, seed=3, steps=40, burst_length=5)
    again = run_gerrychain(land, spec, graph=graph, seed=3, steps=40, burst_length=5)
    assert run.stopped_by == "steps" and run.states == 40
    assert run.assignment.to_dict() == again.assignment.to_dict()
    ver = verify_plan(land, run.assignment, spec, graph=graph)
    assert ver.ok, ver.problems  # k = 3 regions from 2 AMRs, connected, within the bounds
    assert run.assignment.nunique() == 3 and run.violation == 0
    # the fast score is rato_opt's objective, on the plan and on random assignments
    exact = sum(objective_terms(land, run.assignment, spec, graph).values())
    assert run.objective == pytest.approx(exact, abs=1e-12)
    assert run.objective <= run.start_score + 1e-12  # short bursts keep the best plan seen
    scorer = KeepWholeScore(land, spec, graph, ["x", "y", "z"])
    rng = np.random.default_rng(0)
    for _ in range(20):
        region = rng.integers(0, 3, size=len(land.units))
        a = scorer.assignment(region)
        assert scorer.objective(region) == pytest.approx(
            sum(objective_terms(land, a, spec, graph).values()), abs=1e-12)
    # the report's board figures are rato_opt's split metrics
    stats = collaboration_stats(land, run.assignment, spec)
    pupils = unit_weights(land, "pupils_po")
    members = land.layers["boards"].membership()
    total = float(pupils.reindex(members["unit"]).sum())
    assert stats["weight_outside"] == pytest.approx(
        split_cost(land.layers["boards"], run.assignment, pupils) * total)
    regions_per_board = members.assign(region=members["unit"].map(run.assignment)).groupby(
        "collaboration")["region"].nunique()
    assert stats["split"] == int((regions_per_board > 1).sum())
    assert stats["collaborations"] == 5
    inst = Instance("tiny_boards_k3", land, spec, time_limit=1.0)
    rec = score_record(inst, graph, {"assignment": run.assignment.to_dict(),
                                     "reported_objective": run.objective})
    assert rec["verified"] is True and "objective_mismatch" not in rec
    assert rec["boards_split"] == stats["split"]


def test_keep_whole_report_takes_medians_and_judges_the_target():
    from benchmarks.keep_whole import HEADING, TARGET_INSTANCE, render_keep_whole, summarise

    def rec(method, seed, split, verified=True):
        return {"instance": TARGET_INSTANCE, "method": method, "seed": seed, "time_limit": 60.0,
                "boards_split": split, "boards_split_over": split - 1, "boards_collaborations": 749,
                "boards_weight_outside": 1000.0 * split, "objective": split / 1000,
                "bound": 0.03 if method == "rato_opt" else None, "verified": verified}

    recs = [rec("rato_opt", s, n) for s, n in enumerate((100, 90, 95))]
    recs += [rec("gerrychain", s, n) for s, n in enumerate((130, 125, 120))]
    summary = {s["method"]: s for s in summarise(recs)}
    assert summary["rato_opt"]["boards_split"] == 95 and summary["gerrychain"]["boards_split"] == 125
    text = "\n".join(render_keep_whole(recs))
    assert HEADING in text and "0.760" in text and "**MET**" in text  # 95 / 125 = 0.76
    recs[3]["verified"] = False  # an unverified GerryChain plan: the target is not claimed
    assert "**NOT MET**" in "\n".join(render_keep_whole(recs))
    # and the main report carries the section when a run has keep-whole records
    result = {"records": [], "instances": [], "keep_whole": recs, "machine": {}}
    assert HEADING in render(result)


@pytest.mark.parametrize("threshold", [0.0, 0.2])
def test_gerrychain_score_counts_split_boards_like_rato_opt(threshold):
    import dataclasses

    import numpy as np

    from benchmarks.gerrychain_baseline import KeepWholeScore
    from benchmarks.instances import keep_whole_objective
    from rato_opt.assess.metrics import objective_terms
    from rato_opt.landscape.graph import graph_from_landscape

    land = _boards_grid()
    graph = graph_from_landscape(land)
    objective = dataclasses.replace(keep_whole_objective(), split_count=2.0,
                                    split_threshold=threshold)
    spec = RegionSpec(k=3, objective=objective)
    scorer = KeepWholeScore(land, spec, graph, ["x", "y", "z"])
    assert not scorer._fallback  # the fast path, not objective_terms
    rng = np.random.default_rng(1)
    for _ in range(20):
        region = rng.integers(0, 3, size=len(land.units))
        exact = objective_terms(land, scorer.assignment(region), spec, graph)
        assert exact["split_count"] > 0 or exact["split"] == 0
        assert scorer.objective(region) == pytest.approx(sum(exact.values()), abs=1e-12)


def test_keep_whole_section_is_spliced_into_the_report(tmp_path):
    import json

    from benchmarks.keep_whole import HEADING, splice_into

    rec = {"instance": "tiny_60s", "method": "rato_opt", "seed": 0, "boards_split": 3,
           "boards_split_over": 2, "boards_weight_outside": 10.0, "objective": 0.1,
           "verified": True, "description": "a tiny instance", "time_limit": 60}
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.json").write_text(json.dumps(
        {"keep_whole": [rec], "command": "python benchmarks/run.py --suite keep-whole",
         "total_s": 90, "run_dir": "benchmarks/out/x", "loads": [{"loadavg": [1.5, 1, 1]}]}))
    report = tmp_path / "RESULTS.md"
    report.write_text("# results\n\n## Targets\n\nkept\n")
    splice_into(report, run)
    first = report.read_text()
    assert first.startswith("# results\n\n## Targets\n\nkept\n")
    assert HEADING in first and "`tiny_60s`: a tiny instance" in first and "1.5" in first
    splice_into(report, run)  # a second splice replaces the section, it does not add one
    assert report.read_text().count(HEADING) == 1
