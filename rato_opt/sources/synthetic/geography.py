"""Geometry of the synthetic country: outline, Voronoi tiling, islands and their links.

A smooth irregular outline (Chaikin-smoothed, seeded perturbation of a rough country
shape) is tiled by the Voronoi cells of seeded points, denser near a few seeded cities,
after one Lloyd relaxation step. Optionally a few elliptic offshore units (Wadden-like)
and a detached group of 2–3 units (Zeeuws-Vlaanderen-like) are added, joined to the
mainland by the ferry and tunnel links of :func:`island_links`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .seeding import stream

__all__ = ["Geography", "density", "make_geography", "island_links"]

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


def _chaikin(points: np.ndarray, iterations: int) -> np.ndarray:
    """Chaikin corner cutting of a closed ring (no repeated end point)."""
    for _ in range(iterations):
        q = np.roll(points, -1, axis=0)
        out = np.empty((2 * len(points), 2))
        out[0::2] = 0.75 * points + 0.25 * q
        out[1::2] = 0.25 * points + 0.75 * q
        points = out
    return points


def _smooth_shape(
    control_km: np.ndarray, rng: np.random.Generator, jitter_km: float
) -> shapely.Polygon:
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


def density(xy: np.ndarray, cities: np.ndarray) -> np.ndarray:
    """Settlement density at points ``xy`` (m); ``cities`` rows are x, y, amplitude, sigma.

    Examples
    --------
    >>> import numpy as np
    >>> at = np.array([[100_000.0, 450_000.0]])
    >>> density(at, np.array([[100_000.0, 450_000.0, 10.0, 5_000.0]])).round(2).tolist()
    [11.7]
    """
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
class Geography:
    """The units of a synthetic country before they get codes, names and weights."""

    geoms: np.ndarray  # polygons, one per unit
    region: np.ndarray  # "main", "island" or "strip" per unit
    cities: np.ndarray  # x, y, amplitude, sigma


def make_geography(n: int, seed: int, islands: bool) -> Geography:
    """Tile a seeded country outline into ``n`` units, islands and a detached strip included.

    Parameters
    ----------
    n : int
        Number of units (mainland, islands and strip together).
    seed : int
        The country's seed.
    islands : bool
        Add the Wadden-like islands and the Zeeuws-Vlaanderen-like strip.

    Returns
    -------
    Geography
        Polygons (metres, RD New), their region (``"main"``, ``"island"`` or
        ``"strip"``) and the cities of the density field.

    Examples
    --------
    >>> geo = make_geography(40, seed=1, islands=True)
    >>> len(geo.geoms), sorted(set(geo.region.tolist()))
    (40, ['island', 'main', 'strip'])
    """
    rng = stream(seed, "outline")
    mainland = _smooth_shape(_OUTLINE_KM, rng, 3.0)
    n_isl = min(len(_ISLANDS_KM), max(2, n // 60)) if islands else 0
    n_strip = (2 if n < 150 else 3) if islands else 0
    n_main = n - n_isl - n_strip

    crng = stream(seed, "points")
    n_big, n_mid, n_small = 4, 10, 20
    centres = _sample_inside(shapely.buffer(mainland, -8_000), n_big + n_mid + n_small, crng)
    amp = np.concatenate([crng.uniform(25, 60, n_big), crng.uniform(6, 18, n_mid),
                          crng.uniform(2, 6, n_small)])
    sigma = np.concatenate([crng.uniform(5_000, 9_000, n_big), crng.uniform(3_000, 5_000, n_mid),
                            crng.uniform(2_000, 3_000, n_small)])
    cities = np.column_stack([centres, amp, sigma])
    peak = density(centres, cities).max()
    points = _sample_inside(
        mainland, n_main, crng, accept=lambda xy: (density(xy, cities) / peak) ** 0.3
    )
    geoms = list(_voronoi_tiles(points, mainland, lloyd=1))
    region = ["main"] * n_main

    irng = stream(seed, "islands")
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
        offsets = np.arange(n_strip) + 0.5 + irng.uniform(-0.15, 0.15, n_strip)
        xs = xmin + (xmax - xmin) * offsets / n_strip
        c = shapely.centroid(strip)
        seeds = np.column_stack([xs, np.full(n_strip, c.y) + irng.normal(0, 500, n_strip)])
        geoms.extend(_voronoi_tiles(seeds, strip, lloyd=0))
        region.extend(["strip"] * n_strip)
    return Geography(np.array(geoms, dtype=object), np.array(region), cities)


def island_links(units: gpd.GeoDataFrame, region: np.ndarray) -> pd.DataFrame:
    """Ferries from every island, and a tunnel plus a ferry to the detached strip.

    Parameters
    ----------
    units : GeoDataFrame
        The validated units, in the order of ``region``.
    region : ndarray of str
        ``"main"``, ``"island"`` or ``"strip"`` per unit.

    Returns
    -------
    DataFrame
        Links with columns ``from_code``, ``to_code``, ``kind`` and ``name``.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> from shapely import box
    >>> units = gpd.GeoDataFrame({"name": ["Aa", "Bee"]}, index=["A", "B"],
    ...     geometry=[box(0, 0, 1000, 1000), box(3000, 0, 4000, 1000)], crs="EPSG:28992")
    >>> island_links(units, np.array(["main", "island"])).values.tolist()
    [['B', 'A', 'ferry', 'Veerdienst Bee – Aa']]
    """
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
