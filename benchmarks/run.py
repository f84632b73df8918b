"""Benchmark the rato_opt optimiser against the baselines a user would use instead.

Usage::

    python benchmarks/run.py [--quick] [--instances NAME ...] [--methods NAME ...]
                             [--time-limit S] [--out benchmarks/RESULTS.md]

Every (instance, method) pair runs in a fresh forked worker with the instance's
time limit as wall-clock budget (model building included); results are scored with
rato_opt's own objective (:func:`rato_opt.assess.plan.score_plan`) and verifier in the
parent. Progress traces go to ``benchmarks/out/`` (git-ignored); the markdown report
(machine, versions, results, ratios, targets) goes to ``--out``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import math
import os
import platform
import re
import sys
import time
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from benchmarks import baselines as bl  # noqa: E402
from benchmarks.instances import Instance, get_instances, instance_names  # noqa: E402
from benchmarks.measure import run_isolated  # noqa: E402

__all__ = ["METHODS", "main", "run_benchmark", "run_method", "machine_info"]

#: Every method, in run order. ``naive_cbc`` exists but is not in the default set.
METHODS = (
    "ours_highs",
    "ours_cbc",
    "naive_highs",
    "spopt_skater",
    "spopt_azp",
    "spopt_region_kmeans",
    "spopt_maxp",
)
EXTRA_METHODS = ("naive_cbc", "naive_highs_allpairs", "ours_highs_cuts")

#: Solver threads for every solver call (same for all methods).
THREADS = 1
#: The naive model is not built above this many constraints (PuLP needs ~1 KB each).
NAIVE_MAX_CONSTRAINTS = 3_000_000

OUT_DIR = _ROOT / "benchmarks" / "out"


# ----------------------------------------------------------------------------- workers
def _progress_recorder(t0: float, events: list[dict]):
    def record(d: dict) -> None:
        events.append({"t": time.perf_counter() - t0, **{k: d.get(k) for k in d}})

    return record


def _work_ours(inst: Instance, graph, solver: str, formulation: str = "flow") -> dict:
    from rato_opt.optimize.model import build_model
    from rato_opt.optimize.pipeline import LARGE_MODEL, propose_regions, solve
    from rato_opt.spec import Budget

    # methods are compared at equal wall time: every stage of ours runs on the clock
    clock = Budget.wall_clock()

    t0 = time.perf_counter()
    events: list[dict] = []
    k = int(inst.spec.k)
    if solver == "highs" and sum(min(i + 1, k) for i in range(inst.n_units)) > LARGE_MODEL:
        # what a user gets from propose_regions: the verified heuristic plan, no MILP
        plan = propose_regions(inst.landscape, inst.spec, graph=graph, solver="highs",
                               time_limit=inst.time_limit, threads=THREADS, budget=clock,
                               progress=_progress_recorder(t0, events))
        return _ours_record(inst, plan, events, t0, model=None, build_s=0.0, log_text="",
                            bound_note="; propose_regions: above LARGE_MODEL, heuristic plan",
                            how="propose_regions progress (heuristic)",
                            formulation=formulation)
    model = build_model(inst.landscape, inst.spec, graph=graph, formulation=formulation)
    build_s = time.perf_counter() - t0
    remaining = max(inst.time_limit - build_s, 1.0)
    log_text = ""
    if solver == "cbc":
        # rato_opt reads CBC's log while it runs (rato_opt.optimize.cbclog): same progress stream
        # as HiGHS; msg=True only to keep the log tail in the record
        buf = io.StringIO()
        with contextlib.redirect_stderr(buf):  # rato_opt writes solver logs to stderr
            plan = solve(model, solver="cbc", time_limit=remaining, threads=THREADS, msg=True,
                         budget=clock, progress=_progress_recorder(t0, events))
        log_text = buf.getvalue()
        how = ("first progress callback with an incumbent (warm start and annealing, then "
               "CBC's log read while it runs)")
    else:
        plan = solve(
            model,
            solver="highs",
            time_limit=remaining,
            threads=THREADS,
            budget=clock,
            progress=_progress_recorder(t0, events),
        )
        how = "first progress callback with an incumbent (includes the warm start)"
    return _ours_record(inst, plan, events, t0, model=model, build_s=build_s, log_text=log_text,
                        bound_note="", how=how,
                        formulation=formulation)


def _ours_record(inst, plan, events, t0, *, model, build_s, log_text, bound_note, how,
                 formulation) -> dict:
    wall = time.perf_counter() - t0
    has_plan = len(plan.assignment) == inst.n_units and bool(plan.assignment.notna().all())
    for ev in events:  # one gap definition everywhere: (incumbent - bound) / |incumbent|
        ev["solver_gap"] = ev.get("gap")
        inc, bnd = ev.get("incumbent"), ev.get("bound")
        ev["gap"] = _gap(inc, bnd)
    bound, gap = plan.bound, plan.gap
    first = next((ev["t"] for ev in events if ev.get("incumbent") is not None), None)
    if first is None and has_plan:
        first, how = wall, "end of solve (no incumbent reported earlier)"
    return {
        "status": plan.status,
        "assignment": plan.assignment.astype(object).where(plan.assignment.notna(), None).to_dict()
        if has_plan
        else None,
        "reported_objective": float(plan.objective) if has_plan else None,
        "bound": bound,
        "gap": gap,
        "bound_on": "ours",
        "build_s": build_s,
        "wall_s": wall,
        "first_feasible_s": first,
        "first_feasible_how": how,
        "proof_s": wall if plan.status == "optimal" else None,
        "trace": events,
        "size": {
            "variables": int(getattr(model, "n_variables", 0)),
            "binaries": int(getattr(model, "n_binaries", 0)),
            "constraints": int(getattr(model, "n_constraints", 0)),
        },
        "note": f"rato_opt {formulation} formulation, {plan.solver}, threads={THREADS}"
        + bound_note,
        "explanation": list(plan.explanation)[:5],
        "solver_log_tail": log_text[-1500:] if log_text else "",
    }


def _gap(inc, bnd) -> float | None:
    if inc is None or bnd is None:
        return None
    return max(0.0, (inc - bnd)) / max(abs(inc), 1e-9)


def _work_naive(inst: Instance, graph, solver: str, log_path: str, candidates) -> dict:
    t0 = time.perf_counter()
    model = bl.build_naive(inst.landscape, inst.spec, graph=graph, candidates=candidates)
    remaining = max(inst.time_limit - model.build_seconds, 1.0)
    res = bl.solve_naive(
        model, solver=solver, time_limit=remaining, threads=THREADS, log_path=log_path, t_start=t0
    )
    return {
        "status": res.status,
        "assignment": None if res.assignment is None else res.assignment.to_dict(),
        "own_objective": res.own_objective,
        "bound": res.bound,
        "gap": res.gap,
        "bound_on": "moment of inertia (naive model's own objective)",
        "build_s": res.build_seconds,
        "wall_s": res.seconds,
        "first_feasible_s": res.first_feasible_seconds,
        "first_feasible_how": res.first_feasible_how,
        "proof_s": res.seconds if res.status == "optimal" else None,
        "trace": res.trace,
        "size": dict(res.size),
        "note": res.note,
    }


def _work_spopt(inst: Instance, graph, method: str) -> dict:
    res = bl.run_spopt(method, inst.landscape, inst.spec, graph=graph)
    return {
        "status": res.status,
        "assignment": None if res.assignment is None else res.assignment.to_dict(),
        "bound": None,
        "gap": None,
        "build_s": 0.0,
        "wall_s": res.seconds,
        "first_feasible_s": res.first_feasible_seconds,
        "first_feasible_how": res.first_feasible_how,
        "proof_s": None,
        "trace": [],
        "note": res.note,
    }


# ----------------------------------------------------------------------------- one run
def _score(inst: Instance, graph, record: dict) -> None:
    """Score the record's assignment with our objective and verifier (in place)."""
    import pandas as pd

    from rato_opt.assess.plan import score_plan

    assignment = record.get("assignment")
    if not assignment:
        record.update(objective=None, verified=False, n_regions=None)
        return
    series = pd.Series(assignment, name="region").reindex(inst.landscape.units.index)
    t = time.perf_counter()
    plan = score_plan(inst.landscape, series, inst.spec, graph=graph)
    ver = plan.verification
    record.update(
        objective=float(plan.objective),
        terms={k: float(v) for k, v in plan.terms.items()},
        n_regions=int(plan.n_regions),
        verified=bool(ver.ok),
        partition=bool(ver.partition),
        contiguous=bool(ver.contiguous),
        bounds_ok=bool(ver.bounds_ok),
        locks_ok=bool(ver.locks_ok),
        problems=list(ver.problems),
        score_s=time.perf_counter() - t,
    )
    rep = record.get("reported_objective")
    if rep is not None and abs(rep - record["objective"]) > 1e-6 * max(1.0, abs(rep)):
        record["objective_mismatch"] = f"solver reported {rep:.6g}, scorer {record['objective']:.6g}"
    if record.get("own_objective") is None and record["method"].startswith("spopt"):
        record["own_objective"] = None


def run_method(inst: Instance, method: str, graph, *, out_dir: Path) -> dict:
    """Run one method on one instance in a fresh worker and score its plan."""
    t_limit = inst.time_limit
    grace = max(30.0, 0.25 * t_limit)
    slug = f"{inst.name}__{method}"
    record: dict[str, Any] = {"instance": inst.name, "method": method, "time_limit": t_limit}
    if method.startswith("ours"):
        solver = "cbc" if method == "ours_cbc" else "highs"
        formulation = "cuts" if method.endswith("_cuts") else "flow"
        out = run_isolated(_work_ours, inst, graph, solver, formulation, wall_limit=t_limit + grace)
        record["solver"] = "CBC" if solver == "cbc" else "HiGHS"
    elif method.startswith("naive"):
        solver = method.split("_")[1]
        candidates = None if method.endswith("_allpairs") else inst.naive_candidates
        size = bl.naive_size(graph, inst.n_units, candidates,
                             bound_rows=bl.bound_rows(inst.landscape.units, inst.spec))
        record["solver"] = "HiGHS" if solver == "highs" else "CBC"
        if size["constraints"] > NAIVE_MAX_CONSTRAINTS:
            out = {
                "status": "not_built",
                "error": (
                    f"not built: the naive model would have {size['constraints']:,} constraints "
                    f"and {size['variables']:,} variables (m={candidates} candidate "
                    f"centres per unit); PuLP holds ~1 KB per constraint, i.e. "
                    f"~{size['constraints'] / 1e6:.0f} GB, above the harness cap of "
                    f"{NAIVE_MAX_CONSTRAINTS:,} constraints"
                ),
                "size": size,
            }
        else:
            log_path = str(out_dir / f"{slug}.log")
            out = run_isolated(_work_naive, inst, graph, solver, log_path, candidates,
                               wall_limit=t_limit + grace)
    elif method.startswith("spopt"):
        name = method.split("_", 1)[1]
        out = run_isolated(_work_spopt, inst, graph, name, wall_limit=t_limit)
        record["solver"] = f"spopt {name}"
    else:
        raise KeyError(f"unknown method {method!r}; known: {METHODS + EXTRA_METHODS}")
    record.update(out)
    if record["status"] == "killed" and method.startswith("spopt"):
        record["error"] = f"no plan within the time limit ({t_limit:.0f} s); " + record["error"]
    _score(inst, graph, record)
    trace = record.get("trace") or []
    if trace:
        path = out_dir / f"{slug}.trace.jsonl"
        with path.open("w") as fh:
            for ev in trace:
                fh.write(json.dumps(ev, default=_json_default) + "\n")
        record["trace_file"] = _rel(path)
    record["n_trace"] = len(trace)
    return record


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(_ROOT))
    except ValueError:
        return str(path)


def _json_default(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)


# ----------------------------------------------------------------------------- machine
def machine_info() -> dict[str, Any]:
    """Cores, memory, CPU model, load and library versions."""
    info: dict[str, Any] = {
        "date_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cores": os.cpu_count(),
    }
    try:
        with open("/proc/cpuinfo") as fh:
            models = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
        info["cpu"] = models[0] if models else platform.processor()
    except OSError:
        info["cpu"] = platform.processor()
    try:
        import psutil

        info["ram_gib"] = round(psutil.virtual_memory().total / 2**30, 1)
        info["psutil"] = psutil.__version__
    except ImportError:
        info["ram_gib"] = None
    info["loadavg"] = os.getloadavg()
    versions = {}
    from importlib import metadata

    for mod in ("pulp", "highspy", "spopt", "libpysal", "networkx", "pandas", "geopandas",
                "numpy", "psutil", "gerrychain", "rustworkx"):
        try:
            versions[mod] = metadata.version(mod)
        except Exception as err:  # pragma: no cover
            versions[mod] = f"unavailable ({type(err).__name__})"
    try:
        import highspy

        h = highspy.Highs()
        versions["HiGHS"] = f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
    except Exception:  # pragma: no cover
        pass
    versions["CBC (COIN_CMD: rato_opt, naive_cbc)"] = _cbc_version("COIN_CMD")
    versions["CBC (bundled with PuLP, unused)"] = _cbc_version("PULP_CBC_CMD")
    try:
        import rato_opt

        versions["rato_opt"] = rato_opt.__version__
    except Exception:  # pragma: no cover
        pass
    info["versions"] = versions
    return info


def _cbc_version(cls: str) -> str:
    import shutil
    import subprocess

    try:
        import pulp

        path = getattr(pulp, cls)().path
        path = shutil.which(path) or path
        out = subprocess.run(
            [path, "-quit"], capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL
        ).stdout
        m = re.search(r"Version:\s*(\S+)", out) or re.search(r"^(CBC [^\n—]*)", out, re.M)
        return (m.group(1).strip() if m else "unknown") + f" ({path})"
    except Exception as err:  # pragma: no cover
        return f"unknown ({type(err).__name__})"


def other_load() -> dict[str, Any]:
    """CPU-heavy processes outside this benchmark (the machine is shared)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover
        return {}
    me = psutil.Process()
    mine = {me.pid, *(c.pid for c in me.children(recursive=True))}
    procs = []
    for p in psutil.process_iter(["pid", "name", "cpu_percent", "cmdline"]):
        p.info["cpu_percent"]  # prime
    time.sleep(1.0)
    for p in psutil.process_iter(["pid", "name", "cpu_percent", "cmdline"]):
        if p.info["pid"] in mine:
            continue
        cpu = p.info["cpu_percent"] or 0.0
        if cpu >= 20.0:
            cmd = " ".join(p.info["cmdline"] or [p.info["name"] or "?"])[:60]
            procs.append((cpu, cmd))
    procs.sort(reverse=True)
    return {"loadavg": os.getloadavg(), "busy": procs[:6]}


# ----------------------------------------------------------------------------- driver
def code_fingerprint() -> dict[str, str]:
    """sha256 (first 12 hex digits) of the optimiser's source files, as loaded for the run."""
    import hashlib

    out = {}
    for name in ("spec", "model", "solve", "heuristic", "anneal", "cbclog", "pmedian", "plan",
                 "metrics", "diagnose"):
        f = _ROOT / "rato_opt" / f"{name}.py"
        if f.is_file():
            out[f"rato_opt/{name}.py"] = hashlib.sha256(f.read_bytes()).hexdigest()[:12]
    return out


def run_benchmark(
    instances: list[Instance],
    methods: tuple[str, ...] | None = None,
    *,
    out_dir: Path = OUT_DIR,
    log=print,
    on_progress=None,
) -> dict[str, Any]:
    """Run every method on every instance; return the records and run metadata.

    ``on_progress(partial_result)`` is called after every instance (e.g. to write a
    partial report).
    """
    # Load the optimiser once, in this process, so every forked worker runs the same code
    # even if the source files change during a long run.
    import rato_opt.assess.plan
    import rato_opt.optimize.model
    import rato_opt.optimize.pipeline  # noqa: F401
    from rato_opt.landscape.graph import graph_from_landscape

    fingerprint = code_fingerprint()
    out_dir.mkdir(parents=True, exist_ok=True)
    records = []
    loads = [other_load()]
    t_start = time.perf_counter()
    done: list[Instance] = []

    def result(partial: bool) -> dict[str, Any]:
        return {
            "records": records,
            "instances": [_instance_info(i) for i in done],
            "pending": [i.name for i in instances if i not in done] if partial else [],
            "loads": loads,
            "total_s": time.perf_counter() - t_start,
            "code": fingerprint,
        }

    for inst in instances:
        graph = graph_from_landscape(inst.landscape, contiguity=inst.spec.contiguity)
        chosen = list(methods) if methods else list(inst.methods or METHODS)
        for method in chosen:
            log(f"[{time.perf_counter() - t_start:7.0f}s] {inst.name} / {method} "
                f"(limit {inst.time_limit:.0f} s) ...")
            rec = run_method(inst, method, graph, out_dir=out_dir)
            rec["instance_description"] = inst.description
            records.append(rec)
            log(
                f"    -> {rec['status']}, objective {_f(rec.get('objective'))}, gap "
                f"{_f(rec.get('gap'))}, wall {_f(rec.get('wall_s'))} s, peak "
                f"{_f(rec.get('peak_mib'))} MiB, verified {rec.get('verified')}"
                + (f" [{rec['error'][:160]}]" if rec.get("error") else "")
            )
            with (out_dir / "records.jsonl").open("a") as fh:
                slim = {k: v for k, v in rec.items() if k not in ("assignment", "trace")}
                fh.write(json.dumps(slim, default=_json_default) + "\n")
        loads.append(other_load())
        done.append(inst)
        if on_progress is not None:
            on_progress(result(partial=inst is not instances[-1]))
    return result(partial=False)


def _instance_info(i: Instance) -> dict[str, Any]:
    return {
        "name": i.name,
        "description": i.description,
        "time_limit": i.time_limit,
        "n_units": i.n_units,
        "k": i.spec.k,
        "bounds": [
            f"{b.column} {b.lower}-{b.upper}{' x mean' if b.relative else ''}"
            for b in i.spec.bounds
        ],
        "objective": _objective_text(i.spec.objective),
        "naive_candidates": i.naive_candidates,
        "notes": list(i.notes),
        "methods": list(i.methods or METHODS),
    }


def _objective_text(o) -> str:
    parts = [f"split {o.split}"]
    if o.split_layers is not None:
        parts.append("layers " + ", ".join(f"{k}:{v:g}" for k, v in o.split_layers.items()))
    if o.split_by:
        parts.append(f"by {o.split_by}")
    if o.compactness:
        parts.append(f"compactness {o.compactness}")
    if o.alignment:
        parts.append(f"alignment {o.alignment} ({o.reference})")
    if o.alliance:
        parts.append(f"alliance {o.alliance}")
    return ", ".join(parts)


def _f(x, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}g}"
    return str(x)


def load_run(run_dir: Path) -> dict[str, Any]:
    """A finished run's result dict, with each record's progress trace read back."""
    with (run_dir / "results.json").open() as fh:
        result = json.load(fh)
    for r in result["records"]:
        tf = r.get("trace_file")
        path = (_ROOT / tf) if tf and not Path(tf).is_absolute() else Path(tf) if tf else None
        if path is not None and path.is_file():
            with path.open() as fh:
                r["trace"] = [json.loads(line) for line in fh if line.strip()]
    return result


def merge_runs(run_dirs: list[Path], labels: list[str] | None = None) -> dict[str, Any]:
    """One report from several finished runs (later runs win for an instance run twice).

    Every instance keeps all its methods from one run, so ratios still compare runs of
    the same invocation; the report lists each run with its date, command and code.
    """
    runs = [load_run(Path(d)) for d in run_dirs]
    owner: dict[str, int] = {}
    for idx, run in enumerate(runs):
        for info in run.get("instances", []):
            owner[info["name"]] = idx
    # keep-whole records (run.py --suite keep-whole): the later run wins per instance too
    kw_owner = {r["instance"]: i for i, run in enumerate(runs) for r in run.get("keep_whole", [])}
    merged: dict[str, Any] = {
        "records": [],
        "instances": [],
        "loads": [],
        "total_s": 0.0,
        "runs": [],
        "machine": runs[-1].get("machine", {}),
        "quick": any(r.get("quick") for r in runs),
        "note": " ".join(r.get("note", "") for r in runs if r.get("note")),
        "command": "; ".join(r.get("command", "") for r in runs),
        "run_dir": ", ".join(r.get("run_dir", "") for r in runs),
    }
    for idx, run in enumerate(runs):
        names = [i["name"] for i in run.get("instances", []) if owner.get(i["name"]) == idx]
        merged["records"] += [r for r in run["records"] if r["instance"] in names]
        merged["instances"] += [i for i in run.get("instances", []) if i["name"] in names]
        merged["loads"] += run.get("loads", [])
        merged["total_s"] += float(run.get("total_s", 0.0))
        merged["runs"].append(
            {
                "run_dir": run.get("run_dir", str(run_dirs[idx])),
                "date": run.get("machine", {}).get("date_utc", "?"),
                "command": run.get("command", "?"),
                "code": run.get("code") or {},
                "label": (labels or [""] * len(runs))[idx] if labels else "",
                "instances": names + sorted({n for n, i in kw_owner.items() if i == idx}),
                "total_s": run.get("total_s", 0.0),
            }
        )
    merged["keep_whole"] = [r for i, run in enumerate(runs) for r in run.get("keep_whole", [])
                            if kw_owner[r["instance"]] == i]
    order = {n: i for i, n in enumerate(instance_names())}
    merged["instances"].sort(key=lambda i: order.get(i["name"], 99))
    merged["records"].sort(key=lambda r: order.get(r["instance"], 99))
    return merged


def main(argv: list[str] | None = None) -> int:
    from benchmarks.report import render

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny synthetic instance(s), < 2 min")
    p.add_argument("--instances", nargs="+", default=None,
                   help=f"instances to run (default all); full set: {instance_names()}")
    p.add_argument("--methods", nargs="+", default=None,
                   help=f"methods (default {list(METHODS)}; also {list(EXTRA_METHODS)})")
    p.add_argument("--time-limit", type=float, default=None,
                   help="override every instance's time limit (seconds)")
    p.add_argument("--out", default=None,
                   help="report file (default benchmarks/RESULTS.md; keep-whole: in its run dir)")
    p.add_argument("--suite", choices=("default", "keep-whole"), default="default",
                   help="keep-whole: rato_opt vs GerryChain ReCom on the school-board split "
                        "(benchmarks/keep_whole.py)")
    p.add_argument("--seeds", nargs="+", type=int, default=None,
                   help="keep-whole suite: seeds (default 0 1 2)")
    p.add_argument("--note", default="", help="free text added to the report header")
    p.add_argument("--render", metavar="RUN_DIR", nargs="+", default=None,
                   help="only re-render the report of finished run(s) (results.json + traces); "
                        "several runs are merged, later ones winning per instance")
    p.add_argument("--run-label", nargs="+", default=None,
                   help="with --render: one label per run directory (e.g. the code it ran)")
    args = p.parse_args(argv)
    if args.suite == "keep-whole" and args.render:
        from benchmarks.keep_whole import splice_into

        report = Path(args.out) if args.out else _ROOT / "benchmarks" / "RESULTS.md"
        splice_into(report, [Path(d) for d in args.render])
        print(f"wrote the keep-whole section of {report} from {', '.join(args.render)}")
        return 0
    if args.suite == "keep-whole" and not args.render:
        from benchmarks.keep_whole import run_suite

        return run_suite(args, argv)
    args.out = args.out or str(_ROOT / "benchmarks" / "RESULTS.md")
    if args.render:
        dirs = [Path(d) for d in args.render]
        result = load_run(dirs[0]) if len(dirs) == 1 else merge_runs(dirs, args.run_label)
        if args.note:
            result["note"] = args.note
        Path(args.out).write_text(render(result))
        print(f"wrote {args.out} from {', '.join(args.render)}")
        return 0
    info = machine_info()
    instances = get_instances(args.instances, quick=args.quick, time_limit=args.time_limit)
    methods = tuple(args.methods) if args.methods else None
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    run_dir = OUT_DIR / stamp
    for n in range(2, 1000):  # two runs started in the same second must not share a folder
        try:
            run_dir.mkdir(parents=True, exist_ok=False)
            break
        except FileExistsError:
            run_dir = OUT_DIR / f"{stamp}_{n}"
    print(f"benchmark: {len(instances)} instance(s); traces in {run_dir}", flush=True)
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])

    def write(result: dict[str, Any]) -> None:
        result["machine"] = info
        result["quick"] = args.quick
        result["note"] = args.note
        result["command"] = command
        result["run_dir"] = _rel(run_dir)
        Path(args.out).write_text(render(result))

    result = run_benchmark(instances, methods, out_dir=run_dir,
                           log=lambda s: print(s, flush=True), on_progress=write)
    write(result)
    with (run_dir / "results.json").open("w") as fh:
        slim = dict(result)
        slim["records"] = [
            {k: v for k, v in r.items() if k not in ("assignment", "trace")}
            for r in result["records"]
        ]
        json.dump(slim, fh, indent=1, default=_json_default)
    print(f"wrote {args.out} ({result['total_s']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
