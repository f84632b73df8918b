"""Map colouring: distinct colours for neighbouring regions, on the optimiser's unit graph.

A *plan* (an assignment) is a :class:`pandas.Series` mapping unit code → region id. Its
regions are neighbours when two of their units are neighbours in the unit graph, the same
graph the optimiser uses (:func:`unit_graph`: for a :class:`~rato_opt.landscape.Landscape`
:func:`~rato_opt.landscape.graph.graph_from_landscape`, with its links such as ferries; for
a bare unit table :func:`~rato_opt.landscape.graph.build_graph`, which knows no links).
:func:`region_colours` gives every region a colour from a qualitative palette such that no
two neighbouring regions share one; with ``prefer=`` and
:func:`rato_opt.maps.matching.match_regions`, maps of different plans show "the same"
region in the same colour.

Nothing here needs matplotlib; colours are hex strings.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from .._util import listing
from ..exceptions import InputError, UnitCodeError
from ..landscape import Landscape, build_graph, graph_from_landscape

__all__ = [
    "PALETTE",
    "unit_graph",
    "region_graph",
    "colour_graph",
    "region_colours",
    "check_assignment",
]

#: Qualitative palette for region maps: Paul Tol's "light" scheme (designed for maps with
#: black labels, distinguishable with colour-blindness), with its pale grey replaced by a
#: lavender so that no region looks "empty", and its olive (too close to pear) by a taupe.
#: Nine colours.
PALETTE: tuple[str, ...] = (
    "#77AADD",  # light blue
    "#EE8866",  # orange
    "#BBCC33",  # pear
    "#FFAABB",  # pink
    "#99DDFF",  # light cyan
    "#EEDD88",  # light yellow
    "#44BB99",  # mint
    "#CCB3E6",  # lavender
    "#AA9988",  # taupe
)

#: Extra colours used (in this order) only when a graph needs more colours than the palette has.
_EXTRA = (
    "#E7969C", "#9EDAE5", "#C49C94", "#DBDB8D", "#F7B6D2", "#C5B0D5", "#FFBB78", "#98DF8A",
    "#AEC7E8", "#FF9896", "#BCBD22", "#17BECF", "#8C564B", "#E377C2", "#7F7F7F", "#2CA02C",
)

Strategy = Literal["largest_first", "DSATUR", "smallest_last", "independent_set"]


def unit_graph(units: Landscape | pd.DataFrame) -> nx.Graph:
    """The unit graph for colouring a map: the one the optimiser uses.

    For a :class:`~rato_opt.landscape.Landscape` this is
    :func:`~rato_opt.landscape.graph.graph_from_landscape` (queen contiguity plus the
    landscape's links, e.g. ferries), so regions joined only by a ferry count as
    neighbours and get different colours. A bare unit table knows no links: it gives
    :func:`~rato_opt.landscape.graph.build_graph` (queen contiguity); pass the landscape,
    or the graph itself (``graph=``), where links matter.

    Parameters
    ----------
    units : Landscape or GeoDataFrame
        The landscape, or its unit table.

    Returns
    -------
    networkx.Graph
        Nodes are unit codes.

    Raises
    ------
    InputError
        ``units`` has no geometries (e.g. an Index of codes).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> from rato_opt.landscape import Landscape, validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abc")},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 0, 6, 1)], crs="EPSG:28992"),
    ...     code="code")
    >>> sorted(unit_graph(units).edges())
    [('a', 'b')]
    >>> ferry = pd.DataFrame({"from_code": ["b"], "to_code": ["c"], "kind": ["ferry"]})
    >>> sorted(unit_graph(Landscape(units, [], links=ferry)).edges())
    [('a', 'b'), ('b', 'c')]
    """
    if isinstance(units, Landscape):
        return graph_from_landscape(units)
    if not isinstance(units, pd.DataFrame) or not hasattr(units, "geometry"):
        raise InputError(
            "the unit graph needs the unit geometries; pass the landscape, the unit table "
            f"or graph=<networkx unit graph> (got {type(units).__name__})"
        )
    return build_graph(units)


def unit_table(units: Landscape | pd.DataFrame | pd.Index) -> pd.DataFrame | pd.Index:
    """The unit table of a landscape; anything else is returned as it is.

    Examples
    --------
    >>> import pandas as pd
    >>> unit_table(pd.Index(["a", "b"])).tolist()
    ['a', 'b']
    """
    return units.units if isinstance(units, Landscape) else units


def check_assignment(
    units: Landscape | pd.DataFrame | pd.Index, assignment: pd.Series | Mapping
) -> pd.Series:
    """Return ``assignment`` as an object Series of region ids (str) in unit order.

    Parameters
    ----------
    units : Landscape, DataFrame or Index
        The landscape, its unit table, or the unit codes.
    assignment : Series or mapping
        Unit code → region id. Missing values (NaN/None) mean "not assigned".

    Returns
    -------
    Series
        Indexed like ``units`` (named ``"code"``), values str or NaN, named ``"region"``.

    Raises
    ------
    UnitCodeError
        The assignment names codes that are not units, or leaves units out.

    Examples
    --------
    >>> import pandas as pd
    >>> check_assignment(pd.Index(["a", "b"]), {"b": 2, "a": 1}).tolist()
    ['1', '2']
    """
    units = unit_table(units)
    codes = units if isinstance(units, pd.Index) else units.index
    codes = pd.Index(codes.astype(str), name="code")
    s = pd.Series(assignment)
    s.index = s.index.astype(str)
    if s.index.has_duplicates:
        dup = s.index[s.index.duplicated()].unique()
        raise UnitCodeError(f"the assignment lists unit codes more than once: {listing(dup)}")
    extra = s.index.difference(codes)
    missing = codes.difference(s.index)
    if len(extra) or len(missing):
        parts = []
        if len(extra):
            parts.append(f"{len(extra)} code(s) that are not units ({listing(extra)})")
        if len(missing):
            parts.append(f"no region for {len(missing)} unit(s) ({listing(missing)})")
        raise UnitCodeError(
            "the assignment does not match the units: " + " and ".join(parts) + "; "
            "expected one region id per unit code (use NaN for a unit without region)"
        )
    s = s.reindex(codes)
    out = pd.Series(
        [np.nan if pd.isna(v) else str(v) for v in s.to_numpy()], index=codes, dtype=object
    )
    return out.rename("region")


def region_graph(
    units: Landscape | pd.DataFrame | pd.Index,
    assignment: pd.Series | Mapping,
    *,
    graph: nx.Graph | None = None,
) -> nx.Graph:
    """Graph of regions, joined where two of their units are neighbours in the unit graph.

    Parameters
    ----------
    units : Landscape, GeoDataFrame or Index
        The landscape, its unit table, or the unit codes (then ``graph`` is needed).
    assignment : Series or mapping
        Unit code → region id.
    graph : networkx.Graph, optional
        The unit graph; default :func:`unit_graph` of ``units`` (for a landscape: with its
        links, the graph the optimiser uses). Links (ferries) in it join regions too.

    Returns
    -------
    networkx.Graph
        Nodes are the region ids (sorted), edges carry ``length``: the summed border
        length between the two regions.

    Examples
    --------
    >>> import networkx as nx, pandas as pd
    >>> g = nx.path_graph(["a", "b", "c"])
    >>> plan = pd.Series({"a": "R1", "b": "R1", "c": "R2"})
    >>> sorted(region_graph(pd.Index(["a", "b", "c"]), plan, graph=g).edges())
    [('R1', 'R2')]
    """
    assign = check_assignment(units, assignment)
    if graph is None:
        if isinstance(units, pd.Index):
            raise InputError(
                "region_graph needs the unit geometries to build the unit graph; pass the "
                "landscape, the unit table or graph=<networkx unit graph>"
            )
        graph = unit_graph(units)
    lookup = assign.to_dict()
    rg = nx.Graph()
    rg.add_nodes_from(sorted(assign.dropna().unique()))
    for a, b, data in graph.edges(data=True):
        ra, rb = lookup.get(str(a), np.nan), lookup.get(str(b), np.nan)
        if pd.isna(ra) or pd.isna(rb) or ra == rb:
            continue
        length = float(data.get("length", 0.0) or 0.0)
        if rg.has_edge(ra, rb):
            rg.edges[ra, rb]["length"] += length
        else:
            rg.add_edge(ra, rb, length=length)
    # insertion order decides ties in the greedy colouring: make it deterministic
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(rg.nodes))
    ordered.add_edges_from(
        sorted((min(u, v), max(u, v), d) for u, v, d in rg.edges(data=True))
    )
    return ordered


def colour_graph(
    graph: nx.Graph,
    *,
    palette: Sequence[str] | None = None,
    strategy: Strategy = "largest_first",
    prefer: Mapping[Hashable, str] | None = None,
    balance: bool = True,
) -> dict[Hashable, str]:
    """Colour the nodes of a graph so that no two neighbours share a colour.

    A greedy colouring (:func:`networkx.greedy_color`) gives a proper colouring with few
    colours. With ``balance`` the nodes are then recoloured one by one (in sorted order,
    two passes) to a palette colour that none of their neighbours has: the one that
    differs most from the neighbours' colours (CIELAB distance, up to a clear
    difference), then the least used. This spreads the colours over the whole palette and
    keeps look-alike colours (e.g. two greens) apart; the colouring stays proper at every
    step.

    Parameters
    ----------
    graph : networkx.Graph
        Nodes to colour; self-loops are ignored.
    palette : sequence of str, optional
        Distinct colours; default :data:`PALETTE` (9 colours). When the graph needs more
        colours, further distinct colours are appended.
    strategy : str, default "largest_first"
        Strategy of :func:`networkx.greedy_color` (e.g. ``"DSATUR"``).
    prefer : mapping, optional
        Preferred colour per node, kept where no neighbour already has it (used to give
        matched regions of different plans the same colour).
    balance : bool, default True
        Spread the colours over the palette.

    Returns
    -------
    dict
        Node → colour, nodes in sorted order. Deterministic for a given graph.

    Examples
    --------
    >>> import networkx as nx
    >>> colours = colour_graph(nx.cycle_graph(5))
    >>> all(colours[u] != colours[v] for u, v in nx.cycle_graph(5).edges())
    True
    """
    pal = [str(c) for c in (PALETTE if palette is None else palette)]
    if len(pal) == 0:
        raise InputError("the palette is empty; pass at least one colour (e.g. palette=PALETTE)")
    if len({c.lower() for c in pal}) != len(pal):
        raise InputError(f"the palette repeats colours: {pal}; give distinct colours")
    nodes = _sorted(graph.nodes)
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    if len(nodes) == 0:
        return {}
    greedy = nx.greedy_color(g, strategy=strategy)
    n_needed = max(greedy.values()) + 1
    pal = _extend_palette(pal, n_needed)
    colour_of: dict[Hashable, int] = dict(greedy)
    fixed: set[Hashable] = set()
    if prefer:
        # preferred colours first (each checked against the preferred ones already set),
        # then the other nodes greedily around them
        index = {c.lower(): i for i, c in enumerate(pal)}
        colour_of = {}
        for node in nodes:
            want = prefer.get(node)
            if want is None:
                continue
            key = str(want).lower()
            if key not in index:
                pal.append(str(want))
                index[key] = len(pal) - 1
            i = index[key]
            if all(colour_of.get(nb) != i for nb in g.neighbors(node)):
                colour_of[node] = i
                fixed.add(node)
        for node in sorted((n for n in nodes if n not in colour_of),
                           key=lambda n: greedy[n]):
            taken = {colour_of[nb] for nb in g.neighbors(node) if nb in colour_of}
            i = next(i for i in range(len(taken) + 1) if i not in taken)
            if i >= len(pal):
                pal = _extend_palette(pal, i + 1)
            colour_of[node] = i
    if balance:
        used = np.bincount(list(colour_of.values()), minlength=len(pal))
        dist = _lab_distances(pal)
        for _ in range(2):
            for node in nodes:
                if node in fixed:
                    continue
                taken = {colour_of[nb] for nb in g.neighbors(node)}
                used[colour_of[node]] -= 1
                free = [i for i in range(len(pal)) if i not in taken]

                def key(i: int, taken: set[int] = taken) -> tuple[float, int, int]:
                    # most distinct from the neighbours' colours (up to a clear difference),
                    # then least used, then palette order
                    contrast = min((dist[i, j] for j in taken), default=np.inf)
                    return (-min(contrast, _CLEAR_DIFFERENCE), int(used[i]), i)

                best = min(free, key=key)
                colour_of[node] = best
                used[best] += 1
    return {node: pal[colour_of[node]] for node in nodes}


def region_colours(
    units: Landscape | pd.DataFrame,
    assignment: pd.Series | Mapping,
    *,
    graph: nx.Graph | None = None,
    palette: Sequence[str] | None = None,
    strategy: Strategy = "largest_first",
    prefer: Mapping[str, str] | None = None,
    balance: bool = True,
) -> dict[str, str]:
    """Colours for the regions of a plan such that no two neighbouring regions share one.

    Parameters
    ----------
    units : Landscape or GeoDataFrame
        The landscape, or its unit table (indexed by code).
    assignment : Series or mapping
        Unit code → region id (every unit once; NaN for "no region").
    graph : networkx.Graph, optional
        The unit graph; default :func:`unit_graph` of ``units`` (for a landscape: with
        its links, so regions joined only by a ferry get different colours).
    palette : sequence of str, optional
        Qualitative palette of distinct colours; default :data:`PALETTE` (9 colours).
    strategy : str, default "largest_first"
        Greedy colouring strategy of :func:`networkx.greedy_color`.
    prefer : mapping, optional
        Preferred colour per region, kept where it does not clash with a neighbour.
    balance : bool, default True
        Spread the colours evenly over the palette (see :func:`colour_graph`).

    Returns
    -------
    dict of str to str
        Region id → hex colour, in sorted region order. Deterministic.

    See Also
    --------
    colour_graph : the colouring itself.
    region_graph : which regions are neighbours.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> from rato_opt.landscape.units import validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("abc")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> colours = region_colours(units, pd.Series({"a": "R1", "b": "R2", "c": "R3"}))
    >>> colours["R1"] != colours["R2"] != colours["R3"]
    True
    """
    rg = region_graph(units, assignment, graph=graph)
    return colour_graph(rg, palette=palette, strategy=strategy, prefer=prefer, balance=balance)


#: CIELAB distance from which two colours count as clearly different.
_CLEAR_DIFFERENCE = 40.0


def _lab(colour: str) -> np.ndarray:
    """CIELAB (D65) coordinates of a hex colour."""
    h = colour.lstrip("#")
    rgb = np.array([int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    )
    xyz = m @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _lab_distances(palette: Sequence[str]) -> np.ndarray:
    """Matrix of CIELAB distances between palette colours (hex; others count as far)."""
    labs = []
    for c in palette:
        try:
            labs.append(_lab(c) if c.startswith("#") and len(c) == 7 else None)
        except ValueError:
            labs.append(None)
    n = len(palette)
    out = np.full((n, n), 100.0)
    for i in range(n):
        for j in range(n):
            if labs[i] is not None and labs[j] is not None:
                out[i, j] = float(np.linalg.norm(labs[i] - labs[j]))
    return out


def _sorted(nodes) -> list:
    """Sort nodes naturally, or by their text when they cannot be compared."""
    try:
        return sorted(nodes)
    except TypeError:
        return sorted(nodes, key=lambda n: (type(n).__name__, str(n)))


def _extend_palette(pal: list[str], n: int) -> list[str]:
    """Append distinct colours until the palette holds at least ``n``."""
    pal = list(pal)
    seen = {c.lower() for c in pal}
    for c in _EXTRA:
        if len(pal) >= n:
            break
        if c.lower() not in seen:
            pal.append(c)
            seen.add(c.lower())
    i = 0
    while len(pal) < n:  # beyond 25 colours: evenly spaced hues, still distinct
        hue = (i * 0.618033988749895) % 1.0
        c = _hsv_hex(hue, 0.45, 0.9)
        if c.lower() not in seen:
            pal.append(c)
            seen.add(c.lower())
        i += 1
    return pal


def _hsv_hex(h: float, s: float, v: float) -> str:
    import colorsys

    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"
