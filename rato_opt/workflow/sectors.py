"""Sector variants: plan onderwijsregio's for primary, secondary/vocational, or all education.

A :class:`Sector` names the weight columns that weigh its units and the collaboration
layers that matter to it. :func:`sector_landscape` narrows a landscape to a sector
(adding a derived weight column where the sector sums several) and
:func:`sector_spec` points a :class:`~rato_opt.spec.RegionSpec`'s objective at it.

=========  ================================  ==============================  ======================
sector     weight (``split_by``)             policy layers                   board layers
=========  ================================  ==============================  ======================
``po``     ``pupils_po``                     ``rap_po``, ``sop``             ``boards``
``vo_mbo`` ``pupils_vo_mbo`` = vo + mbo      ``rap_vo``, ``sop``             ``vo_boards``
``cross``  ``pupils_total`` = po + vo + mbo  every ``rap_*``, ``sop``        both
=========  ================================  ==============================  ======================

Every sector also has the alliance layer ``alliance``.

Real maps and synthetic maps
----------------------------
The synthetic country has the policy layers (RAP, SO&P, alliances); the real 2024 map
(:func:`~rato_opt.sources.nl2024.load_nl_2024`) has none of them (no machine-readable
membership lists exist) but has the DUO school boards: ``boards`` (PO) and ``vo_boards``
(vo, dated DUO 2019/2020). A sector uses whichever of its layers the landscape has, and
``strict`` accepts a landscape that has either all its policy layers and the alliance
layer, or all its board layers.

The real map has no mbo pupils either. A summed weight then uses the columns that are
present, and says which were missing: :func:`sector_landscape` warns and puts it in the
landscape's name, and :func:`sector_weight` returns it for tables (e.g. "vo only, no mbo
data"). With ``missing_columns="raise"`` a missing column is an error instead.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Literal

from ..exceptions import ColumnError, InputError, LayerError
from ..landscape.coverage import Landscape
from ..landscape.units import check_weights
from ..spec import RegionSpec

__all__ = ["Sector", "SECTORS", "SectorWeight", "get_sector", "sector_landscape", "sector_spec",
           "sector_weight"]


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
    board_layers : tuple of str
        School-board layers of the sector (real maps); split layers too when present.
    """

    name: str
    columns: tuple[str, ...]
    weight: str
    split_layers: tuple[str, ...]
    alliance_layer: str = "alliance"
    board_layers: tuple[str, ...] = ()

    def layers_in(self, landscape: Landscape) -> list[str]:
        """The sector's board and split layers present in ``landscape`` (prefixes expanded)."""
        out = [name for name in self.board_layers if name in landscape.layers]
        for pattern in self.split_layers:
            if pattern.endswith("*"):
                out += sorted(n for n in landscape.layers if n.startswith(pattern[:-1]))
            elif pattern in landscape.layers:
                out.append(pattern)
        return out


#: The sector variants, by name.
SECTORS: dict[str, Sector] = {
    "po": Sector("po", ("pupils_po",), "pupils_po", ("rap_po", "sop"), board_layers=("boards",)),
    "vo_mbo": Sector("vo_mbo", ("pupils_vo", "pupils_mbo"), "pupils_vo_mbo", ("rap_vo", "sop"),
                     board_layers=("vo_boards",)),
    "cross": Sector("cross", ("pupils_po", "pupils_vo", "pupils_mbo"), "pupils_total",
                    ("rap_*", "sop"), board_layers=("boards", "vo_boards")),
}


@dataclass(frozen=True)
class SectorWeight:
    """What a sector's weight is made of in one landscape.

    Attributes
    ----------
    column : str
        The weight column (``Sector.weight``).
    parts : tuple of str
        The sector's columns the units have; the weight is their sum.
    missing : tuple of str
        The sector's columns the units lack.
    note : str
        ``""`` when nothing is missing, else e.g. ``"vo only, no mbo data"``.
    """

    column: str
    parts: tuple[str, ...]
    missing: tuple[str, ...]
    note: str


def _short(column: str) -> str:
    return column.removeprefix("pupils_")


def sector_weight(landscape: Landscape, sector: str | Sector) -> SectorWeight:
    """Which of a sector's pupil columns the landscape has, and a note for tables.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": ["A"], "pupils_vo": [5]},
    ...     geometry=[box(0, 0, 1, 1)], crs="EPSG:28992"), code="code")
    >>> w = sector_weight(Landscape(u, [Layer.from_partition("x", {"A": "1"})]), "vo_mbo")
    >>> w.parts, w.missing, w.note
    (('pupils_vo',), ('pupils_mbo',), 'vo only, no mbo data')
    """
    s = get_sector(sector)
    parts = tuple(c for c in s.columns if c in landscape.units.columns)
    missing = tuple(c for c in s.columns if c not in landscape.units.columns)
    note = ""
    if missing and parts:
        note = (f"{' + '.join(map(_short, parts))} only, no "
                f"{', '.join(map(_short, missing))} data")
    elif missing:
        note = f"no {', '.join(map(_short, missing))} data"
    return SectorWeight(s.weight, parts, missing, note)


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


def sector_landscape(
    landscape: Landscape,
    sector: str | Sector,
    *,
    strict: bool = True,
    missing_columns: Literal["warn", "raise"] = "warn",
) -> Landscape:
    """Narrow a landscape to one sector.

    Drops the layers that belong to other sectors only (e.g. ``rap_vo`` or ``vo_boards``
    for ``po``), keeps every other layer (``sop``, ``alliance``, and partitions such as
    ``amr`` or ``province`` that serve as reference), and adds the sector's weight column
    when it is a sum (``pupils_vo_mbo``, ``pupils_total``).

    Parameters
    ----------
    landscape : Landscape
    sector : str or Sector
        ``"po"``, ``"vo_mbo"`` or ``"cross"``.
    strict : bool, default True
        Raise unless the landscape has all the sector's policy layers and its alliance
        layer, or all its board layers (the real map); with False, any of them may be
        missing.
    missing_columns : {"warn", "raise"}, default "warn"
        What to do when some, not all, of the sector's pupil columns are missing (the
        real map has no ``pupils_mbo``): ``"warn"`` sums the columns present, warns, and
        adds the note of :func:`sector_weight` to the name; ``"raise"`` raises.

    Returns
    -------
    Landscape
        Named ``"<name> [<sector>]"``, or ``"<name> [<sector>: <note>]"`` when a weight
        column was missing.

    Raises
    ------
    ColumnError
        None of the sector's pupil columns is present, or one is missing and
        ``missing_columns="raise"`` (named, with the columns present).
    LayerError
        ``strict`` and the sector's layers are missing (named, with the layers present).

    Warns
    -----
    UserWarning
        A pupil column is missing and ``missing_columns="warn"``.

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
    if missing_columns not in ("warn", "raise"):
        raise InputError(f"missing_columns must be 'warn' or 'raise', got {missing_columns!r}")
    w = sector_weight(landscape, s)
    if w.missing and (not w.parts or missing_columns == "raise"):
        raise ColumnError(
            f"sector {s.name!r} needs weight column(s) {list(w.missing)}, which the units lack; "
            f"they have {landscape.weights}. Join pupil counts with rato_opt.join_weights"
        )
    if w.missing:
        warnings.warn(
            f"sector {s.name!r}: the units lack {list(w.missing)}, so {s.weight} sums only "
            f"{list(w.parts)} ({w.note}); pass missing_columns='raise' to make this an error",
            UserWarning,
            stacklevel=2,
        )
    check_weights(landscape.units, list(w.parts))
    if strict:
        absent = [p for p in s.split_layers if not _matches(landscape, p)]
        if s.alliance_layer not in landscape.layers:
            absent.append(s.alliance_layer)
        boards = [b for b in s.board_layers if b not in landscape.layers]
        if absent and (boards or not s.board_layers):
            alternative = f", or its board layer(s) {list(s.board_layers)}" if s.board_layers \
                else ""
            raise LayerError(
                f"sector {s.name!r} needs layer(s) {absent}{alternative}, which the landscape "
                f"lacks; it has {sorted(landscape.layers)} (pass strict=False to go without "
                "them)"
            )
    units = landscape.units
    if len(s.columns) > 1 or s.weight != s.columns[0]:
        units = units.copy()
        units[s.weight] = units[list(w.parts)].sum(axis=1)
        units = units[["name", *[c for c in units.columns if c not in ("name", "geometry")],
                       "geometry"]]
    drop = _other_sector_layers(landscape, s)
    layers = {n: layer for n, layer in landscape.layers.items() if n not in drop}
    label = f"{s.name}: {w.note}" if w.note else s.name
    return dataclasses.replace(landscape, units=units, layers=layers,
                               name=f"{landscape.name} [{label}]")


def _matches(landscape: Landscape, pattern: str) -> bool:
    if pattern.endswith("*"):
        return any(n.startswith(pattern[:-1]) for n in landscape.layers)
    return pattern in landscape.layers


def sector_spec(spec: RegionSpec, sector: str | Sector, landscape: Landscape | None = None
                ) -> RegionSpec:
    """Point a spec's objective at a sector.

    Sets ``objective.split_by`` to the sector's weight and ``objective.split_layers``
    to the sector's layers (keeping weights the spec already gave them, else 1; board
    layers only when a landscape that has them is given), and
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
