"""Fast, seeded heuristics: a warm start for the integer program and a baseline.

:func:`greedy_regions` grows ``k`` contiguous regions from far-apart seeds and then
improves them by local search (moving boundary units between neighbouring regions
while every region stays connected): first the bound violations, then the
objective of the spec (the same weighted terms the model minimises). It is
deterministic for a given ``seed``.
"""

from __future__ import annotations

import math
import time
from collections import deque

import networkx as nx
import numpy as np
import pandas as pd

from ..landscape.coverage import Landscape
from ..spec import RegionSpec

__all__ = ["greedy_regions", "improve", "repair", "from_partition", "warm_start_labels"]


class _State:
    """Incremental evaluation of violations and objective for one assignment."""

    def __init__(self, model, lab: np.ndarray, q: int):
        self.m = model
        self.n = model.n
        self.q = q
        self.lab = lab.copy()
        # bounds as absolute (column weights, lower, upper, scale)
        self.bounds = []
        spec = model.spec
        from .model import _weights

        for b in spec.bounds:
            w = _weights(model.landscape, b.column)
            f = float(w.sum()) / q if b.relative else 1.0
            lo = None if b.lower is None else b.lower * f
            up = None if b.upper is None else b.upper * f
            self.bounds.append((w, lo, up, max(float(w.sum()) / q, 1e-9)))
        if spec.min_units is not None or spec.max_units is not None:
            self.bounds.append((np.ones(self.n), spec.min_units, spec.max_units, self.n / q))
        self.loads = [np.bincount(lab, weights=w, minlength=q).astype(float)
                      for w, *_ in self.bounds]
        self.size = np.bincount(lab, minlength=q)
        self.island_labels = {int(lab[c[0]]) for c in model.islands}
        # collaborations
        self.collabs = []  # (coef, members, weights)
        for term in ("split", "alignment", "stay_close"):
            for g in model.groups[term]:
                for m, w in g.members:
                    self.collabs.append((g.coef, m, w))
        self.of_unit: list[list[tuple[int, float]]] = [[] for _ in range(self.n)]
        self.cload: list[dict[int, float]] = []
        for ci, (_, m, w) in enumerate(self.collabs):
            d: dict[int, float] = {}
            for i, wi in zip(m, w, strict=True):
                self.of_unit[i].append((ci, float(wi)))
                d[lab[i]] = d.get(lab[i], 0.0) + float(wi)
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
                    self.alli[lab[i], a] += w[i]
            self.region_w = np.bincount(lab, weights=w, minlength=q)

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
            do -= self.collabs[ci][0] * (after - before)
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


def _region_connected_without(nbrs, lab, i, size_r) -> bool:
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


def improve(model, lab: np.ndarray, *, q: int | None = None, time_budget: float = 5.0,
            max_passes: int = 50) -> np.ndarray:
    """Local search on model labels: fix bound violations, then lower the objective.

    Moves one boundary unit at a time to a neighbouring region, keeping every region
    connected and non-empty. Deterministic (units and regions scanned in order).
    """
    q = int(lab.max()) + 1 if q is None else q
    st = _State(model, lab, q)
    nbrs = model.nbrs
    t0 = time.perf_counter()
    for _ in range(max_passes):
        improved = False
        for i in range(st.n):
            if time.perf_counter() - t0 > time_budget:
                return st.lab
            a = st.lab[i]
            cands = sorted({st.lab[j] for j in nbrs[i]} - {a})
            if not cands:
                continue
            best = None
            for b in cands:
                dv, do = st.move_delta(i, b)
                key = (round(dv, 12), round(do, 12), b)
                if (dv < -1e-9 or (abs(dv) <= 1e-9 and do < -1e-9)) and (best is None or key < best):
                    best = key
            if best is None:
                continue
            if not _region_connected_without(nbrs, st.lab, i, int(st.size[a])):
                continue
            st.apply(i, best[2])
            improved = True
        if not improved:
            break
    return st.lab


def _seeds(model, q: int, rng: np.random.Generator, weight: np.ndarray) -> list[int]:
    G = model._ig()
    island = np.zeros(model.n, dtype=bool)
    for comp in model.islands:
        island[comp] = True
    first = int(np.argmax(np.where(island, -1.0, weight + rng.random(model.n) * 1e-9)))
    seeds = [first]
    dist = np.array([np.inf] * model.n)
    for _ in range(q - 1):
        d = nx.single_source_shortest_path_length(G, seeds[-1])
        dist = np.minimum(dist, [d.get(i, np.inf) for i in range(model.n)])
        score = np.where(np.isfinite(dist), dist, -1.0) + rng.random(model.n) * 0.5
        score[seeds] = -1
        score[island] = -1
        seeds.append(int(np.argmax(score)))
    return seeds


def _grow(model, q: int, seeds: list[int], weight: np.ndarray, upper: float | None) -> np.ndarray:
    n = model.n
    lab = -np.ones(n, dtype=int)
    load = np.zeros(q + len(model.islands))
    for ci, comp in enumerate(model.islands):
        lab[comp] = q + ci
    for r, s in enumerate(seeds):
        lab[s] = r
        load[r] = weight[s]
    active = set(range(q))
    affinity = [dict() for _ in range(n)]
    for a, b, d in model.edges:
        affinity[a][b] = d + 1.0
        affinity[b][a] = d + 1.0
    while active:
        r = min(active, key=lambda t: (load[t], t))
        members = np.flatnonzero(lab == r)
        frontier = {}
        for i in members:
            for j, d in affinity[i].items():
                if lab[j] < 0:
                    frontier[j] = frontier.get(j, 0.0) + d
        if not frontier:
            active.discard(r)
            continue
        j = max(frontier, key=lambda u: (frontier[u], -u))
        if upper is not None and load[r] + weight[j] > upper and load[r] > 0:
            # try a lighter frontier unit
            light = [u for u in frontier if load[r] + weight[u] <= upper]
            if not light:
                active.discard(r)
                continue
            j = max(light, key=lambda u: (frontier[u], -u))
        lab[j] = r
        load[r] += weight[j]
    # leftovers: attach to the lightest neighbouring region (repeat until done)
    while (lab < 0).any():
        progress = False
        for i in np.flatnonzero(lab < 0):
            regs = {lab[j] for j in model.nbrs[i] if lab[j] >= 0}
            if regs:
                r = min(regs, key=lambda t: (load[t], t))
                lab[i] = r
                load[r] += weight[i]
                progress = True
        if not progress:  # pragma: no cover - graph is connected
            break
    return lab


def repair(model, lab: np.ndarray) -> np.ndarray:
    """Make every region connected: keep each region's heaviest piece, give the other
    pieces to a neighbouring region (the lightest), repeat until connected."""
    lab = np.asarray(lab).copy()
    G = model._ig()
    weight = _primary_weight(model)
    for _ in range(model.n):
        changed = False
        for r in sorted(set(lab.tolist())):
            members = np.flatnonzero(lab == r).tolist()
            pieces = [sorted(c) for c in nx.connected_components(G.subgraph(members))]
            if len(pieces) <= 1:
                continue
            pieces.sort(key=lambda c: (-weight[c].sum(), c[0]))
            for piece in pieces[1:]:
                regs = sorted({lab[j] for i in piece for j in model.nbrs[i]} - {r})
                if not regs:
                    continue
                loads = {t: weight[lab == t].sum() for t in regs}
                t = min(regs, key=lambda u: (loads[u], u))
                lab[piece] = t
                changed = True
        if not changed:
            break
    # relabel to 0..q-1
    _, lab = np.unique(lab, return_inverse=True)
    return lab


def _primary_weight(model) -> np.ndarray:
    from .model import _weights

    if model.spec.bounds:
        return _weights(model.landscape, model.spec.bounds[0].column)
    return np.ones(model.n)


def _choose_q(model) -> int:
    if model.k_min == model.k_max:
        return model.k_min
    q = model.k_min
    from .model import _weights

    for b in model.spec.bounds:
        if b.upper is not None and not b.relative and b.upper > 0:
            total = float(_weights(model.landscape, b.column).sum())
            q = max(q, int(np.ceil(total / b.upper)))
    return min(q, model.k_max)


def from_partition(model, assignment, *, time_budget: float = 2.0) -> np.ndarray | None:
    """Model labels of a plan derived from a (partial) partition, e.g. the reference layer.

    Units without a region join a neighbouring region, disconnected pieces are repaired
    (:func:`repair`) and the local search of :func:`improve` then works off bound
    violations and lowers the objective. Returns None when the number of regions does
    not fit the model.
    """
    lab = -np.ones(model.n, dtype=int)
    ids: dict[object, int] = {}
    for i, code in enumerate(model.codes):
        reg = assignment.get(code) if hasattr(assignment, "get") else None
        if reg is not None and reg == reg:
            lab[i] = ids.setdefault(reg, len(ids))
    if (lab < 0).all():
        return None
    for _ in range(model.n):
        missing = np.flatnonzero(lab < 0)
        if not len(missing):
            break
        for i in missing:
            regs = sorted({lab[j] for j in model.nbrs[i] if lab[j] >= 0})
            if regs:
                lab[i] = regs[0]
    if (lab < 0).any():
        return None
    lab = repair(model, lab)
    lab = _adjust_count(model, lab, _choose_q(model))
    q = int(lab.max()) + 1
    if not model.k_min <= q <= model.k_max:
        return None
    return improve(model, lab, q=q, time_budget=time_budget)


def _split_region(model, lab: np.ndarray, r: int, weight: np.ndarray, new: int) -> None:
    """Split region r in two connected halves grown from two far-apart members."""
    G = model._ig()
    members = np.flatnonzero(lab == r).tolist()
    sub = G.subgraph(members)
    a = members[0]
    d = nx.single_source_shortest_path_length(sub, a)
    b = max(d, key=lambda u: (d[u], -u))
    d = nx.single_source_shortest_path_length(sub, b)
    a = max(d, key=lambda u: (d[u], -u))
    side = {a: 0, b: 1}
    load = [weight[a], weight[b]]
    frontier = [deque(sorted(sub[a])), deque(sorted(sub[b]))]
    while len(side) < len(members):
        t = 0 if load[0] <= load[1] else 1
        if not frontier[t]:
            t = 1 - t
            if not frontier[t]:
                break
        u = frontier[t].popleft()
        if u in side:
            continue
        side[u] = t
        load[t] += weight[u]
        frontier[t].extend(sorted(v for v in sub[u] if v not in side))
    for u, t in side.items():
        if t == 1:
            lab[u] = new


def _adjust_count(model, lab: np.ndarray, q: int) -> np.ndarray:
    """Split the heaviest regions / merge the lightest into a neighbour until q regions."""
    lab = lab.copy()
    weight = _primary_weight(model)
    while int(lab.max()) + 1 < q:
        loads = np.bincount(lab, weights=weight)
        sizes = np.bincount(lab)
        order = [r for r in np.argsort(-loads, kind="stable") if sizes[r] >= 2]
        if not order:
            break
        _split_region(model, lab, int(order[0]), weight, int(lab.max()) + 1)
    while int(lab.max()) + 1 > q:
        loads = np.bincount(lab, weights=weight)
        r = int(np.argmin(loads))
        nbrs = sorted({lab[j] for i in np.flatnonzero(lab == r) for j in model.nbrs[i]} - {r})
        if not nbrs:
            break
        t = min(nbrs, key=lambda u: (loads[u], u))
        lab[lab == r] = t
        _, lab = np.unique(lab, return_inverse=True)
    return lab


def _one_start(model, q: int, seed: int, time_budget: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weight = _primary_weight(model)
    upper = None
    if model.spec.bounds:
        b = model.spec.bounds[0]
        if b.upper is not None:
            upper = b.upper * (float(weight.sum()) / q if b.relative else 1.0)
    q_main = max(q - len(model.islands), 1)
    seeds = _seeds(model, q_main, rng, weight)
    lab = _grow(model, q_main, seeds, weight, upper)
    lab = repair(model, lab)
    if lab.max() + 1 == q:
        lab = improve(model, lab, q=q, time_budget=time_budget)
    return lab


def warm_start_labels(model, *, seed: int = 0, time_budget: float = 5.0,
                      starts: int = 20) -> np.ndarray:
    """Model labels of a heuristic plan: multi-start region growing + local search.

    Runs up to ``starts`` seeded starts (seeds ``seed, seed + 1, ...``; at least one,
    more while ``time_budget`` lasts) and keeps the plan with the smallest bound
    violation, then the smallest objective. Deterministic for a given budget that is
    not hit; a run cut short by the budget still uses whole starts only.
    """
    q = _choose_q(model)
    t0 = time.perf_counter()
    best = None
    for s in range(seed, seed + max(starts, 1)):
        elapsed = time.perf_counter() - t0
        if best is not None and elapsed > time_budget:
            break
        lab = _one_start(model, q, s, max(time_budget - elapsed, 0.2))
        if lab.max() + 1 != q:
            continue
        st = _State(model, lab, q)
        key = (round(st.violation(), 9),
               round(float(sum(model.evaluate(dict(zip(model.codes, lab, strict=True))).values())),
                     12))
        if best is None or key < best[0]:
            best = (key, lab)
    if best is None:
        return _one_start(model, q, seed, 0.2)
    return best[1]


def greedy_regions(
    landscape: Landscape,
    spec: RegionSpec,
    *,
    graph: nx.Graph | None = None,
    seed: int = 0,
    starts: int = 8,
    time_budget: float | None = None,
) -> pd.Series:
    """A contiguous plan by region growing and local search (a baseline / warm start).

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
        Number of regions, bounds and objective (locks are not enforced here).
    graph : networkx.Graph, optional
        The unit graph (built from the landscape when omitted).
    seed : int, default 0
        Seed for the tie-breaking noise; same seed and ``starts``, same plan.
    starts : int, default 8
        Seeded starts (region growing + local search each); the best is kept.
    time_budget : float, optional
        Wall-clock cap in seconds. A run cut short by it depends on machine speed;
        without it the result depends only on the inputs, ``seed`` and ``starts``.

    Returns
    -------
    Series
        Region label (``"H1"``, ``"H2"``, ... numbered by each region's first unit code)
        per unit code; every region is connected.
        Bounds are met where the search managed to (check with
        :func:`rato_opt.assess.plan.verify_plan`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape.units import validate_units
    >>> from rato_opt.landscape.layers import Layer
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abcdef"),
    ...     "population": [1, 1, 1, 1, 1, 1]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(6)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(units, [Layer.from_partition("sop", dict(zip("abcdef", "111222")))])
    >>> greedy_regions(land, RegionSpec(k=2)).tolist()
    ['H1', 'H1', 'H1', 'H2', 'H2', 'H2']
    """
    from .model import RegionModel, model_graph

    graph = model_graph(landscape, spec, graph=graph)
    model = RegionModel(landscape, spec, graph, formulation="cuts", _light=True)
    lab = warm_start_labels(model, seed=seed, starts=starts,
                            time_budget=math.inf if time_budget is None else time_budget)
    lab = model.labels_of(dict(zip(model.codes, lab, strict=True)))  # ordered by first unit
    width = len(str(int(lab.max()) + 1))
    return pd.Series([f"H{r + 1:0{width}d}" for r in lab], index=pd.Index(model.codes, name="code"),
                     name="region")
