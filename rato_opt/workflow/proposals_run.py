"""Regions' proposals in a run: read, check, complete, write; and the ``rato-opt proposals`` command.

A scenario's ``[proposals]`` table (:class:`~rato_opt.workflow.scenario_extras.ProposalSettings`)
names a table of proposals (proposal -> gemeente codes, or proposal -> school boards
with ``boards``). :func:`complete_scenario_proposals` reports conflicts, gaps and rule
breaks (:func:`rato_opt.assess.proposals.check_proposals`) and completes the proposals
into a covering plan (:func:`rato_opt.optimize.completion.complete_proposals`);
:func:`write_proposal_files` writes the explanation per proposal. Both serve
:func:`rato_opt.workflow.run.run_scenario`, and through it :func:`proposals_command`
(``rato-opt proposals SCENARIO TABLE --out DIR``), which runs the scenario with the
table as its ``[proposals]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from ..assess.proposals import ProposalReport, Proposals
    from ..landscape.coverage import Landscape
    from ..optimize.completion import Completion
    from ..spec import RegionSpec
    from .scenario_extras import ProposalSettings

__all__ = ["read_proposals", "complete_scenario_proposals", "write_proposal_files",
           "proposals_record", "proposals_command"]


def read_proposals(path: str | Path, landscape: Landscape, *, boards: str | None = None
                   ) -> Proposals:
    """Read a CSV or XLSX table of proposals.

    Parameters
    ----------
    path : path-like
        Columns ``proposal`` and ``unit`` (gemeente codes), or ``proposal`` and ``board``
        with ``boards``; optional ``name``.
    landscape : Landscape
    boards : str, optional
        The table lists school boards of this layer.

    Raises
    ------
    InputError
        The file does not exist (and the errors of
        :meth:`~rato_opt.assess.proposals.Proposals.from_table` for its content).

    Examples
    --------
    >>> read_proposals("missing.csv", None)
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.InputError: proposals table 'missing.csv' does not exist; give a CSV or XLSX file with columns proposal, unit (or proposal, board with boards)
    """
    import pandas as pd

    from ..assess.proposals import Proposals
    from ..exceptions import InputError

    path = Path(path)
    if not path.is_file():
        raise InputError(f"proposals table {str(path)!r} does not exist; give a CSV or XLSX "
                         "file with columns proposal, unit (or proposal, board with boards)")
    table = (pd.read_excel(path, dtype=str) if path.suffix.lower() in (".xlsx", ".xls")
             else pd.read_csv(path, dtype=str))
    name = "name" if "name" in table.columns else None
    if boards:
        return Proposals.from_boards(table, landscape, layer=boards, name=name)
    return Proposals.from_table(table, landscape, name=name)


def complete_scenario_proposals(
    settings: ProposalSettings, table: str | Path, landscape: Landscape, spec: RegionSpec,
    graph: nx.Graph, solve_kwargs: Mapping[str, Any],
) -> tuple[ProposalReport, Completion]:
    """Check and complete the proposals of a scenario's ``[proposals]`` table.

    Parameters
    ----------
    settings : ProposalSettings
        ``boards``, ``accepted`` and ``weight``.
    table : path-like
        The table (``settings.table`` resolved against the scenario's directory).
    landscape, spec, graph
        Of the scenario.
    solve_kwargs : mapping
        :meth:`Scenario.solve_kwargs <rato_opt.workflow.scenario.Scenario.solve_kwargs>`
        (``budget``, ``time_limit``, ``solver`` ...), plus ``progress``.

    Returns
    -------
    (ProposalReport, Completion)
    """
    from ..assess.proposals import check_proposals
    from ..optimize.completion import complete_proposals

    props = read_proposals(table, landscape, boards=settings.boards)
    report = check_proposals(props, landscape, spec, graph=graph)
    done = complete_proposals(props, landscape, spec, accepted=list(settings.accepted),
                              proposal_weight=settings.weight, graph=graph, **solve_kwargs)
    return report, done


def write_proposal_files(report: ProposalReport, done: Completion, out: Path
                         ) -> dict[str, Path]:
    """Write the overview and the explanation per proposal into ``out``.

    Files: ``changes.csv`` (one row per proposal and unit that changed),
    ``per_proposal.csv``, ``proposals_report.csv``, ``conflicts.csv``, ``gaps.csv``,
    ``pieces.csv``, ``bounds.csv``, ``board_conflicts.csv`` (proposals of boards with
    conflicts only) and ``proposals_report.txt`` (the report and the completion as text).

    Returns
    -------
    dict of str to Path
        The files written, keyed by name without suffix.
    """
    out = Path(out)
    frames = {"changes": (done.changes, False), "per_proposal": (done.per_proposal, True),
              "proposals_report": (report.proposals, True), "conflicts": (report.conflicts, True),
              "gaps": (report.gaps, True), "pieces": (report.pieces, False),
              "bounds": (report.bounds, False)}
    if len(report.board_conflicts):
        frames["board_conflicts"] = (report.board_conflicts, True)
    written: dict[str, Path] = {}
    for key, (frame, index) in frames.items():
        frame.to_csv(out / f"{key}.csv", index=index)
        written[key] = out / f"{key}.csv"
    (out / "proposals_report.txt").write_text(report.summary() + "\n\n" + done.summary() + "\n",
                                              encoding="utf-8")
    written["report_txt"] = out / "proposals_report.txt"
    return written


def proposals_record(report: ProposalReport, done: Completion) -> dict[str, Any]:
    """What the summary of a run says about the proposals (JSON-able).

    Keys: ``proposals``, ``conflicts``, ``gaps`` (counts), ``ok`` (no conflict, gap or
    rule broken as submitted), ``accepted``, ``report`` and ``completion`` (texts).
    """
    return {"proposals": len(report.proposals), "conflicts": len(report.conflicts),
            "gaps": len(report.gaps), "ok": bool(report.ok), "accepted": list(done.accepted),
            "report": report.summary(), "completion": done.summary()}


def proposals_command(scenario_path: str | Path, table_path: str | Path, out: Path, *,
                      boards: str | None = None, accept: str = "",
                      seed: int | None = None, changes: Mapping[str, Any] | None = None,
                      progress: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """``rato-opt proposals``: the scenario run with ``table_path`` as its ``[proposals]``.

    Parameters
    ----------
    scenario_path : path-like
        Scenario TOML file (landscape, bounds, objective, solver budget); a
        ``[proposals]`` table in it gives the defaults of ``boards``, ``accepted`` and
        ``weight``.
    table_path : path-like
        CSV or XLSX with columns ``proposal`` and ``unit`` (or ``board`` with
        ``boards``), optional ``name``.
    out : Path
        Output directory.
    boards : str, optional
        The table lists school boards of this layer.
    accept : str, default ""
        Comma-separated ids of proposals accepted as submitted (locked); replaces the
        scenario's ``proposals.accepted`` when given.
    seed : int, optional
        Replaces the scenario's solver seed.
    changes : mapping, optional
        Further changes of the scenario (e.g. ``{"funds": {...}, "output":
        {"factsheets": True}}``), merged as :meth:`Scenario.replace
        <rato_opt.workflow.scenario.Scenario.replace>` does.
    progress : callable, optional
        Passed to the solve (see :func:`rato_opt.optimize.pipeline.solve`).

    Returns
    -------
    dict
        The summary of :func:`rato_opt.workflow.run.run_scenario`, plus ``out``,
        ``conflicts``, ``gaps``, ``accepted``, ``report`` and ``completion`` at the top.

    Examples
    --------
    >>> proposals_command("s.toml", "p.csv", Path("out"))  # doctest: +SKIP
    """
    from .run import run_scenario
    from .scenario import load_scenario

    scenario = load_scenario(scenario_path)
    section: dict[str, Any] = {"table": str(Path(table_path).absolute())}
    if boards:
        section["boards"] = boards
    accepted = [a.strip() for a in accept.split(",") if a.strip()]
    if accepted:
        section["accepted"] = accepted
    update: dict[str, Any] = {**dict(changes or {}), "proposals": section}
    if seed is not None:
        update["solver"] = {"seed": seed}
    scenario = scenario.replace(**update)
    summary = run_scenario(scenario, out, progress=progress)
    record = summary.get("proposals", {})
    return {"out": summary["out_dir"], **{k: record.get(k) for k in (
        "conflicts", "gaps", "accepted", "report", "completion")}, **summary}
