"""How collaboration layers split over an assignment: membership, split and alliance shares.

The building blocks of the split, alignment, alliance and stay_close terms (their
definitions are in :mod:`rato_opt.assess.metrics`), and :func:`as_assignment`, the
form every metric takes an assignment in. Everything here is a pure function of a
layer (or a membership table), an assignment (unit code -> region id) and optional
unit weights, vectorised with ``groupby`` / ``bincount``: the cost is linear in the
number of memberships.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._util import listing, region_label
from ..exceptions import UnitCodeError

if TYPE_CHECKING:  # pragma: no cover
    from ..landscape.layers import Layer

__all__ = [
    "as_assignment",
    "membership",
    "member_weights",
    "is_split",
    "split_cost",
    "split_summary",
    "split_table",
    "regional_collaborations",
    "alliance_cost",
]


# ---------------------------------------------------------------- inputs
def as_assignment(assignment: pd.Series | Mapping[str, Any], *, name: str = "region") -> pd.Series:
    """Return an assignment as a string Series indexed by unit code.

    Codes and region ids become ``str``; units with a missing region are dropped; a
    code listed twice keeps its first region (use
    :func:`rato_opt.assess.verify.verify_plan` to find such problems).

    Parameters
    ----------
    assignment : Series or mapping
        Unit code -> region id.
    name : str, default "region"
        Name of the returned Series.

    Returns
    -------
    Series
        Index ``code`` (str), values region ids (str), in the given order.

    Examples
    --------
    >>> as_assignment({"A": 1, "B": 2, "C": None}).to_dict()
    {'A': '1', 'B': '2'}
    """
    s = (assignment if isinstance(assignment, pd.Series)
         else pd.Series(dict(assignment), dtype=object))
    s = s[s.notna()]
    values = [region_label(v) for v in s.to_numpy()]
    out = pd.Series(values, index=pd.Index([str(c) for c in s.index], name="code"), name=name,
                    dtype=object)
    if out.index.has_duplicates:
        out = out[~out.index.duplicated(keep="first")]
    return out


def _weights_for(units: pd.Index, weights: pd.Series | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(units))
    w = weights.reindex(units)
    if w.isna().any():
        missing = units[w.isna().to_numpy()]
        raise UnitCodeError(f"no weight for unit(s) {listing(missing)}")
    return w.to_numpy(dtype=float)


# ---------------------------------------------------------------- split
_MEMBERSHIP: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def membership(layer: Layer) -> pd.DataFrame:
    """``layer.membership()``, cached per layer object (layers are immutable).

    Returns
    -------
    DataFrame
        Columns ``unit``, ``collaboration`` (str), ``share`` and ``weight`` (the
        membership weight, 1 for a layer without them); do not modify it.

    Examples
    --------
    >>> from rato_opt.landscape.layers import Layer
    >>> membership(Layer.from_partition("amr", {"A": "x", "B": "y"})).to_dict("list")
    {'unit': ['A', 'B'], 'collaboration': ['x', 'y'], 'share': [1.0, 1.0], 'weight': [1.0, 1.0]}
    """
    try:
        return _MEMBERSHIP[layer]
    except (KeyError, TypeError):
        pass
    m = layer.membership()
    m = pd.DataFrame({"unit": m["unit"].astype(str).to_numpy(dtype=object),
                      "collaboration": m["collaboration"].astype(str).to_numpy(dtype=object),
                      "share": m["share"].to_numpy(dtype=float),
                      "weight": m["weight"].to_numpy(dtype=float)})
    try:
        _MEMBERSHIP[layer] = m
    except TypeError:  # pragma: no cover - not weak-referenceable
        pass
    return m


def member_weights(layer: Layer, weights: pd.Series | None = None, *,
                   split_weight: str = "unit") -> np.ndarray:
    """Weight of every row of :func:`membership` as the split and count terms weigh it.

    Parameters
    ----------
    layer : Layer
    weights : Series, optional
        Unit weight per unit code (the ``Objective.split_by`` column); ``None``: 1.
    split_weight : {"unit", "membership"}, default "unit"
        ``"unit"``: the member unit's weight. ``"membership"``: the layer's membership
        weight where the layer has them (:attr:`Layer.weighted
        <rato_opt.landscape.layers.Layer.weighted>`), else the unit's weight.

    Returns
    -------
    numpy.ndarray
        One weight per membership row, in :func:`membership` order.

    Examples
    --------
    A board with 120 pupils in A and 30 in B; A has 500 pupils in all::

    >>> import pandas as pd
    >>> from rato_opt.landscape.layers import Layer
    >>> t = pd.DataFrame({"unit": ["A", "B"], "collaboration": ["x", "x"], "pupils": [120, 30]})
    >>> layer = Layer.from_table("boards", t, pd.Index(["A", "B"]), weight_column="pupils")
    >>> w = pd.Series({"A": 500.0, "B": 40.0})
    >>> member_weights(layer, w).tolist(), member_weights(layer, w, split_weight="membership").tolist()
    ([500.0, 40.0], [120.0, 30.0])
    """
    m = membership(layer)
    if split_weight == "membership" and layer.weighted:
        return m["weight"].to_numpy(dtype=float)
    if split_weight not in ("unit", "membership"):
        raise ValueError(f"split_weight must be 'unit' or 'membership', got {split_weight!r}")
    return _weights_for(pd.Index(m["unit"]), weights)


def is_split(outside: Any, total: Any, threshold: float = 0.0) -> Any:
    """Whether a collaboration with ``outside`` of its ``total`` weight outside its main
    region counts as split: ``outside > threshold * total`` (with a relative tolerance
    of 1e-9 of ``total``, so rounding never counts a whole collaboration as split).

    Works on scalars and arrays alike. The engines
    (:mod:`rato_opt.optimize.problem`, :mod:`rato_opt.optimize.moves`) use it too, so
    every count agrees.

    Examples
    --------
    >>> bool(is_split(1.0, 10.0)), bool(is_split(1.0, 10.0, 0.1)), bool(is_split(1.5, 10.0, 0.1))
    (True, False, True)
    """
    if isinstance(outside, int | float) and isinstance(total, int | float):  # hot loops
        return bool(outside > (threshold + 1e-9) * total)
    return np.asarray(outside) > (threshold + 1e-9) * np.asarray(total)


def _split_frame(members: pd.DataFrame, region: pd.Series, weights: pd.Series | None,
                 w: np.ndarray | None = None) -> pd.DataFrame:
    """Member rows (unit, collaboration) with weight ``w`` and ``region`` (NaN: none).

    ``w`` (one weight per row) overrides the unit ``weights``.
    """
    units = pd.Index(members["unit"].astype(str))
    return pd.DataFrame(
        {
            "unit": units.to_numpy(dtype=object),
            "collaboration": members["collaboration"].astype(str).to_numpy(dtype=object),
            "w": _weights_for(units, weights) if w is None else w,
            "region": region.reindex(units).to_numpy(dtype=object),
        }
    )


def _layer_frame(layer: Layer, assignment: pd.Series | Mapping[str, Any],
                 weights: pd.Series | None, split_weight: str) -> pd.DataFrame:
    return _split_frame(membership(layer), as_assignment(assignment), None,
                        member_weights(layer, weights, split_weight=split_weight))


def _group_max(groups: np.ndarray, sub: np.ndarray, w: np.ndarray, n_groups: int
               ) -> np.ndarray:
    """For each group g: max over sub-keys s of sum(w[groups == g & sub == s]); 0 if none.

    ``sub`` < 0 marks rows without a sub-key (they are left out).
    """
    out = np.zeros(n_groups)
    keep = sub >= 0
    if not keep.any():
        return out
    pairs = np.stack([groups[keep], sub[keep]], axis=1)
    uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=w[keep], minlength=len(uniq))
    np.maximum.at(out, uniq[:, 0], sums)
    return out


def _split_parts(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """``W_c`` and ``max_r W_{c,r}`` per collaboration (sorted by collaboration id)."""
    c_codes, c_ids = pd.factorize(frame["collaboration"], sort=True)
    r_codes, _ = pd.factorize(frame["region"], use_na_sentinel=True)
    w = frame["w"].to_numpy(dtype=float)
    total = np.bincount(c_codes, weights=w, minlength=len(c_ids))
    main = _group_max(c_codes, r_codes, w, len(c_ids))
    index = pd.Index(c_ids, name="collaboration", dtype=object)
    return pd.Series(total, index=index), pd.Series(main, index=index)


def _split_value(frame: pd.DataFrame) -> float:
    if frame.empty:
        return 0.0
    total, main = _split_parts(frame)
    denominator = float(total.sum())
    if denominator <= 0:
        return 0.0
    return float((total - main).sum()) / denominator


def split_cost(
    layer: Layer, assignment: pd.Series | Mapping[str, Any], weights: pd.Series | None = None,
    *, split_weight: str = "unit",
) -> float:
    """Share of member weight outside each collaboration's main region.

    ``split(L) = sum_c (W_c - max_r W_{c,r}) / sum_c W_c``; see the module docstring.

    Parameters
    ----------
    layer : Layer
        The collaboration layer.
    assignment : Series or mapping
        Unit code -> region id.
    weights : Series, optional
        Member weight per unit code; ``None`` counts units.
    split_weight : {"unit", "membership"}, default "unit"
        Weigh members by ``weights`` or by the layer's membership weights (see
        :func:`member_weights`).

    Returns
    -------
    float
        In [0, 1]; 0 when every collaboration lies inside one region (or the layer's
        members weigh nothing).

    Examples
    --------
    Two collaborations over four units; ``x`` = {A, B} lies in one region, ``y`` =
    {B, C, D} has two of its three members in region 2::

        regions:  A B | C D       x: A B      y: B C D
                    1 | 2

    >>> import pandas as pd
    >>> from rato_opt.landscape.layers import Layer
    >>> t = pd.DataFrame({"unit": ["A", "B", "B", "C", "D"],
    ...                   "collaboration": ["x", "x", "y", "y", "y"]})
    >>> layer = Layer.from_table("sop", t, pd.Index(list("ABCD")))
    >>> split_cost(layer, {"A": 1, "B": 1, "C": 2, "D": 2})  # (0 + 1) / (2 + 3)
    0.2
    """
    return _split_value(_layer_frame(layer, assignment, weights, split_weight))


def split_summary(
    layer: Layer, assignment: pd.Series | Mapping[str, Any], weights: pd.Series | None = None,
    *, split_weight: str = "unit", threshold: float = 0.0,
) -> dict[str, float]:
    """The two numbers of a layer: share of weight outside, and collaborations split.

    Parameters
    ----------
    layer : Layer
    assignment : Series or mapping
        Unit code -> region id.
    weights : Series, optional
        Unit weight per unit code; ``None`` counts units.
    split_weight : {"unit", "membership"}, default "unit"
        See :func:`member_weights`.
    threshold : float, default 0.0
        A collaboration counts as split when more than this share of its weight lies
        outside its main region (:func:`is_split`).

    Returns
    -------
    dict
        ``share`` (:func:`split_cost`), ``count`` (collaborations split),
        ``collaborations`` (collaborations with weight > 0) and ``count_share``
        (``count / collaborations``, 0 without collaborations: the count term's raw value).

    Examples
    --------
    ``x`` = {A, B} is whole, ``y`` = {B, C, D} has 1 of 3 members outside region 2::

    >>> import pandas as pd
    >>> from rato_opt.landscape.layers import Layer
    >>> t = pd.DataFrame({"unit": ["A", "B", "B", "C", "D"],
    ...                   "collaboration": ["x", "x", "y", "y", "y"]})
    >>> layer = Layer.from_table("sop", t, pd.Index(list("ABCD")))
    >>> split_summary(layer, {"A": 1, "B": 1, "C": 2, "D": 2})
    {'share': 0.2, 'count': 1.0, 'collaborations': 2.0, 'count_share': 0.5}
    >>> split_summary(layer, {"A": 1, "B": 1, "C": 2, "D": 2}, threshold=0.5)["count"]
    0.0
    """
    frame = _layer_frame(layer, assignment, weights, split_weight)
    if frame.empty:
        return {"share": 0.0, "count": 0.0, "collaborations": 0.0, "count_share": 0.0}
    total, main = _split_parts(frame)
    t, o = total.to_numpy(dtype=float), (total - main).to_numpy(dtype=float)
    n = float((t > 0).sum())
    count = float((is_split(o, t, threshold) & (t > 0)).sum())
    denominator = float(total.sum())
    share = float((total - main).sum()) / denominator if denominator > 0 else 0.0
    return {"share": share, "count": count, "collaborations": n,
            "count_share": count / n if n else 0.0}


def split_table(
    layer: Layer, assignment: pd.Series | Mapping[str, Any], weights: pd.Series | None = None,
    *, split_weight: str = "unit", threshold: float = 0.0,
) -> pd.DataFrame:
    """Per collaboration: its weight, main region, share outside it and regions spanned.

    Parameters
    ----------
    layer : Layer
    assignment : Series or mapping
        Unit code -> region id.
    weights : Series, optional
        Member weight per unit code; ``None`` counts units.
    split_weight : {"unit", "membership"}, default "unit"
        See :func:`member_weights`.
    threshold : float, default 0.0
        Sets the ``split`` column (:func:`is_split`).

    Returns
    -------
    DataFrame
        Indexed by collaboration id, columns ``name``, ``members`` (units),
        ``weight`` (``W_c``), ``main_region`` (the region holding most member weight;
        ties go to the smallest region id), ``main_weight`` (``max_r W_{c,r}``),
        ``share_outside`` (``1 - main_weight / weight``, 0 for a weightless
        collaboration), ``regions`` (number of distinct regions its members lie in) and
        ``split`` (more than ``threshold`` of its weight outside the main region).
        ``sum(weight - main_weight) / sum(weight)`` equals :func:`split_cost`, and
        ``split.sum()`` the ``count`` of :func:`split_summary`.

    Examples
    --------
    >>> import pandas as pd
    >>> from rato_opt.landscape.layers import Layer
    >>> layer = Layer.from_partition("amr", {"A": "x", "B": "x", "C": "x"})
    >>> split_table(layer, {"A": 1, "B": 1, "C": 2})[["main_region", "regions"]].to_dict("list")
    {'main_region': ['1'], 'regions': [2]}
    """
    frame = _layer_frame(layer, assignment, weights, split_weight)
    total, main = _split_parts(frame)
    inside = frame[frame["region"].notna()]
    per_region = inside.groupby(["collaboration", "region"], sort=True)["w"].sum().reset_index()
    per_region = per_region.sort_values(
        ["collaboration", "w", "region"], ascending=[True, False, True], kind="stable"
    )
    main_region = per_region.drop_duplicates("collaboration").set_index("collaboration")["region"]
    out = pd.DataFrame(index=pd.Index(layer.collaborations.index.astype(str), name="collaboration"))
    out["name"] = layer.collaborations["name"].astype(str).to_numpy()
    out["members"] = frame.groupby("collaboration")["unit"].size().reindex(out.index, fill_value=0)
    out["weight"] = total.reindex(out.index, fill_value=0.0)
    out["main_region"] = main_region.reindex(out.index)
    out["main_weight"] = main.reindex(out.index, fill_value=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 1.0 - out["main_weight"] / out["weight"]
    out["share_outside"] = share.where(out["weight"] > 0, 0.0)
    out["regions"] = (
        inside.groupby("collaboration")["region"].nunique().reindex(out.index, fill_value=0)
    ).astype(int)
    out["split"] = is_split(out["weight"] - out["main_weight"], out["weight"], threshold) & (
        out["weight"] > 0).to_numpy()
    return out


def membership_split(
    members: pd.DataFrame, assignment: pd.Series | Mapping[str, Any],
    weights: pd.Series | None = None,
) -> float:
    """:func:`split_cost` of a membership table instead of a layer.

    The ``stay_close`` term uses it with the start plan's regions as collaborations.

    Parameters
    ----------
    members : DataFrame
        Columns ``unit`` and ``collaboration``, one row per membership.
    assignment : Series or mapping
        Unit code -> region id.
    weights : Series, optional
        Member weight per unit code; ``None`` counts units.

    Returns
    -------
    float
        In [0, 1]; 0 for an empty table.

    Examples
    --------
    >>> import pandas as pd
    >>> members = pd.DataFrame({"unit": ["A", "B", "C"], "collaboration": ["x", "x", "x"]})
    >>> round(membership_split(members, {"A": 1, "B": 1, "C": 2}), 4)  # 1 of 3 outside
    0.3333
    """
    return _split_value(_split_frame(members, as_assignment(assignment), weights))


# ---------------------------------------------------------------- alliance
def regional_collaborations(layer: Layer, units: pd.Index) -> Layer:
    """The layer without its *national* collaborations, for alliance nesting.

    A collaboration whose members are all ``units`` (such as the two national
    Educatieve Allianties) contains every region, so nesting inside it means
    nothing; the alliance term and ``alliance_hard`` consider only the other
    (regional) collaborations. When every collaboration is national the layer
    is returned unchanged (nesting is then trivially met).

    Examples
    --------
    >>> import pandas as pd
    >>> from rato_opt.landscape.layers import Layer
    >>> t = pd.DataFrame({"unit": ["A", "B", "A", "B", "C"],
    ...                   "collaboration": ["x", "x", "nat", "nat", "nat"]})
    >>> layer = Layer.from_table("alliance", t, pd.Index(["A", "B", "C"]))
    >>> list(regional_collaborations(layer, pd.Index(["A", "B", "C"])).collaborations.index)
    ['x']
    """
    m = membership(layer)
    codes = set(map(str, units))
    sizes = m[m["unit"].isin(codes)].groupby("collaboration")["unit"].nunique()
    national = set(sizes.index[sizes.to_numpy() >= len(codes)])
    if not national or national >= set(layer.collaborations.index):
        return layer
    keep = layer.shares[~layer.shares["collaboration"].isin(national)].reset_index(drop=True)
    collaborations = layer.collaborations.drop(index=sorted(national))
    return dataclasses.replace(layer, collaborations=collaborations, shares=keep)


def alliance_cost(
    layer: Layer, assignment: pd.Series | Mapping[str, Any], weights: pd.Series | None = None
) -> float:
    """Share of region weight outside each region's main alliance.

    ``alliance = sum_r (W_r - max_a W_{r,a}) / sum_r W_r``; see the module docstring.

    Parameters
    ----------
    layer : Layer
        The alliance layer (units may belong to several alliances, or none).
    assignment : Series or mapping
        Unit code -> region id; only assigned units count.
    weights : Series, optional
        Weight per unit code; ``None`` counts units.

    Returns
    -------
    float
        In [0, 1]; 0 when every region lies inside one alliance (or the regions
        weigh nothing).

    Examples
    --------
    Region 1 = {A, B, C}; alliance ``x`` = {A, B}, ``y`` = {B}; C is in no alliance::

    >>> import pandas as pd
    >>> from rato_opt.landscape.layers import Layer
    >>> t = pd.DataFrame({"unit": ["A", "B", "B"], "collaboration": ["x", "x", "y"]})
    >>> layer = Layer.from_table("alliance", t, pd.Index(list("ABC")))
    >>> round(alliance_cost(layer, {"A": 1, "B": 1, "C": 1}), 4)  # (3 - 2) / 3
    0.3333
    """
    region = as_assignment(assignment)
    if region.empty:
        return 0.0
    w = _weights_for(region.index, weights)
    r_codes, r_ids = pd.factorize(region.to_numpy(dtype=object))
    total = np.bincount(r_codes, weights=w, minlength=len(r_ids))
    members = membership(layer)
    pos = pd.Index(region.index).get_indexer(members["unit"])
    members_in = pos >= 0
    pos = pos[members_in]
    a_codes, _ = pd.factorize(members["collaboration"].to_numpy(dtype=object)[members_in])
    best = _group_max(r_codes[pos], a_codes, w[pos], len(r_ids))
    denominator = float(total.sum())
    if denominator <= 0:
        return 0.0
    return float((total - best).sum()) / denominator
