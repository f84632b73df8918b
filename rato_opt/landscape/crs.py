"""Coordinate reference systems of unit tables: RD New, and coordinates that do not fit.

A unit table must be in the CRS it declares. The commonest mistakes are caught here
with a message that names the bounds seen and the CRS they look like:
longitude/latitude labelled as RD New (EPSG:28992), RD New metres labelled as
longitude/latitude (a GeoJSON without a ``crs`` member, which GDAL reads as
EPSG:4326), and coordinates far outside RD New's area of use.

- :func:`check_coordinates` — raise when a frame's coordinates cannot be in its CRS
- :func:`declare_crs` — the CRS of a unit file just read (used by
  :func:`rato_opt.landscape.units.read_units`)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np

from ..exceptions import CRSError

__all__ = ["RD_NEW", "check_coordinates"]

RD_NEW = "EPSG:28992"


#: Rough area of use of RD New (EPSG:28992) in metres: x_min, y_min, x_max, y_max.
RD_AREA = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)
#: Coordinates farther than this (metres) outside :data:`RD_AREA` cannot be RD New.
_RD_MARGIN = 500_000.0
#: Longitude/latitude box around Europe: RD-labelled coordinates inside it are degrees.
_EUROPE_LONLAT = (-30.0, 30.0, 45.0, 75.0)


def _num(value: float) -> str:
    """A coordinate for a message: metres with thousands separators, degrees with decimals."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.6g}"


def _span(bounds: Sequence[float]) -> str:
    x0, y0, x1, y1 = bounds
    return f"x {_num(x0)}..{_num(x1)}, y {_num(y0)}..{_num(y1)}"


def _is_lonlat(bounds: Sequence[float]) -> bool:
    x0, y0, x1, y1 = bounds
    return -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90


def _is_rd(bounds: Sequence[float]) -> bool:
    """Whether coordinates can be RD New: inside its area of use give or take the margin."""
    x0, y0, x1, y1 = bounds
    ax0, ay0, ax1, ay1 = RD_AREA
    m = _RD_MARGIN
    return ax0 - m <= x0 and x1 <= ax1 + m and ay0 - m <= y0 and y1 <= ay1 + m


def _coordinate_problem(frame: gpd.GeoDataFrame) -> tuple[str, str | None] | None:
    """Why the coordinates of ``frame`` cannot be in its declared CRS, and the CRS they
    look like (None: they are plausible).

    Two cases are caught: a geographic CRS (longitude/latitude) with coordinates
    outside ±180/±90, and RD New (EPSG:28992) with coordinates that are degrees
    around Europe or lie far (more than 500 km) outside RD New's area of use.
    """
    if frame.crs is None or len(frame) == 0:
        return None
    bounds = [float(b) for b in frame.geometry.total_bounds]
    if not all(np.isfinite(bounds)):
        return None
    crs = frame.crs
    seen = f"the coordinates span {_span(bounds)}"
    if crs.is_geographic:
        if _is_lonlat(bounds):
            return None
        if _is_rd(bounds):
            return (f"{seen}, which are not longitude/latitude (those lie within -180..180 "
                    "and -90..90); they look like RD New metres: EPSG:28992.", RD_NEW)
        return (f"{seen}, which are not longitude/latitude (those lie within -180..180 and "
                "-90..90); find the CRS they are in (e.g. EPSG:28992 for RD New metres).", None)
    if crs.to_epsg() != 28992:
        return None
    x0, y0, x1, y1 = bounds
    ex0, ey0, ex1, ey1 = _EUROPE_LONLAT
    rd_area = (f"RD New's area of use is about x {_num(RD_AREA[0])}..{_num(RD_AREA[2])}, "
               f"y {_num(RD_AREA[1])}..{_num(RD_AREA[3])} metres")
    if ex0 <= x0 and x1 <= ex1 and ey0 <= y0 and y1 <= ey1:
        return (f"{seen}, which cannot be RD New ({rd_area}); they look like "
                "longitude/latitude degrees: EPSG:4326.", "EPSG:4326")
    if not _is_rd(bounds):
        if _is_lonlat(bounds):
            return (f"{seen}, which cannot be RD New ({rd_area}); they look like "
                    "longitude/latitude: EPSG:4326.", "EPSG:4326")
        return (f"{seen}, which cannot be RD New ({rd_area}); find the CRS they are in, e.g. "
                "EPSG:3857 (web maps) or EPSG:32631 (UTM 31N).", None)
    return None


def check_coordinates(frame: gpd.GeoDataFrame, *, what: str = "units", fix: str | None = None
                      ) -> None:
    """Raise when the coordinates cannot be in the CRS the frame declares.

    Catches longitude/latitude coordinates labelled as RD New (EPSG:28992), RD
    New metres labelled as longitude/latitude (e.g. a GeoJSON without a ``crs``
    member, which GDAL reads as EPSG:4326), and coordinates far outside RD
    New's area of use labelled as RD New. Geometry near the origin (tiny test
    grids in metres) is accepted.

    Parameters
    ----------
    frame : GeoDataFrame
        Geometries with their declared CRS (nothing is checked without one).
    what : str, default "units"
        What the frame is, for the message (e.g. the file name).
    fix : str, optional
        How to declare the right CRS; default: ``frame.set_crs(..., allow_override=True)``.

    Raises
    ------
    CRSError
        Naming the declared CRS, the bounds seen and the CRS they look like.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> lonlat = gpd.GeoDataFrame(geometry=[box(4.8, 52.3, 5.0, 52.4)], crs="EPSG:28992")
    >>> check_coordinates(lonlat)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.CRSError: units are declared in EPSG:28992, but ... cannot be RD New ...
    """
    found = _coordinate_problem(frame)
    if found is None:
        return
    problem, guess = found
    if fix is None:
        fix = (f"declare the CRS the coordinates are in: frame.set_crs('{guess}', "
               "allow_override=True)" if guess else
               "declare the CRS the coordinates are in, e.g. frame.set_crs('EPSG:4326', "
               "allow_override=True) for longitude/latitude or 'EPSG:28992' for RD New")
    raise CRSError(f"{what} are declared in {_crs_name(frame.crs)}, but {problem} "
                   f"To fix it, {fix}")


def _crs_name(crs: Any) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg is not None else crs.to_string()


def _crs_fix(guess: str | None) -> str:
    """How to declare the CRS of a unit file (``guess``: the CRS it looks like)."""
    if guess is None:
        return ("declare the CRS the coordinates are in: set crs = \"EPSG:28992\" (RD New "
                "metres) or \"EPSG:4326\" (longitude/latitude) in the scenario's [data] table, "
                "pass source_crs=\"EPSG:28992\" to read_units, or write the file with its CRS "
                "(e.g. ogr2ogr -a_srs EPSG:28992 out.gpkg in.geojson)")
    return (f"declare the CRS the coordinates are in: set crs = \"{guess}\" in the scenario's "
            f"[data] table, pass source_crs=\"{guess}\" to read_units, or write the file with "
            f"its CRS (e.g. ogr2ogr -a_srs {guess} out.gpkg in.geojson)")



def declare_crs(gdf: gpd.GeoDataFrame, path: str, source_crs: Any) -> gpd.GeoDataFrame:
    """Apply ``source_crs``, or check the CRS the file at ``path`` declares.

    Parameters
    ----------
    gdf : GeoDataFrame
        The features just read from ``path``.
    path : str
        The file, for the messages (and to see whether a GeoJSON declares a CRS).
    source_crs : CRS-like or None
        The CRS the coordinates are in, overriding what the file declares.

    Returns
    -------
    GeoDataFrame
        ``gdf``, with ``source_crs`` set when given.

    Raises
    ------
    CRSError
        The file declares no CRS, or its coordinates cannot be in the CRS declared
        (or given); the message says how to declare the right one.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> gdf = gpd.GeoDataFrame(geometry=[box(150_000, 450_000, 151_000, 451_000)])
    >>> declare_crs(gdf, "units.gpkg", "EPSG:28992").crs.to_epsg()
    28992
    """
    if source_crs is not None:
        gdf = gdf.set_crs(source_crs, allow_override=True)
        check_coordinates(gdf, what=f"the units of {path}",
                          fix="change source_crs (scenario: [data] crs) to the CRS they are in")
        return gdf
    if gdf.crs is None:
        raise CRSError(f"unit file {path} has no CRS; to fix it, {_crs_fix(None)}")
    found = _coordinate_problem(gdf)
    if found is None:
        return gdf
    problem, guess = found
    if _geojson_declares_crs(path) is False:
        raise CRSError(
            f"unit file {path} has no CRS (a GeoJSON without a \"crs\" member is read as "
            f"EPSG:4326, longitude/latitude), but {problem} To fix it, {_crs_fix(guess)}"
        )
    raise CRSError(f"unit file {path} declares {_crs_name(gdf.crs)}, but {problem} "
                   f"To fix it, {_crs_fix(guess)}")


def _geojson_declares_crs(path: str) -> bool | None:
    """Whether a GeoJSON file has a ``crs`` member before its features (None: unknown)."""
    if not path.lower().endswith((".geojson", ".json")):
        return None
    with open(path, encoding="utf-8", errors="replace") as fh:
        head = fh.read(1 << 20)
    features = head.find('"features"')
    if features < 0:
        return None
    return '"crs"' in head[:features]
