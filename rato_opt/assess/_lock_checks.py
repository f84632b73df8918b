"""Proofs of infeasibility from the locks (and ``alliance_hard``), and notes about them.

The lock checks behind :func:`rato_opt.assess.diagnose.precheck` and
:func:`rato_opt.assess.diagnose.precheck_notes`: contradictions between locks, and
locked groups that no region within the bounds can hold. Not part of the
user-facing front.
"""

from __future__ import annotations

import networkx as nx

from .._util import fmt_number, listing
from ._capacity import TOL, CheckContext, part_weights
from .split import regional_collaborations

__all__ = ["lock_reasons"]


class _UnionFind:
    """Disjoint sets of unit codes; a class is named by its smallest code."""

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


def lock_reasons(ctx: CheckContext) -> tuple[list[str], list[str]]:
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
        weights = part_weights(ctx, members)
        k = ctx.klo
        for bound in spec.bounds:
            lower, upper = ctx.limits(bound, k)
            w = weights[bound.column]
            if upper is not None and w > upper * (1 + TOL) + 1e-12:
                reasons.append(f"{what} weigh {bound.column} {fmt_number(w)} > "
                               f"{ctx.describe(bound, 'upper', k)}")
            island = spec.allow_islands and comp_of.get(members[0], 0) > 0
            if is_own and lower is not None and not island:
                k_hi = ctx.khi
                lower_hi = ctx.limits(bound, k_hi)[0] if bound.relative else lower
                if w < lower_hi * (1 - TOL):
                    reasons.append(f"{what} weigh {bound.column} {fmt_number(w)} < "
                                   f"{ctx.describe(bound, 'lower', k_hi)}")
        if spec.max_units is not None and len(members) > spec.max_units:
            reasons.append(f"{what}: {len(members)} units > max_units={spec.max_units}")
        if is_own and spec.min_units is not None and len(members) < spec.min_units and not (
            spec.allow_islands and comp_of.get(members[0], 0) > 0
        ):
            reasons.append(f"{what}: {len(members)} units < min_units={spec.min_units}")
        comps = sorted({comp_of[c] for c in members})
        if len(comps) > 1:
            reasons.append(f"{what} lie in {len(comps)} parts of the unit graph that no link "
                           "joins; no connected region holds them all (add a link or change "
                           "the lock)")
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
