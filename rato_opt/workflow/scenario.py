"""Scenarios as data: one TOML file (or one frozen object) per what-if question.

A :class:`Scenario` says where the data come from, which layers and adjacency
to use, how many regions to form, which bounds, objective weights and locks
apply, and how to solve. It turns into a :class:`~rato_opt.spec.RegionSpec`
(:meth:`Scenario.to_spec`) and a :class:`~rato_opt.landscape.coverage.Landscape`
(:meth:`Scenario.load_landscape`); :func:`rato_opt.workflow.run.run_scenario` runs it.

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
    source = "default"                # "default" | "nl2024" | "files"
    seed = 2026                       # default: seed of the synthetic country
    n_units = 340                     # default: number of units of the synthetic country
    # dir = "/path/to/nl"             # nl2024: data directory (default $RATO_OPT_DATA)
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
    exact_max_binaries = 2000         #   integer program only up to this many binaries
    time_limit = 60.0                 # wall-clock cap in seconds; 0 means no cap
    # threads = 2                     # default 1 (reproducible)
    warm_start = true
    msg = false

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
needs ``time_limit > 0`` and takes no work fields.

Every invalid value raises :class:`~rato_opt.exceptions.ScenarioError` naming the
field as a dotted path (``objective.alignment``, ``bounds[1].upper``), the value
given and the values allowed.

Examples
--------
>>> s = Scenario.from_dict({"name": "demo", "k": 6, "objective": {"compactness": 0.2}})
>>> s.k, s.objective.compactness, s.solver.solver
(6, 0.2, 'highs')
>>> s.variant("demo7", k=7).k
7
>>> Scenario.from_dict({"k": 0})
Traceback (most recent call last):
...
rato_opt.exceptions.ScenarioError: scenario field 'k': got 0; expected a whole number >= 1
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import RatoOptError, ScenarioError
from ..spec import TERMS, _lock_codes

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from ..landscape.coverage import Landscape
    from ..spec import RegionSpec

try:  # Python >= 3.11
    import tomllib as _toml_reader
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as _toml_reader  # type: ignore[no-redef]

__all__ = [
    "Scenario",
    "DataSource",
    "WeightTable",
    "LayerTable",
    "LayerChoice",
    "Adjacency",
    "BoundSpec",
    "ObjectiveSpec",
    "LockSpec",
    "SolverSettings",
    "load_scenario",
    "dumps_toml",
    "SOURCES",
    "SOLVERS",
    "SECTORS",
    "MODES",
]

#: Allowed values of ``data.source``.
SOURCES = ("default", "nl2024", "files")
#: Allowed values of ``solver.solver``.
SOLVERS = ("highs", "cbc")
#: Allowed values of ``sector``.
SECTORS = ("po", "vo", "mbo")
#: Allowed values of ``solver.mode``: work budgets (reproducible) or the clock.
MODES = ("deterministic", "wall_clock")
CONTIGUITY = ("queen", "rook")


# ---------------------------------------------------------------- field checks
def _fail(path: str, value: Any, expected: str) -> ScenarioError:
    return ScenarioError(f"scenario field {path!r}: got {value!r}; expected {expected}")


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _str(v, path, *, choices=None, nullable=False):
    if v is None and nullable:
        return None
    if not isinstance(v, str) or (not v and choices is None):
        raise _fail(path, v, "a non-empty string" + (" or nothing" if nullable else ""))
    if choices is not None and v not in choices:
        raise _fail(path, v, "one of " + ", ".join(repr(c) for c in choices))
    return v


def _int(v, path, *, minimum=1, nullable=False):
    if v is None and nullable:
        return None
    if not _is_num(v) or (isinstance(v, float) and not v.is_integer()) or v < minimum:
        raise _fail(path, v, f"a whole number >= {minimum}")
    return int(v)


def _float(v, path, *, nullable=False, minimum=0.0, maximum=None, strict=False):
    if v is None and nullable:
        return None
    ok = _is_num(v) and math.isfinite(v) and (v > minimum if strict else v >= minimum)
    if ok and maximum is not None:
        ok = v <= maximum
    if not ok:
        rng = f"> {minimum}" if strict else f">= {minimum}"
        if maximum is not None:
            rng += f" and <= {maximum}"
        raise _fail(path, v, f"a finite number {rng}")
    return float(v)


def _bool(v, path):
    if not isinstance(v, bool):
        raise _fail(path, v, "true or false")
    return v


def _str_list(v, path, *, nullable=False):
    if v is None and nullable:
        return None
    if isinstance(v, str) or not isinstance(v, list | tuple):
        raise _fail(path, v, "a list of strings, e.g. [\"a\", \"b\"]")
    return tuple(_str(x, f"{path}[{i}]") for i, x in enumerate(v))


def _groups(v, path, *, pairs=False):
    if isinstance(v, str) or not isinstance(v, list | tuple):
        raise _fail(path, v, "a list of lists of unit codes, e.g. [[\"A\", \"B\"]]")
    out = []
    for i, g in enumerate(v):
        codes = _str_list(g, f"{path}[{i}]")
        if pairs and len(codes) != 2:
            raise _fail(f"{path}[{i}]", g, "a pair of two unit codes")
        if not codes:
            raise _fail(f"{path}[{i}]", g, "a non-empty list of unit codes")
        out.append(codes)
    return tuple(out)


def _map(v, path, value_check, expected, *, nullable=False):
    if v is None and nullable:
        return None
    if not isinstance(v, Mapping):
        raise _fail(path, v, f"a table {expected}")
    return {str(k): value_check(x, f"{path}.{k}") for k, x in v.items()}


def _path(v, path, *, nullable=True):
    if v is None and nullable:
        return None
    if isinstance(v, os.PathLike):
        v = os.fspath(v)
    return _str(v, path)


def _table(v, path):
    if not isinstance(v, Mapping):
        raise _fail(path, v, "a table (key = value pairs)")
    return v


def _check_keys(raw: Mapping, cls, path: str) -> None:
    allowed = [f.name for f in dataclasses.fields(cls) if not f.name.startswith("_")]
    if cls is Scenario:
        allowed = [a for a in allowed if a != "base_dir"] + ["extends"]
    for key in raw:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise ScenarioError(
                f"unknown scenario field {where!r}; allowed fields"
                f"{' of ' + repr(path) if path else ''} are {', '.join(sorted(allowed))}"
            )


def _section(cls, raw: Any, path: str):
    raw = _table(raw, path)
    _check_keys(raw, cls, path)
    return cls._parse(raw, path)


# -------------------------------------------------------------------- sections
@dataclass(frozen=True)
class WeightTable:
    """A table of weights joined to the units by code (``[[data.weights]]``)."""

    path: str
    on: str = "code"
    columns: tuple[str, ...] | None = None
    fill: float | None = None
    extra: str = "raise"

    @classmethod
    def _parse(cls, raw, p):
        if "path" not in raw:
            raise _fail(f"{p}.path", None, "the path of a CSV/Excel table with unit codes")
        return cls(
            path=_path(raw["path"], f"{p}.path", nullable=False),
            on=_str(raw.get("on", "code"), f"{p}.on"),
            columns=_str_list(raw.get("columns"), f"{p}.columns", nullable=True),
            fill=_float(raw.get("fill"), f"{p}.fill", nullable=True),
            extra=_str(raw.get("extra", "raise"), f"{p}.extra", choices=("raise", "ignore")),
        )


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

    @classmethod
    def _parse(cls, raw, p):
        for key in ("name", "path"):
            if key not in raw:
                raise _fail(f"{p}.{key}", None, f"the layer {key}")
        return cls(
            name=_str(raw["name"], f"{p}.name"),
            path=_path(raw["path"], f"{p}.path", nullable=False),
            unit=_str(raw.get("unit", "unit"), f"{p}.unit"),
            collaboration=_str(raw.get("collaboration", "collaboration"), f"{p}.collaboration"),
            collaboration_name=_str(
                raw.get("collaboration_name"), f"{p}.collaboration_name", nullable=True
            ),
            share=_str(raw.get("share"), f"{p}.share", nullable=True),
            min_share=_float(
                raw.get("min_share", 0.5), f"{p}.min_share", maximum=1.0, strict=True
            ),
            kind=_str(raw.get("kind"), f"{p}.kind", nullable=True),
            crs=_crs(raw.get("crs"), f"{p}.crs"),
        )


def _crs(v, path):
    """A CRS string (e.g. "EPSG:28992") that pyproj understands, or None."""
    if v is None:
        return None
    _str(v, path)
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    try:
        CRS.from_user_input(v)
    except ProjCRSError:
        raise _fail(path, v, "a CRS such as \"EPSG:28992\" (RD New) or \"EPSG:4326\" "
                             "(longitude/latitude)") from None
    return v


@dataclass(frozen=True)
class DataSource:
    """Where the landscape comes from (``[data]``)."""

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

    @classmethod
    def _parse(cls, raw, p):
        source = _str(raw.get("source", "default"), f"{p}.source", choices=SOURCES)
        units = _path(raw.get("units"), f"{p}.units")
        if source == "files" and units is None:
            raise _fail(f"{p}.units", None, "the unit file (data.source = 'files' needs it)")
        if source != "files" and raw.get("crs") is not None:
            raise _fail(f"{p}.crs", raw["crs"], "nothing unless data.source = 'files' (the "
                                                "CRS of the unit file)")
        weights = raw.get("weights", [])
        layer_tables = raw.get("layer_tables", [])
        for key, value in (("weights", weights), ("layer_tables", layer_tables)):
            if not isinstance(value, list | tuple):
                raise _fail(f"{p}.{key}", value, f"an array of tables ([[{p}.{key}]])")
        return cls(
            source=source,
            seed=_int(raw.get("seed", 2026), f"{p}.seed", minimum=0),
            n_units=_int(raw.get("n_units", 340), f"{p}.n_units", minimum=2),
            dir=_path(raw.get("dir"), f"{p}.dir"),
            units=units,
            code=_str(raw.get("code", "code"), f"{p}.code"),
            name=_str(raw.get("name"), f"{p}.name", nullable=True),
            layer=_str(raw.get("layer"), f"{p}.layer", nullable=True),
            crs=_crs(raw.get("crs"), f"{p}.crs"),
            weights=tuple(
                _section(WeightTable, w, f"{p}.weights[{i}]") for i, w in enumerate(weights)
            ),
            layer_tables=tuple(
                _section(LayerTable, t, f"{p}.layer_tables[{i}]")
                for i, t in enumerate(layer_tables)
            ),
        )


@dataclass(frozen=True)
class LayerChoice:
    """Which layers to use and their membership thresholds (``[layers]``)."""

    use: tuple[str, ...] | None = None
    min_share: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def _parse(cls, raw, p):
        return cls(
            use=_str_list(raw.get("use"), f"{p}.use", nullable=True),
            min_share=_map(
                raw.get("min_share", {}),
                f"{p}.min_share",
                lambda v, q: _float(v, q, maximum=1.0, strict=True),
                "layer = share in (0, 1]",
            ),
        )


@dataclass(frozen=True)
class Adjacency:
    """How units neighbour each other (``[adjacency]``)."""

    contiguity: str = "queen"
    tolerance: float = 1.0
    links: str | None = None
    allow_islands: bool = False

    @classmethod
    def _parse(cls, raw, p):
        return cls(
            contiguity=_str(raw.get("contiguity", "queen"), f"{p}.contiguity", choices=CONTIGUITY),
            tolerance=_float(raw.get("tolerance", 1.0), f"{p}.tolerance"),
            links=_path(raw.get("links"), f"{p}.links"),
            allow_islands=_bool(raw.get("allow_islands", False), f"{p}.allow_islands"),
        )


@dataclass(frozen=True)
class BoundSpec:
    """A bound on a weight total per region (``[[bounds]]``), see :class:`rato_opt.spec.Bound`."""

    column: str
    lower: float | None = None
    upper: float | None = None
    relative: bool = False

    @classmethod
    def _parse(cls, raw, p):
        if "column" not in raw:
            raise _fail(f"{p}.column", None, "the weight column to bound, e.g. 'population'")
        b = cls(
            column=_str(raw["column"], f"{p}.column"),
            lower=_float(raw.get("lower"), f"{p}.lower", nullable=True),
            upper=_float(raw.get("upper"), f"{p}.upper", nullable=True),
            relative=_bool(raw.get("relative", False), f"{p}.relative"),
        )
        if b.lower is None and b.upper is None:
            raise _fail(p, dict(raw), "a bound with at least one of 'lower' and 'upper'")
        if b.lower is not None and b.upper is not None and b.lower > b.upper:
            raise _fail(f"{p}.upper", b.upper, f"a number >= lower ({b.lower})")
        return b




@dataclass(frozen=True)
class ObjectiveSpec:
    """Objective weights (``[objective]``), see :class:`rato_opt.spec.Objective`."""

    split: float = 1.0
    split_layers: Mapping[str, float] | None = None
    split_by: str | None = None
    compactness: float = 0.0
    alignment: float = 0.0
    reference: str | None = None
    alliance: float = 0.0
    alliance_layer: str | None = None
    alliance_hard: bool = False
    stay_close: float = 0.0

    @classmethod
    def _parse(cls, raw, p):
        kw = {t: _float(raw.get(t, getattr(cls, t)), f"{p}.{t}") for t in TERMS}
        kw["split_layers"] = _map(
            raw.get("split_layers"), f"{p}.split_layers", _float, "layer = weight >= 0",
            nullable=True,
        )
        for key in ("split_by", "reference", "alliance_layer"):
            kw[key] = _str(raw.get(key), f"{p}.{key}", nullable=True)
        kw["alliance_hard"] = _bool(raw.get("alliance_hard", False), f"{p}.alliance_hard")
        o = cls(**kw)
        if o.alignment > 0 and o.reference is None:
            raise _fail(f"{p}.reference", None, f"a reference layer, since {p}.alignment > 0")
        if (o.alliance > 0 or o.alliance_hard) and o.alliance_layer is None:
            raise _fail(
                f"{p}.alliance_layer", None,
                f"the alliance layer, since {p}.alliance > 0 or {p}.alliance_hard",
            )
        return o


@dataclass(frozen=True)
class LockSpec:
    """Planner's locks (``[locks]``), see :class:`rato_opt.spec.Locks`."""

    together: tuple[tuple[str, ...], ...] = ()
    apart: tuple[tuple[str, ...], ...] = ()
    own_region: tuple[tuple[str, ...], ...] = ()
    fixed: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def _parse(cls, raw, p):
        return cls(
            together=_groups(raw.get("together", []), f"{p}.together"),
            apart=_groups(raw.get("apart", []), f"{p}.apart", pairs=True),
            own_region=_groups(raw.get("own_region", []), f"{p}.own_region"),
            fixed=_map(raw.get("fixed", {}), f"{p}.fixed", _str, "unit code = region label"),
        )

    @property
    def codes(self) -> set[str]:
        """Every unit code a lock mentions."""
        return _lock_codes(self)


#: Budget fields of ``[solver]`` counted in work (see :class:`rato_opt.spec.Budget`), with
#: the smallest value each takes.
WORK_FIELDS = {"starts": 1, "anneal_moves": 0, "anneal_rounds": 0, "nodes": 0,
               "pmedian_nodes": 0, "exact_max_binaries": 0}


def _budget_default(name: str) -> int:
    from ..spec import Budget

    return getattr(Budget(), name)


@dataclass(frozen=True)
class SolverSettings:
    """How to solve (``[solver]``); passed to :func:`rato_opt.optimize.pipeline.propose_regions`.

    ``mode = "deterministic"`` (the default) budgets every stage in work: the seed
    and the work fields below make a :class:`~rato_opt.spec.Budget`, and the same
    scenario with the same seed gives the same plan bit for bit on any machine.
    ``time_limit`` is only a wall-clock cap (0: no cap); a plan that hit it says so
    (``plan.run["deterministic"]`` False). ``mode = "wall_clock"`` runs every stage
    for its share of ``time_limit`` instead (:meth:`Budget.wall_clock
    <rato_opt.spec.Budget.wall_clock>`; not reproducible, needs ``time_limit > 0``),
    and takes no work fields.

    Examples
    --------
    >>> s = SolverSettings(seed=3, nodes=50)
    >>> s.budget().seed, s.budget().nodes, s.budget().deterministic
    (3, 50, True)
    >>> SolverSettings(mode="wall_clock", time_limit=30).budget().deterministic
    False
    """

    solver: str = "highs"
    time_limit: float | None = 60.0
    threads: int | None = None
    warm_start: bool = True
    msg: bool = False
    mode: str = "deterministic"
    seed: int = 0
    starts: int | None = field(default_factory=lambda: _budget_default("starts"))
    anneal_moves: int | None = field(default_factory=lambda: _budget_default("anneal_moves"))
    anneal_rounds: int | None = field(default_factory=lambda: _budget_default("anneal_rounds"))
    nodes: int | None = field(default_factory=lambda: _budget_default("nodes"))
    pmedian_nodes: int | None = field(default_factory=lambda: _budget_default("pmedian_nodes"))
    exact_max_binaries: int | None = field(
        default_factory=lambda: _budget_default("exact_max_binaries"))

    @classmethod
    def _parse(cls, raw, p):
        tl = raw.get("time_limit", 60.0)
        if tl is not None and not (_is_num(tl) and math.isfinite(tl) and tl >= 0):
            raise _fail(f"{p}.time_limit", tl,
                        "a number of seconds >= 0: > 0 for a limit (e.g. 60), 0 for no limit")
        tl = _float(tl, f"{p}.time_limit", nullable=True)
        mode = _str(raw.get("mode", "deterministic"), f"{p}.mode", choices=MODES)
        work: dict[str, int | None] = {}
        for name, minimum in WORK_FIELDS.items():
            default = _budget_default(name)
            value = raw.get(name, default)
            if mode == "wall_clock":
                if value is not None and value != default:
                    raise _fail(
                        f"{p}.{name}", value,
                        "no work budget when solver.mode = 'wall_clock' (every stage runs "
                        "for its share of solver.time_limit); remove it, or set "
                        "mode = 'deterministic' to budget the stages in work",
                    )
                work[name] = None
                continue
            hint = (" (for no size limit, a large number such as 1000000000)"
                    if name == "exact_max_binaries" else "")
            if value is None:
                raise _fail(f"{p}.{name}", value,
                            f"a whole number >= {minimum}{hint}; stages limited by the clock "
                            "need mode = 'wall_clock'")
            if not _is_num(value) or (isinstance(value, float) and not value.is_integer()) \
                    or value < minimum:
                raise _fail(f"{p}.{name}", value, f"a whole number >= {minimum}{hint}")
            work[name] = int(value)
        if mode == "wall_clock" and (tl is None or tl == 0):
            raise _fail(f"{p}.time_limit", raw.get("time_limit"),
                        "a number of seconds > 0, since solver.mode = 'wall_clock' runs every "
                        "stage for its share of the time limit (or use mode = 'deterministic')")
        return cls(
            solver=_str(raw.get("solver", "highs"), f"{p}.solver", choices=SOLVERS),
            time_limit=None if tl == 0 else tl,
            threads=_int(raw.get("threads"), f"{p}.threads", nullable=True),
            warm_start=_bool(raw.get("warm_start", True), f"{p}.warm_start"),
            msg=_bool(raw.get("msg", False), f"{p}.msg"),
            mode=mode,
            seed=_int(raw.get("seed", 0), f"{p}.seed", minimum=0),
            **work,
        )

    def budget(self):
        """The :class:`~rato_opt.spec.Budget` of these settings (seed and work per stage).

        Raises
        ------
        ScenarioError
            A work field is None in mode ``"deterministic"`` (settings built in Python
            without going through a :class:`Scenario`).
        """
        from ..spec import Budget

        if self.mode == "wall_clock":
            return Budget.wall_clock(self.seed)
        work = {name: getattr(self, name) for name in WORK_FIELDS}
        for name, value in work.items():
            if value is None:
                raise _fail(f"solver.{name}", None,
                            f"a whole number >= {WORK_FIELDS[name]} in mode 'deterministic'")
        return Budget(seed=self.seed, **work)

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


_SECTIONS = {
    "data": DataSource,
    "layers": LayerChoice,
    "adjacency": Adjacency,
    "objective": ObjectiveSpec,
    "locks": LockSpec,
    "solver": SolverSettings,
}


# --------------------------------------------------------------------- scenario
@dataclass(frozen=True)
class Scenario:
    """One what-if question, as data.

    Build it with :meth:`from_dict`, :meth:`from_toml` (or :func:`load_scenario`),
    derive variants with :meth:`replace` / :meth:`variant`, and run it with
    :func:`rato_opt.workflow.run.run_scenario`. The TOML schema is in the module
    docstring.

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
    bounds : tuple of BoundSpec
        Bounds on region totals.
    objective : ObjectiveSpec
        Objective weights.
    locks : LockSpec
        Planner's locks.
    start : str, optional
        Path of a plan file (see :func:`rato_opt.workflow.export.read_plan`): the plan
        to warm-start from and, with ``objective.stay_close``, to stay close to.
    start_layer : str, optional
        Instead of ``start``: a layer of the data whose collaborations form the
        start plan (each unit in its collaboration of largest share), e.g.
        ``"amr"`` to start from the arbeidsmarktregio's.
    solver : SolverSettings
        Solver, seed and work budget (:meth:`SolverSettings.budget`), and the
        wall-clock cap ``time_limit``.
    base_dir : str, optional
        Directory relative paths are resolved against (the TOML file's directory);
        not written to TOML and ignored in comparisons.

    Examples
    --------
    >>> base = Scenario(name="base", k=5)
    >>> base.replace(objective={"compactness": 0.3}).objective.compactness
    0.3
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
    bounds: tuple[BoundSpec, ...] = ()
    objective: ObjectiveSpec = field(default_factory=ObjectiveSpec)
    locks: LockSpec = field(default_factory=LockSpec)
    start: str | None = None
    start_layer: str | None = None
    solver: SolverSettings = field(default_factory=SolverSettings)
    base_dir: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Validate by a round trip through the dict form, so that objects built in
        # Python are held to the same rules as TOML files.
        checked = Scenario._parse(_to_plain(self, top=True), "")
        for f in dataclasses.fields(self):
            if f.name != "base_dir":
                object.__setattr__(self, f.name, getattr(checked, f.name))
        if self.base_dir is not None:
            object.__setattr__(self, "base_dir", os.fspath(self.base_dir))

    @classmethod
    def _parse(cls, raw: Mapping, p: str) -> Scenario:
        kw: dict[str, Any] = {}
        kw["name"] = _str(raw.get("name", "scenario"), "name")
        kw["description"] = raw.get("description", "")
        if not isinstance(kw["description"], str):
            raise _fail("description", kw["description"], "a string")
        for key, sec in _SECTIONS.items():
            kw[key] = _section(sec, raw.get(key, {}), key)
        kw["sector"] = _str(raw.get("sector"), "sector", choices=SECTORS, nullable=True)
        for key in ("k", "k_min", "k_max", "min_units", "max_units"):
            kw[key] = _int(raw.get(key), key, nullable=True)
        for key in ("k", "k_min", "k_max"):
            if kw[key] is not None and kw[key] > kw["data"].n_units and kw["data"].source == "default":
                raise _fail(key, kw[key], f"at most data.n_units = {kw['data'].n_units} regions")
        if kw["k_min"] is not None and kw["k_max"] is not None and kw["k_min"] > kw["k_max"]:
            raise _fail("k_max", kw["k_max"], f"a number >= k_min ({kw['k_min']})")
        if kw["k"] is not None:
            lo, hi = kw["k_min"], kw["k_max"]
            if (lo is not None and kw["k"] < lo) or (hi is not None and kw["k"] > hi):
                raise _fail("k", kw["k"], f"a number within k_min..k_max = {lo}..{hi}")
        if (
            kw["min_units"] is not None
            and kw["max_units"] is not None
            and kw["min_units"] > kw["max_units"]
        ):
            raise _fail("max_units", kw["max_units"], f"a number >= min_units ({kw['min_units']})")
        bounds = raw.get("bounds", [])
        if not isinstance(bounds, list | tuple):
            raise _fail("bounds", bounds, "an array of tables ([[bounds]])")
        kw["bounds"] = tuple(_section(BoundSpec, b, f"bounds[{i}]") for i, b in enumerate(bounds))
        kw["start"] = _path(raw.get("start"), "start")
        kw["start_layer"] = _str(raw.get("start_layer"), "start_layer", nullable=True)
        if kw["start"] is not None and kw["start_layer"] is not None:
            raise _fail("start_layer", kw["start_layer"], "nothing when 'start' is given (one of both)")
        if kw["objective"].stay_close > 0 and kw["start"] is None and kw["start_layer"] is None:
            raise _fail(
                "start", None, "a plan file (or start_layer), since objective.stay_close > 0"
            )
        obj = object.__new__(cls)
        for f in dataclasses.fields(cls):
            object.__setattr__(obj, f.name, kw.get(f.name))
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
        raw = _table(raw, "(scenario)")
        if "extends" in raw:
            base = Path(base_dir) if base_dir is not None else Path.cwd()
            raw = _resolve_extends(dict(raw), base, ())
        _check_keys(raw, cls, "")
        s = cls._parse(raw, "")
        object.__setattr__(s, "base_dir", None if base_dir is None else os.fspath(base_dir))
        return s

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Scenario:
        """Read a scenario from a TOML file (resolving ``extends``).

        The name defaults to the file name without ``.toml``.
        """
        p = Path(path).resolve()
        raw = _resolve_extends(_read_toml(p), p.parent, (p,))
        raw.setdefault("name", p.stem)
        return cls.from_dict(raw, base_dir=p.parent)

    def to_dict(self) -> dict[str, Any]:
        """Return the dict (TOML) form; ``None`` values are left out.

        Examples
        --------
        >>> Scenario(name="x", k=3).to_dict()["k"]
        3
        """
        return _to_plain(self, top=True)

    def to_toml(self, path: str | os.PathLike[str] | None = None) -> str:
        """Return the TOML text, and write it to ``path`` when given.

        Uses ``tomli_w`` when it is installed, else a small built-in writer.

        Examples
        --------
        >>> text = Scenario(name="x", k=3).to_toml()
        >>> Scenario.from_dict(_loads(text)) == Scenario(name="x", k=3)
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
        merged = _merge(self.to_dict(), _to_plain_value(changes), delete_none=True)
        _check_keys(merged, Scenario, "")
        s = Scenario._parse(merged, "")
        object.__setattr__(s, "base_dir", self.base_dir)
        return s

    def variant(self, name: str, **changes: Any) -> Scenario:
        """Return a named variant: :meth:`replace` with ``name`` set."""
        return self.replace(name=name, **changes)

    # ----------------------------------------------------------------- paths
    def resolve(self, path: str | None) -> Path | None:
        """Resolve a path of the scenario against :attr:`base_dir`."""
        if path is None:
            return None
        p = Path(os.path.expandvars(os.path.expanduser(path)))
        if not p.is_absolute() and self.base_dir is not None:
            p = Path(self.base_dir) / p
        return p

    # ------------------------------------------------------------------- data
    def load_landscape(self) -> Landscape:
        """Load the landscape: data source, layer selection, min_share, links.

        The result is checked against the scenario (:meth:`check`).

        Raises
        ------
        ScenarioError
            A layer, column or unit code the scenario names is not in the data.
        """
        nl_layers = None
        if self.data.source == "nl2024":
            from ..sources.nl2024 import LAYERS

            use = self.layers.use
            if use is None:
                nl_layers = ("amr", "boards", "rmc")
            else:
                for i, name in enumerate(use):
                    if name not in LAYERS:
                        raise _fail(f"layers.use[{i}]", name, f"one of {sorted(LAYERS)}")
                nl_layers = tuple(use)
        land = _load_source(self.data, self.base_dir, nl_layers)
        if self.adjacency.links is not None:
            import pandas as pd

            links = pd.read_csv(self.resolve(self.adjacency.links), dtype=str)
            old = land.links if land.links is not None else None
            links = links if old is None or old.empty else pd.concat([old, links])
            land = dataclasses.replace(land, links=links)
        if self.layers.use is not None:
            for i, name in enumerate(self.layers.use):
                if name not in land.layers:
                    raise _fail(f"layers.use[{i}]", name, f"one of {sorted(land.layers)}")
            land = land.select(self.layers.use)
        if self.layers.min_share:
            changed = []
            for name, share in self.layers.min_share.items():
                if name not in land.layers:
                    raise _fail(f"layers.min_share.{name}", share, f"a key among {sorted(land.layers)}")
                changed.append(land.layers[name].with_min_share(share))
            land = land.with_layers(*changed)
        self.check(land)
        return land

    def build_graph(self, landscape: Landscape) -> nx.Graph:
        """Build the unit graph with the scenario's contiguity and tolerance."""
        from ..landscape.graph import graph_from_landscape

        return graph_from_landscape(
            landscape, contiguity=self.adjacency.contiguity, tolerance=self.adjacency.tolerance
        )

    def split_by(self, landscape: Landscape | None = None) -> str | None:
        """The member-weight column: ``objective.split_by``, else ``pupils_<sector>``."""
        if self.objective.split_by is not None or self.sector is None:
            return self.objective.split_by
        column = f"pupils_{self.sector}"
        if landscape is not None and column not in landscape.weights:
            raise _fail(
                "sector", self.sector,
                f"a sector whose weight column pupils_<sector> exists; the data have "
                f"{landscape.weights} (or set objective.split_by)",
            )
        return column

    def check(self, landscape: Landscape) -> None:
        """Check the names the scenario uses (layers, columns, codes) against ``landscape``.

        Raises
        ------
        ScenarioError
            Naming the field, the value and the values available.
        """
        layers = sorted(landscape.layers)
        weights = list(landscape.weights)
        o = self.objective
        for key in ("reference", "alliance_layer"):
            v = getattr(o, key)
            if v is not None and v not in landscape.layers:
                raise _fail(f"objective.{key}", v, f"one of the layers {layers}")
        for name in o.split_layers or {}:
            if name not in landscape.layers:
                raise _fail(f"objective.split_layers.{name}", name, f"one of the layers {layers}")
        if o.split_by is not None and o.split_by not in weights:
            raise _fail("objective.split_by", o.split_by, f"one of the weight columns {weights}")
        self.split_by(landscape)
        if self.start_layer is not None and self.start_layer not in landscape.layers:
            raise _fail("start_layer", self.start_layer, f"one of the layers {layers}")
        for i, b in enumerate(self.bounds):
            if b.column not in weights:
                raise _fail(f"bounds[{i}].column", b.column, f"one of the weight columns {weights}")
        n = len(landscape.units)
        for key in ("k", "k_min", "k_max", "min_units"):
            v = getattr(self, key)
            if v is not None and v > n:
                raise _fail(key, v, f"at most the number of units ({n})")
        codes = landscape.units.index
        for sect, groups in (
            ("together", self.locks.together),
            ("apart", self.locks.apart),
            ("own_region", self.locks.own_region),
        ):
            for i, g in enumerate(groups):
                for j, c in enumerate(g):
                    if c not in codes:
                        raise _fail(
                            f"locks.{sect}[{i}][{j}]", c,
                            f"a unit code of the data (e.g. {', '.join(codes[:3])})",
                        )
        for c in self.locks.fixed:
            if c not in codes:
                raise _fail(f"locks.fixed.{c}", c, f"a unit code of the data (e.g. {codes[0]})")

    # ------------------------------------------------------------------- spec
    def start_plan(self, landscape: Landscape | None = None):
        """The start plan (unit code -> region): read from :attr:`start`, or built
        from :attr:`start_layer` of ``landscape``; None when neither is set."""
        if self.start_layer is not None:
            if landscape is None:
                raise ScenarioError(
                    f"scenario {self.name!r} starts from layer {self.start_layer!r}: pass the "
                    "landscape, e.g. scenario.to_spec(scenario.load_landscape())"
                )
            if self.start_layer not in landscape.layers:
                raise _fail("start_layer", self.start_layer, f"one of the layers {sorted(landscape.layers)}")
            share = landscape.layers[self.start_layer].share().reset_index()
            best = share.sort_values(["unit", "share", "collaboration"],
                                     ascending=[True, False, True])
            best = best.drop_duplicates("unit").set_index("unit")["collaboration"]
            return best.rename("region").rename_axis("code").astype(str)
        if self.start is None:
            return None
        from .export import read_plan

        return read_plan(self.resolve(self.start))

    def to_spec(self, landscape: Landscape | None = None) -> RegionSpec:
        """Build the :class:`~rato_opt.spec.RegionSpec` of the scenario.

        Parameters
        ----------
        landscape : Landscape, optional
            When given, ``sector`` is checked against its weight columns.

        Examples
        --------
        >>> spec = Scenario(k=4, bounds=[{"column": "population", "upper": 2.0,
        ...                               "relative": True}]).to_spec()
        >>> spec.k, spec.bounds[0].upper
        (4, 2.0)
        """
        from ..spec import Bound, Locks, Objective, RegionSpec

        o = self.objective
        try:
            objective = Objective(
                split=o.split,
                split_layers=None if o.split_layers is None else dict(o.split_layers),
                split_by=self.split_by(landscape),
                compactness=o.compactness,
                alignment=o.alignment,
                reference=o.reference,
                alliance=o.alliance,
                alliance_layer=o.alliance_layer,
                alliance_hard=o.alliance_hard,
                stay_close=o.stay_close,
            )
            start = self.start_plan(landscape)
            if start is not None and landscape is not None:
                self._check_start(start, landscape)
            return RegionSpec(
                k=self.k,
                k_min=self.k_min,
                k_max=self.k_max,
                bounds=tuple(Bound(b.column, b.lower, b.upper, b.relative) for b in self.bounds),
                min_units=self.min_units,
                max_units=self.max_units,
                objective=objective,
                locks=Locks(
                    together=self.locks.together,
                    apart=self.locks.apart,
                    own_region=self.locks.own_region,
                    fixed=dict(self.locks.fixed),
                ),
                start=None if start is None else start.to_dict(),
                allow_islands=self.adjacency.allow_islands,
                contiguity=self.adjacency.contiguity,
            )
        except ScenarioError:
            raise
        except RatoOptError as err:
            raise ScenarioError(f"scenario {self.name!r}: {err}") from err

    def _check_start(self, start, landscape: Landscape) -> None:
        """Raise when the start plan names units the landscape lacks."""
        from .._util import listing

        unknown = start.index.difference(landscape.codes)
        if len(unknown):
            where = (f"the start plan {self.resolve(self.start)}" if self.start is not None
                     else f"the start layer {self.start_layer!r}")
            raise ScenarioError(
                f"scenario field 'start': {where} names {len(unknown)} unit code(s) the data "
                f"do not have: {listing(sorted(unknown))} (the data's units are e.g. "
                f"{listing(landscape.codes[:3])}); use a plan of the same units, e.g. "
                "plan_units.csv written by `rato-opt run` on this data"
            )

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
    """Read a scenario TOML file; see :meth:`Scenario.from_toml`."""
    return Scenario.from_toml(path)


# ------------------------------------------------------------------ helpers
def dumps_toml(data: Mapping[str, Any]) -> str:
    """Write a dict of TOML-able values (str, int, float, bool, lists, tables) as TOML.

    Uses ``tomli_w`` when installed; otherwise a small writer that handles what
    scenarios hold: nested tables, arrays of tables, inline lists and tables.

    Examples
    --------
    >>> print(_dumps_toml({"k": 3, "objective": {"split": 1.0}, "bounds": [{"column": "p"}]}))
    k = 3
    <BLANKLINE>
    [objective]
    split = 1.0
    <BLANKLINE>
    [[bounds]]
    column = "p"
    <BLANKLINE>
    """
    try:
        import tomli_w
    except ModuleNotFoundError:  # pragma: no cover - depends on the environment
        return _dumps_toml(data)
    return tomli_w.dumps(data)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ScenarioError(f"cannot write {type(value).__name__} {value!r} as TOML")


def _is_table_array(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) > 0
        and all(isinstance(v, Mapping) for v in value)
    )


def _dumps_toml(data: Mapping[str, Any], prefix: str = "") -> str:
    """The built-in TOML writer behind :func:`dumps_toml`."""
    lines: list[str] = []
    for key, value in data.items():
        if not isinstance(value, Mapping) and not _is_table_array(value):
            lines.append(f"{_toml_key(str(key))} = {_toml_value(value)}")
    out = "\n".join(lines) + ("\n" if lines else "")
    for key, value in data.items():
        name = f"{prefix}{_toml_key(str(key))}"
        if isinstance(value, Mapping):
            out += ("\n" if out else "") + f"[{name}]\n" + _dumps_toml(value, name + ".")
        elif _is_table_array(value):
            for item in value:
                out += ("\n" if out else "") + f"[[{name}]]\n" + _dumps_toml(item, name + ".")
    return out


def _loads(text: str) -> dict:
    return _toml_reader.loads(text)


def _read_toml(path: Path) -> dict:
    if not path.is_file():
        raise ScenarioError(f"scenario file not found: {path}")
    try:
        with open(path, "rb") as fh:
            return _toml_reader.load(fh)
    except _toml_reader.TOMLDecodeError as err:
        raise ScenarioError(f"scenario file {path} is not valid TOML: {err}") from err


# Path-valued fields, as (section, key) with "*" for arrays of tables.
_PATH_FIELDS = (
    ("data", "dir"),
    ("data", "units"),
    ("data.weights", "path"),
    ("data.layer_tables", "path"),
    ("adjacency", "links"),
    ("", "start"),
)


def _absolutise(raw: dict, base: Path) -> dict:
    """Make the relative paths of a parent scenario absolute (they are relative to it)."""
    raw = copy.deepcopy(raw)
    for section, key in _PATH_FIELDS:
        parts = section.split(".") if section else []
        targets = [raw]
        for part in parts:
            nxt = []
            for t in targets:
                v = t.get(part) if isinstance(t, dict) else None
                if isinstance(v, dict):
                    nxt.append(v)
                elif isinstance(v, list):
                    nxt.extend(x for x in v if isinstance(x, dict))
            targets = nxt
        for t in targets:
            v = t.get(key)
            if isinstance(v, str) and v and not Path(os.path.expanduser(v)).is_absolute():
                t[key] = str((base / v).resolve())
    return raw


def _resolve_extends(raw: dict, base: Path, chain: tuple[Path, ...]) -> dict:
    """Merge ``raw`` over the scenario it extends (recursively)."""
    if "extends" not in raw:
        return raw
    ext = raw.pop("extends")
    if not isinstance(ext, str) or not ext:
        raise _fail("extends", ext, "the path of a parent scenario TOML file")
    parent = (base / os.path.expanduser(ext)).resolve()
    if not parent.is_file():
        child = (f"scenario file {chain[-1]}" if chain
                 else f"the scenario (given as a dict, base directory {base})")
        what = "is a directory, not a file" if parent.is_dir() else "was not found"
        raise ScenarioError(
            f"{child} has extends = {ext!r}, but the parent scenario {parent} {what}; "
            f"relative paths in extends are resolved against the directory of the extending "
            f"file ({base}); fix the path or create the parent scenario"
        )
    if parent in chain:
        cycle = " -> ".join(str(p.name) for p in (*chain, parent))
        raise ScenarioError(
            f"scenario field 'extends': cycle {cycle}; a scenario cannot extend itself, "
            "directly or through others"
        )
    praw = _resolve_extends(_read_toml(parent), parent.parent, (*chain, parent))
    if parent.parent != base:
        praw = _absolutise(praw, parent.parent)
    praw.pop("name", None)  # a child is named by itself (or its file name)
    return _merge(praw, raw)


def _merge(base: Mapping, over: Mapping, *, delete_none: bool = False) -> dict:
    """Deep-merge ``over`` into a copy of ``base``: tables merge, everything else replaces."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if value is None and delete_none:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value, delete_none=delete_none)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _to_plain_value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _to_plain(value)
    if isinstance(value, Mapping):
        return {str(k): _to_plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_plain_value(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value


def _to_plain(obj: Any, *, top: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        if f.name == "base_dir":
            continue
        orig = getattr(obj, f.name)
        v = _to_plain_value(orig)
        if v is None or (isinstance(v, list | dict) and not v and f.name != "solver"):
            continue  # TOML has no null; empty tables and lists are the defaults
        if isinstance(orig, SolverSettings) and orig.time_limit is None:
            v["time_limit"] = 0.0  # TOML has no null: 0 means "no time limit"
        out[f.name] = v
    return out


@functools.lru_cache(maxsize=8)
def _load_source_cached(data: DataSource, base_dir: str | None, nl_layers) -> Landscape:
    return _load_source_uncached(data, base_dir, nl_layers)


def _load_source(data: DataSource, base_dir: str | None, nl_layers=None) -> Landscape:
    """Load (and cache per process) the landscape of a data source."""
    if data.source == "files":  # files may change between calls
        return _load_source_uncached(data, base_dir, nl_layers)
    return _load_source_cached(data, base_dir, nl_layers)


def _resolve(path: str, base_dir: str | None) -> Path:
    p = Path(os.path.expandvars(os.path.expanduser(path)))
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    return p


def _load_source_uncached(data: DataSource, base_dir: str | None, nl_layers=None) -> Landscape:
    if data.source == "default":
        from ..sources.synthetic import make_country

        return make_country(n_units=data.n_units, seed=data.seed)
    if data.source == "nl2024":
        from ..sources.nl2024 import load_nl_2024

        path = None if data.dir is None else _resolve(data.dir, base_dir)
        kw = {} if nl_layers is None else {"layers": nl_layers}
        return load_nl_2024(path, **kw)
    return _load_files(data, base_dir)


def _read_table(path: Path):
    import pandas as pd

    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path, dtype={0: str})
    return pd.read_csv(path, sep=None, engine="python")


def _load_files(data: DataSource, base_dir: str | None) -> Landscape:
    import geopandas as gpd

    from ..landscape.coverage import Landscape
    from ..landscape.layers import Layer
    from ..landscape.units import join_weights, read_units

    units = read_units(
        _resolve(data.units, base_dir), code=data.code, name=data.name, layer=data.layer,
        weights=None, source_crs=data.crs,
    )
    for w in data.weights:
        path = _resolve(w.path, base_dir)
        table = _read_table(path)
        if w.on in table.columns:
            table[w.on] = table[w.on].astype(str)
        try:
            units = join_weights(units, table, on=w.on, columns=w.columns, fill=w.fill,
                                 extra=w.extra)
        except RatoOptError as err:
            raise type(err)(f"weight table {path}: {err}") from err
    layers = []
    for t in data.layer_tables:
        path = _resolve(t.path, base_dir)
        if path.suffix.lower() in (".csv", ".txt", ".tsv", ".xlsx", ".xls"):
            table = _read_table(path)
            layers.append(
                Layer.from_table(
                    t.name, table, units, unit_column=t.unit, id_column=t.collaboration,
                    name_column=t.collaboration_name, share_column=t.share,
                    min_share=t.min_share, kind=t.kind,
                )
            )
        else:
            from ..landscape.units import check_coordinates

            polys = gpd.read_file(path)
            if t.crs is not None:
                polys = polys.set_crs(t.crs, allow_override=True)
            elif polys.crs is None:
                raise ScenarioError(
                    f"layer file {path} ({t.name!r}) has no CRS; set crs = \"EPSG:28992\" (or "
                    "the CRS its coordinates are in) in its [[data.layer_tables]] entry, or "
                    "write the file with its CRS"
                )
            check_coordinates(polys, what=f"the polygons of layer file {path}",
                              fix="set crs = \"<the CRS they are in>\" in its "
                                  "[[data.layer_tables]] entry, or write the file with its CRS")
            polys = polys.to_crs(units.crs)
            layers.append(
                Layer.from_polygons(
                    t.name, polys, units, id_column=t.collaboration,
                    name_column=t.collaboration_name, min_share=t.min_share, kind=t.kind,
                )
            )
    return Landscape(units, layers, name=Path(data.units).stem)
