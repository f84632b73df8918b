"""Explain infeasibility before solving.

:func:`precheck` looks for reasons why no plan can satisfy a
:class:`~rato_opt.spec.RegionSpec` on a landscape, using only totals, unit weights,
graph components and the locks. Every reason it gives is a proof of infeasibility
(a necessary condition that fails), phrased with the units and numbers involved.
An empty list does not prove feasibility: the solver may still find the problem
infeasible (the model's elastic re-solve explains those cases).

:func:`check_feasible` raises :class:`~rato_opt.exceptions.InfeasibleError` with the
reasons. :func:`precheck_notes` lists things that are not infeasible but worth
knowing (e.g. a together-group that only connects through other units).

Notes
-----
With ``allow_islands=False`` every region is connected, so it lies inside one
connected component of the unit graph (with links), and every component is split
into a whole number ``m_c >= 1`` of regions. For each component and number of
regions ``k`` (relative bounds depend on ``k``), ``m_c`` must satisfy
``W_c <= m_c * upper``, ``W_c >= m_c * lower``, ``n_c <= m_c * max_units`` and
``n_c >= m_c * min_units``; ``k`` must lie between ``sum_c min m_c`` and
``sum_c max m_c``. With ``allow_islands=True`` every component other than the
largest is exactly one region of its own (the model's island rule): upper limits
apply to it, lower limits and ``min_units`` do not.
The cost is O(k_range * components * bounds) plus one pass over the locks.

Units are indivisible, which gives two more cheap proofs per ``k`` (ignoring
contiguity): a region needs ``lower`` of a weight, and a unit counts toward one
region only, so the units' weights capped at ``lower`` must sum to at least
``k * lower``; and units that pairwise cannot share a region (for some upper
bound their two weights exceed it, possibly a different bound for each pair:
the joint check) need a region each, so a set of them found greedily must not
exceed ``k``. A joint LP relaxation over unit-to-region fractions would add
nothing: regions are interchangeable, so averaging any fractional solution over
the permutations of the regions gives every region ``total / k`` of every weight,
and that is feasible exactly when the per-weight totals checks pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from .._util import listing
from ..exceptions import ColumnError, InfeasibleError, LayerError, ModelError, UnitCodeError
from ..landscape.graph import components
from ..spec import Bound, RegionSpec
from .metrics import regional_collaborations, split_layer_weights
from .plan import _fmt

if TYPE_CHECKING:  # pragma: no cover
    from ..landscape.coverage import Landscape

__all__ = ["precheck", "precheck_notes", "check_feasible", "check_start", "feasible_k_range"]

_TOL = 1e-6
#: At most this many values of k are tried when suggesting the numbers of regions that
#: pass the packing checks.
_SUGGEST_K = 1000


def check_start(landscape: Landscape, spec: RegionSpec) -> None:
    """Raise when ``spec.start`` (the start plan) names units the landscape lacks.

    Units the start plan leaves out are allowed (the warm start repairs them);
    codes it has that are not units are a mistake (another map, another year's
    indeling, a typo) and would otherwise be dropped silently.

    Raises
    ------
    UnitCodeError
        Naming the unknown codes (a few, and their number).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("AB")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(2)], crs="EPSG:28992"), code="code")
    >>> check_start(Landscape(u, {}), RegionSpec(start={"A": "1", "X": "2"}))
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.UnitCodeError: RegionSpec.start names 1 unit code(s) the landscape does not have: X (its units are e.g. A, B); give a start plan of the same units (codes are matched exactly, e.g. 'GM0363')
    """
    if spec.start is None:
        return
    codes = landscape.codes
    unknown = sorted(set(spec.start) - set(codes))
    if unknown:
        raise UnitCodeError(
            f"RegionSpec.start names {len(unknown)} unit code(s) the landscape does not have: "
            f"{listing(unknown)} (its units are e.g. {listing(codes[:3])}); give a start "
            "plan of the same units (codes are matched exactly, e.g. 'GM0363')"
        )


class _Context:
    """Shared inputs of the checks."""

    def __init__(self, landscape: Landscape, spec: RegionSpec, graph: nx.Graph | None):
        if not isinstance(spec, RegionSpec):
            raise ModelError(f"spec must be a RegionSpec, got {type(spec).__name__}")
        check_start(landscape, spec)
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
        name = self.names.get(code, code)
        return code if name == code else f"{name} ({code})"

    def group_label(self, codes: Sequence[str], most: int = 4) -> str:
        shown = ", ".join(self.label(c) for c in list(codes)[:most])
        return shown + (f" and {len(codes) - most} more" if len(codes) > most else "")

    def limits(self, bound: Bound, k: int) -> tuple[float | None, float | None]:
        if not bound.relative:
            return bound.lower, bound.upper
        mean = self.totals[bound.column] / k
        return (None if bound.lower is None else bound.lower * mean,
                None if bound.upper is None else bound.upper * mean)

    def describe(self, bound: Bound, which: str, k: int) -> str:
        factor = bound.lower if which == "lower" else bound.upper
        lo, hi = self.limits(bound, k)
        value = lo if which == "lower" else hi
        if not bound.relative:
            return f"{which} bound {_fmt(value)}"
        return (f"{which} bound {_fmt(value)} ({factor:g} × mean {_fmt(self.totals[bound.column] / k)}"
                f" with k={k})")

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
                    lo = max(lo, math.ceil(w / (upper * (1 + _TOL)) - 1e-9))
            if lower is not None and lower > 0 and not exempt:
                hi = min(hi, math.floor(w / (lower * (1 - _TOL)) + 1e-9))
        if spec.max_units is not None:
            lo = max(lo, math.ceil(size / spec.max_units))
        if spec.min_units is not None and not exempt:
            hi = min(hi, size // spec.min_units)
        if exempt:  # an island is exactly one region of its own
            hi = 1
        return lo, hi


def _part_weights(ctx: _Context, codes: Sequence[str]) -> dict[str, float]:
    return {c: float(w.reindex(list(codes)).sum()) for c, w in ctx.weights.items()}


def _k_set(ctx: _Context, parts: list[tuple[dict[str, float], int, bool]], ks: range) -> list[int]:
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


def feasible_k_range(
    landscape: Landscape, spec: RegionSpec, graph: nx.Graph | None = None
) -> list[int]:
    """Numbers of regions that pass the totals and component checks, ignoring ``k``.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
        Its ``k``, ``k_min`` and ``k_max`` are ignored; bounds, unit limits and
        ``allow_islands`` are used.
    graph : networkx.Graph, optional
        Unit graph with links (built when not given).

    Returns
    -------
    list of int
        Sorted candidate values of ``k`` (necessary, not sufficient, conditions).

    Examples
    --------
    Six units of weight 1 in a row, regions holding 2 or 3 units' weight::

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> from rato_opt.spec import Bound, RegionSpec
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABCDEF"), "w": [1] * 6},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(6)], crs="EPSG:28992"), code="code")
    >>> feasible_k_range(Landscape(u, {}), RegionSpec(bounds=[Bound("w", 2, 3)]))
    [2, 3]
    """
    ctx = _Context(landscape, spec, graph)
    return _k_set(ctx, _parts(ctx), range(1, max(ctx.n, 1) + 1))


def _parts(ctx: _Context) -> list[tuple[dict[str, float], int, bool]]:
    comps = ctx.components
    return [
        (_part_weights(ctx, comp), len(comp), ctx.spec.allow_islands and i > 0)
        for i, comp in enumerate(comps)
    ]


# ---------------------------------------------------------------- the checks
def _heavy_units(ctx: _Context) -> list[str]:
    reasons = []
    for bound in ctx.spec.bounds:
        if bound.upper is None:
            continue
        k = ctx.klo  # fewest regions: the most lenient relative upper bound
        _, upper = ctx.limits(bound, k)
        w = ctx.weights[bound.column]
        heavy = w[w > upper * (1 + _TOL) + 1e-12].sort_values(ascending=False)
        for code, value in list(heavy.items())[:10]:
            reasons.append(f"{ctx.label(code)} has {bound.column} {_fmt(value)} > "
                           f"{ctx.describe(bound, 'upper', k)}; a region holding it cannot meet "
                           "the bound (raise the bound or split the unit)")
        if len(heavy) > 10:
            reasons.append(f"... and {len(heavy) - 10} more units heavier than the upper bound on "
                           f"{bound.column}")
    return reasons


def _total_reasons(ctx: _Context, k: int) -> list[str]:
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
            if bound.lower is not None and bound.lower > 1 + _TOL:
                out.append(f"relative lower bound {bound.lower:g} on {bound.column} is above 1, "
                           "but regions average exactly the mean; lower it to at most 1")
            if bound.upper is not None and bound.upper < 1 - _TOL:
                out.append(f"relative upper bound {bound.upper:g} on {bound.column} is below 1, "
                           "but regions average exactly the mean; raise it to at least 1")
            continue
        if upper is not None and k * upper * (1 + _TOL) < total:
            out.append(f"k={k} regions with upper bound {_fmt(upper)} on {bound.column} hold at "
                       f"most {_fmt(k * upper)}, but the total is {_fmt(total)}")
        if lower is not None and k * lower * (1 - _TOL) > total:
            out.append(f"k={k} regions with lower bound {_fmt(lower)} on {bound.column} need at "
                       f"least {_fmt(k * lower)}, but the total is {_fmt(total)}")
    return out


def _k_reasons(ctx: _Context) -> list[str]:
    spec = ctx.spec
    whole = [(_part_weights(ctx, ctx.codes), ctx.n, False)]
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
    if not islands and not _k_set(ctx, whole, user_k):
        works = _k_set(ctx, whole, all_k)
        # explain at the k of the user's range nearest to a working k
        probe = ctx.klo if not works else min(user_k, key=lambda k: min(abs(k - w) for w in works))
        details = _total_reasons(ctx, probe) or [f"no whole number of regions fits the totals at k={probe}"]
        return [f"{what} cannot work: " + "; ".join(details) + f"; {_range_text(works)}"]
    if len(ctx.components) <= 1:
        return _packing_k_reasons(ctx, what, whole, user_k, islands=False)
    parts = _parts(ctx)
    reasons = []
    for i, (comp, part) in enumerate(zip(ctx.components, parts, strict=True)):
        weights, size, exempt = part
        if all(ctx.m_range(weights, size, k, exempt=exempt)[0]
               > ctx.m_range(weights, size, k, exempt=exempt)[1] for k in user_k):
            k = ctx.klo
            lo, hi = ctx.m_range(weights, size, k, exempt=exempt)
            totals = ", ".join(f"{c} {_fmt(v)}" for c, v in weights.items())
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
    if not _k_set(ctx, parts, user_k):
        works = _k_set(ctx, parts, all_k)
        ranges = [ctx.m_range(w, s, ctx.klo, exempt=e) for w, s, e in parts]
        return [
            f"{what} cannot work with the {len(parts)} components of the unit graph "
            f"(no link joins them; each needs its own regions): they need between "
            f"{sum(r[0] for r in ranges)} and {sum(r[1] for r in ranges)} regions at k={ctx.klo}; "
            f"{_range_text(works)}"
        ]
    return _packing_k_reasons(ctx, what, parts if islands else whole, user_k, islands=islands)


def _packing_k_reasons(ctx: _Context, what: str, parts, user_k: range, *, islands: bool
                       ) -> list[str]:
    """Reasons why no k of the user's range survives the packing checks (empty: some k does).

    ``parts`` are the parts whose totals checks the candidate values of k passed;
    with ``islands`` the lower-bound check is skipped (islands are exempt from lower
    limits).
    """
    candidates = _k_set(ctx, parts, user_k)
    if not candidates or any(not _packing_reasons(ctx, k, lower=not islands)
                             for k in candidates):
        return []
    all_k = _k_set(ctx, parts, range(1, max(ctx.n, 1) + 1))[:_SUGGEST_K]
    works = [k for k in all_k if not _packing_reasons(ctx, k, lower=not islands)]
    probe = (candidates[0] if not works
             else min(candidates, key=lambda k: min(abs(k - w) for w in works)))
    details = _packing_reasons(ctx, probe, lower=not islands)
    return [f"{what} cannot work: " + "; ".join(details) + f"; {_range_text(works)}"]


def _packing_reasons(ctx: _Context, k: int, *, lower: bool = True) -> list[str]:
    """Why k regions cannot be formed from indivisible units (ignoring contiguity)."""
    out = []
    if lower:
        for bound in ctx.spec.bounds:
            lo = ctx.limits(bound, k)[0]
            if lo is None or lo <= 0:
                continue
            capped = ctx.capped_sum(bound.column, lo)
            if capped < k * lo * (1 - _TOL):
                reach = math.floor(capped / lo * (1 + _TOL) + 1e-9)
                out.append(
                    f"k={k} regions with {ctx.describe(bound, 'lower', k)} on {bound.column} "
                    f"need {_fmt(k * lo)} in all, but units are indivisible: counting each "
                    f"unit's {bound.column} only up to the bound (the excess of a heavy unit "
                    f"helps no other region) gives {_fmt(capped)} of the total "
                    f"{_fmt(ctx.totals[bound.column])}, enough for at most {reach} region(s) "
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


def _conflict_clique(ctx: _Context, k: int) -> tuple[list[str], list[str], str]:
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
    limit = np.array([u for _, u in ups]) * (1 + _TOL) + 1e-12
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
                     f"{_fmt(weights[a, j] + weights[b, j])} > {_fmt(upper)}")
    uppers = ", ".join(f"{ctx.describe(b, 'upper', k)} on {b.column}" for b, _ in ups)
    return codes, pairs, uppers


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def classes(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return {r: sorted(v) for r, v in out.items()}


def _lock_reasons(ctx: _Context) -> tuple[list[str], list[str]]:
    """(reasons, notes) about the locks."""
    spec, locks = ctx.spec, ctx.spec.locks
    reasons: list[str] = []
    notes: list[str] = []
    known = set(ctx.codes)
    unknown = sorted(locks.codes - known)
    if unknown:
        reasons.append(f"locks name unit code(s) the landscape does not have: {listing(unknown)}"
                       " (codes are matched exactly, e.g. 'GM0363')")
    uf = _UnionFind()
    for group in (*locks.together, *locks.own_region):
        group = [c for c in group if c in known]
        for c in group:
            uf.find(c)
        for a, b in zip(group, group[1:], strict=False):
            uf.union(a, b)
    fixed = {c: lab for c, lab in locks.fixed.items() if c in known}
    by_label: dict[str, list[str]] = {}
    for c, lab in fixed.items():
        by_label.setdefault(lab, []).append(c)
        uf.find(c)
    for members in by_label.values():
        for a, b in zip(members, members[1:], strict=False):
            uf.union(a, b)
    classes = uf.classes()

    # fixed labels merged into one region by other locks
    for members in classes.values():
        labels = sorted({fixed[c] for c in members if c in fixed})
        if len(labels) > 1:
            shown = "; ".join(f"{lab!r}: {', '.join(sorted(by_label[lab]))}" for lab in labels)
            reasons.append(f"units fixed to different labels ({shown}) are kept in one region by "
                           "together/own_region locks; a unit cannot be in two regions")
    for a, b in locks.apart:
        if a in known and b in known and uf.find(a) == uf.find(b):
            reasons.append(f"{ctx.label(a)} and {ctx.label(b)} must lie in different regions, but "
                           "together/own_region/fixed locks keep them in one region")
    # own_region groups
    own = [tuple(c for c in g if c in known) for g in locks.own_region]
    for i, g in enumerate(own):
        for h in own[i + 1:]:
            if set(g) & set(h) and set(g) != set(h):
                reasons.append(f"own_region groups ({', '.join(g)}) and ({', '.join(h)}) overlap; "
                               "a unit can form only one region")
        if not g:
            continue
        cls = classes[uf.find(g[0])]
        extra = sorted(set(cls) - set(g))
        if extra:
            reasons.append(f"own_region group ({', '.join(g)}) must form a region alone, but "
                           f"together/fixed locks also keep {listing(extra)} with it")
    n_labels = len(by_label)
    if n_labels > ctx.khi:
        reasons.append(f"{n_labels} different fixed labels need {n_labels} regions, but at most "
                       f"{ctx.khi} regions are allowed")

    # weight, size and connectivity of lock classes
    comp_of = {c: i for i, comp in enumerate(ctx.components) for c in comp}
    own_sets = {frozenset(g) for g in own if g}
    for members in classes.values():
        if len(members) < 2 and frozenset(members) not in own_sets:
            continue
        is_own = frozenset(members) in own_sets
        what = ("own_region group" if is_own else "units locked together") + \
            f" ({listing(members, 6)})"
        weights = _part_weights(ctx, members)
        k = ctx.klo
        for bound in spec.bounds:
            lower, upper = ctx.limits(bound, k)
            w = weights[bound.column]
            if upper is not None and w > upper * (1 + _TOL) + 1e-12:
                reasons.append(f"{what} weigh {bound.column} {_fmt(w)} > "
                               f"{ctx.describe(bound, 'upper', k)}")
            island = spec.allow_islands and comp_of.get(members[0], 0) > 0
            if is_own and lower is not None and not island:
                k_hi = ctx.khi
                lower_hi = ctx.limits(bound, k_hi)[0] if bound.relative else lower
                if w < lower_hi * (1 - _TOL):
                    reasons.append(f"{what} weigh {bound.column} {_fmt(w)} < "
                                   f"{ctx.describe(bound, 'lower', k_hi)}")
        if spec.max_units is not None and len(members) > spec.max_units:
            reasons.append(f"{what}: {len(members)} units > max_units={spec.max_units}")
        if is_own and spec.min_units is not None and len(members) < spec.min_units and not (
            spec.allow_islands and comp_of.get(members[0], 0) > 0
        ):
            reasons.append(f"{what}: {len(members)} units < min_units={spec.min_units}")
        comps = sorted({comp_of[c] for c in members})
        if len(comps) > 1:
            reasons.append(f"{what} lie in {len(comps)} parts of the unit graph that no link joins; "
                           "no connected region holds them all (add a link or change the lock)")
        elif not nx.is_connected(ctx.graph.subgraph(members)):
            if is_own:
                reasons.append(f"{what} is not connected in the unit graph, so it cannot form a "
                               "connected region on its own")
            else:
                notes.append(f"{what} are not adjacent to each other; their region must also "
                             "hold units connecting them")
    # alliance_hard
    objective = spec.objective
    if objective.alliance_hard:
        layer = regional_collaborations(
            ctx.landscape.layers[objective.alliance_layer], ctx.landscape.codes
        )
        incidence = layer.incidence(ctx.codes)
        none = incidence.index[~incidence.any(axis=1).to_numpy()]
        if len(none):
            reasons.append(
                f"alliance_hard: {len(none)} unit(s) belong to no alliance of layer "
                f"{objective.alliance_layer!r}, so no region holding them lies within one "
                f"alliance: {listing([ctx.label(c) for c in none])}"
            )
        for members in classes.values():
            if len(members) > 1:
                common = incidence.reindex(members).all(axis=0)
                if not common.any():
                    reasons.append(f"alliance_hard: units locked together ({listing(members, 6)}) "
                                   "share no alliance")
    return reasons, notes


def precheck(landscape: Landscape, spec: RegionSpec, graph: nx.Graph | None = None) -> list[str]:
    """Reasons why no plan can meet ``spec`` on ``landscape`` (empty: none found).

    Checks, each reported with units and numbers:

    - a unit heavier than an upper bound;
    - ``k`` (or ``k_min``..``k_max``) incompatible with the totals, the number of
      units, ``min_units`` or ``max_units``, with the values of ``k`` that would work;
    - components of the unit graph (with links) that cannot be divided into whole
      regions within the bounds (too light for one region, or no whole number fits);
    - locks: unknown codes, contradictions (different fixed labels kept together,
      together and apart on one pair, overlapping own_region groups, an own_region
      group joined to other units), more fixed labels than regions, locked groups
      heavier than an upper bound, locked units in parts of the graph no link
      joins, own_region groups that are disconnected or outside the bounds;
    - ``alliance_hard`` with units in no alliance, or locked units sharing none.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
    graph : networkx.Graph, optional
        Unit graph with links; built with the spec's contiguity when not given.

    Returns
    -------
    list of str

    Raises
    ------
    ColumnError, LayerError
        The spec names a weight column or layer the landscape lacks.

    Examples
    --------
    Three units ``A B C`` with populations 5, 1, 1 and an upper bound of 4::

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> from rato_opt.spec import Bound, RegionSpec
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "population": [5, 1, 1]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> precheck(Landscape(u, {}), RegionSpec(bounds=[Bound("population", upper=4)]))[0]
    'A has population 5 > upper bound 4; a region holding it cannot meet the bound (raise the bound or split the unit)'
    """
    ctx = _Context(landscape, spec, graph)
    reasons = _heavy_units(ctx)
    reasons += _k_reasons(ctx)
    lock_reasons, _ = _lock_reasons(ctx)
    return reasons + lock_reasons


def precheck_notes(landscape: Landscape, spec: RegionSpec, graph: nx.Graph | None = None
                   ) -> list[str]:
    """Non-fatal remarks about ``spec``, e.g. locked units that are not adjacent.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> from rato_opt.spec import Locks, RegionSpec
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> precheck_notes(Landscape(u, {}), RegionSpec(locks=Locks(together=[("A", "C")])))
    ['units locked together (A, C) are not adjacent to each other; their region must also hold units connecting them']
    """
    ctx = _Context(landscape, spec, graph)
    return _lock_reasons(ctx)[1]


def check_feasible(landscape: Landscape, spec: RegionSpec, graph: nx.Graph | None = None) -> None:
    """Raise :class:`~rato_opt.exceptions.InfeasibleError` when :func:`precheck` finds reasons.

    Raises
    ------
    InfeasibleError
        ``err.reasons`` lists every reason; the message shows the first few.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> from rato_opt.spec import RegionSpec
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("AB")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(2)], crs="EPSG:28992"), code="code")
    >>> check_feasible(Landscape(u, {}), RegionSpec(k=3))
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.InfeasibleError: the region specification cannot be met (1 reason): k=3 cannot work: k=3 regions is more than the 2 units; k in 1..2 would work
    """
    reasons = precheck(landscape, spec, graph)
    if reasons:
        shown = " | ".join(reasons[:3]) + (f" | ... ({len(reasons)} in all)" if len(reasons) > 3
                                           else "")
        raise InfeasibleError(
            f"the region specification cannot be met ({len(reasons)} reason"
            f"{'s' if len(reasons) > 1 else ''}): {shown}",
            reasons,
        )

