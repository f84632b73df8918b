"""Invented, Dutch-sounding names for the units and collaborations of the synthetic country.

Names are composed from syllables with a seeded generator; any likeness to a real
place is chance.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["REGION_SUFFIXES", "invent_names", "unique_labels"]

_PREFIXES = (
    "Aal", "Ber", "Bos", "Bree", "Dor", "Drie", "Eem", "Ger", "Graf", "Haar", "Hee", "Hol",
    "Kam", "Ker", "Lan", "Lee", "Mar", "Mid", "Nij", "Oos", "Oud", "Rijn", "Ros", "Sche",
    "Sle", "Sto", "Ter", "Uit", "Val", "Vel", "Vli", "Vree", "Wal", "Wes", "Wie", "Wou",
    "Zaan", "Zee", "Zwa", "Ees", "Hel", "Lith", "Maas", "Nes", "Put", "Ree", "Tie", "Elst",
)
_MIDDLES = ("", "", "", "", "en", "er", "el", "ster", "ke", "le", "de")
_SUFFIXES = (
    "dam", "dijk", "drecht", "broek", "burg", "hoven", "horst", "huizen", "kerk", "meer",
    "rode", "veen", "vliet", "wijk", "wolde", "zande", "loo", "ingen", "um", "sel", "berg",
    "hout", "schot", "dorp", "mond", "oord", "gaast", "zijl", "wier", "lo", "rade", "voort",
)
#: Suffixes of invented province names.
REGION_SUFFIXES = ("land", "mark", "gouw", "waard", "kwartier", "ambacht", "veld")
_VOWELS = set("aeiouy")

def _compose(rng: np.random.Generator, suffixes: Sequence[str]) -> str:
    name = _PREFIXES[rng.integers(len(_PREFIXES))]
    for part in (_MIDDLES[rng.integers(len(_MIDDLES))], suffixes[rng.integers(len(suffixes))]):
        if not part:
            continue
        if name[-1] in _VOWELS and part[0] in _VOWELS:
            part = "n" + part
        if name[-1] == part[0] and name[-2:-1] == part[0]:
            part = part[1:]
        name += part
    return name


def invent_names(
    rng: np.random.Generator, count: int, suffixes: Sequence[str] = _SUFFIXES
) -> list[str]:
    """``count`` unique, readable, made-up Dutch-sounding names.

    Parameters
    ----------
    rng : numpy.random.Generator
        The seeded stream (e.g. ``stream(seed, "names")``).
    count : int
        How many names.
    suffixes : sequence of str, optional
        Last syllables to choose from (place-like by default, region-like for
        provinces: :data:`REGION_SUFFIXES`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> import numpy as np
    >>> invent_names(np.random.default_rng([1, 5]), 3)
    ['Eesenveen', 'Putvliet', 'Maasum']
    """
    names: list[str] = []
    seen: set[str] = set()
    qualifiers = ("Nieuw-{}", "Oud-{}", "{} aan de Vliet", "{}-Oost", "{}-West", "Sint-{}")
    attempts = 0
    while len(names) < count:
        attempts += 1
        name = _compose(rng, suffixes)
        if rng.random() < 0.05 or attempts > 20 * count:
            name = qualifiers[rng.integers(len(qualifiers))].format(name)
        if name in seen:
            if attempts > 200 * count:  # pragma: no cover - astronomically unlikely
                name = f"{name} {len(names) + 1}"
            else:
                continue
        seen.add(name)
        names.append(name)
    return names


def unique_labels(labels: list[str]) -> list[str]:
    """Number repeated labels: ``X``, ``X 2``, ``X 3`` ...

    Examples
    --------
    >>> unique_labels(["X", "Y", "X", "X"])
    ['X', 'Y', 'X 2', 'X 3']
    """
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} {seen[label]}")
    return out
