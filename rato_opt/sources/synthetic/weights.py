"""Weights of the synthetic units: population, pupils and teacher shortage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .geography import Geography, density
from .seeding import stream

__all__ = ["unit_weights"]


def unit_weights(geo: Geography, seed: int) -> pd.DataFrame:
    """Seeded weights of the units of ``geo``.

    ``population`` follows a heavy-tailed density field (a few big cities, many
    small units; offshore units a quarter as dense), scaled to a national total of
    17–18 million; pupils are noisy shares of it; ``shortage_fte`` grows with pupils
    and is higher in the cities.

    Returns
    -------
    DataFrame
        One row per unit of ``geo``: ``population``, ``pupils_po``, ``pupils_vo``,
        ``pupils_mbo`` (int) and ``shortage_fte`` (float).

    Examples
    --------
    >>> from rato_opt.sources.synthetic.geography import make_geography
    >>> w = unit_weights(make_geography(40, seed=1, islands=True), seed=1)
    >>> len(w), w.columns.tolist()
    (40, ['population', 'pupils_po', 'pupils_vo', 'pupils_mbo', 'shortage_fte'])
    """
    rng = stream(seed, "weights")
    n = len(geo.geoms)
    xy = shapely.get_coordinates(shapely.point_on_surface(geo.geoms))
    dens = density(xy, geo.cities)
    dens = np.where(geo.region == "main", dens, 0.25 * dens)
    area_km2 = shapely.area(geo.geoms) / 1e6
    raw = area_km2 * dens * rng.lognormal(0.0, 0.45, n)
    total = rng.uniform(17.2e6, 17.9e6)
    population = np.maximum(np.round(raw / raw.sum() * total), 200).astype(np.int64)

    def share(mean: float, noise: float) -> np.ndarray:
        return np.round(population * mean * rng.lognormal(0.0, noise, n)).astype(np.int64)

    urban = dens / (dens + 4.0)
    po, vo, mbo = share(0.09, 0.08), share(0.06, 0.1), share(0.03, 0.15)
    teachers = po / 20.0 + vo / 15.0
    rate = (0.03 + 0.09 * urban) * rng.lognormal(0.0, 0.25, n)
    shortage = np.maximum(np.round(teachers * rate, 1), 0.1)
    return pd.DataFrame(
        {
            "population": population,
            "pupils_po": po,
            "pupils_vo": vo,
            "pupils_mbo": mbo,
            "shortage_fte": shortage,
        }
    )
