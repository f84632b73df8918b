"""Compare region plans: metrics side by side, moved units, similarity, difference maps.

:func:`compare_plans` scores every plan with the same
:func:`rato_opt.assess.plan.score_plan` (so all metrics are computed the same way, whatever
produced the plan), lists the units that move between each pair of plans (regions
of the second plan matched to the first by maximum overlap) and measures how alike
the partitions are with the adjusted Rand index and the variation of information.

Examples
--------
>>> a = {"u1": "A", "u2": "A", "u3": "B", "u4": "B"}
>>> b = {"u1": "x", "u2": "x", "u3": "y", "u4": "y"}
>>> adjusted_rand_index(a, b), variation_of_information(a, b)
(1.0, 0.0)
>>> round(adjusted_rand_index(a, {"u1": "x", "u2": "y", "u3": "y", "u4": "y"}), 4)
0.0
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import InputError, UnitCodeError

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    from matplotlib.axes import Axes

    from ..landscape.coverage import Landscape
    from ..spec import RegionSpec
    from .plan import Plan

__all__ = [
    "Comparison",
    "compare_plans",
    "adjusted_rand_index",
    "variation_of_information",
    "contingency_table",
    "moved_units",
]


# ------------------------------------------------------------------ similarity
def _series(plan: Any) -> pd.Series:
    s = plan.assignment if hasattr(plan, "assignment") else pd.Series(plan)
    return pd.Series(s.astype(str).to_numpy(), index=pd.Index(s.index.astype(str), name="code"))


def _aligned(a: Any, b: Any) -> tuple[pd.Series, pd.Series]:
    sa, sb = _series(a), _series(b)
    if sa.index.has_duplicates or sb.index.has_duplicates:
        raise UnitCodeError("a plan lists a unit code twice; each unit needs one region")
    if set(sa.index) != set(sb.index):
        only_a = sa.index.difference(sb.index)
        only_b = sb.index.difference(sa.index)
        raise UnitCodeError(
            f"the plans cover different units: only in the first {list(only_a[:10])}, "
            f"only in the second {list(only_b[:10])}; compare plans of the same units"
        )
    return sa.sort_index(), sb.reindex(sa.sort_index().index)


def contingency_table(a: Any, b: Any) -> np.ndarray:
    """Counts ``n[i, j]`` of units in region ``i`` of ``a`` and region ``j`` of ``b``.

    Examples
    --------
    >>> contingency_table({"u": "A", "v": "A", "w": "B"}, {"u": "x", "v": "y", "w": "y"})
    array([[1, 1],
           [0, 1]])
    """
    sa, sb = _aligned(a, b)
    _, ia = np.unique(sa.to_numpy(dtype=str), return_inverse=True)
    _, ib = np.unique(sb.to_numpy(dtype=str), return_inverse=True)
    table = np.zeros((ia.max() + 1 if len(ia) else 0, ib.max() + 1 if len(ib) else 0), dtype=int)
    np.add.at(table, (ia, ib), 1)
    return table


def _pairs(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    return float((x * (x - 1) / 2).sum())


def adjusted_rand_index(a: Any, b: Any) -> float:
    """Adjusted Rand index of two partitions of the same units (Hubert & Arabie 1985).

    1 for identical partitions (up to relabelling), about 0 for independent ones,
    and negative when they agree less than chance. When both partitions are
    trivial (one region each, or every unit alone) the index is 1.

    Examples
    --------
    >>> a = {"1": "a", "2": "a", "3": "b", "4": "b", "5": "c", "6": "c"}
    >>> b = {"1": "x", "2": "x", "3": "x", "4": "y", "5": "y", "6": "y"}
    >>> round(adjusted_rand_index(a, b), 6)
    0.242424
    """
    n_ij = contingency_table(a, b)
    n = int(n_ij.sum())
    index = _pairs(n_ij)
    sum_a, sum_b = _pairs(n_ij.sum(axis=1)), _pairs(n_ij.sum(axis=0))
    total = n * (n - 1) / 2
    expected = sum_a * sum_b / total if total else 0.0
    maximum = (sum_a + sum_b) / 2
    if math.isclose(maximum, expected):
        return 1.0
    return float((index - expected) / (maximum - expected))


def variation_of_information(a: Any, b: Any, *, normalized: bool = False) -> float:
    """Variation of information ``H(A|B) + H(B|A)`` in nats (Meilă 2007).

    0 for identical partitions (up to relabelling); at most ``log(n)``.

    Parameters
    ----------
    normalized : bool, default False
        Divide by the joint entropy ``H(A, B)`` so the value lies in [0, 1].

    Examples
    --------
    >>> a = {"1": "a", "2": "a", "3": "b", "4": "b"}
    >>> b = {"1": "x", "2": "y", "3": "x", "4": "y"}
    >>> round(variation_of_information(a, b), 6) == round(2 * math.log(2), 6)
    True
    """
    n_ij = contingency_table(a, b).astype(float)
    n = n_ij.sum()
    p_ij = n_ij[n_ij > 0] / n
    p_a = n_ij.sum(axis=1) / n
    p_b = n_ij.sum(axis=0) / n
    h_ab = float(-(p_ij * np.log(p_ij)).sum())
    h_a = float(-(p_a[p_a > 0] * np.log(p_a[p_a > 0])).sum())
    h_b = float(-(p_b[p_b > 0] * np.log(p_b[p_b > 0])).sum())
    vi = max(0.0, 2 * h_ab - h_a - h_b)
    if normalized:
        return vi / h_ab if h_ab > 0 else 0.0
    return vi


# --------------------------------------------------------------- moved units
def moved_units(
    a: Any,
    b: Any,
    *,
    names: pd.Series | None = None,
    region_names: tuple[Mapping[str, str], Mapping[str, str]] | None = None,
    weights: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Units whose region changes from plan ``a`` to plan ``b``.

    Regions of ``b`` are first matched one-to-one to regions of ``a`` by maximum
    overlap (:func:`rato_opt.maps.match_regions`), so a plan that only
    renumbers its regions moves nothing. A region of ``b`` without partner keeps
    its own id, prefixed ``"new:"``.

    Parameters
    ----------
    a, b : Plan or Series or mapping
        The two plans, over the same units.
    names : Series, optional
        Unit names by code.
    region_names : pair of mappings, optional
        Region names of ``a`` and of ``b``, by region id.
    weights : DataFrame, optional
        Weight columns by unit code, copied into the table.

    Returns
    -------
    DataFrame
        Indexed by unit code: ``name``, ``from_region`` (region in ``a``),
        ``to_region`` (matched region of ``b`` in ``a``'s labels),
        ``to_region_b`` (region id in ``b``) and, when given, ``from_name``,
        ``to_name`` and the weight columns. Sorted by code.

    Examples
    --------
    >>> a = {"u1": "A", "u2": "A", "u3": "B", "u4": "B"}
    >>> b = {"u1": "R2", "u2": "R1", "u3": "R1", "u4": "R1"}
    >>> moved_units(a, b)[["from_region", "to_region", "to_region_b"]].to_dict("index")
    {'u2': {'from_region': 'A', 'to_region': 'B', 'to_region_b': 'R1'}}
    >>> moved_units(a, {"u1": "R1", "u2": "R1", "u3": "R2", "u4": "R3"})["to_region"].to_dict()
    {'u4': 'new:R3'}
    """
    from ..maps import match_regions

    sa, sb = _aligned(a, b)
    match = match_regions(sa, sb)
    to = sb.map(lambda r: match.get(r, f"new:{r}"))
    moved = sa != to
    unit_names = (
        names.reindex(sa.index).astype(str).to_numpy() if names is not None else sa.index.to_numpy()
    )
    out = pd.DataFrame(
        {
            "name": unit_names,
            "from_region": sa.to_numpy(),
            "to_region": to.to_numpy(),
            "to_region_b": sb.to_numpy(),
        },
        index=sa.index,
    )[moved.to_numpy()]
    if region_names is not None:
        na, nb = region_names
        out["from_name"] = out["from_region"].map(lambda r: str(na.get(r, r)))
        out["to_name"] = out["to_region_b"].map(lambda r: str(nb.get(r, r)))
    if weights is not None:
        for col in weights.columns:
            out[col] = weights[col].reindex(out.index).to_numpy()
    out = out.rename_axis("code")
    return out


# ---------------------------------------------------------------- comparison
@dataclass(frozen=True, eq=False)
class Comparison:
    """Plans compared side by side; built by :func:`compare_plans`.

    Attributes
    ----------
    names : tuple of str
        Plan names, in the order given.
    plans : dict of str to Plan
        Every plan re-scored with :func:`rato_opt.assess.plan.score_plan`.
    metrics : DataFrame
        One row per plan: ``n_regions``, ``objective``, ``term.<t>`` and
        ``metric.<m>`` from the scorer (per split or count layer the two numbers
        ``metric.split_<layer>``, the share of weight outside the main regions, and
        ``metric.split_count_<layer>``, the collaborations split, of
        ``metric.collaborations_<layer>``), ``verified`` and, for plans given as
        solver results, ``status``, ``gap`` and ``seconds`` of the solve; for
        plans that carry a run record (solver results, and plan files read with
        :func:`rato_opt.workflow.export.read_plan` from an export of one), ``seed`` and
        ``deterministic``.
    similarity : DataFrame
        One row per pair (``plan_a``, ``plan_b``): ``ari``, ``vi``,
        ``units_moved`` and, per weight column ``w``, ``<w>_moved``.
    moved : DataFrame
        Units moving between each pair: ``plan_a``, ``plan_b``, ``code`` and
        the columns of :func:`moved_units`.
    landscape : Landscape
        The landscape of the plans (for maps).
    """

    names: tuple[str, ...]
    plans: Mapping[str, Any]
    metrics: pd.DataFrame
    similarity: pd.DataFrame
    moved: pd.DataFrame
    landscape: Any = field(repr=False)

    def side_by_side(self) -> pd.DataFrame:
        """The metrics with one column per plan (the transpose of :attr:`metrics`)."""
        return self.metrics.T

    def matrix(self, measure: str = "ari") -> pd.DataFrame:
        """Square plan × plan matrix of ``"ari"``, ``"vi"`` or ``"units_moved"``."""
        if measure not in ("ari", "vi", "units_moved"):
            raise InputError(f"measure must be 'ari', 'vi' or 'units_moved', got {measure!r}")
        diag = 1.0 if measure == "ari" else 0.0
        m = pd.DataFrame(diag, index=list(self.names), columns=list(self.names), dtype=float)
        for row in self.similarity.itertuples(index=False):
            v = float(getattr(row, measure))
            m.loc[row.plan_a, row.plan_b] = v
            m.loc[row.plan_b, row.plan_a] = v
        return m

    def moved_units(self, a: str, b: str) -> pd.DataFrame:
        """Units that move from plan ``a`` to plan ``b`` (see :func:`moved_units`)."""
        self._check(a, b)
        sub = self.moved[(self.moved["plan_a"] == a) & (self.moved["plan_b"] == b)]
        if len(sub) or (a, b) in self._pairs():
            return sub.drop(columns=["plan_a", "plan_b"]).set_index("code")
        pa, pb = self.plans[a], self.plans[b]
        return moved_units(pa, pb, names=self.landscape.units["name"])

    def _pairs(self) -> set[tuple[str, str]]:
        return set(zip(self.similarity["plan_a"], self.similarity["plan_b"], strict=True))

    def _check(self, *names: str) -> None:
        for n in names:
            if n not in self.plans:
                raise InputError(f"unknown plan {n!r}; the comparison holds {list(self.names)}")

    def plot_difference(self, a: str, b: str, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Map the units that differ between plans ``a`` and ``b``.

        Uses :func:`rato_opt.maps.plot_difference`; extra keywords go to it.
        """
        from ..maps import plot_difference

        self._check(a, b)
        kwargs.setdefault("plan_names", (a, b))
        kwargs.setdefault("credit", getattr(self.landscape, "credit", ""))
        return plot_difference(
            self.landscape.units,
            self.plans[a].assignment,
            self.plans[b].assignment,
            ax=ax,
            **kwargs,
        )

    def small_multiples(self, *, ncols: int = 3, **kwargs: Any):
        """A figure with a map of every plan (:func:`rato_opt.maps.small_multiples`).

        Regions are matched to those of the first plan, so "the same" region keeps
        its colour across panels. Returns the matplotlib Figure.
        """
        from ..maps import small_multiples

        kwargs.setdefault("credit", getattr(self.landscape, "credit", ""))
        return small_multiples(
            self.landscape.units,
            {name: self.plans[name].assignment for name in self.names},
            ncols=ncols,
            **kwargs,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary: metrics per plan and similarity per pair."""
        return {
            "plans": list(self.names),
            "metrics": {
                name: {k: _plain(v) for k, v in row.items()}
                for name, row in self.metrics.iterrows()
            },
            "similarity": [
                {k: _plain(v) for k, v in row.items()}
                for row in self.similarity.to_dict(orient="records")
            ],
        }


def _run_of(plan: Any) -> dict[str, Any]:
    """The run record of a solved plan, or of a plan file read back with it; else {}."""
    run = getattr(plan, "run", None)
    if run is None and isinstance(plan, pd.Series):
        run = plan.attrs.get("run")
    return dict(run) if isinstance(run, Mapping) else {}


def _plain(v: Any) -> Any:
    if hasattr(v, "item") and callable(v.item):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def compare_plans(
    landscape: Landscape,
    plans: Mapping[str, Plan | pd.Series] | Sequence[Plan | pd.Series],
    spec: RegionSpec | None = None,
    graph: nx.Graph | None = None,
) -> Comparison:
    """Compare plans of one landscape.

    Parameters
    ----------
    landscape : Landscape
        The landscape every plan divides.
    plans : mapping of str to Plan or Series
        Named plans (a sequence is named ``plan1``, ``plan2``, ...). At least one.
    spec : RegionSpec, optional
        The specification to score against (objective weights, bounds, locks);
        ``None`` uses the scorer's default.
    graph : networkx.Graph, optional
        The unit graph (built once from the landscape when omitted).

    Returns
    -------
    Comparison

    Raises
    ------
    InputError
        No plans given.
    UnitCodeError
        A plan does not assign every unit of the landscape exactly once.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, [Layer.from_partition("sop", {"A": "x", "B": "x", "C": "y"}),
    ...                      Layer.from_partition("amr", {"A": "p", "B": "q", "C": "q"})])
    >>> c = compare_plans(land, {"one": {"A": 1, "B": 1, "C": 2},
    ...                          "two": {"A": 1, "B": 2, "C": 2}})
    >>> c.similarity[["plan_a", "plan_b", "units_moved"]].to_dict("records")
    [{'plan_a': 'one', 'plan_b': 'two', 'units_moved': 1}]
    >>> round(float(c.matrix("ari").loc["one", "two"]), 4)
    -0.5
    """
    from .plan import score_plan

    if not isinstance(plans, Mapping):
        plans = {f"plan{i + 1}": p for i, p in enumerate(plans)}
    if not plans:
        raise InputError("compare_plans needs at least one plan")
    names = tuple(str(n) for n in plans)
    if graph is None:
        from ..landscape.graph import graph_from_landscape

        contiguity = getattr(spec, "contiguity", "queen") if spec is not None else "queen"
        graph = graph_from_landscape(landscape, contiguity=contiguity)
    codes = landscape.units.index
    scored: dict[str, Any] = {}
    rows = []
    for name, plan in zip(names, plans.values(), strict=True):
        a = _series(plan)
        missing, extra = codes.difference(a.index), a.index.difference(codes)
        if len(missing) or len(extra):
            raise UnitCodeError(
                f"plan {name!r} does not match the landscape's units: missing "
                f"{list(missing[:10])} ({len(missing)}), unknown {list(extra[:10])} ({len(extra)})"
            )
        s = score_plan(landscape, a.reindex(codes), spec, graph=graph)
        scored[name] = s
        row: dict[str, Any] = {"n_regions": s.n_regions, "objective": float(s.objective)}
        for k, v in dict(s.terms).items():
            row[f"term.{k}"] = float(v)
        for k, v in dict(s.metrics).items():
            row[f"metric.{k}"] = v
        row["verified"] = bool(s.verification.ok)
        if hasattr(plan, "status"):
            row["status"] = plan.status
            row["gap"] = plan.gap
            row["seconds"] = plan.seconds
        run = _run_of(plan)
        if run:
            row["seed"] = run.get("seed")
            row["deterministic"] = run.get("deterministic")
        rows.append(row)
    metrics = pd.DataFrame(rows, index=pd.Index(names, name="plan"))
    weights = landscape.units[list(landscape.weights)]
    sims, moves = [], []
    for a, b in itertools.combinations(names, 2):
        pa, pb = scored[a], scored[b]
        mv = moved_units(
            pa,
            pb,
            names=landscape.units["name"],
            region_names=(_region_names(pa), _region_names(pb)),
            weights=weights,
        )
        sim = {
            "plan_a": a,
            "plan_b": b,
            "ari": adjusted_rand_index(pa, pb),
            "vi": variation_of_information(pa, pb),
            "units_moved": len(mv),
        }
        for w in weights.columns:
            sim[f"{w}_moved"] = float(mv[w].sum()) if len(mv) else 0.0
        sims.append(sim)
        moves.append(mv.reset_index().assign(plan_a=a, plan_b=b))
    sim_cols = ["plan_a", "plan_b", "ari", "vi", "units_moved", *[f"{w}_moved" for w in weights]]
    similarity = pd.DataFrame(sims, columns=sim_cols)
    move_cols = ["plan_a", "plan_b", "code", "name", "from_region", "from_name", "to_region",
                 "to_region_b", "to_name", *weights.columns]
    moved = (
        pd.concat(moves, ignore_index=True)[move_cols]
        if moves
        else pd.DataFrame(columns=move_cols)
    )
    return Comparison(
        names=names,
        plans=scored,
        metrics=metrics,
        similarity=similarity,
        moved=moved,
        landscape=landscape,
    )


def _region_names(plan: Any) -> dict[str, str]:
    regions = getattr(plan, "regions", None)
    if isinstance(regions, pd.DataFrame) and "name" in regions:
        return {str(k): str(v) for k, v in regions["name"].items()}
    return {}

