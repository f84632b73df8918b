"""Alternatives and trade-off curves from a scenario, their exports, and progress lines.

The functions behind ``rato-opt alternatives SCENARIO --out DIR`` and ``rato-opt
tradeoff SCENARIO --out DIR`` (:func:`alternatives_command`, :func:`tradeoff_command`),
and the pieces :func:`rato_opt.workflow.run.run_scenario` uses for a scenario's
``[alternatives]`` and ``[tradeoff]`` tables:

- :func:`solve_alternatives` / :func:`write_alternatives`: ``alternatives.csv`` (one
  row per plan: objective, terms, distances), ``alternative_distances.csv`` (plan x
  plan), ``alternatives_units.csv`` (unit x plan) and ``alternatives.png`` (maps side by
  side; also ``.pdf`` with the default map formats);
- :func:`solve_tradeoff` / :func:`write_tradeoff`: ``tradeoff.csv`` (one row per weight
  pair: both term values, frontier or dominated), ``tradeoff_units.csv`` and
  ``tradeoff.png``.

:class:`ProgressPrinter` prints one line per progress event on standard error,
throttled, for long runs of the command line.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .._util import atomic_output, check_output_dir, json_ready
from .scenario import Scenario
from .scenario_toml import absolutise_paths, dumps_toml

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from ..assess.plan import Plan
    from ..landscape.coverage import Landscape
    from ..optimize.alternatives import Alternatives
    from ..spec import RegionSpec
    from .tradeoff import TradeOff

__all__ = [
    "ProgressPrinter",
    "scenario_text",
    "solve_alternatives",
    "write_alternatives",
    "solve_tradeoff",
    "write_tradeoff",
    "alternatives_command",
    "tradeoff_command",
    "command_options",
    "plan_changes",
    "parse_weights",
]

#: Map formats of the plots when the scenario has no ``[output]`` table.
PLOT_FORMATS = ("pdf", "png")


class ProgressPrinter:
    """Print progress events as one line each on standard error, at most every ``every`` s.

    Pass it as ``progress=`` to :func:`rato_opt.optimize.pipeline.propose_regions` (events
    ``{elapsed, incumbent, bound, gap, iteration, stage}``) or to
    :func:`rato_opt.workflow.tradeoff.tradeoff` (one event per point: every point is
    printed). The first solver event is printed at once, later ones when ``every``
    seconds have passed since the last line.

    Parameters
    ----------
    what : str, default "solve"
        Label after ``rato-opt:``.
    every : float, default 2
        Least number of seconds between two solver lines.
    stream : file, optional
        Default ``sys.stderr`` (looked up at every line).

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> show = ProgressPrinter("run k6", stream=buf)
    >>> show({"elapsed": 12.3, "incumbent": 0.1234, "bound": 0.05, "gap": 0.595,
    ...       "stage": "anneal"})
    >>> show({"elapsed": 12.4, "incumbent": 0.12, "bound": 0.05, "stage": "anneal"})
    >>> show({"point": 2, "of": 5, "label": "0.50:0.50", "alignment": 0.2, "split": 0.1,
    ...       "seconds": 3.2})
    >>> print(buf.getvalue(), end="")
    rato-opt: run k6: stage anneal, best 0.1234, bound 0.0500, gap 59.5%, 12 s
    rato-opt: run k6: point 2/5 (weights 0.50:0.50), alignment 0.2000, split 0.1000, 3 s
    """

    def __init__(self, what: str = "solve", *, every: float = 2.0,
                 stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what
        self.every = float(every)
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.last: float | None = None
        self.lines = 0

    def say(self, text: str) -> None:
        """Print one line ``rato-opt: <what>: <text>``."""
        stream = self.stream if self.stream is not None else sys.stderr
        print(f"rato-opt: {self.what}: {text}", file=stream, flush=True)
        self.lines += 1

    def __call__(self, event: Mapping[str, Any]) -> None:
        now = self.clock()
        if "point" in event:
            self.say(self._point(event))
            self.last = now
            return
        if self.last is not None and now - self.last < self.every:
            return
        self.last = now
        self.say(self._solver(event, now))

    def _solver(self, event: Mapping[str, Any], now: float) -> str:
        parts = [f"stage {event.get('stage') or '?'}"]
        for key, label in (("incumbent", "best"), ("bound", "bound")):
            value = event.get(key)
            if value is not None:
                parts.append(f"{label} {float(value):.4f}")
        if event.get("gap") is not None:
            parts.append(f"gap {float(event['gap']):.1%}")
        elapsed = event.get("elapsed")
        parts.append(f"{float(now - self.started if elapsed is None else elapsed):.0f} s")
        return ", ".join(parts)

    @staticmethod
    def _point(event: Mapping[str, Any]) -> str:
        skip = {"point", "of", "label", "seconds"}
        terms = ", ".join(f"{k} {float(v):.4f}" for k, v in event.items() if k not in skip)
        return (f"point {event['point']}/{event.get('of', '?')} (weights {event.get('label')}), "
                f"{terms}, {float(event.get('seconds', 0.0)):.0f} s")


def scenario_text(scenario: Scenario) -> str:
    """The scenario's TOML with relative paths made absolute (runnable from anywhere).

    Examples
    --------
    >>> print(scenario_text(Scenario(name="x", k=3)).splitlines()[2])
    k = 3
    """
    raw = scenario.to_dict()
    if scenario.base_dir is not None:
        raw = absolutise_paths(raw, scenario.base_dir)
    return dumps_toml(raw)


def _save(fig: Any, stem: Path, formats: Sequence[str]) -> list[Path]:
    import matplotlib.pyplot as plt

    from ..maps.save import save_figure

    figure = fig if hasattr(fig, "savefig") else fig.figure
    try:
        return save_figure(figure, stem, formats=tuple(formats), dpi=200)
    finally:
        plt.close(figure)


def _budget(scenario: Scenario) -> Any:
    return scenario.solver.budget()


# ------------------------------------------------------------------ alternatives
def solve_alternatives(scenario: Scenario, landscape: Landscape, spec: RegionSpec,
                       graph: nx.Graph, *, best: Plan | None = None) -> Alternatives:
    """The alternatives of the scenario's ``[alternatives]`` (defaults when absent).

    ``best``: a verified plan of ``spec`` to start from (default: solved here with the
    scenario's budget). The walk is budgeted by ``alternatives.steps`` (default
    ``solver.recom_steps``); ``solver.time_limit`` caps the whole call.
    """
    from ..optimize.alternatives import alternatives
    from .scenario_extras import AlternativeSettings

    s = scenario.alternatives or AlternativeSettings()
    return alternatives(landscape, spec, n=s.n, within=s.within, min_distance=s.min_distance,
                        distance=s.distance, budget=_budget(scenario),
                        time_limit=scenario.solver.time_limit, steps=s.steps, best=best,
                        graph=graph)


def alternatives_record(alts: Alternatives) -> dict[str, Any]:
    """What a summary says about alternatives (JSON-able)."""
    table = alts.table.rename_axis("plan").reset_index()
    return json_ready({
        "plans": len(alts.plans), "requested": alts.requested, "names": list(alts.names),
        "distance": alts.distance, "within": alts.within, "min_distance": alts.min_distance,
        "threshold": alts.threshold, "notes": list(alts.notes),
        "deterministic": bool(alts.run.get("deterministic", False)),
        "table": table.to_dict(orient="records"),
        "distances": {str(k): v for k, v in alts.distances.to_dict(orient="index").items()},
    })


def write_alternatives(alts: Alternatives, landscape: Landscape, tmp: Path, out: Path, *,
                       maps: Sequence[str] = PLOT_FORMATS) -> tuple[dict[str, Any],
                                                                    dict[str, str]]:
    """Write the alternatives into ``tmp`` (files named as they will be in ``out``).

    Returns
    -------
    (dict, dict)
        :func:`alternatives_record` and the files (key -> final path).
    """
    alts.table.rename_axis("plan").to_csv(tmp / "alternatives.csv")
    alts.distances.rename_axis("plan").to_csv(tmp / "alternative_distances.csv")
    alts.assignments().rename_axis("code").to_csv(tmp / "alternatives_units.csv")
    files = {"alternatives_csv": "alternatives.csv",
             "alternative_distances_csv": "alternative_distances.csv",
             "alternatives_units_csv": "alternatives_units.csv"}
    if maps:
        axes = alts.plot(landscape)
        for p in _save(axes[0], tmp / "alternatives", maps):
            files[f"alternatives_{p.suffix.lstrip('.')}"] = p.name
    return alternatives_record(alts), {k: str(out / v) for k, v in files.items()}


# ------------------------------------------------------------------ trade-off
def solve_tradeoff(scenario: Scenario, landscape: Landscape, spec: RegionSpec,
                   graph: nx.Graph, *, progress: Callable[[dict], None] | None = None
                   ) -> TradeOff:
    """The trade-off curve of the scenario's ``[tradeoff]`` (defaults when absent).

    Every point is solved with the scenario's budget; ``solver.time_limit`` caps the
    whole scan.
    """
    from .scenario_extras import TradeoffSettings
    from .tradeoff import tradeoff

    s = scenario.tradeoff or TradeoffSettings()
    return tradeoff(landscape, spec, **s.kwargs(), budget=_budget(scenario),
                    time_limit=scenario.solver.time_limit, graph=graph, progress=progress)


def tradeoff_record(curve: TradeOff) -> dict[str, Any]:
    """What a summary says about a trade-off curve (JSON-able)."""
    table = curve.table.reset_index()
    return json_ready({
        "terms": list(curve.terms), "weights": [list(w) for w in curve.weights],
        "frontier": [str(x) for x in curve.frontier["label"]],
        "deterministic": bool(curve.run.get("deterministic", False)),
        "points": table.to_dict(orient="records"),
    })


def write_tradeoff(curve: TradeOff, tmp: Path, out: Path, *,
                   maps: Sequence[str] = PLOT_FORMATS) -> tuple[dict[str, Any], dict[str, str]]:
    """Write the trade-off curve into ``tmp``: ``tradeoff.csv``, ``tradeoff_units.csv``, plot.

    Returns
    -------
    (dict, dict)
        :func:`tradeoff_record` and the files (key -> final path).
    """
    curve.table.to_csv(tmp / "tradeoff.csv")
    curve.assignments().rename_axis("code").to_csv(tmp / "tradeoff_units.csv")
    files = {"tradeoff_csv": "tradeoff.csv", "tradeoff_units_csv": "tradeoff_units.csv"}
    if maps:
        for p in _save(curve.plot(), tmp / "tradeoff", maps):
            files[f"tradeoff_{p.suffix.lstrip('.')}"] = p.name
    return tradeoff_record(curve), {k: str(out / v) for k, v in files.items()}


# ------------------------------------------------------------------ commands
def _prepare(path: str | os.PathLike[str], out_dir: str | os.PathLike[str],
             changes: Mapping[str, Any]) -> tuple[Path, Scenario]:
    out = check_output_dir(out_dir)
    scenario = Scenario.from_toml(path)
    changes = {k: v for k, v in changes.items() if v is not None}
    if changes:
        scenario = scenario.replace(**changes)
    return out, scenario


def _finish(scenario: Scenario, out: Path, tmp: Path, record: dict[str, Any],
            files: dict[str, str]) -> dict[str, Any]:
    (tmp / "scenario.toml").write_text(scenario_text(scenario), encoding="utf-8")
    files = {"scenario": str(out / "scenario.toml"), **files,
             "summary": str(out / "summary.json")}
    summary = json_ready({"scenario": scenario.name, "out_dir": str(out), **record,
                          "files": files})
    (tmp / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False),
                                      encoding="utf-8")
    return summary


def _maps(scenario: Scenario) -> tuple[str, ...]:
    return scenario.output.maps if scenario.output is not None else PLOT_FORMATS


def alternatives_command(
    scenario_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
    n: int | None = None, within: float | None = None, distance: str | None = None,
    min_distance: float | None = None, seed: int | None = None,
    progress: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """``rato-opt alternatives``: the best plan and distinct alternatives, written to ``out_dir``.

    The arguments replace the fields of the scenario's ``[alternatives]`` table
    (:class:`~rato_opt.workflow.scenario_extras.AlternativeSettings`; checked as in a
    file) and ``solver.seed``. The best plan is solved with the scenario's solver
    settings (``progress`` is passed to that solve), then the walks run.

    Returns
    -------
    dict
        JSON-able: ``scenario``, ``out_dir``, ``plans`` (found), ``requested``, ``names``,
        ``distance``, ``within``, ``min_distance``, ``threshold``, ``notes``, ``table``
        (one record per plan), ``distances``, ``best`` (the best plan's summary) and
        ``files``; also written to ``summary.json``.

    Examples
    --------
    >>> alternatives_command("examples/scenarios/default_k12.toml", "out/alts",
    ...                      n=3)  # doctest: +SKIP
    """
    from ..optimize.pipeline import propose_regions

    section = {k: v for k, v in dict(n=n, within=within, distance=distance,
                                     min_distance=min_distance).items() if v is not None}
    out, scenario = _prepare(scenario_path, out_dir, {
        "alternatives": section, "solver": None if seed is None else {"seed": seed}})
    land = scenario.load_landscape()
    spec = scenario.to_spec(land)
    graph = scenario.build_graph(land)
    kwargs = scenario.solve_kwargs()
    if progress is not None:
        kwargs["progress"] = progress
    best = propose_regions(land, spec, graph=graph, **kwargs)
    alts = solve_alternatives(scenario, land, spec, graph, best=best)
    with atomic_output(out) as tmp:
        record, files = write_alternatives(alts, land, tmp, out, maps=_maps(scenario))
        record["best"] = best.summary()
        return _finish(scenario, out, tmp, record, files)


def tradeoff_command(
    scenario_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
    terms: Sequence[str] | None = None, points: int | None = None,
    weights: Sequence[Sequence[float]] | None = None, seed: int | None = None,
    progress: Callable[[dict], None] | None = None,
) -> dict[str, Any]:
    """``rato-opt tradeoff``: a trade-off curve of two objective terms, written to ``out_dir``.

    The arguments replace the fields of the scenario's ``[tradeoff]`` table
    (:class:`~rato_opt.workflow.scenario_extras.TradeoffSettings`): ``points`` and
    ``weights`` each replace both of the table's ``n_points`` and ``weights``.
    ``progress`` gets one event per point.

    Returns
    -------
    dict
        JSON-able: ``scenario``, ``out_dir``, ``terms``, ``weights``, ``frontier`` (labels
        of the non-dominated points), ``deterministic``, ``points`` (one record per
        weight pair) and ``files``; also written to ``summary.json``.

    Examples
    --------
    >>> tradeoff_command("examples/scenarios/default_k12.toml", "out/curve",
    ...                  points=3)  # doctest: +SKIP
    """
    section: dict[str, Any] = {}
    if terms is not None:
        section["terms"] = list(terms)
    if points is not None:
        section.update(n_points=points, weights=None)
    if weights is not None:
        section.update(weights=[list(w) for w in weights], n_points=None)
    out, scenario = _prepare(scenario_path, out_dir, {
        "tradeoff": section, "solver": None if seed is None else {"seed": seed}})
    land = scenario.load_landscape()
    spec = scenario.to_spec(land)
    graph = scenario.build_graph(land)
    curve = solve_tradeoff(scenario, land, spec, graph, progress=progress)
    with atomic_output(out) as tmp:
        record, files = write_tradeoff(curve, tmp, out, maps=_maps(scenario))
        return _finish(scenario, out, tmp, record, files)


# ------------------------------------------------------------------ command-line options
def cli_number(text: str, flag: str, *, whole: bool = False, example: str = "1000") -> float:
    """A number >= 0 (a whole number >= 1 with ``whole``) given on the command line.

    Raises
    ------
    InputError
        Naming the flag, the text given and an example.

    Examples
    --------
    >>> cli_number("12.5", "--funds-base"), cli_number("3", "--n", whole=True)
    (12.5, 3)
    """
    from ..exceptions import InputError

    try:
        value = int(text) if whole else float(text)
    except (TypeError, ValueError):
        value = None
    if value is None or not math.isfinite(value) or value < (1 if whole else 0):
        what = "a whole number >= 1" if whole else "a number >= 0"
        raise InputError(f"{flag} must be {what}, got {text!r}; e.g. {flag} {example}")
    return value


def plan_changes(args: Any) -> dict[str, Any]:
    """Scenario changes of ``--funds-*`` and ``--factsheets`` (checked before loading data).

    Examples
    --------
    >>> from argparse import Namespace
    >>> plan_changes(Namespace(funds_base="1000", funds_per=["pupils_po=12.5"],
    ...                        funds_total=None, factsheets=True))
    {'funds': {'base_per_region': 1000.0, 'per_weight': {'pupils_po': 12.5}}, 'output': {'factsheets': True}}
    """
    from ..exceptions import InputError

    funds: dict[str, Any] = {}
    if args.funds_base is not None:
        funds["base_per_region"] = cli_number(args.funds_base, "--funds-base")
    per: dict[str, float] = {}
    for item in args.funds_per:
        column, sep, rate = str(item).partition("=")
        if not sep or not column.strip():
            raise InputError(f"--funds-per must be COLUMN=RATE, got {item!r}; e.g. "
                             "--funds-per pupils_po=12.5")
        per[column.strip()] = cli_number(rate.strip(), "--funds-per", example="pupils_po=12.5")
    if per:
        funds["per_weight"] = per
    if args.funds_total is not None:
        funds["total"] = cli_number(args.funds_total, "--funds-total", example="1000000")
    changes: dict[str, Any] = {}
    if funds:
        changes["funds"] = funds
    if args.factsheets:
        changes["output"] = {"factsheets": True}
    return changes


def parse_weights(text: str) -> list[tuple[float, float]]:
    """Weight pairs of ``--weights``.

    Examples
    --------
    >>> parse_weights("0.1:0.9,0.5:0.5")
    [(0.1, 0.9), (0.5, 0.5)]
    >>> parse_weights("0.1-0.9")
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.InputError: --weights must be pairs WX:WY of numbers >= 0 separated by commas, got '0.1-0.9' (at '0.1-0.9'); e.g. --weights 0.1:0.9,0.5:0.5
    """
    from ..exceptions import InputError

    pairs = []
    for part in str(text).split(","):
        wx, sep, wy = part.strip().partition(":")
        try:
            pair = (float(wx), float(wy)) if sep else None
        except ValueError:
            pair = None
        if pair is None or not all(math.isfinite(v) and v >= 0 for v in pair) or sum(pair) <= 0:
            raise InputError(f"--weights must be pairs WX:WY of numbers >= 0 separated by "
                             f"commas, got {text!r} (at {part!r}); e.g. --weights "
                             "0.1:0.9,0.5:0.5")
        pairs.append(pair)
    return pairs


def command_options(args: Any) -> dict[str, Any]:
    """The checked options of a ``rato-opt`` command, as keyword arguments of its function.

    Cheap: run before any data are loaded, so a bad flag fails at once.

    Examples
    --------
    >>> from argparse import Namespace
    >>> command_options(Namespace(command="tradeoff", terms="alignment,split", points="3",
    ...                           weights=None))
    {'terms': ['alignment', 'split'], 'points': 3, 'weights': None}
    """
    from ..exceptions import InputError

    if args.command in ("run", "proposals"):
        return {"changes": plan_changes(args)}
    if args.command == "alternatives":
        opts: dict[str, Any] = {"distance": args.distance}
        opts["n"] = None if args.n is None else int(cli_number(args.n, "--n", whole=True,
                                                             example="3"))
        opts["within"] = None if args.within is None else cli_number(args.within, "--within",
                                                                  example="0.05")
        opts["min_distance"] = None if args.min_distance is None else cli_number(
            args.min_distance, "--min-distance", example="10")
        return opts
    if args.command == "tradeoff":
        if args.points is not None and args.weights is not None:
            raise InputError("give --points or --weights, not both")
        terms = None
        if args.terms is not None:
            terms = [t.strip() for t in args.terms.split(",")]
            if len(terms) != 2 or not all(terms):
                raise InputError(f"--terms must be two objective terms X,Y, got "
                                 f"{args.terms!r}; e.g. --terms alignment,split")
        return {"terms": terms,
                "points": None if args.points is None else int(
                    cli_number(args.points, "--points", whole=True, example="5")),
                "weights": None if args.weights is None else parse_weights(args.weights)}
    return {}
