"""Base units: validated polygons keyed by a unit code.

A *unit table* is a :class:`geopandas.GeoDataFrame` whose index holds unique
string unit codes (e.g. CBS ``GM0363``), named ``"code"``; it has a ``"name"``
column, polygon geometries in one projected CRS (EPSG:28992 by default) and any
number of non-negative numeric weight columns (population, pupils, ...).

Every function here returns a new frame and never changes its input.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from os import PathLike
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._util import listing
from ..exceptions import (
    ColumnError,
    CRSError,
    DataNotFoundError,
    GeometryError,
    InputError,
    UnitCodeError,
    WeightError,
)
from .crs import RD_NEW, check_coordinates, declare_crs

__all__ = [
    "validate_units",
    "read_units",
    "join_weights",
    "check_weights",
    "weight_columns",
]


def weight_columns(units: pd.DataFrame) -> list[str]:
    """Return the names of the numeric weight columns of a unit table.

    Parameters
    ----------
    units : DataFrame
        A unit table.

    Returns
    -------
    list of str
        Numeric columns other than the geometry, in table order.

    Examples
    --------
    >>> import pandas as pd
    >>> weight_columns(pd.DataFrame({"name": ["a"], "pop": [3], "pupils": [1.5]}))
    ['pop', 'pupils']
    """
    geometry = getattr(units, "_geometry_column_name", None)
    return [
        c
        for c in units.columns
        if c != geometry and c != "name" and pd.api.types.is_numeric_dtype(units[c])
        and not pd.api.types.is_bool_dtype(units[c])
    ]


def check_weights(frame: pd.DataFrame, columns: Sequence[str], *, what: str = "units") -> None:
    """Raise if any of ``columns`` is missing, non-numeric, negative or NaN.

    Parameters
    ----------
    frame : DataFrame
        Table holding the columns, indexed by code.
    columns : sequence of str
        Weight columns to check.
    what : str
        Name of the table, for the error message.

    Raises
    ------
    ColumnError
        A column is missing.
    WeightError
        A column is not numeric or holds negative or missing values.

    Examples
    --------
    >>> import pandas as pd
    >>> check_weights(pd.DataFrame({"pop": [1, 2]}, index=["a", "b"]), ["pop"])
    >>> check_weights(pd.DataFrame({"pop": [1, -2]}, index=["a", "b"]), ["pop"])
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.WeightError: weight column 'pop' of units has negative values at b; ...
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnError(
            f"weight column(s) {listing(repr(m) for m in missing)} not found in {what}; "
            f"available columns are {listing(frame.columns, 30)}"
        )
    for c in columns:
        values = frame[c]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            bad = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()]
            raise WeightError(
                f"weight column {c!r} of {what} must be numeric, got dtype {values.dtype} "
                f"(non-numeric values at {listing(bad.index)}: {listing(bad.unique())}); "
                "convert it with pandas.to_numeric(..., errors='coerce') and decide "
                "what missing values mean"
            )
        if values.isna().any():
            raise WeightError(
                f"weight column {c!r} of {what} has missing values at "
                f"{listing(values.index[values.isna()])}; fill them (e.g. with 0) "
                "or drop those units"
            )
        if (values < 0).any():
            raise WeightError(
                f"weight column {c!r} of {what} has negative values at "
                f"{listing(values.index[values < 0])}; weights must be >= 0"
            )
        if not np.isfinite(values.to_numpy(dtype=float)).all():
            raise WeightError(
                f"weight column {c!r} of {what} has infinite values at "
                f"{listing(values.index[~np.isfinite(values.to_numpy(dtype=float))])}"
            )


def validate_units(
    frame: gpd.GeoDataFrame,
    *,
    code: str | None = None,
    name: str | None = None,
    weights: Sequence[str] | None = None,
    crs: Any = RD_NEW,
    repair: bool = False,
    keep: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """Check a unit table and return it in canonical form.

    Parameters
    ----------
    frame : GeoDataFrame
        Polygons of the base units.
    code : str, optional
        Column holding the unit codes. ``None`` uses the index.
    name : str, optional
        Column holding readable unit names, renamed to ``"name"``. ``None``
        uses an existing ``"name"`` column, or the codes.
    weights : sequence of str, optional
        Weight columns to keep and check. ``None`` keeps every numeric column
        and checks them all.
    crs : CRS-like, default ``"EPSG:28992"``
        Projected CRS every geometry is brought into, explicitly.
    repair : bool, default False
        Repair invalid geometries with :func:`shapely.make_valid` (keeping the
        polygonal part) instead of raising. Never done silently.
    keep : sequence of str, default ()
        Other columns to keep as they are, after the weights, e.g. the parent unit
        of finer units (``"gemeente"``, ``"gemeente_name"``).

    Returns
    -------
    GeoDataFrame
        Indexed by ``"code"`` (str), with ``"name"``, the weight columns, the ``keep``
        columns and a ``"geometry"`` column in ``crs``, sorted by code.

    Raises
    ------
    UnitCodeError, ColumnError, GeometryError, CRSError, WeightError
        With the offending codes or columns and how to fix them.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> gdf = gpd.GeoDataFrame(
    ...     {"code": ["B", "A"], "pop": [10, 20]},
    ...     geometry=[box(1, 0, 2, 1), box(0, 0, 1, 1)], crs="EPSG:28992")
    >>> units = validate_units(gdf, code="code")
    >>> list(units.index), list(units.columns)
    (['A', 'B'], ['name', 'pop', 'geometry'])
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        raise GeometryError(
            f"units must be a geopandas.GeoDataFrame, got {type(frame).__name__}; "
            "read polygons with rato_opt.read_units or geopandas.read_file"
        )
    gdf = frame.copy()
    if code is not None:
        if code not in gdf.columns:
            raise ColumnError(
                f"unit code column {code!r} not found; available columns are "
                f"{listing(gdf.columns, 30)}; pass code=<column with the unit codes>"
            )
        gdf = gdf.set_index(code)
    if gdf.index.isna().any():
        rows = np.flatnonzero(gdf.index.isna())
        raise UnitCodeError(
            f"{len(rows)} unit(s) have no code (rows {listing(rows)}); every unit needs a code"
        )
    gdf.index = gdf.index.astype(str).str.strip()
    gdf.index.name = "code"
    if (gdf.index == "").any():
        raise UnitCodeError(
            f"{int((gdf.index == '').sum())} unit(s) have an empty code; every unit needs a code"
        )
    dup = gdf.index[gdf.index.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(
            f"duplicate unit codes: {listing(dup)}; each unit must appear once "
            "(dissolve duplicates with GeoDataFrame.dissolve(by=<code column>) if they are parts)"
        )
    if name is not None:
        if name not in gdf.columns:
            raise ColumnError(
                f"unit name column {name!r} not found; available columns are "
                f"{listing(gdf.columns, 30)}"
            )
        names = gdf[name]
        gdf = gdf.drop(columns=[c for c in (name, "name") if c in gdf.columns])
        gdf["name"] = names
    elif "name" not in gdf.columns:
        gdf["name"] = gdf.index.to_numpy()
    gdf["name"] = gdf["name"].astype(object).where(gdf["name"].notna(), gdf.index.to_series())
    gdf["name"] = gdf["name"].astype(str)

    if gdf.crs is None:
        raise CRSError(
            "units have no CRS; set the CRS the coordinates are in, e.g. "
            "frame.set_crs('EPSG:4326') for longitude/latitude or 'EPSG:28992' for RD New"
        )
    check_coordinates(gdf)
    target = gpd.GeoSeries([], crs=crs).crs
    if target.is_geographic:
        raise CRSError(
            f"the target CRS must be projected (areas in m²), got {target.to_string()}; "
            "use EPSG:28992 for the Netherlands"
        )
    geometry = gdf.geometry
    missing = gdf.index[geometry.isna() | geometry.is_empty]
    if len(missing):
        raise GeometryError(
            f"units with missing or empty geometry: {listing(missing)}; "
            "drop them or supply their polygons"
        )
    kinds = geometry.geom_type
    not_poly = gdf.index[~kinds.isin(["Polygon", "MultiPolygon"])]
    if len(not_poly):
        raise GeometryError(
            f"units must be polygons, got {listing(kinds[not_poly].unique())} at "
            f"{listing(not_poly)}"
        )
    if gdf.crs != target:
        gdf = gdf.to_crs(target)
    invalid = gdf.index[~gdf.geometry.is_valid]
    if len(invalid):
        if not repair:
            reasons = shapely.is_valid_reason(gdf.geometry[invalid].to_numpy())
            raise GeometryError(
                f"invalid geometries at {listing(invalid)} ({listing(reasons, 3)}); "
                "pass repair=True to repair them with shapely.make_valid"
            )
        fixed = shapely.make_valid(gdf.geometry[invalid].to_numpy())
        fixed = [_polygonal(g) for g in fixed]
        gdf.loc[invalid, gdf.geometry.name] = fixed
        still = gdf.index[gdf.geometry.is_empty | ~gdf.geometry.is_valid]
        if len(still):
            raise GeometryError(f"geometries at {listing(still)} could not be repaired")
    if gdf.geometry.name != "geometry":
        gdf = gdf.rename_geometry("geometry")
    if weights is None:
        weights = weight_columns(gdf)
    else:
        weights = list(weights)
    check_weights(gdf, weights)
    keep = [c for c in keep if c not in ("name", "geometry", *weights)]
    absent = [c for c in keep if c not in gdf.columns]
    if absent:
        raise ColumnError(
            f"keep names columns that are not in the units: {absent}; available columns are "
            f"{listing(gdf.columns, 30)}"
        )
    gdf = gdf[["name", *weights, *keep, "geometry"]]
    return gdf.sort_index()


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Return the polygonal part of a (repaired) geometry."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def read_units(
    path: str | PathLike[str],
    *,
    code: str,
    name: str | None = None,
    layer: str | None = None,
    weights: Sequence[str] | None = (),
    crs: Any = RD_NEW,
    repair: bool = False,
    source_crs: Any = None,
) -> gpd.GeoDataFrame:
    """Read base units from any vector file geopandas can read.

    GeoJSON, GeoPackage, Shapefile and GeoParquet (``.parquet``) are supported.
    The file's coordinates must be in the CRS it declares (checked with
    :func:`~rato_opt.landscape.crs.check_coordinates`); a GeoJSON without a ``crs``
    member is read as EPSG:4326 (RFC 7946), so one in RD New needs
    ``source_crs="EPSG:28992"``.

    Parameters
    ----------
    path : path-like
        File to read.
    code, name : str
        Columns with the unit code and name (see :func:`validate_units`).
    layer : str, optional
        Layer within a multi-layer file such as a GeoPackage.
    weights : sequence of str or None, default ()
        Numeric columns of the file to keep as weights; ``None`` keeps all.
    crs : CRS-like, default ``"EPSG:28992"``
        Target projected CRS.
    repair : bool, default False
        Repair invalid geometries instead of raising.
    source_crs : CRS-like, optional
        CRS of the file's coordinates, for a file that declares none (or a
        wrong one); overrides what the file declares.

    Returns
    -------
    GeoDataFrame
        A validated unit table.

    Raises
    ------
    DataNotFoundError
        The file does not exist.
    CRSError
        The file declares no CRS, or coordinates that cannot be in the CRS it
        declares; the message names the file, the bounds and how to declare one.

    Examples
    --------
    >>> import geopandas as gpd, tempfile, os
    >>> from shapely import box
    >>> path = os.path.join(tempfile.mkdtemp(), "units.gpkg")
    >>> gpd.GeoDataFrame({"code": ["A"], "naam": ["Aa"]}, geometry=[box(0, 0, 1, 1)],
    ...                  crs="EPSG:28992").to_file(path)
    >>> read_units(path, code="code", name="naam").loc["A", "name"]
    'Aa'
    """
    p = str(path)
    if not os.path.exists(p):
        raise DataNotFoundError(f"unit file not found: {p}")
    if p.endswith((".parquet", ".geoparquet")):
        gdf = gpd.read_parquet(p)
    else:
        gdf = gpd.read_file(p, layer=layer) if layer else gpd.read_file(p)
    gdf = declare_crs(gdf, p, source_crs)
    return validate_units(gdf, code=code, name=name, weights=weights, crs=crs, repair=repair)


def join_weights(
    units: gpd.GeoDataFrame,
    table: pd.DataFrame,
    *,
    on: str | None = None,
    columns: Sequence[str] | None = None,
    rename: dict[str, str] | None = None,
    fill: float | None = None,
    extra: Literal["raise", "ignore"] = "raise",
) -> gpd.GeoDataFrame:
    """Join numeric weight columns from a table to units by unit code.

    Parameters
    ----------
    units : GeoDataFrame
        A validated unit table.
    table : DataFrame
        Table with one row per unit code.
    on : str, optional
        Column of ``table`` with the unit codes; ``None`` uses its index.
    columns : sequence of str, optional
        Columns to join; ``None`` joins every numeric column.
    rename : dict, optional
        New names for the joined columns.
    fill : float, optional
        Value for units the table does not list. ``None`` makes a missing
        unit an error.
    extra : {"raise", "ignore"}, default "raise"
        What to do with rows whose code is not a unit (e.g. a gemeente of
        another year's indeling): ``"raise"`` names them in an error,
        ``"ignore"`` drops them.

    Returns
    -------
    GeoDataFrame
        ``units`` with the weight columns added (existing ones replaced).

    Raises
    ------
    UnitCodeError
        The table lists a code twice, misses units and ``fill`` is None, or
        lists codes that are not units and ``extra`` is ``"raise"``.
    ColumnError, WeightError
        A column is missing or not a valid weight.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> units = validate_units(gpd.GeoDataFrame({"code": ["A", "B"]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:28992"), code="code")
    >>> t = pd.DataFrame({"gm": ["A", "B"], "pop": [5, 7]})
    >>> join_weights(units, t, on="gm")["pop"].tolist()
    [5, 7]
    """
    if extra not in ("raise", "ignore"):
        raise InputError(f"extra must be 'raise' or 'ignore', got {extra!r}")
    t = table.copy()
    if on is not None:
        if on not in t.columns:
            raise ColumnError(
                f"code column {on!r} not found in the weight table; available columns are "
                f"{listing(t.columns, 30)}"
            )
        t = t.set_index(on)
    t.index = t.index.astype(str).str.strip()
    dup = t.index[t.index.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(
            f"the weight table lists codes more than once: {listing(dup)}; "
            "aggregate it first, e.g. table.groupby(<code>).sum()"
        )
    if columns is None:
        columns = weight_columns(t)
    columns = list(columns)
    missing_cols = [c for c in columns if c not in t.columns]
    if missing_cols:
        raise ColumnError(
            f"column(s) {listing(missing_cols)} not found in the weight table; "
            f"available columns are {listing(t.columns, 30)}"
        )
    unknown = t.index.difference(units.index)
    if len(unknown) and extra == "raise":
        raise UnitCodeError(
            f"the weight table lists {len(unknown)} code(s) that are not units: "
            f"{listing(unknown)} (units are e.g. {listing(units.index[:3])}); the table and "
            "the units must use the same codes (the same gemeente indeling/year); drop those "
            "rows, or pass extra='ignore' (scenario: extra = \"ignore\" in [[data.weights]]) "
            "to skip them"
        )
    t = t[columns].rename(columns=rename or {})
    new_cols = list(t.columns)
    absent = units.index.difference(t.index)
    if len(absent) and fill is None:
        raise UnitCodeError(
            f"the weight table has no row for {len(absent)} unit(s): {listing(absent)}; "
            "add them, or pass fill=0 to give them a zero weight"
        )
    out = units.drop(columns=[c for c in new_cols if c in units.columns])
    joined = t.reindex(out.index)
    if fill is not None:
        joined = joined.fillna(fill)
    check_weights(joined, new_cols, what="the weight table")
    for c in new_cols:
        out[c] = joined[c]
    return out[["name", *[c for c in out.columns if c not in ("name", "geometry")], "geometry"]]
