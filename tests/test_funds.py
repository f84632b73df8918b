"""Funds follow the regions: exact allocation (no rounding drift) and plan comparison."""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import box

from rato_opt import Landscape
from rato_opt.assess.funds import (
    Allocation,
    AllocationChange,
    FundsFormula,
    allocate,
    compare_allocations,
    largest_remainder,
)
from rato_opt.assess.plan import score_plan
from rato_opt.assess.split import membership
from rato_opt.exceptions import ColumnError, InputError, UnitCodeError
from rato_opt.landscape.units import validate_units
from rato_opt.sources.synthetic import make_country


@functools.lru_cache(maxsize=1)
def country() -> Landscape:
    return make_country(n_units=60, seed=1)


def amr_plan(land: Landscape) -> pd.Series:
    return membership(land.layers["amr"]).set_index("unit")["collaboration"]


def strip(n: int, **weights) -> Landscape:
    """1 × n strip of unit squares, codes u000.., with the given weight columns."""
    frame = gpd.GeoDataFrame({"code": [f"u{i:03d}" for i in range(n)], **weights},
                             geometry=[box(i, 0, i + 1, 1) for i in range(n)], crs="EPSG:28992")
    return Landscape(validate_units(frame, code="code"), {})


def dec(x) -> Fraction:
    return Fraction(Decimal(repr(float(x))))


def check_consistent(a: Allocation) -> None:
    """Every level adds up exactly, in whole steps."""
    s = a.steps
    components = [c for c in s.columns if c != "total"]
    assert (s[components].sum(axis=1) == s["total"]).all()
    assert int(s["total"].sum()) == a.total_steps
    per_unit = a.unit_steps.groupby(a.by_unit["region"]).sum()
    weights = [c for c in components if c != "base"]
    expected = s[weights].sum(axis=1) if weights else s["total"] * 0
    assert per_unit.reindex(s.index, fill_value=0).tolist() == expected.tolist()
    assert s.dtypes.map(lambda d: d == np.int64).all()
    step = dec(a.formula.step)
    assert a.total == float(a.total_steps * step)
    assert a.table["total"].tolist() == [float(int(x) * step) for x in s["total"]]


# --------------------------------------------------------------------------- exactness
def test_thirds_with_a_budget():
    land = strip(3, pupils=[1, 1, 1])
    a = allocate({"u000": "R1", "u001": "R2", "u002": "R3"}, land,
                 FundsFormula(per_weight={"pupils": 1}, total=100))
    assert a.steps["total"].tolist() == [3334, 3333, 3333]  # extra cent: smallest region id
    assert a.total == 100.0 and a.total_steps == 10000
    check_consistent(a)
    # the base alone, scaled to a budget: 7 regions sharing 1 euro
    land7 = strip(7, pupils=[0] * 7)
    b = allocate({f"u{i:03d}": f"R{i}" for i in range(7)}, land7,
                 FundsFormula(base_per_region=1, total=1))
    assert b.steps["total"].tolist() == [15, 15, 14, 14, 14, 14, 14]
    check_consistent(b)


def test_formula_sum_exact_without_budget():
    land = strip(4, pupils=[10, 20, 5, 7], fte=[0.1, 0.2, 0.3, 1.5])
    f = FundsFormula(base_per_region=1000, per_weight={"pupils": 12.5, "fte": 800})
    a = allocate({"u000": "A", "u001": "A", "u002": "B", "u003": "B"}, land, f)
    assert a.table.loc["A", ["base", "by_pupils", "by_fte", "total"]].tolist() == [
        1000.0, 375.0, 240.0, 1615.0]
    assert a.table.loc["B", "total"] == 1000 + 150 + 1440
    assert a.total == 1615 + 2590
    assert list(a.table.columns) == ["name", "base", "by_pupils", "by_fte", "total"]
    assert a.by_unit.loc["u003", "amount"] == 7 * 12.5 + 1.5 * 800
    check_consistent(a)


def test_many_decimals_no_drift():
    """1000 units of 0.1 fte at 0.1 per fte: exactly 10.00; summing floats drifts."""
    land = strip(1000, fte=[0.1] * 1000)
    plan = {f"u{i:03d}": f"R{i % 37:02d}" for i in range(1000)}
    a = allocate(plan, land, FundsFormula(per_weight={"fte": 0.1}))
    assert sum([0.1 * 0.1] * 1000) != 10.0  # the drift a float sum has
    assert a.total_steps == 1000 and a.total == 10.0
    check_consistent(a)


@settings(max_examples=60, deadline=None)
@given(
    weights=st.lists(st.integers(0, 10**6).map(lambda x: x / 1000), min_size=1, max_size=60),
    n_regions=st.integers(1, 60),
    rate=st.integers(0, 10**6).map(lambda x: x / 1000),
    base=st.integers(0, 10**5).map(lambda x: x / 100),
    budget=st.one_of(st.none(), st.integers(1, 10**9)),
    seed=st.integers(0, 2**16),
)
def test_totals_exact_for_any_input(weights, n_regions, rate, base, budget, seed):
    n = len(weights)
    land = strip(n, w=weights)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_regions, size=n)
    plan = {f"u{i:03d}": f"R{v:02d}" for i, v in enumerate(labels)}
    if budget is not None and base == 0 and rate == 0:
        return
    if budget is not None and base == 0 and not any(weights):
        with pytest.raises(InputError, match="gives 0"):
            allocate(plan, land, FundsFormula(base, {"w": rate}, total=budget / 100))
        return
    f = FundsFormula(base_per_region=base, per_weight={"w": rate},
                     total=None if budget is None else budget / 100)
    a = allocate(plan, land, f)
    check_consistent(a)
    regions = sorted(set(plan.values()))
    exact = {r: dec(base) * 100 + sum(dec(rate) * dec(w) * 100 for (c, rr), w in
                                      zip(plan.items(), weights, strict=True) if rr == r)
             for r in regions}
    whole = sum(exact.values())
    if budget is None:
        assert a.total_steps == int(whole + Fraction(1, 2))
    else:
        assert a.total_steps == budget
        exact = {r: x * budget / whole for r, x in exact.items()}
    for r in regions:  # every region within 2 steps of its exact amount
        assert abs(int(a.steps.at[r, "total"]) - exact[r]) < 2


def test_largest_remainder_ties_and_bounds():
    assert largest_remainder([Fraction(1, 3)] * 3, 1) == [1, 0, 0]
    assert largest_remainder([Fraction(2, 3), Fraction(1, 3), Fraction(2, 3)], 1) == [1, 0, 0]
    assert largest_remainder([Fraction(2, 3), Fraction(1, 3), Fraction(2, 3)], 2) == [1, 0, 1]
    with pytest.raises(ValueError, match="cannot round"):
        largest_remainder([Fraction(1, 2)], 3)


# --------------------------------------------------------------------------- inputs
def test_formula_validation():
    with pytest.raises(InputError, match="base_per_region must be >= 0"):
        FundsFormula(base_per_region=-1)
    with pytest.raises(InputError, match=r"per_weight\['x'\] must be a finite number"):
        FundsFormula(per_weight={"x": float("nan")})
    with pytest.raises(InputError, match="must be a mapping"):
        FundsFormula(per_weight=[("x", 1)])
    with pytest.raises(InputError, match="step must be > 0"):
        FundsFormula(step=0)
    with pytest.raises(InputError, match="not a whole number of steps"):
        FundsFormula(total=1.001)
    with pytest.raises(InputError, match="gives nothing"):
        FundsFormula(total=10)
    assert FundsFormula(total=10, step=1, base_per_region=1).components == ("base",)
    with pytest.raises(InputError, match="must be a number"):
        FundsFormula(base_per_region=True)


def test_allocate_validation():
    land = strip(3, pupils=[1, 2, 3])
    plan = {"u000": "A", "u001": "A", "u002": "B"}
    with pytest.raises(ColumnError, match="shortage_fte.*weight columns: pupils"):
        allocate(plan, land, FundsFormula(per_weight={"shortage_fte": 1}))
    with pytest.raises(UnitCodeError, match="not in the landscape: zz"):
        allocate({**plan, "zz": "A"}, land, FundsFormula(base_per_region=1))
    with pytest.raises(InputError, match="assigns no unit"):
        allocate({}, land, FundsFormula(base_per_region=1))
    with pytest.raises(InputError, match="FundsFormula"):
        allocate(plan, land, {"base_per_region": 1})
    with pytest.raises(UnitCodeError, match="more than once"):
        allocate(pd.Series(["A", "B"], index=["u000", "u000"]), land,
                 FundsFormula(base_per_region=1))
    # units without region get nothing
    a = allocate({"u000": "A", "u001": None, "u002": "B"}, land,
                 FundsFormula(per_weight={"pupils": 1}))
    assert a.total == 4.0 and list(a.by_unit.index) == ["u000", "u002"]


# --------------------------------------------------------------------------- plans
def test_allocate_a_plan_uses_its_names():
    land = country()
    plan = score_plan(land, amr_plan(land))
    f = FundsFormula(base_per_region=250_000, per_weight={"pupils_po": 12.5,
                                                          "shortage_fte": 800})
    a = allocate(plan, land, f)
    assert a.table["name"].tolist() == plan.regions["name"].reindex(a.table.index).tolist()
    assert set(a.by_unit.index) == set(land.codes)
    assert a.table["base"].eq(250_000).all()
    exact = (len(a.table) * dec(250_000) + dec(12.5) * sum(map(dec, land.units["pupils_po"]))
             + 800 * sum(map(dec, land.units["shortage_fte"])))
    assert a.total_steps == int(exact * 100 + Fraction(1, 2))
    check_consistent(a)
    # a Series gives the same amounts, names from region_names
    b = allocate(plan.assignment, land, f)
    assert b.steps.equals(a.steps)


# --------------------------------------------------------------------------- comparison
def test_compare_allocations_moves_and_balances():
    land = country()
    base_plan = amr_plan(land)
    moved = base_plan.copy()
    amrs = sorted(base_plan.unique())
    movers = list(base_plan.index[base_plan == amrs[0]][:2]) + [base_plan.index[-1]]
    for code in movers:
        moved[code] = amrs[1] if base_plan[code] != amrs[1] else amrs[2]
    relabel = {r: f"X{i}" for i, r in enumerate(reversed(amrs))}
    f = FundsFormula(per_weight={"pupils_po": 12.5, "shortage_fte": 800.5})
    a = allocate(base_plan, land, f)
    b = allocate(moved.map(relabel), land, f)
    ch = compare_allocations(a, b)
    assert isinstance(ch, AllocationChange)
    assert sorted(ch.units.index) == sorted(movers)
    assert (ch.units["region_a"] == base_plan.reindex(ch.units.index)).all()
    assert (ch.units["region_b_as_a"] == moved.reindex(ch.units.index)).all()
    assert (ch.units["region_b"] == moved.map(relabel).reindex(ch.units.index)).all()
    # no base, no budget: every region's change is exactly what came in minus what left
    steps = (ch.regions[["change", "gained", "lost"]] * 100).round().astype(np.int64)
    assert (steps["change"] == steps["gained"] - steps["lost"]).all()
    assert int(steps["change"].sum()) == b.total_steps - a.total_steps == 0
    assert ch.totals_equal and ch.total_a == ch.total_b
    assert ch.units["amount_a"].tolist() == a.by_unit.loc[ch.units.index, "amount"].tolist()
    assert ch.units["name_a"].tolist() == a.table.loc[ch.units["region_a"], "name"].tolist()


def test_compare_with_budget_and_new_regions():
    land = country()
    plan = amr_plan(land)
    split = plan.copy()
    first = plan.index[plan == plan.iloc[0]]
    split[first[: len(first) // 2]] = "NEW"
    f = FundsFormula(base_per_region=1000, per_weight={"pupils_po": 1}, total=1_000_000)
    a, b = allocate(plan, land, f), allocate(split, land, f)
    ch = compare_allocations(a, b)
    assert ch.totals_equal
    assert (ch.regions["change"] * 100).round().astype(np.int64).sum() == 0
    assert any(str(r).startswith("new:") for r in ch.regions.index)
    assert ch.regions["total_b"].sum() == pytest.approx(1_000_000)
    # same plan, relabelled: nothing moves, nothing changes
    same = compare_allocations(a, allocate(plan.map(lambda r: f"Z{r}"), land, f))
    assert same.units.empty and same.regions["change"].eq(0).all()
    with pytest.raises(InputError, match="different currency steps"):
        compare_allocations(a, allocate(plan, land, FundsFormula(base_per_region=1, step=1)))
    with pytest.raises(InputError, match="two Allocation"):
        compare_allocations(a, plan)
