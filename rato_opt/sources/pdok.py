"""Download CBS gemeente polygons from PDOK, with a local cache.

:func:`fetch_cbs_gemeenten` gets the CBS gebiedsindelingen layer
``gemeente_gegeneraliseerd`` for one year from PDOK and returns it as a validated unit
table (EPSG:28992), like :func:`rato_opt.sources.cbs.read_cbs_gemeenten` does for a file.

Two PDOK services hold the layer (CC-BY 4.0, "Bron: CBS/Kadaster (via PDOK)"):

- ``"ogcapi"`` (default): the OGC API Features of CBS gebiedsindelingen,
  ``https://api.pdok.nl/cbs/gebiedsindelingen/ogc/v1/collections/gemeente_gegeneraliseerd/items``
  with ``f=json``, ``jaarcode=<year>`` and ``limit`` (at most 1000 per page); further pages
  follow the ``rel="next"`` link of each response. Coordinates are CRS84 (lon, lat).
- ``"wfs"``: the per-year WFS ``https://service.pdok.nl/cbs/gebiedsindelingen/<year>/wfs/v1_0``
  with ``service=WFS``, ``version=2.0.0``, ``request=GetFeature``,
  ``typeNames=gebiedsindelingen:gemeente_gegeneraliseerd``,
  ``outputFormat=application/json``, ``srsName=EPSG:4326``, paged by ``count`` and
  ``startIndex``.

The module is split so that only :func:`http_get` touches the network (replace it, or pass
``get=``, to test offline); building URLs, following pages, merging, caching and parsing
are separate functions of plain data.

The raw response (all pages merged into one GeoJSON FeatureCollection) is cached under
:func:`cache_dir`: ``$RATO_OPT_CACHE``, else ``$XDG_CACHE_HOME/rato_opt``, else
``~/.cache/rato_opt``. A cached year is read without any network access.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd

from .._util import normal_mode
from ..exceptions import DataNotFoundError, InputError
from .cbs import cbs_gemeenten_from_frame

__all__ = [
    "CACHE_ENV_VAR",
    "PDOK_OGC_API",
    "PDOK_WFS",
    "COLLECTION",
    "FetchError",
    "cache_dir",
    "cache_path",
    "http_get",
    "ogc_items_url",
    "wfs_url",
    "next_link",
    "fetch_pages",
    "merge_pages",
    "parse_collection",
    "fetch_cbs_gemeenten",
]

#: Environment variable overriding the cache directory.
CACHE_ENV_VAR = "RATO_OPT_CACHE"
#: PDOK OGC API Features of CBS gebiedsindelingen (all years; filter with ``jaarcode``).
PDOK_OGC_API = "https://api.pdok.nl/cbs/gebiedsindelingen/ogc/v1"
#: PDOK WFS of CBS gebiedsindelingen, one service per year.
PDOK_WFS = "https://service.pdok.nl/cbs/gebiedsindelingen/{year}/wfs/v1_0"
#: The generalised gemeente layer (collection / feature type name).
COLLECTION = "gemeente_gegeneraliseerd"
#: Features per page (PDOK's maximum for the OGC API is 1000).
PAGE_SIZE = 1000
#: Safety limit on the number of pages followed.
MAX_PAGES = 50

Source = Literal["ogcapi", "wfs"]
Getter = Callable[..., bytes]


class FetchError(DataNotFoundError):
    """An online source could not be reached, or answered something unusable."""


# ---------------------------------------------------------------------- network
def http_get(url: str, *, timeout: float = 60) -> bytes:
    """Return the body of an HTTP GET request (the only function using the network).

    Parameters
    ----------
    url : str
        Absolute ``https`` URL.
    timeout : float, default 60
        Seconds before giving up.

    Raises
    ------
    FetchError
        On any network or HTTP error, naming the URL.

    Examples
    --------
    >>> body = http_get(ogc_items_url(2024, limit=1))  # doctest: +SKIP
    >>> json.loads(body)["type"]  # doctest: +SKIP
    'FeatureCollection'
    """
    if not url.startswith(("https://", "http://")):
        raise FetchError(f"refusing to fetch a non-HTTP URL: {url!r}")
    request = urllib.request.Request(
        url, headers={"Accept": "application/geo+json, application/json", "User-Agent": "rato_opt"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise FetchError(
            f"could not download {url}: {err}; check the network, or read a downloaded file "
            "with rato_opt.sources.read_cbs_gemeenten(path)"
        ) from err


# ------------------------------------------------------------------------ URLs
def ogc_items_url(
    year: int, *, limit: int = PAGE_SIZE, base: str = PDOK_OGC_API, collection: str = COLLECTION
) -> str:
    """URL of the first page of a PDOK OGC API Features collection for one year.

    Examples
    --------
    >>> ogc_items_url(2024, limit=500)  # doctest: +NORMALIZE_WHITESPACE
    'https://api.pdok.nl/cbs/gebiedsindelingen/ogc/v1/collections/gemeente_gegeneraliseerd/items?f=json&jaarcode=2024&limit=500'
    """
    query = urllib.parse.urlencode({"f": "json", "jaarcode": int(year), "limit": int(limit)})
    return f"{base.rstrip('/')}/collections/{collection}/items?{query}"


def wfs_url(
    year: int,
    *,
    start: int = 0,
    count: int = PAGE_SIZE,
    base: str = PDOK_WFS,
    type_name: str = f"gebiedsindelingen:{COLLECTION}",
) -> str:
    """URL of one page of a WFS 2.0 GetFeature request as GeoJSON in EPSG:4326.

    Examples
    --------
    >>> wfs_url(2024, start=1000).split("?")[0]
    'https://service.pdok.nl/cbs/gebiedsindelingen/2024/wfs/v1_0'
    >>> "startIndex=1000" in wfs_url(2024, start=1000)
    True
    """
    query = urllib.parse.urlencode(
        {
            "service": "WFS",
            "version": "2.0.0",
            "request": "GetFeature",
            "typeNames": type_name,
            "outputFormat": "application/json",
            "srsName": "EPSG:4326",
            "count": int(count),
            "startIndex": int(start),
        }
    )
    return f"{base.format(year=int(year))}?{query}"


# ----------------------------------------------------------------- pure logic
def _decode(body: bytes | str, url: str) -> dict[str, Any]:
    try:
        page = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        start = body[:80] if isinstance(body, str) else body[:80].decode("utf-8", "replace")
        raise FetchError(
            f"the answer of {url} is not JSON ({err}); it starts with {start!r}"
        ) from None
    if not isinstance(page, dict) or not isinstance(page.get("features"), list):
        keys = sorted(page) if isinstance(page, dict) else type(page).__name__
        raise FetchError(
            f"the answer of {url} is not a GeoJSON FeatureCollection (no 'features' list; "
            f"got {keys})"
        )
    return page


def next_link(page: dict[str, Any]) -> str | None:
    """Return the ``rel="next"`` link of an OGC API Features page, or None.

    Examples
    --------
    >>> next_link({"links": [{"rel": "self", "href": "a"}, {"rel": "next", "href": "b"}]})
    'b'
    >>> next_link({"features": []}) is None
    True
    """
    for link in page.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def fetch_pages(
    year: int,
    *,
    source: Source = "ogcapi",
    get: Getter | None = None,
    timeout: float = 60,
    page_size: int = PAGE_SIZE,
    max_pages: int = MAX_PAGES,
) -> list[dict[str, Any]]:
    """Fetch every page of the gemeente layer of ``year``.

    OGC API pages are followed through their ``next`` links; WFS pages through
    ``startIndex`` until a page holds fewer than ``page_size`` features or
    ``numberMatched`` is reached.

    Parameters
    ----------
    year : int
        The jaarcode.
    source : {"ogcapi", "wfs"}, default "ogcapi"
        The PDOK service.
    get : callable, optional
        ``get(url, timeout=...) -> bytes``; defaults to :func:`http_get`.
    timeout : float
        Per request.
    page_size : int
        Features per page.
    max_pages : int
        Give up (FetchError) after this many pages.

    Returns
    -------
    list of dict
        The decoded pages.

    Examples
    --------
    Offline, with a stand-in for :func:`http_get` that serves one page:

    >>> page = {"type": "FeatureCollection", "features": [], "links": []}
    >>> fake_get = lambda url, timeout: json.dumps(page).encode()
    >>> len(fetch_pages(2024, get=fake_get))
    1
    """
    if source not in ("ogcapi", "wfs"):
        raise InputError(f"source must be 'ogcapi' or 'wfs', got {source!r}")
    fetch = get if get is not None else http_get
    pages: list[dict[str, Any]] = []
    url: str | None = (
        ogc_items_url(year, limit=page_size)
        if source == "ogcapi"
        else wfs_url(year, count=page_size)
    )
    seen: set[str] = set()
    while url is not None:
        if len(pages) >= max_pages or url in seen:
            raise FetchError(
                f"stopped after {len(pages)} pages of {COLLECTION} {year}: "
                f"{'a next link repeats' if url in seen else 'too many pages'} ({url})"
            )
        seen.add(url)
        page = _decode(fetch(url, timeout=timeout), url)
        pages.append(page)
        if source == "ogcapi":
            url = next_link(page)
        else:
            got = sum(len(p["features"]) for p in pages)
            matched = page.get("numberMatched")
            done = len(page["features"]) < page_size or (
                isinstance(matched, int) and got >= matched
            )
            url = None if done else wfs_url(year, start=got, count=page_size)
    return pages


def merge_pages(pages: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge decoded pages into one GeoJSON FeatureCollection (keeping a ``crs`` member).

    Examples
    --------
    >>> merged = merge_pages([{"features": [1]}, {"features": [2, 3]}])
    >>> merged["type"], merged["features"]
    ('FeatureCollection', [1, 2, 3])
    """
    merged: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    for page in pages:
        merged["features"].extend(page.get("features") or [])
        if "crs" in page and "crs" not in merged:
            merged["crs"] = page["crs"]
    merged["numberReturned"] = len(merged["features"])
    return merged


def _crs_of(collection: dict[str, Any]) -> str:
    crs = collection.get("crs")
    if isinstance(crs, dict):
        name = (crs.get("properties") or {}).get("name")
        if name:
            name = str(name)
            if name.endswith(("CRS84", "CRS:84")):
                return "OGC:CRS84"
            return name
    return "OGC:CRS84"  # GeoJSON's (and OGC API Features') default


def parse_collection(
    collection: dict[str, Any], *, year: int | None = None, repair: bool = False
) -> gpd.GeoDataFrame:
    """Turn a gemeente FeatureCollection into a validated unit table.

    Parameters
    ----------
    collection : dict
        Decoded GeoJSON (``features`` with ``statcode``, ``statnaam`` and optionally
        ``jaarcode``/``jrstatcode``).
    year : int, optional
        Keep only features of this year.
    repair : bool, default False
        Repair invalid geometries.

    Raises
    ------
    FetchError
        The collection is malformed or empty.

    Examples
    --------
    >>> sq = {"type": "Polygon", "coordinates": [[[5, 52], [5.1, 52], [5.1, 52.1], [5, 52]]]}
    >>> fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": sq,
    ...       "properties": {"statcode": "GM0001", "statnaam": "Aa", "jaarcode": 2024}}]}
    >>> parse_collection(fc, year=2024).index.tolist()
    ['GM0001']
    """
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise FetchError("not a GeoJSON FeatureCollection: no 'features' list")
    if not features:
        raise FetchError(
            f"the {COLLECTION} answer holds no features"
            f"{f' for year {year}' if year is not None else ''}; check that PDOK has that year"
        )
    try:
        gdf = gpd.GeoDataFrame.from_features(features, crs=_crs_of(collection))
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise FetchError(f"malformed GeoJSON features in the {COLLECTION} answer: {err}") from err
    return cbs_gemeenten_from_frame(gdf, year=year, repair=repair)


# ---------------------------------------------------------------------- cache
def cache_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return the cache directory (not created).

    ``path``, else ``$RATO_OPT_CACHE``, else ``$XDG_CACHE_HOME/rato_opt``, else
    ``~/.cache/rato_opt``.

    Examples
    --------
    >>> cache_dir("/tmp/x").as_posix()
    '/tmp/x'
    """
    if path is not None:
        return Path(path)
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rato_opt"


def cache_path(
    year: int, *, source: Source = "ogcapi", cache_dir: str | os.PathLike[str] | None = None
) -> Path:
    """Path of the cached raw response of one year and source.

    Examples
    --------
    >>> cache_path(2024, cache_dir="/tmp/c").name
    'cbs_gemeente_gegeneraliseerd_2024_ogcapi.geojson'
    """
    return _cache_root(cache_dir) / f"cbs_{COLLECTION}_{int(year)}_{source}.geojson"


def _cache_root(path: str | os.PathLike[str] | None) -> Path:
    return cache_dir(path)


def write_cache(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` atomically, with the mode the umask gives.

    The JSON goes to a temporary file beside ``path`` that is renamed over it, so a
    reader never sees half a file and an interrupted download leaves no corrupt
    cache. Missing parent directories are created.

    Parameters
    ----------
    path : pathlib.Path
        The cache file.
    data : dict
        JSON-serialisable data (a GeoJSON FeatureCollection).

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sub" / "x.json"
    >>> write_cache(path, {"a": 1})
    >>> json.loads(path.read_text())
    {'a': 1}
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    try:
        normal_mode(tmp)  # mkstemp makes 0600; give the umask's mode (e.g. 0644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def fetch_cbs_gemeenten(
    year: int,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    timeout: float = 60,
    source: Source = "ogcapi",
    get: Getter | None = None,
    repair: bool = False,
) -> gpd.GeoDataFrame:
    """Download (or read from cache) the CBS gemeente polygons of one year from PDOK.

    Parameters
    ----------
    year : int
        The CBS jaarcode, e.g. 2024 (the indeling on 1 January of that year).
    cache_dir : path-like, optional
        Cache directory; see :func:`cache_dir` for the default.
    refresh : bool, default False
        Download even when the year is cached, and replace the cache.
    timeout : float, default 60
        Seconds per request.
    source : {"ogcapi", "wfs"}, default "ogcapi"
        PDOK service (see the module docstring for URLs and parameters).
    get : callable, optional
        Replacement for :func:`http_get` (``get(url, timeout=...) -> bytes``).
    repair : bool, default False
        Repair invalid geometries.

    Returns
    -------
    GeoDataFrame
        Validated units (EPSG:28992) indexed by gemeente code, with ``name``.
        ``attrs["source"]`` holds the first URL and ``attrs["cache"]`` the cache file.

    Raises
    ------
    FetchError
        Network failure, a malformed answer, or a corrupt cache file (with the fix:
        ``refresh=True``).

    Notes
    -----
    The cache holds the raw merged answer, so parsing changes never need a new
    download. Credit: "Bron: CBS/Kadaster (via PDOK)", CC-BY 4.0.
    """
    path = cache_path(year, source=source, cache_dir=cache_dir)
    url = ogc_items_url(year) if source == "ogcapi" else wfs_url(year)
    if path.is_file() and not refresh:
        try:
            with open(path, encoding="utf-8") as fh:
                collection = json.load(fh)
        except ValueError as err:
            raise FetchError(
                f"the cache file {path} is corrupt ({err}); call again with refresh=True"
            ) from None
    else:
        pages = fetch_pages(year, source=source, get=get, timeout=timeout)
        collection = merge_pages(pages)
        units = parse_collection(collection, year=year, repair=repair)  # validate, then cache
        write_cache(path, collection)
        units.attrs["source"] = url
        units.attrs["cache"] = str(path)
        return units
    units = parse_collection(collection, year=year, repair=repair)
    units.attrs["source"] = url
    units.attrs["cache"] = str(path)
    return units
