"""The tables of a scenario that are not part of the region spec: data, layers, adjacency, solver.

The spec parts of a scenario (``[[bounds]]``, ``[objective]``, ``[locks]``) are the
classes of :mod:`rato_opt.spec` themselves (:class:`~rato_opt.spec.Bound`,
:class:`~rato_opt.spec.Objective`, :class:`~rato_opt.spec.Locks`), and the seed and
work fields of ``[solver]`` form a :class:`~rato_opt.spec.Budget`. The classes here
hold values only; :mod:`rato_opt.workflow.scenario_fields` reads and checks them
from the dict (TOML) form, naming every field by its dotted path.

Examples
--------
>>> DataSource(source="default", n_units=60).n_units
60
>>> SolverSettings(work=Budget(seed=3, nodes=50)).kwargs()["budget"].nodes
50
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import ScenarioError
from ..spec import Budget

__all__ = [
    "DataSource",
    "WeightTable",
    "LayerTable",
    "LayerChoice",
    "Adjacency",
    "SolverSettings",
    "SOURCES",
    "SOLVERS",
    "MODES",
    "CONTIGUITY",
    "WORK_FIELDS",
    "SIZE_FIELDS",
]

#: Allowed values of ``data.source``.
SOURCES = ("default", "nl2024", "nl2024_wijken", "nl2024_mixed", "files")
#: Allowed values of ``solver.solver``.
SOLVERS = ("highs", "cbc")
#: Allowed values of ``solver.mode``: work budgets (reproducible) or the clock.
MODES = ("deterministic", "wall_clock")
#: Allowed values of ``adjacency.contiguity``.
CONTIGUITY = ("queen", "rook")
#: Budget fields of ``[solver]`` counted in work (see :class:`rato_opt.spec.Budget`), with
#: the smallest value each takes.
WORK_FIELDS = {"starts": 1, "anneal_moves": 0, "anneal_rounds": 0, "nodes": 0,
               "pmedian_nodes": 0, "recom_steps": 0, "recom_rounds": 0, "pool_max_columns": 0}
#: Budget fields of ``[solver]`` that limit a model's size, not work: allowed in both modes.
SIZE_FIELDS = {"exact_max_binaries": 0}


@dataclass(frozen=True)
class WeightTable:
    """A table of weights joined to the units by code (``[[data.weights]]``)."""

    path: str
    on: str = "code"
    columns: tuple[str, ...] | None = None
    fill: float | None = None
    extra: str = "raise"


@dataclass(frozen=True)
class LayerTable:
    """A collaboration layer read from a file (``[[data.layer_tables]]``).

    A CSV/Excel file holds one row per (unit, collaboration) membership;
    a vector file (GeoPackage, GeoJSON, ...) holds one polygon per collaboration.
    """

    name: str
    path: str
    unit: str = "unit"
    collaboration: str = "collaboration"
    collaboration_name: str | None = None
    share: str | None = None
    min_share: float = 0.5
    kind: str | None = None
    crs: str | None = None


@dataclass(frozen=True)
class DataSource:
    """Where the landscape comes from (``[data]``); loaded by
    :func:`rato_opt.workflow.data_source.load_landscape`."""

    source: str = "default"
    seed: int = 2026
    n_units: int = 340
    dir: str | None = None
    units: str | None = None
    code: str = "code"
    name: str | None = None
    layer: str | None = None
    crs: str | None = None
    weights: tuple[WeightTable, ...] = ()
    layer_tables: tuple[LayerTable, ...] = ()
    refine: tuple[str, ...] | None = None
    refine_must_split: bool = True


@dataclass(frozen=True)
class LayerChoice:
    """Which layers to use and their membership thresholds (``[layers]``)."""

    use: tuple[str, ...] | None = None
    min_share: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Adjacency:
    """How units neighbour each other (``[adjacency]``)."""

    contiguity: str = "queen"
    tolerance: float = 1.0
    links: str | None = None
    allow_islands: bool = False


@dataclass(frozen=True)
class SolverSettings:
    """How to solve (``[solver]``); passed to :func:`rato_opt.optimize.pipeline.propose_regions`.

    ``work`` is the :class:`~rato_opt.spec.Budget`: the seed and the work of every
    stage. With every work field set (``mode == "deterministic"``, the default) the
    same scenario with the same seed gives the same plan bit for bit on any machine;
    ``time_limit`` is then only a wall-clock cap (None: no cap; ``0`` in TOML), and a
    plan that hit it says so (``plan.run["deterministic"]`` False). With no work field
    set (:meth:`Budget.wall_clock <rato_opt.spec.Budget.wall_clock>`, ``mode ==
    "wall_clock"``) every stage runs for its share of ``time_limit`` instead (not
    reproducible). In TOML the seed and work fields sit in ``[solver]`` itself.

    Examples
    --------
    >>> s = SolverSettings(work=Budget(seed=3, nodes=50))
    >>> s.seed, s.nodes, s.mode, s.budget().deterministic
    (3, 50, 'deterministic', True)
    >>> SolverSettings(time_limit=30, work=Budget.wall_clock()).mode
    'wall_clock'
    """

    solver: str = "highs"
    time_limit: float | None = 60.0
    threads: int | None = None
    warm_start: bool = True
    msg: bool = False
    work: Budget = field(default_factory=Budget)

    @property
    def mode(self) -> str:
        """``"wall_clock"`` when no stage is budgeted in work, else ``"deterministic"``."""
        if all(getattr(self.work, name) is None for name in WORK_FIELDS):
            return "wall_clock"
        return "deterministic"

    @property
    def seed(self) -> int:
        """Seed of every random choice (``work.seed``)."""
        return self.work.seed

    @property
    def starts(self) -> int | None:
        """Heuristic starts (``work.starts``)."""
        return self.work.starts

    @property
    def anneal_moves(self) -> int | None:
        """Annealing moves per unit and round (``work.anneal_moves``)."""
        return self.work.anneal_moves

    @property
    def anneal_rounds(self) -> int | None:
        """Annealing rounds (``work.anneal_rounds``)."""
        return self.work.anneal_rounds

    @property
    def nodes(self) -> int | None:
        """Branch-and-bound nodes of the integer program (``work.nodes``)."""
        return self.work.nodes

    @property
    def pmedian_nodes(self) -> int | None:
        """Nodes of the p-median warm start (``work.pmedian_nodes``)."""
        return self.work.pmedian_nodes

    @property
    def exact_max_binaries(self) -> int | None:
        """Largest model the integer program runs on (``work.exact_max_binaries``)."""
        return self.work.exact_max_binaries

    def budget(self) -> Budget:
        """The :class:`~rato_opt.spec.Budget` of these settings (seed and work per stage).

        Raises
        ------
        ScenarioError
            Some but not all work fields are None (settings built in Python
            without going through a :class:`~rato_opt.workflow.scenario.Scenario`).
        """
        if self.mode == "deterministic":
            for name, minimum in WORK_FIELDS.items():
                if getattr(self.work, name) is None:
                    raise ScenarioError(
                        f"scenario field 'solver.{name}': got None; expected a whole number "
                        f">= {minimum} in mode 'deterministic'")
        return self.work

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`rato_opt.optimize.pipeline.solve` / ``propose_regions``.

        ``threads`` is left out when not set, so the solver's reproducible default
        (one thread) applies.
        """
        out: dict[str, Any] = {
            "solver": self.solver,
            "budget": self.budget(),
            "time_limit": self.time_limit,
            "warm_start": self.warm_start,
            "msg": self.msg,
        }
        if self.threads is not None:
            out["threads"] = self.threads
        return out

    def as_dict(self) -> dict[str, Any]:
        """The ``[solver]`` table: settings, ``mode``, seed and work fields (None left out).

        ``time_limit`` None is written as ``0.0`` (TOML has no null: 0 means no cap).

        Examples
        --------
        >>> SolverSettings(time_limit=None, work=Budget.wall_clock(4)).as_dict()
        {'solver': 'highs', 'time_limit': 0.0, 'warm_start': True, 'msg': False, 'mode': 'wall_clock', 'seed': 4, 'exact_max_binaries': 2000}
        """
        out: dict[str, Any] = {
            "solver": self.solver,
            "time_limit": 0.0 if self.time_limit is None else self.time_limit,
            "threads": self.threads,
            "warm_start": self.warm_start,
            "msg": self.msg,
            "mode": self.mode,
            **self.work.as_dict(),
        }
        return {key: value for key, value in out.items() if value is not None}
