"""Propose 12 onderwijsregio's for the embedded synthetic country and export them.

Reads ``scenarios/default_k12.toml``, solves it, verifies the plan and writes
GeoPackage, CSV, Excel and GeoJSON exports plus a print-ready map (PDF/PNG),
``summary.json`` and ``plan_run.json`` (seed, work budget, versions) into the output
directory. The solve is budgeted in work, so the same ``--seed`` gives the same plan
on any machine; ``--time-limit`` is only a cap.

Usage::

    python examples/propose_default.py [--out DIR] [--seed N] [--time-limit SECONDS]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from rato_opt.workflow.run import run_scenario
from rato_opt.workflow.scenario import Scenario

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output directory (default: a new temporary directory)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the solve (default 0)")
    parser.add_argument("--time-limit", type=float, default=120.0,
                        help="wall-clock cap in seconds (the work budget ends the solve first)")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="rato_opt_"))

    scenario = Scenario.from_toml(HERE / "scenarios" / "default_k12.toml")
    scenario = scenario.replace(solver={"seed": args.seed, "time_limit": args.time_limit})
    summary = run_scenario(scenario, out / scenario.name)

    gap = "" if summary["gap"] is None else f", gap {summary['gap']:.1%}"
    print(f"{summary['scenario']}: {summary['regions']} regions, status {summary['status']}"
          f"{gap}, objective {summary['objective']:.4f}, verified {summary['verified']}")
    run = summary["run"]
    print(f"seed {run['seed']}, stopped by {run['stopped_by']}, "
          f"reproducible: {run['deterministic']}")
    for key, path in summary["files"].items():
        print(f"  {key:16s} {path}")
    return summary


if __name__ == "__main__":
    main()
