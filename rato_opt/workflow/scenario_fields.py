"""Read and check the dict (TOML) form of a scenario, naming every field by its dotted path.

:func:`parse_scenario` turns the dict form into the values of a
:class:`~rato_opt.workflow.scenario.Scenario`: the tables of
:mod:`rato_opt.workflow.scenario_sections` and the spec classes
:class:`~rato_opt.spec.Bound`, :class:`~rato_opt.spec.Objective`,
:class:`~rato_opt.spec.Locks` and :class:`~rato_opt.spec.Budget`. Every invalid value
raises :class:`~rato_opt.exceptions.ScenarioError` saying which field (``objective.alignment``,
``bounds[1].upper``), which value and what is allowed.

Examples
--------
>>> fields = parse_scenario({"k": 4, "objective": {"compactness": 0.2}})
>>> fields["k"], fields["objective"].compactness
(4, 0.2)
>>> parse_scenario({"locks": {"apart": [["A", "A"]]}})
Traceback (most recent call last):
...
rato_opt.exceptions.ScenarioError: scenario field 'locks.apart[0]': got ['A', 'A']; expected a pair of two different unit codes
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..exceptions import RatoOptError, ScenarioError
from ..spec import TERMS, Bound, Budget, Locks, Objective
from .scenario_sections import (
    CONTIGUITY,
    MODES,
    SIZE_FIELDS,
    SOLVERS,
    SOURCES,
    WORK_FIELDS,
    Adjacency,
    DataSource,
    LayerChoice,
    LayerTable,
    SolverSettings,
    WeightTable,
)

__all__ = ["parse_scenario", "SCENARIO_SECTORS"]

#: Allowed values of a scenario's ``sector``: the default ``objective.split_by`` is
#: ``pupils_<sector>`` (the sector variants of :mod:`rato_opt.workflow.sectors` are
#: another matter).
SCENARIO_SECTORS = ("po", "vo", "mbo")

#: Top-level fields of the dict form (``extends`` is resolved before parsing).
SCENARIO_KEYS = ("name", "description", "data", "layers", "adjacency", "sector", "k", "k_min",
                 "k_max", "min_units", "max_units", "bounds", "objective", "locks", "start",
                 "start_layer", "solver", "extends",
                 # optional tables of rato_opt.workflow.scenario_extras
                 "funds", "output", "proposals", "alternatives", "tradeoff")
SOLVER_KEYS = ("solver", "time_limit", "threads", "warm_start", "msg", "mode", "seed",
               *WORK_FIELDS, *SIZE_FIELDS)


# ---------------------------------------------------------------- field checks
def fail(path: str, value: Any, expected: str) -> ScenarioError:
    """The error for field ``path``: the value given and what is expected.

    Examples
    --------
    >>> print(fail("k", 0, "a whole number >= 1"))
    scenario field 'k': got 0; expected a whole number >= 1
    """
    return ScenarioError(f"scenario field {path!r}: got {value!r}; expected {expected}")


def is_number(v: Any) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def check_str(v: Any, path: str, *, choices: Iterable[str] | None = None,
              nullable: bool = False) -> str | None:
    """A non-empty string (or one of ``choices``; None when ``nullable``)."""
    if v is None and nullable:
        return None
    if not isinstance(v, str) or (not v and choices is None):
        raise fail(path, v, "a non-empty string" + (" or nothing" if nullable else ""))
    if choices is not None and v not in choices:
        raise fail(path, v, "one of " + ", ".join(repr(c) for c in choices))
    return v


def check_int(v: Any, path: str, *, minimum: int = 1, nullable: bool = False) -> int | None:
    """A whole number >= ``minimum`` (None when ``nullable``)."""
    if v is None and nullable:
        return None
    if not is_number(v) or (isinstance(v, float) and not v.is_integer()) or v < minimum:
        raise fail(path, v, f"a whole number >= {minimum}")
    return int(v)


def check_float(v: Any, path: str, *, nullable: bool = False, minimum: float = 0.0,
                maximum: float | None = None, strict: bool = False) -> float | None:
    """A finite number >= ``minimum`` (> with ``strict``) and <= ``maximum``."""
    if v is None and nullable:
        return None
    ok = is_number(v) and math.isfinite(v) and (v > minimum if strict else v >= minimum)
    if ok and maximum is not None:
        ok = v <= maximum
    if not ok:
        rng = f"> {minimum}" if strict else f">= {minimum}"
        if maximum is not None:
            rng += f" and <= {maximum}"
        raise fail(path, v, f"a finite number {rng}")
    return float(v)


def check_bool(v: Any, path: str) -> bool:
    """True or false."""
    if not isinstance(v, bool):
        raise fail(path, v, "true or false")
    return v


def check_str_list(v: Any, path: str, *, nullable: bool = False) -> tuple[str, ...] | None:
    """A list of non-empty strings, as a tuple."""
    if v is None and nullable:
        return None
    if isinstance(v, str) or not isinstance(v, list | tuple):
        raise fail(path, v, "a list of strings, e.g. [\"a\", \"b\"]")
    return tuple(check_str(x, f"{path}[{i}]") for i, x in enumerate(v))


def check_groups(v: Any, path: str, *, pairs: bool = False) -> tuple[tuple[str, ...], ...]:
    """A list of groups of different unit codes (pairs with ``pairs``)."""
    if isinstance(v, str) or not isinstance(v, list | tuple):
        raise fail(path, v, "a list of lists of unit codes, e.g. [[\"A\", \"B\"]]")
    out = []
    for i, g in enumerate(v):
        codes = check_str_list(g, f"{path}[{i}]")
        if pairs and (len(codes) != 2 or codes[0] == codes[1]):
            raise fail(f"{path}[{i}]", g, "a pair of two different unit codes")
        if not codes:
            raise fail(f"{path}[{i}]", g, "a non-empty list of unit codes")
        if len(set(codes)) != len(codes):
            raise fail(f"{path}[{i}]", g, "a list of different unit codes (one is listed twice)")
        out.append(codes)
    return tuple(out)


def check_map(v: Any, path: str, value_check: Callable[[Any, str], Any], expected: str, *,
              nullable: bool = False) -> dict[str, Any] | None:
    """A table ``key = value`` whose values pass ``value_check(value, "<path>.<key>")``."""
    if v is None and nullable:
        return None
    if not isinstance(v, Mapping):
        raise fail(path, v, f"a table {expected}")
    return {str(k): value_check(x, f"{path}.{k}") for k, x in v.items()}


def check_path(v: Any, path: str, *, nullable: bool = True) -> str | None:
    """A file path (str or path-like), as str."""
    if v is None and nullable:
        return None
    if isinstance(v, os.PathLike):
        v = os.fspath(v)
    return check_str(v, path)


def check_table(v: Any, path: str) -> Mapping[str, Any]:
    """A table (mapping)."""
    if not isinstance(v, Mapping):
        raise fail(path, v, "a table (key = value pairs)")
    return v


def check_crs(v: Any, path: str) -> str | None:
    """A CRS string (e.g. "EPSG:28992") that pyproj understands, or None."""
    if v is None:
        return None
    check_str(v, path)
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    try:
        CRS.from_user_input(v)
    except ProjCRSError:
        raise fail(path, v, "a CRS such as \"EPSG:28992\" (RD New) or \"EPSG:4326\" "
                            "(longitude/latitude)") from None
    return v


def check_keys(raw: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
    """Raise for a key of ``raw`` that is not ``allowed``, listing the allowed ones."""
    allowed = list(allowed)
    for key in raw:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise ScenarioError(
                f"unknown scenario field {where!r}; allowed fields"
                f"{' of ' + repr(path) if path else ''} are {', '.join(sorted(allowed))}"
            )


def _fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _section(raw: Any, path: str, allowed: Iterable[str],
             parse: Callable[[Mapping[str, Any], str], Any]) -> Any:
    raw = check_table(raw, path)
    check_keys(raw, allowed, path)
    try:
        return parse(raw, path)
    except ScenarioError:
        raise
    except RatoOptError as err:  # a check of the spec class this parser missed
        raise ScenarioError(f"scenario field {path!r}: {err}") from err


def _array(raw: Mapping[str, Any], key: str, path: str) -> list[Any] | tuple[Any, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list | tuple):
        raise fail(path, value, f"an array of tables ([[{path}]])")
    return value


# -------------------------------------------------------------------- sections
def parse_weight_table(raw: Mapping[str, Any], p: str) -> WeightTable:
    """``[[data.weights]]`` entry."""
    if "path" not in raw:
        raise fail(f"{p}.path", None, "the path of a CSV/Excel table with unit codes")
    return WeightTable(
        path=check_path(raw["path"], f"{p}.path", nullable=False),
        on=check_str(raw.get("on", "code"), f"{p}.on"),
        columns=check_str_list(raw.get("columns"), f"{p}.columns", nullable=True),
        fill=check_float(raw.get("fill"), f"{p}.fill", nullable=True),
        extra=check_str(raw.get("extra", "raise"), f"{p}.extra", choices=("raise", "ignore")),
    )


def parse_layer_table(raw: Mapping[str, Any], p: str) -> LayerTable:
    """``[[data.layer_tables]]`` entry."""
    for key in ("name", "path"):
        if key not in raw:
            raise fail(f"{p}.{key}", None, f"the layer {key}")
    return LayerTable(
        name=check_str(raw["name"], f"{p}.name"),
        path=check_path(raw["path"], f"{p}.path", nullable=False),
        unit=check_str(raw.get("unit", "unit"), f"{p}.unit"),
        collaboration=check_str(raw.get("collaboration", "collaboration"), f"{p}.collaboration"),
        collaboration_name=check_str(raw.get("collaboration_name"), f"{p}.collaboration_name",
                                     nullable=True),
        share=check_str(raw.get("share"), f"{p}.share", nullable=True),
        min_share=check_float(raw.get("min_share", 0.5), f"{p}.min_share", maximum=1.0,
                              strict=True),
        kind=check_str(raw.get("kind"), f"{p}.kind", nullable=True),
        crs=check_crs(raw.get("crs"), f"{p}.crs"),
    )


def parse_data(raw: Mapping[str, Any], p: str) -> DataSource:
    """``[data]``."""
    source = check_str(raw.get("source", "default"), f"{p}.source", choices=SOURCES)
    units = check_path(raw.get("units"), f"{p}.units")
    if source == "files" and units is None:
        raise fail(f"{p}.units", None, "the unit file (data.source = 'files' needs it)")
    if source != "files" and raw.get("crs") is not None:
        raise fail(f"{p}.crs", raw["crs"], "nothing unless data.source = 'files' (the "
                                           "CRS of the unit file)")
    weights = _array(raw, "weights", f"{p}.weights")
    layer_tables = _array(raw, "layer_tables", f"{p}.layer_tables")
    for key, default in (("refine", None), ("refine_must_split", True)):
        if raw.get(key, default) not in (None, default) and source != "nl2024_mixed":
            raise fail(f"{p}.{key}", raw[key], "nothing unless data.source = 'nl2024_mixed'")
    return DataSource(
        source=source,
        seed=check_int(raw.get("seed", 2026), f"{p}.seed", minimum=0),
        n_units=check_int(raw.get("n_units", 340), f"{p}.n_units", minimum=2),
        dir=check_path(raw.get("dir"), f"{p}.dir"),
        units=units,
        code=check_str(raw.get("code", "code"), f"{p}.code"),
        name=check_str(raw.get("name"), f"{p}.name", nullable=True),
        layer=check_str(raw.get("layer"), f"{p}.layer", nullable=True),
        crs=check_crs(raw.get("crs"), f"{p}.crs"),
        weights=tuple(
            _section(w, f"{p}.weights[{i}]", _fields(WeightTable), parse_weight_table)
            for i, w in enumerate(weights)
        ),
        layer_tables=tuple(
            _section(t, f"{p}.layer_tables[{i}]", _fields(LayerTable), parse_layer_table)
            for i, t in enumerate(layer_tables)
        ),
        refine=check_str_list(raw.get("refine"), f"{p}.refine", nullable=True),
        refine_must_split=check_bool(raw.get("refine_must_split", True),
                                     f"{p}.refine_must_split"),
    )


def parse_layers(raw: Mapping[str, Any], p: str) -> LayerChoice:
    """``[layers]``."""
    return LayerChoice(
        use=check_str_list(raw.get("use"), f"{p}.use", nullable=True),
        min_share=check_map(
            raw.get("min_share", {}), f"{p}.min_share",
            lambda v, q: check_float(v, q, maximum=1.0, strict=True), "layer = share in (0, 1]",
        ),
    )


def parse_adjacency(raw: Mapping[str, Any], p: str) -> Adjacency:
    """``[adjacency]``."""
    return Adjacency(
        contiguity=check_str(raw.get("contiguity", "queen"), f"{p}.contiguity",
                             choices=CONTIGUITY),
        tolerance=check_float(raw.get("tolerance", 1.0), f"{p}.tolerance"),
        links=check_path(raw.get("links"), f"{p}.links"),
        allow_islands=check_bool(raw.get("allow_islands", False), f"{p}.allow_islands"),
    )


def parse_bound(raw: Mapping[str, Any], p: str) -> Bound:
    """``[[bounds]]`` entry, as a :class:`~rato_opt.spec.Bound`."""
    if "column" not in raw:
        raise fail(f"{p}.column", None, "the weight column to bound, e.g. 'population'")
    column = check_str(raw["column"], f"{p}.column")
    lower = check_float(raw.get("lower"), f"{p}.lower", nullable=True)
    upper = check_float(raw.get("upper"), f"{p}.upper", nullable=True)
    relative = check_bool(raw.get("relative", False), f"{p}.relative")
    if lower is None and upper is None:
        raise fail(p, dict(raw), "a bound with at least one of 'lower' and 'upper'")
    if lower is not None and upper is not None and lower > upper:
        raise fail(f"{p}.upper", upper, f"a number >= lower ({lower})")
    if relative and upper == 0:
        raise fail(f"{p}.upper", upper, "a factor > 0 of the mean region total, since "
                                        f"{p}.relative = true")
    return Bound(column, lower, upper, relative)


def parse_objective(raw: Mapping[str, Any], p: str) -> Objective:
    """``[objective]``, as an :class:`~rato_opt.spec.Objective`."""
    defaults = Objective()
    kw: dict[str, Any] = {
        t: check_float(raw.get(t, getattr(defaults, t)), f"{p}.{t}") for t in TERMS
    }
    kw["split_layers"] = check_map(raw.get("split_layers"), f"{p}.split_layers", check_float,
                                   "layer = weight >= 0", nullable=True)
    for key in ("split_by", "reference", "alliance_layer"):
        kw[key] = check_str(raw.get(key), f"{p}.{key}", nullable=True)
    kw["alliance_hard"] = check_bool(raw.get("alliance_hard", False), f"{p}.alliance_hard")
    kw["split_count_layers"] = check_map(raw.get("split_count_layers"), f"{p}.split_count_layers",
                                         check_float, "layer = weight >= 0", nullable=True)
    kw["split_weight"] = check_str(raw.get("split_weight", "unit"), f"{p}.split_weight",
                                   choices=("unit", "membership"))
    kw["split_threshold"] = check_float(raw.get("split_threshold", 0.0), f"{p}.split_threshold")
    if kw["split_threshold"] >= 1:
        raise fail(f"{p}.split_threshold", kw["split_threshold"], "a number >= 0 and < 1")
    if kw["alignment"] > 0 and kw["reference"] is None:
        raise fail(f"{p}.reference", None, f"a reference layer, since {p}.alignment > 0")
    if (kw["alliance"] > 0 or kw["alliance_hard"]) and kw["alliance_layer"] is None:
        raise fail(f"{p}.alliance_layer", None,
                   f"the alliance layer, since {p}.alliance > 0 or {p}.alliance_hard")
    return Objective(**kw)


def parse_locks(raw: Mapping[str, Any], p: str) -> Locks:
    """``[locks]``, as a :class:`~rato_opt.spec.Locks`."""
    return Locks(
        together=check_groups(raw.get("together", []), f"{p}.together"),
        apart=check_groups(raw.get("apart", []), f"{p}.apart", pairs=True),
        own_region=check_groups(raw.get("own_region", []), f"{p}.own_region"),
        fixed=check_map(raw.get("fixed", {}), f"{p}.fixed", check_str, "unit code = region label"),
    )


def _work(raw: Mapping[str, Any], p: str, mode: str) -> dict[str, int | None]:
    """The work fields of ``[solver]`` (all None in mode ``"wall_clock"``)."""
    defaults = Budget()
    work: dict[str, int | None] = {}
    for name, minimum in {**WORK_FIELDS, **SIZE_FIELDS}.items():
        default = getattr(defaults, name)
        value = raw.get(name, default)
        if mode == "wall_clock" and name in WORK_FIELDS:
            if value is not None and value != default:
                raise fail(
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
            raise fail(f"{p}.{name}", value,
                       f"a whole number >= {minimum}{hint}; stages limited by the clock "
                       "need mode = 'wall_clock'")
        if not is_number(value) or (isinstance(value, float) and not value.is_integer()) \
                or value < minimum:
            raise fail(f"{p}.{name}", value, f"a whole number >= {minimum}{hint}")
        work[name] = int(value)
    return work


def parse_solver(raw: Mapping[str, Any], p: str) -> SolverSettings:
    """``[solver]``: settings, and the seed and work fields as a :class:`~rato_opt.spec.Budget`."""
    tl = raw.get("time_limit", 60.0)
    if tl is not None and not (is_number(tl) and math.isfinite(tl) and tl >= 0):
        raise fail(f"{p}.time_limit", tl,
                   "a number of seconds >= 0: > 0 for a limit (e.g. 60), 0 for no limit")
    tl = check_float(tl, f"{p}.time_limit", nullable=True)
    mode = check_str(raw.get("mode", "deterministic"), f"{p}.mode", choices=MODES)
    work = _work(raw, p, mode)
    if mode == "wall_clock" and (tl is None or tl == 0):
        raise fail(f"{p}.time_limit", raw.get("time_limit"),
                   "a number of seconds > 0, since solver.mode = 'wall_clock' runs every "
                   "stage for its share of the time limit (or use mode = 'deterministic')")
    return SolverSettings(
        solver=check_str(raw.get("solver", "highs"), f"{p}.solver", choices=SOLVERS),
        time_limit=None if tl == 0 else tl,
        threads=check_int(raw.get("threads"), f"{p}.threads", nullable=True),
        warm_start=check_bool(raw.get("warm_start", True), f"{p}.warm_start"),
        msg=check_bool(raw.get("msg", False), f"{p}.msg"),
        work=Budget(seed=check_int(raw.get("seed", 0), f"{p}.seed", minimum=0), **work),
    )


_SECTIONS: dict[str, tuple[tuple[str, ...], Callable[[Mapping[str, Any], str], Any]]] = {
    "data": (tuple(_fields(DataSource)), parse_data),
    "layers": (tuple(_fields(LayerChoice)), parse_layers),
    "adjacency": (tuple(_fields(Adjacency)), parse_adjacency),
    "objective": (tuple(_fields(Objective)), parse_objective),
    "locks": (tuple(_fields(Locks)), parse_locks),
    "solver": (SOLVER_KEYS, parse_solver),
}


def _check_counts(kw: dict[str, Any]) -> None:
    """Number of regions and units per region: within the data and consistent."""
    for key in ("k", "k_min", "k_max"):
        if kw[key] is not None and kw["data"].source == "default" and kw[key] > kw["data"].n_units:
            raise fail(key, kw[key], f"at most data.n_units = {kw['data'].n_units} regions")
    if kw["k_min"] is not None and kw["k_max"] is not None and kw["k_min"] > kw["k_max"]:
        raise fail("k_max", kw["k_max"], f"a number >= k_min ({kw['k_min']})")
    if kw["k"] is not None:
        lo, hi = kw["k_min"], kw["k_max"]
        if (lo is not None and kw["k"] < lo) or (hi is not None and kw["k"] > hi):
            raise fail("k", kw["k"], f"a number within k_min..k_max = {lo}..{hi}")
    if kw["min_units"] is not None and kw["max_units"] is not None \
            and kw["min_units"] > kw["max_units"]:
        raise fail("max_units", kw["max_units"], f"a number >= min_units ({kw['min_units']})")


def parse_scenario(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a :class:`~rato_opt.workflow.scenario.Scenario` from its dict form.

    ``extends`` must be resolved before (see
    :func:`rato_opt.workflow.scenario_toml.resolve_extends`); it is ignored here.

    Raises
    ------
    ScenarioError
        Unknown field, wrong type or value out of range, naming the field.
    """
    raw = check_table(raw, "(scenario)")
    check_keys(raw, SCENARIO_KEYS, "")
    kw: dict[str, Any] = {"name": check_str(raw.get("name", "scenario"), "name")}
    kw["description"] = raw.get("description", "")
    if not isinstance(kw["description"], str):
        raise fail("description", kw["description"], "a string")
    for key, (allowed, parse) in _SECTIONS.items():
        kw[key] = _section(raw.get(key, {}), key, allowed, parse)
    kw["sector"] = check_str(raw.get("sector"), "sector", choices=SCENARIO_SECTORS,
                             nullable=True)
    for key in ("k", "k_min", "k_max", "min_units", "max_units"):
        kw[key] = check_int(raw.get(key), key, nullable=True)
    _check_counts(kw)
    bounds = raw.get("bounds", [])
    if not isinstance(bounds, list | tuple):
        raise fail("bounds", bounds, "an array of tables ([[bounds]])")
    kw["bounds"] = tuple(_section(b, f"bounds[{i}]", _fields(Bound), parse_bound)
                         for i, b in enumerate(bounds))
    kw["start"] = check_path(raw.get("start"), "start")
    kw["start_layer"] = check_str(raw.get("start_layer"), "start_layer", nullable=True)
    if kw["start"] is not None and kw["start_layer"] is not None:
        raise fail("start_layer", kw["start_layer"], "nothing when 'start' is given (one of both)")
    if kw["objective"].stay_close > 0 and kw["start"] is None and kw["start_layer"] is None:
        raise fail("start", None, "a plan file (or start_layer), since objective.stay_close > 0")
    from .scenario_extras import parse_extras  # it imports the checks of this module

    kw.update(parse_extras(raw))
    return kw
