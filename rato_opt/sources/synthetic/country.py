"""The public face of the synthetic country: :func:`make_country`, :func:`synthetic_overlays`
and :func:`load_default` (see :mod:`rato_opt.sources.synthetic` for how it is made).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ...exceptions import InputError
from ...landscape import RD_NEW, Landscape, Layer, validate_units
from .geography import Geography, island_links, make_geography
from .growing import adjacency_lists
from .layers import Context, check_kinds, make_layers
from .names import invent_names
from .seeding import LAYER_KINDS, MIN_UNITS, check_seed, stream
from .weights import unit_weights

__all__ = ["make_country", "synthetic_overlays", "load_default"]


def make_country(n_units: int = 340, *, seed: int = 2026, islands: bool = True) -> Landscape:
    """Generate the seeded synthetic country.

    Parameters
    ----------
    n_units : int, default 340
        Number of base units (at least 30), including the offshore ones.
    seed : int, default 2026
        Seed; the same ``(n_units, seed, islands)`` always gives the same country.
    islands : bool, default True
        Add a few offshore units (Wadden-like, one unit each) and a detached
        group of 2–3 units (Zeeuws-Vlaanderen-like), joined to the mainland by
        the ferry and tunnel links in ``landscape.links``.

    Returns
    -------
    Landscape
        Units ``SU0001``, ... in EPSG:28992 with ``population``, ``pupils_po``,
        ``pupils_vo``, ``pupils_mbo`` (int) and ``shortage_fte`` (float), and
        the layers ``province``, ``amr``, ``rap_po``, ``rap_vo``, ``sop`` and
        ``alliance`` (see the module docstring).

    Raises
    ------
    InputError
        ``n_units`` is too small or ``seed`` is not a non-negative integer.

    See Also
    --------
    load_default : the cached default country.
    synthetic_overlays : the same synthetic layers on a real base map.

    Notes
    -----
    ``white_spots(land)`` over all layers is empty, because the partitions and
    the national alliances cover every unit; ask for the collaboration layers,
    ``white_spots(land, layers=["rap_po", "rap_vo", "sop"])``, to see the
    witte vlekken. Names are invented from syllables; any likeness to a real
    place is chance. Cost is dominated by the unit graph and the SO&P polygons:
    about 1–2 s for 340 units, 2–4 s for 1,000 and 10–15 s for 4,000 (plus a
    one-off few seconds to import libpysal).

    Examples
    --------
    >>> land = make_country(n_units=60, seed=1)
    >>> len(land.units), land.units.index[0], sorted(land.layers)
    (60, 'SU0001', ['alliance', 'amr', 'province', 'rap_po', 'rap_vo', 'sop'])
    >>> sorted(set(land.links["kind"]))
    ['ferry', 'tunnel']
    """
    seed = check_seed(seed)
    if (isinstance(n_units, bool) or not isinstance(n_units, (int, np.integer))
            or n_units < MIN_UNITS):
        raise InputError(
            f"n_units must be an integer of at least {MIN_UNITS}, got {n_units!r}; "
            "the synthetic country needs room for its provinces and islands"
        )
    n = int(n_units)
    geo = make_geography(n, seed, islands)
    # Codes in reading order: bands of 25 km from north to south, west to east.
    xy = shapely.get_coordinates(shapely.point_on_surface(geo.geoms))
    order = np.lexsort((xy[:, 0], -np.floor(xy[:, 1] / 25_000)))
    geoms, region = geo.geoms[order], geo.region[order]
    geo = Geography(geoms, region, geo.cities)
    width = max(4, len(str(n)))
    codes = [f"SU{i:0{width}d}" for i in range(1, n + 1)]
    names = invent_names(stream(seed, "names"), n)
    frame = gpd.GeoDataFrame(
        {"code": codes, "name": names, **unit_weights(geo, seed)}, geometry=list(geoms), crs=RD_NEW
    )
    units = validate_units(frame, code="code")
    links = island_links(units, region) if islands else None
    ctx = Context(units, adjacency_lists(units, links), seed,
                   grow_weight=np.sqrt(units["population"].to_numpy(dtype=float)))
    layers = make_layers(ctx, LAYER_KINDS)
    return Landscape(
        units,
        layers,
        links=links,
        name=f"Synthetisch land (seed {seed})",
        credit=f"Synthetische gegevens, gemaakt door rato_opt (seed {seed}) — geen echte indeling",
    )


def synthetic_overlays(
    units: gpd.GeoDataFrame,
    *,
    seed: int = 2026,
    kinds: Sequence[str] = ("rap_po", "rap_vo", "sop", "alliance"),
    links: pd.DataFrame | None = None,
) -> dict[str, Layer]:
    """Put illustrative synthetic collaboration layers on any base map.

    The layers are made by the generators of :func:`make_country`, so they
    have the same structure (contiguous collaborations, overlaps, witte
    vlekken), but they are clearly labelled as made up: every collaboration
    name starts with ``"[synthetisch] "`` and every layer kind ends with
    ``" (synthetisch)"``. Use them to try the library on real units (e.g. the
    gemeenten) before real collaboration data are at hand; never present them
    as a real division.

    Parameters
    ----------
    units : GeoDataFrame
        A unit table in a projected CRS (validated with
        :func:`rato_opt.validate_units`). A ``population`` column, if present,
        balances the collaborations; otherwise units count equally.
    seed : int, default 2026
        Seed of the layers.
    kinds : sequence of str, default ("rap_po", "rap_vo", "sop", "alliance")
        Layers to make; any of ``"province"``, ``"amr"``, ``"rap_po"``,
        ``"rap_vo"``, ``"sop"``, ``"alliance"``.
    links : DataFrame, optional
        Extra adjacency links (ferries, tunnels). Components of the map that
        touch nothing else are joined to their nearest unit for growing the
        collaborations, so islands take part in collaborations across the water.

    Returns
    -------
    dict of str to Layer
        Keyed by layer name (the kind without the suffix), e.g. ``"rap_po"``.

    Raises
    ------
    InputError
        Unknown kinds, a bad seed or invalid units (see :func:`validate_units`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> grid = gpd.GeoDataFrame({"code": [f"U{i:02d}" for i in range(36)]},
    ...     geometry=[box(i % 6 * 1000, i // 6 * 1000, i % 6 * 1000 + 1000, i // 6 * 1000 + 1000)
    ...               for i in range(36)], crs="EPSG:28992")
    >>> layers = synthetic_overlays(grid, kinds=["rap_po"])
    >>> names = layers["rap_po"].collaborations["name"]
    >>> layers["rap_po"].kind, bool(names.str.startswith("[synthetisch] ").all())
    ('rap_po (synthetisch)', True)
    """
    seed = check_seed(seed)
    kinds = check_kinds(kinds)
    valid = validate_units(units, code=None if units.index.name == "code" or "code" not in units
                           else "code")
    if len(valid) < 2:
        raise InputError(f"synthetic overlays need at least 2 units, got {len(valid)}")
    pop = (valid["population"].to_numpy(dtype=float) if "population" in valid
           else np.ones(len(valid)))
    ctx = Context(valid, adjacency_lists(valid, links, bridge=True), seed,
                   grow_weight=np.sqrt(np.maximum(pop, 0) + 1.0),
                   prefix="[synthetisch] ", kind_suffix=" (synthetisch)")
    return make_layers(ctx, kinds)


@functools.lru_cache(maxsize=1)
def load_default() -> Landscape:
    """Return the default synthetic country, ``make_country()``, cached.

    The landscape is shared between calls: do not modify its tables in place
    (copy them first, e.g. ``land.units.copy()``).

    Examples
    --------
    >>> land = load_default()  # doctest: +SKIP
    >>> land is load_default(), len(land.units)  # doctest: +SKIP
    (True, 340)
    """
    return make_country()
