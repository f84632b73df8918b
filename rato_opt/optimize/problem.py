"""The compiled problem: one solver-independent description every engine reads.

:func:`compile_problem` turns a :class:`~rato_opt.landscape.coverage.Landscape` and a
:class:`~rato_opt.spec.RegionSpec` into a :class:`CompiledProblem` once: unit codes in
model order, the unit graph as adjacency lists and a CSR matrix (links included), the
weight arrays of every bound, the weighted collaboration groups of the objective, the
alliances, the locks and the islands. The PuLP model builder
(:mod:`rato_opt.optimize.model`), the warm-start heuristics, annealing, the p-median
start and the lower bound all read this object; none of them looks at the landscape
again. Engines work on unit positions ``0..n-1`` inside and return results keyed by
unit code at their public edge (:meth:`CompiledProblem.assignment`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._util import listing
from ..assess.metrics import count_layer_weights, regional_collaborations, split_layer_weights
from ..exceptions import ColumnError, DisconnectedError, LayerError, ModelError, UnitCodeError
from ..landscape import Landscape, components, describe_components, graph_from_landscape
from ..spec import TERMS, Bound, RegionSpec
from .groups import Group, count_group, group_value, layer_collabs, start_collabs, weighted_group

__all__ = ["CompiledProblem", "Group", "BoundRow", "compile_problem", "model_graph", "unit_weights",
           "as_problem"]


@dataclass(frozen=True)
class BoundRow:
    """One balance bound as the engines read it.

    Attributes
    ----------
    index : int
        Position in ``spec.bounds`` (the unit-count bound comes last).
    bound : Bound
        The bound as given (relative bounds are fractions of the mean region).
    weights : numpy.ndarray
        Weight per unit (ones for the unit count).
    label : str
        The weight column, or ``"units"``.
    """

    index: int
    bound: Bound
    weights: np.ndarray
    label: str

    @property
    def total(self) -> float:
        """Total weight of all units."""
        return float(self.weights.sum())

    def limits(self, q: int) -> tuple[float | None, float | None]:
        """Absolute (lower, upper) for a plan of ``q`` regions."""
        f = self.total / q if self.bound.relative else 1.0
        lo = None if self.bound.lower is None else self.bound.lower * f
        up = None if self.bound.upper is None else self.bound.upper * f
        return lo, up


def clean_name(name: str) -> str:
    """A variable-name-safe form of ``name`` (PuLP names), at most 40 characters."""
    return re.sub(r"[^A-Za-z0-9_]", "_", str(name))[:40]


def model_graph(landscape: Landscape, spec: RegionSpec, *, graph: nx.Graph | None = None):
    """Return the unit graph the engines use, checking it is connected.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
    graph : networkx.Graph, optional
        A prebuilt unit graph (nodes = unit codes); built with
        :func:`rato_opt.landscape.graph.graph_from_landscape` (with the landscape's links and
        the spec's contiguity) when omitted.

    Returns
    -------
    networkx.Graph
        The graph, unchanged.

    Raises
    ------
    DisconnectedError
        When components are unreachable and ``spec.allow_islands`` is False.

    Notes
    -----
    Island rule (``allow_islands=True``, shared with :func:`rato_opt.assess.plan.verify_plan`):
    every component other than the largest becomes a region of its own, counted in
    ``k``; upper bounds apply to it, lower bounds and ``min_units`` do not. A warning
    names the islands.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape.units import validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 0, 6, 1)], crs="EPSG:28992"),
    ...     code="code")
    >>> model_graph(Landscape(u, {}), RegionSpec(k=2))
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.DisconnectedError: the unit graph has 2 components; ...
    """
    if graph is None:
        graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
    missing = pd.Index(landscape.codes).difference(pd.Index(list(graph.nodes)))
    if len(missing):
        raise UnitCodeError(
            f"the graph lacks units of the landscape: {listing(missing)}; build it with "
            "rato_opt.graph_from_landscape(landscape)"
        )
    comps = components(graph)
    if len(comps) <= 1:
        return graph
    rest = comps[1:]
    described = describe_components(graph, rest)
    if not spec.allow_islands:
        raise DisconnectedError(
            f"the unit graph has {len(comps)} components; these touch no other unit: "
            f"{described}. Add links (ferries, tunnels) to the landscape, or pass "
            "RegionSpec(allow_islands=True) to make each a region of its own",
            rest,
        )
    warnings.warn(
        f"islands become regions of their own (allow_islands=True): {described}", stacklevel=3
    )
    return graph


def unit_weights(landscape: Landscape, column: str | None) -> np.ndarray:
    """Weights of a column as floats in landscape order (ones for ``None``).

    Raises
    ------
    ColumnError
        The column is missing, or holds missing or negative values.
    """
    units = landscape.units
    if column is None:
        return np.ones(len(units))
    if column not in units.columns:
        raise ColumnError(
            f"weight column {column!r} not in the units; they have {listing(landscape.weights)}"
        )
    w = pd.to_numeric(units[column], errors="coerce").to_numpy(dtype=float)
    if np.isnan(w).any() or (w < 0).any():
        raise ColumnError(f"weight column {column!r} holds missing or negative values")
    return w


def k_range(spec: RegionSpec, n: int) -> tuple[int, int]:
    """The smallest and largest number of regions ``spec`` allows for ``n`` units."""
    if spec.k is not None:
        lo = hi = spec.k
    elif spec.k_min is not None or spec.k_max is not None:
        lo = spec.k_min or 1
        hi = spec.k_max or n
    else:
        raise ModelError(
            "RegionSpec needs the number of regions: give k=<int> or k_min/k_max"
        )
    if hi > n:
        raise ModelError(f"asked for up to {hi} regions but there are only {n} units")
    return lo, hi


@dataclass(frozen=True, eq=False)
class CompiledProblem:
    """A region-forming problem compiled for the engines (built by :func:`compile_problem`).

    Units are numbered ``0..n-1`` in landscape (sorted code) order.

    Attributes
    ----------
    landscape : Landscape
        The landscape it was compiled from (kept for reading results back).
    spec : RegionSpec
    graph : networkx.Graph
        The unit graph (nodes = unit codes; links included).
    codes : tuple of str
        Unit codes by position.
    pos : dict
        Unit code -> position.
    k_min, k_max : int
        Allowed numbers of regions.
    edges : tuple of (int, int, float)
        Graph edges ``(a, b, shared border length)`` with ``a < b``, sorted.
    nbrs : tuple of tuple of int
        Neighbour positions per unit.
    islands : tuple of numpy.ndarray
        Positions of every component other than the largest (regions of their own).
    bounds : tuple of BoundRow
        The spec's bounds, then the unit-count bound when ``min_units``/``max_units``
        is set.
    split_weights : numpy.ndarray
        The ``objective.split_by`` weight per unit.
    groups : dict
        Term name -> list of :class:`~rato_opt.optimize.groups.Group` (split and count
        per layer, alignment, stay close).
    alliances : tuple of numpy.ndarray
        Unit positions of each regional alliance (national ones left out, as in the
        metrics).
    total_length : float
        Sum of the shared border lengths (the compactness denominator).
    """

    landscape: Landscape
    spec: RegionSpec
    graph: nx.Graph
    codes: tuple[str, ...]
    pos: Mapping[str, int]
    k_min: int
    k_max: int
    edges: tuple[tuple[int, int, float], ...]
    nbrs: tuple[tuple[int, ...], ...]
    islands: tuple[np.ndarray, ...]
    bounds: tuple[BoundRow, ...]
    split_weights: np.ndarray
    groups: Mapping[str, list[Group]]
    alliances: tuple[np.ndarray, ...]
    total_length: float
    _cache: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ sizes
    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.codes)

    @property
    def K(self) -> int:
        """Number of region labels (``k_max``)."""
        return self.k_max

    @cached_property
    def adjacency(self) -> sp.csr_matrix:
        """Symmetric CSR adjacency (``n x n``, 1 per edge, links included)."""
        if not self.edges:
            return sp.csr_matrix((self.n, self.n))
        a = np.array([e[0] for e in self.edges] + [e[1] for e in self.edges])
        b = np.array([e[1] for e in self.edges] + [e[0] for e in self.edges])
        return sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(self.n, self.n))

    @cached_property
    def int_graph(self) -> nx.Graph:
        """The unit graph on positions ``0..n-1`` (for networkx algorithms)."""
        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        g.add_edges_from((a, b) for a, b, _ in self.edges)
        return g

    @cached_property
    def primary_weight(self) -> np.ndarray:
        """Weights of the first bound (ones without bounds): what region growing balances."""
        return self.bounds[0].weights if self.spec.bounds else np.ones(self.n)

    def membership(self, layer: str) -> tuple[tuple[str, ...], sp.csr_matrix]:
        """Collaboration names and their membership matrix (collaborations x units).

        Entries are 1 where a unit belongs to a collaboration.

        Raises
        ------
        LayerError
            The landscape has no such layer.
        """
        key = ("membership", layer)
        if key not in self._cache:
            if layer not in self.landscape.layers:
                raise LayerError(f"no layer {layer!r}; the landscape has "
                                 f"{sorted(self.landscape.layers)}")
            members = sorted(self.landscape.layers[layer].members().items())
            rows, cols = [], []
            for ci, (_, units) in enumerate(members):
                for u in units:
                    if u in self.pos:
                        rows.append(ci)
                        cols.append(self.pos[u])
            mat = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(members), self.n))
            self._cache[key] = (tuple(str(name) for name, _ in members), mat)
        return self._cache[key]

    # ------------------------------------------------------------------ reading
    def labels_of(self, assignment: Mapping[str, object]) -> np.ndarray:
        """Map any assignment (unit code -> region) to labels ``0..q-1`` ordered by first unit."""
        seen: dict[object, int] = {}
        lab = np.empty(self.n, dtype=int)
        for i, code in enumerate(self.codes):
            reg = assignment[code]
            if reg not in seen:
                seen[reg] = len(seen)
            lab[i] = seen[reg]
        return lab

    def assignment(self, labels: np.ndarray, *, prefix: str = "R") -> pd.Series:
        """Region per unit code from labels, numbered ``prefix1..`` by first unit.

        Examples
        --------
        >>> import numpy as np
        >>> from rato_opt.sources.synthetic import load_default
        >>> from rato_opt.spec import RegionSpec
        >>> p = compile_problem(load_default(), RegionSpec(k=12))
        >>> p.assignment(np.zeros(p.n, dtype=int)).iloc[0]
        'R1'
        """
        lab = self.labels_of(dict(zip(self.codes, np.asarray(labels).tolist(), strict=True)))
        width = len(str(int(lab.max()) + 1))
        return pd.Series([f"{prefix}{r + 1:0{width}d}" for r in lab],
                         index=pd.Index(list(self.codes), name="code"), name="region")

    def evaluate(self, assignment: Mapping[str, object] | np.ndarray) -> dict[str, float]:
        """Weighted objective terms of an assignment (or labels), as the engines count them.

        Returns
        -------
        dict
            ``{term: value}`` for every name in :data:`~rato_opt.spec.TERMS`.
        """
        if isinstance(assignment, np.ndarray):
            lab = assignment
        else:
            lab = self.labels_of(assignment)
        out = dict.fromkeys(TERMS, 0.0)
        for term in ("split", "split_count", "alignment", "stay_close"):
            for g in self.groups[term]:
                out[term] += g.coef * group_value(g, lab)
        obj = self.spec.objective
        if obj.compactness > 0 and self.total_length > 0:
            cut = sum(d for a, b, d in self.edges if lab[a] != lab[b])
            out["compactness"] = obj.compactness * cut / self.total_length
        if obj.alliance > 0:
            w = self.split_weights
            wtot = float(w.sum())
            if wtot > 0:
                kept = 0.0
                for r in range(lab.max() + 1):
                    inr = lab == r
                    kept += max([float(w[m][inr[m]].sum()) for m in self.alliances] or [0.0])
                out["alliance"] = obj.alliance * (wtot - kept) / wtot
        return out

    def objective(self, labels: np.ndarray) -> float:
        """The weighted objective (sum of :meth:`evaluate`) of labels."""
        return float(sum(self.evaluate(np.asarray(labels)).values()))

    def frozen_units(self) -> tuple[np.ndarray, set[int]]:
        """Units a lock mentions or on an island (never moved), and ``own_region`` units."""
        locks = self.spec.locks
        frozen = np.zeros(self.n, dtype=bool)
        own: set[int] = set()
        for code in locks.codes:
            if code in self.pos:
                frozen[self.pos[code]] = True
        for group in locks.own_region:
            own.update(self.pos[c] for c in group if c in self.pos)
        for comp in self.islands:
            frozen[comp] = True
        return frozen, own

    def choose_q(self) -> int:
        """The number of regions the heuristics aim for (``k``, or the fewest a range allows
        under absolute upper bounds)."""
        if self.k_min == self.k_max:
            return self.k_min
        q = self.k_min
        for row in self.bounds:
            b = row.bound
            if row.label != "units" and b.upper is not None and not b.relative and b.upper > 0:
                q = max(q, int(np.ceil(row.total / b.upper)))
        return min(q, self.k_max)

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (f"CompiledProblem(units={self.n}, k={self.k_min}..{self.k_max}, "
                f"edges={len(self.edges)}, bounds={len(self.bounds)}, "
                f"groups={sum(len(g) for g in self.groups.values())})")


def compile_problem(
    landscape: Landscape, spec: RegionSpec, *, graph: nx.Graph | None = None
) -> CompiledProblem:
    """Compile a landscape and a spec into the problem every engine reads.

    Parameters
    ----------
    landscape : Landscape
        Units (with the weight columns the spec names) and layers.
    spec : RegionSpec
        Number of regions, bounds, objective and locks.
    graph : networkx.Graph, optional
        The unit graph; built from the landscape (with its links) when omitted.

    Returns
    -------
    CompiledProblem

    Raises
    ------
    DisconnectedError
        Unreachable components and ``spec.allow_islands`` False.
    ModelError, ColumnError, LayerError, UnitCodeError
        An inconsistent spec (each message names what was given and what exists).

    Examples
    --------
    >>> from rato_opt.sources.synthetic import load_default
    >>> from rato_opt.spec import Bound, Objective, RegionSpec
    >>> land = load_default()
    >>> p = compile_problem(land, RegionSpec(k=12, bounds=[Bound("population", 0.5, 2.0,
    ...     relative=True)], objective=Objective(split=1)))
    >>> p.n == len(land.codes), p.k_min, len(p.bounds), p.adjacency.shape == (p.n, p.n)
    (True, 12, 1, True)
    """
    if not isinstance(spec, RegionSpec):
        raise ModelError(f"spec must be a RegionSpec, got {type(spec).__name__}")
    graph = model_graph(landscape, spec, graph=graph)
    codes = tuple(str(c) for c in landscape.codes)
    pos = {c: i for i, c in enumerate(codes)}
    n = len(codes)
    k_lo, k_hi = k_range(spec, n)
    edges = tuple(sorted(
        (min(pos[a], pos[b]), max(pos[a], pos[b]), float(d.get("length", 0)))
        for a, b, d in graph.edges(data=True)
    ))
    nbrs: list[list[int]] = [[] for _ in range(n)]
    for a, b, _ in edges:
        nbrs[a].append(b)
        nbrs[b].append(a)
    islands = tuple(np.array(sorted(pos[c] for c in comp), dtype=int)
                    for comp in components(graph)[1:])
    rows = [BoundRow(bi, b, unit_weights(landscape, b.column), str(b.column))
            for bi, b in enumerate(spec.bounds)]
    if spec.min_units is not None or spec.max_units is not None:
        rows.append(BoundRow(len(spec.bounds),
                             Bound("units", lower=spec.min_units, upper=spec.max_units),
                             np.ones(n), "units"))
    unknown = sorted(c for c in spec.locks.codes if c not in pos)
    if unknown:
        raise UnitCodeError(f"locks name unknown unit codes: {listing(unknown)}")

    obj = spec.objective
    groups: dict[str, list[Group]] = {t: [] for t in TERMS}
    w = unit_weights(landscape, obj.split_by)
    how = obj.split_weight
    if obj.split > 0:
        for layer, lw in sorted(split_layer_weights(landscape, obj).items()):
            g = weighted_group(f"split_{layer}", obj.split * lw,
                               layer_collabs(landscape, layer, pos, w, how))
            if g is not None:
                groups["split"].append(g)
    if obj.split_count > 0:
        for layer, lw in sorted(count_layer_weights(landscape, obj).items()):
            g = count_group(f"count_{layer}", obj.split_count * lw,
                            layer_collabs(landscape, layer, pos, w, how), obj.split_threshold)
            if g is not None:
                groups["split_count"].append(g)
    if obj.alignment > 0:
        g = weighted_group("alignment", obj.alignment,
                           layer_collabs(landscape, obj.reference, pos, w, how))
        if g is not None:
            groups["alignment"].append(g)
    if obj.stay_close > 0:
        g = weighted_group("stay", obj.stay_close, start_collabs(spec.start, pos, w))
        if g is not None:
            groups["stay_close"].append(g)
    alliances: list[np.ndarray] = []
    if obj.alliance > 0 or obj.alliance_hard:
        layer_collabs(landscape, obj.alliance_layer, pos, w)  # names a missing layer
        regional = regional_collaborations(landscape.layers[obj.alliance_layer],
                                           pd.Index(codes))
        alliances = [np.array(sorted(pos[u] for u in units), dtype=int)
                     for _, units in sorted(regional.members().items()) if units]
    return CompiledProblem(
        landscape=landscape, spec=spec, graph=graph, codes=codes, pos=pos,
        k_min=k_lo, k_max=k_hi, edges=edges, nbrs=tuple(tuple(v) for v in nbrs),
        islands=islands, bounds=tuple(rows), split_weights=w, groups=groups,
        alliances=tuple(alliances), total_length=float(sum(d for _, _, d in edges)),
    )


def as_problem(obj) -> CompiledProblem:
    """The compiled problem of ``obj``: itself, or a :class:`RegionModel`'s ``compiled``.

    Raises
    ------
    ModelError
        ``obj`` is neither.
    """
    if isinstance(obj, CompiledProblem):
        return obj
    compiled = getattr(obj, "compiled", None)
    if isinstance(compiled, CompiledProblem):
        return compiled
    raise ModelError(f"expected a CompiledProblem (rato_opt.optimize.compile_problem) or a "
                     f"RegionModel, got {type(obj).__name__}")
