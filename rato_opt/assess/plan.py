"""Region plans: the frozen :class:`Plan` value, built from any assignment.

Nothing here knows how a plan was found. Solvers build their result with
:meth:`Plan.from_assignment`; :func:`score_plan` gives any assignment (e.g. the
existing arbeidsmarktregio's) the same metrics as a solved plan. Both compute every
field from the assignment: the region table (:mod:`rato_opt.assess.regions`), the
objective terms (:mod:`rato_opt.assess.metrics`) and the verification
(:mod:`rato_opt.assess.verify`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from .._util import json_ready
from ..exceptions import ModelError
from ..spec import RegionSpec
from .metrics import TERMS, evaluate
from .regions import canonical_regions, empty_region_table, region_table
from .split import as_assignment
from .verify import Verification, raw_assignment, verify_plan

if TYPE_CHECKING:  # pragma: no cover
    from ..landscape.coverage import Landscape

__all__ = ["STATUSES", "Plan", "score_plan"]

#: Plan statuses: solved to proven optimality, feasible (a verified plan, optimality not
#: proven: work budget or time limit reached, gap given), interrupted (Ctrl-C: the best
#: verified plan so far, if any), proven infeasible, not solved (no plan passed
#: verification; ``explanation`` says why), or scored (not solved, just measured).
STATUSES = ("optimal", "feasible", "interrupted", "infeasible", "not_solved", "scored")


@dataclasses.dataclass(frozen=True, eq=False)
class Plan:
    """A region plan: assignment, region table, objective terms, status and verification.

    Build one with :meth:`from_assignment` (solvers) or :func:`score_plan` (any
    assignment); both compute every field from the assignment.

    Attributes
    ----------
    assignment : Series
        Index every unit code of the landscape once (in landscape order), values region
        id (``"R01"`` ...), NaN for a unit without region (an incomplete scored map);
        named ``"region"``. Empty when there is no solution (``"infeasible"``,
        ``"not_solved"``).
    regions : DataFrame
        See :func:`~rato_opt.assess.regions.region_table`.
    objective : float
        ``sum(terms.values())``; NaN without an assignment.
    terms : mapping
        Weighted objective terms, keys :data:`rato_opt.assess.metrics.TERMS`.
    metrics : mapping
        Raw values (see :func:`rato_opt.assess.metrics.evaluate`) plus ``covered_share``
        (share of the landscape's units that have a region).
    status : str
        One of :data:`STATUSES`.
    bound : float or None
        Best proven lower bound on the objective (solvers).
    gap : float or None
        Relative optimality gap (solvers).
    seconds : float
        Solve time, or scoring time for status ``"scored"``.
    solver : str or None
        ``"HiGHS"`` or ``"CBC"`` when the integer program ran, ``"heuristic"`` when the
        plan comes from the warm start and annealing alone.
    verification : Verification
        Result of :func:`~rato_opt.assess.verify.verify_plan`.
    explanation : tuple of str
        Why the problem is infeasible (pre-check or elastic re-solve), or why no plan
        was found or optimality was not claimed.
    run : mapping
        How the plan was made (solvers): ``seed``, ``budget`` (see
        :class:`rato_opt.spec.Budget`), ``time_limit``, ``deterministic`` (False when a
        wall-clock limit cut a stage short, or a stage was budgeted in seconds),
        ``stopped_by`` (``"optimal"``, ``"work_budget"``, ``"time_limit"``,
        ``"interrupted"``, ``"infeasible"``, ``"solver_failed"``), ``stages`` (what each
        stage contributed), ``claims_rejected`` (solver claims that did not survive
        checking) and ``versions`` (library and solver versions). Empty for scored plans.
    """

    assignment: pd.Series
    regions: pd.DataFrame
    objective: float
    terms: Mapping[str, float]
    metrics: Mapping[str, float]
    status: str
    bound: float | None
    gap: float | None
    seconds: float
    solver: str | None
    verification: Verification
    explanation: tuple[str, ...] = ()
    run: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ModelError(f"Plan.status must be one of {STATUSES}, got {self.status!r}")
        object.__setattr__(self, "explanation", tuple(self.explanation))
        object.__setattr__(self, "run", dict(self.run or {}))

    @property
    def n_regions(self) -> int:
        """Number of regions in the plan."""
        return int(self.assignment.nunique())

    def split_layers(self) -> pd.DataFrame:
        """Per split (or count) layer the two numbers: share of weight outside, count split.

        Returns
        -------
        DataFrame
            Indexed by layer: ``share_outside`` (membership weight outside each
            collaboration's main region, as a share), ``split`` (collaborations with more
            than ``Objective.split_threshold`` of their weight outside their main region)
            and ``collaborations`` (with weight). Per collaboration:
            :func:`rato_opt.assess.split.split_table`.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> from rato_opt import Landscape, Layer, validate_units
        >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
        ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
        ...     crs="EPSG:28992"), code="code")
        >>> land = Landscape(u, [Layer.from_partition("sop", {"A": "x", "B": "x", "C": "y"})])
        >>> score_plan(land, {"A": 1, "B": 2, "C": 2}).split_layers().to_dict("index")
        {'sop': {'share_outside': 0.3333333333333333, 'split': 1.0, 'collaborations': 2.0}}
        """
        names = [k[len("collaborations_"):] for k in self.metrics
                 if k.startswith("collaborations_")]
        rows = {n: {"share_outside": float(self.metrics[f"split_{n}"]),
                    "split": float(self.metrics[f"split_count_{n}"]),
                    "collaborations": float(self.metrics[f"collaborations_{n}"])}
                for n in names}
        return pd.DataFrame.from_dict(
            rows, orient="index", columns=["share_outside", "split", "collaborations"]
        ).rename_axis("layer")

    def split_note(self, lang: str = "nl") -> str:
        """The split figures of every split layer as one line, for a map legend or caption.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> from rato_opt import Landscape, Layer, validate_units
        >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
        ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
        ...     crs="EPSG:28992"), code="code")
        >>> land = Landscape(u, [Layer.from_partition("sop", {"A": "x", "B": "x", "C": "y"})])
        >>> score_plan(land, {"A": 1, "B": 2, "C": 2}).split_note("en")
        'sop: 1 of 2 split, 33.3% of weight outside main region'
        """
        text = ("{layer}: {n:.0f} of {total:.0f} split, {share} of weight outside main region"
                if lang == "en" else
                "{layer}: {n:.0f} van {total:.0f} gesplitst, {share} buiten hoofdregio")
        parts = []
        for layer, row in self.split_layers().iterrows():
            share = f"{row['share_outside']:.1%}"
            parts.append(text.format(layer=layer, n=row["split"], total=row["collaborations"],
                                     share=share if lang == "en" else share.replace(".", ",")))
        return "; ".join(parts)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready dict: regions, status, objective, bound, gap, seconds, contiguous,
        covered_share, verified, problems, terms, split (per layer: ``share_outside``,
        ``split`` count and ``collaborations``, see :meth:`split_layers`) (NaN becomes None).

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> from rato_opt import Landscape, validate_units
        >>> u = validate_units(gpd.GeoDataFrame({"code": ["A", "B"]},
        ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        ...     crs="EPSG:28992"), code="code")
        >>> s = score_plan(Landscape(u, {}), {"A": 1, "B": 1}).summary()
        >>> s["regions"], s["status"], s["contiguous"], s["covered_share"]
        (1, 'scored', True, 1.0)
        """
        return {
            "regions": self.n_regions,
            "status": self.status,
            "objective": json_ready(self.objective),
            "bound": json_ready(self.bound),
            "gap": json_ready(self.gap),
            "seconds": json_ready(self.seconds),
            "solver": self.solver,
            "contiguous": bool(self.verification.contiguous),
            "covered_share": json_ready(self.metrics.get("covered_share")),
            "verified": bool(self.verification.ok),
            "problems": list(self.verification.problems),
            "terms": {k: json_ready(v) for k, v in self.terms.items()},
            "split": {layer: {k: json_ready(v) for k, v in row.items()}
                      for layer, row in self.split_layers().to_dict("index").items()},
            "explanation": list(self.explanation),
            "run": json_ready(self.run),
        }

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (f"Plan(status={self.status!r}, regions={self.n_regions}, "
                f"objective={self.objective:.6g}, verified={self.verification.ok})")

    @classmethod
    def from_assignment(
        cls,
        landscape: Landscape,
        assignment: pd.Series | Mapping[str, Any] | None,
        spec: RegionSpec | None = None,
        graph: nx.Graph | None = None,
        *,
        status: str,
        bound: float | None = None,
        gap: float | None = None,
        seconds: float = 0.0,
        solver: str | None = None,
        explanation: Sequence[str] = (),
        relabel: bool = True,
        run: Mapping[str, Any] | None = None,
    ) -> Plan:
        """Build a plan from an assignment, computing regions, terms and verification.

        Parameters
        ----------
        landscape : Landscape
        assignment : Series or mapping, or None
            Unit code -> region id (any labels). ``None`` or empty for no solution
            (e.g. status ``"infeasible"``): the plan's assignment is then empty, its
            region table has no rows, terms and objective are NaN and the
            verification fails.
        spec : RegionSpec, optional
            The specification solved or checked; defaults to ``RegionSpec()``.
        graph : networkx.Graph, optional
            Unit graph (built with the spec's contiguity when not given).
        status : str
            One of :data:`STATUSES`.
        bound, gap : float, optional
            Solver's best bound and relative gap.
        seconds : float, default 0.0
            Time spent.
        solver : str, optional
            Solver name, e.g. ``"highs"``.
        explanation : sequence of str
            Infeasibility explanation.
        relabel : bool, default True
            Relabel regions ``R01`` ... with
            :func:`~rato_opt.assess.regions.canonical_regions`.
        run : mapping, optional
            How the plan was made (see the class attributes).

        Returns
        -------
        Plan

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
        >>> plan = Plan.from_assignment(land, {"A": "b", "B": "a", "C": "a"}, status="feasible")
        >>> plan.assignment.tolist(), plan.n_regions, plan.verification.ok
        (['R01', 'R02', 'R02'], 2, True)
        """
        spec = RegionSpec() if spec is None else spec
        if graph is None:
            from ..landscape.graph import graph_from_landscape

            graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
        raw = raw_assignment(assignment)
        clean = as_assignment(raw)
        clean = clean[clean.index.isin(landscape.codes)]
        if relabel and len(clean):
            canonical = canonical_regions(clean)
            mapping = dict(zip(clean.reindex(canonical.index).to_numpy(), canonical.to_numpy(),
                               strict=True))
            raw = raw.map(lambda r: mapping.get(r, r) if pd.notna(r) else r)
            clean = canonical
        else:
            clean = clean.sort_index()
        verification = verify_plan(landscape, raw if assignment is not None else None, spec,
                                   graph=graph)
        if len(clean):
            terms, metrics = evaluate(landscape, clean, spec, graph)
            regions = region_table(landscape, clean, spec, graph)
            objective = float(sum(terms.values()))
        else:
            terms = {key: float("nan") for key in TERMS}
            metrics = {}
            regions = empty_region_table(landscape)
            objective = float("nan")
        n_codes = len(landscape.codes)
        metrics["covered_share"] = len(clean) / n_codes if n_codes else 0.0
        if len(clean):
            full = clean.reindex(landscape.codes).astype(object).rename("region")
        else:  # no solution: an empty assignment
            full = pd.Series([], index=pd.Index([], dtype=object), dtype=object, name="region")
        full = full.rename_axis("code")
        return cls(
            assignment=full,
            regions=regions,
            objective=objective,
            terms=terms,
            metrics=metrics,
            status=status,
            bound=bound,
            gap=gap,
            seconds=float(seconds),
            solver=solver,
            verification=verification,
            explanation=tuple(explanation),
            run=dict(run or {}),
        )


def score_plan(
    landscape: Landscape,
    assignment: pd.Series | Mapping[str, Any],
    spec: RegionSpec | None = None,
    *,
    graph: nx.Graph | None = None,
    relabel: bool = True,
) -> Plan:
    """Score any assignment with the same metrics as a solved plan (status ``"scored"``).

    Use it for the existing arbeidsmarktregio partition or a planner's hand-made map.
    An incomplete or invalid map is scored as far as possible; its problems are in
    ``plan.verification.problems``.

    Parameters
    ----------
    landscape : Landscape
    assignment : Series or mapping
        Unit code -> region id.
    spec : RegionSpec, optional
        Objective weights and constraints to score and verify against.
    graph : networkx.Graph, optional
        Unit graph; built when not given.
    relabel : bool, default True
        Relabel regions ``R01``...; False keeps the given ids (e.g. ``AM02``).

    Returns
    -------
    Plan
        ``seconds`` is the scoring time.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, [Layer.from_partition("sop", {"A": "x", "B": "x", "C": "y"})])
    >>> plan = score_plan(land, {"A": "a", "B": "b", "C": "b"})
    >>> plan.assignment.tolist(), round(plan.objective, 4), plan.verification.ok
    (['R01', 'R02', 'R02'], 0.3333, True)
    """
    start = time.perf_counter()
    spec = RegionSpec() if spec is None else spec
    if graph is None:
        from ..landscape.graph import graph_from_landscape

        graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
    plan = Plan.from_assignment(landscape, assignment, spec, graph, status="scored",
                                relabel=relabel)
    return dataclasses.replace(plan, seconds=time.perf_counter() - start)
