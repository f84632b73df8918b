"""Matching the regions of two plans, and the units that change region between them.

Region ids of two plans need not correspond: :func:`match_regions` pairs the regions
one-to-one by maximum overlap, and :func:`changed_units` names the units whose region is
not the partner of their old one. Nothing here needs matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .._util import listing
from ..exceptions import UnitCodeError

__all__ = ["match_regions", "changed_units"]


def match_regions(
    plan_a: pd.Series | Mapping,
    plan_b: pd.Series | Mapping,
    *,
    weights: pd.Series | None = None,
) -> dict[str, str]:
    """Pair the regions of two plans one-to-one by maximum overlap.

    The overlap of region ``b`` of ``plan_b`` with region ``a`` of ``plan_a`` is the number
    (or total ``weights``) of units in both. The pairing maximises the total overlap over
    one-to-one pairings (Hungarian method, :func:`scipy.optimize.linear_sum_assignment`),
    so a region that is split in two keeps its identity in its larger part only.

    Parameters
    ----------
    plan_a, plan_b : Series or mapping
        Unit code → region id, over the same units.
    weights : Series, optional
        Weight per unit code (e.g. population); default 1 per unit.

    Returns
    -------
    dict of str to str
        Region of ``plan_b`` → paired region of ``plan_a``. Regions of ``plan_b`` without
        a partner (more regions than ``plan_a``, or no overlap) are left out.

    Raises
    ------
    UnitCodeError
        The plans do not cover the same units.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.Series({"u1": "A", "u2": "A", "u3": "B"})
    >>> b = pd.Series({"u1": "x", "u2": "y", "u3": "y"})
    >>> match_regions(a, b)
    {'x': 'A', 'y': 'B'}
    """
    from scipy.optimize import linear_sum_assignment

    a = pd.Series(plan_a)
    b = pd.Series(plan_b)
    a.index = a.index.astype(str)
    b.index = b.index.astype(str)
    if set(a.index) != set(b.index):
        only_a, only_b = a.index.difference(b.index), b.index.difference(a.index)
        raise UnitCodeError(
            "the plans cover different units: only in plan_a "
            f"{listing(only_a) or '-'}; only in plan_b {listing(only_b) or '-'}; "
            "compare plans over the same unit table"
        )
    b = b.reindex(a.index)
    w = (
        pd.Series(1.0, index=a.index)
        if weights is None
        else pd.Series(weights).rename(index=str).reindex(a.index).fillna(0.0).astype(float)
    )
    frame = pd.DataFrame({"a": a.to_numpy(), "b": b.to_numpy(), "w": w.to_numpy()}).dropna()
    frame["a"] = frame["a"].astype(str)
    frame["b"] = frame["b"].astype(str)
    if frame.empty:
        return {}
    overlap = frame.pivot_table(index="b", columns="a", values="w", aggfunc="sum", fill_value=0.0)
    overlap = overlap.sort_index().sort_index(axis=1)
    rows, cols = linear_sum_assignment(overlap.to_numpy(dtype=float), maximize=True)
    values = overlap.to_numpy(dtype=float)
    return {
        str(overlap.index[r]): str(overlap.columns[c])
        for r, c in zip(rows, cols, strict=True)
        if values[r, c] > 0
    }


def changed_units(
    plan_a: pd.Series | Mapping[str, str],
    plan_b: pd.Series | Mapping[str, str],
    *,
    weights: pd.Series | None = None,
) -> pd.Series:
    """Which units change region between two plans, after matching their regions.

    Region ids of two plans need not correspond, so the regions of ``plan_b`` are first
    paired one-to-one with those of ``plan_a`` by maximum overlap
    (:func:`match_regions`). A unit has *changed* when its region in ``plan_b`` is not
    paired with its region in ``plan_a`` (or is not paired at all).

    Parameters
    ----------
    plan_a, plan_b : Series or mapping
        Unit code → region id, over the same units.
    weights : Series, optional
        Unit weights for the overlap (default: count units).

    Returns
    -------
    Series of bool
        Indexed by unit code (order of ``plan_a``), named ``"changed"``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.Series({"u1": "A", "u2": "A", "u3": "B"})
    >>> b = pd.Series({"u1": "x", "u2": "y", "u3": "y"})
    >>> changed_units(a, b).tolist()
    [False, True, False]
    """
    a = pd.Series(plan_a)
    a.index = a.index.astype(str)
    b = pd.Series(plan_b)
    b.index = b.index.astype(str)
    pairs = match_regions(a, b, weights=weights)
    b = b.reindex(a.index)
    mapped = b.map(lambda r: pairs.get(str(r)) if pd.notna(r) else None)
    changed = [
        not (pd.notna(x) and pd.notna(y) and str(x) == str(y)) and not (pd.isna(x) and pd.isna(y))
        for x, y in zip(a.to_numpy(), mapped.to_numpy(), strict=True)
    ]
    return pd.Series(changed, index=a.index, name="changed", dtype=bool)
