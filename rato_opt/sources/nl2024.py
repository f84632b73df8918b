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

Secondary schools (vo) are older data: layer ``vo_boards`` and the weight ``pupils_vo``
come from DUO's vo files of **2020** (vestigingen, December 2020) and **2019** (pupils on
1 October 2019), with the 2020 gemeente codes moved to 2024 codes by the rules of
:mod:`rato_opt.sources.duo_vo` (:func:`load_nl_vo` gives the mapping and the rows it could
not map). Landscapes that use them get the credit :data:`NL_2024_CREDIT_VO`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence

import pandas as pd

from .._util import listing
from ..exceptions import ColumnError, LayerError
from ..landscape import Landscape, join_weights
from .cbs import read_cbs_gemeenten, read_cbs_kerncijfers
from .data import data_dir
from .duo import pupils_per_unit, read_duo_pupils, read_duo_schools
from .duo_layers import board_footprint_layer, region_code_layer
from .duo_vo import VO_DATING, VoSchools, load_duo_vo
from .links import read_water_links
from .regions import amr_layer, province_layer

__all__ = [
    "FILES",
    "LAYERS",
    "WEIGHTS",
    "NL_2024_NAME",
    "NL_2024_CREDIT",
    "NL_2024_CREDIT_VO",
    "load_nl_2024",
    "load_nl_vo",
]

#: File names in the real-data directory.
FILES = {
    "gemeenten": "cbs_gemeente_2024_gegeneraliseerd.geojson",
    "kerncijfers": "cbs_wijkbuurtkaart_gemeenten_2024_kerncijfers.geojson",
    "schools": "duo_po_alle_schoolvestigingen_basisonderwijs.csv",
    "pupils": "duo_po_historisch_leerlingen_per_schoolvestiging.csv",
    "amr": "gemeente_arbeidsmarktregio_2024.csv",
    "links": "water_links_2024.csv",
    "vo_schools": "duo_vo_alle_vestigingen_2020.csv",
    "vo_pupils": "duo_vo_leerlingen_per_vestiging_onderwijstype_2019.csv",
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
    "vo_boards": (
        "vo school boards (DUO bevoegd gezag) over the 2024 gemeenten of their vestigingen; "
        f"dated {VO_DATING}; membership weights: the board's vo pupils there"
    ),
}

#: Optional unit weight columns :func:`load_nl_2024` can add (``weights=``).
WEIGHTS = {
    "pupils_vo": (
        f"vo pupils per 2024 gemeente, {VO_DATING}; pupils placed at a VAVO included, "
        "vestigingen whose gemeente could not be mapped left out (see load_nl_vo)"
    ),
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
NL_2024_CREDIT = "Bron: CBS/Kadaster (via PDOK, CC-BY 4.0), CBS Gebieden in Nederland, DUO (CC0)"
NL_2024_CREDIT_VO = f"{NL_2024_CREDIT}; DUO VO 2019/2020 (leerlingen 2019, vestigingen 2020)"


def load_nl_2024(
    path: str | os.PathLike[str] | None = None,
    *,
    layers: Sequence[str] = ("amr", "boards", "rmc"),
    pupils_year: int = 2025,
    board_min_schools: int = 1,
    weights: Sequence[str] = (),
    vo_successors: Mapping[str, str] | None = None,
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
        Vestigingen a board needs in a gemeente to count as a member there (PO and vo).
    weights : sequence of str, default ()
        Extra unit weight columns, any of :data:`WEIGHTS`. ``pupils_vo`` is added anyway
        whenever ``"vo_boards"`` is among ``layers``, so that the vo layer always comes
        with its weight.
    vo_successors : mapping of str to str, optional
        2020 gemeente code -> 2024 code for vo vestigingen the rules cannot map (rule
        ``given`` of :func:`~rato_opt.sources.duo_vo.map_gemeenten_2024`).

    Returns
    -------
    Landscape
        342 units with ``population`` and ``pupils_po`` (and ``pupils_vo`` when the vo
        data are used), the asked layers, the water links, ``name`` :data:`NL_2024_NAME`
        and ``credit`` :data:`NL_2024_CREDIT`, or :data:`NL_2024_CREDIT_VO` when the vo
        data are used.

    Warns
    -----
    UserWarning
        When the vo data are used and some vo vestigingen could not be placed in a 2024
        gemeente (unmapped code) or some pupil counts have no vestiging; the warning
        names them and their pupils.

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
    extra = list(weights)
    if [w for w in extra if w not in WEIGHTS] or len(set(extra)) != len(extra):
        raise ColumnError(
            f"weights={extra!r} for load_nl_2024: give each of {sorted(WEIGHTS)} at most once"
        )
    use_vo = "vo_boards" in names or "pupils_vo" in extra
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
    schools = read_duo_schools(files["schools"]) if use_vo else None
    vo = None
    if use_vo:
        vo = load_nl_vo(root, units=units, reference=schools, successors=vo_successors)
        _warn_unplaced(vo)
        units = units.copy()
        units.insert(3, "pupils_vo", vo.pupils_per_unit(units).reindex(units.index).to_numpy())

    built = []
    for name in names:
        if name == "amr":
            built.append(amr_layer(files["amr"], units))
        elif name == "province":
            built.append(province_layer(files["amr"], units))
        else:
            if schools is None:
                schools = read_duo_schools(files["schools"])
            if name == "vo_boards":
                assert vo is not None
                built.append(vo.board_layer(units, min_schools=board_min_schools))
            elif name == "boards":
                built.append(
                    board_footprint_layer(schools, units, min_schools=board_min_schools,
                                          pupils=pupils)
                )
            else:
                built.append(region_code_layer(schools, units, _DUO_COLUMNS[name], name))
    links = read_water_links(files["links"], units)
    return Landscape(
        units=units, layers=built, links=links, name=NL_2024_NAME,
        credit=NL_2024_CREDIT_VO if use_vo else NL_2024_CREDIT,
    )


def load_nl_vo(
    path: str | os.PathLike[str] | None = None,
    *,
    units: pd.DataFrame | pd.Index | None = None,
    reference: pd.DataFrame | None = None,
    successors: Mapping[str, str] | None = None,
) -> VoSchools:
    """Load the real DUO vo files (vestigingen 2020, pupils 2019) on the 2024 gemeenten.

    Parameters
    ----------
    path : path-like, optional
        The real-data directory, as for :func:`load_nl_2024`.
    units : GeoDataFrame or Index, optional
        The 2024 units; default the CBS 2024 gemeenten of :data:`FILES`.
    reference : DataFrame, optional
        The PO schools table (:func:`~rato_opt.sources.duo.read_duo_schools`) for the
        postcode rule; default the file of :data:`FILES`.
    successors : mapping, optional
        Old code -> 2024 code for rows the rules cannot map (rule ``given``).

    Returns
    -------
    VoSchools
        With ``mapping`` (every 2020 code, its 2024 code and the rule), ``unmapped``
        and ``unmatched_pupils``.

    Examples
    --------
    >>> vo = load_nl_vo()  # doctest: +SKIP
    >>> vo.unmapped[["vestiging", "old_code"]].values.tolist()  # doctest: +SKIP
    [['02TD04', 'GM0416']]
    """
    root = data_dir(path)
    if units is None:
        units = read_cbs_gemeenten(root / FILES["gemeenten"])
    if reference is None:
        reference = read_duo_schools(root / FILES["schools"])
    return load_duo_vo(root / FILES["vo_schools"], root / FILES["vo_pupils"], reference, units,
                       successors=successors)


def _warn_unplaced(vo: VoSchools) -> None:
    parts = []
    if len(vo.unmapped):
        shown = [f"{r.vestiging} ({r.old_code}, {r.pupils:.0f} pupils)"
                 for r in vo.unmapped.itertuples()]
        parts.append(f"{len(vo.unmapped)} vestiging(en) whose 2020 gemeente code has no 2024 "
                     f"code by the mapping rules: {listing(shown)} (pass vo_successors=)")
    if len(vo.unmatched_pupils):
        parts.append(f"{len(vo.unmatched_pupils)} vestiging(en) with "
                     f"{vo.unmatched_pupils['pupils'].sum():.0f} pupils in 2019 that are not in "
                     f"the 2020 vestigingen file: {listing(vo.unmatched_pupils.index)}")
    if parts:
        warnings.warn("DUO vo data: left out " + "; ".join(parts) + " (see load_nl_vo)",
                      UserWarning, stacklevel=3)
