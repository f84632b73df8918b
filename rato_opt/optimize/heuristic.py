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

from ..landscape import Landscape
from ..spec import RegionSpec
from .moves import MoveState, connected_without
from .problem import as_problem, compile_problem

__all__ = ["greedy_regions", "improve", "repair", "from_partition", "warm_start_labels"]


def improve(problem, lab: np.ndarray, *, q: int | None = None, time_budget: float = 5.0,
            max_passes: int = 50) -> np.ndarray:
    """Local search on model labels: fix bound violations, then lower the objective.

    Moves one boundary unit at a time to a neighbouring region, keeping every region
    connected and non-empty. Units a lock names (and island units) are not moved, and a
    region holding an ``own_region`` group takes no unit in and gives none out, as in
    the annealing. Deterministic (units and regions scanned in order).
    """
    model = as_problem(problem)
    q = int(lab.max()) + 1 if q is None else q
    st = MoveState(model, lab, q)
    nbrs = model.nbrs
    frozen, own = model.frozen_units()
    closed = {int(st.lab[i]) for i in own}
    t0 = time.perf_counter()
    for _ in range(max_passes):
        improved = False
        for i in range(st.n):
            if time.perf_counter() - t0 > time_budget:
                return st.lab
            a = st.lab[i]
            if frozen[i] or a in closed:
                continue
            cands = sorted({st.lab[j] for j in nbrs[i]} - {a} - closed)
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
            if not connected_without(nbrs, st.lab, i, int(st.size[a])):
                continue
            st.apply(i, best[2])
            improved = True
        if not improved:
            break
    return st.lab


def _seeds(model, q: int, rng: np.random.Generator, weight: np.ndarray) -> list[int]:
    G = model.int_graph
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


def repair(problem, lab: np.ndarray) -> np.ndarray:
    """Make every region connected: keep each region's heaviest piece, give the other
    pieces to a neighbouring region (the lightest), repeat until connected."""
    model = as_problem(problem)
    lab = np.asarray(lab).copy()
    G = model.int_graph
    weight = model.primary_weight
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


def from_partition(problem, assignment, *, time_budget: float = 2.0) -> np.ndarray | None:
    """Model labels of a plan derived from a (partial) partition, e.g. the reference layer.

    Units without a region join a neighbouring region, disconnected pieces are repaired
    (:func:`repair`) and the local search of :func:`improve` then works off bound
    violations and lowers the objective. Returns None when the number of regions does
    not fit the model.
    """
    model = as_problem(problem)
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
    lab = _adjust_count(model, lab, model.choose_q())
    q = int(lab.max()) + 1
    if not model.k_min <= q <= model.k_max:
        return None
    return improve(model, lab, q=q, time_budget=time_budget)


def _split_region(model, lab: np.ndarray, r: int, weight: np.ndarray, new: int) -> None:
    """Split region r in two connected halves grown from two far-apart members."""
    G = model.int_graph
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
    weight = model.primary_weight
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
    weight = model.primary_weight
    upper = model.bounds[0].limits(q)[1] if model.spec.bounds else None
    q_main = max(q - len(model.islands), 1)
    seeds = _seeds(model, q_main, rng, weight)
    lab = _grow(model, q_main, seeds, weight, upper)
    lab = repair(model, lab)
    if lab.max() + 1 == q:
        lab = improve(model, lab, q=q, time_budget=time_budget)
    return lab


def warm_start_labels(problem, *, seed: int = 0, time_budget: float = 5.0,
                      starts: int = 20) -> np.ndarray:
    """Model labels of a heuristic plan: multi-start region growing + local search.

    Runs up to ``starts`` seeded starts (seeds ``seed, seed + 1, ...``; at least one,
    more while ``time_budget`` lasts) and keeps the plan with the smallest bound
    violation, then the smallest objective. Deterministic for a given budget that is
    not hit; a run cut short by the budget still uses whole starts only.
    """
    model = as_problem(problem)
    q = model.choose_q()
    t0 = time.perf_counter()
    best = None
    for s in range(seed, seed + max(starts, 1)):
        elapsed = time.perf_counter() - t0
        if best is not None and elapsed > time_budget:
            break
        lab = _one_start(model, q, s, max(time_budget - elapsed, 0.2))
        if lab.max() + 1 != q:
            continue
        st = MoveState(model, lab, q)
        key = (round(st.violation(), 9), round(model.objective(lab), 12))
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
    problem = compile_problem(landscape, spec, graph=graph)
    lab = warm_start_labels(problem, seed=seed, starts=starts,
                            time_budget=math.inf if time_budget is None else time_budget)
    return problem.assignment(lab, prefix="H")
