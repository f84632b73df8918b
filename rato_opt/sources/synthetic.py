"""The seeded synthetic country: rato_opt's embedded default landscape.

rato_opt ships no data files. :func:`make_country` generates, from a seed, a
made-up country in the Dutch RD coordinate range (EPSG:28992) with everything
the library works on: base units with weights, overlapping collaboration
layers, witte vlekken and offshore units joined by ferry and tunnel links.
:func:`synthetic_overlays` puts the same kind of (clearly labelled) synthetic
collaboration layers on any real base map, and :func:`load_default` returns
the cached default country.

Nothing here describes a real division: unit names, weights and
collaborations are invented. The generator is deterministic: the same
``(n_units, seed, islands)`` gives identical geometry, weights and layers in
every run (only numpy's seeded generators are used, never hash or set order).

How the country is made
-----------------------
1. A smooth irregular outline (Chaikin-smoothed, seeded perturbation of a
   rough country shape) is tiled by the Voronoi cells of seeded points, denser
   near a few seeded cities, after one Lloyd relaxation step.
2. With ``islands=True`` a few elliptic offshore units (Wadden-like) and a
   detached group of 2–3 units (Zeeuws-Vlaanderen-like) are added; ferry and
   tunnel links join them to the mainland.
3. Weights: ``population`` follows a heavy-tailed density field (a few big
   cities, many small units), scaled to a national total of 17–18 million;
   pupils are noisy shares of it; ``shortage_fte`` grows with pupils and is
   higher in the cities.
4. Layers are grown by seeded, balanced region growing on the unit graph
   (:func:`rato_opt.landscape.graph.build_graph` with the links), so every partition
   part and every collaboration is contiguous.

Layers of :func:`make_country`
------------------------------
``province``
    ~12 contiguous parts (a partition).
``amr``
    ~35 arbeidsmarktregio's, a partition nested in the provinces except for
    a few units moved across a province border.
``rap_po``, ``rap_vo``
    ~43 and ~28 contiguous regional collaborations: partition-like, with a
    few units in two collaborations and a few in none.
``sop``
    ~80 overlapping SO&P partnerships, built as buffered polygons
    (:meth:`Layer.from_polygons`), so area shares are fractional; units are
    covered 0, 1, 2 or 3+ times.
``alliance``
    7 regional zones plus 2 national alliances that cover every unit.

A few units (the *witte vlekken*) lie in no ``rap_po``, ``rap_vo`` or ``sop``
collaboration, so ``white_spots(land, layers=["rap_po", "rap_vo", "sop"])``
is non-empty. ``white_spots(land)`` over *all* layers is empty: the
partitions (``province``, ``amr``) and the national alliances cover every
unit, as in reality.

Counts scale down for small countries (``n_units`` < 340) and stay fixed
above, so finer units give larger collaborations in units, as when one moves
from gemeenten to wijken.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from ..exceptions import InputError
from ..landscape.coverage import Landscape
from ..landscape.graph import build_graph, components
from ..landscape.layers import Layer
from ..landscape.units import RD_NEW, validate_units

__all__ = ["make_country", "synthetic_overlays", "load_default", "LAYER_KINDS"]

#: Layer kinds the generators can make.
LAYER_KINDS = ("province", "amr", "rap_po", "rap_vo", "sop", "alliance")

#: Collaboration counts of a full-size country (``n_units >= 340``).
_BASE_COUNTS = {"province": 12, "amr": 35, "rap_po": 43, "rap_vo": 28, "sop": 80, "alliance": 7}
_MIN_COUNTS = {"province": 2, "amr": 3, "rap_po": 3, "rap_vo": 3, "sop": 4, "alliance": 2}
_FULL_SIZE = 340
_MIN_UNITS = 30

# Salts of the seeded random streams, one per concern, so that changing one
# layer's generator does not change the others.
_SALT = {
    "outline": 1,
    "points": 2,
    "islands": 3,
    "weights": 4,
    "names": 5,
    "white": 6,
    "province": 11,
    "amr": 12,
    "rap_po": 13,
    "rap_vo": 14,
    "sop": 15,
    "alliance": 16,
    "province_names": 17,
}

# A rough country shape (km, RD), clockwise from the south tip.
_OUTLINE_KM = np.array(
    [
        (198, 310), (206, 335), (208, 362), (199, 395), (212, 424), (240, 440), (262, 456),
        (266, 486), (254, 506), (268, 540), (272, 575), (262, 598), (230, 605), (192, 598),
        (160, 588), (136, 570), (114, 553), (104, 520), (94, 490), (78, 462), (62, 446),
        (44, 427), (26, 402), (36, 387), (62, 388), (92, 386), (124, 381), (150, 380),
        (174, 370), (180, 344), (188, 318),
    ],
    dtype=float,
)
# Centres (km) and half-axes (km) of Wadden-like islands, west to east.
_ISLANDS_KM = [(112, 572, 7.0, 2.4), (140, 596, 9.0, 2.2), (172, 608, 10.0, 2.4),
               (204, 613, 8.0, 2.0), (232, 614, 6.0, 1.8)]
# A Zeeuws-Vlaanderen-like detached strip (km).
_STRIP_KM = np.array([(18, 370), (30, 378), (52, 379), (74, 376), (80, 366), (62, 359),
                      (40, 362), (22, 362)], dtype=float)

_PREFIXES = (
    "Aal", "Ber", "Bos", "Bree", "Dor", "Drie", "Eem", "Ger", "Graf", "Haar", "Hee", "Hol",
    "Kam", "Ker", "Lan", "Lee", "Mar", "Mid", "Nij", "Oos", "Oud", "Rijn", "Ros", "Sche",
    "Sle", "Sto", "Ter", "Uit", "Val", "Vel", "Vli", "Vree", "Wal", "Wes", "Wie", "Wou",
    "Zaan", "Zee", "Zwa", "Ees", "Hel", "Lith", "Maas", "Nes", "Put", "Ree", "Tie", "Elst",
)
_MIDDLES = ("", "", "", "", "en", "er", "el", "ster", "ke", "le", "de")
_SUFFIXES = (
    "dam", "dijk", "drecht", "broek", "burg", "hoven", "horst", "huizen", "kerk", "meer",
    "rode", "veen", "vliet", "wijk", "wolde", "zande", "loo", "ingen", "um", "sel", "berg",
    "hout", "schot", "dorp", "mond", "oord", "gaast", "zijl", "wier", "lo", "rade", "voort",
)
_REGION_SUFFIXES = ("land", "mark", "gouw", "waard", "kwartier", "ambacht", "veld")
_VOWELS = set("aeiouy")


# --------------------------------------------------------------------------- seeding
def _rng(seed: int, concern: str) -> np.random.Generator:
    """Independent seeded stream for one concern (no hash randomisation involved)."""
    return np.random.default_rng([int(seed), _SALT[concern]])


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _counts(n: int) -> dict[str, int]:
    """Collaboration count per layer kind for ``n`` units."""
    scale = min(1.0, n / _FULL_SIZE) ** 0.7
    cap = max(1, n // 3)
    out = {
        k: min(cap, max(_MIN_COUNTS[k], round(base * scale))) for k, base in _BASE_COUNTS.items()
    }
    out["amr"] = max(out["amr"], out["province"])
    return out


# --------------------------------------------------------------------------- names
def _compose(rng: np.random.Generator, suffixes: Sequence[str]) -> str:
    name = _PREFIXES[rng.integers(len(_PREFIXES))]
    for part in (_MIDDLES[rng.integers(len(_MIDDLES))], suffixes[rng.integers(len(suffixes))]):
        if not part:
            continue
        if name[-1] in _VOWELS and part[0] in _VOWELS:
            part = "n" + part
        if name[-1] == part[0] and name[-2:-1] == part[0]:
            part = part[1:]
        name += part
    return name


def _invent_names(
    rng: np.random.Generator, count: int, suffixes: Sequence[str] = _SUFFIXES
) -> list[str]:
    """``count`` unique, readable, made-up Dutch-sounding names."""
    names: list[str] = []
    seen: set[str] = set()
    qualifiers = ("Nieuw-{}", "Oud-{}", "{} aan de Vliet", "{}-Oost", "{}-West", "Sint-{}")
    attempts = 0
    while len(names) < count:
        attempts += 1
        name = _compose(rng, suffixes)
        if rng.random() < 0.05 or attempts > 20 * count:
            name = qualifiers[rng.integers(len(qualifiers))].format(name)
        if name in seen:
            if attempts > 200 * count:  # pragma: no cover - astronomically unlikely
                name = f"{name} {len(names) + 1}"
            else:
                continue
        seen.add(name)
        names.append(name)
    return names


def _unique_labels(labels: list[str]) -> list[str]:
    """Number repeated labels: ``X``, ``X 2``, ``X 3`` ..."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} {seen[label]}")
    return out


# --------------------------------------------------------------------------- geometry
def _chaikin(points: np.ndarray, iterations: int) -> np.ndarray:
    """Chaikin corner cutting of a closed ring (no repeated end point)."""
    for _ in range(iterations):
        q = np.roll(points, -1, axis=0)
        out = np.empty((2 * len(points), 2))
        out[0::2] = 0.75 * points + 0.25 * q
        out[1::2] = 0.25 * points + 0.75 * q
        points = out
    return points


def _smooth_shape(control_km: np.ndarray, rng: np.random.Generator, jitter_km: float) -> shapely.Polygon:
    """A smooth irregular polygon (metres) around perturbed control points."""
    pts = control_km + rng.normal(0.0, jitter_km, control_km.shape)
    # Insert perturbed midpoints to make the coast irregular.
    nxt = np.roll(pts, -1, axis=0)
    mid = (pts + nxt) / 2
    normal = np.stack([nxt[:, 1] - pts[:, 1], pts[:, 0] - nxt[:, 0]], axis=1)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
    mid += normal * rng.normal(0.0, jitter_km, (len(mid), 1))
    ring = np.empty((2 * len(pts), 2))
    ring[0::2], ring[1::2] = pts, mid
    poly = shapely.Polygon(_chaikin(ring, 3) * 1000.0)
    if not poly.is_valid:  # pragma: no cover - guard for extreme jitter
        poly = max(shapely.get_parts(shapely.make_valid(poly)), key=lambda g: g.area)
    return poly


def _ellipse(cx: float, cy: float, a: float, b: float, angle: float) -> shapely.Polygon:
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    x, y = a * np.cos(t), b * np.sin(t)
    c, s = np.cos(angle), np.sin(angle)
    return shapely.Polygon(np.stack([cx + c * x - s * y, cy + s * x + c * y], axis=1))


def _density(xy: np.ndarray, cities: np.ndarray) -> np.ndarray:
    """Settlement density at points ``xy`` (m); ``cities`` rows are x, y, amplitude, sigma."""
    d = 0.5 + 1.2 * np.exp(-(((xy[:, 0] - 100_000) / 70_000) ** 2))  # a denser west
    for cx, cy, amp, sigma in cities:
        d = d + amp * np.exp(-((xy[:, 0] - cx) ** 2 + (xy[:, 1] - cy) ** 2) / (2 * sigma**2))
    return d


def _sample_inside(
    poly: shapely.Polygon, count: int, rng: np.random.Generator, accept=None
) -> np.ndarray:
    """``count`` seeded points inside ``poly`` (rejection sampling, optional acceptance)."""
    xmin, ymin, xmax, ymax = poly.bounds
    shapely.prepare(poly)
    out = np.empty((0, 2))
    while len(out) < count:
        cand = rng.uniform((xmin, ymin), (xmax, ymax), (4 * count + 16, 2))
        cand = cand[shapely.contains_xy(poly, cand[:, 0], cand[:, 1])]
        if accept is not None:
            cand = cand[rng.random(len(cand)) < accept(cand)]
        out = np.concatenate([out, cand])
    return out[:count]


def _voronoi_tiles(points: np.ndarray, clip: shapely.Polygon, lloyd: int = 1) -> np.ndarray:
    """Voronoi cells of ``points`` clipped to ``clip``, each a single polygon."""
    box = shapely.box(*shapely.buffer(clip, 50_000).bounds)
    for step in range(lloyd + 1):
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(points), extend_to=box, ordered=True)
        )
        cells = shapely.intersection(cells, clip)
        if step < lloyd:
            centroids = shapely.centroid(cells)
            points = shapely.get_coordinates(centroids)
    return _single_parts(cells)


def _single_parts(cells: np.ndarray) -> np.ndarray:
    """Give detached pieces of clipped cells to the neighbour they share most border with."""
    cells = np.array(cells, dtype=object)
    for i in range(len(cells)):
        if shapely.get_num_geometries(cells[i]) <= 1:
            continue
        parts = sorted(shapely.get_parts(cells[i]), key=lambda g: -g.area)
        cells[i] = parts[0]
        for part in parts[1:]:
            touching = shapely.STRtree(cells).query(part, predicate="intersects")
            touching = [j for j in touching if j != i]
            if not touching:
                cells[i] = shapely.union(cells[i], part)
                continue
            shared = shapely.length(
                shapely.intersection(shapely.boundary(cells[touching]), shapely.buffer(part, 1.0))
            )
            j = touching[int(np.argmax(shared))]
            cells[j] = shapely.union(cells[j], part)
    return cells


@dataclass(frozen=True)
class _Geography:
    geoms: np.ndarray  # polygons, one per unit
    region: np.ndarray  # "main", "island" or "strip" per unit
    cities: np.ndarray  # x, y, amplitude, sigma


def _geography(n: int, seed: int, islands: bool) -> _Geography:
    rng = _rng(seed, "outline")
    mainland = _smooth_shape(_OUTLINE_KM, rng, 3.0)
    n_isl = min(len(_ISLANDS_KM), max(2, n // 60)) if islands else 0
    n_strip = (2 if n < 150 else 3) if islands else 0
    n_main = n - n_isl - n_strip

    crng = _rng(seed, "points")
    n_big, n_mid, n_small = 4, 10, 20
    centres = _sample_inside(shapely.buffer(mainland, -8_000), n_big + n_mid + n_small, crng)
    amp = np.concatenate([crng.uniform(25, 60, n_big), crng.uniform(6, 18, n_mid),
                          crng.uniform(2, 6, n_small)])
    sigma = np.concatenate([crng.uniform(5_000, 9_000, n_big), crng.uniform(3_000, 5_000, n_mid),
                            crng.uniform(2_000, 3_000, n_small)])
    cities = np.column_stack([centres, amp, sigma])
    peak = _density(centres, cities).max()
    points = _sample_inside(
        mainland, n_main, crng, accept=lambda xy: (_density(xy, cities) / peak) ** 0.3
    )
    geoms = list(_voronoi_tiles(points, mainland, lloyd=1))
    region = ["main"] * n_main

    irng = _rng(seed, "islands")
    if islands:
        keep_out = shapely.buffer(mainland, 2_500)
        for cx, cy, a, b in _ISLANDS_KM[:n_isl]:
            isl = _ellipse(
                (cx + irng.normal(0, 1.5)) * 1000, (cy + irng.normal(0, 0.8)) * 1000,
                a * 1000 * irng.uniform(0.8, 1.2), b * 1000 * irng.uniform(0.8, 1.2),
                irng.normal(0.15, 0.08),
            )
            isl = shapely.intersection(shapely.difference(isl, keep_out),
                                       shapely.box(10_000, 300_000, 280_000, 619_500))
            isl = max(shapely.get_parts(isl), key=lambda g: g.area)
            geoms.append(isl)
            region.append("island")
        strip = _smooth_shape(_STRIP_KM, irng, 1.0)
        strip = max(shapely.get_parts(shapely.difference(strip, keep_out)), key=lambda g: g.area)
        xmin, _, xmax, _ = strip.bounds
        xs = xmin + (xmax - xmin) * (np.arange(n_strip) + 0.5 + irng.uniform(-0.15, 0.15, n_strip)) / n_strip
        c = shapely.centroid(strip)
        seeds = np.column_stack([xs, np.full(n_strip, c.y) + irng.normal(0, 500, n_strip)])
        geoms.extend(_voronoi_tiles(seeds, strip, lloyd=0))
        region.extend(["strip"] * n_strip)
    return _Geography(np.array(geoms, dtype=object), np.array(region), cities)


# --------------------------------------------------------------------------- weights
def _weights(geo: _Geography, seed: int) -> pd.DataFrame:
    rng = _rng(seed, "weights")
    n = len(geo.geoms)
    xy = shapely.get_coordinates(shapely.point_on_surface(geo.geoms))
    dens = _density(xy, geo.cities)
    dens = np.where(geo.region == "main", dens, 0.25 * dens)
    area_km2 = shapely.area(geo.geoms) / 1e6
    raw = area_km2 * dens * rng.lognormal(0.0, 0.45, n)
    total = rng.uniform(17.2e6, 17.9e6)
    population = np.maximum(np.round(raw / raw.sum() * total), 200).astype(np.int64)

    def share(mean: float, noise: float) -> np.ndarray:
        return np.round(population * mean * rng.lognormal(0.0, noise, n)).astype(np.int64)

    urban = dens / (dens + 4.0)
    po, vo, mbo = share(0.09, 0.08), share(0.06, 0.1), share(0.03, 0.15)
    teachers = po / 20.0 + vo / 15.0
    rate = (0.03 + 0.09 * urban) * rng.lognormal(0.0, 0.25, n)
    shortage = np.maximum(np.round(teachers * rate, 1), 0.1)
    return pd.DataFrame(
        {
            "population": population,
            "pupils_po": po,
            "pupils_vo": vo,
            "pupils_mbo": mbo,
            "shortage_fte": shortage,
        }
    )


# --------------------------------------------------------------------------- graph helpers
def _adjacency(
    units: gpd.GeoDataFrame, links: pd.DataFrame | None, *, bridge: bool = False
) -> list[list[int]]:
    """Sorted neighbour lists (positions in ``units``) of the unit graph with its links.

    With ``bridge=True`` every component that touches nothing else is joined to
    its nearest unit (a virtual edge used only for growing collaborations on
    real maps that come without ferry links, so islands join collaborations
    across the water as real ones do).
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


def _components_in(adj: list[list[int]], allowed: np.ndarray) -> list[list[int]]:
    """Connected components (sorted node lists) of the subgraph on ``allowed`` nodes."""
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


def _connected(adj: list[list[int]], members: Sequence[int]) -> bool:
    """Whether ``members`` induce a connected subgraph (True when empty)."""
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


def _largest_remainder(sizes: Sequence[float], k: int, minimum: int = 1) -> list[int]:
    """Split ``k`` over parts in proportion to ``sizes`` (each at least ``minimum``)."""
    sizes = np.asarray(sizes, dtype=float)
    k = max(k, minimum * len(sizes))
    quota = sizes / sizes.sum() * (k - minimum * len(sizes))
    out = np.floor(quota).astype(int)
    order = np.argsort(-(quota - out), kind="stable")
    out[order[: int(k - minimum * len(sizes) - out.sum())]] += 1
    return [int(x) + minimum for x in out]


def _grow_partition(
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
    """
    n = len(adj)
    allowed = np.ones(n, bool) if allowed is None else allowed
    w = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
    labels = np.full(n, -1)
    comps = _components_in(adj, allowed)
    if not comps:
        return labels
    ks = _largest_remainder([w[c].sum() + 1e-9 for c in comps], k)
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
    return _relabel(labels)


def _relabel(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0.. in order of each part's smallest node."""
    out = np.full(len(labels), -1)
    mapping: dict[int, int] = {}
    for i, lab in enumerate(labels):
        if lab < 0:
            continue
        if lab not in mapping:
            mapping[int(lab)] = len(mapping)
        out[i] = mapping[int(lab)]
    return out


def _grow_one(
    adj: list[list[int]], seed: int, size: int, allowed: np.ndarray, rng: np.random.Generator
) -> list[int]:
    """A compact connected set of up to ``size`` allowed nodes around ``seed``."""
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


# --------------------------------------------------------------------------- layer generators
@dataclass
class _Context:
    """Everything the layer generators need about a base map."""

    units: gpd.GeoDataFrame
    adj: list[list[int]]
    seed: int
    grow_weight: np.ndarray
    prefix: str = ""  # prepended to collaboration names
    kind_suffix: str = ""  # appended to layer kinds
    _white: np.ndarray | None = None
    _province: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.codes = self.units.index.to_numpy(dtype=object)
        self.area = shapely.area(self.units.geometry.to_numpy())
        self.population = (
            self.units["population"].to_numpy(dtype=float)
            if "population" in self.units
            else np.ones(len(self.units))
        )

    @property
    def n(self) -> int:
        return len(self.adj)

    def white(self) -> np.ndarray:
        """Mask of the witte vlekken: units left out of every rap/sop collaboration."""
        if self._white is None:
            self._white = _pick_white_spots(self)
        return self._white

    def province(self) -> np.ndarray:
        if self._province is None:
            k = _counts(self.n)["province"]
            self._province = _grow_partition(self.adj, k, _rng(self.seed, "province"), spread=0.4)
        return self._province


def _pick_white_spots(ctx: _Context) -> np.ndarray:
    """Choose a few small clusters of units whose removal splits no component."""
    rng = _rng(ctx.seed, "white")
    n = ctx.n
    white = np.zeros(n, bool)
    want = max(2, round(0.015 * n)) if n >= 12 else 0
    base_comps = len(_components_in(ctx.adj, np.ones(n, bool)))
    pop = ctx.population
    order = rng.permutation(n)
    # Prefer the less populated half: witte vlekken are mostly rural.
    order = order[np.argsort(pop[order] > np.median(pop), kind="stable")]
    for c in order:
        if white.sum() >= want:
            break
        c = int(c)
        if white[c] or len(ctx.adj[c]) < 2:
            continue
        options = [u for u in ctx.adj[c] if not white[u]]
        extra = rng.choice(options, size=min(len(options), int(rng.integers(0, 3))), replace=False)
        trial = white.copy()
        trial[[c, *map(int, extra)]] = True
        kept = _components_in(ctx.adj, ~trial)
        if len(kept) == base_comps and all(len(k) >= 2 for k in kept):
            white = trial
    return white


def _collab_names(ctx: _Context, members: list[list[int]], label: str) -> list[str]:
    """Name each collaboration after its most populous member."""
    pop = ctx.population
    names = ctx.units["name"].to_numpy()
    raw = [f"{label} {names[max(m, key=lambda i: (pop[i], -i))]}" for m in members]
    return [ctx.prefix + name for name in _unique_labels(raw)]


def _table_layer(
    ctx: _Context, name: str, ids: list[str], members: list[list[int]], cnames: list[str]
) -> Layer:
    rows = [(ctx.codes[i], cid, cname)
            for cid, m, cname in zip(ids, members, cnames, strict=True) for i in m]
    table = pd.DataFrame(rows, columns=["unit", "collaboration", "cname"])
    return Layer.from_table(name, table, ctx.units.index, name_column="cname",
                            kind=name + ctx.kind_suffix)


def _ids(tag: str, count: int, start: int = 1) -> list[str]:
    width = max(2, len(str(count + start - 1)))
    return [f"{tag}{i:0{width}d}" for i in range(start, start + count)]


def _parts(labels: np.ndarray) -> list[list[int]]:
    k = int(labels.max()) + 1 if (labels >= 0).any() else 0
    return [np.flatnonzero(labels == r).tolist() for r in range(k)]


def _province_layer(ctx: _Context) -> Layer:
    parts = _parts(ctx.province())
    names = [ctx.prefix + nm for nm in
             _invent_names(_rng(ctx.seed, "province_names"), len(parts), _REGION_SUFFIXES)]
    return _table_layer(ctx, "province", _ids("PV", len(parts)), parts, names)


def _amr_layer(ctx: _Context) -> Layer:
    rng = _rng(ctx.seed, "amr")
    province = ctx.province()
    provs = _parts(province)
    k = max(_counts(ctx.n)["amr"], len(provs))
    ks = _largest_remainder([ctx.grow_weight[p].sum() for p in provs], k)
    labels = np.full(ctx.n, -1)
    offset = 0
    for p, kp in zip(provs, ks, strict=True):
        mask = np.zeros(ctx.n, bool)
        mask[p] = True
        sub = _grow_partition(ctx.adj, kp, rng, allowed=mask, weight=ctx.grow_weight, spread=0.4)
        labels[p] = sub[p] + offset
        offset += int(sub[p].max()) + 1
    labels = _relabel(labels)
    # A few units belong to an amr across the province border ("mostly nested").
    moves = max(1, len(provs) // 4)
    for v in rng.permutation(ctx.n):
        if moves == 0:
            break
        v = int(v)
        others = sorted({int(labels[u]) for u in ctx.adj[v]
                         if province[u] != province[v] and labels[u] >= 0})
        own = np.flatnonzero(labels == labels[v]).tolist()
        if not others or len(own) < 3:
            continue
        rest = [i for i in own if i != v]
        if _connected(ctx.adj, rest):
            labels[v] = others[int(rng.integers(len(others)))]
            moves -= 1
    parts = _parts(_relabel(labels))
    return _table_layer(ctx, "amr", _ids("AM", len(parts)), parts,
                        _collab_names(ctx, parts, "Arbeidsmarktregio"))


def _rap_layer(ctx: _Context, name: str) -> Layer:
    rng = _rng(ctx.seed, name)
    white = ctx.white()
    labels = _grow_partition(ctx.adj, _counts(ctx.n)[name], rng, allowed=~white,
                             weight=ctx.grow_weight, spread=0.35)
    parts = _parts(labels)
    # A few extra units left out (this layer's own witte vlekken) ...
    holes = max(1, round(0.01 * ctx.n * rng.uniform(0.5, 1.5)))
    for v in rng.permutation(ctx.n):
        if holes == 0:
            break
        v = int(v)
        if labels[v] < 0:
            continue
        part = parts[labels[v]]
        on_edge = any(labels[u] != labels[v] for u in ctx.adj[v])
        rest = [i for i in part if i != v]
        if on_edge and len(part) >= 3 and _connected(ctx.adj, rest):
            parts[labels[v]] = rest
            labels[v] = -1
            holes -= 1
    # ... and a few in two neighbouring collaborations.
    overlaps = max(1, round(0.03 * ctx.n * rng.uniform(0.6, 1.4)))
    extra: list[list[int]] = [[] for _ in parts]
    for v in rng.permutation(ctx.n):
        if overlaps == 0:
            break
        v = int(v)
        if labels[v] < 0:
            continue
        others = sorted({int(labels[u]) for u in ctx.adj[v]
                         if labels[u] >= 0 and labels[u] != labels[v]})
        others = [r for r in others if v not in extra[r]]
        if others:
            extra[others[int(rng.integers(len(others)))]].append(v)
            overlaps -= 1
    members = [sorted(p + e) for p, e in zip(parts, extra, strict=True)]
    tag, label = ("PO", "RAP PO") if name == "rap_po" else ("VO", "RAP VO")
    return _table_layer(ctx, name, _ids(tag, len(members)), members,
                        _collab_names(ctx, members, label))


def _sop_layer(ctx: _Context) -> Layer:
    rng = _rng(ctx.seed, "sop")
    white = ctx.white()
    allowed = ~white
    k = _counts(ctx.n)["sop"]
    k_base = max(1, round(0.6 * k))
    base = _parts(_grow_partition(ctx.adj, k_base, rng, allowed=allowed,
                                  weight=ctx.grow_weight, spread=0.5))
    cores = list(base)
    avg = max(1.0, 0.6 * allowed.sum() / max(len(base), 1))
    candidates = np.flatnonzero(allowed)
    for j in range(max(0, k - len(base))):
        cover = np.zeros(ctx.n, int)
        for c in cores:
            cover[c] += 1
        if j == k - len(base) - 1 and (cover >= 2).any():
            # A small partnership inside two others: some units are covered 3+ times.
            seed, size = int(rng.choice(np.flatnonzero(cover >= 2))), int(rng.integers(1, 4))
        else:
            seed = int(rng.choice(candidates))
            size = int(np.clip(round(rng.lognormal(np.log(avg), 0.7)), 1, max(1, ctx.n // 4)))
        cores.append(_grow_one(ctx.adj, seed, size, allowed, rng))
    polys = [_blob(ctx, core, allowed) for core in cores]
    ids = _ids("SOP", len(cores))
    frame = gpd.GeoDataFrame({"id": ids, "cname": _collab_names(ctx, cores, "SWV")},
                             geometry=polys, crs=ctx.units.crs)
    return Layer.from_polygons("sop", frame, ctx.units, id_column="id", name_column="cname",
                               kind="sop" + ctx.kind_suffix)


def _blob(ctx: _Context, core: list[int], allowed: np.ndarray) -> shapely.Geometry:
    """Polygon of a partnership: its core units grown by a margin into their neighbours.

    Core units are covered whole (share 1), neighbours partly (fractional
    shares), other units not at all, so members stay contiguous. The margin is
    a quarter of the typical width of the units around the core; geometry is
    simplified first (well within the margin) to keep detailed real maps fast.
    """
    area = ctx.area
    near = sorted({u for v in core for u in ctx.adj[v] if allowed[u]} | set(core))
    d = 0.25 * float(np.sqrt(np.median(area[near])))
    geoms = ctx.units.geometry.to_numpy()
    simple = dict(zip(near, shapely.simplify(geoms[near], d / 5), strict=True))
    blob = shapely.buffer(shapely.union_all([simple[i] for i in core]), d, quad_segs=3)
    cap = shapely.buffer(shapely.union_all(list(simple.values())), d / 5, quad_segs=2)
    poly = shapely.make_valid(shapely.intersection(blob, cap))
    if poly.geom_type not in ("Polygon", "MultiPolygon"):
        poly = shapely.union_all(
            [g for g in shapely.get_parts(poly) if g.geom_type in ("Polygon", "MultiPolygon")]
        )
    return poly


def _alliance_layer(ctx: _Context) -> Layer:
    rng = _rng(ctx.seed, "alliance")
    parts = _parts(_grow_partition(ctx.adj, _counts(ctx.n)["alliance"], rng,
                                   weight=ctx.grow_weight, spread=0.25))
    everyone = list(range(ctx.n))
    ids = _ids("AL", len(parts)) + ["NAT1", "NAT2"]
    names = _collab_names(ctx, parts, "Alliantie") + [
        ctx.prefix + "Landelijke alliantie Lerarenopleidingen",
        ctx.prefix + "Landelijke alliantie Zij-instroom",
    ]
    return _table_layer(ctx, "alliance", ids, [*parts, everyone, everyone], names)


_GENERATORS = {
    "province": _province_layer,
    "amr": _amr_layer,
    "rap_po": lambda ctx: _rap_layer(ctx, "rap_po"),
    "rap_vo": lambda ctx: _rap_layer(ctx, "rap_vo"),
    "sop": _sop_layer,
    "alliance": _alliance_layer,
}


def _make_layers(ctx: _Context, kinds: Sequence[str]) -> dict[str, Layer]:
    return {kind: _GENERATORS[kind](ctx) for kind in kinds}


def _check_kinds(kinds: Sequence[str]) -> list[str]:
    if isinstance(kinds, str):
        kinds = [kinds]
    kinds = list(dict.fromkeys(kinds))
    unknown = [k for k in kinds if k not in LAYER_KINDS]
    if unknown:
        raise InputError(
            f"unknown synthetic layer kind(s) {unknown}; choose from {list(LAYER_KINDS)}"
        )
    return kinds


# --------------------------------------------------------------------------- public API
def make_country(n_units: int = 340, *, seed: int = 2026, islands: bool = True) -> Landscape:
    """Generate the seeded synthetic country.

    Parameters
    ----------
    n_units : int, default 340
        Number of base units (at least 30), including the offshore ones.
    seed : int, default 2026
        Seed; the same ``(n_units, seed, islands)`` always gives the same country.
    islands : bool, default True
        Add a few offshore units (Wadden-like, one unit each) and a detached
        group of 2–3 units (Zeeuws-Vlaanderen-like), joined to the mainland by
        the ferry and tunnel links in ``landscape.links``.

    Returns
    -------
    Landscape
        Units ``SU0001``, ... in EPSG:28992 with ``population``, ``pupils_po``,
        ``pupils_vo``, ``pupils_mbo`` (int) and ``shortage_fte`` (float), and
        the layers ``province``, ``amr``, ``rap_po``, ``rap_vo``, ``sop`` and
        ``alliance`` (see the module docstring).

    Raises
    ------
    InputError
        ``n_units`` is too small or ``seed`` is not a non-negative integer.

    See Also
    --------
    load_default : the cached default country.
    synthetic_overlays : the same synthetic layers on a real base map.

    Notes
    -----
    ``white_spots(land)`` over all layers is empty, because the partitions and
    the national alliances cover every unit; ask for the collaboration layers,
    ``white_spots(land, layers=["rap_po", "rap_vo", "sop"])``, to see the
    witte vlekken. Names are invented from syllables; any likeness to a real
    place is chance. Cost is dominated by the unit graph and the SO&P polygons:
    about 1–2 s for 340 units, 2–4 s for 1,000 and 10–15 s for 4,000 (plus a
    one-off few seconds to import libpysal).

    Examples
    --------
    >>> land = make_country(n_units=60, seed=1)
    >>> len(land.units), land.units.index[0], sorted(land.layers)
    (60, 'SU0001', ['alliance', 'amr', 'province', 'rap_po', 'rap_vo', 'sop'])
    >>> sorted(set(land.links["kind"]))
    ['ferry', 'tunnel']
    """
    seed = _check_seed(seed)
    if isinstance(n_units, bool) or not isinstance(n_units, (int, np.integer)) or n_units < _MIN_UNITS:
        raise InputError(
            f"n_units must be an integer of at least {_MIN_UNITS}, got {n_units!r}; "
            "the synthetic country needs room for its provinces and islands"
        )
    n = int(n_units)
    geo = _geography(n, seed, islands)
    # Codes in reading order: bands of 25 km from north to south, west to east.
    xy = shapely.get_coordinates(shapely.point_on_surface(geo.geoms))
    order = np.lexsort((xy[:, 0], -np.floor(xy[:, 1] / 25_000)))
    geoms, region = geo.geoms[order], geo.region[order]
    geo = _Geography(geoms, region, geo.cities)
    width = max(4, len(str(n)))
    codes = [f"SU{i:0{width}d}" for i in range(1, n + 1)]
    names = _invent_names(_rng(seed, "names"), n)
    frame = gpd.GeoDataFrame(
        {"code": codes, "name": names, **_weights(geo, seed)}, geometry=list(geoms), crs=RD_NEW
    )
    units = validate_units(frame, code="code")
    links = _island_links(units, region) if islands else None
    ctx = _Context(units, _adjacency(units, links), seed,
                   grow_weight=np.sqrt(units["population"].to_numpy(dtype=float)))
    layers = _make_layers(ctx, LAYER_KINDS)
    return Landscape(
        units,
        layers,
        links=links,
        name=f"Synthetisch land (seed {seed})",
        credit=f"Synthetische gegevens, gemaakt door rato_opt (seed {seed}) — geen echte indeling",
    )


def _island_links(units: gpd.GeoDataFrame, region: np.ndarray) -> pd.DataFrame:
    """Ferries from every island, and a tunnel plus a ferry to the detached strip."""
    geoms = units.geometry.to_numpy()
    names = units["name"].to_numpy()
    codes = units.index.to_numpy()
    main = np.flatnonzero(region == "main")
    tree = shapely.STRtree(geoms[main])
    rows = []

    def nearest(idx: np.ndarray) -> tuple[int, int, np.ndarray]:
        (src, dst), dist = tree.query_nearest(geoms[idx], return_distance=True, all_matches=False)
        return src, dst, dist

    for i in np.flatnonzero(region == "island"):
        _, dst, _ = nearest(np.array([i]))
        j = main[dst[0]]
        rows.append((codes[i], codes[j], "ferry", f"Veerdienst {names[i]} – {names[j]}"))
    strip = np.flatnonzero(region == "strip")
    if len(strip):
        src, dst, dist = nearest(strip)
        k = int(np.argmin(dist))
        a, b = strip[src[k]], main[dst[k]]
        rows.append((codes[a], codes[b], "tunnel", f"Tunnel {names[a]} – {names[b]}"))
        # A second crossing, a ferry, between another pair of units.
        dist = shapely.distance(geoms[strip][:, None], geoms[main][None, :])
        dist[src[k], :] = np.inf if len(strip) > 1 else dist[src[k], :]
        dist[:, dst[k]] = np.inf
        p, q = np.unravel_index(int(np.argmin(dist)), dist.shape)
        c, e = strip[p], main[q]
        rows.append((codes[c], codes[e], "ferry", f"Veerdienst {names[c]} – {names[e]}"))
    return pd.DataFrame(rows, columns=["from_code", "to_code", "kind", "name"])


def synthetic_overlays(
    units: gpd.GeoDataFrame,
    *,
    seed: int = 2026,
    kinds: Sequence[str] = ("rap_po", "rap_vo", "sop", "alliance"),
    links: pd.DataFrame | None = None,
) -> dict[str, Layer]:
    """Put illustrative synthetic collaboration layers on any base map.

    The layers are made by the generators of :func:`make_country`, so they
    have the same structure (contiguous collaborations, overlaps, witte
    vlekken), but they are clearly labelled as made up: every collaboration
    name starts with ``"[synthetisch] "`` and every layer kind ends with
    ``" (synthetisch)"``. Use them to try the library on real units (e.g. the
    gemeenten) before real collaboration data are at hand; never present them
    as a real division.

    Parameters
    ----------
    units : GeoDataFrame
        A unit table in a projected CRS (validated with
        :func:`rato_opt.validate_units`). A ``population`` column, if present,
        balances the collaborations; otherwise units count equally.
    seed : int, default 2026
        Seed of the layers.
    kinds : sequence of str, default ("rap_po", "rap_vo", "sop", "alliance")
        Layers to make; any of ``"province"``, ``"amr"``, ``"rap_po"``,
        ``"rap_vo"``, ``"sop"``, ``"alliance"``.
    links : DataFrame, optional
        Extra adjacency links (ferries, tunnels). Components of the map that
        touch nothing else are joined to their nearest unit for growing the
        collaborations, so islands take part in collaborations across the water.

    Returns
    -------
    dict of str to Layer
        Keyed by layer name (the kind without the suffix), e.g. ``"rap_po"``.

    Raises
    ------
    InputError
        Unknown kinds, a bad seed or invalid units (see :func:`validate_units`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> grid = gpd.GeoDataFrame({"code": [f"U{i:02d}" for i in range(36)]},
    ...     geometry=[box(i % 6 * 1000, i // 6 * 1000, i % 6 * 1000 + 1000, i // 6 * 1000 + 1000)
    ...               for i in range(36)], crs="EPSG:28992")
    >>> layers = synthetic_overlays(grid, kinds=["rap_po"])
    >>> names = layers["rap_po"].collaborations["name"]
    >>> layers["rap_po"].kind, bool(names.str.startswith("[synthetisch] ").all())
    ('rap_po (synthetisch)', True)
    """
    seed = _check_seed(seed)
    kinds = _check_kinds(kinds)
    valid = validate_units(units, code=None if units.index.name == "code" or "code" not in units
                           else "code")
    if len(valid) < 2:
        raise InputError(f"synthetic overlays need at least 2 units, got {len(valid)}")
    pop = valid["population"].to_numpy(dtype=float) if "population" in valid else np.ones(len(valid))
    ctx = _Context(valid, _adjacency(valid, links, bridge=True), seed,
                   grow_weight=np.sqrt(np.maximum(pop, 0) + 1.0),
                   prefix="[synthetisch] ", kind_suffix=" (synthetisch)")
    return _make_layers(ctx, kinds)


@functools.lru_cache(maxsize=1)
def load_default() -> Landscape:
    """Return the default synthetic country, ``make_country()``, cached.

    The landscape is shared between calls: do not modify its tables in place
    (copy them first, e.g. ``land.units.copy()``).

    Examples
    --------
    >>> land = load_default()  # doctest: +SKIP
    >>> land is load_default(), len(land.units)  # doctest: +SKIP
    (True, 340)
    """
    return make_country()
