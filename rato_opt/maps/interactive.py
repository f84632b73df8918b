"""Interactive web maps of plans for notebooks (folium / Leaflet).

Needs the optional ``notebook`` extra (``pip install rato_opt[notebook]``): folium is
imported only when a map is made, with a clear message when it is missing.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import pandas as pd

from ..exceptions import ColumnError, InputError
from ..landscape import Landscape, weight_columns
from .colouring import check_assignment, region_colours, unit_table

if TYPE_CHECKING:  # pragma: no cover
    import folium

__all__ = ["explore_regions"]

#: Grey BRT background map of the Kadaster via PDOK (free, no key), the Dutch government
#: standard background.
PDOK_TILES = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png"
)
PDOK_ATTRIBUTION = 'Kaartgegevens &copy; <a href="https://www.kadaster.nl">Kadaster</a> (PDOK)'

_INSTALL_HINT = (
    "interactive maps need folium; install the notebook extra with "
    "`pip install rato_opt[notebook]` (or `pip install folium mapclassify`)"
)


def _import_folium():
    try:
        import folium
    except ImportError as err:  # pragma: no cover - exercised by monkeypatching in tests
        raise ImportError(_INSTALL_HINT) from err
    return folium


def explore_regions(
    units: Landscape | gpd.GeoDataFrame,
    assignment: pd.Series | Mapping[str, str],
    *,
    names: Mapping[str, str] | pd.Series | None = None,
    tooltip_columns: Sequence[str] | None = None,
    graph: nx.Graph | None = None,
    colours: Mapping[str, str] | None = None,
    credit: str = "",
    tiles: str | None = "pdok",
    m: folium.Map | None = None,
    fill_opacity: float = 0.6,
) -> folium.Map:
    """An interactive map of a plan: units coloured by region, with tooltips.

    Hovering over a unit shows its name and code, its region (id and name) and its
    weights; the region outlines show the region's id, name, number of units and
    weight totals. Neighbouring regions never share a colour
    (:func:`~rato_opt.maps.colouring.region_colours`).

    Parameters
    ----------
    units : Landscape or GeoDataFrame
        The landscape, or its unit table (any projected CRS; the map is drawn in web
        mercator).
    assignment : Series or mapping
        Unit code → region id (every unit once; NaN for "not assigned").
    names : mapping or Series, optional
        Region id → readable name.
    tooltip_columns : sequence of str, optional
        Unit columns to show in the tooltip; default every weight column.
    graph : networkx.Graph, optional
        Unit graph for the colouring; default :func:`~rato_opt.maps.colouring.unit_graph`
        of ``units`` (for a landscape: with its links), built when needed.
    colours : mapping, optional
        Region id → colour; default :func:`~rato_opt.maps.colouring.region_colours`.
    credit : str, default ""
        Data credit, added to the map's attribution line.
    tiles : str or None, default "pdok"
        Background tiles: ``"pdok"`` for the grey BRT-Achtergrondkaart of the Kadaster
        (via PDOK), any tile name or URL folium knows (e.g. ``"OpenStreetMap"``), or None
        for none.
    m : folium.Map, optional
        Existing map to draw on.
    fill_opacity : float, default 0.6
        Opacity of the unit fills.

    Returns
    -------
    folium.Map
        With a unit layer (``"eenheden"``) and a region-outline layer (``"regio's"``) and a
        layer control.

    Raises
    ------
    ImportError
        folium is not installed (install ``rato_opt[notebook]``).
    ColumnError
        A tooltip column is not in the units.

    Examples
    --------
    >>> import pandas as pd, geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("ab"), "population": [5, 7]},
    ...     geometry=[box(i * 1000, 400000, i * 1000 + 1000, 401000) for i in range(2)],
    ...     crs="EPSG:28992"), code="code")
    >>> fmap = explore_regions(units, pd.Series({"a": "R1", "b": "R2"}), tiles=None)
    >>> type(fmap).__name__
    'Map'
    """
    folium = _import_folium()
    source = units
    units = unit_table(units)
    if not isinstance(units, gpd.GeoDataFrame):
        raise InputError(
            f"units must be a GeoDataFrame (a unit table), got {type(units).__name__}"
        )
    assign = check_assignment(units, assignment)
    if tooltip_columns is None:
        tooltip_columns = weight_columns(units)
    tooltip_columns = list(tooltip_columns)
    missing = [c for c in tooltip_columns if c not in units.columns]
    if missing:
        raise ColumnError(
            f"tooltip column(s) {missing} not in the units; available columns are "
            f"{[c for c in units.columns if c != units.geometry.name]}"
        )
    if colours is None:
        colours = region_colours(source, assign, graph=graph)
    region_name = (
        pd.Series(names).astype(str).to_dict() if names is not None else {}
    )
    frame = gpd.GeoDataFrame(
        {
            "code": units.index.astype(str).to_numpy(),
            "name": units["name"].astype(str).to_numpy() if "name" in units else
            units.index.astype(str).to_numpy(),
            "region": assign.fillna("").to_numpy(),
            "region_name": [
                region_name.get(r, r) if isinstance(r, str) else "" for r in assign.to_numpy()
            ],
            **{c: units[c].to_numpy() for c in tooltip_columns if c not in ("name", "code")},
        },
        geometry=units.geometry.to_numpy(),
        crs=units.crs,
    )
    fill = [colours.get(r, "#CCCCCC") if isinstance(r, str) else "#F4F4F4"
            for r in assign.to_numpy()]
    fields = ["name", "code", "region", "region_name",
              *[c for c in tooltip_columns if c not in ("name", "code")]]
    aliases = ["eenheid", "code", "regio", "regionaam",
               *[c for c in tooltip_columns if c not in ("name", "code")]]
    if m is None:
        m = folium.Map(tiles=None, control_scale=True)
        if tiles == "pdok":
            folium.TileLayer(PDOK_TILES, attr=PDOK_ATTRIBUTION, name="achtergrond",
                             control=False, max_zoom=19).add_to(m)
        elif tiles is not None:
            folium.TileLayer(tiles, name="achtergrond", control=False).add_to(m)
    m = frame.explore(
        m=m,
        color=fill,
        tooltip=fields,
        tooltip_kwds={"aliases": aliases, "localize": True},
        style_kwds={"weight": 0.6, "color": "#FFFFFF", "fillOpacity": fill_opacity},
        highlight_kwds={"weight": 2, "color": "#000000"},
        name="eenheden",
        tiles=None,
    )
    # region outlines with totals
    assigned = frame[frame["region"] != ""]
    if len(assigned):
        weights = [c for c in tooltip_columns if pd.api.types.is_numeric_dtype(frame[c])]
        agg = assigned.dissolve(
            by="region",
            aggfunc={"region_name": "first", "code": "count", **{c: "sum" for c in weights}},
        ).rename(columns={"code": "units"}).reset_index()
        m = agg.explore(
            m=m,
            tooltip=["region", "region_name", "units", *weights],
            tooltip_kwds={"aliases": ["regio", "regionaam", "eenheden", *weights],
                          "localize": True},
            style_kwds={"fill": False, "weight": 2.2, "color": "#222222"},
            highlight_kwds={"weight": 3.5},
            name="regio's",
            tiles=None,
        )
    if credit:
        text = html.escape(credit)
        m.get_root().html.add_child(
            folium.Element(
                '<div style="position: fixed; bottom: 4px; left: 6px; z-index: 9999; '
                'font: 11px sans-serif; color: #333; background: rgba(255,255,255,0.8); '
                f'padding: 1px 4px;">{text}</div>'
            )
        )
    folium.LayerControl(collapsed=True).add_to(m)
    bounds = frame.to_crs("EPSG:4326").total_bounds
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return m
