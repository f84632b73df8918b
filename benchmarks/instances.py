"""Benchmark instances: the real 2024 map and synthetic countries.

Each :class:`Instance` is ``(name, landscape, spec, time_limit)`` plus what the
baselines need (candidate list size of the naive model, which methods to run).
Instances are built lazily by name (:func:`get_instances`) because loading the real
map and generating a 4,000-unit country take seconds each.

The objective is the planner's default used by ``rato-opt demo`` (see
:func:`default_objective`); balance bounds are on population, relative to the mean
region (total / k).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = [
    "Instance",
    "LOOSE",
    "TIGHT_LOWER",
    "TIGHT_UPPER_STEPS",
    "default_objective",
    "tight_upper",
    "instance_names",
    "get_instances",
    "QUICK",
    "FULL",
    "KEEP_WHOLE",
    "KEEP_WHOLE_FINE",
    "KEEP_WHOLE_COUNT",
    "KEEP_WHOLE_TIMES",
    "keep_whole_objective",
    "keep_whole_instances",
]

#: Loose population balance (factors of the mean region).
LOOSE = (0.33, 3.0)
#: Lower factor of the tight balance.
TIGHT_LOWER = 0.6
#: Upper factors tried, smallest first, for the tight balance.
TIGHT_UPPER_STEPS = (1.6, 1.7, 1.8, 1.85, 1.9, 2.0, 2.2, 2.4, 2.6, 2.65, 2.7, 2.8, 3.0)


@dataclass(frozen=True)
class Instance:
    """One benchmark instance.

    Attributes
    ----------
    name : str
    landscape : Landscape
    spec : RegionSpec
    time_limit : float
        Wall-clock budget in seconds for every method (model building included).
    description : str
    naive_candidates : int or None
        Candidate centres per unit in the naive model (None: all pairs).
    methods : tuple of str or None
        Methods to run (None: all of them).
    notes : tuple of str
        How the instance was set up (e.g. how the tight bound was chosen).
    """

    name: str
    landscape: Any
    spec: Any
    time_limit: float
    description: str = ""
    naive_candidates: int | None = None
    methods: tuple[str, ...] | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_units(self) -> int:
        return len(self.landscape.units)


def default_objective(landscape: Any):
    """The planner's default objective weights, as in ``rato-opt demo``.

    Split of every collaboration layer except the reference (``amr``), the alliances
    and the provinces (weight 1 each, members weighed by ``pupils_po``), compactness
    0.5, alignment with the arbeidsmarktregio's 0.5.

    Examples
    --------
    >>> from rato_opt.sources.synthetic import make_country
    >>> o = default_objective(make_country(n_units=60, seed=1))
    >>> sorted(o.split_layers), o.reference, o.compactness
    (['rap_po', 'rap_vo', 'sop'], 'amr', 0.5)
    """
    from rato_opt.spec import Objective

    layers = set(landscape.layers)
    reference = "amr" if "amr" in layers else None
    split_layers = {
        name: 1.0 for name in sorted(layers) if name not in (reference, "alliance", "province")
    }
    return Objective(
        split=1.0,
        split_layers=split_layers,
        split_by="pupils_po" if "pupils_po" in landscape.units.columns else None,
        compactness=0.5,
        alignment=0.5 if reference else 0.0,
        reference=reference,
    )


def _spec(landscape: Any, k: int, lower: float, upper: float):
    from rato_opt.spec import Bound, RegionSpec

    return RegionSpec(
        k=k,
        bounds=(Bound("population", lower=lower, upper=upper, relative=True),),
        objective=default_objective(landscape),
    )


def _precheck(landscape: Any, spec: Any) -> str | None:
    """Run the optimiser's pre-check; return the reason it fails, or None."""
    try:
        from rato_opt.assess.diagnose import check_feasible
    except ImportError:
        return None
    try:
        check_feasible(landscape, spec)
    except ValueError as err:
        return str(err)
    return None


def tight_upper(landscape: Any, k: int, *, lower: float = TIGHT_LOWER) -> tuple[float, str]:
    """The tightest upper population factor (from :data:`TIGHT_UPPER_STEPS`) that can hold.

    A unit cannot be split, so the upper factor must be at least the largest unit's
    population over the mean region (Amsterdam is 1.82 x the mean at k = 35); the
    optimiser's pre-check (:func:`rato_opt.assess.diagnose.check_feasible`, when present)
    must also pass.

    Returns
    -------
    (float, str)
        The factor and a sentence saying how it was chosen.
    """
    units = landscape.units
    mean = float(units["population"].sum()) / k
    biggest = units["population"].idxmax()
    need = float(units.at[biggest, "population"]) / mean
    tried = []
    for up in TIGHT_UPPER_STEPS:
        if up < need:
            tried.append(f"{up} (< {units.at[biggest, 'name']} alone, {need:.3f})")
            continue
        reason = _precheck(landscape, _spec(landscape, k, lower, up))
        if reason is None:
            why = (
                f"upper {up}: smallest of {TIGHT_UPPER_STEPS} at or above the largest unit "
                f"({units.at[biggest, 'name']}, {need:.3f} x mean) that passes the pre-check"
            )
            if tried:
                why += "; rejected " + ", ".join(tried)
            return up, why
        tried.append(f"{up} (pre-check: {reason[:120]})")
    raise ValueError(f"no tight upper factor passes for k={k}: {tried}")


@lru_cache(maxsize=2)
def _real_landscape():
    from rato_opt.sources.nl2024 import load_nl_2024

    return load_nl_2024(layers=("amr", "boards"))


@lru_cache(maxsize=4)
def _country(n_units: int, seed: int = 2026):
    from rato_opt.sources.synthetic import make_country

    return make_country(n_units=n_units, seed=seed)


def _real(
    k: int, balance: str, time_limit: float, *, extra_all_pairs: bool = False, cbc: bool = True
) -> Instance:
    land = _real_landscape()
    if balance == "loose":
        lower, upper = LOOSE
        notes: tuple[str, ...] = ()
    else:
        lower = TIGHT_LOWER
        upper, why = tight_upper(land, k)
        notes = (why,)
    return Instance(
        name=f"nl2024_k{k}_{balance}",
        landscape=land,
        spec=_spec(land, k, lower, upper),
        time_limit=time_limit,
        description=(
            f"real 2024 map, 342 gemeenten, layers amr+boards, water links; k={k}, "
            f"population {lower}-{upper} x mean"
        ),
        naive_candidates=int(math.ceil(3 * len(land.units) / k)),
        methods=tuple(
            m for m in (*DEFAULT_METHODS, *(("naive_highs_allpairs",) if extra_all_pairs else ()))
            if cbc or m != "ours_cbc"
        ),
        notes=notes + (() if cbc else ("ours_cbc not run here (CBC vs HiGHS is compared on the "
                                        "tight real instances and synthetic_340),",)),
    )


def _synthetic(
    n_units: int, k: int, time_limit: float, *, methods=None, notes: tuple[str, ...] = ()
) -> Instance:
    land = _country(n_units)
    lower, upper = LOOSE
    # Candidate centres of the naive model: about three mean region sizes (all pairs
    # need n^2 assignment variables and 2|E| n flow-capacity rows; on the real map that
    # model did not finish building in 90 s, see naive_highs_allpairs).
    m = int(math.ceil(3 * n_units / k))
    return Instance(
        name=f"synthetic_{n_units}_k{k}",
        landscape=land,
        spec=_spec(land, k, lower, upper),
        time_limit=time_limit,
        description=(
            f"make_country(n_units={n_units}, seed=2026): {len(land.units)} units, layers "
            f"{'+'.join(land.layers)}; k={k}, population {lower}-{upper} x mean"
        ),
        naive_candidates=m,
        methods=methods,
        notes=notes,
    )


def _quick(n_units: int = 60, k: int = 5, time_limit: float = 20.0) -> Instance:
    land = _country(n_units, seed=1)
    lower, upper = LOOSE
    return Instance(
        name=f"quick_{n_units}_k{k}",
        landscape=land,
        spec=_spec(land, k, lower, upper),
        time_limit=time_limit,
        description=f"make_country(n_units={n_units}, seed=1); k={k}, population {lower}-{upper}",
        naive_candidates=None,
    )


_SPOPT = ("spopt_skater", "spopt_azp", "spopt_region_kmeans", "spopt_maxp")
_SKATER_NOTE = (
    "Skater not run: it found no plan within 60 s on the 342-unit real map (killed, see the "
    "nl2024 rows); not measured on this instance."
)
#: The default method set of ``benchmarks/run.py`` (kept here to avoid an import cycle).
DEFAULT_METHODS = ("ours_highs", "ours_cbc", "naive_highs", *_SPOPT)

#: Instance name -> factory(time_limit or None) for the full benchmark.
FULL: dict[str, Callable[[float | None], Instance]] = {
    "nl2024_k35_tight": lambda t: _real(35, "tight", t or 60.0, extra_all_pairs=True),
    "nl2024_k35_loose": lambda t: _real(35, "loose", t or 60.0, cbc=False),
    "nl2024_k50_tight": lambda t: _real(50, "tight", t or 60.0),
    "nl2024_k50_loose": lambda t: _real(50, "loose", t or 60.0, cbc=False),
    "synthetic_340_k35": lambda t: _synthetic(340, 35, t or 60.0),
    "synthetic_1000_k35": lambda t: _synthetic(
        1000, 35, t or 120.0,
        methods=("ours_highs", "naive_highs", "spopt_azp", "spopt_region_kmeans", "spopt_maxp"),
        notes=(_SKATER_NOTE,),
    ),
    "synthetic_4000_k35": lambda t: _synthetic(
        4000, 35, t or 600.0,
        methods=("ours_highs", "naive_highs", "spopt_region_kmeans"),
        notes=(
            _SKATER_NOTE,
            "AZP and MaxP not run here to keep the benchmark within an hour: on the 342-unit "
            "real map they took about 20 s and 40 s (see the rows there) and both are "
            "pure-Python local searches; not measured on this instance.",
        ),
    ),
}

#: Instance name -> factory for ``--quick``.
QUICK: dict[str, Callable[[float | None], Instance]] = {
    "quick_60_k5": lambda t: _quick(60, 5, t or 20.0),
}


def instance_names(*, quick: bool = False) -> list[str]:
    """Names of the benchmark instances, in run order."""
    return list(QUICK if quick else FULL)


def get_instances(
    names: Sequence[str] | None = None,
    *,
    quick: bool = False,
    time_limit: float | None = None,
) -> list[Instance]:
    """Build the named instances (all of the set by default).

    Parameters
    ----------
    names : sequence of str, optional
        Instance names; unknown names raise ``KeyError`` listing the known ones.
    quick : bool, default False
        Use the quick set (tiny synthetic instances).
    time_limit : float, optional
        Override every instance's time limit.
    """
    table = {**FULL, **QUICK}
    chosen = instance_names(quick=quick) if not names else list(names)
    unknown = [n for n in chosen if n not in table]
    if unknown:
        raise KeyError(f"unknown instance(s) {unknown}; known: {sorted(table)}")
    return [table[n](time_limit) for n in chosen]


# ----------------------------------------------------------------------------- keep whole
#: Keep-whole comparison (rato_opt vs GerryChain ReCom): name -> (k, lower, upper) population
#: factors of the mean region. ``amr``: ``None`` bounds mean the arbeidsmarktregio's own range,
#: measured on the data (:func:`amr_range`: smallest and largest AMR over the mean of 35,
#: rounded outwards to 1e-4, about 0.284-2.8031), so the AMR plan itself is feasible.
#: Instances on finer units are in :data:`KEEP_WHOLE_FINE`.
KEEP_WHOLE: dict[str, tuple[int, float | None, float | None]] = {
    "nl2024_boards_k35_amr": (35, None, None),
    "nl2024_boards_k35_tight": (35, 0.6, 1.85),
    "nl2024_boards_k50": (50, 0.6, 2.6),
    "nl2024_boards_count_k35_amr": (35, None, None),
}
#: Shapes whose objective adds the count term (weight 1 on the share of boards split, as
#: planners count them) to the share of pupils outside: ``split_count=1``.
KEEP_WHOLE_COUNT = ("nl2024_boards_count_k35_amr",)
#: Keep-whole instances on finer units (issue 12): name -> (k, lower, upper, map, gemeenten
#: weight). ``map``: ``"wijken"`` (the 3,393 land wijken of 2024,
#: :func:`rato_opt.sources.nl2024_fine.load_nl_2024_wijken`) or ``"mixed4"`` (gemeenten
#: whole, the four big cities in wijken, :func:`~rato_opt.sources.nl2024_fine.load_nl_2024_mixed`).
#: A positive gemeenten weight adds the soft layer ``gemeenten`` to the count term
#: (``split_count=1``, ``split_count_layers={"gemeenten": weight}``): each gemeente split
#: costs weight / 342, with 50 about 0.15, more than any board gain seen, so a plan splits a
#: gemeente only where the bounds leave no other way. (Weighing the gemeenten in the share
#: term instead, x5, measured one big city split per seed where none had to be.)
KEEP_WHOLE_FINE: dict[str, tuple[int, float | None, float | None, str, float]] = {
    "nl2024_wijken_boards_k35_amr": (35, None, None, "wijken", 0.0),
    "nl2024_mixed4_boards_k35_tight": (35, 0.6, 1.85, "mixed4", 50.0),
}
#: Wall-clock budgets of the keep-whole comparison (``--quick``: the first only).
KEEP_WHOLE_TIMES = (60.0, 300.0)


def amr_range(land, k: int = 35) -> tuple[float, float]:
    """The population range of the arbeidsmarktregio's as factors of the mean of ``k`` regions.

    Rounded outwards to 1e-4 so that the AMR plan meets the bounds.
    """
    import math

    amr = land.layers["amr"].membership().set_index("unit")["collaboration"]
    pop = land.units["population"].astype(float)
    sizes = pop.groupby(amr.reindex(pop.index)).sum()
    mean = float(pop.sum()) / k
    return (math.floor(sizes.min() / mean * 1e4) / 1e4, math.ceil(sizes.max() / mean * 1e4) / 1e4)


def keep_whole_objective(gemeenten: float = 0.0, count: float = 0.0):
    """School-board split only (plus the soft ``gemeenten`` layer), weighed by ``pupils_po``.

    ``count`` adds the count term on the boards (``Objective.split_count``); ``gemeenten``
    adds the soft layer ``gemeenten`` to the count term with that weight.

    Examples
    --------
    >>> o = keep_whole_objective()
    >>> dict(o.split_layers), o.split_by, o.compactness, o.alignment
    ({'boards': 1.0}, 'pupils_po', 0.0, 0.0)
    >>> o = keep_whole_objective(50)
    >>> dict(o.split_layers), o.split_count, dict(o.split_count_layers)
    ({'boards': 1.0}, 1.0, {'gemeenten': 50.0})
    """
    from rato_opt.spec import Objective

    count_layers = {**({"boards": 1.0} if count else {}),
                    **({"gemeenten": float(gemeenten)} if gemeenten else {})}
    return Objective(split=1, split_layers={"boards": 1.0}, split_by="pupils_po",
                     compactness=0, alignment=0,
                     split_count=float(count) if count else (1.0 if gemeenten else 0.0),
                     split_count_layers=count_layers or None)


@lru_cache(maxsize=2)
def _fine_landscape(kind: str):
    from rato_opt.sources.nl2024_fine import load_nl_2024_mixed, load_nl_2024_wijken

    if kind == "wijken":
        return load_nl_2024_wijken(layers=("amr", "boards"))
    return load_nl_2024_mixed(layers=("amr", "boards"))


def keep_whole_instances(
    names: Sequence[str] | None = None, *, time_limits: Sequence[float] = KEEP_WHOLE_TIMES
) -> list[Instance]:
    """The keep-whole instances, one per (shape, time limit), named ``<shape>_<T>s``.

    Parameters
    ----------
    names : sequence of str, optional
        Shapes of :data:`KEEP_WHOLE` (default all of them) or :data:`KEEP_WHOLE_FINE`, or
        full names ``<shape>_<T>s``.
    time_limits : sequence of float
        Wall-clock budgets (seconds) for the shapes named without a time.
    """
    from rato_opt.spec import Bound, RegionSpec

    wanted: list[tuple[str, float]] = []
    shapes = {**KEEP_WHOLE, **KEEP_WHOLE_FINE}
    for name in names or list(KEEP_WHOLE):
        shape, _, tail = name.rpartition("_")
        if shape in shapes and tail.endswith("s") and tail[:-1].isdigit():
            wanted.append((shape, float(tail[:-1])))
        elif name in shapes:
            wanted += [(name, float(t)) for t in time_limits]
        else:
            raise KeyError(f"unknown keep-whole instance {name!r}; known: {sorted(shapes)} "
                           "(optionally with a time suffix, e.g. _60s)")
    out = []
    for shape, t in wanted:
        if shape in KEEP_WHOLE:
            (k, lower, upper), kind, gemeenten = KEEP_WHOLE[shape], "gemeenten", 0.0
            land = _real_landscape()
            what = "real 2024 map, 342 gemeenten"
        else:
            k, lower, upper, kind, gemeenten = KEEP_WHOLE_FINE[shape]
            land = _fine_landscape(kind)
            what = (f"real 2024 map, {len(land.units):,} land wijken (CBS 2024)" if kind == "wijken"
                    else f"real 2024 map at mixed resolution, {len(land.units):,} units "
                         "(gemeenten; Amsterdam, Rotterdam, Den Haag, Utrecht in wijken)")
        if lower is None or upper is None:
            lower, upper = amr_range(land, k)
        if gemeenten:
            from rato_opt.landscape.resolution import parent_layer

            land = land.with_layers(parent_layer(land))
        out.append(Instance(
            name=f"{shape}_{t:.0f}s",
            landscape=land,
            spec=RegionSpec(k=k, bounds=(Bound("population", lower=lower, upper=upper,
                                               relative=True),),
                            objective=keep_whole_objective(
                                gemeenten, count=1.0 if shape in KEEP_WHOLE_COUNT else 0.0)),
            time_limit=t,
            description=(f"{what}, layers amr+boards{'+gemeenten' if gemeenten else ''}, "
                         f"water links; k={k}, population {lower}-{upper} x mean; school-board "
                         f"split only{f' + count of gemeenten split x{gemeenten:g}' if gemeenten else ''}"
                         f"{' + count of boards split' if shape in KEEP_WHOLE_COUNT else ''}"),
            methods=("rato_opt", "gerrychain"),
        ))
    return out
