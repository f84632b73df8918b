"""The planner's workflow, one call per step: run a scenario, compare plan files.

These are the functions behind the command line (``rato-opt run SCENARIO.toml
--out DIR`` and ``rato-opt compare PLAN... --out DIR``). Each writes its output
directory atomically (everything or nothing) and returns a JSON-able summary.

Output of :func:`run_scenario` (in ``out_dir``):

- ``summary.json`` — status, objective, bound, gap, terms, verification, files, and
  ``run``: how the plan was made (seed, work budget, time limit, ``deterministic``,
  ``stopped_by``, library and solver versions; see :class:`rato_opt.assess.plan.Plan`)
- ``scenario.toml`` — the scenario as run (paths made absolute, seed and work budget
  written out), so the run can be repeated
- ``plan.gpkg``, ``plan_units.csv``, ``plan_regions.csv``, ``plan.xlsx``,
  ``plan_units.geojson``, ``plan_regions.geojson``, ``plan_run.json`` (the run
  record; also the ``run`` sheet/table of ``plan.xlsx``/``plan.gpkg``) — see
  :func:`rato_opt.workflow.export.export_plan`
- ``map.pdf``, ``map.png`` — a print-ready map of the plan

and with the optional tables of the scenario (:mod:`rato_opt.workflow.scenario_extras`):

- ``[funds]``: ``plan_funds.csv`` and the ``funds_*`` columns of every region table
  (:func:`rato_opt.workflow.export.export_plan`); ``funds`` in ``summary.json`` (formula
  and the total distributed, :func:`rato_opt.workflow.export.funds_record`)
- ``[output]``: the export and map formats; ``factsheets = true`` writes
  ``factsheets.pdf`` (one A4 page per region, with its allocation when ``[funds]`` is
  given; :func:`rato_opt.maps.factsheet.write_factsheets`)
- ``[proposals]``: the completed proposals are the plan; ``changes.csv``,
  ``per_proposal.csv``, ``proposals_report.txt`` ... (see
  :func:`rato_opt.workflow.proposals_run.write_proposal_files`); ``proposals`` in
  ``summary.json``
- ``[alternatives]``: ``alternatives.csv``, ``alternative_distances.csv``,
  ``alternatives_units.csv``, ``alternatives.png``; ``[tradeoff]``: ``tradeoff.csv``,
  ``tradeoff_units.csv``, ``tradeoff.png`` (see :mod:`rato_opt.workflow.commands`)

``summary.json`` also holds the data notes of the landscape (``notes``).

Output of :func:`compare_plan_files`: ``metrics.csv`` (plans side by side),
``similarity.csv`` (ARI, VI, units moved per pair), ``moved_units.csv``,
``comparison.json``, ``plans.pdf/png`` (small multiples) and
``difference_<a>__<b>.pdf/png`` per pair with the first plan.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._util import atomic_output, check_output_dir, json_ready, listing
from ..exceptions import InputError
from .commands import (
    scenario_text,
    solve_alternatives,
    solve_tradeoff,
    write_alternatives,
    write_tradeoff,
)
from .export import FORMATS, export_plan, funds_record
from .plan_reader import (
    CODE_COLUMNS,
    PLAN_FILE_HINT,
    REGION_COLUMNS,
    pick_column,
    read_plan,
    read_plan_table,
)
from .scenario import Scenario
from .scenario_extras import check_extra_names

__all__ = ["run_scenario", "run_scenario_file", "compare_plan_files", "MAP_FORMATS"]

#: Formats of the maps written by the workflow.
MAP_FORMATS = ("pdf", "png")


def _close(ax_or_fig: Any) -> None:
    import matplotlib.pyplot as plt

    fig = ax_or_fig.figure if hasattr(ax_or_fig, "figure") and not hasattr(
        ax_or_fig, "savefig") else ax_or_fig
    plt.close(fig)


def _save(fig_or_ax: Any, path: Path, formats: Sequence[str]) -> list[Path]:
    from ..maps.plotting import save_figure

    try:
        return save_figure(fig_or_ax, path, formats=tuple(formats), dpi=200)
    finally:
        _close(fig_or_ax)


def run_scenario(
    scenario: Scenario,
    out_dir: str | os.PathLike[str],
    *,
    formats: Sequence[str] | None = None,
    maps: Sequence[str] | None = None,
    progress: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """Load, solve, verify and export one scenario into ``out_dir`` (atomically).

    Parameters
    ----------
    scenario : Scenario
        What to solve.
    out_dir : path-like
        Output directory (created; other files in it are kept).
    formats : sequence of str, optional
        Plan export formats (:func:`rato_opt.workflow.export.export_plan`); default
        ``output.formats`` of the scenario, else ("gpkg", "csv", "xlsx", "geojson").
    maps : sequence of str, optional
        Formats of the plan map (and of the alternatives and trade-off plots); empty
        for none; default ``output.maps`` of the scenario, else ("pdf", "png").
    progress : callable, optional
        Called with the progress events of the solve (see
        :func:`rato_opt.optimize.pipeline.solve`) and of every trade-off point (see
        :func:`rato_opt.workflow.tradeoff.tradeoff`), e.g. a
        :class:`~rato_opt.workflow.commands.ProgressPrinter`.

    Returns
    -------
    dict
        JSON-able: ``scenario``, ``description``, ``out_dir``, the fields of
        :meth:`rato_opt.assess.plan.Plan.summary` (``status``, ``objective``, ``bound``,
        ``gap``, ``seconds``, ``solver``, ``regions``, ``verified``,
        ``problems``, ``terms``, ``explanation``, ``run``), ``metrics``, ``k`` and
        ``files`` (name -> path). The same scenario with the same
        ``solver.seed`` gives the same plan unless ``run["deterministic"]`` is
        False (the ``solver.time_limit`` cap was hit, or ``solver.mode`` is
        ``"wall_clock"``). A plan without an assignment (infeasible, not
        solved) writes only ``summary.json`` and ``scenario.toml``. ``notes`` holds
        the landscape's data notes; with the optional tables also ``funds``,
        ``proposals``, ``alternatives`` and ``tradeoff`` (records of
        :func:`rato_opt.workflow.export.funds_record`,
        :func:`rato_opt.workflow.proposals_run.proposals_record`,
        :func:`rato_opt.workflow.commands.alternatives_record`,
        :func:`rato_opt.workflow.commands.tradeoff_record`).

    Examples
    --------
    >>> s = Scenario(k=4, data={"n_units": 60}, funds={"base_per_region": 1000,
    ...              "total": 10000}, solver={"starts": 2, "recom_steps": 200,
    ...              "recom_rounds": 1, "anneal_moves": 50, "anneal_rounds": 1, "nodes": 0})
    >>> import tempfile
    >>> summary = run_scenario(s, tempfile.mkdtemp(), formats=["csv"], maps=[])
    >>> summary["funds"]["total"], "funds_csv" in summary["files"]
    (10000.0, True)
    """
    from ..assess.verify import verify_plan
    from ..optimize.pipeline import propose_regions

    if not isinstance(scenario, Scenario):
        raise InputError(f"run_scenario needs a Scenario, got {type(scenario).__name__}")
    out = check_output_dir(out_dir)
    output = scenario.output
    if formats is None:
        formats = output.formats if output is not None else FORMATS
    if maps is None:
        maps = output.maps if output is not None else MAP_FORMATS
    land = scenario.load_landscape()
    spec = scenario.to_spec(land)
    check_extra_names(scenario, land)
    graph = scenario.build_graph(land)
    kwargs = scenario.solve_kwargs()
    if progress is not None:
        kwargs["progress"] = progress
    completion = None
    if scenario.proposals is not None:
        from .proposals_run import complete_scenario_proposals

        completion = complete_scenario_proposals(
            scenario.proposals, scenario.resolve(scenario.proposals.table), land, spec, graph,
            kwargs)
        plan = completion[1].plan
    else:
        plan = propose_regions(land, spec, graph=graph, **kwargs)
    has_plan = len(plan.assignment) == len(land.units)
    if has_plan and completion is None:
        verification = verify_plan(land, plan.assignment, spec, graph=graph)
    else:  # a completion is verified against its own spec (k, proposal term, locks)
        verification = plan.verification
    solved = has_plan and verification.ok and plan.status != "interrupted"
    extras = _extras(scenario, land, spec, graph, plan if solved else None,
                     best=completion is None, progress=progress)
    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "description": scenario.description,
        "out_dir": str(out),
        "k": scenario.k,
        "k_min": scenario.k_min,
        "k_max": scenario.k_max,
        "units": len(land.units),
        "landscape": land.name,
        **plan.summary(),
        "verified": bool(verification.ok),
        "problems": list(verification.problems),
        "metrics": dict(plan.metrics),
        "notes": dict(getattr(land, "notes", {}) or {}),
    }
    files: dict[str, str] = {}
    with atomic_output(out) as tmp:
        text = scenario_text(scenario)
        (tmp / "scenario.toml").write_text(text, encoding="utf-8")
        files["scenario"] = str(out / "scenario.toml")
        if has_plan:
            written = export_plan(plan, land, tmp, formats=formats, name="plan",
                                  funds=scenario.funds)
            files.update({k: str(out / p.name) for k, p in written.items()})
            allocation = None
            if scenario.funds is not None:
                from ..assess.funds import allocate

                allocation = allocate(plan, land, scenario.funds)
                summary["funds"] = funds_record(allocation)
            if maps:
                from ..maps.plotting import plot_regions

                title = f"{scenario.name}: {plan.n_regions} regio's ({plan.status})"
                names = plan.regions["name"] if "name" in plan.regions else None
                ax = plot_regions(land.units, plan.assignment, graph=graph, names=names,
                                  title=title, credit=land.credit, figsize=(8.27, 11.69),
                                  note=plan.split_note().replace("; ", "\n") or None)
                for p in _save(ax, tmp / "map", maps):
                    files[f"map_{p.suffix.lstrip('.')}"] = str(out / p.name)
            _write_extras(scenario, land, spec, plan, tmp, out, summary, files,
                          allocation=allocation, completion=completion, extras=extras,
                          maps=maps)
        files["summary"] = str(out / "summary.json")
        summary["files"] = files
        summary = json_ready(summary)
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return summary


def _extras(scenario: Scenario, land, spec, graph, plan, *, best: bool,
            progress: Callable[[dict], None] | None) -> dict[str, Any]:
    """Solve the alternatives and the trade-off curve of the scenario (before writing).

    ``best``: the plan is a plan of ``spec`` the alternatives may start from (not a
    completion of proposals, whose spec differs).
    """
    out: dict[str, Any] = {}
    if plan is None:
        return out
    if scenario.alternatives is not None:
        out["alternatives"] = solve_alternatives(scenario, land, spec, graph,
                                                 best=plan if best else None)
    if scenario.tradeoff is not None:
        out["tradeoff"] = solve_tradeoff(scenario, land, spec, graph, progress=progress)
    return out


def _write_extras(scenario: Scenario, land, spec, plan, tmp: Path, out: Path,
                  summary: dict[str, Any], files: dict[str, str], *, allocation,
                  completion, extras: Mapping[str, Any], maps: Sequence[str]) -> None:
    """Write the proposal files, fact sheets, alternatives and trade-off into ``tmp``."""
    if completion is not None:
        from .proposals_run import proposals_record, write_proposal_files

        written = write_proposal_files(*completion, tmp)
        files.update({f"proposals_{k}": str(out / p.name) for k, p in written.items()})
        summary["proposals"] = proposals_record(*completion)
    if scenario.output is not None and scenario.output.factsheets:
        from ..maps.factsheet import write_factsheets

        reference = scenario.output.factsheet_reference or spec.objective.reference
        write_factsheets(plan, land, tmp / "factsheets.pdf", reference=reference,
                         allocation=allocation, spec=spec)
        files["factsheets"] = str(out / "factsheets.pdf")
    if "alternatives" in extras:
        summary["alternatives"], more = write_alternatives(extras["alternatives"], land, tmp,
                                                           out, maps=maps)
        files.update(more)
    if "tradeoff" in extras:
        summary["tradeoff"], more = write_tradeoff(extras["tradeoff"], tmp, out, maps=maps)
        files.update(more)


def run_scenario_file(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    formats: Sequence[str] | None = None,
    maps: Sequence[str] | None = None,
    seed: int | None = None,
    changes: Mapping[str, Any] | None = None,
    progress: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """Read a scenario TOML file and run it (:func:`run_scenario`).

    This is the function behind ``rato-opt run SCENARIO.toml --out DIR [--seed N]``.

    Parameters
    ----------
    path : path-like
        The scenario TOML file.
    out_dir : path-like
        Output directory.
    formats, maps : sequence of str
        As for :func:`run_scenario`.
    seed : int, optional
        Replaces the scenario's ``solver.seed`` (a whole number >= 0).
    changes : mapping, optional
        Further changes merged into the scenario as :meth:`Scenario.replace` does, e.g.
        ``{"funds": {"base_per_region": 1000}, "output": {"factsheets": True}}`` (the
        command line's ``--funds-*`` and ``--factsheets``).
    progress : callable, optional
        As for :func:`run_scenario`.

    Raises
    ------
    ScenarioError
        The file or ``seed`` is invalid (``seed`` is reported as the field
        ``solver.seed``).

    Examples
    --------
    >>> summary = run_scenario_file("examples/scenarios/default_k12.toml",
    ...                             "out/default_k12")  # doctest: +SKIP
    >>> summary["status"], summary["regions"], summary["files"]["map_pdf"]  # doctest: +SKIP
    ('feasible', 12, '.../out/default_k12/map.pdf')
    """
    check_output_dir(out_dir)
    scenario = Scenario.from_toml(path)
    if changes:
        scenario = scenario.replace(**changes)
    if seed is not None:
        scenario = scenario.replace(solver={"seed": seed})
    return run_scenario(scenario, out_dir, formats=formats, maps=maps, progress=progress)


# ------------------------------------------------------------------ comparing
_PLAN_FILES = ("plan_units.csv", "plan.gpkg", "plan_units.geojson", "plan.xlsx")


def _plan_path(path: Path) -> Path:
    if path.is_dir():
        for name in _PLAN_FILES:
            if (path / name).is_file():
                return path / name
        raise InputError(
            f"{path} is a directory without a plan export ({', '.join(_PLAN_FILES)}); "
            "pass the plan file itself"
        )
    return path


def _plan_name(path: Path) -> str:
    """A readable name: the run directory for workflow exports, else the file stem."""
    stem = path.name
    for suffix in (".csv", ".gpkg", ".geojson", ".xlsx", ".json"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    if stem in ("plan", "plan_units"):
        return path.parent.name
    return re.sub(r"_units$", "", stem)


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        m, i = n, 2
        while m in out:
            m, i = f"{n}_{i}", i + 1
        out.append(m)
    return out


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _check_plan_units(plan, path: Path, land, scenario: Scenario) -> None:
    """Raise when a plan file shares no unit code with the landscape (not a plan of it)."""
    if plan.index.isin(land.codes).any():
        return  # partial mismatches are named unit by unit by compare_plans
    columns = [str(c) for c in read_plan_table(path, None).columns]
    code_col = pick_column(columns, None, CODE_COLUMNS, "code", 0, path)
    region_col = pick_column([c for c in columns if c != code_col], None, REGION_COLUMNS,
                             "region", 0, path)
    raise InputError(
        f"plan file {path} is not a plan of the units of scenario {scenario.name!r} "
        f"({land.name}): its columns are {columns}; read as unit codes, column {code_col!r} "
        f"holds {len(plan)} code(s) ({listing(plan.index, 3)}), none of them a unit code "
        f"(units are e.g. {listing(land.codes[:3])}), and column {region_col!r} was read as "
        f"the regions; {PLAN_FILE_HINT}. For a plan of another map, compare it with the "
        "scenario it was made with (the scenario.toml beside the first plan is used)"
    )


def compare_plan_files(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    scenario: Scenario | str | os.PathLike[str] | None = None,
    names: Sequence[str] | None = None,
    maps: Sequence[str] = MAP_FORMATS,
) -> dict[str, Any]:
    """Compare plan files and write the comparison into ``out_dir`` (atomically).

    This is the function behind ``rato-opt compare PLAN... --out DIR``.

    Parameters
    ----------
    paths : sequence of path-like
        Plan files (CSV, Excel, GeoPackage, GeoJSON; see
        :func:`rato_opt.workflow.plan_reader.read_plan`) or run directories of
        :func:`run_scenario`. The first plan is the reference of the
        difference maps.
    out_dir : path-like
        Output directory.
    scenario : Scenario or path, optional
        Gives the landscape and the spec to score with. Default: the
        ``scenario.toml`` beside the first plan (written by :func:`run_scenario`),
        else the embedded default country. Its number of regions (``k``) is not
        enforced: plans of a what-if comparison differ in it by design.
    names : sequence of str, optional
        Plan names (default: run directory or file name).
    maps : sequence of str, default ("pdf", "png")
        Map formats; empty for no maps.

    Returns
    -------
    dict
        JSON-able: ``plans``, ``metrics`` (per plan), ``similarity`` (per pair),
        ``scenario``, ``inputs``, ``out_dir`` and ``files``.

    Examples
    --------
    >>> result = compare_plan_files(["out/default_k12", "out/variant_k14"],
    ...                             "out/compare")  # doctest: +SKIP
    >>> result["similarity"][0]["ari"]  # doctest: +SKIP
    0.71...
    """
    from ..assess.compare import compare_plans

    if not paths:
        raise InputError("compare_plan_files needs at least one plan file")
    out = check_output_dir(out_dir)
    files_in = [_plan_path(Path(p)) for p in paths]
    if names is None:
        names = _unique([_plan_name(p) for p in files_in])
    elif len(names) != len(files_in):
        raise InputError(f"got {len(names)} names for {len(files_in)} plans")
    plans = {n: read_plan(p) for n, p in zip(names, files_in, strict=True)}
    if scenario is None:
        beside = files_in[0].parent / "scenario.toml"
        scenario = Scenario.from_toml(beside) if beside.is_file() else Scenario(name="default")
    elif not isinstance(scenario, Scenario):
        scenario = Scenario.from_toml(scenario)
    land = scenario.load_landscape()
    # Plans of a what-if comparison differ in their number of regions by design:
    # score objective, bounds and locks, not k.
    spec = scenario.to_spec(land).replace(k=None, k_min=None, k_max=None)
    for plan, path in zip(plans.values(), files_in, strict=True):
        _check_plan_units(plan, path, land, scenario)
    graph = scenario.build_graph(land)
    comparison = compare_plans(land, plans, spec=spec, graph=graph)
    files: dict[str, str] = {}
    with atomic_output(out) as tmp:
        comparison.side_by_side().to_csv(tmp / "metrics.csv")
        comparison.similarity.to_csv(tmp / "similarity.csv", index=False)
        comparison.moved.to_csv(tmp / "moved_units.csv", index=False)
        for key in ("metrics", "similarity", "moved_units"):
            files[key] = str(out / f"{key}.csv")
        if maps:
            if len(comparison.names) > 1:
                fig = comparison.small_multiples(ncols=min(3, len(comparison.names)))
                for p in _save(fig, tmp / "plans", maps):
                    files[f"plans_{p.suffix.lstrip('.')}"] = str(out / p.name)
            first = comparison.names[0]
            for other in comparison.names[1:]:
                ax = comparison.plot_difference(first, other)
                stem = f"difference_{_safe(first)}__{_safe(other)}"
                for p in _save(ax, tmp / stem, maps):
                    files[f"{stem}_{p.suffix.lstrip('.')}"] = str(out / p.name)
        files["comparison"] = str(out / "comparison.json")
        result = json_ready({
            **comparison.to_dict(),
            "scenario": scenario.name,
            "inputs": [str(p) for p in files_in],
            "out_dir": str(out),
            "files": files,
        })
        (tmp / "comparison.json").write_text(
            json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return result
