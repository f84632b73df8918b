"""Weighted collaboration groups of the compiled problem: what the split-like terms count.

A :class:`Group` holds, for one layer of one objective term, every collaboration as unit
positions with a weight per member, and the coefficient of the term. Two kinds exist:

- *weight outside* (``threshold`` None): the split, alignment and stay-close terms,
  ``coef * sum_c (W_c - max_r W_{c,r})``;
- *count* (``threshold`` a number): the count term,
  ``coef * #{c : W_c - max_r W_{c,r} > threshold * W_c}``
  (:func:`rato_opt.assess.split.is_split`).

Member weights are the unit's ``split_by`` weight, or with ``Objective.split_weight =
"membership"`` the layer's own membership weights
(:func:`rato_opt.assess.split.member_weights`), exactly as
:mod:`rato_opt.assess.metrics` weighs them. :func:`group_value` evaluates a group on
labels; :class:`~rato_opt.optimize.problem.CompiledProblem`,
:class:`~rato_opt.optimize.moves.MoveState` and the integer program
(:mod:`rato_opt.optimize.objective`) all read groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..assess.split import is_split, member_weights, membership
from ..exceptions import LayerError
from ..landscape import Landscape

__all__ = ["Group", "weighted_group", "count_group", "layer_collabs", "start_collabs",
           "group_value"]

Collab = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Group:
    """Weighted member sets of one partition-like objective term.

    Attributes
    ----------
    name : str
        ``"split_<layer>"``, ``"alignment"``, ``"stay"`` or ``"count_<layer>"``.
    coef : float
        Weight outside groups: multiplies :math:`\\sum_c (W_c - \\max_r W_{c,r})`,
        already divided by the term's denominator (the total weight of the
        collaborations). Count groups: multiplies the number of collaborations split,
        already divided by the number of collaborations with weight.
    members : tuple of (positions, weights)
        Per collaboration with at least two weighted units: unit positions and their
        weights.
    threshold : float or None, default None
        None for a weight outside group; for a count group the share of its weight a
        collaboration must have outside its main region to count.
    """

    name: str
    coef: float
    members: tuple[Collab, ...]
    threshold: float | None = None


def _kept(collabs: list[Collab]) -> tuple[Collab, ...]:
    out = []
    for m, w in collabs:
        keep = w > 0
        if keep.sum() >= 2:
            out.append((m[keep], w[keep]))
    return tuple(out)


def weighted_group(name: str, coef_total: float, collabs: Iterable[Collab]) -> Group | None:
    """Collaborations (positions, weights) -> a weight outside Group; None when it weighs
    nothing or ``coef_total`` is 0.

    Examples
    --------
    >>> g = weighted_group("split_x", 1.0, [(np.array([0, 1]), np.array([3.0, 1.0]))])
    >>> g.coef, group_value(g, np.array([0, 1]))
    (0.25, 1.0)
    """
    collabs = list(collabs)
    denom = float(sum(w.sum() for _, w in collabs))
    if denom <= 0 or coef_total == 0:
        return None
    return Group(name, coef_total / denom, _kept(collabs))


def count_group(name: str, coef_total: float, collabs: Iterable[Collab], threshold: float
                ) -> Group | None:
    """Collaborations (positions, weights) -> a count Group; None when no collaboration
    has weight or ``coef_total`` is 0.

    Examples
    --------
    >>> c = [(np.array([0, 1]), np.array([3.0, 1.0])), (np.array([2]), np.array([1.0]))]
    >>> g = count_group("count_x", 1.0, c, 0.0)
    >>> g.coef, group_value(g, np.array([0, 1, 1])), len(g.members)
    (0.5, 1.0, 1)
    """
    collabs = list(collabs)
    n = sum(1 for _, w in collabs if w.sum() > 0)
    if n == 0 or coef_total == 0:
        return None
    return Group(name, coef_total / n, _kept(collabs), float(threshold))


def layer_collabs(landscape: Landscape, layer: str, pos: Mapping[str, int],
                  unit_w: np.ndarray, split_weight: str = "unit") -> list[Collab]:
    """The collaborations of a layer as (positions, weights), sorted by collaboration id.

    Raises
    ------
    LayerError
        The landscape has no such layer.
    """
    if layer not in landscape.layers:
        raise LayerError(
            f"objective refers to layer {layer!r}; the landscape has {sorted(landscape.layers)}"
        )
    lay = landscape.layers[layer]
    m = membership(lay)
    p = np.array([pos[u] for u in m["unit"]], dtype=int)
    w = member_weights(lay, pd.Series(unit_w, index=list(pos)), split_weight=split_weight)
    out: dict[str, Collab] = {c: (np.zeros(0, dtype=int), np.zeros(0))
                              for c in lay.collaborations.index.astype(str)}
    for c, idx in m.groupby("collaboration", sort=True).indices.items():
        order = idx[np.argsort(p[idx], kind="stable")]
        out[str(c)] = (p[order], np.asarray(w[order], dtype=float))
    return [out[c] for c in sorted(out)]


def start_collabs(start: Mapping[str, str], pos: Mapping[str, int], unit_w: np.ndarray
                  ) -> list[Collab]:
    """The regions of a start plan as collaborations (positions, unit weights)."""
    groups: dict[str, list[int]] = {}
    for code, region in start.items():
        if code in pos:
            groups.setdefault(str(region), []).append(pos[code])
    out = []
    for g in sorted(groups):
        m = np.array(sorted(set(groups[g])), dtype=int)
        out.append((m, unit_w[m]))
    return out


def group_value(g: Group, lab: np.ndarray) -> float:
    """Weight outside (or, for a count group, number of collaborations split) of labels,
    before ``g.coef``."""
    total = 0.0
    for m, w in g.members:
        loads: dict[int, float] = {}
        for i, wi in zip(m, w, strict=True):
            loads[lab[i]] = loads.get(lab[i], 0.0) + wi
        whole = float(w.sum())
        outside = whole - max(loads.values())
        if g.threshold is None:
            total += outside
        elif is_split(outside, whole, g.threshold):
            total += 1.0
    return float(total)
