"""Explain infeasibility before solving.

:func:`precheck` looks for reasons why no plan can satisfy a
:class:`~rato_opt.spec.RegionSpec` on a landscape, using only totals, unit weights,
graph components and the locks. Every reason it gives is a proof of infeasibility
(a necessary condition that fails), phrased with the units and numbers involved.
An empty list does not prove feasibility: the solver may still find the problem
infeasible (the model's elastic re-solve explains those cases).

:func:`check_feasible` raises :class:`~rato_opt.exceptions.InfeasibleError` with the
reasons. :func:`precheck_notes` lists things that are not infeasible but worth
knowing (e.g. a together-group that only connects through other units).

Notes
-----
With ``allow_islands=False`` every region is connected, so it lies inside one
connected component of the unit graph (with links), and every component is split
into a whole number ``m_c >= 1`` of regions. For each component and number of
regions ``k`` (relative bounds depend on ``k``), ``m_c`` must satisfy
``W_c <= m_c * upper``, ``W_c >= m_c * lower``, ``n_c <= m_c * max_units`` and
``n_c >= m_c * min_units``; ``k`` must lie between ``sum_c min m_c`` and
``sum_c max m_c``. With ``allow_islands=True`` every component other than the
largest is exactly one region of its own (the model's island rule): upper limits
apply to it, lower limits and ``min_units`` do not.
The cost is O(k_range * components * bounds) plus one pass over the locks.

Units are indivisible, which gives two more cheap proofs per ``k`` (ignoring
contiguity): a region needs ``lower`` of a weight, and a unit counts toward one
region only, so the units' weights capped at ``lower`` must sum to at least
``k * lower``; and units that pairwise cannot share a region (for some upper
bound their two weights exceed it, possibly a different bound for each pair:
the joint check) need a region each, so a set of them found greedily must not
exceed ``k``. A joint LP relaxation over unit-to-region fractions would add
nothing: regions are interchangeable, so averaging any fractional solution over
the permutations of the regions gives every region ``total / k`` of every weight,
and that is feasible exactly when the per-weight totals checks pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from .._util import listing
from ..exceptions import InfeasibleError, ModelError, UnitCodeError
from ..spec import RegionSpec
from ._capacity import CheckContext, component_parts, heavy_units, k_reasons, k_set
from ._lock_checks import lock_reasons

if TYPE_CHECKING:  # pragma: no cover
    from ..landscape.coverage import Landscape

__all__ = ["precheck", "precheck_notes", "check_feasible", "check_start", "feasible_k_range"]


def check_start(landscape: Landscape, spec: RegionSpec) -> None:
    """Raise when ``spec.start`` (the start plan) names units the landscape lacks.

    Units the start plan leaves out are allowed (the warm start repairs them);
    codes it has that are not units are a mistake (another map, another year's
    indeling, a typo) and would otherwise be dropped silently.

    Raises
    ------
    UnitCodeError
        Naming the unknown codes (a few, and their number).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("AB")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(2)], crs="EPSG:28992"), code="code")
    >>> check_start(Landscape(u, {}), RegionSpec(start={"A": "1", "X": "2"}))
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.UnitCodeError: RegionSpec.start names 1 unit code(s) the landscape does not have: X (its units are e.g. A, B); give a start plan of the same units (codes are matched exactly, e.g. 'GM0363')
    """
    if spec.start is None:
        return
    codes = landscape.codes
    unknown = sorted(set(spec.start) - set(codes))
    if unknown:
        raise UnitCodeError(
            f"RegionSpec.start names {len(unknown)} unit code(s) the landscape does not have: "
            f"{listing(unknown)} (its units are e.g. {listing(codes[:3])}); give a start "
            "plan of the same units (codes are matched exactly, e.g. 'GM0363')"
        )


def _context(landscape: Landscape, spec: RegionSpec, graph: nx.Graph | None) -> CheckContext:
    """The inputs of the checks, after checking the spec's type and its start plan."""
    if not isinstance(spec, RegionSpec):
        raise ModelError(f"spec must be a RegionSpec, got {type(spec).__name__}")
    check_start(landscape, spec)
    return CheckContext(landscape, spec, graph)


def feasible_k_range(
    landscape: Landscape, spec: RegionSpec, graph: nx.Graph | None = None
) -> list[int]:
    """Numbers of regions that pass the totals and component checks, ignoring ``k``.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
        Its ``k``, ``k_min`` and ``k_max`` are ignored; bounds, unit limits and
        ``allow_islands`` are used.
    graph : networkx.Graph, optional
        Unit graph with links (built when not given).

    Returns
    -------
    list of int
        Sorted candidate values of ``k`` (necessary, not sufficient, conditions).

    Examples
    --------
    Six units of weight 1 in a row, regions holding 2 or 3 units' weight::

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> from rato_opt.spec import Bound, RegionSpec
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABCDEF"), "w": [1] * 6},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(6)], crs="EPSG:28992"), code="code")
    >>> feasible_k_range(Landscape(u, {}), RegionSpec(bounds=[Bound("w", 2, 3)]))
    [2, 3]
    """
    ctx = _context(landscape, spec, graph)
    return k_set(ctx, component_parts(ctx), range(1, max(ctx.n, 1) + 1))


def precheck(landscape: Landscape, spec: RegionSpec, graph: nx.Graph | None = None) -> list[str]:
    """Reasons why no plan can meet ``spec`` on ``landscape`` (empty: none found).

    Checks, each reported with units and numbers:

    - a unit heavier than an upper bound;
    - ``k`` (or ``k_min``..``k_max``) incompatible with the totals, the number of
      units, ``min_units`` or ``max_units``, with the values of ``k`` that would work;
    - components of the unit graph (with links) that cannot be divided into whole
      regions within the bounds (too light for one region, or no whole number fits);
    - locks: unknown codes, contradictions (different fixed labels kept together,
      together and apart on one pair, overlapping own_region groups, an own_region
      group joined to other units), more fixed labels than regions, locked groups
      heavier than an upper bound, locked units in parts of the graph no link
      joins, own_region groups that are disconnected or outside the bounds;
    - ``alliance_hard`` with units in no alliance, or locked units sharing none.

    Parameters
    ----------
    landscape : Landscape
    spec : RegionSpec
    graph : networkx.Graph, optional
        Unit graph with links; built with the spec's contiguity when not given.

    Returns
    -------
    list of str

    Raises
    ------
    ColumnError, LayerError
        The spec names a weight column or layer the landscape lacks.

    Examples
    --------
    Three units ``A B C`` with populations 5, 1, 1 and an upper bound of 4::

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> from rato_opt.spec import Bound, RegionSpec
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "population": [5, 1, 1]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> precheck(Landscape(u, {}), RegionSpec(bounds=[Bound("population", upper=4)]))[0]
    'A has population 5 > upper bound 4; a region holding it cannot meet the bound (raise the bound or split the unit)'
    """
    ctx = _context(landscape, spec, graph)
    reasons = heavy_units(ctx)
    reasons += k_reasons(ctx)
    from_locks, _ = lock_reasons(ctx)
    return reasons + from_locks


def precheck_notes(landscape: Landscape, spec: RegionSpec, graph: nx.Graph | None = None
                   ) -> list[str]:
    """Non-fatal remarks about ``spec``, e.g. locked units that are not adjacent.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> from rato_opt.spec import Locks, RegionSpec
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABC")},
    ...     geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(3)],
    ...     crs="EPSG:28992"), code="code")
    >>> precheck_notes(Landscape(u, {}), RegionSpec(locks=Locks(together=[("A", "C")])))
    ['units locked together (A, C) are not adjacent to each other; their region must also hold units connecting them']
    """
    ctx = _context(landscape, spec, graph)
    return lock_reasons(ctx)[1]


def check_feasible(landscape: Landscape, spec: RegionSpec, graph: nx.Graph | None = None) -> None:
    """Raise :class:`~rato_opt.exceptions.InfeasibleError` when :func:`precheck` finds reasons.

    Raises
    ------
    InfeasibleError
        ``err.reasons`` lists every reason; the message shows the first few.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> from rato_opt.spec import RegionSpec
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("AB")},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(2)], crs="EPSG:28992"), code="code")
    >>> check_feasible(Landscape(u, {}), RegionSpec(k=3))
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.InfeasibleError: the region specification cannot be met (1 reason): k=3 cannot work: k=3 regions is more than the 2 units; k in 1..2 would work
    """
    reasons = precheck(landscape, spec, graph)
    if reasons:
        shown = " | ".join(reasons[:3]) + (f" | ... ({len(reasons)} in all)" if len(reasons) > 3
                                           else "")
        raise InfeasibleError(
            f"the region specification cannot be met ({len(reasons)} reason"
            f"{'s' if len(reasons) > 1 else ''}): {shown}",
            reasons,
        )

