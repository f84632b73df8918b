"""Counting proofs of infeasibility: bounds, numbers of regions, components, packing.

The checks behind :func:`rato_opt.assess.diagnose.precheck` that use only totals, unit
weights and the components of the unit graph (the method is in the Notes of
:mod:`rato_opt.assess.diagnose`). The names here are shared with
:mod:`rato_opt.assess._lock_checks` and :mod:`rato_opt.assess.diagnose`; they are not
part of the user-facing front.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from .._util import fmt_number
from ..exceptions import ColumnError, LayerError
from ..landscape.graph import components
from ..spec import Bound, RegionSpec
from .metrics import split_layer_weights

if TYPE_CHECKING:  # pragma: no cover
    from ..landscape.coverage import Landscape

__all__ = ["TOL", "CheckContext", "part_weights", "k_set", "component_parts", "heavy_units",
           "k_reasons"]

#: Relative tolerance of the bound comparisons.
TOL = 1e-6
#: At most this many values of k are tried when suggesting the numbers of regions that
#: pass the packing checks.
_SUGGEST_K = 1000


class CheckContext:
    """Shared inputs of the checks: the spec checked against the landscape, totals, graph.

    Raises :class:`~rato_opt.exceptions.ColumnError` or
    :class:`~rato_opt.exceptions.LayerError` when the spec names a weight column or a
    layer the landscape lacks. The caller checks first that ``spec`` is a
    :class:`~rato_opt.spec.RegionSpec` and its start plan (see
    :func:`rato_opt.assess.diagnose.check_start`).
    """

    def __init__(self, landscape: Landscape, spec: RegionSpec, graph: nx.Graph | None):
        self.landscape = landscape
        self.spec = spec
        self.codes = landscape.codes
        self.n = len(self.codes)
        self.names = landscape.units["name"]
        for bound in spec.bounds:
            if bound.column not in landscape.units.columns:
                raise ColumnError(
                    f"a Bound refers to weight column {bound.column!r}, which the units lack; "
                    f"weight columns are {landscape.weights}"
                )
        objective = spec.objective
        for what, name, used in (
            ("reference", objective.reference, objective.alignment > 0),
            ("alliance_layer", objective.alliance_layer,
             objective.alliance > 0 or objective.alliance_hard),
        ):
            if used and name not in landscape.layers:
                raise LayerError(f"Objective.{what}={name!r} is not a layer of the landscape; "
                                 f"it has {sorted(landscape.layers)}")
        split_layer_weights(landscape, objective)  # raises on unknown split layers
        if objective.split_by is not None and objective.split_by not in landscape.units.columns:
            raise ColumnError(f"Objective.split_by={objective.split_by!r} is not a unit column; "
                              f"weight columns are {landscape.weights}")
        self.weights = {
            b.column: landscape.units[b.column].astype(float) for b in spec.bounds
        }
        self.totals = {c: float(w.sum()) for c, w in self.weights.items()}
        self._sorted: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if graph is None:
            from ..landscape.graph import graph_from_landscape

            graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
        self.graph = graph
        self.components = components(graph)
        # user's k range
        self.klo = spec.k or spec.k_min or 1
        self.khi = spec.k or spec.k_max or max(self.n, 1)

    def label(self, code: str) -> str:
        """``"Name (code)"``, or the code when the unit has no other name."""
        name = self.names.get(code, code)
        return code if name == code else f"{name} ({code})"

    def group_label(self, codes: Sequence[str], most: int = 4) -> str:
        """Labels of the first ``most`` units and how many more there are."""
        shown = ", ".join(self.label(c) for c in list(codes)[:most])
        return shown + (f" and {len(codes) - most} more" if len(codes) > most else "")

    def limits(self, bound: Bound, k: int) -> tuple[float | None, float | None]:
        """Absolute (lower, upper) of ``bound`` for ``k`` regions."""
        if not bound.relative:
            return bound.lower, bound.upper
        mean = self.totals[bound.column] / k
        return (None if bound.lower is None else bound.lower * mean,
                None if bound.upper is None else bound.upper * mean)

    def describe(self, bound: Bound, which: str, k: int) -> str:
        """The ``which`` ("lower" or "upper") limit of ``bound`` at ``k`` regions, in words."""
        factor = bound.lower if which == "lower" else bound.upper
        lo, hi = self.limits(bound, k)
        value = lo if which == "lower" else hi
        if not bound.relative:
            return f"{which} bound {fmt_number(value)}"
        mean = fmt_number(self.totals[bound.column] / k)
        return f"{which} bound {fmt_number(value)} ({factor:g} × mean {mean} with k={k})"

    def capped_sum(self, column: str, cap: float) -> float:
        """Sum over the units of ``min(weight, cap)``."""
        if column not in self._sorted:
            w = np.sort(self.weights[column].to_numpy(dtype=float))
            self._sorted[column] = (w, np.concatenate([[0.0], np.cumsum(w)]))
        w, prefix = self._sorted[column]
        i = int(np.searchsorted(w, cap, side="left"))
        return float(prefix[i] + cap * (len(w) - i))

    def m_range(self, weights: dict[str, float], size: int, k: int, *, exempt: bool = False
                ) -> tuple[int, int]:
        """Feasible numbers of regions for a part with these totals (lo > hi: none)."""
        spec = self.spec
        lo, hi = 1, size
        for bound in spec.bounds:
            w = weights[bound.column]
            lower, upper = self.limits(bound, k)
            if upper is not None:
                if upper <= 0:
                    if w > 0:
                        return 1, 0
                else:
                    lo = max(lo, math.ceil(w / (upper * (1 + TOL)) - 1e-9))
            if lower is not None and lower > 0 and not exempt:
                hi = min(hi, math.floor(w / (lower * (1 - TOL)) + 1e-9))
        if spec.max_units is not None:
            lo = max(lo, math.ceil(size / spec.max_units))
        if spec.min_units is not None and not exempt:
            hi = min(hi, size // spec.min_units)
        if exempt:  # an island is exactly one region of its own
            hi = 1
        return lo, hi


def part_weights(ctx: CheckContext, codes: Sequence[str]) -> dict[str, float]:
    """Total of every bounded weight column over ``codes``."""
    return {c: float(w.reindex(list(codes)).sum()) for c, w in ctx.weights.items()}


def k_set(ctx: CheckContext, parts: list[tuple[dict[str, float], int, bool]], ks: range
          ) -> list[int]:
    """The values of ``ks`` for which every part can be divided into a whole number of regions.

    ``parts`` are ``(weights, size, exempt)`` triples (see :func:`component_parts`).
    """
    ok = []
    for k in ks:
        lo_sum = hi_sum = 0
        good = True
        for weights, size, exempt in parts:
            lo, hi = ctx.m_range(weights, size, k, exempt=exempt)
            if lo > hi:
                good = False
                break
            lo_sum += lo
            hi_sum += hi
        if good and lo_sum <= k <= hi_sum:
            ok.append(k)
    return ok


def _range_text(ks: list[int]) -> str:
    if not ks:
        return "no number of regions works"
    runs, start = [], ks[0]
    for a, b in zip(ks, ks[1:] + [None], strict=True):
        if b != a + 1:
            runs.append(f"{start}" if start == a else f"{start}..{a}")
            start = b
    return "k in " + ", ".join(runs) + " would work"


def component_parts(ctx: CheckContext) -> list[tuple[dict[str, float], int, bool]]:
    """``(weights, size, exempt)`` of each graph component; islands are exempt."""
    comps = ctx.components
    return [
        (part_weights(ctx, comp), len(comp), ctx.spec.allow_islands and i > 0)
        for i, comp in enumerate(comps)
    ]


# ---------------------------------------------------------------- the checks
def heavy_units(ctx: CheckContext) -> list[str]:
    """Units heavier than an upper bound (at the fewest regions allowed)."""
    reasons = []
    for bound in ctx.spec.bounds:
        if bound.upper is None:
            continue
        k = ctx.klo  # fewest regions: the most lenient relative upper bound
        _, upper = ctx.limits(bound, k)
        w = ctx.weights[bound.column]
        heavy = w[w > upper * (1 + TOL) + 1e-12].sort_values(ascending=False)
        for code, value in list(heavy.items())[:10]:
            reasons.append(f"{ctx.label(code)} has {bound.column} {fmt_number(value)} > "
                           f"{ctx.describe(bound, 'upper', k)}; a region holding it cannot meet "
                           "the bound (raise the bound or split the unit)")
        if len(heavy) > 10:
            reasons.append(f"... and {len(heavy) - 10} more units heavier than the upper bound on "
                           f"{bound.column}")
    return reasons


def _total_reasons(ctx: CheckContext, k: int) -> list[str]:
    """Why k regions cannot hold the totals (ignoring contiguity)."""
    spec, n = ctx.spec, ctx.n
    out = []
    if k > n:
        out.append(f"k={k} regions is more than the {n} units")
    if spec.min_units is not None and k * spec.min_units > n:
        out.append(f"k={k} regions of at least min_units={spec.min_units} need "
                   f"{k * spec.min_units} units, but there are {n}")
    if spec.max_units is not None and k * spec.max_units < n:
        out.append(f"k={k} regions of at most max_units={spec.max_units} hold "
                   f"{k * spec.max_units} units, but there are {n}")
    for bound in spec.bounds:
        total = ctx.totals[bound.column]
        lower, upper = ctx.limits(bound, k)
        if bound.relative:
            if bound.lower is not None and bound.lower > 1 + TOL:
                out.append(f"relative lower bound {bound.lower:g} on {bound.column} is above 1, "
                           "but regions average exactly the mean; lower it to at most 1")
            if bound.upper is not None and bound.upper < 1 - TOL:
                out.append(f"relative upper bound {bound.upper:g} on {bound.column} is below 1, "
                           "but regions average exactly the mean; raise it to at least 1")
            continue
        if upper is not None and k * upper * (1 + TOL) < total:
            out.append(f"k={k} regions with upper bound {fmt_number(upper)} on {bound.column} "
                       f"hold at most {fmt_number(k * upper)}, but the total is "
                       f"{fmt_number(total)}")
        if lower is not None and k * lower * (1 - TOL) > total:
            out.append(f"k={k} regions with lower bound {fmt_number(lower)} on {bound.column} "
                       f"need at least {fmt_number(k * lower)}, but the total is "
                       f"{fmt_number(total)}")
    return out


def k_reasons(ctx: CheckContext) -> list[str]:
    """Why no number of regions in the spec's range fits the totals, components and units."""
    spec = ctx.spec
    whole = [(part_weights(ctx, ctx.codes), ctx.n, False)]
    all_k = range(1, max(ctx.n, 1) + 1)
    user_k = range(ctx.klo, ctx.khi + 1)
    if spec.k is None and spec.k_min is None and spec.k_max is None:
        what = "any number of regions"
    elif spec.k is not None:
        what = f"k={spec.k}"
    else:
        what = f"k in {ctx.klo}..{ctx.khi}"
    # with allow_islands the islands are exempt from lower limits: only the per-component
    # check below is exact then
    islands = spec.allow_islands and len(ctx.components) > 1
    if not islands and not k_set(ctx, whole, user_k):
        works = k_set(ctx, whole, all_k)
        # explain at the k of the user's range nearest to a working k
        probe = ctx.klo if not works else min(user_k, key=lambda k: min(abs(k - w) for w in works))
        details = _total_reasons(ctx, probe) or [
            f"no whole number of regions fits the totals at k={probe}"]
        return [f"{what} cannot work: " + "; ".join(details) + f"; {_range_text(works)}"]
    if len(ctx.components) <= 1:
        return _packing_k_reasons(ctx, what, whole, user_k, islands=False)
    parts = component_parts(ctx)
    reasons = []
    for i, (comp, part) in enumerate(zip(ctx.components, parts, strict=True)):
        weights, size, exempt = part
        if all(ctx.m_range(weights, size, k, exempt=exempt)[0]
               > ctx.m_range(weights, size, k, exempt=exempt)[1] for k in user_k):
            k = ctx.klo
            lo, hi = ctx.m_range(weights, size, k, exempt=exempt)
            totals = ", ".join(f"{c} {fmt_number(v)}" for c, v in weights.items())
            kind = ("the largest component" if i == 0
                    else "a part of the unit graph that no link joins to the rest")
            detail = f"it needs at least {lo} region(s) but can hold at most {hi}"
            if hi < 1:
                lows = [f"{ctx.describe(b, 'lower', k)} on {b.column}" for b in spec.bounds
                        if b.lower is not None]
                if spec.min_units is not None:
                    lows.append(f"min_units={spec.min_units}")
                detail = f"it is too small for one region ({', '.join(lows)})"
            reasons.append(
                f"{kind}, {ctx.group_label(comp)} ({size} unit{'s' if size != 1 else ''}"
                f"{', ' + totals if totals else ''}), cannot be divided into whole regions: "
                f"{detail}; every region must be connected, so add a link (ferry, tunnel)"
                + ("" if spec.allow_islands else " or set allow_islands=True")
            )
    if reasons:
        return reasons
    if not k_set(ctx, parts, user_k):
        works = k_set(ctx, parts, all_k)
        ranges = [ctx.m_range(w, s, ctx.klo, exempt=e) for w, s, e in parts]
        return [
            f"{what} cannot work with the {len(parts)} components of the unit graph "
            f"(no link joins them; each needs its own regions): they need between "
            f"{sum(r[0] for r in ranges)} and {sum(r[1] for r in ranges)} regions at k={ctx.klo}; "
            f"{_range_text(works)}"
        ]
    return _packing_k_reasons(ctx, what, parts if islands else whole, user_k, islands=islands)


def _packing_k_reasons(ctx: CheckContext, what: str, parts, user_k: range, *, islands: bool
                       ) -> list[str]:
    """Reasons why no k of the user's range survives the packing checks (empty: some k does).

    ``parts`` are the parts whose totals checks the candidate values of k passed;
    with ``islands`` the lower-bound check is skipped (islands are exempt from lower
    limits).
    """
    candidates = k_set(ctx, parts, user_k)
    if not candidates or any(not _packing_reasons(ctx, k, lower=not islands)
                             for k in candidates):
        return []
    all_k = k_set(ctx, parts, range(1, max(ctx.n, 1) + 1))[:_SUGGEST_K]
    works = [k for k in all_k if not _packing_reasons(ctx, k, lower=not islands)]
    probe = (candidates[0] if not works
             else min(candidates, key=lambda k: min(abs(k - w) for w in works)))
    details = _packing_reasons(ctx, probe, lower=not islands)
    return [f"{what} cannot work: " + "; ".join(details) + f"; {_range_text(works)}"]


def _packing_reasons(ctx: CheckContext, k: int, *, lower: bool = True) -> list[str]:
    """Why k regions cannot be formed from indivisible units (ignoring contiguity)."""
    out = []
    if lower:
        for bound in ctx.spec.bounds:
            lo = ctx.limits(bound, k)[0]
            if lo is None or lo <= 0:
                continue
            capped = ctx.capped_sum(bound.column, lo)
            if capped < k * lo * (1 - TOL):
                reach = math.floor(capped / lo * (1 + TOL) + 1e-9)
                out.append(
                    f"k={k} regions with {ctx.describe(bound, 'lower', k)} on {bound.column} "
                    f"need {fmt_number(k * lo)} in all, but units are indivisible: counting each "
                    f"unit's {bound.column} only up to the bound (the excess of a heavy unit "
                    f"helps no other region) gives {fmt_number(capped)} of the total "
                    f"{fmt_number(ctx.totals[bound.column])}, enough for at most {reach} region(s) "
                    "(lower the bound or use fewer regions)"
                )
    clique, pairs, uppers = _conflict_clique(ctx, k)
    if len(clique) > k:
        out.append(
            f"k={k} regions are too few: {len(clique)} units ({ctx.group_label(clique)}) "
            f"pairwise cannot share a region under the upper bounds ({uppers}), e.g. "
            f"{'; '.join(pairs)}; they need {len(clique)} regions (raise the bounds or use "
            "more regions)"
        )
    return out


def _conflict_clique(ctx: CheckContext, k: int) -> tuple[list[str], list[str], str]:
    """Units pairwise too heavy to share a region at k regions, found greedily.

    Two units conflict when, for some bounded weight, their sum exceeds its upper
    limit. Only units above half a limit can conflict, and at most one unit below
    half of every limit can join, so the search stops at once when those are too few
    to exceed k. Returns (codes, example pairs, the upper limits as text).
    """
    ups = [(b, ctx.limits(b, k)[1]) for b in ctx.spec.bounds if b.upper is not None]
    ups = [(b, u) for b, u in ups if u is not None and u > 0]
    if not ups:
        return [], [], ""
    weights = np.column_stack([ctx.weights[b.column].to_numpy(dtype=float) for b, _ in ups])
    limit = np.array([u for _, u in ups]) * (1 + TOL) + 1e-12
    score = (weights / limit).max(axis=1)
    heavy = np.flatnonzero(score > 0.5)
    if len(heavy) + 1 <= k:
        return [], [], ""
    order = list(heavy[np.argsort(-score[heavy], kind="stable")])
    light = np.flatnonzero(score <= 0.5)
    order += list(light[np.argsort(-score[light], kind="stable")][:50])
    clique: list[int] = []
    for i in order:
        if score[i] <= 0.5 and clique and score[clique[-1]] <= 0.5:
            break  # a light unit joined: two light units never conflict
        if not clique or np.all(np.any(weights[clique] + weights[i] > limit, axis=1)):
            clique.append(int(i))
    codes = [ctx.codes[i] for i in clique]
    pairs = []
    for a, b in list(zip(clique, clique[1:], strict=False))[:3]:
        j = int(np.argmax(weights[a] + weights[b] > limit))
        bound, upper = ups[j]
        pairs.append(f"{ctx.label(ctx.codes[a])} + {ctx.label(ctx.codes[b])}: {bound.column} "
                     f"{fmt_number(weights[a, j] + weights[b, j])} > {fmt_number(upper)}")
    uppers = ", ".join(f"{ctx.describe(b, 'upper', k)} on {b.column}" for b, _ in ups)
    return codes, pairs, uppers
