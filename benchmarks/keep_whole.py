"""Keep collaborations whole: rato_opt against GerryChain's ReCom short bursts.

The suite behind ``python benchmarks/run.py --suite keep-whole``. On every instance of
:func:`benchmarks.instances.keep_whole_instances` (real 2024 map, school-board split
only) and every seed, two methods get the same wall-clock budget in fresh forked
workers (:func:`benchmarks.measure.run_isolated`):

- ``rato_opt``: :func:`rato_opt.propose_regions` with ``Budget.wall_clock(seed)`` and
  ``time_limit`` = the budget;
- ``gerrychain``: :func:`benchmarks.gerrychain_baseline.run_gerrychain` (ReCom from the
  arbeidsmarktregio plan, short bursts of :data:`BURST_LENGTH`) for the same time.

Every plan is then checked in the parent with :func:`rato_opt.verify_plan` and scored
with :func:`rato_opt.assess.metrics.objective_terms` and :func:`collaboration_stats`;
:func:`summarise` takes the median over seeds and :func:`render_keep_whole` writes the
report section (``benchmarks/report.py`` appends it to ``RESULTS.md`` when a run has
keep-whole records).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.measure import run_isolated

__all__ = [
    "METHODS",
    "SEEDS",
    "BURST_LENGTH",
    "TARGET_RATIO",
    "TARGET_INSTANCE",
    "HEADING",
    "collaboration_stats",
    "run_keep_whole",
    "summarise",
    "render_keep_whole",
    "splice_into",
]

METHODS = ("rato_opt", "gerrychain")
SEEDS = (0, 1, 2)
#: GerryChain states per short burst.
BURST_LENGTH = 10
#: Target: boards split by rato_opt / by GerryChain at 60 s on the AMR-range instance.
TARGET_RATIO = 0.8
TARGET_INSTANCE = "nl2024_boards_k35_amr_60s"
#: Share of a collaboration's weight outside its main region above which it is "split > 5%".
SPLIT_SHARE = 0.05
HEADING = "## Keeping collaborations whole: rato_opt vs GerryChain ReCom"
THREADS = 1


# ----------------------------------------------------------------------------- metrics
def collaboration_stats(landscape: Any, assignment: pd.Series, spec: Any, *,
                        layer: str = "boards", share: float = SPLIT_SHARE) -> dict[str, float]:
    """How a plan splits one layer, weighed as ``spec.objective`` weighs its members.

    Parameters
    ----------
    landscape : Landscape
    assignment : Series
        Unit code -> region id.
    spec : RegionSpec
        Its objective's ``split_by`` (and ``split_weight``) weigh the members.
    layer : str, default "boards"
    share : float, default 0.05

    Returns
    -------
    dict
        ``collaborations`` (with weight > 0), ``split`` (any weight outside the main
        region), ``split_over`` (more than ``share`` outside) and ``weight_outside``
        (``sum_c W_c - max_r W_{c,r}``; with ``split_by="pupils_po"`` the pupils outside
        their collaboration's main region).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> from rato_opt.spec import Objective, RegionSpec
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "pupils_po": [10, 1, 5]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, [Layer.from_partition("boards", {"A": "x", "B": "x", "C": "y"})])
    >>> spec = RegionSpec(objective=Objective(split_by="pupils_po"))
    >>> collaboration_stats(land, pd.Series({"A": 1, "B": 2, "C": 2}), spec)
    {'collaborations': 2, 'split': 1, 'split_over': 1, 'weight_outside': 1.0}
    """
    from rato_opt.assess.metrics import unit_weights
    from rato_opt.assess.split import split_table

    weights = unit_weights(landscape, spec.objective.split_by)
    how = getattr(spec.objective, "split_weight", "unit")
    lay = landscape.layers[layer]
    table = (split_table(lay, assignment, weights) if how == "unit"
             else split_table(lay, assignment, weights, split_weight=how))
    total = table["weight"].to_numpy(dtype=float)
    outside = total - table["main_weight"].to_numpy(dtype=float)
    has = total > 0
    # as rato_opt.assess.split.is_split: a relative tolerance of 1e-9 of the total
    return {
        "collaborations": int(has.sum()),
        "split": int((has & (outside > 1e-9 * total)).sum()),
        "split_over": int((has & (outside > (share + 1e-9) * total)).sum()),
        "weight_outside": float(outside.sum()),
    }


# ----------------------------------------------------------------------------- workers
def _work_rato(inst: Any, graph: Any, seed: int) -> dict:
    from rato_opt.optimize.pipeline import propose_regions
    from rato_opt.spec import Budget

    t0 = time.perf_counter()
    events: list[dict] = []

    def record(d: dict) -> None:
        events.append({"t": time.perf_counter() - t0,
                       **{k: d.get(k) for k in ("stage", "incumbent", "bound", "gap")}})

    plan = propose_regions(inst.landscape, inst.spec, graph=graph, time_limit=inst.time_limit,
                           budget=Budget.wall_clock(seed=seed), threads=THREADS, progress=record)
    has_plan = len(plan.assignment) == inst.n_units and bool(plan.assignment.notna().all())
    first = next((ev["t"] for ev in events if ev.get("incumbent") is not None), None)
    return {
        "status": plan.status,
        "assignment": plan.assignment.astype(str).to_dict() if has_plan else None,
        "reported_objective": float(plan.objective) if has_plan else None,
        "bound": plan.bound,
        "gap": plan.gap,
        "wall_s": time.perf_counter() - t0,
        "first_feasible_s": first,
        "trace": events,
        "note": f"propose_regions, Budget.wall_clock(seed={seed}), {plan.solver}, "
                f"threads={THREADS}; stopped by {plan.run.get('stopped_by', '?')}",
    }


def _work_gerrychain(inst: Any, graph: Any, seed: int) -> dict:
    from benchmarks.gerrychain_baseline import run_gerrychain

    run = run_gerrychain(inst.landscape, inst.spec, graph=graph, seed=seed,
                         time_limit=inst.time_limit, burst_length=BURST_LENGTH)
    s = run.settings
    return {
        "status": "heuristic",
        "assignment": run.assignment.to_dict(),
        "reported_objective": run.objective,
        "bound": None,
        "gap": None,
        "wall_s": run.seconds,
        "first_feasible_s": run.first_feasible_seconds,
        "trace": run.trace,
        "states": run.states,
        "note": f"ReCom short bursts of {s['burst_length']} from {s['start_layer']}, seed "
                f"{seed}: {run.states} states, stopped by {run.stopped_by}; pop_target "
                f"{s['pop_target']:.0f}, epsilon {s['epsilon']:.4f} (window "
                f"{s['lower'] or 0:.0f}-{s['upper'] or 0:.0f})",
    }


_WORKERS: dict[str, Callable[..., dict]] = {"rato_opt": _work_rato, "gerrychain": _work_gerrychain}


def score_record(inst: Any, graph: Any, rec: dict) -> dict:
    """Verify and score a record's plan in place (``verified``, ``objective``, stats)."""
    from rato_opt.assess.metrics import objective_terms
    from rato_opt.assess.verify import verify_plan

    assignment = rec.get("assignment")
    if not assignment:
        rec.update(verified=False, objective=None, problems=["no plan"])
        return rec
    series = pd.Series(assignment, dtype=object).reindex(inst.landscape.units.index)
    ver = verify_plan(inst.landscape, series, inst.spec, graph=graph)
    rec["verified"] = bool(ver.ok)
    rec["problems"] = list(ver.problems)[:5]
    rec["objective"] = float(sum(objective_terms(inst.landscape, series, inst.spec,
                                                 graph).values()))
    reported = rec.get("reported_objective")
    if reported is not None and not np.isclose(reported, rec["objective"], rtol=1e-9, atol=1e-12):
        rec["objective_mismatch"] = f"reported {reported!r}, objective_terms {rec['objective']!r}"
    rec.update({f"boards_{k}": v for k, v in
                collaboration_stats(inst.landscape, series, inst.spec).items()})
    units = inst.landscape.units
    if "gemeente" in units.columns and units["gemeente"].nunique() < len(units):
        spans = series.groupby(units["gemeente"].to_numpy()).nunique()
        split = spans[spans > 1].index
        rec["gemeenten_split"] = int(len(split))
        names = units.drop_duplicates("gemeente").set_index("gemeente")["gemeente_name"]
        rec["gemeenten_split_names"] = [str(names.get(g, g)) for g in split]
    return rec


def run_keep_whole(
    instances: Sequence[Any],
    *,
    seeds: Sequence[int] = SEEDS,
    methods: Sequence[str] = METHODS,
    out_dir: Path | None = None,
    log: Callable[[str], None] = print,
    isolate: bool = True,
) -> list[dict]:
    """Run every method for every seed on every instance; return the scored records.

    ``isolate=False`` runs the methods in this process (tests: no fork, no memory
    figures). Records (without plans) are appended to ``out_dir/keep_whole.jsonl``.
    """
    from rato_opt.landscape.graph import graph_from_landscape

    unknown = [m for m in methods if m not in _WORKERS]
    if unknown:
        raise KeyError(f"unknown keep-whole method(s) {unknown}; known: {list(_WORKERS)}")
    records: list[dict] = []
    for inst in instances:
        graph = graph_from_landscape(inst.landscape, contiguity=inst.spec.contiguity)
        for seed in seeds:
            for method in methods:
                log(f"{inst.name} / {method} / seed {seed} (limit {inst.time_limit:.0f} s) ...")
                fn = _WORKERS[method]
                if isolate:
                    rec = run_isolated(fn, inst, graph, seed,
                                       wall_limit=inst.time_limit + max(30.0, 0.25 * inst.time_limit))
                else:
                    rec = fn(inst, graph, seed)
                rec.update(instance=inst.name, method=method, seed=seed,
                           time_limit=inst.time_limit, k=inst.spec.k,
                           description=inst.description)
                score_record(inst, graph, rec)
                records.append(rec)
                log(f"    -> boards split {rec.get('boards_split')} (>5%: "
                    f"{rec.get('boards_split_over')}), objective {rec.get('objective')}, "
                    f"verified {rec.get('verified')}" + (f" [{rec['error'][:160]}]"
                                                         if rec.get("error") else ""))
                if out_dir is not None and rec.get("assignment"):
                    plans = Path(out_dir) / "plans"
                    plans.mkdir(exist_ok=True)
                    pd.Series(rec["assignment"], name="region").rename_axis("code").to_csv(
                        plans / f"{inst.name}_{method}_{seed}.csv")
                if out_dir is not None:
                    with (Path(out_dir) / "keep_whole.jsonl").open("a") as fh:
                        slim = {k: v for k, v in rec.items() if k not in ("assignment", "trace")}
                        fh.write(json.dumps(slim, default=str) + "\n")
    return records


# ----------------------------------------------------------------------------- report
def _median(values: list[Any]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return statistics.median(vals) if vals else None


def summarise(records: Sequence[dict]) -> list[dict]:
    """Median over seeds per (instance, method), in record order."""
    keys: list[tuple[str, str]] = []
    for r in records:
        if (r["instance"], r["method"]) not in keys:
            keys.append((r["instance"], r["method"]))
    out = []
    for inst, method in keys:
        rs = [r for r in records if r["instance"] == inst and r["method"] == method]
        row = {"instance": inst, "method": method, "seeds": len(rs),
               "verified": sum(bool(r.get("verified")) for r in rs),
               "time_limit": rs[0].get("time_limit")}
        for key in ("boards_split", "boards_split_over", "boards_weight_outside", "objective",
                    "bound", "gap", "wall_s", "first_feasible_s", "states", "peak_mib",
                    "gemeenten_split"):
            row[key] = _median([r.get(key) for r in rs])
        row["boards"] = rs[0].get("boards_collaborations")
        row["problems"] = sorted({p for r in rs for p in r.get("problems", []) if p != "no plan"}
                                 | {r["error"][:120] for r in rs if r.get("error")})[:3]
        out.append(row)
    return out


def ratios(summary: Sequence[dict]) -> list[dict]:
    """Per instance: median boards split (and > 5%) of rato_opt over GerryChain's."""
    by = {(s["instance"], s["method"]): s for s in summary}
    out = []
    for inst in dict.fromkeys(s["instance"] for s in summary):
        ours, theirs = by.get((inst, "rato_opt")), by.get((inst, "gerrychain"))
        if ours is None or theirs is None:
            continue
        row: dict[str, Any] = {"instance": inst}
        for key in ("boards_split", "boards_split_over"):
            a, b = ours.get(key), theirs.get(key)
            row[key] = None if a is None or b is None else (a / b if b > 0 else (
                1.0 if a == 0 else float("inf")))
        row["all_verified"] = (ours["verified"] == ours["seeds"]
                               and theirs["verified"] == theirs["seeds"])
        out.append(row)
    return out


def _fmt(x: Any, fmt: str = ".4g") -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "–"
    if isinstance(x, float) and np.isinf(x):
        return "∞"
    return format(x, fmt) if isinstance(x, int | float) else str(x)


def _row(cells: Sequence[Any]) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def target_verdict(summary: Sequence[dict]) -> tuple[str, str]:
    """(``MET`` / ``NOT MET`` / ``NOT MEASURED``, figures) of the ≤ 0.8 target."""
    row = next((r for r in ratios(summary) if r["instance"] == TARGET_INSTANCE), None)
    if row is None or row.get("boards_split") is None:
        return "NOT MEASURED", f"{TARGET_INSTANCE} was not run with both methods"
    ok = row["boards_split"] <= TARGET_RATIO and row["all_verified"]
    by = {(s["instance"], s["method"]): s for s in summary}
    a, b = by[(TARGET_INSTANCE, "rato_opt")], by[(TARGET_INSTANCE, "gerrychain")]
    return ("MET" if ok else "NOT MET",
            f"median boards split rato_opt {_fmt(a['boards_split'])} / GerryChain "
            f"{_fmt(b['boards_split'])} = {_fmt(row['boards_split'], '.3f')} over "
            f"{a['seeds']} seed(s); plans verified {a['verified']}/{a['seeds']} and "
            f"{b['verified']}/{b['seeds']}")


def render_keep_whole(records: Sequence[dict]) -> list[str]:
    """The report section (markdown lines) of keep-whole records."""
    summary = summarise(records)
    lines = [HEADING, "",
             "Real 2024 map (gemeenten; on the instances named `wijken`/`mixed4` the CBS wijken "
             "of 2024, all or for the four big cities, with pupils and board memberships per "
             "wijk estimated from the gemeente by the share of children aged 0-15), objective "
             "`Objective(split=1, split_layers={\"boards\": 1}, "
             "split_by=\"pupils_po\", compactness=0, alignment=0)` unless the instance list "
             "below says otherwise. Both methods get the same "
             "wall time per seed in a fresh worker: rato_opt `propose_regions(..., "
             "budget=Budget.wall_clock(seed), time_limit=T)`; GerryChain "
             f"(`benchmarks/gerrychain_baseline.py`) ReCom short bursts of {BURST_LENGTH} "
             "states from the arbeidsmarktregio plan, ReCom's population window set to exactly "
             "our bounds, minimising the same objective. Figures are medians over seeds; "
             "*boards split*: school boards with any member pupils outside their main region "
             f"(and with more than {SPLIT_SHARE:.0%} outside); *pupils outside*: member pupils "
             "(`pupils_po` of the member gemeenten, as the objective weighs them) outside "
             "their board's main region. *Verified*: plans passing `verify_plan` over seeds. "
             "GerryChain proves no bound.", ""]
    described = {r["instance"]: r.get("description", "") for r in records}
    lines += ["Instances:", ""] + [f"- `{k}`: {v}" for k, v in described.items()] + [""]
    lines.append(_row(["instance", "method", "boards split", "split > 5%", "pupils outside",
                       "objective", "bound", "gap", "verified", "first feasible s", "wall s",
                       "peak MiB", "gemeenten split", "GerryChain states", "notes"]))
    lines.append("|" + "---|" * 15)
    for s in summary:
        lines.append(_row([
            s["instance"], s["method"],
            _fmt(s["boards_split"]) + (f" of {s['boards']}" if s.get("boards") else ""),
            _fmt(s["boards_split_over"]), _fmt(s["boards_weight_outside"], ",.0f"),
            _fmt(s["objective"]), _fmt(s["bound"]),
            "–" if s["gap"] is None else f"{100 * s['gap']:.1f}%",
            f"{s['verified']}/{s['seeds']}", _fmt(s["first_feasible_s"], ".1f"),
            _fmt(s["wall_s"], ".1f"), _fmt(s["peak_mib"], ".0f"), _fmt(s["gemeenten_split"], ".0f"),
            _fmt(s["states"], ".0f"), "; ".join(s["problems"]) or "–",
        ]))
    lines += ["", _row(["instance", "boards split rato_opt / GerryChain",
                        "split > 5% rato_opt / GerryChain", "all plans verified"]),
              "|---|---|---|---|"]
    for r in ratios(summary):
        lines.append(_row([r["instance"], _fmt(r["boards_split"], ".3f"),
                           _fmt(r["boards_split_over"], ".3f"),
                           "yes" if r["all_verified"] else "NO"]))
    verdict, figures = target_verdict(summary)
    lines += ["", f"- **{verdict}** — boards split rato_opt / GerryChain ≤ {TARGET_RATIO} at "
              f"60 s on the AMR-range instance ({TARGET_INSTANCE}). {figures}.", ""]
    lines += ["Per seed:", "", _row(["instance", "method", "seed", "boards split", "split > 5%",
                                      "pupils outside", "objective", "verified", "notes"]),
              "|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        lines.append(_row([r["instance"], r["method"], r.get("seed"), _fmt(r.get("boards_split")),
                           _fmt(r.get("boards_split_over")),
                           _fmt(r.get("boards_weight_outside"), ",.0f"),
                           _fmt(r.get("objective")), "yes" if r.get("verified") else "NO",
                           r.get("note") or r.get("error", "")]))
    return lines + [""]


def splice_into(report: Path, run_dirs: Path | Sequence[Path]) -> None:
    """Put the keep-whole section of finished runs into ``report`` (e.g. ``RESULTS.md``).

    With several runs, all records of an instance come from the last run that has it.
    The section replaces an earlier keep-whole section of the report, or is appended;
    the rest of the report is kept as it is. It starts with each run's command, length,
    machine load and folder, so every figure can be traced to one run.
    """
    dirs = [Path(run_dirs)] if isinstance(run_dirs, str | Path) else [Path(d) for d in run_dirs]
    owner: dict[str, int] = {}
    results = [json.loads((d / "results.json").read_text()) for d in dirs]
    for i, result in enumerate(results):
        for r in result["keep_whole"]:
            owner[r["instance"]] = i
    records = [r for i, result in enumerate(results) for r in result["keep_whole"]
               if owner[r["instance"]] == i]
    section = render_keep_whole(records)
    meta = []
    for i, (d, result) in enumerate(zip(dirs, results, strict=True)):
        mine = sorted({r["instance"] for r in records if owner[r["instance"]] == i})
        if not mine:
            continue
        loads = " / ".join(
            f"{x['loadavg'][0]:.1f} ({len(x.get('busy', []))} other busy processes)"
            for x in result.get("loads", []) if isinstance(x, dict) and x.get("loadavg"))
        meta.append(f"- `{result.get('command', '?')}` ({result.get('total_s', 0) / 60:.1f} min; "
                    f"run folder `{result.get('run_dir', d)}`, git-ignored; load average at "
                    f"start and end: {loads or '–'}): {', '.join(mine)}")
    section = [section[0], "", "Generated by:", "", *meta, "", *section[2:]]
    text = report.read_text() if report.exists() else ""
    start = text.find(HEADING)
    if start >= 0:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + "\n".join(section) + ("" if end < 0 else text[end:])
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(section)
    report.write_text(text)


# ----------------------------------------------------------------------------- suite
def run_suite(args: Any, argv: Sequence[str] | None = None) -> int:
    """``run.py --suite keep-whole``: run, write ``results.json`` and the report.

    ``args`` are ``run.py``'s parsed arguments: ``instances`` (shapes or full names),
    ``methods``, ``seeds``, ``time_limit`` (overrides 60 s / 300 s), ``quick`` (60 s
    only), ``out`` (default ``<run dir>/keep_whole.md``, never ``RESULTS.md`` unless
    asked), ``note``.
    """
    import datetime as dt
    import sys

    from benchmarks.instances import KEEP_WHOLE_TIMES, keep_whole_instances
    from benchmarks.report import render
    from benchmarks.run import OUT_DIR, code_fingerprint, machine_info, other_load

    times = ((args.time_limit,) if args.time_limit else
             KEEP_WHOLE_TIMES[:1] if args.quick else KEEP_WHOLE_TIMES)
    instances = keep_whole_instances(args.instances, time_limits=times)
    methods = tuple(args.methods or METHODS)
    seeds = tuple(args.seeds if args.seeds is not None else SEEDS)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    run_dir = OUT_DIR / f"{stamp}_keep_whole"
    for n in range(2, 1000):  # two runs started in the same second must not share a folder
        try:
            run_dir.mkdir(parents=True, exist_ok=False)
            break
        except FileExistsError:
            run_dir = OUT_DIR / f"{stamp}_keep_whole_{n}"
    out = Path(args.out) if args.out else run_dir / "keep_whole.md"
    argv = list(sys.argv[1:] if argv is None else argv)
    info = machine_info()
    loads = [other_load()]
    t0 = time.perf_counter()
    print(f"keep-whole: {len(instances)} instance(s) x {len(seeds)} seed(s) x {list(methods)}; "
          f"records in {run_dir}", flush=True)
    records = run_keep_whole(instances, seeds=seeds, methods=methods, out_dir=run_dir,
                             log=lambda s: print(s, flush=True))
    loads.append(other_load())
    slim = [{k: v for k, v in r.items() if k not in ("assignment", "trace")} for r in records]
    result = {
        "records": [], "instances": [], "keep_whole": slim, "loads": loads,
        "total_s": time.perf_counter() - t0, "code": code_fingerprint(), "machine": info,
        "quick": False, "note": args.note or "",
        "command": "python benchmarks/run.py " + " ".join(argv),
        "run_dir": str(run_dir.relative_to(OUT_DIR.parent.parent))
        if run_dir.is_relative_to(OUT_DIR.parent.parent) else str(run_dir),
    }
    with (run_dir / "results.json").open("w") as fh:
        json.dump(result, fh, indent=1, default=str)
    out.write_text(render(result))
    for line in summarise_lines(slim):
        print(line, flush=True)
    print(f"wrote {out} ({result['total_s']:.0f} s)", flush=True)
    return 0


def summarise_lines(records: Sequence[dict]) -> list[str]:
    """One line per (instance, method): the medians, for the console."""
    return [f"{s['instance']} / {s['method']}: boards split {_fmt(s['boards_split'])} (>5% "
            f"{_fmt(s['boards_split_over'])}), pupils outside {_fmt(s['boards_weight_outside'])}"
            f", objective {_fmt(s['objective'])}, bound {_fmt(s['bound'])}, verified "
            f"{s['verified']}/{s['seeds']}" for s in summarise(records)]
