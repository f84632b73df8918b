"""GerryChain's ReCom short-burst optimiser as a baseline for keeping collaborations whole.

What a districting practitioner would reach for: GerryChain's ReCom proposal
(merge two adjacent regions, draw a random spanning tree of the merged part, cut it
into two population-balanced halves) inside
:class:`gerrychain.optimization.SingleMetricOptimizer`'s *short bursts* (each burst of
``burst_length`` states starts from the best plan seen so far), minimising the very
objective rato_opt minimises. The run starts from the arbeidsmarktregio plan (the
``amr`` layer), works on the same unit graph as rato_opt
(:func:`rato_opt.graph_from_landscape`, ferry and tunnel links included) and is
seeded: the same landscape, spec, seed and ``steps`` give the same plan.

Population bounds
-----------------
GerryChain balances one column symmetrically: every part ReCom creates must have
population within ``pop_target * (1 ± epsilon)``. Our bounds are asymmetric around
the mean region (e.g. 0.284-2.803 x mean), so the window is moved, not widened:
with absolute bounds ``[lo, hi]`` (:func:`recom_window`)

.. math::

    \\text{pop\\_target} = \\frac{lo + hi}{2}, \\qquad
    \\varepsilon = \\frac{hi - lo}{hi + lo},

so that ``pop_target * (1 - eps) = lo`` and ``pop_target * (1 + eps) = hi``
exactly: ReCom's bipartition accepts precisely the cuts whose two halves both
lie within our bounds. (Centring the window on the mean instead would need
``epsilon = max(1 - L, U - 1)``, e.g. 1.8, which allows empty regions.) A merged
pair that cannot be split within the bounds is given up after ``max_attempts``
spanning trees and another adjacent pair is drawn (``allow_pair_reselection``).

ReCom only checks the two regions it re-draws. A start plan outside the bounds (the
arbeidsmarktregio's are not within 0.6-1.85 x mean) is repaired on the way: the
score of a plan outside the bounds is ``cap + 1 + violation`` (``cap`` = sum of the
objective weights, above any plan's objective; ``violation`` = total excess over
the bounds in mean regions), so every plan within the bounds beats every plan
outside them and, among those outside, less violation wins. Other bound columns,
if any, enter only through this penalty. The returned plan is the best one seen;
the harness checks it with :func:`rato_opt.verify_plan` and reports a plan outside
the bounds as such.

Number of regions
-----------------
ReCom keeps the number of regions. The start plan is the arbeidsmarktregio
partition, each region split into its connected parts on the unit graph, then
brought to ``k`` (:func:`reference_plan`): while there are too many regions the
least populous is merged into its least populous neighbour; while there are too
few the most populous region that GerryChain's own
:func:`gerrychain.tree.bipartition_tree` can cut into two parts within the bounds is
cut (the most populous of several units, into near-halves, if none can). At k = 50
this turns the 35 arbeidsmarktregio's into 50 regions.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["GerryChainRun", "KeepWholeScore", "recom_window", "reference_plan",
           "gerrychain_graph", "run_gerrychain"]


# ----------------------------------------------------------------------------- bounds
def recom_window(lower: float | None, upper: float | None, total: float) -> tuple[float, float]:
    """ReCom's ``(pop_target, epsilon)`` whose window is exactly ``[lower, upper]``.

    Parameters
    ----------
    lower, upper : float or None
        Absolute population bounds of a region (None: 0, resp. the total).
    total : float
        Total population (the upper bound when none is given).

    Returns
    -------
    (float, float)
        ``pop_target = (lower + upper) / 2`` and ``epsilon = (upper - lower) / (upper +
        lower)``, so ``pop_target * (1 - epsilon) == lower`` and ``pop_target * (1 +
        epsilon) == upper``.

    Examples
    --------
    Bounds 0.284-2.803 x a mean region of 100:

    >>> target, eps = recom_window(28.4, 280.3, 3500)
    >>> round(target, 2), round(eps, 4)
    (154.35, 0.816)
    >>> round(target * (1 - eps), 6), round(target * (1 + eps), 6)
    (28.4, 280.3)
    """
    lo = 0.0 if lower is None else float(lower)
    hi = float(total) if upper is None else float(upper)
    if hi < lo or hi <= 0:
        raise ValueError(f"need 0 <= lower <= upper, upper > 0; got {lower}, {upper}")
    return (lo + hi) / 2.0, (hi - lo) / (hi + lo)


# ----------------------------------------------------------------------------- score
class KeepWholeScore:
    """rato_opt's objective of a plan given as region indices, plus its bound violation.

    Compiled once into arrays (memberships, weights, graph edges), so scoring a plan
    of n units costs a few ``numpy.bincount`` calls. Split, alignment and compactness
    are computed here exactly as :mod:`rato_opt.assess.metrics` defines them; any other
    weighted term (count, alliance, stay_close) falls back to
    :func:`rato_opt.assess.metrics.objective_terms`.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
        Objective weights and bounds (``spec.k`` regions).
    graph : networkx.Graph
        The unit graph (edge ``length`` for compactness).
    labels : sequence of str
        Region labels; region index ``r`` is ``labels[r]``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units, graph_from_landscape
    >>> from rato_opt.spec import Objective, RegionSpec
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "population": [1, 1, 1]},
    ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, [Layer.from_partition("sop", {"A": "x", "B": "x", "C": "y"})])
    >>> spec = RegionSpec(k=2, objective=Objective(compactness=0))
    >>> score = KeepWholeScore(land, spec, graph_from_landscape(land), ["R1", "R2"])
    >>> round(score.objective(np.array([0, 1, 1])), 4)  # x split 1 of 2 members (of 3)
    0.3333
    """

    def __init__(self, landscape: Any, spec: Any, graph: nx.Graph, labels: list[str]) -> None:
        from rato_opt.assess import split as sp
        from rato_opt.assess.metrics import split_layer_weights, unit_weights
        from rato_opt.spec import TERMS

        self.landscape, self.spec, self.graph = landscape, spec, graph
        self.labels = [str(x) for x in labels]
        self.codes = [str(c) for c in landscape.codes]
        pos = {c: i for i, c in enumerate(self.codes)}
        obj = spec.objective
        how = getattr(obj, "split_weight", "unit")
        w = unit_weights(landscape, obj.split_by)
        self._layers: list[tuple[float, np.ndarray, np.ndarray, np.ndarray, int]] = []
        layer_weights = split_layer_weights(landscape, obj)
        pairs = [(obj.split * lw, name) for name, lw in layer_weights.items()]
        if obj.alignment > 0 and obj.reference is not None:
            pairs.append((obj.alignment, obj.reference))
        def compiled(weight: float, name: str) -> tuple:
            """(weight, member unit positions, collaboration index, member weights, count)."""
            layer = landscape.layers[name]
            m = sp.membership(layer)
            unit = m["unit"].map(pos).to_numpy(dtype=np.int64)
            coll, _ = pd.factorize(m["collaboration"])
            mw = np.asarray(sp.member_weights(layer, w, split_weight=how), dtype=float)
            return weight, unit, coll.astype(np.int64), mw, int(coll.max()) + 1

        self._layers += [compiled(weight, name) for weight, name in pairs if weight > 0]
        # the count term: collaborations with more than split_threshold of their weight
        # outside their main region, per layer, over those with weight (rato_opt.assess.metrics)
        self._count_layers: list[tuple[float, np.ndarray, np.ndarray, np.ndarray, int]] = []
        self._threshold = float(getattr(obj, "split_threshold", 0.0) or 0.0)
        if getattr(obj, "split_count", 0.0) > 0:
            from rato_opt.assess.metrics import count_layer_weights

            self._count_layers += [compiled(obj.split_count * lw, name) for name, lw
                                   in count_layer_weights(landscape, obj).items() if lw > 0]
        self._compact = obj.compactness
        if obj.compactness > 0:
            edges = list(graph.edges(data="length", default=0.0))
            self._eu = np.array([pos[str(a)] for a, _, _ in edges], dtype=np.int64)
            self._ev = np.array([pos[str(b)] for _, b, _ in edges], dtype=np.int64)
            self._el = np.nan_to_num(np.array([x for *_, x in edges], dtype=float), nan=0.0)
        # terms computed here; any other weighted term: objective_terms (exact, slower)
        weighted = {t for t in TERMS if getattr(obj, t, 0.0) > 0}
        self._fallback = not weighted <= {"split", "split_count", "compactness", "alignment"}
        count_layers = getattr(obj, "split_count_layers", None) or {}
        self.cap = float(sum(getattr(obj, t, 0.0) for t in TERMS)) * max(
            1.0, float(sum(layer_weights.values())), float(sum(count_layers.values())))
        k = int(spec.k) if spec.k is not None else len(self.labels)
        self._bounds = []
        for b in spec.bounds:
            col = landscape.units[b.column].reindex(self.codes).to_numpy(dtype=float)
            mean = col.sum() / k
            scale = mean if b.relative else 1.0
            lo = None if b.lower is None else b.lower * scale
            hi = None if b.upper is None else b.upper * scale
            self._bounds.append((col, lo, hi, mean if mean > 0 else 1.0))

    def assignment(self, region: np.ndarray) -> pd.Series:
        """The plan as a Series unit code -> region label."""
        return pd.Series([self.labels[r] for r in region], index=pd.Index(self.codes, name="code"),
                         name="region", dtype=object)

    def objective(self, region: np.ndarray) -> float:
        """rato_opt's objective value (sum of the weighted terms) of ``region``."""
        if self._fallback:
            from rato_opt.assess.metrics import objective_terms

            terms = objective_terms(self.landscape, self.assignment(region), self.spec, self.graph)
            return float(sum(terms.values()))
        n_reg = len(self.labels)
        total = 0.0
        for weight, unit, coll, w, n_coll in self._layers:
            key = coll * n_reg + region[unit]
            per = np.bincount(key, weights=w, minlength=n_coll * n_reg).reshape(n_coll, n_reg)
            denom = float(w.sum())
            if denom > 0:
                total += weight * (denom - float(per.max(axis=1).sum())) / denom
        for weight, unit, coll, w, n_coll in self._count_layers:
            key = coll * n_reg + region[unit]
            per = np.bincount(key, weights=w, minlength=n_coll * n_reg).reshape(n_coll, n_reg)
            whole = per.sum(axis=1)
            outside = whole - per.max(axis=1)
            live = whole > 0
            if live.any():
                split = live & (outside > self._threshold * whole)
                total += weight * float(split.sum()) / float(live.sum())
        if self._compact > 0:
            all_len = float(self._el.sum())
            if all_len > 0:
                cut = float(self._el[region[self._eu] != region[self._ev]].sum())
                total += self._compact * cut / all_len
        return total

    def violation(self, region: np.ndarray) -> float:
        """Total excess over the weight bounds, in mean regions (0 when within them)."""
        n_reg = len(self.labels)
        out = 0.0
        for col, lo, hi, mean in self._bounds:
            sums = np.bincount(region, weights=col, minlength=n_reg)
            if lo is not None:
                out += float(np.clip(lo - sums, 0, None).sum()) / mean
            if hi is not None:
                out += float(np.clip(sums - hi, 0, None).sum()) / mean
        return out

    def score(self, region: np.ndarray) -> float:
        """The optimiser's score: the objective within the bounds, else above ``cap``."""
        v = self.violation(region)  # a hair over a bound is within it, as in verify_plan
        return self.cap + 1.0 + v if v > 1e-6 else self.objective(region)


# ----------------------------------------------------------------------------- start plan
def gerrychain_graph(graph: nx.Graph, units: pd.DataFrame, columns: list[str]):
    """A :class:`gerrychain.Graph` of the unit graph with ``columns`` as node attributes."""
    from gerrychain import Graph

    g = nx.Graph()
    g.add_nodes_from((str(c), {k: float(units.at[c, k]) for k in columns}) for c in units.index)
    g.add_edges_from((str(a), str(b)) for a, b in graph.edges())
    return Graph.from_networkx(g)


def _split_in_two(graph: nx.Graph, nodes: list[str], pop: Mapping[str, float],
                  lo: float | None, hi: float | None, rng: random.Random,
                  *, strict: bool) -> set[str] | None:
    """One connected part of ``nodes`` cut off by GerryChain's bipartition_tree.

    ``strict``: both parts within ``[lo, hi]`` or None; else near-halves (25-75%, then
    5-95% of the population).
    """
    from gerrychain import Graph
    from gerrychain.tree import bipartition_tree

    total = sum(pop[n] for n in nodes)
    half = total / 2.0
    lo, hi = (0.0 if lo is None else lo), (total if hi is None else hi)
    if strict:
        if not 2 * lo <= total <= 2 * hi:
            return None
        tries = [max(1e-9, (min(hi, total - lo) - half) / half)]
    else:
        tries = [0.5, 0.9]
    sub = nx.Graph(graph.subgraph(nodes))
    nx.set_node_attributes(sub, {n: float(pop[n]) for n in nodes}, "population")
    for epsilon in tries:
        try:
            part = bipartition_tree(Graph.from_networkx(sub), pop_col="population",
                                    pop_target=half, epsilon=epsilon, max_attempts=200,
                                    warn_attempts=10**9, rng=rng)
            return {str(n) for n in part}
        except RuntimeError:
            continue
    if strict:
        return None
    raise RuntimeError(f"could not cut a region of {len(nodes)} units in two")


def reference_plan(landscape: Any, graph: nx.Graph, k: int, *, layer: str = "amr",
                   pop_col: str = "population", bounds: tuple = (None, None),
                   rng: random.Random | None = None) -> pd.Series:
    """The ``layer`` partition as a plan of exactly ``k`` connected regions.

    Each unit goes to its collaboration of largest share (ties: smallest id); a unit
    in none is its own region; each region is split into its connected parts on
    ``graph``; then regions are merged (least populous into its least populous
    neighbour) or cut in two by GerryChain's bipartition (the most populous region
    that can be cut into two parts within ``bounds``; if none can, the most populous
    of several units, into near-halves) until there are ``k``.

    Returns
    -------
    Series
        Unit code -> region label (str).
    """
    from rato_opt.assess.split import membership

    rng = rng or random.Random(0)
    m = membership(landscape.layers[layer])
    m = m.sort_values(["unit", "share", "collaboration"], ascending=[True, False, True])
    main = m.drop_duplicates("unit").set_index("unit")["collaboration"]
    codes = [str(c) for c in landscape.codes]
    plan = {c: str(main.get(c, f"own:{c}")) for c in codes}
    pop = landscape.units[pop_col].astype(float)
    pop = {str(c): float(v) for c, v in pop.items()}
    regions: dict[str, set[str]] = {}
    for label in sorted(set(plan.values())):
        members = [c for c in codes if plan[c] == label]
        parts = sorted(nx.connected_components(graph.subgraph(members)), key=lambda s: -len(s))
        for i, part in enumerate(parts):
            regions[label if i == 0 else f"{label}#{i}"] = {str(x) for x in part}
    where = {c: r for r, ms in regions.items() for c in ms}

    def weight(r: str) -> float:
        return sum(pop[c] for c in regions[r])

    while len(regions) > k:
        small = min(regions, key=lambda r: (weight(r), r))
        nbrs = sorted({where[str(b)] for a in regions[small] for b in graph[a]} - {small})
        if not nbrs:
            raise ValueError(f"region {small} has no neighbour to merge with")
        into = min(nbrs, key=lambda r: (weight(r), r))
        for c in regions.pop(small):
            regions[into].add(c)
            where[c] = into
    counter = 0
    while len(regions) < k:
        several = [r for r in regions if len(regions[r]) > 1]
        if not several:
            raise ValueError(f"cannot reach k={k}: every region is one unit")
        # the most populous region that can be cut within the bounds, else the most populous
        several.sort(key=lambda r: (-weight(r), r))
        big, half = several[0], None
        for r in several:
            half = _split_in_two(graph, sorted(regions[r]), pop, *bounds, rng, strict=True)
            if half is not None:
                big = r
                break
        if half is None:
            half = _split_in_two(graph, sorted(regions[big]), pop, *bounds, rng, strict=False)
        counter += 1
        new = f"{big}/{counter}"
        regions[new] = half
        regions[big] -= half
        for c in half:
            where[c] = new
    return pd.Series([where[c] for c in codes], index=pd.Index(codes, name="code"),
                     name="region", dtype=object)


# ----------------------------------------------------------------------------- run
@dataclass(frozen=True)
class GerryChainRun:
    """What one GerryChain short-burst run produced.

    Attributes
    ----------
    assignment : Series
        Best plan seen (unit code -> region label).
    score : float
        Its score (the objective when within the bounds, see the module docstring).
    objective : float
        Its objective by :class:`KeepWholeScore`.
    violation : float
        Its bound violation in mean regions (0: within the bounds).
    start_score : float
        Score of the start plan.
    states : int
        Chain states scored (the start of every burst included).
    seconds : float
        Wall time, graph and start plan included.
    first_feasible_seconds : float or None
        When the first plan within the bounds was seen.
    stopped_by : str
        ``"steps"``, ``"time_limit"`` or the error that ended the chain.
    trace : list of dict
        Every improvement: ``t``, ``state``, ``incumbent`` (objective, None outside the
        bounds), ``violation``.
    settings : dict
        ``pop_target``, ``epsilon``, ``burst_length``, ``seed`` ...
    """

    assignment: pd.Series
    score: float
    objective: float
    violation: float
    start_score: float
    states: int
    seconds: float
    first_feasible_seconds: float | None
    stopped_by: str
    trace: list[dict] = field(default_factory=list)
    settings: dict = field(default_factory=dict)


def run_gerrychain(
    landscape: Any,
    spec: Any,
    *,
    graph: nx.Graph | None = None,
    seed: int = 0,
    time_limit: float | None = None,
    steps: int | None = None,
    burst_length: int = 10,
    start_layer: str = "amr",
    pop_col: str = "population",
    max_attempts: int = 50,
    progress: Callable[[dict], None] | None = None,
) -> GerryChainRun:
    """ReCom short bursts from the ``start_layer`` plan, minimising rato_opt's objective.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
        Needs an exact ``k``; bounds on ``pop_col`` set ReCom's window (:func:`recom_window`).
    graph : networkx.Graph, optional
        Unit graph; :func:`rato_opt.graph_from_landscape` when not given.
    seed : int
        Seeds every random choice (start plan cuts, pair draws, spanning trees).
    time_limit : float, optional
        Wall-clock budget in seconds, graph and start plan included.
    steps : int, optional
        Chain states to score (reproducible budget); at least one of ``steps`` and
        ``time_limit`` is needed. The run stops at whichever comes first.
    burst_length : int, default 10
    start_layer : str, default "amr"
    pop_col : str, default "population"
    max_attempts : int, default 50
        Spanning trees tried on a merged pair before another pair is drawn.
    progress : callable, optional
        Called with every trace event.

    Returns
    -------
    GerryChainRun
    """
    from gerrychain import Partition
    from gerrychain.optimization import SingleMetricOptimizer
    from gerrychain.proposals import recom
    from gerrychain.proposals.tree_proposals import MetagraphError
    from gerrychain.tree import bipartition_tree

    if steps is None and time_limit is None:
        raise ValueError("give steps (reproducible) or time_limit (wall clock), or both")
    if spec.k is None:
        raise ValueError(f"GerryChain keeps the number of regions: the spec needs k, got "
                         f"k_min={spec.k_min}, k_max={spec.k_max}")
    t0 = time.perf_counter()
    k = int(spec.k)
    if graph is None:
        from rato_opt.landscape.graph import graph_from_landscape

        graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
    if not nx.is_connected(graph):
        raise ValueError(f"ReCom needs a connected unit graph; it has "
                         f"{nx.number_connected_components(graph)} components")
    total = float(landscape.units[pop_col].sum())
    lo = hi = None
    for b in (b for b in spec.bounds if b.column == pop_col):
        scale = total / k if b.relative else 1.0
        lo, hi = (None if x is None else x * scale for x in (b.lower, b.upper))
    target, eps = recom_window(lo, hi, total)
    rng = random.Random(seed)
    start = reference_plan(landscape, graph, k, layer=start_layer, pop_col=pop_col,
                           bounds=(lo, hi), rng=rng)
    labels = sorted(set(start))
    scorer = KeepWholeScore(landscape, spec, graph, labels)
    label_index = {lab: i for i, lab in enumerate(labels)}
    initial = Partition(gerrychain_graph(graph, landscape.units, [pop_col]),
                        {str(c): r for c, r in start.items()})
    frozen = initial.graph
    internal = sorted(frozen.node_indices)
    row = {str(c): i for i, c in enumerate(scorer.codes)}
    order = np.array([row[str(frozen.original_nx_node_id_for_internal_node_id(n))]
                      for n in internal], dtype=np.int64)

    def regions_of(part) -> np.ndarray:
        out = np.empty(len(order), dtype=np.int64)
        out[order] = [label_index[part.assignment.mapping[n]] for n in internal]
        return out

    cache: dict[str, Any] = {"part": None}

    def score_part(part) -> float:  # short_bursts scores each state again after we do
        if cache["part"] is not part:
            cache.update(part=part, score=scorer.score(regions_of(part)))
        return cache["score"]

    proposal = partial(
        recom, pop_col=pop_col, pop_target=target, epsilon=eps,
        bipartition_tree_fn=partial(bipartition_tree, max_attempts=max_attempts,
                                    allow_pair_reselection=True),
    )
    opt = SingleMetricOptimizer(proposal, [], initial, score_part, maximize=False, rng=rng)
    num_bursts = 10**9 if steps is None else math.ceil(steps / burst_length)
    best_part, best = initial, score_part(initial)
    start_score, trace = best, []

    def note(state: int) -> None:
        reg = regions_of(best_part)
        trace.append({"t": time.perf_counter() - t0, "state": state,
                      "incumbent": scorer.objective(reg) if best <= scorer.cap else None,
                      "violation": float(scorer.violation(reg))})
        if progress is not None:
            progress(trace[-1])

    note(0)
    states, stopped = 0, "steps"
    try:
        for part in opt.short_bursts(burst_length, num_bursts):
            states += 1
            s = score_part(part)
            if s <= best:  # ties go to the later plan, as in short_bursts
                improved = s < best
                best_part, best = part, s
                if improved:
                    note(states)
            if steps is not None and states >= steps:
                stopped = "steps"
                break
            if time_limit is not None and time.perf_counter() - t0 >= time_limit:
                stopped = "time_limit"
                break
    except (MetagraphError, RuntimeError) as err:  # no adjacent pair can be re-drawn
        stopped = f"{type(err).__name__}: {str(err)[:160]}"
    reg = regions_of(best_part)
    return GerryChainRun(
        assignment=scorer.assignment(reg),
        score=float(best),
        objective=scorer.objective(reg),
        violation=float(scorer.violation(reg)),
        start_score=float(start_score),
        states=states,
        seconds=time.perf_counter() - t0,
        first_feasible_seconds=next((e["t"] for e in trace if e["incumbent"] is not None), None),
        stopped_by=stopped,
        trace=trace,
        settings={"pop_target": target, "epsilon": eps, "lower": lo, "upper": hi,
                  "burst_length": burst_length, "seed": seed, "start_layer": start_layer,
                  "max_attempts": max_attempts, "k": k},
    )
