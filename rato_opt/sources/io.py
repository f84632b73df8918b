"""Loaders for the real Dutch data files: CBS/PDOK geometry, CBS kerncijfers, DUO schools.

Every loader reads one public file format (see ``PROVENANCE.md`` beside the data) and
returns a pandas object keyed by CBS gemeente code (``GM0363``) or by DUO vestiging code,
with errors that name the file, the column and the offending codes. The layer builders
turn those tables into :class:`~rato_opt.landscape.layers.Layer` objects over a unit table:

- :func:`read_cbs_gemeenten` — gemeente polygons (``statcode``/``statnaam``) as units
- :func:`read_cbs_kerncijfers` — population and other CBS kerncijfers per gemeente
- :func:`read_duo_schools`, :func:`read_duo_pupils` — DUO school locations and pupil counts
- :func:`pupils_per_unit` — pupils summed per gemeente
- :func:`board_footprint_layer` — every school board (bevoegd gezag) as a collaboration
- :func:`region_code_layer` — a DUO region column (RMC, RPA, COROP, ...) as a partition layer
- :func:`read_arbeidsmarktregio`, :func:`amr_layer` — the 35 arbeidsmarktregio's
- :func:`read_provinces`, :func:`province_layer` — gemeente → provincie
- :func:`read_water_links` — ferry and tunnel links between gemeenten

Nothing here touches the network; see :mod:`rato_opt.sources.pdok` for PDOK downloads.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .._util import listing
from ..exceptions import (
    ColumnError,
    DataNotFoundError,
    InputError,
    LayerError,
    UnitCodeError,
    WeightError,
)
from ..landscape.coverage import LINK_COLUMNS, validate_links
from ..landscape.layers import Layer
from ..landscape.units import RD_NEW, validate_units

__all__ = [
    "read_cbs_gemeenten",
    "cbs_gemeenten_from_frame",
    "read_cbs_kerncijfers",
    "read_duo_schools",
    "read_duo_pupils",
    "pupils_per_unit",
    "board_footprint_layer",
    "region_code_layer",
    "read_arbeidsmarktregio",
    "amr_layer",
    "read_provinces",
    "province_layer",
    "read_water_links",
    "gemeente_code",
]

PathLike = str | os.PathLike[str]

#: Encodings tried in turn when a CSV file's encoding is not given. UTF-8 (with or
#: without BOM) first: a cp1252 file with accents is almost never valid UTF-8, whereas
#: cp1252 decodes nearly any byte string (it would garble a UTF-8 file silently).
ENCODINGS = ("utf-8-sig", "cp1252")

#: Kinds of PO vestiging in DUO's ``SOORT_VESTIGING``.
DUO_KINDS = ("BO", "SBO", "SO", "VSO", "SO/VSO")

#: Code DUO uses for "gemeente unknown".
UNKNOWN_GEMEENTE = "9999"

_GM_PATTERN = re.compile(r"^GM\d{4}$")


# --------------------------------------------------------------------------- helpers
def _exists(path: PathLike, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise DataNotFoundError(f"{what} not found: {p}")
    return p


def _norm(label: Any) -> str:
    """Normalise a column label for lookup: upper case, runs of space/_/- become one space."""
    return re.sub(r"[\s_\-]+", " ", str(label).strip().upper()).strip()


def _find(frame: pd.DataFrame, what: str, *candidates: str, required: bool = True) -> str | None:
    """Return the column of ``frame`` matching one of ``candidates`` (spelling-tolerant)."""
    by_norm = {}
    for c in frame.columns:
        by_norm.setdefault(_norm(c), c)
    for cand in candidates:
        if _norm(cand) in by_norm:
            return by_norm[_norm(cand)]
    if required:
        raise ColumnError(
            f"{what}: none of the columns {list(candidates)} found; available columns are "
            f"{listing(frame.columns, 40)}"
        )
    return None


def _read_csv(
    path: PathLike, what: str, *, encoding: str | None = None, sep: str | None = None
) -> pd.DataFrame:
    """Read a CSV file as strings, trying :data:`ENCODINGS`; strip and upper-case headers."""
    p = _exists(path, what)
    encodings = (encoding,) if encoding else ENCODINGS
    errors = []
    for enc in encodings:
        try:
            with open(p, encoding=enc, newline="") as fh:
                first = fh.readline()
            delimiter = sep or (";" if first.count(";") > first.count(",") else ",")
            frame = pd.read_csv(
                p, sep=delimiter, encoding=enc, dtype=str, keep_default_na=False, na_values=[""]
            )
        except UnicodeDecodeError as err:
            errors.append(f"{enc}: {err.reason} at byte {err.start}")
            continue
        frame.columns = [str(c).strip().upper() for c in frame.columns]
        frame.attrs["encoding"] = enc
        return frame
    raise InputError(
        f"{what} {p} could not be decoded with {list(encodings)} ({'; '.join(errors)}); "
        "pass encoding=<the file's encoding>"
    )


def gemeente_code(values: pd.Series, *, what: str = "gemeente numbers") -> pd.Series:
    """Turn CBS/DUO gemeente numbers into ``GM`` codes: ``'GM' + zfill(4)``.

    Values that already are ``GM`` codes are kept (upper-cased).

    Parameters
    ----------
    values : Series
        Gemeente numbers such as ``363``, ``"0363"`` or ``"GM0363"``.
    what : str
        Description for the error message.

    Returns
    -------
    Series
        Codes like ``"GM0363"``, same index.

    Raises
    ------
    UnitCodeError
        A value is missing or not a gemeente number (the rows are named).

    Examples
    --------
    >>> import pandas as pd
    >>> gemeente_code(pd.Series(["363", "14", "GM1992", " 0034 "])).tolist()
    ['GM0363', 'GM0014', 'GM1992', 'GM0034']
    """
    s = values.astype("string").str.strip().str.upper()
    s = s.str.replace(r"^GM", "", regex=True)
    s = s.str.replace(r"\.0$", "", regex=True)  # numbers read as floats elsewhere
    bad = s.isna() | ~s.fillna("").str.fullmatch(r"\d{1,4}")
    if bad.any():
        shown = [f"{i}: {v!r}" for i, v in values[bad.to_numpy()].items()]
        raise UnitCodeError(
            f"{what}: {int(bad.sum())} value(s) are not gemeente numbers ({listing(shown)}); "
            "expected 1 to 4 digits (e.g. 363) or a code like GM0363"
        )
    return ("GM" + s.str.zfill(4)).astype(object)


def _codes_of(units: pd.DataFrame | pd.Index | Iterable[str]) -> pd.Index:
    if isinstance(units, pd.DataFrame):
        return pd.Index(units.index.astype(str), name="code")
    return pd.Index(pd.Index(list(units)).astype(str), name="code")


def _check_known(codes: Iterable[str], units: pd.Index, what: str) -> None:
    unknown = pd.Index(pd.unique(pd.Series(list(codes), dtype=object))).difference(units)
    if len(unknown):
        raise UnitCodeError(
            f"{what} refer(s) to {len(unknown)} gemeente code(s) that are not among the units: "
            f"{listing(sorted(unknown))}; the units and the file must use the same gemeente "
            "indeling (year), e.g. the CBS 2024 codes"
        )


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
    code_col = _find(gdf, "CBS gemeenten", *_CODE_COLUMNS)
    name_col = _find(gdf, "CBS gemeenten", *_NAME_COLUMNS, required=False)
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
    col = _find(gdf, "", "jaarcode", "jaar", required=False)
    if col is not None:
        return pd.to_numeric(gdf[col], errors="coerce").astype("Float64")
    col = _find(gdf, "", "jrstatcode", required=False)
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
    p = _exists(path, "CBS gemeente file")
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
    p = _exists(path, "CBS kerncijfers file")
    if p.suffix.lower() in (".csv", ".txt"):
        frame = _read_csv(p, "CBS kerncijfers file")
        frame.columns = [c.lower() for c in frame.columns]
        for c in frame.columns:
            converted = pd.to_numeric(frame[c], errors="coerce")
            if converted.notna().sum() == frame[c].notna().sum():
                frame[c] = converted
    else:
        import pyogrio

        frame = pyogrio.read_dataframe(p, read_geometry=False)
    code_col = _find(frame, f"CBS kerncijfers {p.name}", "gemeentecode", "statcode", "code")
    name_col = _find(frame, "", "gemeentenaam", "statnaam", "name", required=False)
    pop_col = _find(frame, f"CBS kerncijfers {p.name}", "aantal_inwoners", "population")
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


# ------------------------------------------------------------------------ DUO
def read_duo_schools(path: PathLike, *, encoding: str | None = None) -> pd.DataFrame:
    """Read DUO "alle schoolvestigingen" (e.g. basisonderwijs) as a table of vestigingen.

    The DUO file is ``;``-separated and cp1252-encoded; the encoding is detected
    (see :data:`ENCODINGS`) and headers are stripped and upper-cased, so spelling
    variants such as ``BEVOEGD_GEZAG_NUMMER`` are found too.

    Parameters
    ----------
    path : path-like
        The CSV file.
    encoding : str, optional
        Force an encoding instead of detecting it.

    Returns
    -------
    DataFrame
        Indexed by ``vestiging`` (DUO ``VESTIGINGSCODE``, BRIN6), with the added columns
        ``name``, ``board`` (bevoegd gezag number, str), ``gemeentecode``
        (``'GM'`` + zero-padded ``GEMEENTENUMMER``) and ``gemeentenaam``, followed by
        every DUO column under its (upper-cased) DUO name, e.g. ``RMC-REGIO CODE``,
        ``COROPGEBIED CODE``, ``RPA-GEBIED CODE``.

    Raises
    ------
    DataNotFoundError, ColumnError
        Missing file or required column (named).
    UnitCodeError
        Duplicate vestiging codes, or gemeente numbers that are missing or malformed.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> with open(path, "w", encoding="cp1252") as fh:
    ...     _ = fh.write("VESTIGINGSCODE;VESTIGINGSNAAM;BEVOEGD GEZAG NUMMER;GEMEENTENUMMER;"
    ...                  "RMC-REGIO CODE\\n01AA00;Café é;123;363;27\\n")
    >>> s = read_duo_schools(path)
    >>> s.loc["01AA00", ["name", "board", "gemeentecode", "RMC-REGIO CODE"]].tolist()
    ['Café é', '123', 'GM0363', '27']
    """
    what = f"DUO schoolvestigingen {Path(path).name}"
    frame = _read_csv(path, what, encoding=encoding)
    vest = _find(frame, what, "VESTIGINGSCODE", "BRIN6")
    gm = _find(frame, what, "GEMEENTENUMMER", "GEMEENTECODE", "GEMEENTECODE VESTIGING")
    board = _find(frame, what, "BEVOEGD GEZAG NUMMER", "BEVOEGD GEZAG")
    name = _find(frame, what, "VESTIGINGSNAAM", "NAAM VESTIGING", required=False)
    gname = _find(frame, what, "GEMEENTENAAM", required=False)
    bname = _find(frame, what, "BEVOEGD GEZAG NAAM", "NAAM BEVOEGD GEZAG", required=False)
    codes = frame[vest].str.strip()
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(f"{what}: vestiging codes listed more than once: {listing(dup)}")
    numbers = frame[gm].set_axis(codes.to_numpy())
    out = pd.DataFrame(index=pd.Index(codes.to_numpy(), name="vestiging"))
    out["name"] = frame[name].to_numpy() if name else codes.to_numpy()
    out["board"] = frame[board].str.strip().to_numpy()
    if bname:
        out["board_name"] = frame[bname].str.strip().to_numpy()
    out["gemeentecode"] = gemeente_code(numbers, what=f"{what}, column {gm!r}").to_numpy()
    out["gemeentenaam"] = frame[gname].to_numpy() if gname else np.nan
    for c in frame.columns:
        if c not in out.columns:
            out[c] = frame[c].to_numpy()
    out.attrs["encoding"] = frame.attrs.get("encoding")
    return out


def read_duo_pupils(
    path: PathLike,
    *,
    year: int = 2025,
    kinds: Sequence[str] | None = ("BO", "SBO"),
    drop_empty: bool = True,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read DUO "historisch overzicht aantal leerlingen per schoolvestiging" for one year.

    Parameters
    ----------
    path : path-like
        The CSV file (``;``-separated, UTF-8 with BOM; the encoding is detected).
    year : int, default 2025
        Reference year: the ``LEERLINGEN_<year>`` column (pupils on 1 October).
    kinds : sequence of str or None, default ("BO", "SBO")
        ``SOORT_VESTIGING`` values to keep (see :data:`DUO_KINDS`); None keeps all. A
        DUO kind that does not occur in the file is allowed (small extracts); an
        unknown kind, or a selection that matches nothing, is an error.
    drop_empty : bool, default True
        Drop vestigingen with 0 pupils in ``year`` (closed or not yet open); masked
        counts (``<5``) are kept.
    encoding : str, optional
        Force an encoding instead of detecting it.

    Returns
    -------
    DataFrame
        Indexed by ``vestiging``; columns ``name``, ``kind``, ``board`` (str),
        ``gemeentecode`` (``GM`` code), ``gemeentenaam``, ``pupils`` (float; NaN where
        DUO masks the count) and ``masked`` (bool). ``attrs["year"]`` holds ``year``.

    Raises
    ------
    ColumnError
        A required column is missing, or no ``LEERLINGEN_<year>`` (available years named).
    InputError
        An unknown kind, or none of ``kinds`` occurs in the file.
    WeightError
        Pupil cells that are neither numbers nor DUO's ``<5`` mask (vestigingen named).

    Warns
    -----
    UserWarning
        When vestigingen with pupils have gemeente code 9999 (unknown): they are
        dropped, and the warning gives their number and pupils.

    Notes
    -----
    DUO masks counts from 1 to 4 as the string ``<5``. They are parsed with
    ``pandas.to_numeric(errors="coerce")`` into NaN and flagged in ``masked``;
    :func:`pupils_per_unit` counts them as 0 by default (a lower bound, at most
    4 pupils per masked cell too low) or as any value you pass.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "p.csv")
    >>> with open(path, "w", encoding="utf-8-sig") as fh:
    ...     _ = fh.write("VESTIGINGSCODE;NAAM_VESTIGING;SOORT_VESTIGING;BEVOEGD_GEZAG_NUMMER;"
    ...                  "GEMEENTECODE_VESTIGING;LEERLINGEN_2025\\n"
    ...                  "01AA00;A;BO;1;363;120\\n02BB00;B;SBO;1;363;<5\\n03CC00;C;BO;2;14;0\\n")
    >>> p = read_duo_pupils(path)
    >>> p[["gemeentecode", "pupils", "masked"]].values.tolist()
    [['GM0363', 120.0, False], ['GM0363', nan, True]]
    """
    what = f"DUO leerlingen {Path(path).name}"
    frame = _read_csv(path, what, encoding=encoding)
    vest = _find(frame, what, "VESTIGINGSCODE", "BRIN6")
    kind = _find(frame, what, "SOORT VESTIGING", "SOORT")
    board = _find(frame, what, "BEVOEGD GEZAG NUMMER", "BEVOEGD GEZAG")
    gm = _find(frame, what, "GEMEENTECODE VESTIGING", "GEMEENTENUMMER", "GEMEENTECODE")
    name = _find(frame, what, "NAAM VESTIGING", "VESTIGINGSNAAM", required=False)
    gname = _find(frame, what, "GEMEENTENAAM VESTIGING", "GEMEENTENAAM", required=False)
    denom = _find(frame, what, "DENOMINATIE VESTIGING", "DENOMINATIE", required=False)
    ycol = _find(frame, what, f"LEERLINGEN {year}", f"LEERLINGEN_{year}", required=False)
    if ycol is None:
        years = sorted(
            int(m.group(1))
            for c in frame.columns
            if (m := re.fullmatch(r"LEERLINGEN (\d{4})", _norm(c)))
        )
        raise ColumnError(
            f"{what}: no column LEERLINGEN_{year}; the file has pupil counts for "
            f"{listing(years, 40) if years else 'no year'}; pass year=<one of them>"
        )
    frame = frame.copy()
    frame[kind] = frame[kind].astype(str).str.strip().str.upper()
    if kinds is not None:
        wanted = [str(k).strip().upper() for k in kinds]
        present = set(frame[kind].unique())
        unknown = [k for k in wanted if k not in present and k not in DUO_KINDS]
        if unknown or not present.intersection(wanted):
            raise InputError(
                f"{what}: SOORT_VESTIGING {unknown or wanted} does not occur; the file has "
                f"{sorted(present)} (DUO kinds are {list(DUO_KINDS)})"
            )
        frame = frame[frame[kind].isin(wanted)]
    raw = frame[ycol].astype("string").str.strip()
    masked = raw.str.startswith("<").fillna(False).astype(bool)
    pupils = pd.to_numeric(raw.where(~masked), errors="coerce")
    bad = pupils.isna() & ~masked
    if bad.any():
        shown = [f"{v}: {r!r}" for v, r in zip(frame.loc[bad, vest], raw[bad], strict=True)]
        raise WeightError(
            f"{what}: column {ycol!r} holds values that are neither counts nor the DUO mask "
            f"'<5' at vestigingen {listing(shown)}"
        )
    if (pupils < 0).any():
        raise WeightError(f"{what}: column {ycol!r} has negative pupil counts")
    keep = pd.Series(True, index=frame.index)
    if drop_empty:
        keep &= (pupils > 0) | masked
    frame, pupils, masked = frame[keep], pupils[keep], masked[keep]
    numbers = frame[gm].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    unknown = (numbers == UNKNOWN_GEMEENTE).to_numpy()
    if unknown.any():
        warnings.warn(
            f"{what}: dropped {int(unknown.sum())} vestiging(en) with unknown gemeente "
            f"(GEMEENTECODE_VESTIGING {UNKNOWN_GEMEENTE}), together "
            f"{pupils[unknown].sum():.0f} pupils in {year} "
            f"({int(masked[unknown].sum())} masked): {listing(frame.loc[unknown, vest])}",
            UserWarning,
            stacklevel=2,
        )
        frame, pupils, masked = frame[~unknown], pupils[~unknown], masked[~unknown]
        numbers = numbers[~unknown]
    codes = frame[vest].str.strip()
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(f"{what}: vestiging codes listed more than once: {listing(dup)}")
    out = pd.DataFrame(index=pd.Index(codes.to_numpy(), name="vestiging"))
    out["name"] = frame[name].to_numpy() if name else codes.to_numpy()
    out["kind"] = frame[kind].to_numpy()
    out["board"] = frame[board].str.strip().to_numpy()
    out["gemeentecode"] = gemeente_code(
        numbers.set_axis(codes.to_numpy()), what=f"{what}, column {gm!r}"
    ).to_numpy()
    out["gemeentenaam"] = frame[gname].to_numpy() if gname else np.nan
    if denom:
        out["denomination"] = frame[denom].to_numpy()
    out["pupils"] = pupils.to_numpy(dtype=float)
    out["masked"] = masked.to_numpy(dtype=bool)
    out.attrs["year"] = int(year)
    return out


def pupils_per_unit(
    pupils: pd.DataFrame,
    units: pd.DataFrame | pd.Index,
    *,
    column: str = "pupils_po",
    masked_value: float = 0.0,
) -> pd.Series:
    """Sum pupils per gemeente over the units (0 for units without schools).

    Parameters
    ----------
    pupils : DataFrame
        From :func:`read_duo_pupils` (columns ``gemeentecode``, ``pupils``, ``masked``).
    units : GeoDataFrame or Index
        The unit table (or its codes).
    column : str, default "pupils_po"
        Name of the returned series.
    masked_value : float, default 0.0
        Count used for masked (``<5``) cells: 0 gives a lower bound, 2.5 a midpoint.

    Returns
    -------
    Series
        Indexed by unit code (in unit order), named ``column``, float.

    Raises
    ------
    ColumnError
        ``gemeentecode`` or ``pupils`` missing.
    UnitCodeError
        Pupils in gemeenten that are not among the units (codes named).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"gemeentecode": ["A", "A", "B"], "pupils": [10.0, float("nan"), 5.0],
    ...                   "masked": [False, True, False]})
    >>> pupils_per_unit(p, pd.Index(["A", "B", "C"])).tolist()
    [10.0, 5.0, 0.0]
    """
    for c in ("gemeentecode", "pupils"):
        if c not in pupils.columns:
            raise ColumnError(
                f"pupils table needs columns 'gemeentecode' and 'pupils' (as read by "
                f"read_duo_pupils); missing {c!r}, got {listing(pupils.columns, 30)}"
            )
    if not np.isfinite(masked_value) or masked_value < 0:
        raise WeightError(f"masked_value must be a count >= 0, got {masked_value}")
    codes = _codes_of(units)
    _check_known(pupils["gemeentecode"].astype(str), codes, "the pupils table")
    values = pd.to_numeric(pupils["pupils"], errors="coerce")
    if "masked" in pupils.columns:
        values = values.where(~pupils["masked"].astype(bool), masked_value)
    missing = values.isna()
    if missing.any():
        raise WeightError(
            f"the pupils table has {int(missing.sum())} missing count(s) that are not masked, at "
            f"{listing(pupils.index[missing.to_numpy()])}; fill or drop them"
        )
    totals = values.groupby(pupils["gemeentecode"].astype(str).to_numpy()).sum()
    out = totals.reindex(codes, fill_value=0.0).astype(float)
    out = out.rename_axis("code")
    return out.rename(column)


def _board_rows(frame: pd.DataFrame, units: pd.Index, what: str) -> pd.DataFrame:
    for c in ("board", "gemeentecode"):
        if c not in frame.columns:
            raise ColumnError(
                f"{what} needs columns 'board' and 'gemeentecode' (as made by read_duo_schools "
                f"or read_duo_pupils); missing {c!r}, got {listing(frame.columns, 30)}"
            )
    rows = frame
    if "pupils" in rows.columns:  # a pupils table: only vestigingen with pupils count
        open_ = pd.to_numeric(rows["pupils"], errors="coerce").fillna(0) > 0
        if "masked" in rows.columns:
            open_ |= rows["masked"].astype(bool)
        rows = rows[open_.to_numpy()]
    no_board = rows["board"].isna() | (rows["board"].astype(str).str.strip() == "")
    if no_board.any():
        warnings.warn(
            f"{what}: {int(no_board.sum())} vestiging(en) without a board number are left out: "
            f"{listing(rows.index[no_board.to_numpy()])}",
            UserWarning,
            stacklevel=3,
        )
        rows = rows[~no_board.to_numpy()]
    _check_known(rows["gemeentecode"].astype(str), units, what)
    return rows


def board_footprint_layer(
    schools_or_pupils: pd.DataFrame,
    units: pd.DataFrame | pd.Index,
    *,
    min_schools: int = 1,
    name: str = "boards",
) -> Layer:
    """Make every school board (bevoegd gezag) a collaboration over its gemeenten.

    A board belongs to a gemeente when it runs at least ``min_schools`` vestigingen
    there. Boards overlap (several boards per gemeente), so the layer is a membership
    table, not a partition.

    Parameters
    ----------
    schools_or_pupils : DataFrame
        From :func:`read_duo_schools` or :func:`read_duo_pupils` (columns ``board`` and
        ``gemeentecode``; of a pupils table only vestigingen with pupils count).
    units : GeoDataFrame or Index
        The units; names of a GeoDataFrame make readable board names.
    min_schools : int, default 1
        Minimum number of vestigingen of a board in a gemeente for membership.
    name : str, default "boards"
        Layer name.

    Returns
    -------
    Layer
        Collaboration ids are board numbers; ``collaborations`` has ``name`` (the
        DUO board name if the file has one, else ``"Bestuur <nr> (<main gemeente>
        +<n>)"``), ``schools`` (vestigingen in all units) and ``gemeenten`` (member units).

    Raises
    ------
    ColumnError
        ``board`` or ``gemeentecode`` missing.
    UnitCodeError
        Vestigingen in gemeenten that are not among the units (codes named).
    LayerError
        ``min_schools`` < 1, or no board reaches it anywhere.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"board": ["1", "1", "1", "2"], "gemeentecode": ["A", "A", "B", "B"]})
    >>> layer = board_footprint_layer(s, pd.Index(["A", "B", "C"]))
    >>> layer.members(), layer.count().tolist()
    ({'1': ['A', 'B'], '2': ['B']}, [1, 2, 0])
    >>> board_footprint_layer(s, pd.Index(["A", "B"]), min_schools=2).members()
    {'1': ['A']}
    """
    if int(min_schools) != min_schools or min_schools < 1:
        raise LayerError(f"min_schools must be an integer >= 1, got {min_schools!r}")
    codes = _codes_of(units)
    rows = _board_rows(schools_or_pupils, codes, f"board footprint layer {name!r}")
    board = rows["board"].astype(str).str.strip().to_numpy()
    gm = rows["gemeentecode"].astype(str).to_numpy()
    counts = pd.DataFrame({"board": board, "unit": gm}).groupby(["board", "unit"]).size()
    counts = counts.rename("schools").reset_index()
    kept = counts[counts["schools"] >= min_schools]
    if kept.empty:
        raise LayerError(
            f"board footprint layer {name!r}: no board has {min_schools} or more vestigingen in "
            f"one gemeente (most is {int(counts['schools'].max()) if len(counts) else 0}); "
            "lower min_schools"
        )
    unit_names = (
        units["name"].astype(str)
        if isinstance(units, pd.DataFrame) and "name" in units.columns
        else pd.Series(codes.to_numpy(), index=codes)
    )
    main = kept.sort_values(["board", "schools", "unit"], ascending=[True, False, True])
    main = main.groupby("board").first()["unit"]
    n_units = kept.groupby("board").size()
    labels = {
        b: f"Bestuur {b} ({unit_names.get(u, u)}{f' +{n_units[b] - 1}' if n_units[b] > 1 else ''})"
        for b, u in main.items()
    }
    if "board_name" in rows.columns:
        given = (
            pd.Series(rows["board_name"].to_numpy(), index=board).dropna().astype(str).str.strip()
        )
        given = given[given != ""]
        given = given[~given.index.duplicated()]
        labels.update({b: given[b] for b in labels if b in given.index})
    table = kept.assign(cname=kept["board"].map(labels))
    layer = Layer.from_table(
        name, table, codes, unit_column="unit", id_column="board", name_column="cname"
    )
    collab = layer.collaborations.copy()
    collab["schools"] = counts.groupby("board")["schools"].sum().reindex(collab.index).astype(int)
    collab["gemeenten"] = n_units.reindex(collab.index).astype(int)
    return Layer(
        name=layer.name,
        collaborations=collab,
        shares=layer.shares,
        min_share=layer.min_share,
        share_by=layer.share_by,
        kind="board",
        units=layer.units,
    )


def region_code_layer(
    schools: pd.DataFrame,
    units: pd.DataFrame | pd.Index,
    column: str = "RMC-REGIO",
    name: str = "rmc",
) -> Layer:
    """Build a partition layer from a DUO region column (one value per gemeente).

    Parameters
    ----------
    schools : DataFrame
        From :func:`read_duo_schools`.
    units : GeoDataFrame or Index
        The units; gemeenten without a school stay uncovered.
    column : str, default "RMC-REGIO"
        The region column, or its prefix: ``"RMC-REGIO"`` finds ``RMC-REGIO CODE`` and
        takes names from ``RMC-REGIO NAAM``. Others: ``RPA-GEBIED``, ``COROPGEBIED``,
        ``WGR-GEBIED``, ``ONDERWIJSGEBIED``, ``NODAAL GEBIED``.
    name : str, default "rmc"
        Layer name.

    Returns
    -------
    Layer
        A partition layer; ids are the DUO codes, names from the ``NAAM`` column.

    Raises
    ------
    ColumnError
        The region column (or ``gemeentecode``) is missing.
    LayerError
        Some gemeenten carry more than one region code (gemeenten and codes named).
    UnitCodeError
        Schools in gemeenten that are not among the units.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"gemeentecode": ["A", "A", "B"], "RMC-REGIO CODE": ["1", "1", "2"],
    ...                   "RMC-REGIO NAAM": ["Noord", "Noord", "Zuid"]})
    >>> layer = region_code_layer(s, pd.Index(["A", "B", "C"]))
    >>> layer.members(), layer.collaborations["name"].tolist()
    ({'1': ['A'], '2': ['B']}, ['Noord', 'Zuid'])
    """
    what = f"region layer {name!r}"
    if "gemeentecode" not in schools.columns:
        raise ColumnError(
            f"{what} needs the column 'gemeentecode' (as made by read_duo_schools); got "
            f"{listing(schools.columns, 30)}"
        )
    code_col = _find(schools, what, column, f"{column} CODE")
    base = re.sub(r"\s*CODE$", "", _norm(code_col))
    name_col = _find(schools, what, f"{base} NAAM", required=False)
    codes = _codes_of(units)
    gm = schools["gemeentecode"].astype(str)
    _check_known(gm, codes, f"{what} (schools)")
    region = schools[code_col].astype("string").str.strip()
    t = pd.DataFrame({"unit": gm.to_numpy(), "region": region.to_numpy()})
    if name_col is not None:
        t["rname"] = schools[name_col].astype("string").str.strip().to_numpy()
    t = t[t["region"].notna() & (t["region"] != "")]
    per = t.groupby("unit")["region"].unique()
    several = per[per.map(len) > 1]
    if len(several):
        shown = [f"{u}: {sorted(map(str, v))}" for u, v in several.items()]
        raise LayerError(
            f"{what}: column {code_col!r} has more than one value in {len(several)} gemeente(n) "
            f"({listing(shown)}); a region column can only be a partition when every gemeente "
            "has one value: use another column, or build the layer with Layer.from_table"
        )
    assignment = per.map(lambda v: str(v[0])).reindex(codes)
    names = None
    if name_col is not None:
        named = t.dropna(subset=["rname"])
        names = named.groupby("region")["rname"].agg(lambda s: s.value_counts().index[0])
    layer = Layer.from_partition(name, assignment, names=names, kind=name)
    return layer


# ------------------------------------------------------------ CBS region tables
def read_arbeidsmarktregio(path: PathLike) -> pd.DataFrame:
    """Read a gemeente → arbeidsmarktregio table (``gemeente_arbeidsmarktregio_2024.csv``).

    Parameters
    ----------
    path : path-like
        CSV with ``gemeentecode`` and ``arbeidsmarktregiocode`` (optional
        ``arbeidsmarktregio`` names and COROP/provincie columns).

    Returns
    -------
    DataFrame
        Indexed by gemeente code (``"code"``), the file's other columns as strings.

    Raises
    ------
    ColumnError, UnitCodeError
        Missing columns; duplicate or empty codes.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "amr.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("gemeentecode,arbeidsmarktregiocode,arbeidsmarktregio\\n"
    ...                  "GM0014,AM01,Groningen\\n")
    >>> read_arbeidsmarktregio(path).loc["GM0014", "arbeidsmarktregio"]
    'Groningen'
    """
    what = f"arbeidsmarktregio table {Path(path).name}"
    frame = _read_csv(path, what)
    frame.columns = [c.lower() for c in frame.columns]
    code_col = _find(frame, what, "gemeentecode", "statcode", "code")
    amr_col = _find(frame, what, "arbeidsmarktregiocode", "amr_code", "amr")
    codes = gemeente_code(frame[code_col], what=f"{what}, column {code_col!r}")
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(f"{what}: gemeente codes listed more than once: {listing(dup)}")
    empty = frame[amr_col].isna()
    if empty.any():
        raise UnitCodeError(
            f"{what}: no arbeidsmarktregio for {listing(codes[empty.to_numpy()])}"
        )
    out = frame.drop(columns=[code_col]).set_axis(pd.Index(codes.to_numpy(), name="code"))
    if amr_col != "arbeidsmarktregiocode":
        out = out.rename(columns={amr_col: "arbeidsmarktregiocode"})
    return out.sort_index()


def amr_layer(path: PathLike, units: pd.DataFrame | pd.Index, *, name: str = "amr") -> Layer:
    """Build the arbeidsmarktregio partition layer from a gemeente → AMR table.

    Parameters
    ----------
    path : path-like
        See :func:`read_arbeidsmarktregio`.
    units : GeoDataFrame or Index
        The units.
    name : str, default "amr"
        Layer name.

    Returns
    -------
    Layer
        Partition layer with AMR codes as ids and names from the file.

    Raises
    ------
    UnitCodeError
        The table lists gemeenten that are not among the units.

    Warns
    -----
    UserWarning
        Units that the table does not list (they stay uncovered).

    Examples
    --------
    >>> import tempfile, os, pandas as pd
    >>> path = os.path.join(tempfile.mkdtemp(), "amr.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("gemeentecode,arbeidsmarktregiocode,arbeidsmarktregio\\n"
    ...                  "GM0001,AM01,Noord\\nGM0002,AM01,Noord\\nGM0003,AM02,Zuid\\n")
    >>> amr_layer(path, pd.Index(["GM0001", "GM0002", "GM0003"])).members()
    {'AM01': ['GM0001', 'GM0002'], 'AM02': ['GM0003']}
    """
    table = read_arbeidsmarktregio(path)
    codes = _codes_of(units)
    _check_known(table.index, codes, f"arbeidsmarktregio table {Path(path).name}")
    absent = codes.difference(table.index)
    if len(absent):
        warnings.warn(
            f"arbeidsmarktregio table {Path(path).name} does not list {len(absent)} unit(s): "
            f"{listing(absent)}; they stay uncovered in layer {name!r}",
            UserWarning,
            stacklevel=2,
        )
    assignment = table["arbeidsmarktregiocode"].reindex(codes)
    names = None
    if "arbeidsmarktregio" in table.columns:
        names = table.groupby("arbeidsmarktregiocode")["arbeidsmarktregio"].first()
    return Layer.from_partition(name, assignment, names=names, kind="amr")


def read_provinces(path: PathLike, *, names: bool = False) -> pd.Series:
    """Read gemeente → provincie from a CBS table.

    Accepts the CBS "gemeenten alfabetisch" CSV (``GemeentecodeGM``,
    ``ProvinciecodePV``, ``Provincienaam``) or the arbeidsmarktregio table
    (``gemeentecode``, ``provinciecode``, ``provincie``).

    Parameters
    ----------
    path : path-like
        The CSV file.
    names : bool, default False
        Return province names instead of codes (``PV27``).

    Returns
    -------
    Series
        Indexed by gemeente code (``"code"``), named ``"province"``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "gm.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("Gemeentecode,GemeentecodeGM,Gemeentenaam,ProvinciecodePV,Provincienaam\\n"
    ...                  "0363,GM0363,Amsterdam,PV27,Noord-Holland\\n")
    >>> read_provinces(path).to_dict(), read_provinces(path, names=True).to_dict()
    ({'GM0363': 'PV27'}, {'GM0363': 'Noord-Holland'})
    """
    what = f"province table {Path(path).name}"
    frame = _read_csv(path, what)
    code_col = _find(frame, what, "GemeentecodeGM", "gemeentecode", "statcode", "code")
    col = (
        _find(frame, what, "Provincienaam", "provincie", "province")
        if names
        else _find(frame, what, "ProvinciecodePV", "provinciecode", "province_code")
    )
    codes = gemeente_code(frame[code_col], what=f"{what}, column {code_col!r}")
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(f"{what}: gemeente codes listed more than once: {listing(dup)}")
    values = frame[col].astype(str).str.strip()
    if not names:
        values = values.where(
            values.str.upper().str.startswith("PV"), "PV" + values.str.zfill(2)
        ).str.upper()
    out = pd.Series(values.to_numpy(), index=pd.Index(codes.to_numpy(), name="code"))
    return out.rename("province").sort_index()


def province_layer(
    path: PathLike, units: pd.DataFrame | pd.Index, *, name: str = "province"
) -> Layer:
    """Build the provincie partition layer (see :func:`read_provinces`).

    Examples
    --------
    >>> import tempfile, os, pandas as pd
    >>> path = os.path.join(tempfile.mkdtemp(), "gm.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("gemeentecode,provinciecode,provincie\\nGM0001,PV20,Groningen\\n")
    >>> province_layer(path, pd.Index(["GM0001"])).collaborations["name"].tolist()
    ['Groningen']
    """
    codes_ = read_provinces(path)
    named = read_provinces(path, names=True)
    codes = _codes_of(units)
    _check_known(codes_.index, codes, f"province table {Path(path).name}")
    names = pd.Series(named.to_numpy(), index=codes_.to_numpy())
    names = names[~names.index.duplicated()]
    return Layer.from_partition(name, codes_.reindex(codes), names=names, kind="province")


def read_water_links(
    path: PathLike, units: pd.DataFrame | pd.Index | None = None
) -> pd.DataFrame:
    """Read ferry/tunnel links between gemeenten (``water_links_2024.csv``).

    Parameters
    ----------
    path : path-like
        CSV with ``from_code``, ``to_code`` and optional ``kind``, ``name``.
    units : GeoDataFrame or Index, optional
        When given, every code must be a unit code.

    Returns
    -------
    DataFrame
        Columns ``from_code, to_code, kind, name`` (see :func:`rato_opt.validate_links`).

    Raises
    ------
    ColumnError, UnitCodeError

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "links.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("from_code,to_code,kind,name\\nGM0448,GM0400,ferry,Texel\\n")
    >>> read_water_links(path).values.tolist()
    [['GM0448', 'GM0400', 'ferry', 'Texel']]
    """
    what = f"links file {Path(path).name}"
    frame = _read_csv(path, what)
    frame.columns = [c.lower() for c in frame.columns]
    missing = [c for c in ("from_code", "to_code") if c not in frame.columns]
    if missing:
        raise ColumnError(
            f"{what}: needs columns {list(LINK_COLUMNS)}; missing {missing}, got "
            f"{listing(frame.columns)}"
        )
    if units is None:
        known = pd.Index(pd.concat([frame["from_code"], frame["to_code"]]).astype(str).str.strip())
    else:
        known = _codes_of(units)
    try:
        return validate_links(frame, known.unique())
    except UnitCodeError as err:
        raise UnitCodeError(f"{what}: {err}") from None
