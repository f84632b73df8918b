"""Finer units: refine a landscape to smaller units, and mixed resolution.

Base units can be refined: a gemeente landscape carried down to its wijken
(:func:`refine_landscape`), or kept whole except where a planner needs finer units
(:func:`mixed_resolution`). Finer units name their *parent* (coarse unit) in a
column, ``"gemeente"`` by default, with the parent's name in ``"gemeente_name"``.

Quantities only known for the parents are distributed over their children by a
stated rule (in proportion to a column of the finer units, e.g. an estimate of the
children aged 0-15), and the landscape's ``notes`` say so: they are estimates, and
tables, maps and exports repeat the notes.

Which parents must be refined follows from the bounds: a unit whose weight alone
exceeds an upper bound cannot lie in any region whole (:func:`must_split`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from .._util import listing
from ..exceptions import ColumnError, UnitCodeError
from ..spec import RegionSpec
from .coverage import Landscape
from .graph import graph_from_landscape
from .layers import Layer
from .units import weight_columns

__all__ = [
    "refine_landscape",
    "must_split",
    "mixed_resolution",
    "parent_layer",
    "contract_adjacency",
    "coarsen_landscape",
]


def _parents(units: pd.DataFrame, parent: str, coarse: pd.Index) -> pd.Series:
    if parent not in units.columns:
        raise ColumnError(
            f"the finer units need a column {parent!r} naming their parent unit; got columns "
            f"{listing(units.columns)}"
        )
    parents = units[parent].astype(str)
    unknown = pd.Index(parents.unique()).difference(coarse)
    if len(unknown):
        raise UnitCodeError(
            f"finer units name parents that are not units of the coarse landscape: "
            f"{listing(unknown)}; drop those units or use the coarse map they belong to"
        )
    childless = coarse.difference(pd.Index(parents.unique()))
    if len(childless):
        raise UnitCodeError(
            f"coarse units without any finer unit: {listing(childless)}; every coarse unit "
            "needs at least one child"
        )
    return parents


def _child_shares(units: gpd.GeoDataFrame, parents: pd.Series, by: str | None) -> pd.Series:
    """Each child's share of its parent, by ``by`` (area where the parent's ``by`` is 0)."""
    area = pd.Series(units.geometry.area.to_numpy(dtype=float), index=units.index)
    area_share = area / area.groupby(parents).transform("sum")
    if by is None:
        return area_share
    if by not in units.columns:
        raise ColumnError(
            f"cannot distribute by {by!r}: not a column of the finer units "
            f"({listing(weight_columns(units))})"
        )
    value = units[by].astype(float)
    total = value.groupby(parents).transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = value / total
    return share.where(total > 0, area_share)


def refine_landscape(
    coarse: Landscape,
    fine_units: gpd.GeoDataFrame,
    *,
    parent: str = "gemeente",
    by: str | None = None,
    adjacency: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
    name: str | None = None,
    credit: str | None = None,
) -> Landscape:
    """Carry a landscape down to finer units.

    Parameters
    ----------
    coarse : Landscape
        The landscape of the parent units (e.g. gemeenten).
    fine_units : GeoDataFrame
        A validated unit table of the finer units with a ``parent`` column holding
        each one's coarse unit code; every coarse unit needs at least one child.
    parent : str, default "gemeente"
        The parent column. A ``f"{parent}_name"`` column is added when missing.
    by : str, optional
        Column of ``fine_units`` by which parent quantities are distributed (e.g.
        the number of children); by area when None, and where a parent's total of
        ``by`` is 0.
    adjacency, links : DataFrame, optional
        The finer units' explicit adjacency and links (see :class:`Landscape`).
    name, credit : str, optional
        Of the new landscape; by default derived from ``coarse``.

    Returns
    -------
    Landscape
        The finer units with their own weight columns plus the coarse ones they lack
        (distributed: estimates), every layer of ``coarse`` with memberships inherited
        by the children (membership weights distributed the same way), and ``notes``
        saying what was estimated and how.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape import Landscape, Layer, validate_units
    >>> g = validate_units(gpd.GeoDataFrame({"code": ["G1"], "pupils": [90]},
    ...     geometry=[box(0, 0, 2, 1)], crs="EPSG:28992"), code="code")
    >>> w = validate_units(gpd.GeoDataFrame({"code": ["W1", "W2"], "gemeente": ["G1", "G1"],
    ...     "kids": [20, 10]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
    ...     crs="EPSG:28992"), code="code", keep=["gemeente"])
    >>> fine = refine_landscape(Landscape(g, []), w, by="kids")
    >>> fine.units["pupils"].tolist(), fine.notes["pupils"][:9]
    ([60.0, 30.0], 'estimated')
    """
    parents = _parents(fine_units, parent, coarse.codes)
    share = _child_shares(fine_units, parents, by)
    rule = f"in proportion to {by}" if by else "in proportion to area"
    units = fine_units.copy()
    if f"{parent}_name" not in units.columns:
        units[f"{parent}_name"] = coarse.units["name"].reindex(parents.to_numpy()).to_numpy()
    notes = dict(coarse.notes)
    for column in coarse.weights:
        if column in units.columns:
            continue
        total = coarse.units[column].astype(float).reindex(parents.to_numpy()).to_numpy()
        units[column] = total * share.to_numpy()
        notes[column] = (f"estimated: {column} per {parent} split over its finer units "
                         f"{rule}")
    layers = {}
    for key, layer in coarse.layers.items():
        layers[key] = _refine_layer(layer, parents, share, units.index)
        if layer.weighted:
            notes[key] = (f"estimated: membership weights per {parent} split over its finer "
                          f"units {rule}; memberships inherited from the {parent}")
        else:
            notes[key] = f"memberships inherited from the {parent}"
    return Landscape(
        units=units, layers=layers, links=links, adjacency=adjacency, notes=notes,
        name=name or f"{coarse.name}, refined", credit=credit or coarse.credit,
    )


def _refine_layer(layer: Layer, parents: pd.Series, share: pd.Series,
                  codes: pd.Index) -> Layer:
    children = pd.DataFrame({"child": parents.index, "unit": parents.to_numpy(),
                             "child_share": share.to_numpy()})
    rows = layer.shares.merge(children, on="unit", how="inner")
    if layer.weighted:
        rows["weight"] = rows["weight"].astype(float) * rows["child_share"]
    rows = rows.drop(columns=["unit", "child_share"]).rename(columns={"child": "unit"})
    rows = rows[["unit", *[c for c in layer.shares.columns if c != "unit"]]]
    return dataclasses.replace(layer, shares=rows.reset_index(drop=True), units=codes)


def must_split(landscape: Landscape, spec: RegionSpec) -> pd.DataFrame:
    """Units whose weight alone exceeds an upper bound: no region can hold them whole.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
        Its ``bounds`` (relative bounds are factors of ``total / spec.k``).

    Returns
    -------
    DataFrame
        Indexed by unit code: ``name``, ``column``, ``value`` and ``upper`` (the
        absolute limit), one row per unit and violated bound, sorted by code.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape import Landscape, validate_units
    >>> from rato_opt.spec import Bound, RegionSpec
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "population": [8, 1, 1]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> spec = RegionSpec(k=2, bounds=(Bound("population", upper=1.5, relative=True),))
    >>> must_split(Landscape(u, []), spec)[["column", "value", "upper"]].to_dict("index")
    {'A': {'column': 'population', 'value': 8.0, 'upper': 7.5}}
    """
    rows = []
    for bound in spec.bounds:
        if bound.upper is None:
            continue
        values = landscape.units[bound.column].astype(float)
        limit = bound.upper * (values.sum() / spec.k if bound.relative else 1.0)
        for code, value in values[values > limit + 1e-9].items():
            rows.append({"code": code, "name": landscape.units.at[code, "name"],
                         "column": bound.column, "value": float(value), "upper": float(limit)})
    out = pd.DataFrame(rows, columns=["code", "name", "column", "value", "upper"])
    return out.sort_values(["code", "column"]).set_index("code")


def contract_adjacency(graph_edges: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Contract an adjacency table by a grouping of its units.

    Parameters
    ----------
    graph_edges : DataFrame
        Columns ``from_code``, ``to_code`` and ``length``.
    groups : Series
        Unit code -> group code (the new unit).

    Returns
    -------
    DataFrame
        ``from_code < to_code`` pairs of groups whose units touch, with the summed
        border ``length``; pairs within a group are dropped.

    Examples
    --------
    >>> e = pd.DataFrame({"from_code": ["a", "b", "a"], "to_code": ["b", "c", "c"],
    ...                   "length": [1.0, 2.0, 4.0]})
    >>> contract_adjacency(e, pd.Series({"a": "X", "b": "X", "c": "Y"}))
      from_code to_code  length
    0         X       Y     6.0
    """
    a = groups.reindex(graph_edges["from_code"]).to_numpy(dtype=object)
    b = groups.reindex(graph_edges["to_code"]).to_numpy(dtype=object)
    keep = pd.notna(a) & pd.notna(b) & (a != b)
    a, b = a[keep].astype(str), b[keep].astype(str)
    out = pd.DataFrame({"from_code": np.where(a < b, a, b), "to_code": np.where(a < b, b, a),
                        "length": graph_edges["length"].to_numpy(dtype=float)[keep]})
    return out.groupby(["from_code", "to_code"], as_index=False, sort=True)["length"].sum()


def _contract_links(links: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Links between merged units (links inside one merged unit dropped, pairs once)."""
    links = links.assign(from_code=groups.reindex(links["from_code"]).to_numpy(),
                         to_code=groups.reindex(links["to_code"]).to_numpy())
    return links[links["from_code"] != links["to_code"]].drop_duplicates(
        ["from_code", "to_code"])


def _edges(landscape: Landscape) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Border edges and links of a landscape's unit graph."""
    graph = graph_from_landscape(landscape)
    rows = [(u, v, d.get("length", 0.0), d.get("kind", "border"), d.get("name", ""))
            for u, v, d in graph.edges(data=True)]
    edges = pd.DataFrame(rows, columns=["from_code", "to_code", "length", "kind", "name"])
    border = edges[edges["kind"] == "border"]
    return border[["from_code", "to_code", "length"]], edges[edges["kind"] != "border"]


def coarsen_landscape(fine: Landscape, groups: pd.Series, *, parent: str = "gemeente",
                      name: str | None = None) -> Landscape:
    """Merge units into larger ones: the inverse of :func:`refine_landscape`.

    Parameters
    ----------
    fine : Landscape
    groups : Series
        Unit code -> code of the merged unit, for every unit.
    parent : str, default "gemeente"
        Parent column kept (first value per group) when the units have one; a group
        that is a whole parent takes the parent's name from ``f"{parent}_name"``.
    name : str, optional
        Of the new landscape.

    Returns
    -------
    Landscape
        One unit per group: weights summed, geometry united, memberships summed
        (shares weighed by area), adjacency and links contracted.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape import Landscape, validate_units
    >>> w = validate_units(gpd.GeoDataFrame({"code": ["W1", "W2", "W3"],
    ...     "population": [5, 4, 3]},
    ...     geometry=[box(i * 1e3, 0, (i + 1) * 1e3, 1e3) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> c = coarsen_landscape(Landscape(w, []), pd.Series({"W1": "A", "W2": "A", "W3": "B"}))
    >>> c.units["population"].to_dict(), c.adjacency[["from_code", "to_code"]].values.tolist()
    ({'A': 9, 'B': 3}, [['A', 'B']])
    """
    groups = groups.astype(str).reindex(fine.codes)
    if groups.isna().any():
        raise UnitCodeError(
            f"groups gives no merged unit for {listing(groups.index[groups.isna()])}"
        )
    units = fine.units
    keys = groups.to_numpy()
    frame = units[fine.weights].groupby(keys, sort=True).sum()
    first = units.groupby(keys, sort=True).first()
    label = f"{parent}_name"
    whole = (pd.Series(units[parent].astype(str).to_numpy(), index=keys).groupby(level=0)
             .nunique().eq(1) if parent in units.columns else None)
    names = first["name"].astype(str)
    if whole is not None and label in units.columns:
        size = pd.Series(keys).value_counts()
        merged = whole & (size.reindex(whole.index) > 1)
        names = names.where(~merged.reindex(names.index, fill_value=False),
                            first[label].astype(str))
    frame.insert(0, "name", names)
    for column in (parent, label):
        if column in units.columns:
            frame[column] = first[column]
    geometry = units.geometry.groupby(keys, sort=True).agg(lambda g: g.union_all())
    out = gpd.GeoDataFrame(frame, geometry=geometry.reindex(frame.index).to_numpy(),
                           crs=units.crs)
    out.index.name = units.index.name
    area = pd.Series(units.geometry.area.to_numpy(dtype=float), index=units.index)
    layers = {key: _coarsen_layer(layer, groups, area, out.index)
              for key, layer in fine.layers.items()}
    border, links = _edges(fine)
    links = _contract_links(links, groups)
    return Landscape(
        units=out, layers=layers, links=links[["from_code", "to_code", "kind", "name"]],
        adjacency=contract_adjacency(border, groups), notes=dict(fine.notes),
        name=name or f"{fine.name}, coarsened", credit=fine.credit,
    )


def _coarsen_layer(layer: Layer, groups: pd.Series, area: pd.Series,
                   codes: pd.Index) -> Layer:
    rows = layer.shares.copy()
    rows["area"] = area.reindex(rows["unit"]).to_numpy()
    rows["unit"] = groups.reindex(rows["unit"]).to_numpy()
    group_area = area.groupby(groups.to_numpy()).sum()
    rows["a"] = rows["area_share"].astype(float) * rows["area"]
    rows["w"] = rows["weight_share"].astype(float) * rows["area"]
    agg = {"a": "sum", "w": "sum"}
    if layer.weighted:
        agg["weight"] = "sum"
    out = rows.groupby(["unit", "collaboration"], as_index=False, sort=True).agg(agg)
    total = group_area.reindex(out["unit"]).to_numpy()
    out["area_share"] = np.clip(out["a"].to_numpy() / total, 0.0, 1.0)
    has_w = rows.groupby(["unit", "collaboration"], sort=True)["weight_share"].count()
    out["weight_share"] = np.where(has_w.to_numpy() > 0,
                                   np.clip(out["w"].to_numpy() / total, 0.0, 1.0), np.nan)
    out = out[[c for c in layer.shares.columns if c in out.columns]]
    return dataclasses.replace(layer, shares=out.reset_index(drop=True), units=codes)


def mixed_resolution(
    coarse: Landscape,
    fine: Landscape,
    *,
    refine: Iterable[str] = (),
    spec: RegionSpec | None = None,
    parent: str = "gemeente",
) -> Landscape:
    """Keep coarse units whole and use the finer units only where needed.

    Parameters
    ----------
    coarse : Landscape
        The coarse landscape (e.g. gemeenten).
    fine : Landscape
        The same country at finer units (e.g. :func:`refine_landscape` of ``coarse``),
        whose units carry the ``parent`` column.
    refine : iterable of str
        Coarse unit codes the planner wants split into their finer units.
    spec : RegionSpec, optional
        When given, every coarse unit that :func:`must_split` finds is refined too.
    parent : str, default "gemeente"
        The parent column of the finer units.

    Returns
    -------
    Landscape
        Whole coarse units (their own weights, geometry and memberships) plus the
        finer units of the refined ones; every unit has ``parent`` and
        ``f"{parent}_name"``. The adjacency is the finer graph contracted (so a wijk
        touches the whole gemeente next to it), links likewise. ``notes["refined"]``
        lists the refined units and why.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape import Landscape, validate_units
    >>> g = validate_units(gpd.GeoDataFrame({"code": ["G1", "G2"], "population": [9, 3]},
    ...     geometry=[box(0, 0, 2e3, 1e3), box(2e3, 0, 3e3, 1e3)], crs="EPSG:28992"),
    ...     code="code")
    >>> w = validate_units(gpd.GeoDataFrame({"code": ["W1", "W2", "W3"],
    ...     "gemeente": ["G1", "G1", "G2"], "population": [5, 4, 3]},
    ...     geometry=[box(i * 1e3, 0, (i + 1) * 1e3, 1e3) for i in range(3)],
    ...     crs="EPSG:28992"), code="code", keep=["gemeente"])
    >>> coarse = Landscape(g, [])
    >>> mixed = mixed_resolution(coarse, refine_landscape(coarse, w), refine=["G1"])
    >>> mixed.units.index.tolist(), mixed.adjacency["to_code"].tolist()
    (['G2', 'W1', 'W2'], ['W2', 'W2'])
    """
    fine_parents = _parents(fine.units, parent, coarse.codes)
    wanted = pd.Index([str(c) for c in refine]).unique()
    unknown = wanted.difference(coarse.codes)
    if len(unknown):
        raise UnitCodeError(
            f"refine names codes that are not coarse units: {listing(unknown)}; use unit "
            f"codes such as {listing(coarse.codes[:3])}"
        )
    why = {c: "named by the planner" for c in wanted}
    if spec is not None:
        for code, row in must_split(coarse, spec).iterrows():
            why.setdefault(code, f"must split: {row['column']} {row['value']:,.0f} > upper "
                                 f"bound {row['upper']:,.0f}")
    refined = pd.Index(sorted(why))
    groups = fine_parents.where(~fine_parents.isin(refined), fine_parents.index.to_series())
    kept = coarse.units.loc[~coarse.codes.isin(refined)].copy()
    kept[parent] = kept.index.astype(str)
    kept[f"{parent}_name"] = kept["name"]
    children = fine.units.loc[fine_parents.isin(refined).to_numpy()].copy()
    if f"{parent}_name" not in children.columns:
        children[f"{parent}_name"] = coarse.units["name"].reindex(children[parent]).to_numpy()
    columns = ["name", parent, f"{parent}_name", *coarse.weights]
    missing = [c for c in coarse.weights if c not in children.columns]
    if missing:
        raise ColumnError(
            f"the finer units lack the coarse weight columns {missing}; build the finer "
            "landscape with refine_landscape(coarse, ...) so they are distributed"
        )
    units = pd.concat([kept[columns + ["geometry"]], children[columns + ["geometry"]]])
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=coarse.units.crs)
    units.index.name = coarse.units.index.name
    layers = {}
    for key, layer in coarse.layers.items():
        rows = [layer.shares[layer.shares["unit"].isin(kept.index)]]
        if key in fine.layers:
            fs = fine.layers[key].shares
            rows.append(fs[fs["unit"].isin(children.index)])
        shares = pd.concat(rows, ignore_index=True)
        layers[key] = dataclasses.replace(layer, shares=shares, units=units.index)
    border, links = _edges(fine)
    links = _contract_links(links, groups)
    notes = {k: v for k, v in {**coarse.notes, **fine.notes}.items()
             if k in units.columns or k in layers}
    notes["refined"] = "; ".join(f"{coarse.units.at[c, 'name']} ({c}): {why[c]}"
                                 for c in refined) or "none"
    return Landscape(
        units=units, layers=layers, links=links[["from_code", "to_code", "kind", "name"]],
        adjacency=contract_adjacency(border, groups), notes=notes,
        name=f"{coarse.name}, {len(refined)} refined", credit=fine.credit or coarse.credit,
    )


def parent_layer(landscape: Landscape, *, parent: str = "gemeente",
                 name: str = "gemeenten") -> Layer:
    """A layer with one collaboration per parent unit: keeps gemeenten together as a soft term.

    Add it to a landscape of finer units and name it in ``Objective.split_layers`` so
    the optimiser prefers to keep each gemeente in one region; for a hard rule, keep
    the gemeenten whole with :func:`mixed_resolution` instead.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape import Landscape, validate_units
    >>> w = validate_units(gpd.GeoDataFrame({"code": ["W1", "W2", "W3"],
    ...     "gemeente": ["G1", "G1", "G2"], "gemeente_name": ["Aa", "Aa", "Bee"]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code",
    ...     keep=["gemeente", "gemeente_name"])
    >>> parent_layer(Landscape(w, [])).members()
    {'G1': ['W1', 'W2'], 'G2': ['W3']}
    """
    if parent not in landscape.units.columns:
        raise ColumnError(
            f"the units have no {parent!r} column; got {listing(landscape.units.columns)}"
        )
    codes = landscape.units[parent].astype(str)
    label = f"{parent}_name"
    names = (dict(zip(codes, landscape.units[label].astype(str), strict=True))
             if label in landscape.units.columns else None)
    return Layer.from_partition(name, codes, names=names, kind=parent)
