"""Sector variants: plan onderwijsregio's for primary, secondary/vocational, or all education.

A :class:`Sector` names the weight columns that weigh its units and the collaboration
layers that matter to it. :func:`sector_landscape` narrows a landscape to a sector
(adding a derived weight column where the sector sums several) and
:func:`sector_spec` points a :class:`~rato_opt.spec.RegionSpec`'s objective at it.

=========  ===================================  ==============================
sector     weight (``split_by``)                layers
=========  ===================================  ==============================
``po``     ``pupils_po``                        ``rap_po``, ``sop``, ``alliance``
``vo_mbo`` ``pupils_vo_mbo`` = vo + mbo         ``rap_vo``, ``sop``, ``alliance``
``cross``  ``pupils_total`` = po + vo + mbo     every ``rap_*``, ``sop``, ``alliance``
=========  ===================================  ==============================
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..exceptions import ColumnError, InputError, LayerError
from ..landscape.coverage import Landscape
from ..landscape.units import check_weights
from ..spec import RegionSpec

__all__ = ["Sector", "SECTORS", "get_sector", "sector_landscape", "sector_spec"]


@dataclass(frozen=True)
class Sector:
    """An education sector: its weight and its collaboration layers.

    Attributes
    ----------
    name : str
        Key in :data:`SECTORS`.
    columns : tuple of str
        Weight columns summed into ``weight``.
    weight : str
        Weight column used as ``Objective.split_by`` (derived when ``columns`` has
        more than one entry).
    split_layers : tuple of str
        Collaboration layers of the split term. A name ending in ``*`` matches
        every layer with that prefix (``"rap_*"``).
    alliance_layer : str
        Layer of the alliance term.
    """

    name: str
    columns: tuple[str, ...]
    weight: str
    split_layers: tuple[str, ...]
    alliance_layer: str = "alliance"

    def layers_in(self, landscape: Landscape) -> list[str]:
        """The sector's split layers present in ``landscape`` (prefixes expanded)."""
        out = []
        for pattern in self.split_layers:
            if pattern.endswith("*"):
                out += sorted(n for n in landscape.layers if n.startswith(pattern[:-1]))
            elif pattern in landscape.layers:
                out.append(pattern)
        return out


#: The sector variants, by name.
SECTORS: dict[str, Sector] = {
    "po": Sector("po", ("pupils_po",), "pupils_po", ("rap_po", "sop")),
    "vo_mbo": Sector("vo_mbo", ("pupils_vo", "pupils_mbo"), "pupils_vo_mbo", ("rap_vo", "sop")),
    "cross": Sector("cross", ("pupils_po", "pupils_vo", "pupils_mbo"), "pupils_total",
                    ("rap_*", "sop")),
}


def get_sector(sector: str | Sector) -> Sector:
    """Return a :class:`Sector` by name (or the sector itself).

    Examples
    --------
    >>> get_sector("vo_mbo").weight
    'pupils_vo_mbo'
    """
    if isinstance(sector, Sector):
        return sector
    if sector not in SECTORS:
        raise InputError(f"unknown sector {sector!r}; choose one of {sorted(SECTORS)}")
    return SECTORS[sector]


def _other_sector_layers(landscape: Landscape, sector: Sector) -> set[str]:
    mine = set(sector.layers_in(landscape)) | {sector.alliance_layer}
    others: set[str] = set()
    for other in SECTORS.values():
        others |= set(other.layers_in(landscape))
    return others - mine


def sector_landscape(landscape: Landscape, sector: str | Sector, *, strict: bool = True
                     ) -> Landscape:
    """Narrow a landscape to one sector.

    Drops the layers that belong to other sectors only (e.g. ``rap_vo`` for ``po``),
    keeps every other layer (``sop``, ``alliance``, and partitions such as ``amr`` or
    ``province`` that serve as reference), and adds the sector's weight column when it
    is a sum (``pupils_vo_mbo``, ``pupils_total``).

    Parameters
    ----------
    landscape : Landscape
    sector : str or Sector
        ``"po"``, ``"vo_mbo"`` or ``"cross"``.
    strict : bool, default True
        Raise when the sector's split layers or alliance layer are missing; with
        False, missing layers are allowed (weight columns are always required).

    Returns
    -------
    Landscape
        Named ``"<name> [<sector>]"``.

    Raises
    ------
    ColumnError
        A pupil column of the sector is missing (named, with the columns present).
    LayerError
        ``strict`` and a sector layer is missing (named, with the layers present).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": ["A", "B"], "pupils_po": [4, 6],
    ...     "pupils_vo": [1, 2], "pupils_mbo": [3, 0]},
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:28992"), code="code")
    >>> layers = [Layer.from_partition(n, {"A": "x", "B": "x"})
    ...           for n in ("rap_po", "rap_vo", "sop", "alliance", "amr")]
    >>> land = sector_landscape(Landscape(u, layers), "vo_mbo")
    >>> sorted(land.layers), land.units["pupils_vo_mbo"].tolist()
    (['alliance', 'amr', 'rap_vo', 'sop'], [4, 2])
    """
    s = get_sector(sector)
    missing = [c for c in s.columns if c not in landscape.units.columns]
    if missing:
        raise ColumnError(
            f"sector {s.name!r} needs weight column(s) {missing}, which the units lack; they "
            f"have {landscape.weights}. Join pupil counts with rato_opt.join_weights"
        )
    check_weights(landscape.units, list(s.columns))
    if strict:
        absent = [p for p in s.split_layers if not _matches(landscape, p)]
        if s.alliance_layer not in landscape.layers:
            absent.append(s.alliance_layer)
        if absent:
            raise LayerError(
                f"sector {s.name!r} needs layer(s) {absent}, which the landscape lacks; it has "
                f"{sorted(landscape.layers)} (pass strict=False to go without them)"
            )
    units = landscape.units
    if len(s.columns) > 1 or s.weight != s.columns[0]:
        units = units.copy()
        units[s.weight] = units[list(s.columns)].sum(axis=1)
        units = units[["name", *[c for c in units.columns if c not in ("name", "geometry")],
                       "geometry"]]
    drop = _other_sector_layers(landscape, s)
    layers = {n: layer for n, layer in landscape.layers.items() if n not in drop}
    return dataclasses.replace(landscape, units=units, layers=layers,
                               name=f"{landscape.name} [{s.name}]")


def _matches(landscape: Landscape, pattern: str) -> bool:
    if pattern.endswith("*"):
        return any(n.startswith(pattern[:-1]) for n in landscape.layers)
    return pattern in landscape.layers


def sector_spec(spec: RegionSpec, sector: str | Sector, landscape: Landscape | None = None
                ) -> RegionSpec:
    """Point a spec's objective at a sector.

    Sets ``objective.split_by`` to the sector's weight and ``objective.split_layers``
    to the sector's layers (keeping weights the spec already gave them, else 1), and
    ``objective.alliance_layer`` to the sector's alliance layer when unset.

    Parameters
    ----------
    spec : RegionSpec
    sector : str or Sector
    landscape : Landscape, optional
        When given, prefixes (``rap_*``) expand to its layers and layers it lacks are
        left out; otherwise ``rap_*`` means ``rap_po`` and ``rap_vo``.

    Returns
    -------
    RegionSpec

    Examples
    --------
    >>> from rato_opt.spec import RegionSpec
    >>> s = sector_spec(RegionSpec(k=5), "po")
    >>> s.objective.split_by, s.objective.split_layers, s.objective.alliance_layer
    ('pupils_po', {'rap_po': 1.0, 'sop': 1.0}, 'alliance')
    """
    s = get_sector(sector)
    if landscape is not None:
        layers = s.layers_in(landscape)
    else:
        layers = []
        for p in s.split_layers:
            layers += ["rap_po", "rap_vo"] if p == "rap_*" else [p]
    old = spec.objective.split_layers or {}
    split_layers = {name: old.get(name, 1.0) for name in layers}
    objective = dataclasses.replace(
        spec.objective,
        split_by=s.weight,
        split_layers=split_layers,
        alliance_layer=spec.objective.alliance_layer or (
            s.alliance_layer if landscape is None or s.alliance_layer in landscape.layers
            else None),
    )
    return dataclasses.replace(spec, objective=objective)
