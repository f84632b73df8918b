"""Seeded region growing on the unit graph: the building block of the synthetic layers.

The unit graph is held as sorted neighbour lists of unit positions
(:func:`adjacency_lists`); :func:`grow_partition` splits it into balanced contiguous
parts and :func:`grow_one` grows one compact connected set.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from ...landscape import build_graph, components

__all__ = [
    "adjacency_lists",
    "components_in",
    "is_connected",
    "largest_remainder",
    "grow_partition",
    "relabel",
    "grow_one",
]


def adjacency_lists(
    units: gpd.GeoDataFrame, links: pd.DataFrame | None, *, bridge: bool = False
) -> list[list[int]]:
    """Sorted neighbour lists (positions in ``units``) of the unit graph with its links.

    With ``bridge=True`` every component that touches nothing else is joined to
    its nearest unit (a virtual edge used only for growing collaborations on
    real maps that come without ferry links, so islands join collaborations
    across the water as real ones do).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> units = gpd.GeoDataFrame(index=["a", "b", "c"], crs="EPSG:28992",
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 0, 6, 1)])
    >>> adjacency_lists(units, None), adjacency_lists(units, None, bridge=True)
    ([[1], [0], []], [[1], [0, 2], [1]])
    """
    graph = build_graph(units, links=links)
    pos = {code: i for i, code in enumerate(units.index)}
    adj: list[list[int]] = [[] for _ in range(len(units))]
    for a, b in graph.edges():
        adj[pos[a]].append(pos[b])
        adj[pos[b]].append(pos[a])
    comps = components(graph)
    if bridge and len(comps) > 1:
        geoms = units.geometry.to_numpy()
        main = np.array([pos[c] for c in comps[0]])
        for comp in comps[1:]:
            idx = np.array([pos[c] for c in comp])
            (src, dst), dist = shapely.STRtree(geoms[main]).query_nearest(
                geoms[idx], return_distance=True, all_matches=False
            )
            k = int(np.argmin(dist))
            a, b = int(idx[src[k]]), int(main[dst[k]])
            adj[a].append(b)
            adj[b].append(a)
            main = np.concatenate([main, idx])
    return [sorted(nb) for nb in adj]


def components_in(adj: list[list[int]], allowed: np.ndarray) -> list[list[int]]:
    """Connected components (sorted node lists) of the subgraph on ``allowed`` nodes.

    Examples
    --------
    >>> import numpy as np
    >>> components_in([[1], [0, 2], [1, 3], [2]], np.array([True, True, False, True]))
    [[0, 1], [3]]
    """
    seen = ~allowed.copy()
    out = []
    for start in range(len(adj)):
        if seen[start]:
            continue
        seen[start] = True
        comp, stack = [start], [start]
        while stack:
            v = stack.pop()
            for u in adj[v]:
                if not seen[u]:
                    seen[u] = True
                    comp.append(u)
                    stack.append(u)
        out.append(sorted(comp))
    return out


def is_connected(adj: list[list[int]], members: Sequence[int]) -> bool:
    """Whether ``members`` induce a connected subgraph (True when empty).

    Examples
    --------
    >>> adj = [[1], [0, 2], [1, 3], [2]]
    >>> is_connected(adj, [0, 1]), is_connected(adj, [0, 2])
    (True, False)
    """
    members = list(members)
    if len(members) <= 1:
        return True
    inside = set(members)
    seen = {members[0]}
    stack = [members[0]]
    while stack:
        v = stack.pop()
        for u in adj[v]:
            if u in inside and u not in seen:
                seen.add(u)
                stack.append(u)
    return len(seen) == len(inside)


def _hop_matrix(adj: list[list[int]], comp: list[int]) -> sparse.csr_matrix:
    """Unweighted adjacency matrix of the subgraph induced by ``comp`` (local positions)."""
    local = {v: i for i, v in enumerate(comp)}
    rows, cols = [], []
    for v in comp:
        for u in adj[v]:
            if u in local:
                rows.append(local[v])
                cols.append(local[u])
    data = np.ones(len(rows))
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(comp), len(comp)))


def largest_remainder(sizes: Sequence[float], k: int, minimum: int = 1) -> list[int]:
    """Split ``k`` over parts in proportion to ``sizes`` (each at least ``minimum``).

    Examples
    --------
    >>> largest_remainder([1, 1, 2], 5)
    [2, 1, 2]
    """
    sizes = np.asarray(sizes, dtype=float)
    k = max(k, minimum * len(sizes))
    quota = sizes / sizes.sum() * (k - minimum * len(sizes))
    out = np.floor(quota).astype(int)
    order = np.argsort(-(quota - out), kind="stable")
    out[order[: int(k - minimum * len(sizes) - out.sum())]] += 1
    return [int(x) + minimum for x in out]


def grow_partition(
    adj: list[list[int]],
    k: int,
    rng: np.random.Generator,
    *,
    allowed: np.ndarray | None = None,
    weight: np.ndarray | None = None,
    spread: float = 0.3,
) -> np.ndarray:
    """Seeded, balanced region growing: split the ``allowed`` nodes into contiguous parts.

    Each connected component of the allowed subgraph gets at least one part
    (so the result may have more than ``k`` parts). Seeds are spread out
    (k-means++ on hop distance); the part furthest below its random target
    size grows next, taking the frontier node with most neighbours inside it.

    Returns
    -------
    ndarray of int
        Part label per node, ``0 .. parts-1`` ordered by smallest member;
        ``-1`` for nodes that are not allowed.

    Examples
    --------
    >>> import numpy as np
    >>> grow_partition([[1], [0, 2], [1, 3], [2]], 2, np.random.default_rng(0)).tolist()
    [0, 0, 1, 1]
    """
    n = len(adj)
    allowed = np.ones(n, bool) if allowed is None else allowed
    w = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
    labels = np.full(n, -1)
    comps = components_in(adj, allowed)
    if not comps:
        return labels
    ks = largest_remainder([w[c].sum() + 1e-9 for c in comps], k)
    ks = [min(kc, len(c)) for kc, c in zip(ks, comps, strict=True)]
    # Parts a small component cannot hold go to the components with room left.
    spare = max(k, len(comps)) - sum(ks)
    for i in np.argsort([-len(c) for c in comps], kind="stable"):
        extra = min(spare, len(comps[i]) - ks[i])
        ks[i] += extra
        spare -= extra
    tie = rng.random(n)
    next_label = 0
    for comp, kc in zip(comps, ks, strict=True):
        in_comp = np.zeros(n, bool)
        in_comp[comp] = True
        comp_arr = np.array(comp)
        hops = _hop_matrix(adj, comp)
        first = int(rng.integers(len(comp_arr)))
        seeds = [int(comp_arr[first])]
        nearest = csgraph.shortest_path(hops, unweighted=True, indices=first)
        while len(seeds) < kc:
            p = nearest**2
            p = p / p.sum()
            j = int(rng.choice(len(comp_arr), p=p))
            seeds.append(int(comp_arr[j]))
            nearest = np.minimum(nearest, csgraph.shortest_path(hops, unweighted=True, indices=j))
        total = w[comp_arr].sum()
        targets = rng.lognormal(0.0, spread, kc)
        targets = targets / targets.sum() * total
        size = np.zeros(kc)
        frontier: list[dict[int, int]] = [{} for _ in range(kc)]
        heap = []
        for r, s in enumerate(seeds):
            labels[s] = next_label + r
        for r, s in enumerate(seeds):
            size[r] = w[s]
            for u in adj[s]:
                if in_comp[u] and labels[u] < 0:
                    frontier[r][u] = frontier[r].get(u, 0) + 1
            heapq.heappush(heap, (size[r] / targets[r], r))
        while heap:
            _, r = heapq.heappop(heap)
            fr = frontier[r]
            for u in [u for u in fr if labels[u] >= 0]:
                del fr[u]
            if not fr:
                continue
            v = max(fr, key=lambda u: fr[u] + 0.9 * tie[u])
            del fr[v]
            labels[v] = next_label + r
            size[r] += w[v]
            for u in adj[v]:
                if in_comp[u] and labels[u] < 0:
                    fr[u] = fr.get(u, 0) + 1
            heapq.heappush(heap, (size[r] / targets[r], r))
        next_label += kc
    return relabel(labels)


def relabel(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0.. in order of each part's smallest node.

    Examples
    --------
    >>> import numpy as np
    >>> relabel(np.array([2, 2, -1, 0])).tolist()
    [0, 0, -1, 1]
    """
    out = np.full(len(labels), -1)
    mapping: dict[int, int] = {}
    for i, lab in enumerate(labels):
        if lab < 0:
            continue
        if lab not in mapping:
            mapping[int(lab)] = len(mapping)
        out[i] = mapping[int(lab)]
    return out


def grow_one(
    adj: list[list[int]], seed: int, size: int, allowed: np.ndarray, rng: np.random.Generator
) -> list[int]:
    """A compact connected set of up to ``size`` allowed nodes around ``seed``.

    Examples
    --------
    >>> import numpy as np
    >>> adj = [[1], [0, 2], [1, 3], [2]]
    >>> grow_one(adj, 1, 2, np.ones(4, bool), np.random.default_rng(0))
    [0, 1]
    """
    members = [seed]
    inside = {seed}
    frontier: dict[int, int] = {}
    for u in adj[seed]:
        if allowed[u]:
            frontier[u] = frontier.get(u, 0) + 1
    while len(members) < size and frontier:
        v = max(frontier, key=lambda u: frontier[u] + 0.9 * rng.random())
        del frontier[v]
        members.append(v)
        inside.add(v)
        for u in adj[v]:
            if allowed[u] and u not in inside:
                frontier[u] = frontier.get(u, 0) + 1
    return sorted(members)
