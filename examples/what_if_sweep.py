"""What if? Solve three variants of the default scenario in parallel and compare them.

Variants of ``scenarios/default_k12.toml``: 10 regions, 14 regions, and 12 regions
that must each lie within one educational alliance. They run on a process pool
(any ``concurrent.futures`` executor works, e.g. a Dask cluster's). The script
prints the comparison table and writes it, with small multiples of the plans, to
the output directory. Every variant is budgeted in work with the same seed, so the
sweep gives the same plans whatever the number of workers or the machine's load;
``--time-limit`` is only a cap per variant.

Usage::

    python examples/what_if_sweep.py [--out DIR] [--seed N] [--time-limit SECONDS]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from rato_opt.maps.plotting import save_figure
from rato_opt.workflow.scenario import Scenario
from rato_opt.workflow.sweeps import sweep

HERE = Path(__file__).resolve().parent

VARIANTS = {
    "k10": {"k": 10},
    "k14": {"k": 14},
    "k12_alliances": {"objective": {"alliance_hard": True, "alliance_layer": "alliance"}},
}


def main(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output directory (default: a new temporary directory)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every variant (default 0)")
    parser.add_argument("--time-limit", type=float, default=120.0,
                        help="wall-clock cap per variant in seconds (the work budget ends "
                             "each solve first)")
    parser.add_argument("--workers", type=int, default=None, help="parallel processes")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="rato_opt_"))
    out.mkdir(parents=True, exist_ok=True)

    base = Scenario.from_toml(HERE / "scenarios" / "default_k12.toml")
    base = base.replace(solver={"seed": args.seed, "time_limit": args.time_limit,
                                "threads": 1})
    result = sweep(base, VARIANTS, max_workers=args.workers, progress=True)

    columns = ["k", "status", "regions", "objective", "gap", "seconds", "verified", "seed",
               "deterministic", "error"]
    print(result.table[columns].to_string())
    result.table.to_csv(out / "sweep.csv")
    if len(result.plans) >= 2:
        comparison = result.compare()
        print(comparison.similarity[["plan_a", "plan_b", "ari", "vi", "units_moved"]]
              .to_string(index=False))
        comparison.similarity.to_csv(out / "similarity.csv", index=False)
        save_figure(comparison.small_multiples(ncols=3), out / "variants", formats=("png",),
                    dpi=120)
    print(f"written to {out}")
    return result


if __name__ == "__main__":
    main()
