"""Baselines a user would reach for instead of rato_opt.

Two kinds of baseline are implemented here; every one returns a plain assignment
(unit code -> region id) that the harness scores with *our* objective
(:func:`rato_opt.assess.plan.score_plan`) and checks with *our* verifier
(:func:`rato_opt.assess.plan.verify_plan`). Plans that break contiguity or bounds are
reported as such, never dropped.

1. :func:`build_naive` / :func:`solve_naive` — the textbook integer programme written
   with PuLP (built by :func:`rato_opt.optimize.pmedian.build_pmedian`, which rato_opt also uses
   as a fallback warm start under tight bounds): a Hess p-median assignment model with exactly ``k`` centres, weight
   bounds and a Shirabe-style single-commodity flow for contiguity, minimising the
   moment of inertia (weight x squared distance to the centre).

   .. math::

       \\min \\sum_i \\sum_{j \\in C(i)} w_i d_{ij}^2 x_{ij}
       \\quad\\text{s.t.}\\quad
       \\sum_{j \\in C(i)} x_{ij} = 1\\ \\forall i, \\qquad
       x_{ij} \\le x_{jj}, \\qquad \\sum_j x_{jj} = k,

       L_c x_{jj} \\le \\sum_i a_{ic} x_{ij} \\le U_c x_{jj}
       \\ \\forall j, c \\quad\\text{(weight bounds)},

       \\sum_{(v,i)} f_{vi} - \\sum_{(i,v)} f_{iv} \\ge 1 - M x_{ii}\\ \\forall i,
       \\qquad
       f_{uv} \\le M (1 - x_{uj} + x_{vj})\\ \\forall (u,v), j \\in C(u),

   with :math:`f \\ge 0` on both directions of every graph edge, :math:`M = n - k + 1`
   and :math:`C(i)` the candidate centres of unit ``i`` (all units, or its ``m``
   nearest). Flow may not leave a region, every non-centre unit consumes one unit of
   flow, and only centres supply it, so every region is connected to its centre.

2. :func:`run_spopt` — the PySAL ``spopt.region`` heuristics (``Skater``, ``AZP``,
   ``RegionKMeansHeuristic``, ``MaxPHeuristic``) on the same unit graph (water links
   included) turned into a ``libpysal.weights.W``.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from rato_opt.optimize.pmedian import PMedianModel, build_pmedian

__all__ = [
    "BaselineResult",
    "NaiveModel",
    "SPOPT_METHODS",
    "build_naive",
    "solve_naive",
    "naive_size",
    "bound_rows",
    "run_spopt",
    "unit_attributes",
    "pysal_weights",
    "resolve_bounds",
    "parse_cbc_log",
    "moment_of_inertia",
]

#: spopt heuristics run by :func:`run_spopt`.
SPOPT_METHODS = ("skater", "azp", "region_kmeans", "maxp")


@dataclass(frozen=True)
class BaselineResult:
    """What one baseline run produced.

    Attributes
    ----------
    method : str
        ``"naive"`` or an spopt method name.
    assignment : pandas.Series or None
        Unit code -> region id (str), or None when no plan was found.
    status : str
        ``"optimal"`` (proven, the baseline's own objective), ``"feasible"``,
        ``"heuristic"``, ``"infeasible"``, ``"not_solved"`` or ``"error"``.
    own_objective, bound, gap : float or None
        The baseline's own objective (moment of inertia for the naive model), the
        solver's best bound on it and the relative gap.
    seconds : float
        Wall time from the start of model building to the end of the solve.
    build_seconds : float
        Part of ``seconds`` spent building the model.
    first_feasible_seconds : float or None
        Wall time (from the start) to the first plan.
    first_feasible_how : str
        How that time was measured.
    trace : list of dict
        Progress events ``{"t", "incumbent", "bound", "gap"}`` (seconds from start).
    note : str
        Anything the reader should know (k obtained, candidates used ...).
    size : dict
        Model size (variables, constraints) where relevant.
    """

    method: str
    assignment: pd.Series | None
    status: str
    own_objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    build_seconds: float = 0.0
    first_feasible_seconds: float | None = None
    first_feasible_how: str = ""
    trace: list[dict] = field(default_factory=list)
    note: str = ""
    size: Mapping[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------- helpers
def _spec_k(spec: Any) -> int:
    k = getattr(spec, "k", None)
    if k is None:
        raise ValueError(
            "the naive baseline needs an exact number of regions; the spec has k=None "
            f"(k_min={getattr(spec, 'k_min', None)}, k_max={getattr(spec, 'k_max', None)})"
        )
    return int(k)


def resolve_bounds(units: pd.DataFrame, spec: Any, k: int | None = None) -> dict[str, tuple]:
    """Absolute (lower, upper) bounds per weight column (:func:`rato_opt.optimize.pmedian.resolve_bounds`).

    ``k`` defaults to ``spec.k``.

    Examples
    --------
    >>> import pandas as pd
    >>> from rato_opt.spec import Bound, RegionSpec
    >>> spec = RegionSpec(k=2, bounds=(Bound("population", 0.5, 2, relative=True),))
    >>> resolve_bounds(pd.DataFrame({"population": [1, 3]}), spec)
    {'population': (1.0, 4.0)}
    """
    from rato_opt.optimize.pmedian import resolve_bounds as _resolve

    return _resolve(units, spec, _spec_k(spec) if k is None else int(k))


def _centroids_km(units) -> np.ndarray:
    pts = units.geometry.centroid
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]) / 1000.0


def moment_of_inertia(units, assignment: pd.Series, *, weight: str | None = "population") -> float:
    """Hess moment of inertia of a plan, around the best centre unit of each region.

    The weight-share-weighted squared distance (km²) of each unit to the unit of its
    region that minimises that sum (the p-median centre), summed over regions: the
    naive model's own objective, computable for any plan.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> u = gpd.GeoDataFrame({"population": [1.0, 1.0, 2.0]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 0, 3000, 1000)],
    ...     index=["a", "b", "c"], crs="EPSG:28992")
    >>> round(moment_of_inertia(u, pd.Series({"a": "R1", "b": "R1", "c": "R2"})), 3)
    0.25
    """
    xy = _centroids_km(units)
    w = units[weight].to_numpy(float) if weight else np.ones(len(units))
    w = w / w.sum() if w.sum() > 0 else np.full(len(units), 1.0 / len(units))
    labels = assignment.reindex(units.index).to_numpy()
    total = 0.0
    for lab in pd.unique(labels):
        idx = np.flatnonzero(labels == lab)
        d2 = ((xy[idx, None, :] - xy[None, idx, :]) ** 2).sum(axis=2)
        total += float((w[idx, None] * d2).sum(axis=0).min())
    return total


# ----------------------------------------------------------------------------- naive model
#: The naive model is rato_opt's p-median model (one implementation, two users).
NaiveModel = PMedianModel


def naive_size(
    graph: nx.Graph, n: int, m: int | None = None, *, bound_rows: int = 2
) -> dict[str, int]:
    """Number of variables and constraints of the naive model (before building it).

    Parameters
    ----------
    graph : networkx.Graph
        The unit graph.
    n : int
        Number of units.
    m : int, optional
        Candidate centres per unit (None: all).
    bound_rows : int, default 2
        Bound constraints per centre (a lower and an upper bound: 2).

    Examples
    --------
    >>> import networkx as nx
    >>> naive_size(nx.path_graph(4), 4)
    {'variables': 22, 'constraints': 53}
    """
    m = n if m is None or m >= n else m
    arcs = 2 * graph.number_of_edges()
    xs = n * m
    # assign (n) + x<=centre (xs - n) + k (1) + bounds per centre + flow (n) + caps
    return {
        "variables": xs + arcs,
        "constraints": n + (xs - n) + 1 + bound_rows * n + n + arcs * m,
    }


def bound_rows(units: pd.DataFrame, spec: Any) -> int:
    """Bound constraints per centre in the naive model for ``spec``."""
    rows = sum((lo is not None) + (hi is not None) for lo, hi in resolve_bounds(
        units, spec, int(getattr(spec, "k", None) or 1)).values())
    rows += sum(getattr(spec, a, None) is not None for a in ("min_units", "max_units"))
    return rows


def build_naive(
    landscape: Any,
    spec: Any,
    *,
    graph: nx.Graph,
    candidates: int | None = None,
    weight: str | None = None,
) -> NaiveModel:
    """Build the textbook p-median + flow-contiguity model with PuLP.

    The model itself lives in :func:`rato_opt.optimize.pmedian.build_pmedian` (rato_opt also
    uses it as a fallback warm start); this wrapper keeps the benchmark's view of it.

    Parameters
    ----------
    landscape : Landscape
        Its units (centroids give the distances, in km).
    spec : RegionSpec
        ``k`` (required), ``bounds`` (absolute or relative), ``min_units`` and
        ``max_units`` are used; the objective terms, locks and start are not (the
        textbook model knows none of them).
    graph : networkx.Graph
        The unit graph (nodes = unit codes) whose edges carry the flow.
    candidates : int, optional
        Number ``m`` of nearest units (itself included) that may be a unit's centre;
        ``None`` uses all unit pairs.
    weight : str, optional
        Weight of the moment of inertia; default the first bounded column, else
        ``population``, else unit counts.

    Returns
    -------
    NaiveModel
    """

    k = _spec_k(spec)
    m = build_pmedian(landscape, spec, graph=graph, candidates=candidates, weight=weight, k=k)
    return m


def parse_cbc_log(text: str) -> dict[str, Any]:
    """Progress trace, final bound and gap from a CBC log, via :mod:`rato_opt.optimize.cbclog`.

    Both log formats (CBC 2.10 and "CBC devel") are read by
    :func:`rato_opt.optimize.cbclog.parse_cbc_log`; this adapter returns the harness's dict.
    Values are in the solver's objective (without constants the modeller dropped).

    Returns
    -------
    dict
        ``trace`` (list of ``{"t", "incumbent", "bound", "gap"}`` at the lines that give
        CBC's own clock, with the best incumbent and latest bound so far), ``bound``,
        ``gap`` and ``objective`` (or None) at the end.

    Examples
    --------
    >>> log = ("Cbc0012I Integer solution of 12.5 found by DiveCoefficient after 10 "
    ...        "iterations and 0 nodes (0.51 seconds)\\n"
    ...        "Cbc0010I After 100 nodes, 5 on tree, 12.5 best solution, best possible 10 "
    ...        "(1.20 seconds)\\nObjective value:                12.5\\n"
    ...        "Lower bound:                    10.000\\nGap:                            0.25\\n")
    >>> out = parse_cbc_log(log)
    >>> out["trace"][0]["incumbent"], out["bound"], out["gap"]
    (12.5, 10.0, 0.2)
    """
    from rato_opt.optimize.cbclog import parse_cbc_log as _parse

    log = _parse(text)
    trace: list[dict] = []
    incumbent = None
    bound = None
    for ev in log.events:
        if ev.incumbent is not None:
            incumbent = ev.incumbent if incumbent is None else min(incumbent, ev.incumbent)
        if ev.bound is not None:
            bound = ev.bound
        gap = None
        if incumbent is not None and bound is not None:
            gap = max(0.0, incumbent - bound) / max(abs(incumbent), 1e-9)
        if ev.seconds is not None:  # clockless lines (e.g. the closing summary) only update
            trace.append({"t": ev.seconds, "incumbent": incumbent, "bound": bound, "gap": gap})
    # the last value stated (the closing "Objective value:" line has all its digits)
    objective = next((ev.incumbent for ev in reversed(log.events) if ev.incumbent is not None),
                     None)
    return {"trace": trace, "bound": log.bound, "gap": log.gap, "objective": objective}


def solve_naive(
    model: NaiveModel,
    *,
    solver: str = "highs",
    time_limit: float | None = 60.0,
    threads: int | None = 1,
    log_path: str | Path | None = None,
    t_start: float | None = None,
) -> BaselineResult:
    """Solve the naive model and read its plan.

    Parameters
    ----------
    model : NaiveModel
    solver : {"highs", "cbc"}
        ``pulp.HiGHS`` (highspy, in process) or ``pulp.COIN_CMD`` (the ``cbc`` on the
        PATH, the same binary :func:`rato_opt.optimize.pipeline.solve` uses).
    time_limit : float, optional
        Solver time limit in seconds.
    threads : int, optional
        Solver threads.
    log_path : path, optional
        Where the solver log goes (CBC needs one for the progress trace).
    t_start : float, optional
        ``time.perf_counter()`` at the start of the run (default: start of the
        build), so that trace times count from there.

    Returns
    -------
    BaselineResult
        Status ``"optimal"`` only when the solver proved optimality of the model's
        own objective; a time-limited stop with a plan is ``"feasible"``.
    """
    import pulp

    t0 = time.perf_counter() - model.build_seconds if t_start is None else t_start
    offset = time.perf_counter() - t0  # solver clocks start now
    trace: list[dict] = []
    if solver == "highs":
        import highspy

        def _cb(ctype, message, data_out, data_in, user):
            inc = data_out.mip_primal_bound
            bnd = data_out.mip_dual_bound
            trace.append(
                {
                    "t": offset + float(data_out.running_time),
                    "incumbent": float(inc) if math.isfinite(inc) and abs(inc) < 1e29 else None,
                    "bound": float(bnd) if math.isfinite(bnd) and abs(bnd) < 1e29 else None,
                    "gap": float(data_out.mip_gap)
                    if math.isfinite(data_out.mip_gap) and data_out.mip_gap < 1e29
                    else None,
                    "event": "solution"
                    if ctype == highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution
                    else "log",
                }
            )

        params: dict[str, Any] = {"log_to_console": False}
        if log_path is not None:
            params["log_file"] = str(log_path)
        cmd = pulp.HiGHS(
            msg=True,
            timeLimit=time_limit,
            threads=threads,
            callbackTuple=(_cb, None),
            callbacksToActivate=[
                highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution,
                highspy.cb.HighsCallbackType.kCallbackMipLogging,
            ],
            **params,
        )
    elif solver == "cbc":
        cmd = pulp.COIN_CMD(
            msg=False,
            timeLimit=time_limit,
            threads=threads,
            logPath=str(log_path) if log_path is not None else None,
        )
    else:
        raise ValueError(f"solver must be 'highs' or 'cbc', got {solver!r}")
    prob = model.problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prob.solve(cmd)
    seconds = time.perf_counter() - t0
    bound = gap = None
    if solver == "highs":
        info = prob.solverModel.getInfo()
        b = float(info.mip_dual_bound)
        bound = b if math.isfinite(b) and abs(b) < 1e29 else None
        g = float(info.mip_gap)
        gap = g if math.isfinite(g) and g < 1e29 else None
    elif log_path is not None and Path(log_path).is_file():
        parsed = parse_cbc_log(Path(log_path).read_text(errors="replace"))
        bound, gap = parsed["bound"], parsed["gap"]
        trace = [{**ev, "t": offset + ev["t"], "event": "log"} for ev in parsed["trace"]]
    status_code, sol_code = prob.status, prob.sol_status
    has_solution = sol_code in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    if sol_code == pulp.LpSolutionOptimal and status_code == pulp.LpStatusOptimal:
        status = "optimal"
    elif has_solution:
        status = "feasible"
    elif status_code == pulp.LpStatusInfeasible:
        status = "infeasible"
    else:
        status = "not_solved"
    assignment = None
    own = None
    if has_solution:
        labels = {}
        for (i, j), var in model.x.items():
            v = var.value()
            if v is not None and v > 0.5:
                labels[model.codes[i]] = model.codes[j]
        if len(labels) == len(model.codes):
            assignment = pd.Series(labels, name="region").reindex(model.codes)
            assignment.index.name = "code"
            own = float(pulp.value(prob.objective))
        else:
            status = "not_solved"
    if status == "optimal":
        gap = 0.0 if gap is None else gap
        bound = own if bound is None else bound
    first = next((ev["t"] for ev in trace if ev.get("incumbent") is not None), None)
    how = (
        "HiGHS MIP callback (first improving solution)"
        if solver == "highs"
        else "CBC log (first 'Integer solution' line)"
    )
    if first is None and assignment is not None:
        first, how = seconds, "end of solve (no earlier incumbent reported)"
    return BaselineResult(
        method="naive",
        assignment=assignment,
        status=status,
        own_objective=own,
        bound=bound,
        gap=gap,
        seconds=seconds,
        build_seconds=model.build_seconds,
        first_feasible_seconds=first,
        first_feasible_how=how,
        trace=trace,
        note=(
            f"PuLP {pulp.__version__} + {solver}; candidates per unit: "
            f"{len(model.candidates[0]) if model.candidates else 0}"
            f"{' (all pairs)' if model.candidates and len(model.candidates[0]) == len(model.codes) else ''}"
        ),
        size=dict(model.size),
    )


# ----------------------------------------------------------------------------- spopt
def pysal_weights(graph: nx.Graph, codes: list[str]):
    """A binary ``libpysal.weights.W`` with the edges of ``graph`` (links included).

    Ids are the positions ``0..n-1`` of ``codes`` (spopt's region k-means and max-p
    index arrays by id, so string ids make them loop or fail).

    Examples
    --------
    >>> import networkx as nx
    >>> w = pysal_weights(nx.Graph([("a", "b"), ("b", "c")]), ["a", "b", "c"])
    >>> w.neighbors[1], w.id_order
    ([0, 2], [0, 1, 2])
    """
    from libpysal.weights import W

    pos = {c: i for i, c in enumerate(codes)}
    neighbors = {pos[c]: sorted(pos[str(v)] for v in graph.neighbors(c)) for c in codes}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return W(neighbors, id_order=list(range(len(codes))), silence_warnings=True)


def unit_attributes(
    landscape: Any, spec: Any, *, layers: list[str] | None = None, components: int = 8
) -> pd.DataFrame:
    """Attributes the spopt heuristics cluster on.

    Z-scored centroid coordinates (so regions come out compact) plus, for every layer
    the objective splits (and the reference layer), the 0/1 membership columns of its
    collaborations with at least two member units (so members of a collaboration look
    alike and tend to stay together), reduced to at most ``components`` principal
    components when the layer has more collaborations (the real map's board layer has
    hundreds, which makes Skater and AZP crawl). Each layer's block is scaled to the
    same total variance as one coordinate, so no layer dominates.

    Returns
    -------
    DataFrame
        Indexed by unit code.
    """
    units = landscape.units
    xy = _centroids_km(units)
    xy = (xy - xy.mean(axis=0)) / np.where(xy.std(axis=0) > 0, xy.std(axis=0), 1.0)
    out = pd.DataFrame(xy, index=units.index, columns=["x", "y"])
    if layers is None:
        objective = getattr(spec, "objective", None)
        chosen = getattr(objective, "split_layers", None) if objective is not None else None
        ref = getattr(objective, "reference", None) if objective is not None else None
        ally = getattr(objective, "alliance_layer", None) if objective is not None else None
        if chosen is None:
            layers = [n for n in landscape.layers if n not in (ref, ally, "alliance")]
        else:
            layers = [n for n, wgt in chosen.items() if wgt > 0]
        if ref is not None and ref not in layers and ref in landscape.layers:
            layers.append(ref)
    blocks = [out]
    for name in layers:
        inc = landscape.layers[name].incidence(units.index).astype(float)
        inc = inc.loc[:, inc.sum(axis=0) >= 2]  # a one-unit collaboration cannot be split
        if inc.shape[1] == 0:
            continue
        values = inc.to_numpy() - inc.to_numpy().mean(axis=0)
        if inc.shape[1] > components:
            u, sv, _ = np.linalg.svd(values, full_matrices=False)
            values = u[:, :components] * sv[:components]
        var = float(values.var(axis=0).sum())
        if var > 0:
            values = values / math.sqrt(var)
        blocks.append(
            pd.DataFrame(
                values, index=units.index, columns=[f"{name}:{i}" for i in range(values.shape[1])]
            )
        )
    return pd.concat(blocks, axis=1)


def run_spopt(
    method: str,
    landscape: Any,
    spec: Any,
    *,
    graph: nx.Graph,
    seed: int = 0,
    attributes: pd.DataFrame | None = None,
) -> BaselineResult:
    """Run one spopt regionalisation heuristic on the unit graph.

    Parameters
    ----------
    method : {"skater", "azp", "region_kmeans", "maxp"}
        ``skater``: ``spopt.region.Skater`` (k regions, no weight floor: Skater's
        ``floor`` counts units, not population); ``azp``: ``spopt.region.AZP``
        (k regions); ``region_kmeans``: ``spopt.region.RegionKMeansHeuristic``
        (k regions; contiguity is not guaranteed); ``maxp``:
        ``spopt.region.MaxPHeuristic`` with the spec's absolute lower bound on the
        first bounded weight as threshold (the number of regions is whatever it
        finds).
    landscape, spec
        As for the optimiser.
    graph : networkx.Graph
        The same unit graph as the optimiser (water links included).
    seed : int
        Random seed.
    attributes : DataFrame, optional
        Attributes to cluster on (default :func:`unit_attributes`).

    Returns
    -------
    BaselineResult
        Status ``"heuristic"`` (no bound, no proof), ``"error"`` with the exception in
        ``note``.
    """
    import spopt.region as sr

    t0 = time.perf_counter()
    units = landscape.units
    codes = [str(c) for c in units.index]
    attrs = unit_attributes(landscape, spec) if attributes is None else attributes
    names = [str(c) for c in attrs.columns]
    import geopandas as gpd

    values = pd.DataFrame(attrs.to_numpy(float), columns=names)
    weights_cols = pd.DataFrame(
        {c: units[c].to_numpy(float) for c in units.columns if c in ("population",)}
    )
    gdf = gpd.GeoDataFrame(
        pd.concat([values, weights_cols], axis=1),
        geometry=units.geometry.to_numpy(),
        crs=units.crs,
    )
    w = pysal_weights(graph, codes)
    k = getattr(spec, "k", None)
    note = ""
    np.random.seed(seed)  # noqa: NPY002 (spopt draws from the global state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "skater":
            model = sr.Skater(gdf, w, names, n_clusters=int(k), islands="increase")
            model.solve()
        elif method == "azp":
            model = sr.AZP(gdf, w, names, n_clusters=int(k), random_state=seed)
            model.solve()
        elif method == "region_kmeans":
            model = sr.RegionKMeansHeuristic(
                gdf[names].to_numpy(float), int(k), w, drop_islands=True, seed=seed
            )
            model.solve()
        elif method == "maxp":
            bounds = resolve_bounds(units, spec, int(k)) if k else {}
            col, (lo, _hi) = next(iter(bounds.items()), (None, (None, None)))
            if col is None or lo is None:
                col = "population" if "population" in units.columns else None
                lo = float(units[col].sum()) / (k or 10) * 0.5 if col else 1.0
                note = "no lower bound in the spec: threshold half the mean region; "
            if col is None:
                gdf = gdf.assign(_count=1.0)
                col = "_count"
            elif col not in gdf.columns:
                gdf = gdf.assign(**{col: units[col].to_numpy(float)})
            model = sr.MaxPHeuristic(gdf, w, names, col, float(lo), top_n=2)
            model.solve()
            note += f"threshold {col} >= {lo:,.0f}; "
        else:
            raise ValueError(f"method must be one of {SPOPT_METHODS}, got {method!r}")
    labels = np.asarray(model.labels_)
    seconds = time.perf_counter() - t0
    assignment = pd.Series(
        [f"S{int(lab):03d}" if lab is not None and lab == lab else "S-1" for lab in labels],
        index=pd.Index(codes, name="code"),
        name="region",
    )
    n_regions = assignment.nunique()
    note += f"k obtained: {n_regions}" + (f" (asked {k})" if method != "maxp" and k else "")
    return BaselineResult(
        method=method,
        assignment=assignment,
        status="heuristic",
        seconds=seconds,
        first_feasible_seconds=seconds,
        first_feasible_how="end of the heuristic (no incumbent stream)",
        note=note,
    )
