"""Trade-off curves: how much of one objective term a plan gives up for another.

:func:`tradeoff` scans the weight ratio of two objective terms (a weighted-sum scan),
solves a plan for every ratio, re-evaluates both terms of every plan with
:func:`rato_opt.assess.metrics.objective_terms` at weight 1 (so the two values are the
raw shares, comparable across the scan) and marks the plans no other plan beats on
both terms (the non-dominated points). The choice of weights becomes a visible policy
choice: the table and :func:`rato_opt.maps.tradeoff_plot.plot_tradeoff` show what each
ratio buys.

The scan is made consistent in two ways, both cheap next to the solves:

- **continuation** -- the points are solved in order of increasing weight on the
  first term, each warm-started from the previous point's plan (``RegionSpec.start``;
  not when the spec uses ``stay_close``, whose start is part of the objective);
- **cross-check** -- every plan is feasible for every ratio (the weights do not change
  the constraints), so each point keeps the plan with the lowest objective *under its
  own weights* among all plans the scan found (``source`` says which point's solve
  found it). A heuristic that missed a better plan at one ratio cannot then show a
  point the scan itself beats.

A weighted-sum scan finds only the plans on the convex hull of the frontier (the
epsilon-constraint method, which finds the others, is out of scope). Heuristic solves
can still leave a point dominated; it is marked, and drawn in grey.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..assess.metrics import objective_terms
from ..assess.plan import Plan
from ..exceptions import ModelError
from ..landscape.graph import graph_from_landscape
from ..optimize.pipeline import propose_regions
from ..spec import TERMS, Budget

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    from matplotlib.axes import Axes

    from ..landscape.coverage import Landscape
    from ..spec import RegionSpec

__all__ = ["TradeOff", "tradeoff", "non_dominated", "scan_weights"]

_TOL = 1e-12


def non_dominated(x: Sequence[float], y: Sequence[float], *, tol: float = 1e-12) -> np.ndarray:
    """Which points no other point beats on both coordinates (lower is better).

    A point is dominated when another is at most as large on both and smaller on one
    (by more than ``tol``). Equal points dominate neither each other.

    Examples
    --------
    >>> non_dominated([0.1, 0.2, 0.3, 0.25], [0.5, 0.3, 0.1, 0.35]).tolist()
    [True, True, True, False]
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    out = np.ones(len(xs), dtype=bool)
    for i in range(len(xs)):
        le = (xs <= xs[i] + tol) & (ys <= ys[i] + tol)
        lt = (xs < xs[i] - tol) | (ys < ys[i] - tol)
        out[i] = not bool((le & lt).any())
    return out


def scan_weights(n_points: int = 5, *, spread: float = 10.0) -> tuple[tuple[float, float], ...]:
    """Weight pairs ``(w_x, w_y)`` summing to 1, ratios ``w_x / w_y`` log-spaced in ``[1/spread, spread]``.

    Examples
    --------
    >>> [(round(a, 3), round(b, 3)) for a, b in scan_weights(3)]
    [(0.091, 0.909), (0.5, 0.5), (0.909, 0.091)]
    """
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 1:
        raise ModelError(f"n_points must be a whole number >= 1, got {n_points!r}")
    if not isinstance(spread, int | float) or not spread >= 1:
        raise ModelError(f"spread must be a ratio >= 1, got {spread!r}")
    ratios = [1.0] if n_points == 1 else np.logspace(-1, 1, n_points, base=spread).tolist()
    return tuple((r / (1 + r), 1 / (1 + r)) for r in ratios)


def _check_weights(weights: Any) -> tuple[tuple[float, float], ...]:
    pairs = []
    for pair in weights:
        try:
            wx, wy = (float(v) for v in pair)
        except (TypeError, ValueError):
            raise ModelError(f"weights must be pairs (w_x, w_y) of numbers, got {pair!r}; "
                             "e.g. weights=[(0.2, 0.8), (0.5, 0.5)]") from None
        if not (math.isfinite(wx) and math.isfinite(wy)) or wx < 0 or wy < 0 or wx + wy <= 0:
            raise ModelError(f"weight pair {pair!r}: both weights >= 0 and not both 0")
        pairs.append((wx, wy))
    if not pairs:
        raise ModelError("weights is empty; give at least one pair (w_x, w_y), or n_points")
    return tuple(pairs)


@dataclass(frozen=True, eq=False)
class TradeOff:
    """Plans along the trade-off of two objective terms; built by :func:`tradeoff`.

    Attributes
    ----------
    terms : (str, str)
        The two terms: x and y of the curve.
    weights : tuple of (float, float)
        Weight pairs of the scan, in the order of the table.
    plans : tuple of Plan
        One verified plan per weight pair (the same plan may serve several pairs).
    table : DataFrame
        One row per weight pair (index ``point``): ``label``, ``w_<x>``, ``w_<y>``,
        ``<x>`` and ``<y>`` (the raw values of the two terms, weight 1),
        ``objective`` (the plan's objective under the point's own weights), ``source``
        (the point whose solve found the plan), ``status``, ``verified``, ``dominated``,
        ``frontier`` (not dominated), ``regions``.
    spec : RegionSpec
        The spec the weights were put into.
    run : mapping
        Budget, seconds per solve, time limit.
    """

    terms: tuple[str, str]
    weights: tuple[tuple[float, float], ...]
    plans: tuple[Plan, ...]
    table: pd.DataFrame
    spec: Any
    run: dict[str, Any] = field(default_factory=dict)

    @property
    def frontier(self) -> pd.DataFrame:
        """The non-dominated rows, sorted by the first term (duplicates of a plan once)."""
        front = self.table[self.table["frontier"]]
        return front.drop_duplicates(subset=["source"]).sort_values(list(self.terms))

    def assignments(self) -> pd.DataFrame:
        """Unit code x point label: the region of every unit in every point's plan."""
        return pd.DataFrame({label: p.assignment for label, p
                             in zip(self.table["label"], self.plans, strict=True)})

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """The curve: :func:`rato_opt.maps.tradeoff_plot.plot_tradeoff`."""
        from ..maps.tradeoff_plot import plot_tradeoff

        return plot_tradeoff(self, ax=ax, **kwargs)

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (f"TradeOff({self.terms[0]} vs {self.terms[1]}, {len(self.plans)} points, "
                f"{int(self.table['frontier'].sum())} on the frontier)")


def _weighted_spec(spec: RegionSpec, terms: tuple[str, str], wx: float, wy: float) -> RegionSpec:
    objective = dataclasses.replace(spec.objective, **{terms[0]: wx, terms[1]: wy})
    return spec.replace(objective=objective)


def _prepare(landscape: Landscape, spec: RegionSpec, terms: Any) -> tuple[tuple[str, str], Any]:
    try:
        tx, ty = (str(t) for t in terms)
    except (TypeError, ValueError):
        raise ModelError(f"terms must be two objective term names, got {terms!r}") from None
    for t in (tx, ty):
        if t not in TERMS:
            raise ModelError(f"term {t!r} is not an objective term; choose two of {TERMS}")
    if tx == ty:
        raise ModelError(f"terms must be two different terms, got {tx!r} twice")
    objective = spec.objective
    if "alignment" in (tx, ty) and objective.reference is None:
        if "amr" not in landscape.layers:
            raise ModelError("the alignment term needs a reference layer: set "
                             "Objective(reference=...) in the spec (the landscape has no 'amr' "
                             f"layer; layers: {sorted(landscape.layers)})")
        objective = dataclasses.replace(objective, reference="amr")
    return (tx, ty), spec.replace(objective=objective)


def tradeoff(
    landscape: Landscape,
    spec: RegionSpec,
    *,
    terms: Sequence[str] = ("alignment", "split"),
    weights: Sequence[Sequence[float]] | None = None,
    n_points: int = 5,
    budget: Budget | None = None,
    time_limit: float | None = None,
    graph: nx.Graph | None = None,
    continuation: bool = True,
    cross_check: bool = True,
    progress: Callable[[dict], None] | None = None,
) -> TradeOff:
    """A frontier of plans for two objective terms, by scanning their weight ratio.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
        Constraints and the other terms (kept at their weights). The two terms' weights
        are set per point. With ``"alignment"`` and no reference layer the reference is
        ``"amr"``; the split term splits the spec's ``split_layers`` (e.g.
        ``{"boards": 1.0}``: boards kept whole).
    terms : (str, str), default ("alignment", "split")
        The x and y term, names of :data:`rato_opt.spec.TERMS`.
    weights : sequence of (float, float), optional
        Weight pairs ``(w_x, w_y)`` to solve; default :func:`scan_weights` of ``n_points``.
    n_points : int, default 5
        Points of the default scan (ratios 1/10 ... 10).
    budget : Budget, optional
        Budget of every solve (default ``Budget()``).
    time_limit : float, optional
        Wall-clock cap in seconds for the whole scan (None: no cap, deterministic).
    graph : networkx.Graph, optional
        The unit graph (built once when not given).
    continuation : bool, default True
        Warm-start each point from the previous point's plan.
    cross_check : bool, default True
        Each point keeps the best plan under its own weights among all plans found.
    progress : callable, optional
        Called after each solve with ``{"point", "of", "label", <x>, <y>, "seconds"}``.

    Returns
    -------
    TradeOff

    Raises
    ------
    ModelError
        Invalid terms or weights, or a solve that gave no verified plan (the
        constraints are the same for every point, so then none would).

    Examples
    --------
    >>> from rato_opt.sources.synthetic import make_country
    >>> from rato_opt.spec import Bound, Budget, Objective, RegionSpec
    >>> land = make_country(n_units=60, seed=1)
    >>> spec = RegionSpec(k=5, bounds=[Bound("population", 0.5, 2.0, relative=True)],
    ...                   objective=Objective(split_layers={"rap_po": 1.0}))
    >>> curve = tradeoff(land, spec, n_points=2, budget=Budget(seed=0, starts=2,
    ...     recom_steps=200, recom_rounds=1, anneal_moves=50, anneal_rounds=1, nodes=0))
    >>> list(curve.table["label"]), bool(curve.table["frontier"].any())
    (['0.09:0.91', '0.91:0.09'], True)
    """
    t0 = time.perf_counter()
    terms, spec = _prepare(landscape, spec, terms)
    pairs = scan_weights(n_points) if weights is None else _check_weights(weights)
    budget = Budget() if budget is None else budget
    if not isinstance(budget, Budget):
        raise ModelError(f"budget must be a rato_opt.Budget, got {type(budget).__name__}")
    specs = [_weighted_spec(spec, terms, wx, wy) for wx, wy in pairs]
    if graph is None:
        graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
    order = sorted(range(len(pairs)), key=lambda i: (pairs[i][0] / sum(pairs[i]), i))
    found: dict[int, Plan] = {}
    seconds: dict[int, float] = {}
    previous = None
    measure = _weighted_spec(spec, terms, 1.0, 1.0)
    for done, i in enumerate(order):
        solve_spec = specs[i]
        if continuation and previous is not None and spec.objective.stay_close == 0:
            solve_spec = solve_spec.replace(start=previous.assignment.to_dict())
        left = None if time_limit is None else max(1.0, float(time_limit) - (time.perf_counter() - t0))
        ts = time.perf_counter()
        plan = propose_regions(landscape, solve_spec, graph=graph, budget=budget, time_limit=left)
        seconds[i] = time.perf_counter() - ts
        if not plan.verification.ok or len(plan.assignment) == 0:
            raise ModelError(
                f"the solve for weights {pairs[i]} gave no verified plan (status "
                f"{plan.status!r}): " + ("; ".join(plan.explanation) or "; ".join(
                    plan.verification.problems) or "no plan")
                + "; the constraints are the same for every point: check the spec")
        found[i] = previous = plan
        if progress is not None:
            values = objective_terms(landscape, plan.assignment, measure, graph)
            progress({"point": done + 1, "of": len(pairs), "label": _label(*pairs[i]),
                      terms[0]: values[terms[0]], terms[1]: values[terms[1]],
                      "seconds": seconds[i]})
    # raw values of both terms (weight 1) and objective of every plan under every weight
    raw = {j: objective_terms(landscape, p.assignment, measure, graph) for j, p in found.items()}
    rows, plans = [], []
    for i, (wx, wy) in enumerate(pairs):
        def under(j: int, i: int = i) -> float:
            values = objective_terms(landscape, found[j].assignment, specs[i], graph)
            return float(sum(values.values()))

        own = under(i)
        source, value = i, own
        if cross_check:
            for j in found:
                v = own if j == i else under(j)
                if v < value - 1e-12 * max(1.0, abs(value)):
                    source, value = j, v
        plan = found[source]
        plans.append(plan)
        rows.append({
            "label": _label(wx, wy), f"w_{terms[0]}": wx, f"w_{terms[1]}": wy,
            terms[0]: float(raw[source][terms[0]]), terms[1]: float(raw[source][terms[1]]),
            "objective": value, "source": source, "status": plan.status,
            "verified": bool(plan.verification.ok), "regions": plan.n_regions,
        })
    table = pd.DataFrame(rows, index=pd.RangeIndex(len(rows), name="point"))
    front = non_dominated(table[terms[0]], table[terms[1]])
    table["dominated"] = ~front
    table["frontier"] = front
    run = {"budget": budget.as_dict(), "time_limit": time_limit,
           "seconds": time.perf_counter() - t0,
           "solve_seconds": [seconds[i] for i in range(len(pairs))],
           "continuation": continuation, "cross_check": cross_check,
           "deterministic": all(bool(p.run.get("deterministic", False)) for p in found.values())}
    return TradeOff(terms=terms, weights=pairs, plans=tuple(plans), table=table, spec=spec, run=run)


def _label(wx: float, wy: float) -> str:
    total = wx + wy
    return f"{wx / total:.2f}:{wy / total:.2f}"
