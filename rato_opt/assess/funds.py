"""Funds follow the regions: a per-region allocation under a stated formula.

A :class:`FundsFormula` states a base amount per region plus an amount per unit of any
weight column (pupils, shortage fte, ...), and optionally a budget ``total`` to distribute
exactly instead (the formula's amounts are then scaled to it). :func:`allocate` applies it
to a plan; :func:`compare_allocations` says which units' funding region changes between
two plans and who gains and loses.

**No rounding drift.** Every amount is computed exactly (rational arithmetic) and then
rounded to whole currency steps (cents by default) with the *largest-remainder*
(Hamilton) method, top-down: the grand total first, then each component's total, then
each component's share per region, then each unit's share of its region's per-weight
amounts. At every level the rounded parts add up exactly to the rounded whole: regions
add up to the total, components to each region's total, units to their region's
per-weight amounts. The grand total is the budget ``total`` when given, else the exact
sum of the formula rounded (half up) to a whole step. Ties in the remainders go to the
smallest region id (the smallest unit code for units), so the result is deterministic.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import box
>>> from rato_opt import Landscape, validate_units
>>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "pupils": [1, 1, 1]},
...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
>>> land = Landscape(u, {})
>>> a = allocate({"A": "R1", "B": "R2", "C": "R3"}, land,
...              FundsFormula(per_weight={"pupils": 1}, total=100))
>>> a.table["total"].tolist(), a.total
([33.34, 33.33, 33.33], 100.0)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._util import listing
from ..exceptions import ColumnError, InputError, UnitCodeError
from .naming import region_names
from .split import as_assignment

if TYPE_CHECKING:  # pragma: no cover
    from ..landscape.coverage import Landscape
    from .plan import Plan

__all__ = ["FundsFormula", "Allocation", "AllocationChange", "allocate", "compare_allocations",
           "largest_remainder"]


def _exact(value: Any, what: str) -> Fraction:
    """A finite, non-negative number as an exact fraction (decimal text kept exact)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction
                                                 | np.integer | np.floating | str):
        raise InputError(f"{what} must be a number, got {value!r}")
    try:
        text = value if isinstance(value, str) else repr(float(value)) \
            if isinstance(value, float | np.floating) else value
        x = Fraction(Decimal(text)) if isinstance(text, str) else Fraction(text)
    except (InvalidOperation, ValueError, TypeError, OverflowError, ZeroDivisionError):
        raise InputError(f"{what} must be a finite number, got {value!r}") from None
    if x < 0:
        raise InputError(f"{what} must be >= 0, got {value!r}")
    return x


@dataclasses.dataclass(frozen=True)
class FundsFormula:
    """How funds are divided over regions.

    A region receives ``base_per_region`` plus, for every ``column: rate`` of
    ``per_weight``, ``rate`` times the region's total of that weight column. With
    ``total`` the result is scaled so that exactly ``total`` is distributed.

    Parameters
    ----------
    base_per_region : number, default 0
        Amount every region receives.
    per_weight : mapping of str to number, optional
        Weight column -> amount per unit of weight, e.g. ``{"pupils_po": 12.5,
        "shortage_fte": 800}``.
    total : number, optional
        A budget to distribute exactly: all amounts are scaled by
        ``total / (amount the formula gives)``. Must be a whole number of ``step``.
    step : number, default 0.01
        Currency step every amount is rounded to (cents); e.g. 1 for whole euros.

    Raises
    ------
    InputError
        A negative or non-finite amount, a non-positive step, a ``total`` that is not a
        whole number of steps, or a formula that gives nothing to scale a ``total`` to.

    Examples
    --------
    >>> f = FundsFormula(base_per_region=1000, per_weight={"pupils_po": 12.5})
    >>> f.components
    ('base', 'by_pupils_po')
    >>> FundsFormula(total=10.005)
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.InputError: total 10.005 is not a whole number of steps of 0.01; round it to 10.00 or 10.01, or pass step=...
    """

    base_per_region: float = 0.0
    per_weight: Mapping[str, float] = dataclasses.field(default_factory=dict)
    total: float | None = None
    step: float = 0.01

    def __post_init__(self) -> None:
        if not isinstance(self.per_weight, Mapping):
            raise InputError("per_weight must be a mapping weight column -> amount per unit, "
                             f"got {type(self.per_weight).__name__}")
        object.__setattr__(self, "per_weight", dict(self.per_weight))
        bad = [k for k in self.per_weight if not isinstance(k, str) or not k]
        if bad:
            raise InputError(f"per_weight keys must be weight column names, got {bad!r}")
        _exact(self.base_per_region, "base_per_region")
        for k, v in self.per_weight.items():
            _exact(v, f"per_weight[{k!r}]")
        step = _exact(self.step, "step")
        if step == 0:
            raise InputError(f"step must be > 0, got {self.step!r}")
        if self.total is not None:
            total = _exact(self.total, "total")
            if (total / step).denominator != 1:
                lo = math.floor(total / step) * step
                places = max(0, -Decimal(str(self.step)).as_tuple().exponent)
                raise InputError(
                    f"total {self.total!r} is not a whole number of steps of {self.step!r}; "
                    f"round it to {float(lo):.{places}f} or {float(lo + step):.{places}f}, "
                    "or pass step=...")
            if total > 0 and _exact(self.base_per_region, "") == 0 and not any(
                    _exact(v, "") > 0 for v in self.per_weight.values()):
                raise InputError(f"total {self.total!r} cannot be distributed: the formula "
                                 "gives nothing (base_per_region 0 and no per_weight rate > 0)")

    @property
    def components(self) -> tuple[str, ...]:
        """Column names of the components: ``"base"`` and ``"by_<column>"`` per weight."""
        return ("base", *(f"by_{c}" for c in self.per_weight))


def largest_remainder(exact: list[Fraction], target: int) -> list[int]:
    """Round ``exact`` parts to integers that add up to ``target`` (Hamilton's method).

    Every part is rounded down; the units still missing go to the parts with the largest
    remainders, ties to the earliest part (callers order parts by region id or code).

    Parameters
    ----------
    exact : list of Fraction
        Non-negative parts; ``sum(floor(x)) <= target <= sum(floor(x)) + len(exact)``.
    target : int

    Returns
    -------
    list of int

    Examples
    --------
    >>> largest_remainder([Fraction(1, 3)] * 3, 1)
    [1, 0, 0]
    >>> largest_remainder([Fraction(5, 2), Fraction(3, 2)], 4)
    [3, 1]
    """
    floors = [math.floor(x) for x in exact]
    missing = target - sum(floors)
    if missing < 0 or missing > len(exact):
        raise ValueError(f"cannot round {len(exact)} parts summing to {float(sum(exact))} "
                         f"to a total of {target}")
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def _split(target: int, exact: list[Fraction]) -> list[int]:
    """``target`` over parts proportional to ``exact`` (equal parts when all are 0)."""
    whole = sum(exact)
    if not exact:
        return []
    if whole == 0:
        exact = [Fraction(1)] * len(exact)
        whole = Fraction(len(exact))
    return largest_remainder([x * target / whole for x in exact], target)


# ---------------------------------------------------------------- allocation
@dataclasses.dataclass(frozen=True, eq=False)
class Allocation:
    """Funds per region (and per unit) of one plan under one :class:`FundsFormula`.

    Attributes
    ----------
    formula : FundsFormula
    table : DataFrame
        Indexed by region id (sorted): ``name``, the components (``base``,
        ``by_<column>``) and ``total``, in currency (whole steps).
    by_unit : DataFrame
        Indexed by unit code (every unit with a region): ``name``, ``region``, one
        ``by_<column>`` per weight and ``amount`` (the unit's contribution: its share of
        its region's per-weight amounts; the base belongs to the region, not to units).
    total : float
        The amount distributed; equals ``table["total"].sum()`` exactly in steps.
    steps : DataFrame
        ``table``'s components and total as whole numbers of ``formula.step`` (int64):
        the exact values, for checks and exports without rounding.
    unit_steps : Series
        ``by_unit["amount"]`` in whole steps (int64).
    """

    formula: FundsFormula
    table: pd.DataFrame
    by_unit: pd.DataFrame
    total: float
    steps: pd.DataFrame
    unit_steps: pd.Series

    @property
    def total_steps(self) -> int:
        """The distributed total in whole steps."""
        return int(self.steps["total"].sum())


def _plan_parts(plan: Any, landscape: Landscape) -> tuple[pd.Series, pd.Series | None]:
    """Assignment (unit -> region) and region names (from a Plan's region table)."""
    names = None
    if hasattr(plan, "assignment") and hasattr(plan, "regions"):
        regions = plan.regions
        if isinstance(regions, pd.DataFrame) and "name" in regions.columns:
            names = regions["name"].astype(str)
        plan = plan.assignment
    if not isinstance(plan, pd.Series | Mapping):
        raise InputError("allocate needs a Plan, or a Series / mapping unit code -> region, "
                         f"got {type(plan).__name__}")
    if isinstance(plan, pd.Series) and plan.index.has_duplicates:
        dup = plan.index[plan.index.duplicated()].unique()
        raise UnitCodeError(f"units assigned more than once: {listing(dup)}; give each unit "
                            "one region")
    region = as_assignment(plan)
    if region.empty:
        raise InputError("the plan assigns no unit to a region (an unsolved plan?); "
                         "nothing to allocate")
    unknown = region.index[~region.index.isin(landscape.codes)]
    if len(unknown):
        raise UnitCodeError(f"the plan has units that are not in the landscape: "
                            f"{listing(unknown)}; use the plan made for this landscape")
    region = region.reindex(landscape.codes[landscape.codes.isin(region.index)])
    if names is not None:
        names.index = names.index.astype(str)
    return region, names


def _check_columns(landscape: Landscape, formula: FundsFormula) -> None:
    from ..landscape.units import check_weights

    unknown = [c for c in formula.per_weight if c not in landscape.weights]
    if unknown:
        raise ColumnError(f"per_weight names weight columns the landscape does not have: "
                          f"{listing(unknown)}; weight columns: {listing(landscape.weights)}")
    check_weights(landscape.units, list(formula.per_weight))


def _as_money(steps: Any, step: Fraction) -> Any:
    """Whole steps as currency floats, each the float nearest the exact amount."""
    inverse = 1 / step
    if np.ndim(steps) == 0:
        return float(int(steps) * step)
    steps = np.asarray(steps, dtype=np.int64)
    if inverse.denominator == 1:  # step 0.01: steps / 100, correctly rounded
        return steps / int(inverse)
    return np.array([float(int(x) * step) for x in steps], dtype=float)


def _decimal(value: float) -> Fraction:
    """A weight value as the decimal it prints as (12.3 fte is 123/10, not a binary float)."""
    return Fraction(Decimal(repr(float(value))))


def allocate(
    plan_or_assignment: Plan | pd.Series | Mapping[str, Any],
    landscape: Landscape,
    formula: FundsFormula,
) -> Allocation:
    """Divide funds over the regions of a plan by ``formula``, exactly.

    Parameters
    ----------
    plan_or_assignment : Plan or Series or mapping
        A :class:`~rato_opt.assess.plan.Plan` (its ``assignment``, and its region table's
        names), or unit code -> region id. Units without a region get nothing; units of
        the landscape missing from the plan get nothing.
    landscape : Landscape
        Holds the weight columns of ``formula.per_weight``.
    formula : FundsFormula

    Returns
    -------
    Allocation

    Raises
    ------
    ColumnError
        ``formula.per_weight`` names a column that is not a weight column (the message
        lists those that are).
    UnitCodeError
        The plan has units not in the landscape, or a unit twice.
    InputError
        The plan assigns no unit.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "pupils": [10, 20, 5]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> f = FundsFormula(base_per_region=100, per_weight={"pupils": 2.5})
    >>> a = allocate({"A": "R1", "B": "R1", "C": "R2"}, Landscape(u, {}), f)
    >>> a.table[["base", "by_pupils", "total"]].to_dict("index")
    {'R1': {'base': 100.0, 'by_pupils': 75.0, 'total': 175.0}, 'R2': {'base': 100.0, 'by_pupils': 12.5, 'total': 112.5}}
    >>> a.by_unit["amount"].to_dict(), a.total
    ({'A': 25.0, 'B': 50.0, 'C': 12.5}, 287.5)
    """
    if not isinstance(formula, FundsFormula):
        raise InputError(f"formula must be a FundsFormula, got {type(formula).__name__}")
    region, names = _plan_parts(plan_or_assignment, landscape)
    _check_columns(landscape, formula)
    step = _exact(formula.step, "step")
    ids = sorted(region.unique())
    codes = list(region.index)
    unit_region = region.to_numpy(dtype=object)

    # exact amounts, in steps: per component per region, and per unit for the weights
    base = _exact(formula.base_per_region, "base_per_region") / step
    unit_exact: dict[str, list[Fraction]] = {}
    comp_exact: dict[str, list[Fraction]] = {"base": [base] * len(ids)}
    pos = {r: i for i, r in enumerate(ids)}
    for column, rate in formula.per_weight.items():
        r = _exact(rate, f"per_weight[{column!r}]") / step
        values = landscape.units[column].reindex(codes).to_numpy(dtype=float)
        per_unit = [r * _decimal(v) for v in values]
        per_region = [Fraction(0)] * len(ids)
        for u, x in enumerate(per_unit):
            per_region[pos[unit_region[u]]] += x
        unit_exact[column] = per_unit
        comp_exact[f"by_{column}"] = per_region
    whole = sum(sum(v) for v in comp_exact.values())
    if formula.total is not None:
        target = int(_exact(formula.total, "total") / step)
        if whole == 0 and target > 0:
            raise InputError(f"total {formula.total!r} cannot be distributed: the formula "
                             "gives 0 to every region (all weights are 0)")
    else:
        target = math.floor(whole + Fraction(1, 2))

    # top-down rounding: total -> components -> regions -> units
    components = list(comp_exact)
    comp_totals = _split(target, [sum(comp_exact[c]) for c in components]) if whole else \
        [0] * len(components)
    steps = pd.DataFrame(index=pd.Index(ids, name="region", dtype=object))
    for c, t in zip(components, comp_totals, strict=True):
        steps[c] = np.asarray(_split(t, comp_exact[c]) if t else [0] * len(ids), dtype=np.int64)
    steps["total"] = steps[components].sum(axis=1).astype(np.int64)
    unit_steps = pd.DataFrame(index=pd.Index(codes, name="code", dtype=object))
    groups = pd.Series(range(len(codes))).groupby(unit_region).indices
    for column, per_unit in unit_exact.items():
        col = np.zeros(len(codes), dtype=np.int64)
        for r, idx in groups.items():
            part = int(steps.at[r, f"by_{column}"])
            col[idx] = _split(part, [per_unit[i] for i in idx]) if part else 0
        unit_steps[f"by_{column}"] = col
    unit_steps["amount"] = unit_steps.sum(axis=1).astype(np.int64) if len(unit_exact) else \
        np.zeros(len(codes), dtype=np.int64)

    if names is None or not set(ids) <= set(names.index):
        names = region_names(landscape, region)
    table = pd.DataFrame({"name": names.reindex(ids).to_numpy(dtype=object)}, index=steps.index)
    for c in [*components, "total"]:
        table[c] = _as_money(steps[c].to_numpy(), step)
    by_unit = pd.DataFrame({"name": landscape.units["name"].reindex(codes).to_numpy(dtype=object),
                            "region": unit_region}, index=unit_steps.index)
    for c in unit_steps.columns:
        by_unit[c] = _as_money(unit_steps[c].to_numpy(), step)
    return Allocation(formula=formula, table=table, by_unit=by_unit,
                      total=_as_money(int(steps["total"].sum()), step), steps=steps,
                      unit_steps=unit_steps["amount"].rename("amount"))


# ---------------------------------------------------------------- comparison
@dataclasses.dataclass(frozen=True, eq=False)
class AllocationChange:
    """Two allocations compared; built by :func:`compare_allocations`.

    Regions of ``b`` are matched one-to-one to regions of ``a`` by maximum overlap in
    units (:func:`rato_opt.maps.match_regions`), so renumbering moves nothing; a region
    of ``b`` without partner appears as ``"new:<id>"``.

    Attributes
    ----------
    units : DataFrame
        Indexed by unit code, the units whose funding region changes: ``name``,
        ``region_a``, ``region_b`` (its id in ``b``), ``region_b_as_a`` (the matched
        region of ``a``, or ``"new:<id>"``), ``name_a``, ``name_b`` (region names) and
        ``amount_a``, ``amount_b`` (the unit's contribution in each allocation).
    regions : DataFrame
        Indexed by region (``a``'s ids, then ``"new:<id>"``): ``name_a``, ``region_b``,
        ``name_b``, ``total_a``, ``total_b``, ``change`` (``total_b - total_a``),
        ``gained`` (contributions in ``b`` of the units that came in) and ``lost``
        (contributions in ``a`` of the units that left).
    total_a, total_b : float
        The distributed totals; ``regions["change"]`` adds up exactly to
        ``total_b - total_a``.
    totals_equal : bool
        Whether both allocations distribute the same total (exact, in steps).

    Notes
    -----
    When the formula's exact amounts have fractions of a step, a region none of whose
    units moved can still change by a step: the rounding residue is distributed over
    all regions (largest remainders), and that distribution depends on the whole plan.
    """

    units: pd.DataFrame
    regions: pd.DataFrame
    total_a: float
    total_b: float
    totals_equal: bool


def compare_allocations(a: Allocation, b: Allocation) -> AllocationChange:
    """Which units' funding region changes from ``a`` to ``b``, and who gains and loses.

    Parameters
    ----------
    a, b : Allocation
        Two allocations with the same currency step (e.g. two plans, one formula).

    Returns
    -------
    AllocationChange

    Raises
    ------
    InputError
        Not two allocations, or different currency steps.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "pupils": [10, 20, 5]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> land, f = Landscape(u, {}), FundsFormula(per_weight={"pupils": 1}, total=70)
    >>> a = allocate({"A": "R1", "B": "R1", "C": "R2"}, land, f)
    >>> b = allocate({"A": "R1", "B": "R2", "C": "R2"}, land, f)
    >>> ch = compare_allocations(a, b)
    >>> ch.units[["region_a", "region_b", "amount_a", "amount_b"]].to_dict("index")
    {'B': {'region_a': 'R1', 'region_b': 'R2', 'amount_a': 40.0, 'amount_b': 40.0}}
    >>> ch.regions[["total_a", "total_b", "change", "gained", "lost"]].to_dict("index")
    {'R1': {'total_a': 60.0, 'total_b': 20.0, 'change': -40.0, 'gained': 0.0, 'lost': 40.0}, 'R2': {'total_a': 10.0, 'total_b': 50.0, 'change': 40.0, 'gained': 40.0, 'lost': 0.0}}
    """
    from ..maps import match_regions

    if not isinstance(a, Allocation) or not isinstance(b, Allocation):
        raise InputError("compare_allocations needs two Allocation values (from allocate), "
                         f"got {type(a).__name__} and {type(b).__name__}")
    step_a, step_b = _exact(a.formula.step, "step"), _exact(b.formula.step, "step")
    if step_a != step_b:
        raise InputError(f"the allocations use different currency steps ({a.formula.step!r} "
                         f"and {b.formula.step!r}); allocate both with the same step")
    ra, rb = a.by_unit["region"].astype(str), b.by_unit["region"].astype(str)
    common = ra.index.intersection(rb.index)
    match = match_regions(ra.reindex(common), rb.reindex(common)) if len(common) else {}
    as_a = rb.map(lambda r: match.get(r, f"new:{r}"))
    codes = ra.index.union(rb.index, sort=False)
    ua = ra.reindex(codes)
    ub = as_a.reindex(codes)
    moved = codes[(ua.fillna("") != ub.fillna("")).to_numpy()]
    sa, sb = a.unit_steps.reindex(codes).fillna(0), b.unit_steps.reindex(codes).fillna(0)
    na, nb = a.table["name"], b.table["name"]
    unit_names = a.by_unit["name"].combine_first(b.by_unit["name"])
    units = pd.DataFrame({
        "name": unit_names.reindex(moved).to_numpy(dtype=object),
        "region_a": ua.reindex(moved).to_numpy(dtype=object),
        "region_b": rb.reindex(moved).to_numpy(dtype=object),
        "region_b_as_a": ub.reindex(moved).to_numpy(dtype=object),
        "name_a": ua.reindex(moved).map(na).to_numpy(dtype=object),
        "name_b": rb.reindex(moved).map(nb).to_numpy(dtype=object),
        "amount_a": _as_money(sa.reindex(moved).to_numpy(dtype=np.int64), step_a),
        "amount_b": _as_money(sb.reindex(moved).to_numpy(dtype=np.int64), step_a),
    }, index=pd.Index(moved, name="code", dtype=object))

    back = {v: k for k, v in match.items()}
    new = sorted(r for r in b.table.index if r not in match)
    rows = [*a.table.index, *(f"new:{r}" for r in new)]
    b_id = [back.get(r) for r in a.table.index] + new
    total_a = a.steps["total"].reindex(rows).fillna(0).to_numpy(dtype=np.int64)
    total_b = np.array([int(b.steps.at[r, "total"]) if r is not None else 0 for r in b_id],
                       dtype=np.int64)
    left = ua.reindex(moved).dropna()
    came = ub.reindex(moved).dropna()
    lost = sa.reindex(left.index).groupby(left.to_numpy()).sum()
    gained = sb.reindex(came.index).groupby(came.to_numpy()).sum()
    regions = pd.DataFrame({
        "name_a": [na.get(r) for r in rows],
        "region_b": b_id,
        "name_b": [nb.get(r) if r is not None else None for r in b_id],
        "total_a": _as_money(total_a, step_a),
        "total_b": _as_money(total_b, step_a),
        "change": _as_money(total_b - total_a, step_a),
        "gained": _as_money(gained.reindex(rows).fillna(0).to_numpy(dtype=np.int64), step_a),
        "lost": _as_money(lost.reindex(rows).fillna(0).to_numpy(dtype=np.int64), step_a),
    }, index=pd.Index(rows, name="region", dtype=object))
    return AllocationChange(units=units, regions=regions, total_a=a.total, total_b=b.total,
                            totals_equal=a.total_steps == b.total_steps)
