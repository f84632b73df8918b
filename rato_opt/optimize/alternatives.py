"""Alternatives to choose from: distinct plans, each nearly as good as the best.

:func:`alternatives` solves once for the best plan, then looks for further plans that
are *good enough* (objective at most ``(1 + within)`` times the best) and *different
enough* (at least ``min_distance`` from every plan accepted before). A planner gets a
small set of real choices instead of one "optimal" map that hides how many maps are
nearly as good.

Method: a constrained walk from the best plan
-------------------------------------------------
Each alternative is found by a walk over plans with the moves of the recombination
stage (:mod:`rato_opt.optimize.recom`: two neighbouring regions merged and re-split
along a random spanning tree, mixed with single-unit moves), so every state meets the
bounds, the locks and contiguity, and its objective is tracked exactly
(:class:`~rato_opt.optimize.moves.MoveState`). The walk has two phases:

1. **push** -- from the best plan (later attempts: from the plans found last), a move
   is kept only when the objective stays within ``(1 + within) x best``; among those,
   moves that do not bring the plan closer to the accepted plans (the distance to the
   nearest, then the sum of distances, compared in that order) are always taken,
   others with probability ``tilt`` (a tilted walk on the distance), until the plan is
   ``min_distance`` away from all of them;
2. **polish** -- the objective is then lowered by a tilted descent that never lets the
   distance drop below ``min_distance`` (nor the objective above the threshold), and
   the best state is kept.

So each alternative is as good as the walk can make it *given* that it must differ.
Other ways were considered: the objective terms are non-negative shares, so the
accepted plans cannot enter the objective with a negative (repelling) weight;
``Locks.apart`` on unit pairs that share a region in accepted plans forbids far more
than it should (any shared pair) and makes the problem infeasible; independent solves
with other seeds give plans whose distance and quality are left to chance.

Distances
---------
``"units_moved"``: the regions of the two plans are paired one-to-one by maximum
overlap (:func:`rato_opt.maps.matching.match_regions`) and the units whose region is
not the partner of their other region are counted
(:func:`rato_opt.maps.matching.changed_units`); equal to ``n`` minus the overlap of
the optimal pairing. ``"ari"``: ``1 -`` the adjusted Rand index
(:func:`rato_opt.assess.compare.adjusted_rand_index`) of the two partitions. Inside the
walk both are computed from the contingency table with numpy and
:func:`scipy.optimize.linear_sum_assignment`; the matrix reported is recomputed with
the library's own functions.

Everything is deterministic for a seed and a budget (``steps`` proposals per phase);
``time_limit`` is only a cap, and a run that hit it says so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..assess.compare import adjusted_rand_index
from ..assess.plan import Plan
from ..exceptions import ModelError
from ..maps.matching import changed_units
from ..spec import TERMS, Budget
from .moves import MoveState, connected_without
from .pipeline import propose_regions
from .problem import compile_problem
from .recom import TreeSplitter

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    from matplotlib.axes import Axes

    from ..landscape.coverage import Landscape
    from ..spec import RegionSpec

__all__ = ["DISTANCES", "Alternatives", "alternatives", "plan_distance"]

#: Distance measures between two plans.
DISTANCES = ("units_moved", "ari")

_TOL = 1e-9


# ------------------------------------------------------------------ distances
def _labels(values: Sequence[Any]) -> np.ndarray:
    return np.unique(np.asarray([str(v) for v in values]), return_inverse=True)[1]


def _distance(a: np.ndarray, b: np.ndarray, kind: str) -> float:
    """Distance of two label vectors (``0..q-1`` each) from their contingency table."""
    from scipy.optimize import linear_sum_assignment

    qb = int(b.max()) + 1
    table = np.bincount(a * qb + b, minlength=(int(a.max()) + 1) * qb).reshape(-1, qb)
    n = len(a)
    if kind == "units_moved":
        rows, cols = linear_sum_assignment(table, maximize=True)
        return float(n - table[rows, cols].sum())
    pairs = float((table * (table - 1)).sum()) / 2
    sa = float((table.sum(axis=1) * (table.sum(axis=1) - 1)).sum()) / 2
    sb = float((table.sum(axis=0) * (table.sum(axis=0) - 1)).sum()) / 2
    total = n * (n - 1) / 2
    expected = sa * sb / total if total else 0.0
    maximum = (sa + sb) / 2
    if math.isclose(maximum, expected):
        return 0.0
    return 1.0 - (pairs - expected) / (maximum - expected)


def plan_distance(a: Any, b: Any, kind: str = "units_moved") -> float:
    """Distance between two plans over the same units.

    Parameters
    ----------
    a, b : Plan or Series or mapping
        Unit code -> region id.
    kind : {"units_moved", "ari"}, default "units_moved"
        ``"units_moved"``: units not in the partner region after pairing the regions
        one-to-one by overlap (:func:`rato_opt.maps.matching.changed_units`); ``"ari"``:
        ``1 -`` the adjusted Rand index (:func:`rato_opt.assess.compare.adjusted_rand_index`).

    Returns
    -------
    float

    Examples
    --------
    >>> a = {"u1": "A", "u2": "A", "u3": "B", "u4": "B"}
    >>> b = {"u1": "x", "u2": "y", "u3": "y", "u4": "y"}
    >>> plan_distance(a, b), round(plan_distance(a, b, "ari"), 3)
    (1.0, 1.0)
    >>> plan_distance(a, {"u1": "p", "u2": "p", "u3": "q", "u4": "q"})
    0.0
    """
    _check_kind(kind)
    sa = a.assignment if hasattr(a, "assignment") else pd.Series(a)
    sb = b.assignment if hasattr(b, "assignment") else pd.Series(b)
    if kind == "units_moved":
        return float(changed_units(sa, sb).sum())
    return float(1.0 - adjusted_rand_index(sa, sb))


def _check_kind(kind: str) -> None:
    if kind not in DISTANCES:
        raise ModelError(f"distance must be one of {DISTANCES}, got {kind!r}; 'units_moved' "
                         "counts units that change region, 'ari' is 1 - adjusted Rand index")


# ------------------------------------------------------------------ the walk
class _Walker:
    """Moves of the recombination stage on one plan, with exact objective deltas."""

    def __init__(self, problem, lab: np.ndarray, seed: Sequence[int], flip_share: float) -> None:
        self.problem = problem
        q = int(lab.max()) + 1
        self.st = MoveState(problem, lab, q)
        self.splitter = TreeSplitter(problem, q)
        self.closed = self.splitter.closed(lab)
        self.frozen = self.splitter.frozen
        self.rng = np.random.default_rng(np.random.SeedSequence(list(seed)))
        self.flip_share = flip_share

    def _apply(self, units: np.ndarray, new: np.ndarray) -> tuple[float, list]:
        st, total, undo = self.st, 0.0, []
        for i, b in zip(units.tolist(), new.tolist(), strict=True):
            a = int(st.lab[i])
            if a != b:
                total += st.move_delta(i, b)[1]
                st.apply(i, b)
                undo.append((i, a))
        return total, undo

    def undo(self, undo: list) -> None:
        for i, a in reversed(undo):
            self.st.apply(i, a)

    def propose(self) -> tuple[float, list] | None:
        """Apply a random valid move; its objective delta and undo list (or None)."""
        st, rng, sp = self.st, self.rng, self.splitter
        if len(sp.ea) == 0:
            return None
        for _ in range(64):
            e = int(rng.integers(len(sp.ea)))
            a, b = int(sp.ea[e]), int(sp.eb[e])
            ra, rb = int(st.lab[a]), int(st.lab[b])
            if ra != rb and ra not in self.closed and rb not in self.closed:
                break
        else:
            return None
        if rng.random() < self.flip_share:
            if rng.random() < 0.5:
                a, b, ra, rb = b, a, rb, ra
            if self.frozen[a] or st.size[ra] <= 1:
                return None
            dv, do = st.move_delta(a, rb)
            if dv > 1e-12 or not connected_without(self.problem.nbrs, st.lab, a, int(st.size[ra])):
                return None
            st.apply(a, rb)
            return do, [(a, ra)]
        cut = sp.split(st.lab, ra, rb, rng, 1)
        if cut is None:
            return None
        return self._apply(*cut)


def _walk(problem, start: np.ndarray, others: list[np.ndarray], *, threshold: float,
          target: float, kind: str, steps: int, seed: Sequence[int], tilt: float,
          flip_share: float, deadline: float | None) -> dict[str, Any]:
    """Push away from ``others`` within ``threshold``, then polish above ``target``."""
    w = _Walker(problem, start, seed, flip_share)
    obj = problem.objective(w.st.lab)

    def score() -> tuple[float, float]:
        ds = [_distance(o, w.st.lab, kind) for o in others]
        return min(ds), sum(ds)

    d, total = score()
    out: dict[str, Any] = {"push_steps": 0, "polish_steps": 0, "hit_deadline": False}
    for step in range(steps):
        if d >= target - _TOL:
            break
        if deadline is not None and step % 64 == 0 and time.perf_counter() >= deadline:
            out["hit_deadline"] = True
            break
        out["push_steps"] = step + 1
        res = w.propose()
        if res is None:
            continue
        delta, undo = res
        if obj + delta > threshold + _TOL:
            w.undo(undo)
            continue
        dn, tn = score()
        if (dn, tn) >= (d, total) or w.rng.random() < tilt:
            obj, d, total = obj + delta, dn, tn
        else:
            w.undo(undo)
    out["reached"] = bool(d >= target - _TOL)
    if not out["reached"]:
        out.update(labels=None, distance=d)
        return out
    best_lab, best_obj = w.st.lab.copy(), obj
    for step in range(steps):
        if deadline is not None and step % 64 == 0 and time.perf_counter() >= deadline:
            out["hit_deadline"] = True
            break
        out["polish_steps"] = step + 1
        res = w.propose()
        if res is None:
            continue
        delta, undo = res
        keep = obj + delta <= threshold + _TOL and (delta <= 1e-12 or w.rng.random() < tilt)
        if keep and score()[0] >= target - _TOL:
            obj += delta
            if obj < best_obj - 1e-12:
                best_lab, best_obj = w.st.lab.copy(), obj
        else:
            w.undo(undo)
    out.update(labels=best_lab, distance=min(_distance(o, best_lab, kind) for o in others))
    return out


# ------------------------------------------------------------------ result
@dataclass(frozen=True, eq=False)
class Alternatives:
    """Distinct plans, each within a share of the best objective; built by :func:`alternatives`.

    Attributes
    ----------
    plans : tuple of Plan
        The best plan first, then the alternatives in the order found; every one verified.
    names : tuple of str
        ``"A"`` (the best), ``"B"``, ``"C"`` ...
    distances : DataFrame
        Plan name x plan name, the ``distance`` between each pair.
    table : DataFrame
        Indexed by name: ``objective``, ``above_best`` (objective / best - 1), each
        objective term, per split layer ``<layer>_split`` (collaborations split) and
        ``<layer>_outside`` (share of weight outside the main region),
        ``distance_to_best``, ``nearest`` (distance to the nearest other plan),
        ``verified``.
    distance : str
        ``"units_moved"`` or ``"ari"``.
    within : float
        Allowed share above the best objective.
    min_distance : float
        Required distance between any two plans.
    threshold : float
        ``(1 + within) x`` the best objective.
    requested : int
        Number of plans asked for (``n``).
    notes : tuple of str
        Why fewer plans than requested were found, if so.
    run : mapping
        Seed, steps, and per attempt the walk's steps and outcome.
    """

    plans: tuple[Plan, ...]
    names: tuple[str, ...]
    distances: pd.DataFrame
    table: pd.DataFrame
    distance: str
    within: float
    min_distance: float
    threshold: float
    requested: int
    notes: tuple[str, ...] = ()
    run: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> Plan:
        """The best plan (the first)."""
        return self.plans[0]

    def __len__(self) -> int:
        return len(self.plans)

    def __getitem__(self, name: str | int) -> Plan:
        if isinstance(name, int):
            return self.plans[name]
        return self.plans[self.names.index(name)]

    def assignments(self) -> pd.DataFrame:
        """Unit code x plan name: the region of every unit in every plan (for export)."""
        return pd.DataFrame({n: p.assignment for n, p in zip(self.names, self.plans, strict=True)})

    def plot(self, landscape: Landscape, **kwargs: Any) -> Sequence[Axes]:
        """Maps side by side: :func:`rato_opt.maps.tradeoff_plot.plot_alternatives`."""
        from ..maps.tradeoff_plot import plot_alternatives

        return plot_alternatives(landscape, self, **kwargs)

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (f"Alternatives({len(self.plans)} of {self.requested}, within {self.within:.1%}, "
                f"{self.distance} >= {self.min_distance:g})")


def _table(plans: Sequence[Plan], names: Sequence[str], distances: pd.DataFrame) -> pd.DataFrame:
    best = plans[0].objective
    rows = []
    for name, plan in zip(names, plans, strict=True):
        row: dict[str, Any] = {
            "objective": plan.objective,
            "above_best": plan.objective / best - 1 if best > 0 else 0.0,
        }
        row.update({t: float(plan.terms[t]) for t in TERMS})
        for layer, r in plan.split_layers().iterrows():
            row[f"{layer}_split"] = int(r["split"])
            row[f"{layer}_outside"] = float(r["share_outside"])
        others = distances.loc[name].drop(name)
        row["distance_to_best"] = float(distances.loc[name, names[0]])
        row["nearest"] = float(others.min()) if len(others) else float("nan")
        row["verified"] = bool(plan.verification.ok)
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index(list(names), name="plan"))


def _matrix(plans: Sequence[Plan], names: Sequence[str], kind: str) -> pd.DataFrame:
    m = np.zeros((len(plans), len(plans)))
    for i in range(len(plans)):
        for j in range(i + 1, len(plans)):
            m[i, j] = m[j, i] = plan_distance(plans[i], plans[j], kind)
    return pd.DataFrame(m, index=pd.Index(list(names), name="plan"), columns=list(names))


def _default_distance(kind: str, n_units: int) -> float:
    return float(max(1, math.ceil(0.05 * n_units))) if kind == "units_moved" else 0.05


# ------------------------------------------------------------------ entry point
def alternatives(
    landscape: Landscape,
    spec: RegionSpec,
    *,
    n: int = 3,
    within: float = 0.05,
    min_distance: float | None = None,
    distance: Literal["units_moved", "ari"] = "units_moved",
    budget: Budget | None = None,
    time_limit: float | None = None,
    steps: int | None = None,
    attempts: int = 3,
    tilt: float = 0.1,
    best: Plan | None = None,
    graph: nx.Graph | None = None,
) -> Alternatives:
    """Up to ``n`` distinct plans, each within ``within`` of the best objective.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
    n : int, default 3
        Number of plans wanted, the best included.
    within : float, default 0.05
        Every plan's objective is at most ``(1 + within) x`` the best plan's.
    min_distance : float, optional
        Every two plans are at least this far apart. Default: 5% of the units (at
        least 1) for ``"units_moved"``, 0.05 for ``"ari"``.
    distance : {"units_moved", "ari"}, default "units_moved"
        See :func:`plan_distance`.
    budget : Budget, optional
        Budget of the solve for the best plan (default ``Budget()``); its seed also
        seeds the walks.
    time_limit : float, optional
        Wall-clock cap in seconds for the whole call (None: no cap; the result is then
        deterministic).
    steps : int, optional
        Proposals per phase of each walk; default ``budget.recom_steps`` (3,000 when
        that is None).
    attempts : int, default 3
        Walks tried per alternative before giving up on it, each with its own seed:
        the first from the best plan, the next from the plans found last.
    tilt : float, default 0.1
        Probability of taking a move that brings the plan closer to the accepted plans
        (push) or raises the objective (polish).
    best : Plan, optional
        A verified plan of ``spec`` to use as the best instead of solving.
    graph : networkx.Graph, optional
        The unit graph (built once when not given).

    Returns
    -------
    Alternatives
        With fewer plans than ``n`` when the walks found no more; ``notes`` says so.

    Raises
    ------
    ModelError
        Invalid arguments, or no verified best plan (its status and explanation are in
        the message).

    Examples
    --------
    >>> from rato_opt.sources.synthetic import make_country
    >>> from rato_opt.spec import Bound, Budget, Objective, RegionSpec
    >>> land = make_country(n_units=60, seed=1)
    >>> spec = RegionSpec(k=5, bounds=[Bound("population", 0.5, 2.0, relative=True)],
    ...                   objective=Objective(split_layers={"rap_po": 1.0}))
    >>> alts = alternatives(land, spec, n=3, within=0.2, min_distance=3, steps=400,
    ...                     budget=Budget(seed=0, starts=2, recom_steps=300, recom_rounds=1,
    ...                                   anneal_moves=100, anneal_rounds=1, nodes=50))
    >>> all(p.verification.ok for p in alts.plans)
    True
    >>> bool((alts.table["objective"] <= alts.threshold + 1e-9).all())
    True
    """
    t0 = time.perf_counter()
    _check_kind(distance)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ModelError(f"n must be a whole number >= 1 (plans wanted, the best included), got {n!r}")
    if not isinstance(within, int | float) or not math.isfinite(within) or within < 0:
        raise ModelError(f"within must be a share >= 0 (e.g. 0.05 for 5% above the best), "
                         f"got {within!r}")
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ModelError(f"attempts must be a whole number >= 1, got {attempts!r}")
    if not 0 <= tilt <= 1:
        raise ModelError(f"tilt must be a probability in [0, 1], got {tilt!r}")
    budget = Budget() if budget is None else budget
    if not isinstance(budget, Budget):
        raise ModelError(f"budget must be a rato_opt.Budget, got {type(budget).__name__}")
    if steps is None:
        steps = budget.recom_steps if budget.recom_steps is not None else 3000
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ModelError(f"steps must be a whole number >= 0, got {steps!r}")
    problem = compile_problem(landscape, spec, graph=graph)
    graph = problem.graph
    if min_distance is None:
        min_distance = _default_distance(distance, problem.n)
    if not isinstance(min_distance, int | float) or not min_distance > 0:
        raise ModelError(f"min_distance must be a number > 0, got {min_distance!r}")
    if distance == "ari" and min_distance > 2:
        raise ModelError(f"min_distance for 'ari' is 1 - ARI, at most 2; got {min_distance!r}")
    deadline = None if time_limit is None else t0 + float(time_limit)
    if best is None:
        best = propose_regions(landscape, spec, graph=graph, budget=budget,
                               time_limit=time_limit)
    if not best.verification.ok or len(best.assignment) == 0:
        raise ModelError(f"no verified best plan to start from (status {best.status!r}): "
                         + ("; ".join(best.explanation) or "; ".join(best.verification.problems)
                            or "no plan") + "; check the spec with rato_opt.precheck")
    threshold = (1 + within) * best.objective
    accepted = [problem.labels_of(best.assignment.to_dict())]
    plans, notes, attempts_run = [best], [], []
    hit = False
    for i in range(1, n):
        found = None
        for attempt in range(attempts):
            if deadline is not None and time.perf_counter() >= deadline:
                hit = True
                break
            # attempt 0 starts from the best, later ones from the newest plans found
            start = accepted[-attempt % len(accepted)]
            res = _walk(problem, start, accepted, threshold=threshold, target=min_distance,
                        kind=distance, steps=steps, seed=(budget.seed, i, attempt), tilt=tilt,
                        flip_share=0.5, deadline=deadline)
            hit = hit or res["hit_deadline"]
            record = {k: v for k, v in res.items() if k != "labels"}
            record.update(plan=i, attempt=attempt)
            attempts_run.append(record)
            if res["labels"] is None:
                continue
            candidate = Plan.from_assignment(
                landscape, problem.assignment(res["labels"]), spec, graph,
                status="feasible", bound=best.bound, solver="heuristic",
                gap=_gap(best.bound, problem.objective(res["labels"])),
                seconds=time.perf_counter() - t0,
                run={"seed": budget.seed, "method": "alternatives walk", "plan": i,
                     "attempt": attempt, "steps": steps})
            ok = (candidate.verification.ok and candidate.objective <= threshold + _TOL
                  and all(plan_distance(candidate, p, distance) >= min_distance - _TOL
                          for p in plans))
            record["verified"] = bool(candidate.verification.ok)
            if ok:
                found = candidate
                break
        if found is None:
            notes.append(
                f"found {len(plans)} of {n} plans: no walk reached {distance} >= "
                f"{min_distance:g} from the plans found while staying within {within:.1%} of "
                f"the best ({threshold:.6g}) in {steps} steps x {attempts} attempts"
                + (" (time limit hit)" if hit else "")
                + "; allow more (within), ask for less distance (min_distance) or more steps")
            break
        plans.append(found)
        accepted.append(problem.labels_of(found.assignment.to_dict()))
    names = tuple(chr(ord("A") + i) if i < 26 else f"P{i + 1}" for i in range(len(plans)))
    distances = _matrix(plans, names, distance)
    run = {"seed": budget.seed, "budget": budget.as_dict(), "steps": steps, "attempts": attempts,
           "tilt": tilt, "time_limit": time_limit, "hit_time_limit": hit,
           "deterministic": not hit and budget.deterministic
           and bool(best.run.get("deterministic", True)),
           "walks": attempts_run, "seconds": time.perf_counter() - t0}
    return Alternatives(plans=tuple(plans), names=names, distances=distances,
                        table=_table(plans, names, distances), distance=distance,
                        within=float(within), min_distance=float(min_distance),
                        threshold=float(threshold), requested=n, notes=tuple(notes), run=run)


def _gap(bound: float | None, value: float) -> float | None:
    if bound is None:
        return None
    return max(value - bound, 0.0) / max(abs(value), 1e-9) if value > 0 else 0.0
