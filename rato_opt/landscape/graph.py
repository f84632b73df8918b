"""The unit adjacency graph.

Contiguity comes from libpysal (``Graph.build_fuzzy_contiguity``, which treats
polygons within ``tolerance`` metres as neighbours, robust to generalised
boundaries that do not share vertices exactly). Shared border lengths come from
vectorised shapely. Explicit links (ferries, tunnels) join units that touch
nothing.

The result is a :class:`networkx.Graph` whose nodes are unit codes; each edge
has ``kind`` (``"border"`` or the link kind, e.g. ``"ferry"``), ``length``
(shared border in metres; 0 for links and corner contacts) and ``name``.
"""

from __future__ import annotations

import warnings
import weakref
from typing import Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from ..exceptions import DisconnectedError, GraphError
from .coverage import Landscape, validate_links

__all__ = [
    "build_graph",
    "graph_from_landscape",
    "graph_from_adjacency",
    "components",
    "describe_components",
    "check_connected",
]


def build_graph(
    units: gpd.GeoDataFrame,
    *,
    contiguity: Literal["queen", "rook"] = "queen",
    links: pd.DataFrame | None = None,
    tolerance: float = 1.0,
    min_border: float | None = None,
) -> nx.Graph:
    """Build the adjacency graph of the units.

    Parameters
    ----------
    units : GeoDataFrame
        A validated unit table in a projected CRS (metres).
    contiguity : {"queen", "rook"}, default "queen"
        ``"queen"``: units whose boundaries come within ``tolerance`` of each
        other. ``"rook"``: only those sharing a border longer than
        ``min_border``.
    links : DataFrame, optional
        Extra links (``from_code``, ``to_code``, ``kind``, ``name``), e.g. the
        ferry and tunnel links of ``water_links_2024.csv``.
    tolerance : float, default 1.0
        Snapping distance in CRS units for neighbouring polygons.
    min_border : float, optional
        Minimum shared border length for rook contiguity; defaults to
        ``5 * tolerance`` (a corner contact measures up to about ``2 * tolerance``).

    Returns
    -------
    networkx.Graph
        Nodes are unit codes (with a ``name`` attribute), in unit order.

    Notes
    -----
    Neighbour search is an STRtree query, O(n log n); border lengths cost one
    buffered intersection per edge.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape.units import validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)], crs="EPSG:28992"),
    ...     code="code")
    >>> sorted(build_graph(u, tolerance=0.01).edges())
    [('A', 'B'), ('B', 'C')]
    >>> sorted(build_graph(u, contiguity="rook", tolerance=0.01).edges())
    [('A', 'B')]
    """
    if contiguity not in ("queen", "rook"):
        raise GraphError(f"contiguity must be 'queen' or 'rook', got {contiguity!r}")
    if units.crs is not None and units.crs.is_geographic:
        raise GraphError(
            f"units are in a geographic CRS ({units.crs.to_string()}); tolerance and border "
            "lengths need metres: reproject with .to_crs('EPSG:28992')"
        )
    codes = units.index.astype(str).to_numpy()
    graph = nx.Graph()
    for code, name in zip(codes, units["name"] if "name" in units else codes, strict=True):
        graph.add_node(code, name=str(name))
    if len(units) > 1:
        from libpysal.graph import Graph as PysalGraph

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pg = PysalGraph.build_fuzzy_contiguity(
                units.geometry.set_axis(pd.Index(codes)), buffer=tolerance
            )
        adj = pg.adjacency.reset_index()
        adj.columns = ["focal", "neighbor", "weight"]
        adj = adj[(adj["focal"] != adj["neighbor"]) & (adj["weight"] > 0)]
        adj = adj[adj["focal"] < adj["neighbor"]]
        pos = pd.Series(np.arange(len(codes)), index=codes)
        geoms = units.geometry.to_numpy()
        i = pos[adj["focal"].to_numpy()].to_numpy()
        j = pos[adj["neighbor"].to_numpy()].to_numpy()
        boundaries = shapely.boundary(geoms)
        lengths = shapely.length(
            shapely.intersection(boundaries[i], shapely.buffer(boundaries[j], tolerance))
        )
        threshold = 5 * tolerance if min_border is None else min_border
        for a, b, length in zip(codes[i], codes[j], lengths, strict=True):
            if contiguity == "rook" and length <= threshold:
                continue
            graph.add_edge(a, b, kind="border", length=float(length), name="")
    _add_links(graph, links, codes)
    return graph


def graph_from_adjacency(
    units: gpd.GeoDataFrame,
    adjacency: pd.DataFrame,
    *,
    contiguity: Literal["queen", "rook"] = "queen",
    links: pd.DataFrame | None = None,
    min_border: float = 5.0,
) -> nx.Graph:
    """Build the unit graph from an explicit adjacency table instead of the geometry.

    Parameters
    ----------
    units : GeoDataFrame
        The unit table (gives the nodes, in unit order, and their names).
    adjacency : DataFrame
        Columns ``from_code``, ``to_code``, ``length`` (see
        :func:`rato_opt.landscape.coverage.validate_adjacency`).
    contiguity : {"queen", "rook"}, default "queen"
        ``"rook"`` keeps only pairs sharing more than ``min_border`` metres.
    links : DataFrame, optional
        Extra links, as in :func:`build_graph`.
    min_border : float, default 5.0
        Shortest shared border of a rook neighbour, in metres.

    Returns
    -------
    networkx.Graph
        Same attributes as :func:`build_graph`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape.units import validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(0, 0, 1, 1), box(3, 0, 4, 1), box(6, 0, 7, 1)], crs="EPSG:28992"),
    ...     code="code")
    >>> adj = pd.DataFrame({"from_code": ["A", "B"], "to_code": ["B", "C"], "length": [80, 2]})
    >>> sorted(graph_from_adjacency(u, adj).edges())
    [('A', 'B'), ('B', 'C')]
    >>> sorted(graph_from_adjacency(u, adj, contiguity="rook").edges())
    [('A', 'B')]
    """
    if contiguity not in ("queen", "rook"):
        raise GraphError(f"contiguity must be 'queen' or 'rook', got {contiguity!r}")
    codes = units.index.astype(str).to_numpy()
    graph = nx.Graph()
    for code, name in zip(codes, units["name"] if "name" in units else codes, strict=True):
        graph.add_node(code, name=str(name))
    rows = adjacency
    if contiguity == "rook":
        rows = rows[rows["length"].to_numpy(dtype=float) > min_border]
    graph.add_edges_from(
        (a, b, {"kind": "border", "length": float(length), "name": ""})
        for a, b, length in zip(rows["from_code"], rows["to_code"], rows["length"], strict=True)
    )
    _add_links(graph, links, codes)
    return graph


def _add_links(graph: nx.Graph, links: pd.DataFrame | None, codes: np.ndarray) -> None:
    for row in validate_links(links, pd.Index(codes)).itertuples(index=False):
        if graph.has_edge(row.from_code, row.to_code):
            graph.edges[row.from_code, row.to_code]["kind"] = row.kind
            graph.edges[row.from_code, row.to_code]["name"] = row.name
        else:
            graph.add_edge(row.from_code, row.to_code, kind=row.kind, length=0.0, name=row.name)


#: Graphs already built, per landscape object (landscapes are frozen).
_GRAPHS: weakref.WeakKeyDictionary[Landscape, dict[tuple, nx.Graph]] = (
    weakref.WeakKeyDictionary()
)


def graph_from_landscape(
    landscape: Landscape,
    *,
    contiguity: Literal["queen", "rook"] = "queen",
    tolerance: float = 1.0,
) -> nx.Graph:
    """Build the unit graph of a landscape, with its declared links.

    The graph comes from the landscape's explicit ``adjacency`` table when it has
    one (:func:`graph_from_adjacency`), else from the geometry (:func:`build_graph`;
    see there for ``contiguity`` and ``tolerance``). It is built once per landscape
    object and argument pair; every call returns a fresh copy, which the caller may
    change.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape import Landscape, validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 0, 6, 1)], crs="EPSG:28992"),
    ...     code="code")
    >>> links = pd.DataFrame({"from_code": ["B"], "to_code": ["C"], "kind": ["ferry"]})
    >>> sorted(graph_from_landscape(Landscape(units, [], links=links), tolerance=0.01).edges())
    [('A', 'B'), ('B', 'C')]
    """
    key = (contiguity, float(tolerance))
    built = _GRAPHS.setdefault(landscape, {})
    if key not in built:
        if landscape.adjacency is not None:
            built[key] = graph_from_adjacency(
                landscape.units, landscape.adjacency, contiguity=contiguity,
                links=landscape.links, min_border=5 * tolerance,
            )
        else:
            built[key] = build_graph(
                landscape.units, contiguity=contiguity, links=landscape.links,
                tolerance=tolerance,
            )
    return built[key].copy()


def components(graph: nx.Graph) -> list[list[str]]:
    """Connected components as sorted code lists, largest first (ties by first code).

    Examples
    --------
    >>> import networkx as nx
    >>> components(nx.Graph([("a", "b"), ("c", "d"), ("d", "e")]))
    [['c', 'd', 'e'], ['a', 'b']]
    """
    comps = [sorted(c) for c in nx.connected_components(graph)]
    return sorted(comps, key=lambda c: (-len(c), c[0]))


def describe_components(
    graph: nx.Graph, comps: list[list[str]], *, most: int | None = None
) -> str:
    """Describe components for a message: ``"name (code)+name (code); ..."``.

    Parameters
    ----------
    graph : networkx.Graph
        The unit graph; a node's ``name`` attribute is used when it has one.
    comps : list of list of str
        Components as code lists, e.g. from :func:`components`.
    most : int, optional
        Describe only the first ``most`` components (all when None).

    Returns
    -------
    str
        Components separated by ``"; "``, their units by ``"+"``.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.Graph([("a", "b"), ("c", "d")])
    >>> g.nodes["a"]["name"] = "Aa"
    >>> describe_components(g, components(g))
    'Aa (a)+b (b); c (c)+d (d)'
    >>> describe_components(g, components(g), most=1)
    'Aa (a)+b (b)'
    """
    names = nx.get_node_attributes(graph, "name")
    return "; ".join("+".join(f"{names.get(c, c)} ({c})" for c in comp) for comp in comps[:most])


def check_connected(graph: nx.Graph, *, allow_islands: bool = False) -> list[list[str]]:
    """Raise (or warn) when the unit graph is not connected.

    Parameters
    ----------
    graph : networkx.Graph
        The unit graph.
    allow_islands : bool, default False
        When True, warn instead of raising; the caller then treats each
        component separately (e.g. as its own region).

    Returns
    -------
    list of list of str
        The components other than the largest (empty when connected).

    Raises
    ------
    DisconnectedError
        Naming every unit of every component that no link reaches.

    Examples
    --------
    >>> import networkx as nx
    >>> graph = nx.Graph([("a", "b")])
    >>> check_connected(graph)
    []
    >>> graph.add_node("c")
    >>> check_connected(graph)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.DisconnectedError: the unit graph has 2 components; these touch no ...
    """
    comps = components(graph)
    rest = comps[1:]
    if rest:
        described = describe_components(graph, rest, most=12)
        message = (
            f"the unit graph has {len(comps)} components; these touch no other unit: {described}"
            f"{' ...' if len(rest) > 12 else ''}. Add links (ferries, tunnels) joining them, "
            "e.g. links=read_water_links(...), or allow them as their own region "
            "(allow_islands=True)"
        )
        if not allow_islands:
            raise DisconnectedError(message, rest)
        warnings.warn(message, stacklevel=2)
    return rest




