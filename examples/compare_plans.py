"""Compare plans given as files: existing partitions against a planner's what-if.

The embedded synthetic country has 12 provinces and 35 arbeidsmarktregio's. The
script writes three plans as CSV files — the provinces, the arbeidsmarktregio's and
a planner's variant in which two neighbouring provinces merge — and compares them
with :func:`rato_opt.workflow.run.compare_plan_files`: metrics side by side, adjusted
Rand index and variation of information per pair, the units that move, and
difference maps. No solver is needed.

Usage::

    python examples/compare_plans.py [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from rato_opt.maps.colouring import region_graph
from rato_opt.workflow.run import compare_plan_files
from rato_opt.workflow.scenario import Scenario


def partition(landscape, layer: str):
    """The collaboration of every unit in a partition layer (unit code -> id)."""
    m = landscape.layers[layer].membership()
    return m.set_index("unit")["collaboration"].rename("region")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output directory (default: a new temporary directory)")
    args = parser.parse_args(argv)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="rato_opt_"))
    plans_dir = out / "plans"
    plans_dir.mkdir(parents=True, exist_ok=True)

    scenario = Scenario(name="default")  # the embedded synthetic country
    land = scenario.load_landscape()
    provinces = partition(land, "province")
    amr = partition(land, "amr")
    # A what-if: the two smallest neighbouring provinces merge.
    graph = region_graph(land.units, provinces, graph=scenario.build_graph(land))
    size = land.units["population"].groupby(provinces).sum()
    a, b = min(graph.edges, key=lambda e: size[e[0]] + size[e[1]])
    merged = provinces.replace({b: a})
    print(f"merging provinces {a} and {b}")

    paths = []
    for name, plan in (("provinces", provinces), ("amr", amr), ("merged", merged)):
        path = plans_dir / f"{name}.csv"
        plan.rename_axis("code").reset_index().to_csv(path, index=False)
        paths.append(path)

    result = compare_plan_files(paths, out / "comparison", scenario=scenario, maps=("png",))
    for name, metrics in result["metrics"].items():
        print(f"{name:10s} regions {metrics['n_regions']:3d}  objective {metrics['objective']:.4f}")
    for pair in result["similarity"]:
        print(f"{pair['plan_a']} vs {pair['plan_b']}: ARI {pair['ari']:.3f}, "
              f"VI {pair['vi']:.3f}, {pair['units_moved']} units move")
    print(f"written to {out / 'comparison'}")
    return result


if __name__ == "__main__":
    main()
