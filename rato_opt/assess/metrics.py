"""Objective terms and plan metrics, computed from an assignment alone.

Everything here is a pure function of a landscape (or a layer), an assignment
(unit code -> region id) and, for boundary terms, the unit graph. The model builder
must produce the same numbers: for a solution ``a`` of a model built from ``spec``,
``model objective == sum(objective_terms(landscape, a, spec, graph).values())``.

Definitions
-----------
For a collaboration ``c`` of a layer with member units ``M_c`` (the layer's
:meth:`~rato_opt.landscape.layers.Layer.membership`) and member weights ``w_i`` (the
``Objective.split_by`` column, or 1 per unit; with ``Objective.split_weight =
"membership"`` the layer's own membership weight ``w_{c,i}`` where the layer has them,
e.g. a board's pupils in the gemeente, see
:func:`~rato_opt.assess.split.member_weights`):

- ``W_c = sum_{i in M_c} w_i`` and ``W_{c,r} = sum_{i in M_c, a(i) = r} w_i``.
- ``split(L) = sum_c (W_c - max_r W_{c,r}) / sum_c W_c``: the share of member weight
  outside each collaboration's main region (0 when ``sum_c W_c == 0``).
  A unit in several collaborations counts once in each.
- split term = ``objective.split * sum_L weight_L * split(L)`` over
  :func:`split_layer_weights`.
- ``count(L)`` = number of collaborations with ``W_c > 0`` and more than
  ``t = objective.split_threshold`` of their weight outside their main region
  (``W_c - max_r W_{c,r} > t W_c``); ``n(L)`` = number of collaborations with
  ``W_c > 0``. Count term = ``objective.split_count * sum_L weight_L * count(L) /
  n(L)`` over :func:`count_layer_weights` (0 for a layer with ``n(L) = 0``).
- ``compactness = (sum of edge "length" between different regions) / (sum of all
  edge "length")`` on the unit graph (0 when the total length is 0); term =
  ``objective.compactness * compactness``.
- ``alignment = split(reference layer)``; term = ``objective.alignment * alignment``.
- ``alliance = sum_r (W_r - max_a W_{r,a}) / sum_r W_r`` with ``W_r`` the weight of
  all units of region ``r`` and ``W_{r,a}`` the weight of those that belong to
  alliance ``a`` (units may belong to several alliances; a unit in no alliance is
  always outside). The weights are the ``split_by`` weights. Term =
  ``objective.alliance * alliance``.
- ``stay_close = split`` of the ``RegionSpec.start`` plan treated as a partition
  layer (each start region is a collaboration); term =
  ``objective.stay_close * stay_close``.

Units missing from the assignment (or with a missing region) lie in no region:
their weight counts as outside every main region, and a graph edge touching them
counts as cut. A complete plan never has such units.

All computations are vectorised with pandas ``groupby``; the cost is linear in the
number of memberships and graph edges. The per-layer building blocks (
:func:`~rato_opt.assess.split.as_assignment`, ``membership``, ``split_cost``,
``split_table``, ``alliance_cost``, ``regional_collaborations``) live in
:mod:`rato_opt.assess.split`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from ..exceptions import ColumnError, LayerError
from ..landscape.units import check_weights
from ..spec import TERMS
from .split import (
    alliance_cost,
    as_assignment,
    membership_split,
    regional_collaborations,
    split_cost,
    split_summary,
)

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from ..landscape.coverage import Landscape
    from ..landscape.layers import Layer
    from ..spec import Objective, RegionSpec

__all__ = [
    "TERMS",
    "unit_weights",
    "split_layer_weights",
    "count_layer_weights",
    "cut_boundary",
    "polsby_popper",
    "evaluate",
    "objective_terms",
]


# ---------------------------------------------------------------- inputs
def unit_weights(landscape: Landscape, column: str | None) -> pd.Series:
    """Weights of the units: a weight column as floats, or 1 per unit for ``None``.

    Raises
    ------
    ColumnError, WeightError
        The column is missing or is not a valid weight.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": ["A"], "pop": [3]},
    ...     geometry=[box(0, 0, 1, 1)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, {})
    >>> unit_weights(land, "pop").tolist(), unit_weights(land, None).tolist()
    ([3.0], [1.0])
    """
    units = landscape.units
    if column is None:
        return pd.Series(1.0, index=units.index, name="weight")
    check_weights(units, [column])
    return units[column].astype(float).rename("weight")


def split_layer_weights(landscape: Landscape, objective: Objective) -> dict[str, float]:
    """Layers entering the split term and their weights.

    ``objective.split_layers`` when given; otherwise every layer of the landscape
    except ``objective.reference`` and ``objective.alliance_layer``, each weight 1.

    Raises
    ------
    LayerError
        ``split_layers`` names a layer the landscape does not have.

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
    >>> from rato_opt.spec import Objective
    >>> split_layer_weights(land, Objective(reference="amr"))
    {'sop': 1.0}
    """
    if objective.split_layers is not None:
        unknown = [n for n in objective.split_layers if n not in landscape.layers]
        if unknown:
            raise LayerError(
                f"Objective.split_layers names unknown layer(s) {unknown}; the landscape has "
                f"{sorted(landscape.layers)}"
            )
        return dict(objective.split_layers)
    skip = {objective.reference, objective.alliance_layer}
    return {name: 1.0 for name in landscape.layers if name not in skip}


def count_layer_weights(landscape: Landscape, objective: Objective) -> dict[str, float]:
    """Layers entering the count term and their weights.

    ``objective.split_count_layers`` when given, otherwise those of
    :func:`split_layer_weights`.

    Raises
    ------
    LayerError
        A layer the landscape does not have.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> from rato_opt.spec import Objective
    >>> u = validate_units(gpd.GeoDataFrame({"code": ["A"]}, geometry=[box(0, 0, 1, 1)],
    ...     crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, [Layer.from_partition("sop", {"A": "x"})])
    >>> count_layer_weights(land, Objective(split_count=1, split_layers={"sop": 2}))
    {'sop': 2.0}
    """
    if objective.split_count_layers is None:
        return split_layer_weights(landscape, objective)
    unknown = [n for n in objective.split_count_layers if n not in landscape.layers]
    if unknown:
        raise LayerError(
            f"Objective.split_count_layers names unknown layer(s) {unknown}; the landscape has "
            f"{sorted(landscape.layers)}"
        )
    return dict(objective.split_count_layers)


def _layer(landscape: Landscape, name: str, what: str) -> Layer:
    if name not in landscape.layers:
        raise LayerError(
            f"{what} layer {name!r} is not in the landscape; it has {sorted(landscape.layers)}"
        )
    return landscape.layers[name]


# ---------------------------------------------------------------- boundary
def cut_boundary(graph: nx.Graph, assignment: pd.Series | Mapping[str, Any]) -> tuple[float, float]:
    """Length of graph edges between different regions, and of all edges.

    Parameters
    ----------
    graph : networkx.Graph
        Unit graph whose edges carry ``length`` (shared border in metres; links
        have 0). A missing or NaN length counts as 0.
    assignment : Series or mapping
        Unit code -> region id. An edge with an unassigned end counts as cut.

    Returns
    -------
    (float, float)
        ``(cut_length, total_length)`` in the graph's length unit (metres).

    Examples
    --------
    ::

        A -10- B -5- C      regions: {A, B} and {C}

    >>> import networkx as nx
    >>> g = nx.Graph()
    >>> g.add_edge("A", "B", length=10.0); g.add_edge("B", "C", length=5.0)
    >>> cut_boundary(g, {"A": "r1", "B": "r1", "C": "r2"})
    (5.0, 15.0)
    """
    region = as_assignment(assignment)
    edges = list(graph.edges(data="length", default=0.0))
    if not edges:
        return 0.0, 0.0
    u, v, length = zip(*edges, strict=True)
    lengths = np.nan_to_num(np.asarray(length, dtype=float), nan=0.0)
    ru = region.reindex(pd.Index(u, dtype=object)).to_numpy(dtype=object)
    rv = region.reindex(pd.Index(v, dtype=object)).to_numpy(dtype=object)
    missing = pd.isna(ru) | pd.isna(rv)
    cut = missing | (ru != rv)
    return float(lengths[cut].sum()), float(lengths.sum())


# ---------------------------------------------------------------- shape
def polsby_popper(geoms: Any) -> np.ndarray | pd.Series:
    """Polsby-Popper compactness ``4 pi area / perimeter**2`` of each geometry.

    1 for a disc, about 0.785 for a square, towards 0 for long or ragged shapes.
    A zero perimeter (empty or missing geometry) gives NaN; it never raises.

    Parameters
    ----------
    geoms : GeoSeries, array-like of shapely geometries, or a geometry
        In a projected CRS.

    Returns
    -------
    Series (for a Series input, same index) or ndarray, or float for one geometry.

    Examples
    --------
    >>> from shapely import box, Polygon
    >>> polsby_popper([box(0, 0, 1, 1), Polygon()]).round(4).tolist()
    [0.7854, nan]
    """
    if isinstance(geoms, shapely.Geometry):
        return float(polsby_popper([geoms])[0])
    values = geoms.to_numpy() if isinstance(geoms, pd.Series) else np.asarray(geoms, dtype=object)
    values = np.array([g if g is not None else shapely.Polygon() for g in values], dtype=object)
    area = shapely.area(values).astype(float)
    perimeter = shapely.length(values).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(perimeter > 0, perimeter, 1)
        pp = np.where(perimeter > 0, 4 * math.pi * area / safe ** 2, np.nan)
    if isinstance(geoms, pd.Series):
        return pd.Series(pp, index=geoms.index, name="polsby_popper")
    return pp


# ---------------------------------------------------------------- all terms
def evaluate(
    landscape: Landscape,
    assignment: pd.Series | Mapping[str, Any],
    spec: RegionSpec | None = None,
    graph: nx.Graph | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """Weighted objective terms and raw metrics of an assignment.

    Parameters
    ----------
    landscape : Landscape
    assignment : Series or mapping
        Unit code -> region id. Codes not in the landscape are ignored.
    spec : RegionSpec, optional
        Supplies the objective weights, layers, ``split_by`` and ``start``;
        defaults to ``RegionSpec()`` (split over every layer, weight 1).
    graph : networkx.Graph, optional
        Unit graph for the compactness term; built with
        :func:`rato_opt.landscape.graph.graph_from_landscape` when needed
        (``objective.compactness > 0``) and not given.

    Returns
    -------
    terms : dict
        ``split``, ``split_count``, ``compactness``, ``alignment``, ``alliance``,
        ``stay_close``: each raw fraction times its weight (0 for a zero weight). Their
        sum is the objective.
    metrics : dict
        Raw values: ``split`` (``sum_L weight_L * split(L)``), ``split_count``
        (``sum_L weight_L * count(L) / n(L)``); per split or count layer
        ``split_<layer>`` (share of weight outside), ``split_count_<layer>``
        (collaborations split) and ``collaborations_<layer>`` (``n(L)``);
        ``compactness`` (cut share), ``cut_km``, ``border_km`` (all graph
        edge length), ``alignment``, ``alliance``, ``stay_close`` (NaN when not
        defined: no graph, reference, alliance layer or start), ``n_regions`` and
        ``n_assigned`` (units with a region).

    Raises
    ------
    LayerError, ColumnError
        The objective names a layer or weight column the landscape lacks.

    Examples
    --------
    A 1 × 3 strip ``A B C``; ``sop`` collaboration ``x`` = {A, B} is split 1 of 2,
    the reference layer ``amr`` (``p`` = {A}, ``q`` = {B, C}) is matched exactly::

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, [Layer.from_partition("sop", {"A": "x", "B": "x", "C": "y"}),
    ...                      Layer.from_partition("amr", {"A": "p", "B": "q", "C": "q"})])
    >>> from rato_opt.spec import Objective, RegionSpec
    >>> spec = RegionSpec(objective=Objective(reference="amr", alignment=1.0))
    >>> terms, metrics = evaluate(land, {"A": "R1", "B": "R2", "C": "R2"}, spec)
    >>> round(terms["split"], 4), terms["alignment"], metrics["n_regions"]
    (0.3333, 0.0, 2.0)
    """
    from ..spec import RegionSpec

    spec = RegionSpec() if spec is None else spec
    objective = spec.objective
    region = as_assignment(assignment)
    region = region[region.index.isin(landscape.codes)]
    if objective.split_by is not None and objective.split_by not in landscape.units.columns:
        raise ColumnError(
            f"Objective.split_by={objective.split_by!r} is not a unit column; weight columns are "
            f"{landscape.weights}"
        )
    w = unit_weights(landscape, objective.split_by)
    how = {"split_weight": objective.split_weight, "threshold": objective.split_threshold}
    metrics: dict[str, float] = {}
    split_layers = split_layer_weights(landscape, objective)
    count_layers = count_layer_weights(landscape, objective)
    summaries = {name: split_summary(landscape.layers[name], region, w, **how)
                 for name in {**split_layers, **count_layers}}
    for name, summary in summaries.items():
        metrics[f"split_{name}"] = summary["share"]
        metrics[f"split_count_{name}"] = summary["count"]
        metrics[f"collaborations_{name}"] = summary["collaborations"]
    metrics["split"] = sum(lw * summaries[n]["share"] for n, lw in split_layers.items())
    metrics["split_count"] = sum(lw * summaries[n]["count_share"]
                                 for n, lw in count_layers.items())

    if graph is None and objective.compactness > 0:
        from ..landscape.graph import graph_from_landscape

        graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
    if graph is not None:
        cut, total = cut_boundary(graph, region)
        metrics["compactness"] = cut / total if total > 0 else 0.0
        metrics["cut_km"] = cut / 1000.0
        metrics["border_km"] = total / 1000.0
    else:
        metrics["compactness"] = metrics["cut_km"] = metrics["border_km"] = float("nan")

    # a named layer the landscape lacks is an error only when its term is weighted
    reference = objective.reference
    if reference is not None and (reference in landscape.layers or objective.alignment > 0):
        metrics["alignment"] = split_cost(_layer(landscape, reference, "reference"), region, w,
                                          split_weight=objective.split_weight)
    else:
        metrics["alignment"] = float("nan")
    alliance = objective.alliance_layer
    if alliance is not None and (alliance in landscape.layers or objective.alliance > 0):
        metrics["alliance"] = alliance_cost(
            regional_collaborations(_layer(landscape, alliance, "alliance"), landscape.codes),
            region, w,
        )
    else:
        metrics["alliance"] = float("nan")
    if spec.start is not None:
        start = pd.Series(spec.start, dtype=object)
        start = start[start.index.isin(landscape.codes)]
        members = pd.DataFrame({"unit": start.index, "collaboration": start.to_numpy()})
        metrics["stay_close"] = membership_split(members, region, w)
    else:
        metrics["stay_close"] = float("nan")
    metrics["n_regions"] = float(region.nunique())
    metrics["n_assigned"] = float(len(region))

    weights = {key: getattr(objective, key) for key in TERMS}
    terms = {key: (weights[key] * metrics[key] if weights[key] > 0 else 0.0) for key in TERMS}
    return terms, metrics


def objective_terms(
    landscape: Landscape,
    assignment: pd.Series | Mapping[str, Any],
    spec: RegionSpec | None = None,
    graph: nx.Graph | None = None,
) -> dict[str, float]:
    """The weighted objective terms of an assignment; their sum is the objective value.

    Keys are :data:`TERMS`. See :func:`evaluate` for the raw metrics and the module
    docstring for the definitions.

    Examples
    --------
    >>> import pandas as pd
    >>> from rato_opt import Landscape, Layer
    >>> from rato_opt.landscape.units import validate_units
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, [Layer.from_partition("sop", {"A": "x", "B": "x", "C": "y"})])
    >>> objective_terms(land, {"A": "R1", "B": "R2", "C": "R2"})["split"]  # x split 1 of 2
    0.3333333333333333
    """
    return evaluate(landscape, assignment, spec, graph)[0]
