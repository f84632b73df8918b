"""Generators of the synthetic collaboration layers (province, amr, rap_po/vo, sop, alliance).

Each generator takes a :class:`Context` (a base map with its unit graph and seed) and
returns a :class:`~rato_opt.landscape.layers.Layer`; :func:`make_layers` runs the ones
asked for. Layers are grown by :func:`~rato_opt.sources.synthetic.growing.grow_partition`
on the unit graph, so every partition part and every collaboration is contiguous.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ...exceptions import InputError
from ...landscape import Layer
from .growing import (
    components_in,
    grow_one,
    grow_partition,
    is_connected,
    largest_remainder,
    relabel,
)
from .names import REGION_SUFFIXES, invent_names, unique_labels
from .seeding import LAYER_KINDS, layer_counts, stream

__all__ = ["Context", "make_layers", "check_kinds"]


@dataclass
class Context:
    """Everything the layer generators need about a base map.

    Parameters
    ----------
    units : GeoDataFrame
        The validated units.
    adj : list of list of int
        Their neighbour lists (see
        :func:`~rato_opt.sources.synthetic.growing.adjacency_lists`).
    seed : int
        Seed of the layers.
    grow_weight : ndarray
        Weight per unit that region growing balances.
    prefix, kind_suffix : str
        Prepended to collaboration names / appended to layer kinds (the
        ``"[synthetisch] "`` labels of
        :func:`~rato_opt.sources.synthetic.synthetic_overlays`).

    Examples
    --------
    >>> import numpy as np
    >>> from rato_opt.sources.synthetic import make_country
    >>> from rato_opt.sources.synthetic.growing import adjacency_lists
    >>> units = make_country(40, seed=1, islands=False).units
    >>> ctx = Context(units, adjacency_lists(units, None), 1, np.ones(len(units)))
    >>> ctx.n, int(ctx.white().sum()) >= 1
    (40, True)
    """

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
        """Number of units."""
        return len(self.adj)

    def white(self) -> np.ndarray:
        """Mask of the witte vlekken: units left out of every rap/sop collaboration."""
        if self._white is None:
            self._white = _pick_white_spots(self)
        return self._white

    def province(self) -> np.ndarray:
        """Province label per unit (grown once, then reused by the amr layer)."""
        if self._province is None:
            k = layer_counts(self.n)["province"]
            self._province = grow_partition(self.adj, k, stream(self.seed, "province"), spread=0.4)
        return self._province


def _pick_white_spots(ctx: Context) -> np.ndarray:
    """Choose a few small clusters of units whose removal splits no component."""
    rng = stream(ctx.seed, "white")
    n = ctx.n
    white = np.zeros(n, bool)
    want = max(2, round(0.015 * n)) if n >= 12 else 0
    base_comps = len(components_in(ctx.adj, np.ones(n, bool)))
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
        kept = components_in(ctx.adj, ~trial)
        if len(kept) == base_comps and all(len(k) >= 2 for k in kept):
            white = trial
    return white


def _collab_names(ctx: Context, members: list[list[int]], label: str) -> list[str]:
    """Name each collaboration after its most populous member."""
    pop = ctx.population
    names = ctx.units["name"].to_numpy()
    raw = [f"{label} {names[max(m, key=lambda i: (pop[i], -i))]}" for m in members]
    return [ctx.prefix + name for name in unique_labels(raw)]


def _table_layer(
    ctx: Context, name: str, ids: list[str], members: list[list[int]], cnames: list[str]
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


def _province_layer(ctx: Context) -> Layer:
    parts = _parts(ctx.province())
    names = [ctx.prefix + nm for nm in
             invent_names(stream(ctx.seed, "province_names"), len(parts), REGION_SUFFIXES)]
    return _table_layer(ctx, "province", _ids("PV", len(parts)), parts, names)


def _amr_layer(ctx: Context) -> Layer:
    rng = stream(ctx.seed, "amr")
    province = ctx.province()
    provs = _parts(province)
    k = max(layer_counts(ctx.n)["amr"], len(provs))
    ks = largest_remainder([ctx.grow_weight[p].sum() for p in provs], k)
    labels = np.full(ctx.n, -1)
    offset = 0
    for p, kp in zip(provs, ks, strict=True):
        mask = np.zeros(ctx.n, bool)
        mask[p] = True
        sub = grow_partition(ctx.adj, kp, rng, allowed=mask, weight=ctx.grow_weight, spread=0.4)
        labels[p] = sub[p] + offset
        offset += int(sub[p].max()) + 1
    labels = relabel(labels)
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
        if is_connected(ctx.adj, rest):
            labels[v] = others[int(rng.integers(len(others)))]
            moves -= 1
    parts = _parts(relabel(labels))
    return _table_layer(ctx, "amr", _ids("AM", len(parts)), parts,
                        _collab_names(ctx, parts, "Arbeidsmarktregio"))


def _rap_layer(ctx: Context, name: str) -> Layer:
    rng = stream(ctx.seed, name)
    white = ctx.white()
    labels = grow_partition(ctx.adj, layer_counts(ctx.n)[name], rng, allowed=~white,
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
        if on_edge and len(part) >= 3 and is_connected(ctx.adj, rest):
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


def _sop_layer(ctx: Context) -> Layer:
    rng = stream(ctx.seed, "sop")
    white = ctx.white()
    allowed = ~white
    k = layer_counts(ctx.n)["sop"]
    k_base = max(1, round(0.6 * k))
    base = _parts(grow_partition(ctx.adj, k_base, rng, allowed=allowed,
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
        cores.append(grow_one(ctx.adj, seed, size, allowed, rng))
    polys = [_blob(ctx, core, allowed) for core in cores]
    ids = _ids("SOP", len(cores))
    frame = gpd.GeoDataFrame({"id": ids, "cname": _collab_names(ctx, cores, "SWV")},
                             geometry=polys, crs=ctx.units.crs)
    return Layer.from_polygons("sop", frame, ctx.units, id_column="id", name_column="cname",
                               kind="sop" + ctx.kind_suffix)


def _blob(ctx: Context, core: list[int], allowed: np.ndarray) -> shapely.Geometry:
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


def _alliance_layer(ctx: Context) -> Layer:
    rng = stream(ctx.seed, "alliance")
    parts = _parts(grow_partition(ctx.adj, layer_counts(ctx.n)["alliance"], rng,
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


def make_layers(ctx: Context, kinds: Sequence[str]) -> dict[str, Layer]:
    """Run the generators of ``kinds`` (see :data:`LAYER_KINDS`) on ``ctx``, in that order.

    Examples
    --------
    >>> import numpy as np
    >>> from rato_opt.sources.synthetic import make_country
    >>> from rato_opt.sources.synthetic.growing import adjacency_lists
    >>> units = make_country(40, seed=1, islands=False).units
    >>> ctx = Context(units, adjacency_lists(units, None), seed=1,
    ...               grow_weight=np.ones(len(units)))
    >>> layer = make_layers(ctx, ["province"])["province"]
    >>> layer.kind, layer.n_collaborations
    ('province', 3)
    """
    return {kind: _GENERATORS[kind](ctx) for kind in kinds}


def check_kinds(kinds: Sequence[str]) -> list[str]:
    """Return the layer kinds asked for as a list without repeats, checking each is known.

    Raises
    ------
    InputError
        A kind is not one of :data:`LAYER_KINDS`.

    Examples
    --------
    >>> check_kinds("sop"), check_kinds(["sop", "amr", "sop"])
    (['sop'], ['sop', 'amr'])
    """
    if isinstance(kinds, str):
        kinds = [kinds]
    kinds = list(dict.fromkeys(kinds))
    unknown = [k for k in kinds if k not in LAYER_KINDS]
    if unknown:
        raise InputError(
            f"unknown synthetic layer kind(s) {unknown}; choose from {list(LAYER_KINDS)}"
        )
    return kinds
