"""The 3,475 CBS wijken of 2024 as fine units, with an adjacency checked against the gemeenten.

:func:`read_cbs_wijken` reads ``cbs_wijken_2024_kerncijfers.geojson`` of the real-data
directory (``PROVENANCE.md`` section 10) into a :class:`WijkMap`. That file was
simplified feature by feature, so its borders do not match (overlaps, gaps, slivers,
15 invalid polygons); the loader therefore

1. drops ``GM0998`` (*Buitenland*) and the 81 *Groot water* wijken (no population);
2. repairs the invalid polygons with :func:`shapely.make_valid` (listed in the report);
3. fits every wijk to its 2024 gemeente polygon (``cbs_gemeente_2024_gegeneraliseerd``):
   clipped to it, the gaps of the gemeente given to its wijken, the coverage cleaned
   (:func:`rato_opt.sources.wijk_geometry.fit_to_parents`);
4. reads the adjacency off the fitted polygons (``tolerance`` metres, default 2 m: the
   contact rule of :func:`rato_opt.landscape.graph.build_graph` with its default
   ``tolerance=1``, which buffers both polygons by 1 m), and carries the ferry and tunnel
   links of ``water_links_2024.csv`` down to the harbour wijken;
5. checks the result with :func:`check_against_gemeenten`.

Why the *Groot water* wijken are dropped (measured on the real data): kept as units,
they join 48 gemeente pairs that do not touch in the gemeente graph (across the
IJsselmeer, the Wadden Sea, the Veluwemeer ...); their few land parts (dams,
quays: 3 % of their area, median) are not lost but go to the neighbouring wijk of the
same gemeente by the gap filling of step 3, so the dam links that the gemeente graph has
(Almere–Blaricum, Zeewolde–Nijkerk, Goeree-Overflakkee–Voorne aan Zee ...) stay.

Result on the real data: 3,393 wijken, the contracted wijk graph equals the gemeente
graph (no missing or extra pair), and two gemeenten have wijken in separate pieces, both
real (see :data:`EXPLAINED_DISCONNECTED`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio

from .._util import listing
from ..exceptions import ColumnError, GeometryError
from ..landscape import Landscape, validate_units
from ..landscape.graph import build_graph
from ..landscape.layers import Layer
from .cbs import read_cbs_gemeenten
from .data import data_file
from .links import read_water_links
from .nl2024 import FILES
from .pdok import cache_dir
from .wijk_geometry import (
    FitReport,
    adjacency_table,
    closest_pairs,
    fit_to_parents,
    repair_polygons,
)

__all__ = [
    "WIJKEN_FILE",
    "WIJKEN_CREDIT",
    "WIJKEN_NAME",
    "HARBOURS_2024",
    "EXPLAINED_DISCONNECTED",
    "AdjacencyCheck",
    "WijkReport",
    "WijkMap",
    "read_cbs_wijken",
    "check_against_gemeenten",
]

#: The wijken file in the real-data directory.
WIJKEN_FILE = "cbs_wijken_2024_kerncijfers.geojson"
#: Data credit of the wijk map.
WIJKEN_CREDIT = "Bron: CBS/Kadaster 2024 (CC-BY 4.0), wijken 2024"
#: Default landscape name.
WIJKEN_NAME = "Nederland 2024 (wijken)"
#: Wijk where the links of a gemeente land when the closest wijk is not the harbour:
#: Harlingen's harbour is in *Wijk 00 Harlingen* (Wijnaldum lies closer to the islands);
#: the Westerscheldetunnel leaves Borsele at *Ellewoutsdijk* (Baarland lies closer).
HARBOURS_2024 = {"GM0072": "WK007200", "GM0654": "WK065404"}
#: Gemeenten whose wijken are not connected among themselves, and why (real, not errors).
EXPLAINED_DISCONNECTED = {
    "GM0363": "Amsterdam: Zuidoost and Weesp are an exclave (the gemeente polygon has "
    "separate parts, the largest two 0.9 km apart, Diemen and Ouder-Amstel between them)",
    "GM0687": "Middelburg: wijk Veerse Meer (WK068753) lies on small separate parts of "
    "the gemeente polygon in the Veerse Meer, 290 m from the rest",
}
_FORMAT_VERSION = 1
_WATER_NAME = "groot water"
_COLUMNS = ("wijkcode", "wijknaam", "gemeentecode", "gemeentenaam", "aantal_inwoners", "0_15")


@dataclasses.dataclass(frozen=True)
class AdjacencyCheck:
    """The wijk graph contracted to gemeenten, compared with the gemeente graph.

    Attributes
    ----------
    missing : tuple of str
        Gemeente pairs of the gemeente graph that no wijk pair (or link) joins,
        as ``"Amsterdam (GM0363) – Zaanstad (GM0479)"``.
    extra : tuple of str
        Gemeente pairs joined by wijken that the gemeente graph does not have.
    disconnected : tuple of str
        Gemeente codes whose wijken are not connected among themselves.
    pieces : Mapping of str to tuple of tuple of str
        For each disconnected gemeente, its wijk codes in connected pieces, largest first.
    n_gemeente_pairs : int
        Edges of the gemeente graph (borders and links).
    """

    missing: tuple[str, ...]
    extra: tuple[str, ...]
    disconnected: tuple[str, ...]
    pieces: Mapping[str, tuple[tuple[str, ...], ...]]
    n_gemeente_pairs: int

    @property
    def ok(self) -> bool:
        """True when no gemeente pair is missing or extra."""
        return not self.missing and not self.extra

    def summary(self) -> str:
        """One paragraph for a report."""
        lines = [
            f"gemeente pairs: {self.n_gemeente_pairs}; missing in the wijk graph: "
            f"{len(self.missing)}{': ' + '; '.join(self.missing) if self.missing else ''}; "
            f"extra: {len(self.extra)}{': ' + '; '.join(self.extra) if self.extra else ''}",
            f"gemeenten with wijken in separate pieces: {len(self.disconnected)}"
            + (f" ({listing(self.disconnected)})" if self.disconnected else ""),
        ]
        return "\n".join(lines)


def check_against_gemeenten(
    wijk_units: pd.DataFrame,
    wijk_adjacency: pd.DataFrame,
    wijk_links: pd.DataFrame | None,
    gemeente_graph: nx.Graph,
) -> AdjacencyCheck:
    """Contract the wijk graph by gemeente and compare it with the gemeente graph.

    Parameters
    ----------
    wijk_units : DataFrame
        Indexed by wijk code, with a ``gemeente`` column (GM code).
    wijk_adjacency : DataFrame
        ``from_code``, ``to_code`` (wijk codes).
    wijk_links : DataFrame or None
        Links between wijken (``from_code``, ``to_code``), e.g. :attr:`WijkMap.links`.
    gemeente_graph : networkx.Graph
        The gemeente graph with its links, e.g. ``build_graph(gemeenten, links=...)``;
        node attribute ``name`` is used in the labels.

    Returns
    -------
    AdjacencyCheck

    Raises
    ------
    ColumnError
        ``wijk_units`` has no ``gemeente`` column.

    Examples
    --------
    >>> import networkx as nx
    >>> units = pd.DataFrame({"gemeente": ["G1", "G1", "G2", "G3"]}, index=["a", "b", "c", "d"])
    >>> adj = pd.DataFrame({"from_code": ["a", "b"], "to_code": ["c", "d"]})
    >>> check = check_against_gemeenten(units, adj, None, nx.Graph([("G1", "G2")]))
    >>> check.missing, check.extra, check.disconnected
    ((), ('G1 (G1) – G3 (G3)',), ('G1',))
    """
    if "gemeente" not in wijk_units.columns:
        raise ColumnError(
            f"wijk units need a 'gemeente' column (GM code of each wijk); got "
            f"{listing(wijk_units.columns)}"
        )
    parent = wijk_units["gemeente"].astype(str)
    frames = [wijk_adjacency[["from_code", "to_code"]]]
    if wijk_links is not None and len(wijk_links):
        frames.append(wijk_links[["from_code", "to_code"]])
    pairs = pd.concat(frames, ignore_index=True)
    a = parent.reindex(pairs["from_code"].astype(str)).to_numpy()
    b = parent.reindex(pairs["to_code"].astype(str)).to_numpy()
    cross = a != b
    found = {tuple(sorted(p)) for p in zip(a[cross], b[cross], strict=True)}
    wanted = {tuple(sorted(map(str, e))) for e in gemeente_graph.edges()}
    names = nx.get_node_attributes(gemeente_graph, "name")

    def label(pair: tuple[str, str]) -> str:
        return " – ".join(f"{names.get(c, c)} ({c})" for c in pair)

    inner = nx.Graph()
    inner.add_nodes_from(parent.index)
    inner.add_edges_from(pairs.loc[~cross, ["from_code", "to_code"]].astype(str).to_numpy())
    pieces = {}
    for gm, codes in parent.groupby(parent):
        comps = list(nx.connected_components(inner.subgraph(codes.index)))
        if len(comps) > 1:
            comps = sorted((tuple(sorted(c)) for c in comps), key=lambda c: (-len(c), c[0]))
            pieces[str(gm)] = tuple(comps)
    return AdjacencyCheck(
        missing=tuple(label(p) for p in sorted(wanted - found)),
        extra=tuple(label(p) for p in sorted(found - wanted)),
        disconnected=tuple(sorted(pieces)),
        pieces=pieces,
        n_gemeente_pairs=len(wanted),
    )


@dataclasses.dataclass(frozen=True)
class WijkReport:
    """What :func:`read_cbs_wijken` read, dropped, repaired and checked.

    Attributes
    ----------
    source : str
        File name read.
    n_read : int
        Features in the file (3,475).
    dropped : tuple of (code, name, reason)
        ``GM0998`` *Buitenland* and the *Groot water* wijken.
    repaired : tuple of (code, name, reason)
        Invalid polygons repaired with :func:`shapely.make_valid`.
    share_estimated : tuple of str
        Wijken without CBS age shares (small populations); their ``children_0_15_est``
        uses the population-weighted share of their gemeente.
    fit : FitReport
        Area clipped, gaps filled and overlaps resolved in fitting to the gemeenten.
    tolerance : float
        Contact distance (m) of the adjacency.
    check : AdjacencyCheck
        The comparison with the gemeente graph.
    seconds : float
        Time to build (not counting a cache hit).
    from_cache : bool
        Whether this map came from the cache.
    """

    source: str
    n_read: int
    dropped: tuple[tuple[str, str, str], ...]
    repaired: tuple[tuple[str, str, str], ...]
    share_estimated: tuple[str, ...]
    fit: FitReport
    tolerance: float
    check: AdjacencyCheck
    seconds: float
    from_cache: bool = False

    def summary(self) -> str:
        """A readable report of several lines."""
        water = sum(1 for d in self.dropped if d[2] == "Groot water")
        f = self.fit
        lines = [
            f"{self.source}: {self.n_read} features read, {len(self.dropped)} dropped "
            f"({water} Groot water, {len(self.dropped) - water} other)",
            f"repaired {len(self.repaired)} invalid polygons: "
            + "; ".join(f"{c} {n} ({r.split('[')[0]})" for c, n, r in self.repaired),
            f"fitted to the gemeenten: {f.outside_km2:.1f} km² outside the own gemeente "
            f"clipped, {f.overlap_km2:.1f} km² overlap between wijken resolved, "
            f"{f.gap_pieces} gaps ({f.gaps_km2:.1f} km²) filled",
            f"age shares estimated from the gemeente for {len(self.share_estimated)} wijken",
            f"adjacency tolerance {self.tolerance:g} m; {self.check.summary()}",
        ]
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True, eq=False)
class WijkMap:
    """The wijken as units, with their adjacency, links and a report.

    Attributes
    ----------
    units : GeoDataFrame
        Indexed by wijk code (``"code"``): ``name``, ``gemeente`` (GM code 2024),
        ``gemeente_name``, ``population`` (int), ``children_0_15_est`` (population ×
        CBS share aged 0–15 / 100: an estimate, the shares are rounded percentages),
        ``geometry`` (EPSG:28992, fitted to the gemeente polygons).
    adjacency : DataFrame
        ``from_code``, ``to_code``, ``length`` (shared border, m).
    links : DataFrame
        The gemeente water links carried down to wijk pairs: ``from_code``, ``to_code``,
        ``kind``, ``name``, ``from_parent``, ``to_parent``, ``distance`` (m).
    report : WijkReport
    """

    units: gpd.GeoDataFrame
    adjacency: pd.DataFrame
    links: pd.DataFrame
    report: WijkReport

    def landscape(
        self,
        layers: Sequence[Layer] | Mapping[str, Layer] = (),
        *,
        name: str = WIJKEN_NAME,
        credit: str = WIJKEN_CREDIT,
    ) -> Landscape:
        """The wijken as a :class:`~rato_opt.landscape.coverage.Landscape`.

        The landscape carries the explicit adjacency and the links, so its unit graph
        (:func:`rato_opt.landscape.graph.graph_from_landscape`) does not depend on the
        simplified geometry.

        Examples
        --------
        >>> land = read_cbs_wijken().landscape()  # doctest: +SKIP
        >>> len(land.units)  # doctest: +SKIP
        3393
        """
        return Landscape(
            self.units, layers, links=self.links[["from_code", "to_code", "kind", "name"]],
            name=name, credit=credit, adjacency=self.adjacency,
        )


def read_cbs_wijken(
    path: str | os.PathLike[str] | None = None,
    *,
    cache: bool = True,
    tolerance: float = 2.0,
) -> WijkMap:
    """Read the CBS wijken of 2024 with a trustworthy adjacency.

    Parameters
    ----------
    path : path-like, optional
        The real-data directory (:func:`rato_opt.sources.data.data_dir`); it must hold
        :data:`WIJKEN_FILE` and the gemeente and links files of
        :data:`rato_opt.sources.nl2024.FILES`.
    cache : bool, default True
        Keep the result under ``cache_dir()/"wijken"``, keyed by the sha256 of the three
        input files, ``tolerance`` and a format version; a stale or unreadable cache
        file is rebuilt.
    tolerance : float, default 2.0
        Contact distance in metres (2 m matches the gemeente graph of ``build_graph``).

    Returns
    -------
    WijkMap
        3,393 wijken on the real data (3,475 read; ``GM0998`` and 81 *Groot water* dropped).

    Raises
    ------
    DataNotFoundError
        A file is missing.
    ColumnError
        The wijken file lacks a column.
    GeometryError
        A wijk has no area left inside its gemeente polygon.

    Notes
    -----
    First build about 15–25 s on two cores, a cache hit well under a second.

    Examples
    --------
    >>> wijken = read_cbs_wijken()  # doctest: +SKIP
    >>> wijken.report.check.ok, len(wijken.units)  # doctest: +SKIP
    (True, 3393)
    """
    files = [data_file(WIJKEN_FILE, path), data_file(FILES["gemeenten"], path),
             data_file(FILES["links"], path)]
    digest = hashlib.sha256()
    for f in files:
        digest.update(hashlib.sha256(f.read_bytes()).digest())
    key = f"v{_FORMAT_VERSION}-{digest.hexdigest()}-{float(tolerance)!r}"
    target = cache_dir() / "wijken" / f"wijken_{hashlib.sha256(key.encode()).hexdigest()[:24]}.pkl"
    if cache:
        hit = _load_cache(target, key)
        if hit is not None:
            return hit
    result = _build(*files, tolerance=float(tolerance))
    if cache:
        _save_cache(target, key, result)
    return result


def _load_cache(target: Path, key: str) -> WijkMap | None:
    try:
        with open(target, "rb") as fh:
            stored = pickle.load(fh)
        if not isinstance(stored, dict) or stored.get("key") != key:
            return None
        result = stored["map"]
        if not isinstance(result, WijkMap):
            return None
    except Exception:
        return None
    report = dataclasses.replace(result.report, from_cache=True)
    return dataclasses.replace(result, report=report)


def _save_cache(target: Path, key: str, result: WijkMap) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"key": key, "map": result}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except OSError:  # a read-only cache is no reason to fail
        return


def _build(wijk_file: Path, gemeente_file: Path, links_file: Path, *, tolerance: float) -> WijkMap:
    start = time.perf_counter()
    raw = pyogrio.read_dataframe(wijk_file)
    if raw.crs is None:  # RFC 7946 GeoJSON
        raw = raw.set_crs("EPSG:4326")
    missing = [c for c in _COLUMNS if c not in raw.columns]
    if missing:
        raise ColumnError(
            f"{wijk_file.name}: missing column(s) {missing}; got {listing(raw.columns, 30)}"
        )
    n_read = len(raw)
    raw = raw.to_crs("EPSG:28992")
    code = raw["wijkcode"].astype(str).str.strip().to_numpy()
    gemeente = raw["gemeentecode"].astype(str).str.strip().to_numpy()
    population = pd.to_numeric(raw["aantal_inwoners"], errors="coerce")
    foreign = gemeente == "GM0998"
    water = (raw["wijknaam"].astype(str).str.strip().str.lower() == _WATER_NAME).to_numpy() & (
        population.isna() | (population == 0)).to_numpy()
    drop = foreign | water
    dropped = tuple(
        (str(c), str(n), "Buitenland" if f else "Groot water")
        for c, n, f in zip(code[drop], raw["wijknaam"][drop], foreign[drop], strict=True)
    )
    raw, code, gemeente = raw.loc[~drop].reset_index(drop=True), code[~drop], gemeente[~drop]
    names = raw["wijknaam"].astype(str).to_numpy()

    geoms, repaired = repair_polygons(raw.geometry.to_numpy(), code)
    name_of = dict(zip(code, names, strict=True))
    repaired = tuple((c, name_of[c], r) for c, r in repaired)
    gemeenten = read_cbs_gemeenten(gemeente_file)
    fitted, fit = fit_to_parents(geoms, gemeente, gemeenten.geometry)
    empty = code[np.asarray([g.is_empty for g in fitted])]
    if len(empty):
        raise GeometryError(
            f"wijken with no area inside their gemeente polygon: {listing(empty)}; the wijken "
            f"file and {gemeente_file.name} do not match"
        )

    pop = pd.to_numeric(raw["aantal_inwoners"], errors="coerce").fillna(0).round()
    share = pd.to_numeric(raw["0_15"], errors="coerce")
    weighted = (pop * share).groupby(gemeente).sum() / pop.where(share.notna()).groupby(
        gemeente).sum()
    estimated = share.isna() & (pop > 0)
    share = share.fillna(pd.Series(gemeente).map(weighted)).fillna(0)
    frame = gpd.GeoDataFrame(
        {"code": code, "name": names, "population": pop.astype("int64"),
         "children_0_15_est": (pop * share / 100).round(1)},
        geometry=list(fitted), crs="EPSG:28992",
    )
    units = validate_units(frame, code="code", weights=["population", "children_0_15_est"])
    parent = pd.Series(gemeente, index=code)
    units.insert(1, "gemeente", parent.reindex(units.index).to_numpy())
    units.insert(2, "gemeente_name", units["gemeente"].map(gemeenten["name"]).to_numpy())

    geo = units.geometry.to_numpy()
    adjacency = adjacency_table(units.index.to_numpy(), geo, tolerance)
    water_links = read_water_links(links_file, gemeenten)
    harbours = {g: w for g, w in HARBOURS_2024.items()
                if w in units.index and units.at[w, "gemeente"] == g}
    links = closest_pairs(water_links, units.index.to_numpy(), units["gemeente"].to_numpy(), geo,
                          fixed=harbours)
    graph = build_graph(gemeenten, links=water_links)
    check = check_against_gemeenten(units, adjacency, links, graph)
    report = WijkReport(
        source=wijk_file.name, n_read=n_read, dropped=dropped, repaired=repaired,
        share_estimated=tuple(sorted(code[estimated.to_numpy()])), fit=fit,
        tolerance=tolerance, check=check, seconds=round(time.perf_counter() - start, 2),
    )
    return WijkMap(units=units, adjacency=adjacency, links=links, report=report)
