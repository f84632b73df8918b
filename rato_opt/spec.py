"""What a region plan must satisfy and optimise: :class:`RegionSpec` and its parts.

The specification is independent of any model formulation or solver. It is read by
the model builder (:mod:`rato_opt.optimize.model`), by the formulation-independent checks
(:func:`rato_opt.assess.plan.verify_plan`, :func:`rato_opt.assess.diagnose.precheck`) and by the
scorer (:func:`rato_opt.assess.plan.score_plan`).

All four classes are frozen dataclasses that check their fields when built, so an
inconsistent specification fails early with a message saying what was given and
what is expected. Sequences are normalised to tuples and mappings to plain
``dict`` copies (so a spec can be pickled, e.g. for dask workers).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ._util import region_label
from .exceptions import ModelError

__all__ = ["TERMS", "Bound", "Objective", "Locks", "RegionSpec", "Budget"]

#: Names of the objective terms, in reporting order (each is also a weight of
#: :class:`Objective`).
TERMS = ("split", "split_count", "compactness", "alignment", "alliance", "stay_close")


def _finite_nonneg(value: Any, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(v) or v < 0:
        raise ModelError(f"{what} must be a finite number >= 0, got {value!r}")
    return v


def _positive_int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise ModelError(f"{what} must be a whole number, got {value!r}")
    if value < 1:
        raise ModelError(f"{what} must be at least 1, got {value!r}")
    return int(value)


def _code(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ModelError(
            f"{what} must be a non-empty unit code string (e.g. 'GM0363'), got {value!r}"
        )
    return value


@dataclass(frozen=True)
class Bound:
    """Bound on the total of a weight column per region.

    Parameters
    ----------
    column : str
        Weight column of the unit table, e.g. ``"population"``.
    lower, upper : float, optional
        Lower and upper limit on every region's total (at least one of them).
    relative : bool, default False
        When True, ``lower`` and ``upper`` are factors of the mean region total
        (column total divided by the number of regions), e.g. ``0.5`` and ``2.0``.

    Examples
    --------
    >>> Bound("population", upper=640_000)
    Bound(column='population', lower=None, upper=640000.0, relative=False)
    >>> Bound("population", lower=2, upper=1)
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.ModelError: Bound on 'population': lower 2.0 > upper 1.0; ...
    """

    column: str
    lower: float | None = None
    upper: float | None = None
    relative: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.column, str) or not self.column:
            raise ModelError(
                f"Bound.column must be the name of a weight column, got {self.column!r}"
            )
        if self.lower is None and self.upper is None:
            raise ModelError(
                f"Bound on {self.column!r} has neither lower nor upper; give at least one"
            )
        for attr in ("lower", "upper"):
            value = getattr(self, attr)
            if value is not None:
                object.__setattr__(
                    self, attr, _finite_nonneg(value, f"Bound on {self.column!r}: {attr}")
                )
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ModelError(
                f"Bound on {self.column!r}: lower {self.lower} > upper {self.upper}; "
                "swap them or widen the range"
            )
        if not isinstance(self.relative, bool):
            raise ModelError(f"Bound.relative must be True or False, got {self.relative!r}")
        if self.relative and self.upper is not None and self.upper <= 0:
            raise ModelError(
                f"relative Bound on {self.column!r}: upper factor must be > 0, got {self.upper}"
            )


@dataclass(frozen=True)
class Objective:
    """Weights of the objective terms; every term is a fraction in [0, 1] times its weight.

    See the module :mod:`rato_opt.assess.metrics` for the exact definition of each term.

    Parameters
    ----------
    split : float, default 1.0
        Weight of the collaboration-split term.
    split_layers : mapping of str to float, optional
        Layer name -> weight. ``None``: every layer except the reference and
        alliance layers, each with weight 1.
    split_by : str, optional
        Weight column weighing the members of a collaboration (``None`` counts units).
    compactness : float, default 0.0
        Weight of the cut-boundary share.
    alignment : float, default 0.0
        Weight of the split of the ``reference`` layer. Needs ``reference``.
    reference : str, optional
        Layer name of a partition to align with, e.g. ``"amr"``.
    alliance : float, default 0.0
        Weight of the share of region weight outside each region's main alliance.
    alliance_layer : str, optional
        Layer of alliances, e.g. ``"alliance"``. Needed by ``alliance`` and
        ``alliance_hard``.
    alliance_hard : bool, default False
        Each region must lie within one alliance (a constraint).
    stay_close : float, default 0.0
        Weight of the share of weight moved away from ``RegionSpec.start``.
    split_weight : {"unit", "membership"}, default "unit"
        What a member weighs in the split, count and alignment terms. ``"unit"``: the
        unit's ``split_by`` weight (or 1), whichever collaboration it is counted for
        (the meaning of specs written before this option). ``"membership"``: the
        collaboration's own weight in the unit where the layer carries membership
        weights (e.g. a school board's pupils per gemeente), else the ``"unit"`` weight.
    split_count : float, default 0.0
        Weight of the count term: the number of collaborations split (more than
        ``split_threshold`` of their weight outside their main region), divided by
        the number of collaborations with weight, per layer of ``split_count_layers``.
    split_count_layers : mapping of str to float, optional
        Layer name -> weight for the count term; ``None``: the layers (and weights) of
        the split term.
    split_threshold : float, default 0.0
        A collaboration counts as split only when more than this share of its weight
        lies outside its main region (0: any weight outside). In [0, 1).

    Examples
    --------
    >>> Objective(alignment=0.5, reference="amr").alignment
    0.5
    >>> Objective(split_count=1, split_threshold=0.1, split_weight="membership").split_count
    1.0
    >>> Objective(alignment=0.5)
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.ModelError: Objective.alignment is 0.5 but no reference layer is set; ...
    """

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
    split_weight: Literal["unit", "membership"] = "unit"
    split_count: float = 0.0
    split_count_layers: Mapping[str, float] | None = None
    split_threshold: float = 0.0

    def __post_init__(self) -> None:
        for attr in TERMS:
            object.__setattr__(
                self, attr, _finite_nonneg(getattr(self, attr), f"Objective.{attr}")
            )
        for attr in ("split_layers", "split_count_layers"):
            object.__setattr__(self, attr, _layer_weights(getattr(self, attr), attr))
        if self.split_weight not in ("unit", "membership"):
            raise ModelError(
                "Objective.split_weight must be 'unit' (the split_by weight of the unit) or "
                f"'membership' (the layer's membership weights), got {self.split_weight!r}"
            )
        threshold = _finite_nonneg(self.split_threshold, "Objective.split_threshold")
        if threshold >= 1:
            raise ModelError(
                f"Objective.split_threshold must lie in [0, 1), got {self.split_threshold!r}; "
                "it is the share of a collaboration's weight outside its main region"
            )
        object.__setattr__(self, "split_threshold", threshold)
        for attr in ("split_by", "reference", "alliance_layer"):
            value = getattr(self, attr)
            if value is not None and (not isinstance(value, str) or not value):
                raise ModelError(f"Objective.{attr} must be a name (str) or None, got {value!r}")
        if not isinstance(self.alliance_hard, bool):
            raise ModelError(
                f"Objective.alliance_hard must be True or False, got {self.alliance_hard!r}"
            )
        if self.alignment > 0 and self.reference is None:
            raise ModelError(
                f"Objective.alignment is {self.alignment} but no reference layer is set; "
                "pass reference=<partition layer>, e.g. reference='amr'"
            )
        if (self.alliance > 0 or self.alliance_hard) and self.alliance_layer is None:
            raise ModelError(
                "Objective.alliance / alliance_hard need the alliance layer; "
                "pass alliance_layer=<layer name>, e.g. alliance_layer='alliance'"
            )


def _layer_weights(value: Any, what: str) -> dict[str, float] | None:
    """A mapping layer name -> weight >= 0 as a plain dict (None stays None)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ModelError(
            f"Objective.{what} must be a mapping layer name -> weight, e.g. "
            f"{{'rap_po': 1.0, 'sop': 0.5}}, got {type(value).__name__}"
        )
    layers = {}
    for name, weight in value.items():
        if not isinstance(name, str) or not name:
            raise ModelError(f"Objective.{what} keys must be layer names, got {name!r}")
        layers[name] = _finite_nonneg(weight, f"Objective.{what}[{name!r}]")
    return layers


def _groups(value: Any, what: str, *, size: int | None = None) -> tuple[tuple[str, ...], ...]:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ModelError(f"Locks.{what} must be a sequence of groups of unit codes, got {value!r}")
    out = []
    for group in value:
        if isinstance(group, str) or not hasattr(group, "__iter__"):
            raise ModelError(
                f"Locks.{what} holds {group!r}; each entry must be a tuple of unit codes, "
                "e.g. ('GM0363', 'GM0437')"
            )
        codes = tuple(_code(c, f"a code in Locks.{what}") for c in group)
        if not codes:
            raise ModelError(f"Locks.{what} holds an empty group")
        if size is not None and (len(codes) != size or codes[0] == codes[1]):
            raise ModelError(f"Locks.{what} entries must be pairs of two different codes, got {codes}")
        if len(set(codes)) != len(codes):
            raise ModelError(f"Locks.{what} group {codes} lists a code twice")
        out.append(codes)
    return tuple(out)


@dataclass(frozen=True)
class Locks:
    """Planner's locks on the plan.

    Parameters
    ----------
    together : tuple of tuple of str
        Groups of unit codes kept in one region.
    apart : tuple of (str, str)
        Pairs of unit codes that must lie in different regions.
    own_region : tuple of tuple of str
        Each group forms a region on its own, exactly (no other units join it).
    fixed : mapping of str to str
        Unit code -> named region label; units with the same label share a region,
        units with different labels lie in different regions.

    Examples
    --------
    >>> Locks(together=[["A", "B"]], fixed={"C": "north"}).together
    (('A', 'B'),)
    """

    together: tuple[tuple[str, ...], ...] = ()
    apart: tuple[tuple[str, str], ...] = ()
    own_region: tuple[tuple[str, ...], ...] = ()
    fixed: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "together", _groups(self.together, "together"))
        object.__setattr__(self, "apart", _groups(self.apart, "apart", size=2))
        object.__setattr__(self, "own_region", _groups(self.own_region, "own_region"))
        if not isinstance(self.fixed, Mapping):
            raise ModelError(
                f"Locks.fixed must be a mapping unit code -> region label, got {self.fixed!r}"
            )
        fixed = {}
        for code, label in self.fixed.items():
            _code(code, "a code in Locks.fixed")
            if not isinstance(label, str) or not label:
                raise ModelError(
                    f"Locks.fixed[{code!r}] must be a region label (str), got {label!r}"
                )
            fixed[code] = label
        object.__setattr__(self, "fixed", fixed)

    @property
    def codes(self) -> set[str]:
        """Every unit code any lock mentions."""
        out = set(self.fixed)
        for groups in (self.together, self.apart, self.own_region):
            for group in groups:
                out.update(group)
        return out


@dataclass(frozen=True)
class RegionSpec:
    """Everything a plan must satisfy and what it optimises.

    Parameters
    ----------
    k : int, optional
        Exact number of regions.
    k_min, k_max : int, optional
        Range for the number of regions (when ``k`` is not fixed).
    bounds : tuple of Bound
        Bounds on region totals of weight columns.
    min_units, max_units : int, optional
        Number of units per region.
    objective : Objective
        Objective weights.
    locks : Locks
        Planner's locks.
    start : mapping of str to str, optional
        A plan (unit code -> region id), for warm start and ``stay_close``.
    allow_islands : bool, default False
        Unreachable components of the unit graph become their own region(s).
    contiguity : {"queen", "rook"}, default "queen"
        Adjacency rule of the unit graph.

    Examples
    --------
    >>> spec = RegionSpec(k=3, bounds=[Bound("population", 0.5, 2.0, relative=True)])
    >>> spec.bounds[0].relative, spec.k
    (True, 3)
    >>> RegionSpec(k=5, k_max=4)
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.ModelError: RegionSpec: k=5 lies outside k_min..k_max = None..4; ...
    """

    k: int | None = None
    k_min: int | None = None
    k_max: int | None = None
    bounds: tuple[Bound, ...] = ()
    min_units: int | None = None
    max_units: int | None = None
    objective: Objective = field(default_factory=Objective)
    locks: Locks = field(default_factory=Locks)
    start: Mapping[str, str] | None = None
    allow_islands: bool = False
    contiguity: Literal["queen", "rook"] = "queen"

    def __post_init__(self) -> None:
        for attr in ("k", "k_min", "k_max", "min_units", "max_units"):
            object.__setattr__(self, attr, _positive_int(getattr(self, attr), f"RegionSpec.{attr}"))
        if self.k_min is not None and self.k_max is not None and self.k_min > self.k_max:
            raise ModelError(
                f"RegionSpec: k_min={self.k_min} > k_max={self.k_max}; swap them"
            )
        if self.k is not None and (
            (self.k_min is not None and self.k < self.k_min)
            or (self.k_max is not None and self.k > self.k_max)
        ):
            raise ModelError(
                f"RegionSpec: k={self.k} lies outside k_min..k_max = {self.k_min}..{self.k_max}; "
                "give either k or a range that contains it"
            )
        if (
            self.min_units is not None
            and self.max_units is not None
            and self.min_units > self.max_units
        ):
            raise ModelError(
                f"RegionSpec: min_units={self.min_units} > max_units={self.max_units}"
            )
        if isinstance(self.bounds, Bound):
            object.__setattr__(self, "bounds", (self.bounds,))
        bounds = tuple(self.bounds)
        for b in bounds:
            if not isinstance(b, Bound):
                raise ModelError(
                    f"RegionSpec.bounds must hold Bound objects, got {type(b).__name__}: {b!r}"
                )
        object.__setattr__(self, "bounds", bounds)
        if not isinstance(self.objective, Objective):
            raise ModelError(
                f"RegionSpec.objective must be an Objective, got {type(self.objective).__name__}"
            )
        if not isinstance(self.locks, Locks):
            raise ModelError(
                f"RegionSpec.locks must be a Locks, got {type(self.locks).__name__}"
            )
        if self.start is not None:
            if hasattr(self.start, "to_dict"):  # a pandas Series
                start = self.start.to_dict()
            elif isinstance(self.start, Mapping):
                start = dict(self.start)
            else:
                raise ModelError(
                    "RegionSpec.start must be a mapping unit code -> region id, "
                    f"got {type(self.start).__name__}"
                )
            start = {str(c): region_label(r) for c, r in start.items() if r is not None and r == r}
            object.__setattr__(self, "start", start)
        if self.objective.stay_close > 0 and self.start is None:
            raise ModelError(
                f"Objective.stay_close is {self.objective.stay_close} but RegionSpec.start is "
                "None; give the plan to stay close to as start=<unit -> region>"
            )
        if not isinstance(self.allow_islands, bool):
            raise ModelError(
                f"RegionSpec.allow_islands must be True or False, got {self.allow_islands!r}"
            )
        if self.contiguity not in ("queen", "rook"):
            raise ModelError(
                f"RegionSpec.contiguity must be 'queen' or 'rook', got {self.contiguity!r}"
            )

    def replace(self, **changes: Any) -> RegionSpec:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _count_or_none(value: Any, what: str, *, minimum: int = 0) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ModelError(f"{what} must be a whole number or None, got {value!r}")
    if value < minimum:
        raise ModelError(f"{what} must be at least {minimum}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Budget:
    """How much work a solve may do, counted in work rather than seconds.

    Every stage of :func:`rato_opt.optimize.pipeline.solve` is budgeted here, so the same
    landscape, spec, seed and budget give the same plan on any machine and under any
    load. A wall-clock ``time_limit`` stays available as a cap; a plan whose run hit it
    says so (``plan.run["stopped_by"] == "time_limit"``, ``deterministic`` False).

    Parameters
    ----------
    seed : int, default 0
        Seed of every random choice (heuristic starts, annealing moves, solver seeds).
    starts : int or None, default 8
        Seeded starts of the region-growing heuristic (each followed by local search).
    anneal_moves : int or None, default 300
        Annealing moves per unit in each round.
    anneal_rounds : int or None, default 3
        Annealing rounds, each from the best plan so far (0 switches annealing off).
    nodes : int or None, default 1000
        Branch-and-bound nodes of the integer program (HiGHS ``mip_max_nodes``, CBC
        ``maxNodes``); 0 skips the integer program.
    pmedian_nodes : int or None, default 200
        Nodes of the p-median warm start used under tight bounds.
    exact_max_binaries : int or None, default 2000
        The integer program runs only on models with at most this many binary
        variables (None: any size). A node limit does not bound the root node: on the
        embedded default at k = 12 (about 4,400 binaries) HiGHS 1.16 spent 300 s and
        90,166 simplex iterations on the root LP alone without finishing it, so larger
        models get the heuristic and annealing stages only, reproducibly.
    recom_steps : int or None, default 3000
        Proposals per round of the recombination stage
        (:func:`rato_opt.optimize.recom.recombine`: merge two neighbouring regions and
        re-split them along a random spanning tree, mixed with unit moves).
    recom_rounds : int or None, default 3
        Recombination rounds, each from the best plan so far with its own seed (0
        switches the stage off).
    pool_max_columns : int or None, default 500
        Regions of the plans the recombination rounds visited that the pool program
        (:func:`rato_opt.optimize.pool.solve_pool`) chooses from (the most recent; the
        best plan's always); 0 switches the pool stage off; None (:meth:`wall_clock`)
        means 500 with the program on the clock. Its branch-and-bound nodes are
        ``nodes``. Measured on the real map at k = 35 (three rounds of 3,000 steps,
        best 0.13996): 597 regions gave 0.13731 in 1.1 s, 1,097 gave 0.13722 in 11.4 s.

    ``None`` for a field means "as much as the time limit allows" and makes the run
    depend on the clock; :meth:`wall_clock` gives that mode for every field (used by
    benchmarks that compare methods at equal wall time).

    Examples
    --------
    >>> Budget().deterministic
    True
    >>> Budget.wall_clock().deterministic
    False
    >>> Budget(nodes=-1)
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.ModelError: Budget.nodes must be at least 0, got -1
    """

    seed: int = 0
    starts: int | None = 8
    anneal_moves: int | None = 300
    anneal_rounds: int | None = 3
    nodes: int | None = 1000
    pmedian_nodes: int | None = 200
    exact_max_binaries: int | None = 2000
    recom_steps: int | None = 3000
    recom_rounds: int | None = 3
    pool_max_columns: int | None = 500

    def __post_init__(self) -> None:
        seed = _count_or_none(self.seed, "Budget.seed")
        if seed is None:
            raise ModelError("Budget.seed must be a whole number >= 0, got None")
        object.__setattr__(self, "seed", seed)
        object.__setattr__(self, "starts", _count_or_none(self.starts, "Budget.starts",
                                                          minimum=1))
        for name in ("anneal_moves", "anneal_rounds", "nodes", "pmedian_nodes",
                     "exact_max_binaries", "recom_steps", "recom_rounds", "pool_max_columns"):
            object.__setattr__(self, name, _count_or_none(getattr(self, name), f"Budget.{name}"))

    @classmethod
    def wall_clock(cls, seed: int = 0, exact_max_binaries: int | None = 2000) -> Budget:
        """Every stage runs until its share of the time limit is used (not reproducible).

        ``exact_max_binaries`` is a size rule, not work: it keeps its default, so the
        integer program is skipped on models whose root LP does not finish (see above).
        """
        return cls(seed=seed, starts=None, anneal_moves=None, anneal_rounds=None, nodes=None,
                   pmedian_nodes=None, exact_max_binaries=exact_max_binaries, recom_steps=None,
                   recom_rounds=None, pool_max_columns=None)

    @property
    def deterministic(self) -> bool:
        """True when every stage is bounded by work, not by the clock."""
        return None not in (self.starts, self.anneal_moves, self.anneal_rounds, self.nodes,
                            self.pmedian_nodes, self.recom_steps, self.recom_rounds)

    def as_dict(self) -> dict[str, int | None]:
        """The fields as a plain dict (for ``summary.json`` and exports)."""
        return dataclasses.asdict(self)
