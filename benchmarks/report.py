"""Render benchmark results as markdown: machine, results, ratios, progress, targets.

:func:`render` takes the dict :func:`benchmarks.run.run_benchmark` returns (plus
``machine``) and produces ``benchmarks/RESULTS.md``. :func:`targets` evaluates the
issue's targets from the records alone, so the verdicts are always the measured ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

__all__ = ["render", "targets", "ratios", "trace_summary", "RESULT_COLUMNS", "SECTIONS"]

#: Columns of the results table.
RESULT_COLUMNS = (
    "instance",
    "method",
    "status",
    "objective (ours)",
    "verified",
    "k",
    "best bound",
    "gap",
    "first feasible s",
    "proof s",
    "wall s",
    "peak MiB",
    "notes",
)

#: Section headings of the report, in order.
SECTIONS = (
    "## Machine and versions",
    "## Instances",
    "## Results",
    "## Ratios against the baselines",
    "## Solver progress",
    "## Targets",
    "## How it was measured",
)

OURS = "ours_highs"


def _num(x: Any, fmt: str = ".4g") -> str:
    if x is None or (isinstance(x, float) and (math.isnan(x))):
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "∞"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int | float):
        return format(x, fmt)
    return str(x)


def _pct(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{100 * float(x):.2f}%"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    header = list(header)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _by(records: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["instance"], r["method"]): r for r in records}


def _feasible(r: dict | None) -> bool:
    return bool(r) and bool(r.get("verified")) and r.get("objective") is not None


def _verified_text(r: dict) -> str:
    if r.get("assignment") is None and r.get("objective") is None:
        return "no plan"
    if r.get("verified"):
        return "yes"
    bad = [n for n in ("partition", "contiguous", "bounds_ok", "locks_ok") if r.get(n) is False]
    names = {"bounds_ok": "bounds", "locks_ok": "locks", "contiguous": "contiguity"}
    return "NO: " + ", ".join(names.get(b, b) for b in bad)


def _notes(r: dict) -> str:
    bits = []
    if r.get("error"):
        bits.append(r["error"][:220])
    if r.get("note"):
        bits.append(r["note"])
    if r.get("objective_mismatch"):
        bits.append("OBJECTIVE MISMATCH: " + r["objective_mismatch"])
    if r.get("bound_on", "ours") != "ours" and r.get("own_objective") is not None:
        bits.append(
            f"own objective (moment of inertia, km²) {_num(r['own_objective'])}, bound "
            f"{_num(r.get('bound'))}"
        )
    if r.get("problems"):
        bits.append(f"{len(r['problems'])} problem(s), e.g. {r['problems'][0][:140]}")
    if r.get("size", {}).get("constraints"):
        s = r["size"]
        bits.append(f"{s.get('variables', 0):,} vars / {s.get('constraints', 0):,} rows")
    return "; ".join(bits)


def trace_summary(r: dict) -> str:
    """One line on a run's progress trace: first incumbent, gap over time, last state."""
    trace = [ev for ev in (r.get("trace") or []) if isinstance(ev, dict)]
    if not trace:
        return "no trace (the method reports no progress)"
    first = next((ev for ev in trace if ev.get("incumbent") is not None), None)
    parts = [f"{len(trace)} events"]
    if first is not None:
        parts.append(f"first incumbent {_num(first['incumbent'])} at {first['t']:.1f} s")
    limit = float(r.get("time_limit") or 0)
    for frac in (0.1, 0.5):
        t = frac * limit
        before = [ev for ev in trace if ev["t"] <= t]
        if before and limit > 0:
            ev = before[-1]
            parts.append(
                f"at {t:.0f} s: incumbent {_num(ev.get('incumbent'))}, bound "
                f"{_num(ev.get('bound'))}, gap {_pct(ev.get('gap'))}"
            )
    last = trace[-1]
    parts.append(
        f"last ({last['t']:.1f} s): incumbent {_num(last.get('incumbent'))}, bound "
        f"{_num(last.get('bound'))}, gap {_pct(last.get('gap'))}"
    )
    return "; ".join(parts)


def _time_to_gap(r: dict, gap: float) -> float | None:
    """First trace time at which the gap was at most ``gap`` (proof counts)."""
    for ev in r.get("trace") or []:
        g = ev.get("gap")
        if g is not None and g <= gap + 1e-12:
            return float(ev["t"])
    if r.get("gap") is not None and r["gap"] <= gap + 1e-12 and r.get("wall_s") is not None:
        return float(r["wall_s"])
    return None


def ratios(records: list[dict]) -> list[dict]:
    """Baseline / ours ratios per instance (objective and time to proof)."""
    by = _by(records)
    out = []
    for (inst, method), r in by.items():
        if method == OURS:
            continue
        ours = by.get((inst, OURS))
        if ours is None:
            continue
        row: dict[str, Any] = {"instance": inst, "baseline": method}
        o, b = ours.get("objective"), r.get("objective")
        row["objective_ratio"] = None
        row["ours_better_or_equal"] = None
        if o is not None and b is not None:
            row["objective_ratio"] = (b / o) if o > 0 else (math.inf if b > 0 else 1.0)
            row["objective_diff"] = b - o
            if _feasible(r) and _feasible(ours):
                row["ours_better_or_equal"] = o <= b + 1e-9
        why = []
        if not _feasible(ours):
            why.append("ours: " + (_verified_text(ours) if o is not None else str(ours.get("status"))))
        if not _feasible(r):
            why.append(f"baseline: {_verified_text(r) if b is not None else r.get('status')}")
        row["objective_note"] = "; ".join(why)
        po, pb = ours.get("proof_s"), r.get("proof_s")
        limit = float(r.get("time_limit") or ours.get("time_limit") or 0)
        if method.startswith("spopt"):
            row["proof"] = "heuristic: proves nothing"
            row["proof_ratio"] = None
        elif po is None:
            row["proof"] = "ours not proven within the limit"
            row["proof_ratio"] = None
        elif pb is not None:
            row["proof_ratio"] = pb / po
            row["proof"] = f"{pb:.1f} s / {po:.1f} s = {pb / po:.1f}x"
        else:
            row["proof_ratio_lower"] = limit / po if po > 0 else math.inf
            gap = r.get("gap")
            row["proof"] = (
                f"> {limit:.0f} s / {po:.1f} s = > {limit / po:.1f}x (baseline not proven; "
                f"status {r.get('status')}, its own gap at the limit {_pct(gap)})"
            )
            row["proof_ratio"] = None
        out.append(row)
    return out


def targets(records: list[dict]) -> list[tuple[str, str, str]]:
    """Evaluate the issue's targets: (target, verdict MET / NOT MET / NOT MEASURED, figures)."""
    by = _by(records)
    res: list[tuple[str, str, str]] = []

    # 1. real map k=35 tight proven in <= 60 s
    r = by.get(("nl2024_k35_tight", OURS))
    name = "Real map, k = 35, default objective, tight balance: proven optimal (gap ≤ 0.5%) in ≤ 60 s"
    if r is None:
        res.append((name, "NOT MEASURED", "instance nl2024_k35_tight was not run"))
    else:
        t05 = _time_to_gap(r, 0.005)
        ok = r.get("status") == "optimal" and r.get("proof_s") is not None and r["proof_s"] <= 60
        ok = ok or (t05 is not None and t05 <= 60 and _feasible(r))
        res.append(
            (
                name,
                "MET" if ok and _feasible(r) else "NOT MET",
                f"status {r.get('status')}, proof {_num(r.get('proof_s'), '.1f')} s, gap ≤ 0.5% "
                f"reached at {_num(t05, '.1f')} s, final gap {_pct(r.get('gap'))}, wall "
                f"{_num(r.get('wall_s'), '.1f')} s (limit {_num(r.get('time_limit'), '.0f')} s), "
                f"verified {_verified_text(r)}",
            )
        )

    # 2. time to proof >= 10x shorter than naive
    name = "Time-to-proof ≥ 10× shorter than the naive formulation (same instance, same run)"
    lines, verdicts = [], []
    for row in ratios(records):
        if not row["baseline"].startswith("naive"):
            continue
        rn = by[(row["instance"], row["baseline"])]
        if row.get("proof_ratio") is not None:
            v = row["proof_ratio"] >= 10
            verdicts.append(v)
            lines.append(f"{row['instance']}: {row['proof']} → {'met' if v else 'not met'}")
        elif row.get("proof_ratio_lower") is not None:
            v = row["proof_ratio_lower"] >= 10
            verdicts.append(v if v else None)
            lines.append(
                f"{row['instance']}: {row['proof']} → {'met' if v else 'not shown (limit too short)'}"
            )
        else:
            verdicts.append(False if by[(row["instance"], OURS)].get("proof_s") is None else None)
            lines.append(
                f"{row['instance']}: {row['proof']}; naive status {rn.get('status')}, "
                f"its gap {_pct(rn.get('gap'))}"
            )
    if not lines:
        res.append((name, "NOT MEASURED", "no naive run"))
    else:
        verdict = "MET" if verdicts and all(v is True for v in verdicts) else (
            "NOT MET" if any(v is False for v in verdicts) else "PARTLY SHOWN"
        )
        res.append((name, verdict, " · ".join(lines)))

    # 3. objective at least as good as the best spopt heuristic where both feasible
    name = "Objective at least as good as the best spopt heuristic on every instance where both are feasible"
    lines, oks = [], []
    for inst in sorted({i for i, _ in by}):
        ours = by.get((inst, OURS))
        sp = [r for (i, m), r in by.items() if i == inst and m.startswith("spopt") and _feasible(r)]
        if not sp:
            lines.append(f"{inst}: no spopt plan is feasible (contiguity/bounds) — nothing to compare")
            continue
        if not _feasible(ours):
            lines.append(f"{inst}: ours has no verified plan")
            oks.append(False)
            continue
        best = min(sp, key=lambda r: r["objective"])
        ok = ours["objective"] <= best["objective"] + 1e-9
        oks.append(ok)
        lines.append(
            f"{inst}: ours {ours['objective']:.4f} vs best feasible spopt "
            f"({best['method']}) {best['objective']:.4f} → {'met' if ok else 'NOT met'}"
        )
    res.append(
        (name, "NOT MEASURED" if not oks else ("MET" if all(oks) else "NOT MET"), " · ".join(lines))
    )

    # 4a. 1000 units gap <= 2% in <= 120 s
    r = next((v for (i, m), v in by.items() if m == OURS and i.startswith("synthetic_1000")), None)
    name = "1,000 units: gap ≤ 2% in ≤ 120 s"
    if r is None:
        res.append((name, "NOT MEASURED", "no 1,000-unit instance run"))
    else:
        t2 = _time_to_gap(r, 0.02)
        ok = t2 is not None and t2 <= 120 and _feasible(r)
        res.append(
            (
                name,
                "MET" if ok else "NOT MET",
                f"{r['instance']}: gap ≤ 2% first at {_num(t2, '.1f')} s; final status "
                f"{r.get('status')}, gap {_pct(r.get('gap'))} after {_num(r.get('wall_s'), '.1f')} s "
                f"(limit {_num(r.get('time_limit'), '.0f')} s), verified {_verified_text(r)}",
            )
        )

    # 4b. 4000 units
    r = next((v for (i, m), v in by.items() if m == OURS and i.startswith("synthetic_4000")), None)
    name = "4,000 units: verified feasible plan in ≤ 60 s, gap ≤ 3% in ≤ 10 min, peak memory ≤ 4 GiB"
    if r is None:
        res.append((name, "NOT MEASURED", "no 4,000-unit instance run"))
    else:
        t3 = _time_to_gap(r, 0.03)
        ff = r.get("first_feasible_s")
        parts = {
            "feasible ≤ 60 s": ff is not None and ff <= 60 and _feasible(r),
            "gap ≤ 3% ≤ 600 s": t3 is not None and t3 <= 600,
            "peak ≤ 4 GiB": r.get("peak_mib") is not None and r["peak_mib"] <= 4096,
        }
        verdict = "MET" if all(parts.values()) else (
            "PARTLY MET" if any(parts.values()) else "NOT MET"
        )
        res.append(
            (
                name,
                verdict,
                f"{r['instance']}: first feasible at {_num(ff, '.1f')} s "
                f"(final plan verified: {_verified_text(r)}); gap ≤ 3% first at "
                f"{_num(t3, '.1f')} s, final gap {_pct(r.get('gap'))} after "
                f"{_num(r.get('wall_s'), '.1f')} s; peak memory {_num(r.get('peak_mib'), '.0f')} MiB. "
                + ", ".join(f"{k}: {'yes' if v else 'no'}" for k, v in parts.items()),
            )
        )

    # 5. progress visible on long runs
    name = "Solver progress visible on long runs (incumbent, bound, gap over time)"
    long_runs = [
        r for r in records
        if (r["method"].startswith("ours") or r["method"].startswith("naive"))
        and (r.get("wall_s") or 0) >= 10
    ]
    with_trace = [r for r in long_runs if (r.get("n_trace") or 0) >= 2]
    with_bound = [r for r in with_trace if any(ev.get("bound") is not None for ev in r.get("trace") or [])]
    missing = [f"{r['instance']}/{r['method']}" for r in long_runs if r not in with_trace]
    res.append(
        (
            name,
            "MET" if long_runs and len(with_bound) == len(long_runs) else (
                "NOT MEASURED" if not long_runs else "PARTLY MET"
            ),
            f"{len(with_trace)} of {len(long_runs)} solver runs of ≥ 10 s logged ≥ 2 progress events, "
            f"{len(with_bound)} with bounds; traces in benchmarks/out/"
            + (f"; without trace: {', '.join(missing[:8])}" if missing else ""),
        )
    )
    return res


def render(result: dict[str, Any]) -> str:
    """The markdown report of one benchmark run."""
    records: list[dict] = result["records"]
    m = result.get("machine", {})
    v = m.get("versions", {})
    lines = ["# rato_opt benchmark results", ""]
    if result.get("quick"):
        lines += [
            "> **Quick run** (`--quick`): tiny synthetic instance(s) that exercise every code "
            "path. These numbers say nothing about the targets.",
            "",
        ]
    lines += [
        f"Generated by `{result.get('command', 'python benchmarks/run.py')}` on "
        f"{m.get('date_utc', '?')}; total {result.get('total_s', 0) / 60:.1f} min. "
        f"Raw records and progress traces: `{result.get('run_dir', 'benchmarks/out')}/` "
        "(git-ignored).",
        "",
    ]
    if result.get("pending"):
        lines += [
            f"> **Partial run**: still to run when this file was written: "
            f"{', '.join(result['pending'])}.",
            "",
        ]
    if result.get("note"):
        lines += [result["note"], ""]
    if result.get("runs"):
        lines += ["This report merges these runs (all methods of one instance come from one run):", ""]
        lines += _table(
            ["run", "started", "what it ran", "instances", "minutes", "optimiser code"],
            [
                [
                    f"`{r['run_dir']}`", r["date"], r.get("label") or r["command"],
                    ", ".join(r["instances"]), f"{float(r['total_s']) / 60:.1f}",
                    "; ".join(f"{k} {v}" for k, v in r["code"].items()) or "not recorded",
                ]
                for r in result["runs"]
            ],
        )
        lines += [""]
    lines += [SECTIONS[0], ""]
    lines += _table(
        ["item", "value"],
        [
            ["CPU", m.get("cpu")],
            ["cores", m.get("cores")],
            ["RAM", f"{m.get('ram_gib')} GiB"],
            ["platform", m.get("platform")],
            ["python", m.get("python")],
            *[[k, val] for k, val in v.items()],
            *[[f"sha256[:12] {k}", val] for k, val in (result.get("code") or {}).items()],
        ],
    )
    loads = result.get("loads") or []
    busy = sorted({cmd for ld in loads for _, cmd in ld.get("busy", [])})
    load_avgs = [ld.get("loadavg", (None,))[0] for ld in loads if ld.get("loadavg")]
    lines += [
        "",
        "**Shared machine.** "
        + (
            f"Other processes were running during this benchmark: 1-minute load average "
            f"between {min(load_avgs):.1f} and {max(load_avgs):.1f} on {m.get('cores')} cores "
            f"(sampled before the run and after each instance). CPU-heavy processes seen: "
            + ("; ".join(f"`{b}`" for b in busy[:8]) if busy else "none above 20% CPU")
            + ". Wall times are therefore pessimistic and noisy; all methods of one instance "
            "ran back to back under the same conditions."
            if load_avgs
            else "load not recorded."
        ),
        "",
        SECTIONS[1],
        "",
    ]
    lines += _table(
        ["instance", "units", "k", "bounds", "objective", "time limit s", "naive candidates",
         "methods", "notes"],
        [
            [
                i["name"], i["n_units"], i["k"], "; ".join(i["bounds"]), i["objective"],
                f"{i['time_limit']:.0f}",
                "all pairs" if i["naive_candidates"] is None else f"{i['naive_candidates']} nearest",
                ", ".join(i.get("methods", [])),
                " ".join(i["notes"]) or "–",
            ]
            for i in result.get("instances", [])
        ],
    )
    lines += [
        "",
        "Every method of an instance gets the same wall-clock budget (the time limit, model "
        "building included; the solver gets what is left after building). Objective (ours) is "
        "rato_opt's objective computed by `score_plan` from each plan's assignment (lower is "
        "better); *verified* is `verify_plan` (partition, contiguity on the unit graph with the "
        "water links, bounds). Best bound and gap are on our objective for rato_opt, and on the "
        "naive model's own objective (moment of inertia) for the naive baseline.",
        "",
        SECTIONS[2],
        "",
    ]
    rows = []
    for r in records:
        bound = r.get("bound") if r.get("bound_on", "ours") == "ours" else None
        gap = r.get("gap")
        gap_text = _pct(gap) + ("" if r.get("bound_on", "ours") == "ours" or gap is None else " (own obj.)")
        rows.append(
            [
                r["instance"], r["method"], r.get("status"), _num(r.get("objective")),
                _verified_text(r), _num(r.get("n_regions")), _num(bound), gap_text,
                _num(r.get("first_feasible_s"), ".1f"), _num(r.get("proof_s"), ".1f"),
                _num(r.get("wall_s"), ".1f"), _num(r.get("peak_mib"), ".0f"), _notes(r),
            ]
        )
    lines += _table(RESULT_COLUMNS, rows)
    lines += ["", SECTIONS[3], ""]
    rat = ratios(records)
    lines += _table(
        ["instance", "baseline", "objective baseline / ours", "ours ≤ baseline (both feasible)",
         "feasibility", "time to proof baseline / ours"],
        [
            [
                row["instance"], row["baseline"], _num(row.get("objective_ratio")),
                _num(row.get("ours_better_or_equal")), row.get("objective_note") or "both verified",
                row.get("proof", "–"),
            ]
            for row in rat
        ],
    )
    lines += [
        "",
        f"Ours = `{OURS}`. An objective ratio > 1 means the baseline's plan is worse on our "
        "objective. The ratio is shown whenever both methods produced a plan; a plan that "
        "violates contiguity, bounds or k is not a valid answer, so 'ours ≤ baseline' is only "
        "judged when both plans verify. Ratios compare runs of the same benchmark invocation "
        "only.",
        "",
        SECTIONS[4],
        "",
    ]
    lines += _table(
        ["instance", "method", "trace"],
        [
            [r["instance"], r["method"], trace_summary(r) + (f" (`{r['trace_file']}`)" if r.get("trace_file") else "")]
            for r in records
            if not r["method"].startswith("spopt")
        ],
    )
    lines += ["", SECTIONS[5], ""]
    for name, verdict, figures in targets(records):
        lines += [f"- **{verdict}** — {name}. {figures}"]
    if result.get("keep_whole"):  # run.py --suite keep-whole
        from benchmarks.keep_whole import render_keep_whole

        lines += ["", *render_keep_whole(result["keep_whole"])]
    lines += [
        "",
        SECTIONS[6],
        "",
        "- **Isolation and memory.** Each (instance, method) runs in a fresh forked worker "
        "(`benchmarks/measure.py`). Peak memory = max of the worker's `ru_maxrss` (self and "
        "children, e.g. the CBC binary) and the worker tree's resident set polled every 0.2 s "
        "with psutil. A forked worker starts with the parent's pages (Python, geopandas, the "
        "landscape), so the figure includes that base (a few hundred MiB).",
        "- **Time to first feasible.** rato_opt (HiGHS or CBC): first progress callback "
        "carrying an incumbent, i.e. the first plan that passed `verify_plan` (usually the "
        "warm start, reported as soon as it verifies; with CBC, later solutions come from "
        "CBC's log, read while it runs by `rato_opt.optimize.cbclog`). Naive + CBC: the first solution "
        "in the CBC log (same parser), CBC's clock shifted to the run start. Naive + HiGHS: "
        "HiGHS's improving-solution callback. spopt: the end of the heuristic. All times count "
        "from the start of model building.",
        "- **Time to proof.** Wall time from the start of model building until the solver "
        "proved optimality (rato_opt uses a relative gap tolerance of 1e-6); `–` when not "
        "proven within the limit. For the naive model it is the proof for *its own* objective "
        "(moment of inertia), which is what a user of that model would wait for.",
        "- **Naive model** (`benchmarks/baselines.py`): PuLP, Hess p-median assignment with "
        "exactly k centres, weight bounds, single-commodity flow contiguity (arc capacity "
        "M(1 − x_uj + x_vj) for every candidate centre j), minimising population-weighted "
        "squared distance to the centre; solved by `pulp.HiGHS` (highspy) with the same "
        "threads and limit. Its plan is then scored with our objective.",
        "- **spopt** heuristics cluster on z-scored centroid coordinates plus the 0/1 "
        "membership columns of the objective's layers (collaborations with ≥ 2 units; at most "
        "8 principal components per layer; each layer scaled to the variance of one "
        "coordinate), on a `libpysal.weights.W` built from our unit graph (water links "
        "included). Skater/AZP/RegionKMeans are asked for k regions and know no population "
        "bounds; MaxP gets the absolute lower population bound as threshold and chooses k "
        "itself. Their plans are verified like ours; violations are reported, not dropped.",
        "- **Solver threads:** 1 for every solver call.",
    ]
    return "\n".join(lines) + "\n"
