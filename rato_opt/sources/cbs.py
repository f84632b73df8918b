"""Loaders for CBS files: gemeente polygons (CBS/PDOK) and kerncijfers per gemeente.

- :func:`read_cbs_gemeenten` — gemeente polygons (``statcode``/``statnaam``) as units
- :func:`cbs_gemeenten_from_frame` — the same from a GeoDataFrame already read (PDOK)
- :func:`read_cbs_kerncijfers` — population and other CBS kerncijfers per gemeente

Nothing here touches the network; see :mod:`rato_opt.sources.pdok` for PDOK downloads.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import pandas as pd

from .._util import listing
from ..exceptions import InputError, UnitCodeError
from ..landscape import RD_NEW, validate_units
from .tables import PathLike, existing_file, find_column, read_csv_table

__all__ = ["read_cbs_gemeenten", "cbs_gemeenten_from_frame", "read_cbs_kerncijfers"]

_GM_PATTERN = re.compile(r"^GM\d{4}$")


# ------------------------------------------------------------------ CBS geometry
_CODE_COLUMNS = ("statcode", "gemeentecode", "GM_CODE", "code")
_NAME_COLUMNS = ("statnaam", "gemeentenaam", "GM_NAAM", "name")


def cbs_gemeenten_from_frame(
    frame: gpd.GeoDataFrame,
    *,
    year: int | None = None,
    repair: bool = False,
    crs: Any = RD_NEW,
) -> gpd.GeoDataFrame:
    """Turn a CBS gemeente GeoDataFrame (PDOK ``gemeente_gegeneraliseerd``) into units.

    Parameters
    ----------
    frame : GeoDataFrame
        Features with ``statcode``/``statnaam`` (or ``gemeentecode``/``gemeentenaam``),
        optionally ``jaarcode`` or ``jrstatcode`` (e.g. ``2024GM0363``).
    year : int, optional
        Keep only features of this year (by ``jaarcode``, else the first four
        characters of ``jrstatcode``). Required when the frame holds several years.
    repair : bool, default False
        Repair invalid geometries (see :func:`rato_opt.validate_units`).
    crs : CRS-like, default ``"EPSG:28992"``
        Target projected CRS.

    Returns
    -------
    GeoDataFrame
        A validated unit table indexed by gemeente code with ``name`` and ``geometry``.

    Raises
    ------
    ColumnError
        No code column.
    InputError
        Several years without ``year``, or none of the asked year.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> f = gpd.GeoDataFrame({"statcode": ["GM0002", "GM0001", "GM0001"],
    ...     "statnaam": ["B", "A", "A-old"], "jaarcode": [2024, 2024, 2023]},
    ...     geometry=[box(5, 52, 5.1, 52.1), box(5.1, 52, 5.2, 52.1), box(5.1, 52, 5.2, 52.1)],
    ...     crs="EPSG:4326")
    >>> units = cbs_gemeenten_from_frame(f, year=2024)
    >>> list(units.index), units.crs.to_epsg()
    (['GM0001', 'GM0002'], 28992)
    """
    gdf = frame
    code_col = find_column(gdf, "CBS gemeenten", *_CODE_COLUMNS)
    name_col = find_column(gdf, "CBS gemeenten", *_NAME_COLUMNS, required=False)
    years = _feature_years(gdf)
    if years is not None:
        present = sorted(pd.unique(years.dropna()).tolist())
        if year is None and len(present) > 1:
            raise InputError(
                f"the CBS gemeente features hold several years {present}; pass year=<one of them>"
            )
        if year is not None:
            keep = (years == int(year)).to_numpy()
            if not keep.any():
                raise InputError(
                    f"no CBS gemeente features of year {year}; the data hold years {present}"
                )
            gdf = gdf.loc[keep]
    geometry = gdf.geometry.name
    gdf = gpd.GeoDataFrame(
        {
            "code": gdf[code_col].astype(str).str.strip().str.upper().to_numpy(),
            "name": (gdf[name_col] if name_col else gdf[code_col]).to_numpy(),
        },
        geometry=gdf[geometry].to_numpy(),
        crs=gdf.crs,
    )
    return validate_units(gdf, code="code", weights=(), crs=crs, repair=repair)


def _feature_years(gdf: pd.DataFrame) -> pd.Series | None:
    col = find_column(gdf, "", "jaarcode", "jaar", required=False)
    if col is not None:
        return pd.to_numeric(gdf[col], errors="coerce").astype("Float64")
    col = find_column(gdf, "", "jrstatcode", required=False)
    if col is not None:
        return pd.to_numeric(gdf[col].astype(str).str[:4], errors="coerce").astype("Float64")
    return None


def read_cbs_gemeenten(
    path: PathLike,
    *,
    year: int | None = None,
    layer: str | None = None,
    repair: bool = False,
) -> gpd.GeoDataFrame:
    """Read CBS/PDOK gemeente polygons (``gemeente_gegeneraliseerd``) as a unit table.

    Reads GeoJSON, GeoPackage, Shapefile and GeoParquet, like :func:`rato_opt.read_units`;
    finds the code and name columns (``statcode``/``statnaam``, or
    ``gemeentecode``/``gemeentenaam``) and reprojects to EPSG:28992.

    Parameters
    ----------
    path : path-like
        The file.
    year : int, optional
        Keep features of this ``jaarcode`` (needed when a file holds several years).
    layer : str, optional
        Layer of a multi-layer file (GeoPackage).
    repair : bool, default False
        Repair invalid geometries instead of raising.

    Returns
    -------
    GeoDataFrame
        Validated units indexed by gemeente code, columns ``name`` and ``geometry``.

    Raises
    ------
    DataNotFoundError, ColumnError, UnitCodeError, GeometryError, CRSError

    See Also
    --------
    rato_opt.sources.pdok.fetch_cbs_gemeenten : the same table downloaded from PDOK.

    Examples
    --------
    >>> import geopandas as gpd, tempfile, os
    >>> from shapely import box
    >>> path = os.path.join(tempfile.mkdtemp(), "gm.geojson")
    >>> gpd.GeoDataFrame({"statcode": ["GM0001"], "statnaam": ["Aa"]},
    ...     geometry=[box(5, 52, 5.1, 52.1)], crs="EPSG:4326").to_file(path)
    >>> read_cbs_gemeenten(path).loc["GM0001", "name"]
    'Aa'
    """
    p = existing_file(path, "CBS gemeente file")
    if p.suffix.lower() in (".parquet", ".geoparquet"):
        gdf = gpd.read_parquet(p)
    else:
        gdf = gpd.read_file(p, layer=layer) if layer else gpd.read_file(p)
    return cbs_gemeenten_from_frame(gdf, year=year, repair=repair)


# --------------------------------------------------------------- CBS kerncijfers
def read_cbs_kerncijfers(path: PathLike) -> pd.DataFrame:
    """Read CBS kerncijfers per gemeente (attributes only, geometry ignored).

    The Wijk- en Buurtkaart file of the shared data (``gemeentecode``, ``gemeentenaam``,
    ``aantal_inwoners``, ...) has simplified polygons that overlap, so only its
    attributes are read; join them to :func:`read_cbs_gemeenten` units by code, e.g.
    with :func:`rato_opt.join_weights`. ``GM0998`` (*Buitenland*, no data) is dropped.

    Parameters
    ----------
    path : path-like
        GeoJSON/GeoPackage (read without geometry) or CSV.

    Returns
    -------
    DataFrame
        Indexed by gemeente code (``"code"``), with ``name``, ``population`` (from
        ``aantal_inwoners``) and every other numeric column.

    Raises
    ------
    DataNotFoundError, ColumnError
        Missing file, code or ``aantal_inwoners`` column.
    UnitCodeError
        Duplicate or malformed gemeente codes.

    Examples
    --------
    >>> import json, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "k.geojson")
    >>> feats = [{"type": "Feature", "geometry": None, "properties": p} for p in (
    ...     {"gemeentecode": "GM0001", "gemeentenaam": "Aa", "aantal_inwoners": 10},
    ...     {"gemeentecode": "GM0998", "gemeentenaam": "Buitenland", "aantal_inwoners": None})]
    >>> with open(path, "w") as fh:
    ...     json.dump({"type": "FeatureCollection", "features": feats}, fh)
    >>> read_cbs_kerncijfers(path)["population"].to_dict()
    {'GM0001': 10.0}
    """
    p = existing_file(path, "CBS kerncijfers file")
    if p.suffix.lower() in (".csv", ".txt"):
        frame = read_csv_table(p, "CBS kerncijfers file")
        frame.columns = [c.lower() for c in frame.columns]
        for c in frame.columns:
            converted = pd.to_numeric(frame[c], errors="coerce")
            if converted.notna().sum() == frame[c].notna().sum():
                frame[c] = converted
    else:
        import pyogrio

        frame = pyogrio.read_dataframe(p, read_geometry=False)
    code_col = find_column(frame, f"CBS kerncijfers {p.name}", "gemeentecode", "statcode", "code")
    name_col = find_column(frame, "", "gemeentenaam", "statnaam", "name", required=False)
    pop_col = find_column(frame, f"CBS kerncijfers {p.name}", "aantal_inwoners", "population")
    codes = frame[code_col].astype(str).str.strip().str.upper()
    keep = (codes != "GM0998").to_numpy()
    frame, codes = frame.loc[keep], codes[keep]
    bad = codes[~codes.str.fullmatch(_GM_PATTERN.pattern)]
    if len(bad):
        raise UnitCodeError(
            f"CBS kerncijfers {p.name}: column {code_col!r} holds values that are not gemeente "
            f"codes: {listing(bad.unique())}; expected codes like GM0363"
        )
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(
            f"CBS kerncijfers {p.name}: gemeente codes listed more than once: {listing(dup)}"
        )
    numeric = [
        c
        for c in frame.columns
        if c not in (code_col, name_col, pop_col)
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]
    out = pd.DataFrame(index=pd.Index(codes.to_numpy(), name="code"))
    out["name"] = frame[name_col].to_numpy() if name_col else codes.to_numpy()
    out["population"] = pd.to_numeric(frame[pop_col], errors="coerce").to_numpy(dtype=float)
    for c in numeric:
        out[c] = frame[c].to_numpy()
    return out.sort_index()
