"""Command line interface: ``rato-opt demo | run | compare | proposals | alternatives | tradeoff``.

``rato-opt demo [--out DIR] [--json] [--seed N] [--time-limit S]`` analyses the
landscape of the embedded default (a seeded synthetic country, no data files
needed), proposes regions and writes maps (PNG) and tables (CSV) to ``DIR``. With
``--json`` a machine-readable summary goes to stdout; its numbers come from the same
tables that are written.

``rato-opt run SCENARIO.toml --out DIR [--json] [--seed N]`` runs a scenario file.
``rato-opt compare PLAN... --out DIR [--json]`` compares plans.
``rato-opt proposals SCENARIO.toml TABLE --out DIR [--boards LAYER] [--accept IDS]`` checks
regions' own proposals (conflicts, gaps, rule breaks) and completes them into a covering
plan, explained per proposal.
``rato-opt alternatives SCENARIO.toml --out DIR [--n N] [--within X] [--distance
units_moved|ari] [--min-distance D]`` writes the best plan and distinct alternatives
nearly as good (``alternatives.csv``, ``alternative_distances.csv``, ``alternatives.png``).
``rato-opt tradeoff SCENARIO.toml --out DIR [--terms x,y] [--points N] [--weights
0.1:0.9,0.5:0.5]`` writes a trade-off curve of two objective terms (``tradeoff.csv``,
``tradeoff.png``). Both take their defaults from the scenario's ``[alternatives]`` /
``[tradeoff]`` table (see :mod:`rato_opt.workflow.scenario_extras`).

``run`` and ``proposals`` take ``--funds-base AMOUNT``, ``--funds-per COLUMN=RATE``
(repeatable) and ``--funds-total AMOUNT`` (merged over the scenario's ``[funds]``: the
allocation is exported with the plan) and ``--factsheets`` (``factsheets.pdf``, one page
per region).

Progress: ``run``, ``proposals``, ``alternatives`` and ``tradeoff`` print one line per
progress event on stderr (``rato-opt: run NAME: stage anneal, best 0.1234, bound 0.0500,
gap 59.5%, 12 s``; at most one every 2 s, and one per trade-off point); ``--quiet``
switches them off. Standard output is never used for them.

Runs are reproducible: the solve is budgeted in work (:class:`rato_opt.spec.Budget`;
a scenario's ``[solver]`` table), so the same input and ``--seed`` (default: 0 for
the demo, the scenario's ``solver.seed`` for ``run``) give the same plan on any
machine. ``--time-limit`` (and a scenario's ``solver.time_limit``) is only a
wall-clock cap; a run that hit it says so. ``summary.json`` and the ``--json``
output hold the run record under ``"run"``: ``seed``, ``budget``, ``time_limit``,
``deterministic``, ``stopped_by``, ``versions`` (library and solver versions).

Exit codes: 0 done; 2 bad input (one line on stderr saying what was given, what
is expected and how to fix it; ``--out``, ``--time-limit`` and ``--seed`` are
checked before any data are loaded); 1 an operating-system error (disk full, permission);
130 interrupted (Ctrl-C): a solve that was interrupted still writes its best
verified plan so far (status ``"interrupted"``), atomically, and one line on
stderr says whether a plan was written. With ``--json`` stdout holds the JSON
summary only; everything else (solver output included) goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "demo"]

#: Number of regions the demo proposes on the embedded default.
DEMO_K = 12
DEMO_TIME_LIMIT = 60.0


def demo_spec(landscape):
    """The region specification the demo uses on the embedded default.

    ``DEMO_K`` regions, population between half and twice the mean, an
    objective that keeps RAP-po, RAP-vo and SO&P partnerships together
    (weighted by po pupils), aligns with the arbeidsmarktregio's and keeps
    regions compact, and prefers regions inside one regional alliance.
    """
    from ..spec import Bound, Objective, RegionSpec

    layers = set(landscape.layers)
    split_layers = {name: 1.0 for name in ("rap_po", "rap_vo", "sop") if name in layers}
    return RegionSpec(
        k=DEMO_K,
        bounds=(Bound("population", lower=0.5, upper=2.0, relative=True),),
        objective=Objective(
            split=1.0,
            split_layers=split_layers,
            split_by="pupils_po" if "pupils_po" in landscape.units else None,
            compactness=0.5,
            alignment=0.5 if "amr" in layers else 0.0,
            reference="amr" if "amr" in layers else None,
            alliance=0.25 if "alliance" in layers else 0.0,
            alliance_layer="alliance" if "alliance" in layers else None,
        ),
    )


def demo(out: str | Path | None = None, *, time_limit: float = DEMO_TIME_LIMIT,
         solver: str = "highs", seed: int = 0) -> dict[str, Any]:
    """Run the landscape analysis and a region proposal on the embedded default.

    The proposal uses the default work budget (:class:`rato_opt.spec.Budget`), so two
    runs with the same ``seed`` write the same plan, whatever the machine's load.

    Parameters
    ----------
    out : path-like, optional
        Output directory for maps (PNG) and tables (CSV); a temporary
        directory when omitted.
    time_limit : float, default 60
        Wall-clock cap on the solve in seconds (the work budget normally ends it
        well before; a plan that hit the cap says so in ``run``).
    solver : {"highs", "cbc"}
        MILP solver.
    seed : int, default 0
        Seed of the solve (heuristic starts, annealing, solver).

    Returns
    -------
    dict
        The summary printed by ``--json``. ``white_spots`` is the number of
        witte vlekken: units covered by no collaboration of the layers
        ``white_spot_layers`` (RAP-po, RAP-vo, SO&P); ``white_spots.csv``, the
        ``white_spot`` column of ``coverage.csv``, ``white_spots.png`` and the
        console use the same definition. ``run`` is the plan's run record
        (``seed``, ``budget``, ``time_limit``, ``deterministic``, ``stopped_by``,
        ``versions`` ...; see :class:`rato_opt.assess.plan.Plan`).

    Raises
    ------
    InputError
        ``time_limit`` is not a number of seconds > 0, ``seed`` is not a whole
        number >= 0, or ``out`` cannot be an output directory (checked before any
        work).
    """
    from .._util import atomic_output, check_output_dir, json_ready, normal_mode

    _check_time_limit(time_limit, "time_limit")
    seed = _check_seed(seed, "seed")
    if out is not None:
        check_output_dir(out)
        out_dir = Path(out)
    else:
        out_dir = Path(tempfile.mkdtemp(prefix="rato_demo_"))
        normal_mode(out_dir, directory=True)  # mkdtemp makes 0700; respect the umask
    with atomic_output(out_dir) as tmp:
        result = _demo_into(tmp, time_limit=time_limit, solver=solver, seed=seed)
        result["out"] = str(out_dir.absolute())
        with open(tmp / "summary.json", "w", encoding="utf-8") as fh:
            json.dump(json_ready(result), fh, indent=2)
    return json_ready(result)


def _check_time_limit(value: Any, what: str) -> float:
    """Return ``value`` as seconds, or raise unless it is a finite number > 0."""
    from ..exceptions import InputError

    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value <= 0:
        example = f"{what} {DEMO_TIME_LIMIT:g}" if what.startswith("--") else (
            f"{what}={DEMO_TIME_LIMIT:g}")
        raise InputError(f"{what} must be a number of seconds > 0, got {value!r}; "
                         f"e.g. {example}")
    return float(value)


def _check_seed(value: Any, what: str) -> int:
    """Return ``value`` as a seed, or raise unless it is a whole number >= 0.

    Accepts an int or (from the command line) a string of digits.
    """
    from ..exceptions import InputError

    seed: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        seed = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        seed = int(value.strip())
    if seed is None or seed < 0:
        example = f"{what} 1" if what.startswith("--") else f"{what}=1"
        raise InputError(f"{what} must be a whole number >= 0, got {value!r}; e.g. {example} "
                         "(the same seed gives the same plan)")
    return seed


def _demo_landscape_into(out_dir: Path, land) -> dict[str, Any]:
    """Write the demo's landscape tables and maps into ``out_dir``; return their summary.

    One definition of the witte vlekken serves the table ``white_spots.csv``, the
    ``white_spot`` column of ``coverage.csv``, the map ``white_spots.png`` and the
    returned ``white_spots`` count: units no collaboration of
    :func:`_collab_layers` (RAP-po, RAP-vo, SO&P) covers.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..landscape.coverage import coverage_table, layer_summary, white_spots
    from ..maps import plotting

    spot_layers = _collab_layers(land)
    summary = layer_summary(land)
    coverage = coverage_table(land, white_spot_layers=spot_layers)
    spots = white_spots(land, layers=spot_layers)
    summary.to_csv(out_dir / "layer_summary.csv")
    coverage.to_csv(out_dir / "coverage.csv")
    spots.to_csv(out_dir / "white_spots.csv")

    for name in land.layers:
        fig, ax = plt.subplots(figsize=(8, 9))
        plotting.plot_layer(land, name, ax=ax)
        _save_png(fig, out_dir / f"layer_{name}.png")
    if "sop" in land.layers:
        fig, ax = plt.subplots(figsize=(8, 9))
        plotting.plot_multiplicity(land, "sop", ax=ax)
        _save_png(fig, out_dir / "multiplicity_sop.png")
    fig, ax = plt.subplots(figsize=(8, 9))
    plotting.plot_white_spots(land, layers=spot_layers, ax=ax)
    _save_png(fig, out_dir / "white_spots.png")

    layers = {
        name: {
            "collaborations": int(summary.loc[name, "collaborations"]),
            "covered_share": float(summary.loc[name, "covered_share"]),
            "units_covered": int(summary.loc[name, "units_covered"]),
        }
        for name in land.layers
    }
    return {
        "landscape": land.name,
        "units": len(land.units),
        "layers": layers,
        "white_spots": len(spots),
        "white_spot_layers": spot_layers,
    }


def _demo_into(out_dir: Path, *, time_limit: float, solver: str, seed: int = 0
               ) -> dict[str, Any]:
    """Write the demo's tables and maps into ``out_dir``; return the summary."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..landscape.graph import graph_from_landscape
    from ..maps import plotting
    from ..optimize.pipeline import propose_regions
    from ..sources.synthetic import load_default
    from ..spec import Budget

    started = time.perf_counter()
    land = load_default()
    graph = graph_from_landscape(land)
    landscape_part = _demo_landscape_into(out_dir, land)

    spec = demo_spec(land)
    plan = propose_regions(land, spec, graph=graph, solver=solver, time_limit=time_limit,
                           budget=Budget(seed=seed))
    plan.assignment.to_frame().to_csv(out_dir / "plan_assignment.csv")
    plan.regions.to_csv(out_dir / "plan_regions.csv")
    if len(plan.assignment):
        fig, ax = plt.subplots(figsize=(8, 9))
        status = _STATUS_NL.get(plan.status, plan.status)
        if plan.status == "feasible" and plan.gap is not None:
            status += f", gap {plan.gap:.0%}"
        plotting.plot_regions(
            land.units, plan.assignment, ax=ax, graph=graph,
            names=plan.regions["name"].to_dict(),
            title=f"Voorstel: {plan.n_regions} onderwijsregio's ({status})",
            credit=land.credit, note=plan.split_note().replace("; ", "\n") or None,
        )
        _save_png(fig, out_dir / "plan_regions.png")

    plan_summary = plan.summary()
    return {
        **landscape_part,
        **{key: plan_summary[key] for key in (
            "regions", "status", "objective", "bound", "gap", "seconds", "contiguous",
            "covered_share", "terms")},
        "verified": bool(plan.verification.ok),
        "run": plan_summary["run"],
        "files": sorted([p.name for p in out_dir.iterdir()] + ["summary.json"]),
        "elapsed": time.perf_counter() - started,
    }


_STATUS_NL = {
    "optimal": "bewezen optimaal",
    "feasible": "toegelaten, niet bewezen optimaal",
    "interrupted": "onderbroken, beste plan tot dan",
    "infeasible": "onmogelijk",
    "not_solved": "niet opgelost",
}


def _collab_layers(land) -> list[str]:
    """Layers of today's collaborations (RAP, SO&P) whose gaps are witte vlekken."""
    names = [n for n in ("rap_po", "rap_vo", "sop") if n in land.layers]
    return names or list(land.layers)


def _save_png(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rato-opt",
        description="Form onderwijsregio's from overlapping collaboration layers.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="analyse and propose regions on the embedded default")
    p_demo.add_argument("--out", default=None, help="output directory (default: a temp dir)")
    p_demo.add_argument("--json", action="store_true", help="print a JSON summary to stdout")
    p_demo.add_argument("--time-limit", type=float, default=DEMO_TIME_LIMIT,
                        help=f"wall-clock cap on the solve in seconds (default "
                             f"{DEMO_TIME_LIMIT:g}); the work budget normally ends it first")
    p_demo.add_argument("--solver", choices=("highs", "cbc"), default="highs")
    p_demo.add_argument("--seed", default="0", metavar="N",
                        help="seed of the solve (default 0); same seed, same plan")

    p_run = sub.add_parser("run", help="run a scenario file (TOML)")
    p_run.add_argument("scenario", help="scenario TOML file")
    p_run.add_argument("--out", required=True, help="output directory")
    p_run.add_argument("--json", action="store_true", help="print a JSON summary to stdout")
    p_run.add_argument("--seed", default=None, metavar="N",
                       help="seed of the solve, replacing the scenario's solver.seed")
    _plan_options(p_run)

    p_cmp = sub.add_parser("compare", help="compare two or more plans")
    p_cmp.add_argument("plans", nargs="+", help="plan files (CSV/GeoPackage/GeoJSON exports)")
    p_cmp.add_argument("--out", required=True, help="output directory")
    p_cmp.add_argument("--json", action="store_true", help="print a JSON summary to stdout")

    p_prop = sub.add_parser("proposals", help="check regions' proposals and complete them "
                            "into a national plan")
    p_prop.add_argument("scenario", help="scenario TOML file (landscape, bounds, objective, "
                        "solver budget)")
    p_prop.add_argument("proposals", help="CSV/XLSX table: proposal, unit (gemeente code) "
                        "[, name]; or proposal, board [, name] with --boards")
    p_prop.add_argument("--out", required=True, help="output directory")
    p_prop.add_argument("--boards", default=None, metavar="LAYER",
                        help="the table lists school boards of this board layer (e.g. boards)")
    p_prop.add_argument("--accept", default="", metavar="IDS",
                        help="comma-separated proposal ids accepted as submitted (locked)")
    p_prop.add_argument("--json", action="store_true", help="print a JSON summary to stdout")
    p_prop.add_argument("--seed", default=None, metavar="N",
                        help="seed of the solve, replacing the scenario's solver.seed")
    _plan_options(p_prop)

    p_alt = sub.add_parser("alternatives", help="the best plan and distinct alternatives "
                           "nearly as good")
    p_alt.add_argument("scenario", help="scenario TOML file")
    p_alt.add_argument("--out", required=True, help="output directory")
    p_alt.add_argument("--n", default=None, metavar="N",
                       help="plans wanted, the best included (default alternatives.n, 3)")
    p_alt.add_argument("--within", default=None, metavar="X",
                       help="share above the best objective allowed (default 0.05)")
    p_alt.add_argument("--distance", default=None, choices=("units_moved", "ari"),
                       help="distance between plans (default units_moved)")
    p_alt.add_argument("--min-distance", default=None, metavar="D",
                       help="least distance between two plans (default 5%% of the units)")
    _common(p_alt)

    p_trade = sub.add_parser("tradeoff", help="a trade-off curve of two objective terms")
    p_trade.add_argument("scenario", help="scenario TOML file")
    p_trade.add_argument("--out", required=True, help="output directory")
    p_trade.add_argument("--terms", default=None, metavar="X,Y",
                         help="two objective terms (default alignment,split)")
    p_trade.add_argument("--points", default=None, metavar="N",
                         help="number of weight ratios scanned (default 5)")
    p_trade.add_argument("--weights", default=None, metavar="WX:WY,...",
                         help="weight pairs, e.g. 0.1:0.9,0.5:0.5 (instead of --points)")
    _common(p_trade)
    return parser


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", default=None, metavar="N",
                   help="seed of the solve, replacing the scenario's solver.seed")
    p.add_argument("--json", action="store_true", help="print a JSON summary to stdout")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _plan_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--funds-base", default=None, metavar="AMOUNT",
                   help="funds: amount every region receives (funds.base_per_region)")
    p.add_argument("--funds-per", action="append", default=[], metavar="COLUMN=RATE",
                   help="funds: amount per unit of a weight column, e.g. pupils_po=12.5 "
                        "(repeatable; funds.per_weight)")
    p.add_argument("--funds-total", default=None, metavar="AMOUNT",
                   help="funds: distribute exactly this total (funds.total)")
    p.add_argument("--factsheets", action="store_true",
                   help="write factsheets.pdf: one page per region")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``rato-opt``; returns the exit code (0, 1, 2 or 130; see the module)."""
    state: dict[str, Any] = {"written": None}
    try:
        return _main(argv, state)
    except KeyboardInterrupt:
        where = (f"outputs were written to {state['written']}" if state["written"]
                 else "no output was written")
        _say(f"interrupted; {where}")
        return 130


def _say(message: str) -> None:
    """One line on stderr."""
    print("rato-opt: " + " ".join(str(message).split()), file=sys.stderr, flush=True)


def _main(argv: Sequence[str] | None, state: dict[str, Any]) -> int:
    from .._util import check_output_dir, json_ready
    from ..exceptions import RatoOptError

    args = _parser().parse_args(argv)
    out = None
    try:
        # cheap checks first: a bad --out or --time-limit must not wait for a solve
        if args.out is not None:
            out = check_output_dir(args.out, what="--out")
        if args.command == "demo":
            _check_time_limit(args.time_limit, "--time-limit")
        seed = None
        if getattr(args, "seed", None) is not None:
            seed = _check_seed(args.seed, "--seed")
        from .commands import command_options

        opts = command_options(args)
    except RatoOptError as err:
        _say(f"error: {err}")
        return 2
    progress = None
    if not getattr(args, "quiet", True):
        from .commands import ProgressPrinter

        progress = ProgressPrinter(f"{args.command} {Path(args.scenario).stem}")
    try:
        with _stdout_to_stderr(args.json):
            if args.command == "demo":
                result = demo(args.out, time_limit=args.time_limit, solver=args.solver,
                              seed=seed)
            elif args.command == "run":
                from .run import run_scenario_file

                result = run_scenario_file(args.scenario, out, seed=seed,
                                           progress=progress, **opts)
            elif args.command == "proposals":
                from .proposals_run import proposals_command

                result = proposals_command(args.scenario, args.proposals, out,
                                           boards=args.boards, accept=args.accept, seed=seed,
                                           progress=progress, **opts)
            elif args.command == "alternatives":
                from .commands import alternatives_command

                result = alternatives_command(args.scenario, out, seed=seed,
                                              progress=progress, **opts)
            elif args.command == "tradeoff":
                from .commands import tradeoff_command

                result = tradeoff_command(args.scenario, out, seed=seed,
                                          progress=progress, **opts)
            else:
                from .run import compare_plan_files

                result = compare_plan_files(args.plans, out)
    except RatoOptError as err:
        _say(f"error: {err}")
        return 2
    except OSError as err:
        _say(f"error: {err}")
        return 1
    result = json_ready(result)
    state["written"] = result.get("out") or result.get("out_dir")
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
        sys.stdout.flush()
    else:
        _print_human(args.command, result)
    if result.get("status") == "interrupted":
        if result.get("regions"):
            _say(f"interrupted: best verified plan so far written to {state['written']}")
        else:
            _say("interrupted: no plan was found before the interruption; the summary is "
                 f"written to {state['written']}")
        return 130
    return 0


@contextlib.contextmanager
def _stdout_to_stderr(active: bool) -> Iterator[None]:
    """While active, send everything meant for stdout to stderr, Python and C alike.

    With ``--json`` stdout must hold the JSON summary only, but solvers (HiGHS, CBC)
    print banners and logs from C straight to file descriptor 1: that descriptor is
    pointed at stderr for the duration, and ``sys.stdout`` too.
    """
    if not active:
        yield
        return
    sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no usable descriptors (e.g. an embedded interpreter)
        saved = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


def _print_human(command: str, result: dict[str, Any]) -> None:
    if command == "demo":
        print(f"{result['landscape']}: {result['units']} units")
        for name, info in result["layers"].items():
            print(f"  layer {name:10s} {info['collaborations']:4d} collaborations, "
                  f"{info['covered_share']:.1%} of units covered")
        spot_layers = "/".join(result.get("white_spot_layers") or ["any layer"])
        print(f"  witte vlekken (no {spot_layers}): {result['white_spots']} units")
        gap = "" if result.get("gap") is None else f", gap {result['gap']:.2%}"
        print(f"proposal: {result['regions']} regions, status {result['status']}{gap}, "
              f"objective {result['objective']:.4f}, {result['seconds']:.1f} s, "
              f"contiguous={result['contiguous']}")
        _print_run(result.get("run"))
        print(f"written to {result['out']}")
    elif command == "proposals":
        print(result["report"])
        print()
        print(result["completion"])
        _print_funds(result.get("funds"))
        print(f"written to {result['out']}")
    elif command == "alternatives":
        print(f"{result['plans']} of {result['requested']} plans within "
              f"{result['within']:.1%} of the best, {result['distance']} >= "
              f"{result['min_distance']:g}:")
        for row in result["table"]:
            print(f"  {row['plan']}: objective {row['objective']:.4f} "
                  f"(+{row['above_best']:.2%}), {result['distance']} to best "
                  f"{row['distance_to_best']:g}")
        for note in result["notes"]:
            print(f"  note: {note}")
        print(f"written to {result['out_dir']}")
    elif command == "tradeoff":
        tx, ty = result["terms"]
        print(f"trade-off {tx} vs {ty}:")
        for row in result["points"]:
            mark = "frontier" if row["frontier"] else "dominated"
            print(f"  weights {row['label']}: {tx} {row[tx]:.4f}, {ty} {row[ty]:.4f} ({mark})")
        print(f"written to {result['out_dir']}")
    else:
        for key, value in result.items():
            if not isinstance(value, dict | list):
                print(f"{key}: {value}")
        _print_funds(result.get("funds"))
        _print_run(result.get("run"))


def _print_funds(funds: Any) -> None:
    """One line about the funds distributed (when the run had a formula)."""
    if isinstance(funds, dict) and funds:
        print(f"funds: {funds.get('total'):,.2f} distributed over the regions "
              f"({', '.join(funds.get('components', []))})")


def _print_run(run: Any) -> None:
    """One line about how the plan was made (seed, reproducible or not, why it stopped)."""
    if not isinstance(run, dict) or not run:
        return
    how = ("reproducible with this seed" if run.get("deterministic")
           else "NOT reproducible (the time limit cut it short or stages ran on the clock)")
    print(f"run: seed {run.get('seed')}, stopped by {run.get('stopped_by')}, {how}")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
