"""Propose 12 onderwijsregio's for the embedded synthetic country and export them.

Reads ``scenarios/default_k12.toml``, solves it, verifies the plan and writes
GeoPackage, CSV, Excel and GeoJSON exports plus a print-ready map (PDF/PNG) and
``summary.json`` into the output directory.

Usage::

    python examples/propose_default.py [--out DIR] [--time-limit SECONDS]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from rato_opt.scenario import Scenario
from rato_opt.workflow import run_scenario

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output directory (default: a new temporary directory)")
    parser.add_argument("--time-limit", type=float, default=8.0, help="solver seconds")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="rato_opt_"))

    scenario = Scenario.from_toml(HERE / "scenarios" / "default_k12.toml")
    scenario = scenario.replace(solver={"time_limit": args.time_limit})
    summary = run_scenario(scenario, out / scenario.name)

    gap = "" if summary["gap"] is None else f", gap {summary['gap']:.1%}"
    print(f"{summary['scenario']}: {summary['regions']} regions, status {summary['status']}"
          f"{gap}, objective {summary['objective']:.4f}, verified {summary['verified']}")
    for key, path in summary["files"].items():
        print(f"  {key:16s} {path}")
    return summary


if __name__ == "__main__":
    main()
