"""The real 2024 map at finer units: every wijk, or gemeenten with some split into wijken.

:func:`load_nl_2024_wijken` carries the gemeente landscape of
:func:`~rato_opt.sources.nl2024.load_nl_2024` down to the 3,393 land wijken of
:func:`~rato_opt.sources.wijken.read_cbs_wijken` (:func:`rato_opt.landscape.resolution.refine_landscape`):

- ``population`` is the wijk's own (CBS kerncijfers 2024);
- every other weight (``pupils_po``, ``pupils_vo``) and every membership weight (the
  school boards' pupils) is only known per gemeente, and is distributed over the
  gemeente's wijken **in proportion to ``children_0_15_est``** (population × CBS share
  aged 0-15): an estimate, said so in ``landscape.notes``, on maps and in exports. The
  DUO files give school postcodes but no coordinates, so no finer rule is honest;
- memberships of unweighted layers (``amr``, ``rmc`` ...) are inherited from the gemeente.

:func:`load_nl_2024_mixed` keeps gemeenten whole and uses wijken only for the gemeenten a
planner names or the bounds force (:func:`rato_opt.landscape.resolution.mixed_resolution`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from ..landscape import Landscape
from ..landscape.resolution import mixed_resolution, parent_layer, refine_landscape
from ..spec import RegionSpec
from .nl2024 import load_nl_2024
from .wijken import WIJKEN_CREDIT, read_cbs_wijken

__all__ = ["DISTRIBUTE_BY", "BIG_FOUR", "load_nl_2024_wijken", "load_nl_2024_mixed"]

#: Column of the wijken by which gemeente quantities are distributed.
DISTRIBUTE_BY = "children_0_15_est"
#: Amsterdam, Rotterdam, Den Haag and Utrecht.
BIG_FOUR = ("GM0363", "GM0599", "GM0518", "GM0344")


def _credit(land: Landscape) -> str:
    wijken = WIJKEN_CREDIT.removeprefix("Bron: ")
    return f"{land.credit}; {wijken}; per wijk geschat naar aandeel 0-15 jaar"


def load_nl_2024_wijken(
    path: str | os.PathLike[str] | None = None,
    *,
    layers: Sequence[str] = ("amr", "boards"),
    keep_gemeenten: bool = False,
    cache: bool = True,
    **kwargs,
) -> Landscape:
    """Load the real 2024 map at wijk level.

    Parameters
    ----------
    path : path-like, optional
        The real-data directory (see :func:`rato_opt.sources.data.data_dir`).
    layers : sequence of str, default ("amr", "boards")
        Layers of :func:`~rato_opt.sources.nl2024.load_nl_2024` to carry down.
    keep_gemeenten : bool, default False
        Add the soft keep-together layer ``"gemeenten"``
        (:func:`~rato_opt.landscape.resolution.parent_layer`): name it in
        ``Objective.split_layers`` to prefer plans that keep gemeenten whole.
    cache : bool, default True
        Use the cached wijk geometry and adjacency (:func:`read_cbs_wijken`).
    **kwargs
        Passed to :func:`~rato_opt.sources.nl2024.load_nl_2024` (``pupils_year``,
        ``weights`` ...).

    Returns
    -------
    Landscape
        3,393 wijken with ``gemeente``, ``gemeente_name``, ``population``,
        ``children_0_15_est`` and the distributed gemeente weights; explicit adjacency
        and links; ``notes`` on every estimate.

    Examples
    --------
    >>> land = load_nl_2024_wijken()  # doctest: +SKIP
    >>> len(land.units), land.notes["pupils_po"][:9]  # doctest: +SKIP
    (3393, 'estimated')
    """
    fine = _refined(load_nl_2024(path, layers=layers, **kwargs), path, cache)
    if keep_gemeenten:
        fine = fine.with_layers(parent_layer(fine))
    return fine


def _refined(coarse: Landscape, path, cache: bool) -> Landscape:
    """The gemeente landscape carried down to the wijken (see the module notes)."""
    wijken = read_cbs_wijken(path, cache=cache)
    return refine_landscape(
        coarse, wijken.units, by=DISTRIBUTE_BY, adjacency=wijken.adjacency,
        links=wijken.links[["from_code", "to_code", "kind", "name"]],
        name="Nederland 2024 (wijken)", credit=_credit(coarse),
    )


def load_nl_2024_mixed(
    path: str | os.PathLike[str] | None = None,
    *,
    refine: Iterable[str] = BIG_FOUR,
    spec: RegionSpec | None = None,
    layers: Sequence[str] = ("amr", "boards"),
    keep_gemeenten: bool = True,
    cache: bool = True,
    **kwargs,
) -> Landscape:
    """Load the real 2024 map with gemeenten whole except those split into wijken.

    Parameters
    ----------
    path : path-like, optional
        The real-data directory.
    refine : iterable of str, default :data:`BIG_FOUR`
        Gemeente codes to split into wijken (the planner's choice).
    spec : RegionSpec, optional
        When given, every gemeente whose weight exceeds an upper bound is split too
        (:func:`~rato_opt.landscape.resolution.must_split`).
    layers : sequence of str, default ("amr", "boards")
        Layers to load.
    keep_gemeenten : bool, default True
        Add the soft layer ``"gemeenten"``, so that a plan can prefer to keep even the
        refined gemeenten whole (name it in ``Objective.split_layers``).
    cache : bool, default True
        Use the cached wijk geometry and adjacency.
    **kwargs
        Passed to :func:`~rato_opt.sources.nl2024.load_nl_2024`.

    Returns
    -------
    Landscape
        Gemeenten (exact weights) plus the wijken of the refined ones (estimated
        weights, see the module notes); ``notes["refined"]`` says which and why.

    Examples
    --------
    >>> land = load_nl_2024_mixed()  # doctest: +SKIP
    >>> land.notes["refined"].count("named by the planner")  # doctest: +SKIP
    4
    """
    coarse = load_nl_2024(path, layers=layers, **kwargs)
    mixed = mixed_resolution(coarse, _refined(coarse, path, cache), refine=refine, spec=spec)
    if keep_gemeenten:
        mixed = mixed.with_layers(parent_layer(mixed))
    return mixed
