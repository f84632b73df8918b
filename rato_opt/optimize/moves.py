"""Incremental moves on a plan: the exact objective and bound deltas of moving one unit.

:class:`MoveState` keeps, for one assignment of unit positions to regions, the region
loads of every bound, each collaboration's weight per region and the alliance loads,
so that the effect of moving one unit is computed from the unit's own memberships
only. The heuristics (:mod:`rato_opt.optimize.heuristic`) and annealing
(:mod:`rato_opt.optimize.annealing`) share it.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..assess.split import is_split
from .problem import as_problem

__all__ = ["MoveState", "connected_without"]


class MoveState:
    """Incremental evaluation of bound violations and objective for one assignment.

    Parameters
    ----------
    problem : CompiledProblem
    lab : numpy.ndarray
        Region label per unit position (``0..q-1``); copied.
    q : int
        Number of regions (relative bounds are fractions of the mean of ``q``).

    Examples
    --------
    >>> import numpy as np
    >>> from rato_opt.sources.synthetic import load_default
    >>> from rato_opt.spec import Objective, RegionSpec
    >>> from rato_opt.optimize.problem import compile_problem
    >>> p = compile_problem(load_default(), RegionSpec(k=2, objective=Objective(split=1)))
    >>> st = MoveState(p, np.zeros(p.n, dtype=int), 2)
    >>> float(st.violation())
    0.0
    """

    def __init__(self, problem, lab: np.ndarray, q: int):
        model = self.m = as_problem(problem)
        self.n = model.n
        self.q = q
        self.lab = np.asarray(lab).copy()
        spec = model.spec
        # bounds as absolute (column weights, lower, upper, scale)
        self.bounds = []
        for row in model.bounds:
            lo, up = row.limits(q)
            self.bounds.append((row.weights, lo, up, max(row.total / q, 1e-9)))
        self.loads = [np.bincount(self.lab, weights=w, minlength=q).astype(float)
                      for w, *_ in self.bounds]
        self.size = np.bincount(self.lab, minlength=q)
        self.island_labels = {int(lab[c[0]]) for c in model.islands}
        # collaborations; count_of[ci] is None (weight outside counts) or, for the count
        # term, (W_c, threshold): the collaboration adds coef when it is split
        self.collabs = []  # (coef, members, weights)
        self.count_of: list[tuple[float, float] | None] = []
        for term in ("split", "alignment", "stay_close", "split_count"):
            for g in model.groups[term]:
                for m, w in g.members:
                    self.collabs.append((g.coef, m, w))
                    self.count_of.append(
                        None if g.threshold is None else (float(w.sum()), g.threshold))
        self.of_unit: list[list[tuple[int, float]]] = [[] for _ in range(self.n)]
        self.cload: list[dict[int, float]] = []
        for ci, (_, m, w) in enumerate(self.collabs):
            d: dict[int, float] = {}
            for i, wi in zip(m, w, strict=True):
                self.of_unit[i].append((ci, float(wi)))
                d[self.lab[i]] = d.get(self.lab[i], 0.0) + float(wi)
            self.cload.append(d)
        obj = spec.objective
        self.comp = obj.compactness / model.total_length if (
            obj.compactness > 0 and model.total_length > 0) else 0.0
        self.edge_len = [dict() for _ in range(self.n)]
        for a, b, d in model.edges:
            self.edge_len[a][b] = d
            self.edge_len[b][a] = d
        self.alli = None
        if obj.alliance > 0 and model.alliances:
            w = model.split_weights
            A = len(model.alliances)
            self.alli_w = w
            self.alli_coef = obj.alliance / max(float(w.sum()), 1e-12)
            self.alli_of = [[] for _ in range(self.n)]
            for a, mm in enumerate(model.alliances):
                for i in mm:
                    self.alli_of[i].append(a)
            self.alli = np.zeros((q, A))
            for i in range(self.n):
                for a in self.alli_of[i]:
                    self.alli[self.lab[i], a] += w[i]
            self.region_w = np.bincount(self.lab, weights=w, minlength=q)

    # -- violation of bounds for the load vectors of regions
    def _viol(self, bi: int, load: float, region: int = -1) -> float:
        _, lo, up, scale = self.bounds[bi]
        v = 0.0
        if lo is not None and load < lo - 1e-9 and region not in self.island_labels:
            v += (lo - load) / scale
        if up is not None and load > up + 1e-9:
            v += (load - up) / scale
        return v

    def violation(self) -> float:
        return sum(self._viol(bi, L, r) for bi in range(len(self.bounds))
                   for r, L in enumerate(self.loads[bi]))

    def move_delta(self, i: int, b: int) -> tuple[float, float]:
        """(violation delta, objective delta) of moving unit i to region b."""
        a = self.lab[i]
        dv = 0.0
        for bi, (w, *_rest) in enumerate(self.bounds):
            la, lb = self.loads[bi][a], self.loads[bi][b]
            wi = w[i]
            dv += (self._viol(bi, la - wi, a) + self._viol(bi, lb + wi, b)
                   - self._viol(bi, la, a) - self._viol(bi, lb, b))
        do = 0.0
        for ci, wi in self.of_unit[i]:
            d = self.cload[ci]
            before = max(d.values())
            after_a = d.get(a, 0.0) - wi
            after_b = d.get(b, 0.0) + wi
            after = max([after_a, after_b] + [v for r, v in d.items() if r != a and r != b])
            count = self.count_of[ci]
            if count is None:
                do -= self.collabs[ci][0] * (after - before)
            else:
                whole, t = count
                do += self.collabs[ci][0] * (int(is_split(whole - after, whole, t))
                                             - int(is_split(whole - before, whole, t)))
        if self.comp:
            for j, d in self.edge_len[i].items():
                lj = self.lab[j]
                do += self.comp * d * (int(lj != b) - int(lj != a))
        if self.alli is not None:
            w = self.alli_w[i]
            before = (self.region_w[a] - self.alli[a].max()) + (self.region_w[b] - self.alli[b].max())
            ra, rb = self.alli[a].copy(), self.alli[b].copy()
            for al in self.alli_of[i]:
                ra[al] -= w
                rb[al] += w
            after = (self.region_w[a] - w - ra.max()) + (self.region_w[b] + w - rb.max())
            do += self.alli_coef * (after - before)
        return dv, do

    def apply(self, i: int, b: int) -> None:
        a = self.lab[i]
        for bi, (w, *_rest) in enumerate(self.bounds):
            self.loads[bi][a] -= w[i]
            self.loads[bi][b] += w[i]
        self.size[a] -= 1
        self.size[b] += 1
        for ci, wi in self.of_unit[i]:
            d = self.cload[ci]
            d[a] = d.get(a, 0.0) - wi
            if d[a] <= 1e-12:
                del d[a]
            d[b] = d.get(b, 0.0) + wi
        if self.alli is not None:
            w = self.alli_w[i]
            for al in self.alli_of[i]:
                self.alli[a, al] -= w
                self.alli[b, al] += w
            self.region_w[a] -= w
            self.region_w[b] += w
        self.lab[i] = b


def connected_without(nbrs, lab, i: int, size_r: int) -> bool:
    """Whether unit ``i``'s region stays connected (and non-empty) without ``i``.

    ``nbrs`` are neighbour lists, ``lab`` labels per unit and ``size_r`` the number of
    units of ``i``'s region (``i`` included). A breadth-first search from one
    neighbour of ``i`` in its region must reach all ``size_r - 1`` others.

    Examples
    --------
    >>> connected_without([[1], [0, 2], [1]], [0, 0, 0], 1, 3)
    False
    >>> connected_without([[1], [0, 2], [1]], [0, 0, 0], 2, 3)
    True
    """
    r = lab[i]
    start = next((j for j in nbrs[i] if lab[j] == r), None)
    if start is None:
        return False
    seen = {i, start}
    dq = deque([start])
    while dq:
        u = dq.popleft()
        for v in nbrs[u]:
            if lab[v] == r and v not in seen:
                seen.add(v)
                dq.append(v)
    return len(seen) == size_r
