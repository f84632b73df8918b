"""Seeding of the synthetic country: one random stream per concern, collaboration counts.

Every random draw of the generator comes from :func:`stream`, a numpy generator seeded
with ``(seed, salt)`` where the salt names the concern (outline, weights, one layer,
...), so changing one layer's generator does not change the others, and no hash or
set order is ever involved.
"""

from __future__ import annotations

import numpy as np

from ...exceptions import InputError

__all__ = ["LAYER_KINDS", "MIN_UNITS", "stream", "check_seed", "layer_counts"]

#: Layer kinds the generators can make.
LAYER_KINDS = ("province", "amr", "rap_po", "rap_vo", "sop", "alliance")

#: Collaboration counts of a full-size country (``n_units >= 340``).
_BASE_COUNTS = {"province": 12, "amr": 35, "rap_po": 43, "rap_vo": 28, "sop": 80, "alliance": 7}
_MIN_COUNTS = {"province": 2, "amr": 3, "rap_po": 3, "rap_vo": 3, "sop": 4, "alliance": 2}
_FULL_SIZE = 340
#: Fewest units :func:`~rato_opt.sources.synthetic.make_country` makes a country of.
MIN_UNITS = 30

# Salts of the seeded random streams, one per concern, so that changing one
# layer's generator does not change the others.
_SALT = {
    "outline": 1,
    "points": 2,
    "islands": 3,
    "weights": 4,
    "names": 5,
    "white": 6,
    "province": 11,
    "amr": 12,
    "rap_po": 13,
    "rap_vo": 14,
    "sop": 15,
    "alliance": 16,
    "province_names": 17,
}


def stream(seed: int, concern: str) -> np.random.Generator:
    """Independent seeded stream for one concern (no hash randomisation involved).

    Parameters
    ----------
    seed : int
        The country's seed.
    concern : str
        What the stream is for: ``"outline"``, ``"points"``, ``"islands"``,
        ``"weights"``, ``"names"``, ``"white"``, ``"province_names"`` or a layer kind.

    Returns
    -------
    numpy.random.Generator
        Seeded with ``[seed, salt of concern]``.

    Examples
    --------
    >>> stream(2026, "weights").integers(100, size=3).tolist()
    [23, 94, 94]
    """
    return np.random.default_rng([int(seed), _SALT[concern]])


def check_seed(seed: object) -> int:
    """Return ``seed`` as an int, checking that it is a non-negative integer.

    Raises
    ------
    InputError
        ``seed`` is a bool, not an integer, or negative.

    Examples
    --------
    >>> check_seed(7)
    7
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.InputError: seed must be a non-negative integer, got -1
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def layer_counts(n: int) -> dict[str, int]:
    """Collaboration count per layer kind for ``n`` units.

    Counts scale down for small countries (``n`` < 340) and stay fixed above.

    Examples
    --------
    >>> layer_counts(60)
    {'province': 4, 'amr': 10, 'rap_po': 13, 'rap_vo': 8, 'sop': 20, 'alliance': 2}
    >>> layer_counts(4000)["amr"]
    35
    """
    scale = min(1.0, n / _FULL_SIZE) ** 0.7
    cap = max(1, n // 3)
    out = {
        k: min(cap, max(_MIN_COUNTS[k], round(base * scale))) for k, base in _BASE_COUNTS.items()
    }
    out["amr"] = max(out["amr"], out["province"])
    return out
