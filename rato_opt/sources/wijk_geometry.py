"""Geometry repair for fine units (wijken) whose polygons were simplified one by one.

The CBS wijken file of 2024 (``cbs_wijken_2024_kerncijfers.geojson``) was simplified
feature by feature: neighbouring wijken overlap, leave gaps and slivers, and some
polygons are invalid. The functions here turn such polygons into a clean coverage
that fits a parent map (the gemeenten) exactly, and read the adjacency off it:

- :func:`repair_polygons` — :func:`shapely.make_valid`, keeping the polygonal part;
- :func:`fit_to_parents` — clip every unit to its parent polygon, give every gap of
  the parent to the unit of that parent it shares the most with, then
  :func:`shapely.coverage_clean` (overlaps resolved, shared edges made identical);
- :func:`adjacency_table` — pairs of units within ``tolerance`` metres, with the
  length of their shared border;
- :func:`closest_pairs` — for links between parents (ferries, a tunnel), the two
  units of the two parents that lie closest to each other.

Because the fitted units of a parent tile its polygon, two units of different parents
touch exactly where their parents touch: the contracted unit graph equals the parent
graph built with the same tolerance (see :func:`rato_opt.sources.wijken.check_against_gemeenten`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import shapely

from ..exceptions import GeometryError

__all__ = [
    "FitReport",
    "polygonal",
    "repair_polygons",
    "fit_to_parents",
    "adjacency_table",
    "closest_pairs",
]


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Return the polygonal part of a geometry (empty polygon when it has none).

    Examples
    --------
    >>> from shapely import GeometryCollection, LineString, box
    >>> polygonal(GeometryCollection([box(0, 0, 1, 1), LineString([(1, 1), (2, 2)])])).wkt
    'POLYGON ((1 0, 1 1, 0 1, 0 0, 1 0))'
    """
    if geom is None:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = shapely.get_parts(geom)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6, 7))]
    parts = [polygonal(p) if p.geom_type == "GeometryCollection" else p for p in parts]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def repair_polygons(
    geoms: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Repair invalid polygons with :func:`shapely.make_valid`, keeping the polygonal part.

    Parameters
    ----------
    geoms : array of shapely geometries
    codes : array of str
        The unit codes, for the report.

    Returns
    -------
    geoms : array
        A copy with every invalid geometry repaired.
    repaired : list of (code, reason)
        What was wrong, as :func:`shapely.is_valid_reason` says.

    Examples
    --------
    >>> from shapely import Polygon
    >>> bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    >>> fixed, report = repair_polygons(np.array([bowtie]), np.array(["A"]))
    >>> fixed[0].geom_type, round(fixed[0].area, 1), report[0][0]
    ('MultiPolygon', 2.0, 'A')
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    bad = np.flatnonzero(~shapely.is_valid(geoms))
    reasons = shapely.is_valid_reason(geoms[bad]) if len(bad) else []
    for k, fixed in zip(bad, shapely.make_valid(geoms[bad]), strict=True):
        geoms[k] = polygonal(fixed)
    return geoms, [(str(codes[k]), str(r)) for k, r in zip(bad, reasons, strict=True)]


@dataclasses.dataclass(frozen=True)
class FitReport:
    """What :func:`fit_to_parents` changed (areas in km²).

    Attributes
    ----------
    outside_km2 : float
        Area of the units outside their own parent polygon, clipped off (overlaps
        across parent borders and water the parent map leaves out).
    gaps_km2 : float
        Area of the parents covered by none of their units, given to a unit.
    gap_pieces : int
        Number of gap pieces (slivers and holes) filled.
    overlap_km2 : float
        Area where units of the same parent overlapped, resolved by
        :func:`shapely.coverage_clean`.
    """

    outside_km2: float
    gaps_km2: float
    gap_pieces: int
    overlap_km2: float


def fit_to_parents(
    geoms: np.ndarray, parents: np.ndarray, parent_geoms: pd.Series
) -> tuple[np.ndarray, FitReport]:
    """Fit units to their parent polygons: clip, fill gaps, clean the coverage.

    Parameters
    ----------
    geoms : array of (valid) polygons
        The units, in a projected CRS.
    parents : array of str
        Each unit's parent code (e.g. its gemeente).
    parent_geoms : Series of polygons
        Parent polygons indexed by parent code (a coverage, e.g. the CBS
        ``gemeente_gegeneraliseerd`` map), in the same CRS.

    Returns
    -------
    geoms : array
        The fitted units: inside their parent, together covering it, overlap-free
        and edge-matched.
    report : FitReport

    Raises
    ------
    GeometryError
        A unit's parent has no polygon.

    Notes
    -----
    Every piece of ``parent - union(units of that parent)`` goes to the unit of the
    same parent it shares the longest border with (measured as the area of the
    piece buffered by 1 m inside the unit), or the nearest one when it touches none.

    Examples
    --------
    >>> from shapely import box
    >>> units = np.array([box(0, 0, 1.2, 1), box(1, 0, 2, 0.9)])   # overlap and a gap
    >>> fitted, rep = fit_to_parents(units, np.array(["P", "P"]), pd.Series({"P": box(0, 0, 2, 1)}))
    >>> round(sum(g.area for g in fitted), 6), rep.gap_pieces
    (2.0, 1)
    """
    geoms = np.asarray(geoms, dtype=object)
    parents = np.asarray(parents).astype(str)
    missing = pd.Index(np.unique(parents)).difference(parent_geoms.index)
    if len(missing):
        raise GeometryError(
            f"units refer to parents with no polygon: {', '.join(missing[:10])}; "
            "give a polygon for every parent code"
        )
    own = parent_geoms.reindex(parents).to_numpy()
    before = shapely.area(geoms).sum()
    clipped = shapely.intersection(geoms, own)
    clipped = np.array([polygonal(g) for g in clipped], dtype=object)
    outside = before - shapely.area(clipped).sum()

    order = np.argsort(parents, kind="stable")
    codes, starts = np.unique(parents[order], return_index=True)
    groups = np.split(order, starts[1:])
    unions = np.array([shapely.union_all(clipped[g]) for g in groups], dtype=object)
    overlap = shapely.area(clipped).sum() - shapely.area(unions).sum()
    gaps = shapely.difference(parent_geoms.reindex(codes).to_numpy(), unions)
    pieces, which = shapely.get_parts(gaps, return_index=True)
    keep = shapely.area(pieces) > 0
    pieces, piece_parent = pieces[keep], codes[which[keep]]

    fitted = clipped.copy()
    if len(pieces):
        tree = shapely.STRtree(clipped)
        pi, ui = tree.query(pieces, predicate="dwithin", distance=0.01)
        same = piece_parent[pi] == parents[ui]
        pi, ui = pi[same], ui[same]
        score = np.ones(len(pi))
        several = np.bincount(pi, minlength=len(pieces))[pi] > 1
        score[several] = shapely.area(
            shapely.intersection(shapely.buffer(pieces[pi[several]], 1.0, quad_segs=2),
                                 clipped[ui[several]])
        )
        best = pd.DataFrame({"p": pi, "u": ui, "s": score}).sort_values(
            ["s", "u"], ascending=[False, True]).drop_duplicates("p")
        assign = np.full(len(pieces), -1)
        assign[best["p"].to_numpy()] = best["u"].to_numpy()
        for p in np.flatnonzero(assign < 0):
            candidates = np.flatnonzero(parents == piece_parent[p])
            assign[p] = candidates[np.argmin(shapely.distance(clipped[candidates], pieces[p]))]
        for unit, members in pd.Series(np.arange(len(pieces))).groupby(assign):
            fitted[unit] = shapely.union_all(
                np.concatenate([[clipped[unit]], pieces[members.to_numpy()]]))
    fitted = np.asarray(shapely.coverage_clean(fitted), dtype=object)
    report = FitReport(
        outside_km2=float(outside) / 1e6,
        gaps_km2=float(shapely.area(pieces).sum()) / 1e6,
        gap_pieces=int(len(pieces)),
        overlap_km2=float(overlap) / 1e6,
    )
    return fitted, report


def adjacency_table(
    codes: np.ndarray, geoms: np.ndarray, tolerance: float
) -> pd.DataFrame:
    """Pairs of units whose polygons come within ``tolerance``, with their shared border.

    Parameters
    ----------
    codes : array of str
    geoms : array of polygons (projected CRS, metres)
    tolerance : float
        Distance (m) within which two polygons are neighbours; corner contacts count
        (queen contiguity), with length about ``tolerance`` or less.

    Returns
    -------
    DataFrame
        Columns ``from_code``, ``to_code`` (``from_code < to_code``) and ``length``:
        the length (m) of the boundary of ``from_code`` within ``tolerance`` of the
        boundary of ``to_code``.

    Examples
    --------
    >>> from shapely import box
    >>> t = adjacency_table(np.array(["A", "B", "C"]),
    ...     np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)]), 0.01)
    >>> t[["from_code", "to_code"]].values.tolist(), round(float(t["length"].iloc[0]), 2)
    ([['A', 'B']], 1.02)
    """
    codes = np.asarray(codes).astype(str)
    geoms = np.asarray(geoms, dtype=object)
    if tolerance < 0:
        raise GeometryError(f"tolerance must be >= 0 metres, got {tolerance}")
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="dwithin", distance=tolerance)
    keep = (i != j) & ~shapely.is_empty(geoms[i])
    i, j = i[keep], j[keep]
    swap = codes[i] > codes[j]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    pairs = pd.DataFrame({"i": i, "j": j}).drop_duplicates()
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    boundaries = shapely.boundary(geoms)
    width = max(tolerance, 1e-6)
    lengths = shapely.length(
        shapely.intersection(boundaries[i], shapely.buffer(boundaries[j], width, quad_segs=2)))
    out = pd.DataFrame({"from_code": codes[i], "to_code": codes[j],
                        "length": np.round(lengths.astype(float), 3)})
    return out.sort_values(["from_code", "to_code"], ignore_index=True)


def closest_pairs(
    links: pd.DataFrame,
    codes: np.ndarray,
    parents: np.ndarray,
    geoms: np.ndarray,
    *,
    fixed: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Carry links between parents down to units: the closest unit of each side.

    The closest pair is usually the harbour pair (the ferry leaves where the
    coasts are nearest), but not always; ``fixed`` names the unit of a parent where
    its links land, and the other side is then the unit closest to that one.

    Parameters
    ----------
    links : DataFrame
        ``from_code``, ``to_code`` (parent codes), ``kind``, ``name``.
    codes, parents, geoms : arrays
        The units, their parent codes and polygons.
    fixed : dict of str to str, optional
        Parent code -> unit code where every link of that parent lands.

    Returns
    -------
    DataFrame
        ``from_code``, ``to_code`` (unit codes), ``kind``, ``name``,
        ``from_parent``, ``to_parent`` and ``distance`` (m between the two units).

    Raises
    ------
    GeometryError
        A parent of a link has no unit.

    Examples
    --------
    >>> from shapely import box
    >>> links = pd.DataFrame({"from_code": ["P"], "to_code": ["Q"], "kind": ["ferry"],
    ...                       "name": ["P-Q"]})
    >>> geoms = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 0, 6, 1)])
    >>> closest_pairs(links, np.array(["a", "b", "c"]), np.array(["P", "P", "Q"]), geoms)[
    ...     ["from_code", "to_code", "distance"]].values.tolist()
    [['b', 'c', 3.0]]
    >>> closest_pairs(links, np.array(["a", "b", "c"]), np.array(["P", "P", "Q"]), geoms,
    ...               fixed={"P": "a"})[["from_code", "to_code", "distance"]].values.tolist()
    [['a', 'c', 4.0]]
    """
    codes = np.asarray(codes).astype(str)
    parents = np.asarray(parents).astype(str)
    rows = []
    for link in links.itertuples(index=False):
        a = np.flatnonzero(parents == link.from_code)
        b = np.flatnonzero(parents == link.to_code)
        if not len(a) or not len(b):
            raise GeometryError(
                f"link {link.name!r} joins {link.from_code} and {link.to_code}, but "
                f"{link.from_code if not len(a) else link.to_code} has no unit"
            )
        for side, parent in ((0, link.from_code), (1, link.to_code)):
            unit = (fixed or {}).get(parent)
            if unit is not None:
                hit = np.flatnonzero((codes == unit) & (parents == parent))
                if not len(hit):
                    raise GeometryError(
                        f"fixed unit {unit!r} of {parent} is not a unit of {parent}")
                a, b = (hit, b) if side == 0 else (a, hit)
        dist = shapely.distance(geoms[a][:, None], geoms[b][None, :])
        x, y = np.unravel_index(np.argmin(dist), dist.shape)
        rows.append({
            "from_code": codes[a[x]], "to_code": codes[b[y]], "kind": link.kind,
            "name": link.name, "from_parent": link.from_code, "to_parent": link.to_code,
            "distance": round(float(dist[x, y]), 1),
        })
    columns = ["from_code", "to_code", "kind", "name", "from_parent", "to_parent", "distance"]
    return pd.DataFrame(rows, columns=columns)
