"""The real Dutch landscape of 2024: 342 gemeenten with CBS and DUO data.

:func:`load_nl_2024` reads the files of the real-data directory
(:func:`rato_opt.sources.data.data_dir`; see ``PROVENANCE.md`` there) into a
:class:`~rato_opt.landscape.coverage.Landscape`:

- units: CBS/PDOK ``gemeente_gegeneraliseerd`` 2024 (342 gemeenten, EPSG:28992), with
  ``population`` (CBS kerncijfers, 1 January 2024) and ``pupils_po`` (DUO, pupils in
  BO + SBO on 1 October of ``pupils_year``, masked ``<5`` cells counted as 0);
- layers, chosen by name from :data:`LAYERS`: ``amr`` (35 arbeidsmarktregio's, CBS
  Gebieden in Nederland), ``boards`` (every DUO school board over the gemeenten where it
  has a school; membership weights: its BO + SBO pupils there), ``rmc`` (DUO RMC-regio's) and the other DUO/CBS indelingen;
- links: the ferry and tunnel links of ``water_links_2024.csv``, which join the Wadden
  islands and Zeeuws-Vlaanderen to the mainland.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..exceptions import LayerError
from ..landscape import Landscape, join_weights
from .cbs import read_cbs_gemeenten, read_cbs_kerncijfers
from .data import data_dir
from .duo import pupils_per_unit, read_duo_pupils, read_duo_schools
from .duo_layers import board_footprint_layer, region_code_layer
from .links import read_water_links
from .regions import amr_layer, province_layer

__all__ = ["FILES", "LAYERS", "NL_2024_NAME", "NL_2024_CREDIT", "load_nl_2024"]

#: File names in the real-data directory.
FILES = {
    "gemeenten": "cbs_gemeente_2024_gegeneraliseerd.geojson",
    "kerncijfers": "cbs_wijkbuurtkaart_gemeenten_2024_kerncijfers.geojson",
    "schools": "duo_po_alle_schoolvestigingen_basisonderwijs.csv",
    "pupils": "duo_po_historisch_leerlingen_per_schoolvestiging.csv",
    "amr": "gemeente_arbeidsmarktregio_2024.csv",
    "links": "water_links_2024.csv",
}

#: Layers :func:`load_nl_2024` can build, with where each comes from.
LAYERS = {
    "amr": (
        "arbeidsmarktregio's (CBS Gebieden in Nederland, via "
        "gemeente_arbeidsmarktregio_2024.csv)"
    ),
    "boards": "school boards (DUO bevoegd gezag) over the gemeenten where they have a PO school",
    "rmc": "DUO RMC-regio (column RMC-REGIO of the PO schools file)",
    "rpa": "DUO RPA-gebied",
    "corop": "DUO COROP-gebied",
    "wgr": "DUO WGR-gebied",
    "onderwijsgebied": "DUO onderwijsgebied",
    "nodaal": "DUO nodaal gebied",
    "province": "provincie (gemeente_arbeidsmarktregio_2024.csv)",
}

_DUO_COLUMNS = {
    "rmc": "RMC-REGIO",
    "rpa": "RPA-GEBIED",
    "corop": "COROPGEBIED",
    "wgr": "WGR-GEBIED",
    "onderwijsgebied": "ONDERWIJSGEBIED",
    "nodaal": "NODAAL GEBIED",
}

NL_2024_NAME = "Nederland 2024 (gemeenten)"
NL_2024_CREDIT = "Bron: CBS/Kadaster (via PDOK), CBS Gebieden in Nederland, DUO"


def load_nl_2024(
    path: str | os.PathLike[str] | None = None,
    *,
    layers: Sequence[str] = ("amr", "boards", "rmc"),
    pupils_year: int = 2025,
    board_min_schools: int = 1,
) -> Landscape:
    """Load the real 2024 gemeente landscape of the Netherlands.

    Parameters
    ----------
    path : path-like, optional
        The real-data directory; default :func:`rato_opt.sources.data.data_dir`
        (``$RATO_OPT_DATA`` or ``../shared/data/nl``).
    layers : sequence of str, default ("amr", "boards", "rmc")
        Layers to build, any of :data:`LAYERS`.
    pupils_year : int, default 2025
        DUO reference year of ``pupils_po``.
    board_min_schools : int, default 1
        Vestigingen a board needs in a gemeente to count as a member there.

    Returns
    -------
    Landscape
        342 units with ``population`` and ``pupils_po``, the asked layers, the water
        links, ``name`` :data:`NL_2024_NAME` and ``credit`` :data:`NL_2024_CREDIT`.

    Raises
    ------
    DataNotFoundError
        The directory or one of :data:`FILES` is missing.
    LayerError
        An unknown layer name.

    Examples
    --------
    >>> sorted(LAYERS)[:4]
    ['amr', 'boards', 'corop', 'nodaal']
    >>> land = load_nl_2024(layers=["amr"])  # doctest: +SKIP
    >>> len(land.units), land.layers["amr"].n_collaborations  # doctest: +SKIP
    (342, 35)
    """
    names = list(layers)
    unknown = [n for n in names if n not in LAYERS]
    if unknown:
        raise LayerError(
            f"unknown layer(s) {unknown} for load_nl_2024; choose from {sorted(LAYERS)}"
        )
    if len(set(names)) != len(names):
        raise LayerError(f"layers lists a name twice: {names}")
    root = data_dir(path)
    files = {key: root / name for key, name in FILES.items()}

    units = read_cbs_gemeenten(files["gemeenten"])
    kern = read_cbs_kerncijfers(files["kerncijfers"])
    units = join_weights(units, kern, columns=["population"])
    if (units["population"] % 1 == 0).all():  # counts of people: keep them integers
        units["population"] = units["population"].astype("int64")
    pupils = read_duo_pupils(files["pupils"], year=pupils_year, kinds=("BO", "SBO"))
    units["pupils_po"] = pupils_per_unit(pupils, units).reindex(units.index).to_numpy()
    units = units[["name", "population", "pupils_po", "geometry"]]

    built = []
    schools = None
    for name in names:
        if name == "amr":
            built.append(amr_layer(files["amr"], units))
        elif name == "province":
            built.append(province_layer(files["amr"], units))
        else:
            if schools is None:
                schools = read_duo_schools(files["schools"])
            if name == "boards":
                built.append(
                    board_footprint_layer(schools, units, min_schools=board_min_schools,
                                          pupils=pupils)
                )
            else:
                built.append(region_code_layer(schools, units, _DUO_COLUMNS[name], name))
    links = read_water_links(files["links"], units)
    return Landscape(
        units=units, layers=built, links=links, name=NL_2024_NAME, credit=NL_2024_CREDIT
    )
