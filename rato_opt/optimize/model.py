"""The region integer program: build it, never solve it here.

:func:`build_model` turns a :class:`~rato_opt.landscape.coverage.Landscape` and a
:class:`RegionSpec` into a :class:`RegionModel`: a PuLP problem with readable
variable and constraint names, plus the bookkeeping needed to read an assignment back,
set a warm start and add contiguity cuts. Solving is :func:`rato_opt.optimize.pipeline.solve`.

The spec dataclasses live in :mod:`rato_opt.spec` and are re-exported here.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd
import pulp

from .._util import listing
from ..assess.metrics import TERMS, regional_collaborations, split_layer_weights
from ..exceptions import ColumnError, DisconnectedError, LayerError, ModelError, UnitCodeError
from ..landscape.coverage import Landscape
from ..landscape.graph import _describe_components, components, graph_from_landscape
from ..spec import Bound, Locks, Objective, RegionSpec

__all__ = [
    "Bound",
    "Objective",
    "Locks",
    "RegionSpec",
    "RegionModel",
    "build_model",
    "model_graph",
    "TERMS",
]


Formulation = Literal["flow", "cuts"]


# --------------------------------------------------------------------------- data prep
@dataclass(frozen=True)
class _Group:
    """Weighted member sets of one 'partition-like' term (a layer, the reference, start)."""

    name: str
    coef: float  # multiplies sum_c (W_c - max_r W_{c,r}) (already divided by the denominator)
    members: tuple[tuple[np.ndarray, np.ndarray], ...]  # (unit positions, weights) per collab


def _clean(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", str(name))[:40]


def model_graph(landscape: Landscape, spec: RegionSpec, *, graph: nx.Graph | None = None):
    """Return the unit graph the model uses, checking it is connected.

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
    described = _describe_components(graph, rest)
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


def _weights(landscape: Landscape, column: str | None) -> np.ndarray:
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


def _group_from_members(
    name: str, coef_total: float, collabs: Iterable[list[int]], w: np.ndarray
) -> _Group | None:
    """Collaborations (lists of unit positions) -> a _Group; None when it weighs nothing."""
    collabs = [sorted(set(m)) for m in collabs]
    denom = float(sum(w[m].sum() for m in collabs))
    if denom <= 0 or coef_total == 0:
        return None
    members = []
    for m in collabs:
        m = np.array([i for i in m if w[i] > 0], dtype=int)
        if len(m) >= 2:
            members.append((m, w[m]))
    return _Group(name, coef_total / denom, tuple(members))


def _layer_collabs(landscape: Landscape, layer: str, pos: Mapping[str, int]) -> list[list[int]]:
    if layer not in landscape.layers:
        raise LayerError(
            f"objective refers to layer {layer!r}; the landscape has {sorted(landscape.layers)}"
        )
    members = landscape.layers[layer].members()
    return [[pos[u] for u in units] for _, units in sorted(members.items())]


def _start_collabs(start: Mapping[str, str], pos: Mapping[str, int]) -> list[list[int]]:
    groups: dict[str, list[int]] = {}
    for code, region in start.items():
        if code in pos:
            groups.setdefault(str(region), []).append(pos[code])
    return [groups[g] for g in sorted(groups)]


# --------------------------------------------------------------------------- the model
class RegionModel:
    r"""A region-forming integer program (built, not solved).

    Units are numbered :math:`i = 0..n-1` in sorted code order; regions carry labels
    :math:`r = 0..K-1` (:math:`K = k` or :math:`k_{max}`); :math:`E` are the edges of the
    unit graph :math:`G` with shared-border lengths :math:`\ell_e`.

    Variables
        :math:`x_{ir}\in\{0,1\}` unit :math:`i` in region :math:`r`, only for
        :math:`r \le i`; :math:`\rho_{ir}\in\{0,1\}` unit :math:`i` is the *root*
        (first unit) of region :math:`r`; :math:`R_{ir}\ge 0` the running count
        :math:`\sum_{j\le i}\rho_{jr}`; :math:`y_e\in[0,1]` edge :math:`e` is cut;
        :math:`u_r\in\{0,1\}` region used (only when :math:`k` is a range).

    Partition and symmetry breaking (region labels ordered by their first unit)

    .. math::

        \sum_r x_{ir} = 1, \quad
        R_{ir} = R_{i-1,r} + \rho_{ir}, \quad
        \rho_{ir} \le x_{ir} \le R_{ir}, \quad
        R_{i,r} \le R_{i-1,r-1}, \quad
        R_{n-1,r} = u_r.

    Cut edges: :math:`y_{ij} \ge x_{ir} - x_{jr}` (and :math:`\ge x_{jr} - x_{ir}` when
    the compactness term is used) for all :math:`r`.

    Balance, per bound :math:`(c, L, U)` on column :math:`w^c` and region :math:`r`:
    :math:`L\,u_r \le \sum_i w^c_i x_{ir} \le U\,u_r` (relative bounds use
    :math:`L\cdot W^c/q` for the chosen number of regions :math:`q`, through a
    one-hot choice of :math:`q` when :math:`k` is a range); likewise for unit counts.

    Contiguity, ``formulation="flow"`` (single-commodity flow over uncut edges,
    :math:`M` = largest possible region size):

    .. math::

        0 \le f_{ij} \le (M-1)(1-y_{ij}), \quad
        \sum_j f_{ji} - \sum_j f_{ij} \ge 1 - M\sum_r \rho_{ir}.

    Every non-root unit draws one unit of flow from a root through uncut edges,
    which join units of one region only; every region has exactly one root, so
    every region is connected. ``formulation="cuts"`` omits the flow and adds, for a
    region :math:`r` found disconnected in a solution, minimal vertex-separator cuts
    :math:`x_{ir'} + x_{jr'} - 1 \le \sum_{v\in C} x_{vr'}` for all labels :math:`r'`
    (:math:`C` separates :math:`i` from :math:`j` in :math:`G`), then re-solves
    (:func:`rato_opt.optimize.pipeline.solve` runs the loop).

    Objective (all terms as defined in :mod:`rato_opt.assess.metrics`). For a collaboration
    :math:`c` with members :math:`M_c` and weights :math:`w_i`:
    :math:`h_{cr}\in\{0,1\}` marks its home region, :math:`\sum_r h_{cr} = 1`,
    :math:`z_{cr} \le \sum_{i\in M_c} w_i x_{ir}`, :math:`z_{cr} \le W_c h_{cr}`, and
    :math:`W_c - \sum_r z_{cr}` is the weight outside the home. Split, alignment and
    stay-close terms are such sums divided by :math:`\sum_c W_c`; compactness is
    :math:`\sum_e \ell_e y_e / \sum_e \ell_e`; the alliance term uses home alliances
    :math:`g_{ra}` per region in the same way (and :math:`x_{ir} \le \sum_{a\ni i} g_{ra}`
    when ``alliance_hard``). The solver objective is the weighted sum; constant parts
    are kept in :attr:`objective_constant`.

    Attributes
    ----------
    problem : pulp.LpProblem
        The PuLP problem (objective without its constant).
    codes : list of str
        Unit codes in model order.
    graph : networkx.Graph
        The unit graph used (connected; see :func:`model_graph`).
    K : int
        Number of region labels.
    formulation : {"flow", "cuts"}
    x : dict
        ``(unit position, label) -> variable``.
    terms : dict
        Term name -> (pulp expression, constant) giving the *weighted* term.

    Notes
    -----
    The roots :math:`\rho` may be continuous: with binary :math:`x`, :math:`x \le R` and
    :math:`\rho \le x` force them to 0/1. When cut variables exist, the valid inequality
    :math:`W_c - \sum_r z_{cr} \ge \min(w_i, w_j)\, y_{ij}` is added for every graph edge
    inside a collaboration (a cut edge puts at least its lighter end outside the home);
    ``strengthen=False`` omits it.

    Size: about :math:`2nK` assignment/root variables, :math:`|C|K` home binaries and
    :math:`|E|K` (one-sided) or :math:`2|E|K` (with compactness) cut rows.

    Measurements (this machine: 2 cores shared by several jobs, HiGHS 1.15, 1 thread
    unless said otherwise; objective split + 0.2 compactness + 0.5 alignment with
    ``amr``, population 0.5–2.0 × mean):

    - tiny grids and strips (≤ 12 units, k ≤ 3): both formulations prove optimality
      (gap 0) in well under a second with HiGHS and with CBC (see the tests);
    - synthetic, 40 units, k = 4, 30 s: neither formulation proves optimality; flow
      0.5595 (bound 0.0096), cuts 0.5853 (bound 0.0322); CBC bound 0. With the edge
      inequality the flow model reached 0.5278 (bound 0.0167). 60 units, k = 6: flow
      and cuts both 0.6421, bound 0.0061;
    - synthetic default (340 units, k = 35), 60 s: flow model 50,316 variables
      (18,131 binary), 123,859 rows, built in 9 s; cuts model 48,460 / 121,663. HiGHS
      did not finish the root LP of either within the limit: both returned the
      heuristic start (1.8616), bound 0;
    - real 2024 map (342 gemeenten, boards split by pupils, k = 35), 60 s: flow model
      57,385 variables (21,689 binary), 128,164 rows; one early run of the cut loop
      (5,031 separator cuts, each relaxation repaired into a verified plan) reached
      0.3078 where a single-start heuristic gave 0.3204; with the multi-start and
      reference-partition starts the flow model returns 0.2742 (bound 0, gap 100 %).

    The label-based LP relaxation is weak (fractional labels spread every
    collaboration evenly, so the split terms relax to about 0), which is why bounds
    stay near 0 beyond toy sizes. ``"flow"`` is the default: one solve, exact
    contiguity by construction (needed by the window search in
    :func:`rato_opt.optimize.pipeline.solve`), and results at least as good as the cut loop in
    these runs.
    """

    def __init__(
        self,
        landscape: Landscape,
        spec: RegionSpec,
        graph: nx.Graph,
        *,
        formulation: Formulation = "flow",
        elastic: bool = False,
        strengthen: bool = True,
        _light: bool = False,
    ) -> None:
        if formulation not in ("flow", "cuts"):
            raise ModelError(f"formulation must be 'flow' or 'cuts', got {formulation!r}")
        self.landscape = landscape
        self.spec = spec
        self.graph = graph
        self.formulation = formulation
        self.elastic = elastic
        self.strengthen = strengthen
        self.codes: list[str] = [str(c) for c in landscape.codes]
        self.pos = {c: i for i, c in enumerate(self.codes)}
        n = self.n = len(self.codes)
        k_lo, k_hi = _k_range(spec, n)
        self.k_min, self.k_max = k_lo, k_hi
        K = self.K = k_hi
        self.edges: list[tuple[int, int, float]] = sorted(
            (min(self.pos[a], self.pos[b]), max(self.pos[a], self.pos[b]), float(d.get("length", 0)))
            for a, b, d in graph.edges(data=True)
        )
        self.nbrs: list[list[int]] = [[] for _ in range(n)]
        for a, b, _ in self.edges:
            self.nbrs[a].append(b)
            self.nbrs[b].append(a)
        self.cut_count = 0
        self.islands: list[list[int]] = [
            sorted(self.pos[c] for c in comp) for comp in components(graph)[1:]
        ]
        self._prepare_objective_data()
        if _light:  # data only, no PuLP problem (used by the heuristics)
            return
        self.slacks: list[tuple[pulp.LpVariable, str, dict]] = []
        prob = self.problem = pulp.LpProblem("regions", pulp.LpMinimize)
        self._names: set[str] = set()
        self._vars: dict[str, pulp.LpVariable] = {}  # pulp's problem.variables() is slow
        self._cnames: list[str] = []
        self._cname_set: set[str] = set()

        # ---- assignment, roots, symmetry breaking
        self.labels = [list(range(min(i, K - 1) + 1)) for i in range(n)]
        self.x = {(i, r): self._var(f"x_{_clean(self.codes[i])}_R{r}", 0, 1, "Binary")
                  for i in range(n) for r in self.labels[i]}
        # roots may be continuous: with binary x, x <= R and root <= x force them integral
        self.root = {(i, r): self._var(f"root_{_clean(self.codes[i])}_R{r}", 0, 1, "Continuous")
                     for i in range(n) for r in self.labels[i]}
        cum = {}
        for i in range(n):
            self._con(pulp.lpSum(self.x[i, r] for r in self.labels[i]) == 1,
                      f"assign_{_clean(self.codes[i])}")
            for r in self.labels[i]:
                if i == r:
                    cum[i, r] = self.root[i, r]
                    if r == 0:
                        self._con(self.root[0, 0] == 1, "root_first_unit")
                else:
                    c = self._var(f"rootsum_{_clean(self.codes[i])}_R{r}", 0, 1, "Continuous")
                    self._con(c == cum[i - 1, r] + self.root[i, r],
                              f"rootsum_{_clean(self.codes[i])}_R{r}")
                    cum[i, r] = c
                self._con(self.root[i, r] <= self.x[i, r], f"root_in_{_clean(self.codes[i])}_R{r}")
                self._con(self.x[i, r] <= cum[i, r], f"after_root_{_clean(self.codes[i])}_R{r}")
                if r >= 1 and i >= 1:
                    self._con(cum[i, r] <= cum[i - 1, r - 1],
                              f"order_{_clean(self.codes[i])}_R{r}")
        self.cum = cum
        self.used: dict[int, pulp.LpAffineExpression | int] = {}
        for r in range(K):
            last = cum[n - 1, r]
            if r < k_lo:
                self._con(last == 1, f"region_R{r}_used")
                self.used[r] = 1
            else:
                self.used[r] = last
        self._members_of = [[i for i in range(n) if r in set(self.labels[i])] for r in range(K)]
        # islands: regions of their own (contiguity does that), exempt from lower bounds
        self.island_root: dict[int, pulp.LpAffineExpression | int] = {}
        for ci, comp in enumerate(self.islands):
            for j in comp[1:]:
                for r in self.labels[comp[0]]:
                    self._con(self.x[comp[0], r] == self.x.get((j, r), 0),
                              f"island{ci}_{_clean(self.codes[j])}_R{r}")
        for r in range(K):
            roots = [self.root[c[0], r] for c in self.islands if (c[0], r) in self.root]
            self.island_root[r] = pulp.lpSum(roots) if roots else 0

        # ---- number of regions choice (for relative bounds with a k range)
        self.q_choice: dict[int, pulp.LpVariable] = {}
        n_regions = pulp.lpSum(self.used[r] for r in range(K))
        self.n_regions_expr = n_regions
        needs_q = k_lo != k_hi and any(b.relative for b in spec.bounds)
        if needs_q:
            self.q_choice = {q: self._var(f"nregions_is_{q}", 0, 1, "Binary")
                             for q in range(k_lo, k_hi + 1)}
            self._con(pulp.lpSum(self.q_choice.values()) == 1, "nregions_choice")
            self._con(pulp.lpSum(q * v for q, v in self.q_choice.items()) == n_regions,
                      "nregions_link")

        # ---- cut edges
        comp = spec.objective.compactness > 0
        need_cut = formulation == "flow" or comp
        self.cut: dict[tuple[int, int], pulp.LpVariable] = {}
        if need_cut:
            for a, b, _ in self.edges:
                y = self._var(f"cut_{_clean(self.codes[a])}_{_clean(self.codes[b])}", 0, 1,
                              "Continuous")
                self.cut[a, b] = y
                for r in range(K):
                    xa = self.x.get((a, r))
                    xb = self.x.get((b, r))
                    if xa is None and xb is None:
                        continue
                    ea = xa if xa is not None else 0
                    eb = xb if xb is not None else 0
                    if xa is not None:
                        self._con(y >= ea - eb, f"cutdef_{y.name[4:]}_R{r}")
                    if comp and xb is not None:
                        self._con(y >= eb - ea, f"cutdef2_{y.name[4:]}_R{r}")

        # ---- bounds and unit counts
        self.bound_info: list[dict] = []
        for bi, b in enumerate(spec.bounds):
            w = _weights(landscape, b.column)
            self._add_bound(bi, b, w)
        ones = np.ones(n)
        if spec.min_units is not None or spec.max_units is not None:
            cnt = Bound("units", lower=spec.min_units, upper=spec.max_units)
            self._add_bound(len(spec.bounds), cnt, ones, label="units")

        # ---- contiguity
        self.flow: dict[tuple[int, int], pulp.LpVariable] = {}
        if formulation == "flow":
            M = spec.max_units or (n - k_lo + 1)
            for a, b, _ in self.edges:
                for i, j in ((a, b), (b, a)):
                    f = self._var(f"flow_{_clean(self.codes[i])}_{_clean(self.codes[j])}",
                                  0, M - 1, "Continuous")
                    self.flow[i, j] = f
                    self._con(f <= (M - 1) * (1 - self.cut[a, b]),
                              f"flowcap_{_clean(self.codes[i])}_{_clean(self.codes[j])}")
            for i in range(n):
                inflow = pulp.lpSum(self.flow[j, i] for j in self.nbrs[i])
                outflow = pulp.lpSum(self.flow[i, j] for j in self.nbrs[i])
                is_root = pulp.lpSum(self.root[i, r] for r in self.labels[i])
                self._con(inflow - outflow >= 1 - M * is_root, f"flowbal_{_clean(self.codes[i])}")

        # ---- locks
        self._add_locks(spec.locks)

        # ---- objective
        self.terms: dict[str, tuple[pulp.LpAffineExpression, float]] = {}
        self.home_vars: list[tuple[np.ndarray, dict[int, pulp.LpVariable]]] = []
        self._build_objective()
        if elastic:
            prob.setObjective(pulp.lpSum(v * p["penalty"] for v, _, p in self.slacks))
            self.objective_constant = 0.0
        else:
            prob.setObjective(pulp.lpSum(e for e, _ in self.terms.values()))
            self.objective_constant = float(sum(c for _, c in self.terms.values()))

    # ------------------------------------------------------------------ helpers
    def _var(self, name: str, low, up, cat: str) -> pulp.LpVariable:
        if name in self._names:
            name = f"{name}_{len(self._names)}"
        self._names.add(name)
        v = self.problem.add_variable(name, lowBound=low, upBound=up, cat=cat)
        self._vars[name] = v
        return v

    def _con(self, constraint, name: str) -> None:
        if name in self._cname_set:
            name = f"{name}_{len(self._cnames)}"
        self._cnames.append(name)
        self._cname_set.add(name)
        self.problem.addConstraint(constraint, name)

    def _slack(self, name: str, penalty: float, info: dict) -> pulp.LpVariable:
        v = self._var(f"slack_{name}", 0, None, "Continuous")
        self.slacks.append((v, name, {**info, "penalty": penalty}))
        return v

    def _add_bound(self, bi: int, b: Bound, w: np.ndarray, *, label: str | None = None) -> None:
        label = label or f"{_clean(b.column)}"
        total = float(w.sum())
        info = {"index": bi, "bound": b, "column": b.column if label != "units" else "units"}
        for r in range(self.K):
            load = pulp.lpSum(w[i] * self.x[i, r] for i in self._members_of[r] if w[i] != 0)
            used = self.used[r]
            for side in ("lower", "upper"):
                val = getattr(b, side)
                if val is None:
                    continue
                isl = self.island_root[r] if side == "lower" else 0
                if b.relative and self.q_choice:
                    rhs_q = {q: val * total / q for q in self.q_choice}
                    rhs = pulp.lpSum(rhs_q[q] * v for q, v in self.q_choice.items())
                    if side == "lower":
                        rhs = rhs - max(rhs_q.values()) * (1 - used + isl)
                elif b.relative:
                    rhs = val * total / self.k_max * (used - isl)
                else:
                    rhs = val * (used - isl)
                name = f"{side}_{label}_b{bi}_R{r}"
                scale = max(abs(getattr(b, side)) * (total / self.k_max if b.relative else 1), 1.0)
                if self.elastic:
                    s = self._slack(name, 1.0 / scale, {**info, "side": side, "region": r})
                    if side == "upper":
                        self._con(load - s <= rhs, name)
                    else:
                        self._con(load + s >= rhs, name)
                else:
                    self._con(load <= rhs if side == "upper" else load >= rhs, name)

    def _lock_slack(self, name: str, info: dict) -> pulp.LpVariable | int:
        if not self.elastic:
            return 0
        return self._slack(name, 10.0, info)

    def _keep_together(self, ids: list[int], slack, prefix: str) -> None:
        """Constraints putting units ``ids`` (positions) in one region, up to ``slack``.

        Each unit is tied to the first one: ``x[first, r] == x[j, r]`` as two
        inequalities named ``{prefix}_{first}_{j}_R{r}`` and ``..._b``.
        """
        X = self.x
        first = ids[0]
        for j in ids[1:]:
            for r in range(self.K):
                if (first, r) in X or (j, r) in X:
                    xf, xj = X.get((first, r), 0), X.get((j, r), 0)
                    nm = f"{prefix}_{_clean(self.codes[first])}_{_clean(self.codes[j])}_R{r}"
                    self._con(xf - xj <= slack, nm)
                    self._con(xj - xf <= slack, nm + "_b")

    def _add_locks(self, locks: Locks) -> None:
        unknown = sorted(c for c in locks.codes if c not in self.pos)
        if unknown:
            raise UnitCodeError(f"locks name unknown unit codes: {listing(unknown)}")
        X = self.x
        together = [list(g) for g in locks.together]
        labels: dict[str, list[str]] = {}
        for code, lab in sorted(locks.fixed.items()):
            labels.setdefault(lab, []).append(code)
        together += [v for _, v in sorted(labels.items()) if len(v) > 1]
        apart = [tuple(p) for p in locks.apart]
        firsts = [v[0] for _, v in sorted(labels.items())]
        apart += [(a, b) for ia, a in enumerate(firsts) for b in firsts[ia + 1:]]
        for gi, group in enumerate(together):
            s = self._lock_slack(f"together_{gi}", {"kind": "together", "units": tuple(group)})
            self._keep_together([self.pos[c] for c in group], s, "together")
        for a, b in apart:
            s = self._lock_slack(f"apart_{a}_{b}", {"kind": "apart", "units": (a, b)})
            ia, ib = self.pos[a], self.pos[b]
            for r in range(self.K):
                if (ia, r) in X and (ib, r) in X:
                    self._con(X[ia, r] + X[ib, r] <= 1 + s,
                              f"apart_{_clean(a)}_{_clean(b)}_R{r}")
        for gi, group in enumerate(locks.own_region):
            s = self._lock_slack(f"own_{gi}", {"kind": "own_region", "units": tuple(group)})
            ids = [self.pos[c] for c in group]
            self._keep_together(ids, s, "own_together")
            inside = set(ids)
            border = sorted({v for i in ids for v in self.nbrs[i]} - inside)
            g0 = ids[0]
            n_out = self.n - len(ids)
            for r in range(self.K):
                if (g0, r) not in X:
                    continue
                for v in border:
                    if (v, r) in X:
                        self._con(X[g0, r] + X[v, r] <= 1 + s,
                                  f"own_{gi}_border_{_clean(self.codes[v])}_R{r}")
                others = [X[i, r] for i in self._members_of[r] if i not in inside]
                if others:
                    self._con(pulp.lpSum(others) <= n_out * (1 - X[g0, r]) + n_out * s,
                              f"own_{gi}_alone_R{r}")

    def _split_group(self, g: _Group, prefix: str) -> tuple[pulp.LpAffineExpression, float]:
        """Weighted expression of sum_c (W_c - max_r W_{c,r}) * coef."""
        expr = []
        const = 0.0
        for ci, (m, w) in enumerate(g.members):
            Wc = float(w.sum())
            const += g.coef * Wc
            regions = sorted({r for i in m for r in self.labels[i]})
            h = {r: self._var(f"{prefix}_home_c{ci}_R{r}", 0, 1, "Binary") for r in regions}
            self.home_vars.append((m, h))
            self._con(pulp.lpSum(h.values()) == 1, f"{prefix}_home_c{ci}")
            zs = []
            for r in regions:
                inside = [(wi, self.x[i, r]) for i, wi in zip(m, w, strict=True) if (i, r) in self.x]
                z = self._var(f"{prefix}_in_home_c{ci}_R{r}", 0, Wc, "Continuous")
                self._con(z <= pulp.lpSum(wi * v for wi, v in inside), f"{prefix}_inhome_c{ci}_R{r}")
                self._con(z <= Wc * h[r], f"{prefix}_homecap_c{ci}_R{r}")
                zs.append(z)
            expr.append(-g.coef * pulp.lpSum(zs))
            if self.cut and self.strengthen:
                # valid inequality: a cut edge inside the collaboration puts the lighter
                # end (at least) outside the main region
                wm = dict(zip(m.tolist(), w.tolist(), strict=True))
                outside = Wc - pulp.lpSum(zs)
                for a, b, _ in self.edges:
                    if a in wm and b in wm and (a, b) in self.cut:
                        self._con(outside >= min(wm[a], wm[b]) * self.cut[a, b],
                                  f"{prefix}_edge_c{ci}_{_clean(self.codes[a])}_"
                                  f"{_clean(self.codes[b])}")
        return pulp.lpSum(expr), const

    def _prepare_objective_data(self) -> None:
        spec, obj, land = self.spec, self.spec.objective, self.landscape
        self.groups: dict[str, list[_Group]] = {t: [] for t in TERMS}
        w = _weights(land, obj.split_by)
        self.split_weights = w
        if obj.split > 0:
            for layer, lw in sorted(split_layer_weights(land, obj).items()):
                g = _group_from_members(
                    f"split_{layer}", obj.split * lw, _layer_collabs(land, layer, self.pos), w
                )
                if g is not None:
                    self.groups["split"].append(g)
        if obj.alignment > 0:
            g = _group_from_members(
                "alignment", obj.alignment, _layer_collabs(land, obj.reference, self.pos), w
            )
            if g is not None:
                self.groups["alignment"].append(g)
        if obj.stay_close > 0:
            g = _group_from_members("stay", obj.stay_close, _start_collabs(spec.start, self.pos), w)
            if g is not None:
                self.groups["stay_close"].append(g)
        self.total_length = sum(d for _, _, d in self.edges)
        self.alliances: list[np.ndarray] = []
        if obj.alliance > 0 or obj.alliance_hard:
            _layer_collabs(land, obj.alliance_layer, self.pos)  # names a missing layer
            # national alliances (covering every unit) are left out, as in the metrics
            regional = regional_collaborations(land.layers[obj.alliance_layer],
                                               pd.Index(self.codes))
            self.alliances = [np.array(sorted(self.pos[u] for u in units), dtype=int)
                              for _, units in sorted(regional.members().items()) if units]

    def _build_objective(self) -> None:
        obj = self.spec.objective
        w = self.split_weights
        for term in ("split", "alignment", "stay_close"):
            exprs, const = [], 0.0
            for gi, g in enumerate(self.groups[term]):
                e, c = self._split_group(g, f"{term}{gi}_{_clean(g.name)}")
                exprs.append(e)
                const += c
            self.terms[term] = (pulp.lpSum(exprs), const)
        total_len = self.total_length
        if obj.compactness > 0 and total_len > 0:
            self.terms["compactness"] = (
                pulp.lpSum(obj.compactness * d / total_len * self.cut[a, b]
                           for a, b, d in self.edges if d > 0), 0.0)
        else:
            self.terms["compactness"] = (pulp.LpAffineExpression(), 0.0)
        self.alliance_home: dict[tuple[int, int], pulp.LpVariable] = {}
        if obj.alliance > 0 or obj.alliance_hard:
            A = len(self.alliances)
            Wtot = float(w.sum())
            of_unit: list[list[int]] = [[] for _ in range(self.n)]
            for a, m in enumerate(self.alliances):
                for i in m:
                    of_unit[i].append(a)
            zs = []
            for r in range(self.K):
                g = {a: self._var(f"alliance_home_R{r}_a{a}", 0, 1, "Binary") for a in range(A)}
                self.alliance_home.update({(r, a): v for a, v in g.items()})
                self._con(pulp.lpSum(g.values()) <= 1, f"alliance_home_R{r}")
                if obj.alliance > 0 and Wtot > 0:
                    for a in range(A):
                        m = [i for i in self.alliances[a] if (i, r) in self.x and w[i] > 0]
                        if not m:
                            continue
                        ua = float(w[m].sum())
                        z = self._var(f"alliance_in_R{r}_a{a}", 0, ua, "Continuous")
                        self._con(z <= pulp.lpSum(w[i] * self.x[i, r] for i in m),
                                  f"alliance_in_R{r}_a{a}")
                        self._con(z <= ua * g[a], f"alliance_cap_R{r}_a{a}")
                        zs.append(z)
                if obj.alliance_hard:
                    for i in self._members_of[r]:
                        s = 0
                        if self.elastic:
                            s = self._slack(f"alliance_hard_{self.codes[i]}_R{r}", 10.0,
                                            {"kind": "alliance_hard", "units": (self.codes[i],)})
                        self._con(self.x[i, r] <= pulp.lpSum(g[a] for a in of_unit[i]) + s,
                                  f"alliance_hard_{_clean(self.codes[i])}_R{r}")
            if obj.alliance > 0 and Wtot > 0:
                self.terms["alliance"] = (-obj.alliance / Wtot * pulp.lpSum(zs), obj.alliance)
            else:
                self.terms["alliance"] = (pulp.LpAffineExpression(), 0.0)
        else:
            self.terms["alliance"] = (pulp.LpAffineExpression(), 0.0)

    # ------------------------------------------------------------------ public API
    @property
    def n_variables(self) -> int:
        """Number of variables."""
        return len(self._vars)

    @property
    def n_binaries(self) -> int:
        """Number of binary variables."""
        return sum(1 for v in self._vars.values() if v.cat == pulp.LpInteger)

    @property
    def n_constraints(self) -> int:
        """Number of constraints (including cuts added so far)."""
        return len(self._cnames)

    @property
    def constraint_names(self) -> list[str]:
        """Names of all constraints, in the order they were added."""
        return list(self._cnames)

    def write_lp(self, path) -> None:
        """Write the problem as an LP file (readable names)."""
        self.problem.writeLP(str(path))

    def assignment_from_values(self) -> pd.Series:
        """Read the assignment from the variable values (after a solve).

        Returns
        -------
        Series
            Index = unit code, values = label ``"R.."`` (not yet canonical).
        """
        out = {}
        for i, code in enumerate(self.codes):
            vals = [(self.x[i, r].varValue or 0.0, -r) for r in self.labels[i]]
            best = max(vals)
            out[code] = -best[1]
        return pd.Series(out, name="region")

    def labels_of(self, assignment: Mapping[str, object]) -> np.ndarray:
        """Map any assignment to model labels 0..q-1 (ordered by first unit)."""
        seen: dict[object, int] = {}
        lab = np.empty(self.n, dtype=int)
        for i, code in enumerate(self.codes):
            reg = assignment[code]
            if reg not in seen:
                seen[reg] = len(seen)
            lab[i] = seen[reg]
        return lab

    def set_start(self, assignment: Mapping[str, object]) -> bool:
        """Set variable values from an assignment (for a warm start).

        Returns False (and sets nothing) when the assignment has more regions than
        labels. Values of the auxiliary variables are derived so that the start is
        consistent; a solver still checks it.
        """
        lab = self.labels_of(assignment)
        if lab.max() + 1 > self.K:
            return False
        for v in self._vars.values():
            v.varValue = 0.0
        first = {}
        for i in range(self.n):
            first.setdefault(lab[i], i)
        for (i, r), v in self.x.items():
            v.varValue = 1.0 if lab[i] == r else 0.0
        for (i, r), v in self.root.items():
            v.varValue = 1.0 if first.get(r) == i else 0.0
        for (i, r), v in self.cum.items():
            if isinstance(v, pulp.LpVariable):
                v.varValue = 1.0 if first.get(r, self.n) <= i else 0.0
        q = lab.max() + 1
        for qq, v in self.q_choice.items():
            v.varValue = 1.0 if qq == q else 0.0
        for (a, b), y in self.cut.items():
            y.varValue = 1.0 if lab[a] != lab[b] else 0.0
        if self.flow:
            for r, root in first.items():
                members = [i for i in range(self.n) if lab[i] == r]
                sub = nx.Graph()
                sub.add_nodes_from(members)
                sub.add_edges_from((a, b) for a, b, _ in self.edges if lab[a] == r and lab[b] == r)
                if not nx.is_connected(sub):
                    continue
                tree = nx.bfs_tree(sub, root)
                sizes = {}
                for node in reversed(list(nx.topological_sort(tree))):
                    sizes[node] = 1 + sum(sizes[c] for c in tree.successors(node))
                for p, c in tree.edges():
                    self.flow[p, c].varValue = float(sizes[c])
        # objective helper variables: choose the best home for each collaboration
        for v in self._vars.values():
            name = v.name
            if "_home_c" in name or "_in_home_c" in name or name.startswith("alliance_"):
                v.varValue = 0.0
        for term in ("split", "alignment", "stay_close"):
            for gi, g in enumerate(self.groups[term]):
                prefix = f"{term}{gi}_{_clean(g.name)}"
                for ci, (m, w) in enumerate(g.members):
                    loads: dict[int, float] = {}
                    for i, wi in zip(m, w, strict=True):
                        loads[lab[i]] = loads.get(lab[i], 0.0) + wi
                    home = min(loads, key=lambda r: (-loads[r], r))
                    regions = sorted({r for i in m for r in self.labels[i]})
                    if home not in regions:
                        continue
                    self._byname(f"{prefix}_home_c{ci}_R{home}").varValue = 1.0
                    self._byname(f"{prefix}_in_home_c{ci}_R{home}").varValue = loads[home]
        if self.alliance_home:
            w = self.split_weights
            for r in range(q):
                members = np.flatnonzero(lab == r)
                loads = [float(w[np.intersect1d(m, members)].sum()) for m in self.alliances]
                if not loads:
                    continue
                cands = [a for a in range(len(loads))
                         if not self.spec.objective.alliance_hard
                         or set(members) <= set(self.alliances[a])]
                if not cands:
                    continue
                best = min(cands, key=lambda a: (-loads[a], a))
                self.alliance_home[r, best].varValue = 1.0
                z = self._byname(f"alliance_in_R{r}_a{best}", missing_ok=True)
                if z is not None:
                    members_w = [i for i in self.alliances[best] if lab[i] == r]
                    z.varValue = float(w[members_w].sum())
        return True

    def _byname(self, name: str, *, missing_ok: bool = False):
        v = self._vars.get(name)
        if v is None and not missing_ok:
            raise KeyError(name)
        return v

    def add_separator_cuts(self, assignment: Mapping[str, object], *, max_per_piece: int = 8) -> int:
        """Add vertex-separator cuts for every disconnected region of ``assignment``.

        For each region with several pieces, and each piece S not holding the region's
        first unit j, cuts :math:`x_{ir}+x_{jr}-1 \\le \\sum_{v\\in C} x_{vr}` are added for
        up to ``max_per_piece`` units i of S and every label r, with C the neighbours of S
        adjacent to the component of j in G - S - N(S) (a minimal separator).

        Returns
        -------
        int
            Number of cuts added (0 when every region is connected).
        """
        lab = self.labels_of(assignment)
        added = 0
        G = self._ig()
        for r in range(lab.max() + 1):
            members = np.flatnonzero(lab == r)
            sub = G.subgraph(members.tolist())
            pieces = sorted((sorted(c) for c in nx.connected_components(sub)), key=lambda c: c[0])
            if len(pieces) <= 1:
                continue
            j = pieces[0][0]
            for S in pieces[1:]:
                Sset = set(S)
                nS = {v for i in S for v in self.nbrs[i]} - Sset
                rest = G.subgraph([v for v in range(self.n) if v not in Sset and v not in nS])
                if j in nS:
                    continue
                Kj = nx.node_connected_component(rest, j)
                C = sorted(v for v in nS if any(u in Kj for u in self.nbrs[v]))
                for i in S[:max_per_piece]:
                    for rr in range(self.K):
                        if (i, rr) not in self.x or (j, rr) not in self.x:
                            continue
                        rhs = pulp.lpSum(self.x[v, rr] for v in C if (v, rr) in self.x)
                        self.cut_count += 1
                        self._con(self.x[i, rr] + self.x[j, rr] - 1 <= rhs,
                                  f"sep{self.cut_count}_{_clean(self.codes[i])}_"
                                  f"{_clean(self.codes[j])}_R{rr}")
                        added += 1
        return added

    def _ig(self) -> nx.Graph:
        if not hasattr(self, "_int_graph"):
            g = nx.Graph()
            g.add_nodes_from(range(self.n))
            g.add_edges_from((a, b) for a, b, _ in self.edges)
            self._int_graph = g
        return self._int_graph

    def evaluate(self, assignment: Mapping[str, object]) -> dict[str, float]:
        """Weighted objective terms of an assignment, as the model counts them.

        Returns
        -------
        dict
            ``{term: value}`` for every name in :data:`TERMS`.
        """
        lab = self.labels_of(assignment)
        out = dict.fromkeys(TERMS, 0.0)
        for term in ("split", "alignment", "stay_close"):
            for g in self.groups[term]:
                s = 0.0
                for m, w in g.members:
                    loads: dict[int, float] = {}
                    for i, wi in zip(m, w, strict=True):
                        loads[lab[i]] = loads.get(lab[i], 0.0) + wi
                    s += float(w.sum()) - max(loads.values())
                out[term] += g.coef * s
        obj = self.spec.objective
        if obj.compactness > 0 and self.total_length > 0:
            cut = sum(d for a, b, d in self.edges if lab[a] != lab[b])
            out["compactness"] = obj.compactness * cut / self.total_length
        if obj.alliance > 0:
            w = self.split_weights
            Wtot = float(w.sum())
            if Wtot > 0:
                kept = 0.0
                for r in range(lab.max() + 1):
                    inr = lab == r
                    kept += max([float(w[m][inr[m]].sum()) for m in self.alliances] or [0.0])
                out["alliance"] = obj.alliance * (Wtot - kept) / Wtot
        return out

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (
            f"RegionModel(units={self.n}, labels={self.K}, formulation={self.formulation!r}, "
            f"variables={self.n_variables}, binaries={self.n_binaries}, "
            f"constraints={self.n_constraints})"
        )


def _k_range(spec: RegionSpec, n: int) -> tuple[int, int]:
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


def build_model(
    landscape: Landscape,
    spec: RegionSpec,
    *,
    graph: nx.Graph | None = None,
    formulation: Formulation = "flow",
    check: bool = True,
) -> RegionModel:
    """Build the region integer program; no solver is called.

    Parameters
    ----------
    landscape : Landscape
        Units (with the weight columns the spec names) and layers.
    spec : RegionSpec
        Number of regions, bounds, objective and locks.
    graph : networkx.Graph, optional
        The unit graph; built from the landscape (with its links) when omitted.
    formulation : {"flow", "cuts"}, default "flow"
        Contiguity by a compact single-commodity flow, or by separator cuts added
        in a solve-and-cut loop (see :class:`RegionModel`).
    check : bool, default True
        Run the pre-solve feasibility checks of :func:`rato_opt.assess.diagnose.check_feasible`
        (raising :class:`~rato_opt.exceptions.InfeasibleError` naming units and bounds).

    Returns
    -------
    RegionModel

    Raises
    ------
    DisconnectedError
        When the unit graph has unreachable components and ``spec.allow_islands`` is False.
    InfeasibleError
        From the pre-checks.
    ModelError, ColumnError, LayerError, UnitCodeError
        On an inconsistent spec.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape.units import validate_units
    >>> from rato_opt.landscape.layers import Layer
    >>> units = validate_units(gpd.GeoDataFrame({"code": ["a", "b", "c", "d"],
    ...     "population": [1, 2, 3, 4]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(units, [Layer.from_partition("sop", {"a": "1", "b": "1", "c": "2"})])
    >>> model = build_model(land, RegionSpec(k=2))
    >>> model.K, model.n_binaries > 0
    (2, True)
    """
    if not isinstance(spec, RegionSpec):
        raise ModelError(f"spec must be a RegionSpec, got {type(spec).__name__}")
    graph = model_graph(landscape, spec, graph=graph)
    if check:
        try:
            from ..assess.diagnose import check_feasible
        except ImportError:  # pragma: no cover - diagnose is written alongside
            check_feasible = None
        if check_feasible is not None:
            check_feasible(landscape, spec, graph=graph)
    return RegionModel(landscape, spec, graph, formulation=formulation)

