"""The region table of a plan, and canonical region ids.

:func:`region_table` describes every region of an assignment (size, weights, shape,
fit with the collaboration layers, neighbours); :func:`canonical_regions` gives any
partition the deterministic ids ``R01``, ``R02``, ... Both work on any assignment,
solved or hand-made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely

from .._util import listing
from ..exceptions import UnitCodeError
from ..spec import RegionSpec
from .metrics import polsby_popper, split_layer_weights, unit_weights
from .naming import region_names
from .split import as_assignment, membership

if TYPE_CHECKING:  # pragma: no cover
    from ..landscape.coverage import Landscape

__all__ = ["REGION_COLUMNS", "canonical_regions", "region_table"]

#: Columns of the region table after the weight columns are inserted at ``"<weights>"``.
REGION_COLUMNS = (
    "name",
    "units",
    "<weights>",
    "area_km2",
    "compactness",
    "boundary_km",
    "collaborations_split",
    "reference_region",
    "reference_overlap",
    "neighbours",
)


# ---------------------------------------------------------------- canonical ids
def canonical_regions(assignment: pd.Series | Mapping[str, Any]) -> pd.Series:
    """Relabel regions ``R01``, ``R02``, ... ordered by the smallest unit code in each.

    The result depends only on the partition, not on the original labels, so it is
    deterministic and idempotent. With 100 or more regions the ids get three digits.

    Parameters
    ----------
    assignment : Series or mapping
        Unit code -> region id (any hashable); units with a missing id are dropped.

    Returns
    -------
    Series
        Named ``"region"``, indexed by unit code (sorted), values ``"R01"``...

    Raises
    ------
    UnitCodeError
        A unit code is listed twice.

    Examples
    --------
    >>> canonical_regions({"B": "x", "A": "y", "C": "x"}).to_dict()
    {'A': 'R01', 'B': 'R02', 'C': 'R02'}
    """
    if isinstance(assignment, pd.Series) and assignment.index.has_duplicates:
        dup = assignment.index[assignment.index.duplicated()].unique()
        raise UnitCodeError(
            f"units assigned more than once: {listing(dup)}; give each unit one region"
        )
    s = as_assignment(assignment).sort_index()
    if s.empty:
        return s
    first = pd.Series(s.index.to_numpy(dtype=object), index=s.index).groupby(s.to_numpy()).min()
    order = first.sort_values(kind="stable").index
    width = max(2, len(str(len(order))))
    mapping = {old: f"R{i + 1:0{width}d}" for i, old in enumerate(order)}
    return s.map(mapping).rename("region")


# ---------------------------------------------------------------- region table
def _table_weight(landscape: Landscape, spec: RegionSpec | None) -> pd.Series:
    """Weight used for reference overlap: split_by, else population, else unit count."""
    column = spec.objective.split_by if spec is not None else None
    if column is None and "population" in landscape.units.columns:
        column = "population"
    return unit_weights(landscape, column)


def _region_geometries(landscape: Landscape, region: pd.Series) -> pd.Series:
    geoms = landscape.units.geometry.reindex(region.index).to_numpy()
    groups = pd.Series(np.arange(len(region)), index=region.index).groupby(region.to_numpy())
    out = {r: shapely.union_all(geoms[idx.to_numpy()]) for r, idx in groups}
    return pd.Series(out, dtype=object)


def region_table(
    landscape: Landscape,
    assignment: pd.Series | Mapping[str, Any],
    spec: RegionSpec | None = None,
    graph: nx.Graph | None = None,
) -> pd.DataFrame:
    """One row per region: name, size, weights, shape and fit with collaborations.

    Parameters
    ----------
    landscape : Landscape
    assignment : Series or mapping
        Unit code -> region id; codes not in the landscape are ignored.
    spec : RegionSpec, optional
        Gives the split layers (``objective.split_layers``), the reference layer
        (``objective.reference``) and the overlap weight (``objective.split_by``).
    graph : networkx.Graph, optional
        Unit graph; gives the ``neighbours`` column (NA without a graph).

    Returns
    -------
    DataFrame
        Indexed by region id (sorted), columns:

        - ``name``: :func:`~rato_opt.assess.naming.region_names` with the spec's
          reference layer: the reference collaboration's name when the region holds
          more than half of it and its namesake gemeente, else the region's largest
          gemeente by ``population`` (by area when there is no population column);
          unique, shared names become "<name> / <second gemeente>".
        - ``units``: number of units; then the total of every weight column.
        - ``area_km2``: sum of unit areas; ``compactness``: Polsby-Popper of the
          dissolved region; ``boundary_km``: perimeter of the dissolved region.
        - ``collaborations_split``: collaborations of the split layers with a member
          in the region whose members lie in more than one region.
        - ``reference_region`` / ``reference_overlap``: the reference collaboration
          holding most of the region's weight and that share of the region's weight
          (weight: ``split_by``, else population, else unit count); NA without a
          reference layer.
        - ``neighbours``: adjacent region ids, comma-separated.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "population": [5, 1, 2]},
    ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, [Layer.from_partition("sop", {"A": "x", "B": "x", "C": "x"})])
    >>> t = region_table(land, {"A": "R01", "B": "R01", "C": "R02"})
    >>> t[["name", "units", "population", "area_km2", "collaborations_split"]].to_dict("index")
    {'R01': {'name': 'A', 'units': 2, 'population': 6, 'area_km2': 2.0, 'collaborations_split': 1}, 'R02': {'name': 'C', 'units': 1, 'population': 2, 'area_km2': 1.0, 'collaborations_split': 1}}
    """
    region = as_assignment(assignment)
    region = region[region.index.isin(landscape.codes)]
    units = landscape.units.reindex(region.index)
    keys = region.to_numpy()
    ids = pd.Index(sorted(region.unique()), name="region", dtype=object)
    out = pd.DataFrame(index=ids)
    out["units"] = region.groupby(keys).size().reindex(ids, fill_value=0).astype(int)
    for column in landscape.weights:
        out[column] = units[column].groupby(keys).sum().reindex(ids, fill_value=0)
    area = pd.Series(shapely.area(units.geometry.to_numpy()), index=region.index)
    out["area_km2"] = area.groupby(keys).sum().reindex(ids, fill_value=0.0) / 1e6
    geoms = _region_geometries(landscape, region).reindex(ids)
    out["compactness"] = polsby_popper(geoms.to_numpy()) if len(ids) else []
    out["boundary_km"] = (shapely.length(geoms.to_numpy()) / 1000.0) if len(ids) else []

    # collaborations of the split layers that span more than one region
    objective = (spec or RegionSpec()).objective
    frames = []
    for name in split_layer_weights(landscape, objective):
        m = membership(landscape.layers[name])
        frames.append(pd.DataFrame({"layer": name, "collaboration": m["collaboration"],
                                    "region": region.reindex(m["unit"]).to_numpy(dtype=object)}))
    if frames:
        rows = pd.concat(frames, ignore_index=True)
        rows = rows[rows["region"].notna()]
        spans = rows.groupby(["layer", "collaboration"])["region"].transform("nunique")
        split_rows = rows[spans > 1].drop_duplicates()
        out["collaborations_split"] = (
            split_rows.groupby("region").size().reindex(ids, fill_value=0).astype(int)
        )
    else:
        out["collaborations_split"] = 0

    # reference region and overlap
    weight = _table_weight(landscape, spec).reindex(region.index)
    reference = objective.reference
    if reference is not None and reference in landscape.layers:
        layer = landscape.layers[reference]
        m = membership(layer)
        m = m[m["unit"].isin(region.index)]
        f = pd.DataFrame({"region": region.reindex(m["unit"]).to_numpy(dtype=object),
                          "collaboration": m["collaboration"].to_numpy(dtype=object),
                          "w": weight.reindex(m["unit"]).to_numpy(dtype=float)})
        per = f.groupby(["region", "collaboration"])["w"].sum().reset_index()
        per = per.sort_values(["region", "w", "collaboration"], ascending=[True, False, True],
                              kind="stable").drop_duplicates("region").set_index("region")
        total = weight.groupby(keys).sum().reindex(ids)
        out["reference_region"] = per["collaboration"].reindex(ids)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["reference_overlap"] = (per["w"].reindex(ids).fillna(0.0) / total).where(total > 0)
    else:
        out["reference_region"] = pd.Series(pd.NA, index=ids, dtype=object)
        out["reference_overlap"] = np.nan
    # readable names (rato_opt.assess.naming)
    has_reference = reference is not None and reference in landscape.layers
    out.insert(0, "name", region_names(landscape, region,
                                       reference=reference if has_reference else None)
               .reindex(ids).to_numpy(dtype=object))
    # neighbours
    if graph is not None and len(ids):
        edges = list(graph.edges())
        if edges:
            u, v = zip(*edges, strict=True)
            ru = region.reindex(pd.Index(u, dtype=object)).to_numpy(dtype=object)
            rv = region.reindex(pd.Index(v, dtype=object)).to_numpy(dtype=object)
            ok = pd.notna(ru) & pd.notna(rv) & (ru != rv)
            pairs = pd.DataFrame({"a": np.concatenate([ru[ok], rv[ok]]),
                                  "b": np.concatenate([rv[ok], ru[ok]])}).drop_duplicates()
            joined = pairs.sort_values("b").groupby("a")["b"].agg(",".join)
            out["neighbours"] = joined.reindex(ids).fillna("").astype(object)
        else:
            out["neighbours"] = ""
    else:
        out["neighbours"] = pd.Series(pd.NA, index=ids, dtype=object)
    return out


def empty_region_table(landscape: Landscape) -> pd.DataFrame:
    """The region table of a plan without regions: the columns of :data:`REGION_COLUMNS`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": ["A"], "population": [3]},
    ...     geometry=[box(0, 0, 1, 1)], crs="EPSG:28992"), code="code")
    >>> list(empty_region_table(Landscape(u, {})).columns)[:4]
    ['name', 'units', 'population', 'area_km2']
    """
    columns = []
    for c in REGION_COLUMNS:
        columns.extend(landscape.weights if c == "<weights>" else [c])
    return pd.DataFrame(columns=columns, index=pd.Index([], name="region", dtype=object))
