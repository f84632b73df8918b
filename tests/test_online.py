"""PDOK download logic of rato_opt.sources.pdok, entirely offline.

The network function is replaced by a fake that serves GeoJSON built here; a guard
makes any real network access fail the test.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse

import pytest
from shapely import box

from rato_opt.exceptions import DataNotFoundError, InputError, UnitCodeError
from rato_opt.sources import pdok as online
from rato_opt.sources.pdok import (
    FetchError,
    cache_dir,
    cache_path,
    fetch_cbs_gemeenten,
    fetch_pages,
    merge_pages,
    next_link,
    ogc_items_url,
    parse_collection,
    wfs_url,
)


def _feature(code, name, year, i):
    """A 0.1° square near Utrecht, in CRS84 (lon, lat)."""
    return {
        "type": "Feature",
        "id": f"{year}{code}",
        "geometry": box(5 + 0.1 * i, 52, 5.1 + 0.1 * i, 52.1).__geo_interface__,
        "properties": {
            "statcode": code,
            "jrstatcode": f"{year}{code}",
            "statnaam": name,
            "jaarcode": year,
            "rubriek": "gemeente",
        },
    }


FEATURES_2024 = [
    _feature("GM0001", "Aa", 2024, 0),
    _feature("GM0002", "Bé", 2024, 1),
    _feature("GM0003", "Cee", 2024, 2),
]
FEATURE_2023 = _feature("GM0001", "Aa (oud)", 2023, 0)


def _page(features, next_href=None):
    links = [{"rel": "self", "type": "application/geo+json", "href": "self"}]
    if next_href:
        links.append({"rel": "next", "type": "application/geo+json", "href": next_href})
    return {
        "type": "FeatureCollection",
        "timeStamp": "2026-01-01T00:00:00Z",
        "links": links,
        "numberReturned": len(features),
        "features": features,
    }


NEXT = "https://api.pdok.nl/cbs/gebiedsindelingen/ogc/v1/collections/gemeente_gegeneraliseerd/items?f=json&cursor=abc"


class FakePDOK:
    """Serves pages by URL and records every request."""

    def __init__(self, pages: dict[str, bytes | dict]):
        self.pages = pages
        self.calls: list[str] = []

    def __call__(self, url, *, timeout=60):
        self.calls.append(url)
        if url not in self.pages:
            raise AssertionError(f"unexpected URL {url}")
        body = self.pages[url]
        return body if isinstance(body, bytes) else json.dumps(body).encode()


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any real network access fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the network must not be used in tests")

    monkeypatch.setattr("urllib.request.urlopen", refuse)


@pytest.fixture
def paged(monkeypatch):
    """Two OGC API pages (2 + 2 features, one of them of another year)."""
    fake = FakePDOK(
        {
            ogc_items_url(2024): _page(FEATURES_2024[:2], NEXT),
            NEXT: _page([FEATURES_2024[2], FEATURE_2023]),
        }
    )
    monkeypatch.setattr(online, "http_get", fake)
    return fake


# -------------------------------------------------------------------- pure parts
def test_urls():
    url = ogc_items_url(2024)
    parts = urllib.parse.urlsplit(url)
    assert parts.netloc == "api.pdok.nl"
    assert parts.path == "/cbs/gebiedsindelingen/ogc/v1/collections/gemeente_gegeneraliseerd/items"
    assert urllib.parse.parse_qs(parts.query) == {
        "f": ["json"],
        "jaarcode": ["2024"],
        "limit": ["1000"],
    }
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(wfs_url(2023, start=5, count=10)).query)
    assert q["typeNames"] == ["gebiedsindelingen:gemeente_gegeneraliseerd"]
    assert q["startIndex"] == ["5"] and q["count"] == ["10"] and q["srsName"] == ["EPSG:4326"]
    assert "/gebiedsindelingen/2023/wfs/" in wfs_url(2023)


def test_next_link_and_merge():
    assert next_link(_page([], NEXT)) == NEXT
    assert next_link(_page([])) is None
    merged = merge_pages([_page(FEATURES_2024[:2]), _page(FEATURES_2024[2:])])
    assert [f["properties"]["statcode"] for f in merged["features"]] == [
        "GM0001",
        "GM0002",
        "GM0003",
    ]
    assert merged["numberReturned"] == 3


def test_parse_collection_projects_and_filters_year():
    fc = merge_pages([_page([*FEATURES_2024, FEATURE_2023])])
    units = parse_collection(fc, year=2024)
    assert list(units.index) == ["GM0001", "GM0002", "GM0003"]
    assert units.loc["GM0002", "name"] == "Bé"
    assert units.crs.to_epsg() == 28992
    # 0.1° × 0.1° at 52°N is about 6.9 km × 11.1 km
    assert units.area.iloc[0] == pytest.approx(6.86e3 * 11.13e3, rel=0.02)
    with pytest.raises(InputError, match="several years"):
        parse_collection(fc)
    with pytest.raises(InputError, match=r"no CBS gemeente features of year 2022"):
        parse_collection(fc, year=2022)


def test_parse_collection_jrstatcode_only():
    feats = [json.loads(json.dumps(f)) for f in [*FEATURES_2024, FEATURE_2023]]
    for f in feats:
        del f["properties"]["jaarcode"]
    units = parse_collection({"type": "FeatureCollection", "features": feats}, year=2023)
    assert units["name"].tolist() == ["Aa (oud)"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Service Unavailable</html>", "not JSON"),
        (b'{"type": "FeatureCollection"}', "no 'features' list"),
        (b"[1, 2]", "not a GeoJSON FeatureCollection"),
    ],
)
def test_malformed_response(monkeypatch, tmp_path, body, message):
    monkeypatch.setattr(online, "http_get", FakePDOK({ogc_items_url(2024): body}))
    with pytest.raises(FetchError, match=message):
        fetch_cbs_gemeenten(2024, cache_dir=tmp_path)
    assert not list(tmp_path.iterdir()), "nothing is cached after a failure"


def test_malformed_features(monkeypatch, tmp_path):
    bad = _page([{"type": "Feature", "properties": {"statcode": "GM0001"}, "geometry": 5}])
    monkeypatch.setattr(online, "http_get", FakePDOK({ogc_items_url(2024): bad}))
    with pytest.raises(FetchError, match="malformed GeoJSON"):
        fetch_cbs_gemeenten(2024, cache_dir=tmp_path)
    empty = _page([])
    monkeypatch.setattr(online, "http_get", FakePDOK({ogc_items_url(2019): empty}))
    with pytest.raises(FetchError, match="no features for year 2019"):
        fetch_cbs_gemeenten(2019, cache_dir=tmp_path)
    dup = _page([FEATURES_2024[0], FEATURES_2024[0]])
    monkeypatch.setattr(online, "http_get", FakePDOK({ogc_items_url(2024): dup}))
    with pytest.raises(UnitCodeError, match="duplicate unit codes: GM0001"):
        fetch_cbs_gemeenten(2024, cache_dir=tmp_path)


def test_fetch_error_is_a_data_not_found_error():
    assert issubclass(FetchError, DataNotFoundError)


# -------------------------------------------------------------- paging + caching
def test_paging_follows_next_links(paged):
    pages = fetch_pages(2024)
    assert paged.calls == [ogc_items_url(2024), NEXT]
    assert sum(len(p["features"]) for p in pages) == 4


def test_paging_stops_on_a_loop(monkeypatch):
    loop = FakePDOK({ogc_items_url(2024): _page(FEATURES_2024, ogc_items_url(2024))})
    with pytest.raises(FetchError, match="repeats"):
        fetch_pages(2024, get=loop)


def test_wfs_paging():
    one = wfs_url(2024, count=2)
    two = wfs_url(2024, start=2, count=2)
    fake = FakePDOK(
        {
            one: {"type": "FeatureCollection", "features": FEATURES_2024[:2], "numberMatched": 3},
            two: {"type": "FeatureCollection", "features": FEATURES_2024[2:], "numberMatched": 3},
        }
    )
    pages = fetch_pages(2024, source="wfs", get=fake, page_size=2)
    assert fake.calls == [one, two]
    assert len(merge_pages(pages)["features"]) == 3
    with pytest.raises(InputError, match="'ogcapi' or 'wfs'"):
        fetch_pages(2024, source="ftp", get=fake)


def test_fetch_caches_and_refreshes(paged, tmp_path):
    units = fetch_cbs_gemeenten(2024, cache_dir=tmp_path)
    assert list(units.index) == ["GM0001", "GM0002", "GM0003"]
    assert len(paged.calls) == 2
    cached = cache_path(2024, cache_dir=tmp_path)
    assert cached.is_file() and units.attrs["cache"] == str(cached)
    raw = json.loads(cached.read_text())
    assert len(raw["features"]) == 4, "the raw answer is cached, before year filtering"

    again = fetch_cbs_gemeenten(2024, cache_dir=tmp_path)
    assert len(paged.calls) == 2, "a cached year is not fetched again"
    assert again.geom_equals_exact(units.geometry, tolerance=1e-6).all()

    fetch_cbs_gemeenten(2024, cache_dir=tmp_path, refresh=True)
    assert len(paged.calls) == 4, "refresh=True downloads again"


def test_cache_dir_from_environment(paged, tmp_path, monkeypatch):
    monkeypatch.setenv("RATO_OPT_CACHE", str(tmp_path / "env-cache"))
    assert cache_dir() == tmp_path / "env-cache"
    fetch_cbs_gemeenten(2024)
    assert (tmp_path / "env-cache" / cache_path(2024, cache_dir=".").name).is_file()
    monkeypatch.delenv("RATO_OPT_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "rato_opt"


def test_corrupt_cache(tmp_path):
    path = cache_path(2024, cache_dir=tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    with pytest.raises(FetchError, match="refresh=True"):
        fetch_cbs_gemeenten(2024, cache_dir=tmp_path)


def test_injected_getter_and_network_error(tmp_path, monkeypatch):
    fake = FakePDOK({ogc_items_url(2024): _page(FEATURES_2024)})
    units = fetch_cbs_gemeenten(2024, cache_dir=tmp_path, get=fake)
    assert len(units) == 3 and len(fake.calls) == 1

    # the real http_get turns network failures into a FetchError naming the URL
    def unreachable(request, timeout):
        raise urllib.error.URLError("no route to host (simulated)")

    monkeypatch.setattr("urllib.request.urlopen", unreachable)
    with pytest.raises(FetchError, match=r"could not download https://api\.pdok\.nl"):
        fetch_cbs_gemeenten(2025, cache_dir=tmp_path)
    with pytest.raises(FetchError, match="non-HTTP"):
        online.http_get("file:///etc/passwd")


def test_http_get_reads_the_body(monkeypatch):
    seen = {}

    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return b'{"features": []}'

    def fake_urlopen(request, timeout):
        seen["url"], seen["timeout"] = request.full_url, timeout
        return Response()

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    assert online.http_get("https://example.invalid/x", timeout=7) == b'{"features": []}'
    assert seen == {"url": "https://example.invalid/x", "timeout": 7}
