"""The seeded synthetic country: rato_opt's embedded default landscape.

rato_opt ships no data files. :func:`make_country` generates, from a seed, a
made-up country in the Dutch RD coordinate range (EPSG:28992) with everything
the library works on: base units with weights, overlapping collaboration
layers, witte vlekken and offshore units joined by ferry and tunnel links.
:func:`synthetic_overlays` puts the same kind of (clearly labelled) synthetic
collaboration layers on any real base map, and :func:`load_default` returns
the cached default country.

Nothing here describes a real division: unit names, weights and
collaborations are invented. The generator is deterministic: the same
``(n_units, seed, islands)`` gives identical geometry, weights and layers in
every run (only numpy's seeded generators are used, never hash or set order).

How the country is made
-----------------------
1. A smooth irregular outline (Chaikin-smoothed, seeded perturbation of a
   rough country shape) is tiled by the Voronoi cells of seeded points, denser
   near a few seeded cities, after one Lloyd relaxation step.
2. With ``islands=True`` a few elliptic offshore units (Wadden-like) and a
   detached group of 2–3 units (Zeeuws-Vlaanderen-like) are added; ferry and
   tunnel links join them to the mainland.
3. Weights: ``population`` follows a heavy-tailed density field (a few big
   cities, many small units), scaled to a national total of 17–18 million;
   pupils are noisy shares of it; ``shortage_fte`` grows with pupils and is
   higher in the cities.
4. Layers are grown by seeded, balanced region growing on the unit graph
   (:func:`rato_opt.landscape.graph.build_graph` with the links), so every partition
   part and every collaboration is contiguous.

Layers of :func:`make_country`
------------------------------
``province``
    ~12 contiguous parts (a partition).
``amr``
    ~35 arbeidsmarktregio's, a partition nested in the provinces except for
    a few units moved across a province border.
``rap_po``, ``rap_vo``
    ~43 and ~28 contiguous regional collaborations: partition-like, with a
    few units in two collaborations and a few in none.
``sop``
    ~80 overlapping SO&P partnerships, built as buffered polygons
    (:meth:`Layer.from_polygons`), so area shares are fractional; units are
    covered 0, 1, 2 or 3+ times.
``alliance``
    7 regional zones plus 2 national alliances that cover every unit.

A few units (the *witte vlekken*) lie in no ``rap_po``, ``rap_vo`` or ``sop``
collaboration, so ``white_spots(land, layers=["rap_po", "rap_vo", "sop"])``
is non-empty. ``white_spots(land)`` over *all* layers is empty: the
partitions (``province``, ``amr``) and the national alliances cover every
unit, as in reality.

Counts scale down for small countries (``n_units`` < 340) and stay fixed
above, so finer units give larger collaborations in units, as when one moves
from gemeenten to wijken.

The generator's parts live in one module each: :mod:`~rato_opt.sources.synthetic.seeding`
(seeded streams, collaboration counts), :mod:`~rato_opt.sources.synthetic.names`
(invented names), :mod:`~rato_opt.sources.synthetic.geography` (outline, tiling, islands
and their links), :mod:`~rato_opt.sources.synthetic.weights` (population and pupils),
:mod:`~rato_opt.sources.synthetic.growing` (region growing on the unit graph),
:mod:`~rato_opt.sources.synthetic.layers` (the layer generators) and
:mod:`~rato_opt.sources.synthetic.country` (the public functions re-exported here).
"""

from __future__ import annotations

from .country import load_default, make_country, synthetic_overlays
from .seeding import LAYER_KINDS

__all__ = ["make_country", "synthetic_overlays", "load_default", "LAYER_KINDS"]
