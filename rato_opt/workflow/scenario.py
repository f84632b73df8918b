"""Scenarios as data: one TOML file (or one frozen object) per what-if question.

A :class:`Scenario` says where the data come from, which layers and adjacency
to use, how many regions to form, which bounds, objective weights and locks
apply, and how to solve. Its bounds, objective and locks are the classes of
:mod:`rato_opt.spec` (:class:`~rato_opt.spec.Bound`, :class:`~rato_opt.spec.Objective`,
:class:`~rato_opt.spec.Locks`) and its ``[solver]`` holds a :class:`~rato_opt.spec.Budget`.
It turns into a :class:`~rato_opt.spec.RegionSpec` (:meth:`Scenario.to_spec`);
:func:`rato_opt.workflow.data_source.scenario_landscape` (also
:meth:`Scenario.load_landscape`) loads the data it describes, and
:func:`rato_opt.workflow.run.run_scenario` runs it. Reading and writing the TOML form is
done by :mod:`rato_opt.workflow.scenario_fields` and :mod:`rato_opt.workflow.scenario_toml`.

TOML schema
-----------
Every key is optional except where noted; omitted keys take the defaults shown.
Relative paths are relative to the directory of the TOML file.

.. code-block:: toml

    name = "k12_alliances"            # default: the file name without .toml
    description = "Twelve regions, alliances respected"
    extends = "base.toml"             # optional parent scenario (see below)
    sector = "po"                     # "po" | "vo" | "mbo": default split_by = pupils_<sector>
    k = 12                            # exact number of regions, or a range:
    # k_min = 10
    # k_max = 14
    # min_units = 2                   # units per region
    # max_units = 60
    start = "plans/current.csv"       # a plan (unit code, region) to warm-start / stay close to
    # start_layer = "amr"             # ... or a partition layer of the data as that plan

    [data]
    source = "default"                # "default" | "nl2024" | "nl2024_wijken" | "nl2024_mixed"
                                      # | "files"
    seed = 2026                       # default: seed of the synthetic country
    n_units = 340                     # default: number of units of the synthetic country
    # dir = "/path/to/nl"             # nl2024*: data directory (default $RATO_OPT_DATA)
    # refine = ["GM0363", "GM0599"]   # nl2024_mixed: gemeenten split into wijken (default the
    #                                 #   four big cities); with refine_must_split = true (the
    #                                 #   default) also every gemeente above an upper bound
    # units = "units.gpkg"            # files: unit polygons ...
    # code = "code"                   #   ... their code column
    # name = "naam"                   #   ... and name column
    # layer = "gemeenten"             #   ... and layer within a GeoPackage
    # crs = "EPSG:28992"              #   ... CRS of its coordinates, when the file declares
    #                                 #   none (a GeoJSON without "crs" is read as EPSG:4326)
    # [[data.weights]]                # files: weight tables joined by code
    # path = "population.csv"
    # on = "code"
    # columns = ["population"]
    # extra = "raise"                 #   codes that are not units: "raise" | "ignore"
    # [[data.layer_tables]]           # files: collaboration layers
    # name = "sop"                    #   CSV with one row per (unit, collaboration)
    # path = "sop.csv"                #   or polygons (.gpkg, .geojson, ...)
    # unit = "unit"
    # collaboration = "collaboration"

    [layers]
    use = ["rap_po", "sop", "alliance", "amr"]   # default: every layer of the data
    min_share = { sop = 0.3 }                     # per-layer membership threshold

    [adjacency]
    contiguity = "queen"              # "queen" | "rook"
    tolerance = 1.0                   # metres within which polygons are neighbours
    # links = "links.csv"             # extra links: from_code, to_code, kind, name
    allow_islands = false

    [[bounds]]
    column = "population"
    lower = 0.5
    upper = 2.0
    relative = true                   # factors of the mean region total

    [objective]
    split = 1.0
    # split_layers = { rap_po = 1.0, sop = 0.5 }
    # split_by = "pupils_po"
    compactness = 0.1
    alignment = 0.5
    reference = "amr"
    alliance = 0.0
    alliance_layer = "alliance"
    alliance_hard = false
    stay_close = 0.0

    [locks]
    together = [["U001", "U002"]]
    apart = [["U010", "U200"]]
    own_region = []
    fixed = { U001 = "north" }

    [solver]
    solver = "highs"                  # "highs" | "cbc"
    mode = "deterministic"            # "deterministic" | "wall_clock" (see below)
    seed = 0                          # seed of every random choice
    starts = 8                        # work budget (rato_opt.Budget): heuristic starts,
    anneal_moves = 300                #   annealing moves per unit and round,
    anneal_rounds = 3                 #   annealing rounds,
    nodes = 1000                      #   branch-and-bound nodes (0: no integer program),
    pmedian_nodes = 200               #   nodes of the p-median warm start,
    recom_steps = 3000                #   recombination proposals per round,
    recom_rounds = 3                  #   recombination rounds (0: no recombination),
    pool_max_columns = 500            #   regions in the pool program (0: no pool),
    exact_max_binaries = 2000         # integer program only up to this many binaries
    time_limit = 60.0                 # wall-clock cap in seconds; 0 means no cap
    # threads = 2                     # default 1 (reproducible)
    warm_start = true
    msg = false

    # Optional tables about what is made of the plan (rato_opt.workflow.scenario_extras):
    [funds]                           # funds follow the regions (exported with the plan)
    base_per_region = 250000.0
    per_weight = { pupils_po = 12.5 } # amount per unit of a weight column
    # total = 10000000.0              # distribute exactly this (a whole number of steps)
    # step = 0.01

    [output]
    factsheets = true                 # factsheets.pdf: one A4 page per region
    # factsheet_reference = "amr"     # default objective.reference
    # maps = ["pdf", "png"]
    # formats = ["gpkg", "csv", "xlsx", "geojson"]

    # [proposals]                     # complete the regions' own proposals into the plan
    # table = "proposals.csv"         #   proposal, unit [, name] (or proposal, board)
    # boards = "boards"               #   the table lists school boards of this layer
    # accepted = ["P03"]              #   proposals locked as submitted
    # weight = 10.0                   #   weight of keeping a proposal whole

    [alternatives]                    # alternatives.csv/png: distinct, nearly as good plans
    n = 3
    within = 0.05
    distance = "units_moved"          # or "ari"
    # min_distance = 10
    # steps = 2000

    [tradeoff]                        # tradeoff.csv/png: a frontier of two terms
    terms = ["alignment", "split"]
    weights = [[0.1, 0.9], [0.5, 0.5], [0.9, 0.1]]   # or n_points = 5

Inheritance: ``extends = "base.toml"`` loads the parent first (recursively) and
merges the child over it: tables merge key by key, every other value (lists
included) is replaced. Cycles raise :class:`~rato_opt.exceptions.ScenarioError`.
In Python, :meth:`Scenario.replace` and :meth:`Scenario.variant` apply the same
merge to keyword changes, e.g. ``base.variant("k14", k=14, objective={"alignment": 1})``.

Reproducibility: in ``mode = "deterministic"`` every stage of the solve is budgeted
in work (the seed and work fields above form a :class:`~rato_opt.spec.Budget`), so
the same scenario and seed give the same plan bit for bit on any machine and under
any load. ``time_limit`` is then only a cap: a run that hits it still returns its
best verified plan, and says so (``run.stopped_by = "time_limit"``,
``run.deterministic = false`` in ``summary.json``); raise the cap, or lower the
budget, when that happens. ``mode = "wall_clock"`` gives every stage a share of
``time_limit`` instead (for comparisons at equal wall time; not reproducible): it
needs ``time_limit > 0`` and takes no work fields (``exact_max_binaries``, a size
rule, applies in both modes).

Every invalid value raises :class:`~rato_opt.exceptions.ScenarioError` naming the
field as a dotted path (``objective.alignment``, ``bounds[1].upper``), the value
given and the values allowed.

Examples
--------
>>> s = Scenario.from_dict({"name": "demo", "k": 6, "objective": {"compactness": 0.2}})
>>> s.k, s.objective.compactness, s.solver.solver
(6, 0.2, 'highs')
>>> Scenario.from_dict({"k": 6, "funds": {"per_weight": {"pupils_po": 10}}}).funds.per_weight
{'pupils_po': 10.0}
>>> s.variant("demo7", k=7).k
7
>>> Scenario.from_dict({"k": 0})
Traceback (most recent call last):
...
rato_opt.exceptions.ScenarioError: scenario field 'k': got 0; expected a whole number >= 1
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import RatoOptError, ScenarioError
from ..spec import Bound, Locks, Objective, RegionSpec
from .data_source import check_names, check_start, resolve_path, scenario_landscape, start_plan
from .scenario_fields import check_table, fail, parse_scenario
from .scenario_sections import Adjacency, DataSource, LayerChoice, SolverSettings
from .scenario_toml import dumps_toml, merge_tables, plain, read_toml, resolve_extends

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    import pandas as pd

    from ..assess.funds import FundsFormula
    from ..landscape.coverage import Landscape
    from .scenario_extras import (
        AlternativeSettings,
        OutputSettings,
        ProposalSettings,
        TradeoffSettings,
    )

__all__ = ["Scenario", "load_scenario"]


@dataclass(frozen=True)
class Scenario:
    """One what-if question, as data.

    Build it with :meth:`from_dict`, :meth:`from_toml` (or :func:`load_scenario`),
    derive variants with :meth:`replace` / :meth:`variant`, and run it with
    :func:`rato_opt.workflow.run.run_scenario`. The TOML schema is in the module
    docstring. Sections may be given as objects or as tables (dicts); either way
    they are checked as a TOML file is.

    Parameters
    ----------
    name, description : str
        Label and free text.
    data : DataSource
        Source of the landscape.
    layers : LayerChoice
        Layers to use and their ``min_share``.
    adjacency : Adjacency
        Contiguity rule, tolerance, extra links, islands.
    sector : {"po", "vo", "mbo"}, optional
        Education sector; sets the default ``objective.split_by`` to
        ``pupils_<sector>``.
    k, k_min, k_max, min_units, max_units : int, optional
        Number of regions and units per region.
    bounds : tuple of rato_opt.spec.Bound
        Bounds on region totals.
    objective : rato_opt.spec.Objective
        Objective weights.
    locks : rato_opt.spec.Locks
        Planner's locks.
    start : str, optional
        Path of a plan file (see :func:`rato_opt.workflow.plan_reader.read_plan`): the
        plan to warm-start from and, with ``objective.stay_close``, to stay close to.
    start_layer : str, optional
        Instead of ``start``: a layer of the data whose collaborations form the
        start plan (each unit in its collaboration of largest share), e.g.
        ``"amr"`` to start from the arbeidsmarktregio's.
    solver : SolverSettings
        Solver, seed and work budget (:meth:`SolverSettings.budget
        <rato_opt.workflow.scenario_sections.SolverSettings.budget>`), and the
        wall-clock cap ``time_limit``.
    funds : rato_opt.assess.funds.FundsFormula, optional
        Funds divided over the regions and exported with the plan (``[funds]``).
    output : OutputSettings, optional
        Export and map formats, fact sheets (``[output]``; see
        :mod:`rato_opt.workflow.scenario_extras` for this and the next three).
    proposals : ProposalSettings, optional
        Regions' own proposals, completed into the plan.
    alternatives : AlternativeSettings, optional
        Distinct plans nearly as good as the best, found after the plan.
    tradeoff : TradeoffSettings, optional
        A trade-off curve of two objective terms, scanned after the plan.
    base_dir : str, optional
        Directory relative paths are resolved against (the TOML file's directory);
        not written to TOML and ignored in comparisons.

    Examples
    --------
    >>> base = Scenario(name="base", k=5)
    >>> base.replace(objective={"compactness": 0.3}).objective.compactness
    0.3
    >>> type(base.objective).__name__, base.solver.budget().deterministic
    ('Objective', True)
    >>> Scenario.from_dict({"solver": {"solver": "gurobi"}})
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.ScenarioError: scenario field 'solver.solver': got 'gurobi'; expected one of 'highs', 'cbc'
    """

    name: str = "scenario"
    description: str = ""
    data: DataSource = field(default_factory=DataSource)
    layers: LayerChoice = field(default_factory=LayerChoice)
    adjacency: Adjacency = field(default_factory=Adjacency)
    sector: str | None = None
    k: int | None = None
    k_min: int | None = None
    k_max: int | None = None
    min_units: int | None = None
    max_units: int | None = None
    bounds: tuple[Bound, ...] = ()
    objective: Objective = field(default_factory=Objective)
    locks: Locks = field(default_factory=Locks)
    start: str | None = None
    start_layer: str | None = None
    solver: SolverSettings = field(default_factory=SolverSettings)
    funds: FundsFormula | None = None
    output: OutputSettings | None = None
    proposals: ProposalSettings | None = None
    alternatives: AlternativeSettings | None = None
    tradeoff: TradeoffSettings | None = None
    base_dir: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Validate by a round trip through the dict form, so that objects built in
        # Python are held to the same rules as TOML files.
        for name, value in parse_scenario(plain(self)).items():
            object.__setattr__(self, name, value)
        if self.base_dir is not None:
            object.__setattr__(self, "base_dir", os.fspath(self.base_dir))

    @classmethod
    def _build(cls, raw: Mapping[str, Any], base_dir: str | os.PathLike[str] | None
               ) -> Scenario:
        """A scenario from a dict form that :func:`parse_scenario` accepts (no re-check)."""
        obj = object.__new__(cls)
        for name, value in parse_scenario(raw).items():
            object.__setattr__(obj, name, value)
        object.__setattr__(obj, "base_dir", None if base_dir is None else os.fspath(base_dir))
        return obj

    # ------------------------------------------------------------ construction
    @classmethod
    def from_dict(
        cls, raw: Mapping[str, Any], *, base_dir: str | os.PathLike[str] | None = None
    ) -> Scenario:
        """Build a scenario from its dict (TOML) form.

        ``extends`` is resolved relative to ``base_dir`` (the current directory
        when None).

        Raises
        ------
        ScenarioError
            Unknown field, wrong type or value out of range, naming the field.
        """
        raw = check_table(raw, "(scenario)")
        if "extends" in raw:
            base = Path(base_dir) if base_dir is not None else Path.cwd()
            raw = resolve_extends(dict(raw), base)
        return cls._build(raw, base_dir)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Scenario:
        """Read a scenario from a TOML file (resolving ``extends``).

        The name defaults to the file name without ``.toml``.
        """
        p = Path(path).resolve()
        raw = resolve_extends(read_toml(p), p.parent, (p,))
        raw.setdefault("name", p.stem)
        return cls.from_dict(raw, base_dir=p.parent)

    def to_dict(self) -> dict[str, Any]:
        """Return the dict (TOML) form; ``None`` values are left out.

        Examples
        --------
        >>> Scenario(name="x", k=3).to_dict()["k"]
        3
        """
        return plain(self)

    def to_toml(self, path: str | os.PathLike[str] | None = None) -> str:
        """Return the TOML text, and write it to ``path`` when given.

        Examples
        --------
        >>> from rato_opt.workflow.scenario_toml import loads_toml
        >>> text = Scenario(name="x", k=3).to_toml()
        >>> Scenario.from_dict(loads_toml(text)) == Scenario(name="x", k=3)
        True
        """
        text = dumps_toml(self.to_dict())
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def replace(self, **changes: Any) -> Scenario:
        """Return a copy with ``changes`` merged in (tables merge, other values replace).

        A value of ``None`` removes the field (back to its default).

        Examples
        --------
        >>> s = Scenario(name="a", k=5, objective={"compactness": 0.1})
        >>> t = s.replace(objective={"alignment": 1.0, "reference": "amr"})
        >>> t.objective.compactness, t.objective.alignment
        (0.1, 1.0)
        """
        merged = merge_tables(self.to_dict(), plain(changes), delete_none=True)
        return Scenario._build(merged, self.base_dir)

    def variant(self, name: str, **changes: Any) -> Scenario:
        """Return a named variant: :meth:`replace` with ``name`` set."""
        return self.replace(name=name, **changes)

    # ----------------------------------------------------------------- data
    def resolve(self, path: str | None) -> Path | None:
        """Resolve a path of the scenario against :attr:`base_dir`."""
        return None if path is None else resolve_path(path, self.base_dir)

    def load_landscape(self) -> Landscape:
        """Load the landscape: :func:`rato_opt.workflow.data_source.scenario_landscape`."""
        return scenario_landscape(self)

    def check(self, landscape: Landscape) -> None:
        """Check the names the scenario uses against ``landscape``
        (:func:`rato_opt.workflow.data_source.check_names`)."""
        check_names(self, landscape)

    def start_plan(self, landscape: Landscape | None = None) -> pd.Series | None:
        """The start plan: :func:`rato_opt.workflow.data_source.start_plan`."""
        return start_plan(self, landscape)

    def build_graph(self, landscape: Landscape) -> nx.Graph:
        """Build the unit graph with the scenario's contiguity and tolerance."""
        from ..landscape.graph import graph_from_landscape

        return graph_from_landscape(
            landscape, contiguity=self.adjacency.contiguity, tolerance=self.adjacency.tolerance
        )

    # ------------------------------------------------------------------- spec
    def split_by(self, landscape: Landscape | None = None) -> str | None:
        """The member-weight column: ``objective.split_by``, else ``pupils_<sector>``."""
        if self.objective.split_by is not None or self.sector is None:
            return self.objective.split_by
        column = f"pupils_{self.sector}"
        if landscape is not None and column not in landscape.weights:
            raise fail(
                "sector", self.sector,
                f"a sector whose weight column pupils_<sector> exists; the data have "
                f"{landscape.weights} (or set objective.split_by)",
            )
        return column

    def to_spec(self, landscape: Landscape | None = None) -> RegionSpec:
        """Build the :class:`~rato_opt.spec.RegionSpec` of the scenario.

        Parameters
        ----------
        landscape : Landscape, optional
            When given, ``sector`` and the start plan are checked against it (and a
            ``start_layer`` needs it).

        Examples
        --------
        >>> spec = Scenario(k=4, bounds=[{"column": "population", "upper": 2.0,
        ...                               "relative": True}]).to_spec()
        >>> spec.k, spec.bounds[0].upper
        (4, 2.0)
        """
        try:
            objective = dataclasses.replace(self.objective, split_by=self.split_by(landscape))
            start = start_plan(self, landscape)
            if start is not None and landscape is not None:
                check_start(self, start, landscape)
            return RegionSpec(
                k=self.k, k_min=self.k_min, k_max=self.k_max, bounds=self.bounds,
                min_units=self.min_units, max_units=self.max_units, objective=objective,
                locks=self.locks, start=None if start is None else start.to_dict(),
                allow_islands=self.adjacency.allow_islands,
                contiguity=self.adjacency.contiguity,
            )
        except ScenarioError:
            raise
        except RatoOptError as err:
            raise ScenarioError(f"scenario {self.name!r}: {err}") from err

    def solve_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`rato_opt.optimize.pipeline.solve` / ``propose_regions``.

        ``budget`` is the :class:`~rato_opt.spec.Budget` of ``[solver]`` (seed and
        work per stage) and ``time_limit`` the wall-clock cap (None: no cap).

        Examples
        --------
        >>> kw = Scenario(k=3, solver={"seed": 2, "nodes": 50}).solve_kwargs()
        >>> kw["budget"].seed, kw["budget"].nodes, kw["time_limit"]
        (2, 50, 60.0)
        """
        return self.solver.kwargs()


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario TOML file; see :meth:`Scenario.from_toml`.

    Examples
    --------
    >>> s = load_scenario("examples/scenarios/default_k12.toml")  # doctest: +SKIP
    >>> s.name, s.k  # doctest: +SKIP
    ('default_k12', 12)
    """
    return Scenario.from_toml(path)
