"""Region names that do not mislead.

:func:`region_names` names every region of an assignment. The rules, in order:

1. **Planner's name.** ``names`` (region id -> name) is taken as given.
2. **Reference name.** With a ``reference`` layer (e.g. the arbeidsmarktregio's), a
   region takes the name of reference collaboration *C* only when it holds **more than
   half** of *C*'s weight **and** *C*'s *namesake gemeente* (below) lies in the region.
   When a region qualifies for several collaborations it takes the one of which it holds
   the most weight (then the smallest collaboration id). A collaboration names at most
   one region (only one can hold more than half of it).
3. **Largest gemeente.** Otherwise the region takes the name of its largest gemeente
   (by ``weight``: ``population``, else area), preferring gemeenten the region *holds*
   (see below) over parts of gemeenten held elsewhere.

**Gemeenten, not wijken.** When the units carry a ``gemeente`` column (wijk maps and
mixed-resolution maps: the code of the parent gemeente) units are grouped by it first, so
a name is a gemeente's name (``gemeente_name``), never a wijk's. Without that column every
unit is its own gemeente. A region *holds* a gemeente when it has the largest part of the
gemeente's weight (ties: the smallest region id); on a gemeente map that is simply
"the gemeente is in the region". Every gemeente is held by exactly one region.

**Namesake gemeente of a collaboration.** The gemeente whose name occurs in the
collaboration's name as a whole word (case-insensitive; ``-``, ``/``, spaces and other
non-letters separate words): "Groot Amsterdam" -> Amsterdam, "Midden-Utrecht" -> Utrecht,
"Zaanstreek/Waterland" -> Waterland, "Amersfoort" -> Amersfoort. Member gemeenten of the
collaboration come first, then the longest name, then the largest weight. When no
gemeente name occurs ("Rijnmond", "Twente", "FoodValley") the namesake is the
collaboration's largest member gemeente by weight (Rotterdam, Enschede, Ede). So a
region named after a collaboration whose name *is* a gemeente's name always contains
that gemeente.

**No "X (2)".** When regions would share a name, one keeps it: the planner-named
region, else the region holding the gemeente of that name, else the reference-named
region, else the region with the largest weight (then the smallest id). Each other
region becomes ``"<name> / <second>"``, where ``<second>`` is its next gemeente in the
order of rule 3 (e.g. "Dordrecht / Gorinchem"), else its largest unit's name (a wijk),
else its region id. Planner names are never changed; two regions given the same planner
name is an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely

from .._util import listing, region_label
from ..exceptions import InputError, LayerError
from .metrics import unit_weights
from .split import as_assignment, membership

if TYPE_CHECKING:  # pragma: no cover
    from ..landscape.coverage import Landscape

__all__ = ["region_names", "gemeente_parts", "namesake_gemeente"]


# ---------------------------------------------------------------- gemeenten
def _naming_weight(landscape: Landscape, weight: str | None) -> pd.Series:
    """Unit weight for naming: the given column, else population, else area (m²)."""
    units = landscape.units
    if weight is None and "population" in units.columns:
        weight = "population"
    if weight is not None:
        return unit_weights(landscape, weight)
    return pd.Series(shapely.area(units.geometry.to_numpy()), index=units.index,
                     name="weight", dtype=float)


def _gemeenten(landscape: Landscape) -> tuple[pd.Series, pd.Series]:
    """Unit code -> gemeente key, and gemeente key -> gemeente name."""
    units = landscape.units
    codes = pd.Series(units.index.astype(str), index=units.index)
    unit_names = units["name"].astype(str) if "name" in units.columns else codes
    if "gemeente" not in units.columns:
        return codes.rename("gemeente"), pd.Series(unit_names.to_numpy(), index=codes.to_numpy())
    key = units["gemeente"].where(units["gemeente"].notna(), codes).astype(str)
    if "gemeente_name" in units.columns:
        gname = units["gemeente_name"].where(units["gemeente_name"].notna(), None)
    else:
        gname = pd.Series(None, index=units.index, dtype=object)
    # a gemeente without a gemeente_name: the name of the unit with its code, else its code
    by_code = dict(zip(codes.to_numpy(), unit_names.to_numpy(), strict=True))
    fallback = key.map(lambda k: by_code.get(k, k))
    gname = gname.where(gname.notna(), fallback).astype(str)
    names = pd.Series(gname.to_numpy(), index=key.to_numpy())
    names = names[~names.index.duplicated(keep="first")]
    return key.rename("gemeente"), names


def gemeente_parts(
    landscape: Landscape,
    assignment: pd.Series | Mapping[str, Any],
    *,
    weight: str | None = None,
) -> pd.DataFrame:
    """The weight of every gemeente in every region, and which region holds it.

    Parameters
    ----------
    landscape : Landscape
    assignment : Series or mapping
        Unit code -> region id; codes not in the landscape are ignored.
    weight : str, optional
        Weight column; default ``population``, else unit area.

    Returns
    -------
    DataFrame
        One row per (region, gemeente) with weight: columns ``region``, ``gemeente``
        (the ``gemeente`` column's code, or the unit code), ``name`` (gemeente name),
        ``weight`` and ``held`` (True in the region with the largest part of the gemeente,
        ties to the smallest region id). Sorted by region, then held first, then weight
        (largest first), then gemeente.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": ["w1", "w2", "w3"],
    ...     "population": [5, 3, 4]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> u = u.assign(gemeente=["G1", "G1", "G2"], gemeente_name=["Aa", "Aa", "Bee"])
    >>> p = gemeente_parts(Landscape(u, {}), {"w1": "R1", "w2": "R2", "w3": "R2"})
    >>> p[["region", "name", "weight", "held"]].values.tolist()
    [['R1', 'Aa', 5.0, True], ['R2', 'Bee', 4.0, True], ['R2', 'Aa', 3.0, False]]
    """
    region = as_assignment(assignment)
    region = region[region.index.isin(landscape.codes)]
    key, gnames = _gemeenten(landscape)
    w = _naming_weight(landscape, weight)
    frame = pd.DataFrame({"region": region.to_numpy(dtype=object),
                          "gemeente": key.reindex(region.index).to_numpy(dtype=object),
                          "weight": w.reindex(region.index).to_numpy(dtype=float)})
    parts = frame.groupby(["region", "gemeente"], sort=True)["weight"].sum().reset_index()
    main = parts.sort_values(["gemeente", "weight", "region"], ascending=[True, False, True],
                             kind="stable").drop_duplicates("gemeente")
    held = set(zip(main["region"], main["gemeente"], strict=True))
    parts["held"] = [(r, g) in held for r, g in zip(parts["region"], parts["gemeente"],
                                                    strict=True)]
    parts["name"] = parts["gemeente"].map(gnames).astype(str)
    parts = parts.sort_values(["region", "held", "weight", "gemeente"],
                              ascending=[True, False, False, True], kind="stable")
    return parts[["region", "gemeente", "name", "weight", "held"]].reset_index(drop=True)


def _occurs(name: str, text: str) -> bool:
    """Whether ``name`` occurs in ``text`` as a whole word (case-insensitive)."""
    if not name:
        return False
    return re.search(rf"(?<![^\W_]){re.escape(name)}(?![^\W_])", text, re.IGNORECASE) is not None


def namesake_gemeente(
    collaboration_name: str,
    members: pd.Series,
    gemeente_names: pd.Series,
) -> str | None:
    """The namesake gemeente of a collaboration (see the module docstring).

    Parameters
    ----------
    collaboration_name : str
    members : Series
        The collaboration's weight per member gemeente key.
    gemeente_names : Series
        Gemeente key -> gemeente name, for every gemeente of the landscape.

    Returns
    -------
    str or None
        The gemeente key; None for a collaboration without members or name match.

    Examples
    --------
    >>> names = pd.Series({"G1": "Amsterdam", "G2": "Amstelveen", "G3": "Zaanstad"})
    >>> namesake_gemeente("Groot Amsterdam", pd.Series({"G1": 9.0, "G2": 1.0}), names)
    'G1'
    >>> namesake_gemeente("Rijnmond", pd.Series({"G2": 1.0, "G3": 4.0}), names)
    'G3'
    """
    text = str(collaboration_name)
    found = [k for k, n in gemeente_names.items() if _occurs(str(n), text)]
    if found:
        rows = sorted(found, key=lambda k: (k not in members.index,
                                            -len(str(gemeente_names[k])),
                                            -float(members.get(k, 0.0)), str(k)))
        return str(rows[0])
    if members.empty:
        return None
    order = members.reset_index()
    order.columns = ["gemeente", "w"]
    order = order.sort_values(["w", "gemeente"], ascending=[False, True], kind="stable")
    return str(order["gemeente"].iloc[0])


# ---------------------------------------------------------------- reference names
def _reference_names(landscape: Landscape, region: pd.Series, reference: str,
                     w: pd.Series, parts: pd.DataFrame) -> pd.Series:
    """Region id -> reference collaboration name, for the regions that qualify."""
    if reference not in landscape.layers:
        raise LayerError(f"reference layer {reference!r} is not a layer of the landscape; "
                         f"layers: {listing(landscape.layers)}")
    layer = landscape.layers[reference]
    key, gnames = _gemeenten(landscape)
    m = membership(layer)
    m = m[m["unit"].isin(landscape.codes)]
    f = pd.DataFrame({"collaboration": m["collaboration"].to_numpy(dtype=object),
                      "region": region.reindex(m["unit"]).to_numpy(dtype=object),
                      "gemeente": key.reindex(m["unit"]).to_numpy(dtype=object),
                      "w": w.reindex(m["unit"]).to_numpy(dtype=float)})
    total = f.groupby("collaboration")["w"].sum()
    inside = f[f["region"].notna()].groupby(["collaboration", "region"])["w"].sum().reset_index()
    inside["share"] = inside["w"] / inside["collaboration"].map(total)
    inside = inside[(inside["share"] > 0.5) & inside["w"].gt(0)]
    holder = parts[parts["held"]].set_index("gemeente")["region"]
    cnames = layer.collaborations["name"].astype(str) if "name" in layer.collaborations \
        else pd.Series(dtype=str)
    chosen: dict[str, tuple[float, str, str]] = {}
    for row in inside.itertuples(index=False):
        c = str(row.collaboration)
        cname = str(cnames.get(c, c))
        members = f[f["collaboration"] == c].groupby("gemeente")["w"].sum()
        namesake = namesake_gemeente(cname, members, gnames)
        if namesake is None or holder.get(namesake) != row.region:
            continue
        best = chosen.get(row.region)
        if best is None or (-row.w, c) < (-best[0], best[1]):
            chosen[row.region] = (float(row.w), c, cname)
    return pd.Series({r: v[2] for r, v in chosen.items()}, dtype=object)


# ---------------------------------------------------------------- names
def _planner_names(names: Mapping[Any, Any] | pd.Series | None, ids: pd.Index) -> dict[str, str]:
    if names is None:
        return {}
    items = names.items() if hasattr(names, "items") else None
    if items is None:
        raise InputError(f"names must be a mapping region id -> name, got {type(names).__name__}")
    given = {region_label(k): v for k, v in items}
    unknown = [k for k in given if k not in set(ids)]
    if unknown:
        raise InputError(f"names given for regions not in the assignment: {listing(unknown)}; "
                         f"regions: {listing(ids)}")
    bad = [k for k, v in given.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        raise InputError(f"names must be non-empty strings; regions {listing(bad)} have "
                         f"{listing(repr(given[k]) for k in bad)}")
    out = {k: v.strip() for k, v in given.items()}
    seen: dict[str, list[str]] = {}
    for k, v in out.items():
        seen.setdefault(v, []).append(k)
    dup = {v: ks for v, ks in seen.items() if len(ks) > 1}
    if dup:
        text = "; ".join(f"{v!r}: {', '.join(sorted(ks))}" for v, ks in dup.items())
        raise InputError(f"names gives the same name to several regions ({text}); "
                         "give each region its own name")
    return out


def region_names(
    landscape: Landscape,
    assignment: pd.Series | Mapping[str, Any],
    *,
    reference: str | None = None,
    weight: str | None = None,
    names: Mapping[Any, str] | pd.Series | None = None,
) -> pd.Series:
    """Name every region: planner's name, reference name, or largest gemeente; no "X (2)".

    The rules are in the module docstring (:mod:`rato_opt.assess.naming`).

    Parameters
    ----------
    landscape : Landscape
    assignment : Series or mapping
        Unit code -> region id; codes not in the landscape are ignored.
    reference : str, optional
        Reference layer (e.g. ``"amr"``) whose collaboration names regions may take.
    weight : str, optional
        Weight column for "largest" and "most of"; default ``population``, else area.
    names : mapping, optional
        Planner's names, region id -> name; taken verbatim.

    Returns
    -------
    Series
        Region id (sorted) -> unique name; named ``"name"``.

    Raises
    ------
    LayerError
        ``reference`` is not a layer of the landscape.
    InputError
        ``names`` names an unknown region, gives an empty name, or the same name twice.
    ColumnError, WeightError
        ``weight`` is not a valid weight column.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt import Landscape, Layer, validate_units
    >>> u = validate_units(gpd.GeoDataFrame({"code": list("ABCD"),
    ...     "name": ["Aa", "Bee", "Cee", "Dee"], "population": [5, 1, 2, 4]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(u, [Layer.from_partition("amr", dict(zip("ABCD", "xxyy")),
    ...                                           names={"x": "Groot Aa", "y": "Cee"})])
    >>> region_names(land, {"A": "R1", "B": "R1", "C": "R2", "D": "R2"}, reference="amr").to_dict()
    {'R1': 'Groot Aa', 'R2': 'Cee'}
    >>> region_names(land, {"A": "R1", "B": "R1", "C": "R1", "D": "R2"}, reference="amr").to_dict()
    {'R1': 'Groot Aa', 'R2': 'Dee'}
    """
    region = as_assignment(assignment)
    region = region[region.index.isin(landscape.codes)]
    ids = pd.Index(sorted(region.unique()), name="region", dtype=object)
    planner = _planner_names(names, ids)
    w = _naming_weight(landscape, weight)
    parts = gemeente_parts(landscape, region, weight=weight)
    by_region = {r: g for r, g in parts.groupby("region", sort=False)}
    refnames = (_reference_names(landscape, region, reference, w, parts)
                if reference is not None else pd.Series(dtype=object))
    units = landscape.units
    unit_name = units["name"].astype(str) if "name" in units.columns else \
        pd.Series(units.index.astype(str), index=units.index)

    def candidates(r: str) -> list[str]:
        g = by_region.get(r)
        out = list(dict.fromkeys(g["name"])) if g is not None else []
        members = region.index[region.to_numpy() == r]
        order = pd.DataFrame({"w": w.reindex(members).to_numpy(), "code": members})
        order = order.sort_values(["w", "code"], ascending=[False, True], kind="stable")
        out += [n for n in unit_name.reindex(order["code"]).tolist() if n not in out]
        return out

    first: dict[str, str] = {}
    source: dict[str, str] = {}
    for r in ids:
        if r in planner:
            first[r], source[r] = planner[r], "planner"
        elif r in refnames.index:
            first[r], source[r] = str(refnames[r]), "reference"
        else:
            cands = candidates(r)
            first[r], source[r] = (cands[0] if cands else r), "gemeente"
    held_name = parts[parts["held"]].groupby("name")["region"].apply(set).to_dict()
    total = w.reindex(region.index).groupby(region.to_numpy()).sum()

    def priority(r: str) -> tuple:
        """Who keeps a shared name: planner, holder of the gemeente, reference, weight."""
        if source[r] == "planner":
            level = 0
        elif r in held_name.get(first[r], set()):
            level = 1
        else:
            level = 2 if source[r] == "reference" else 3
        return (level, -float(total.get(r, 0.0)), r)

    result = dict(first)
    groups: dict[str, list[str]] = {}
    for r, n in first.items():
        groups.setdefault(n, []).append(r)
    used = set(result.values())
    for n, rs in sorted(groups.items()):
        if len(rs) < 2:
            continue
        keep, *others = sorted(rs, key=priority)
        for r in others:
            second = next((c for c in candidates(r) if c != n and f"{n} / {c}" not in used),
                          None)
            label = f"{n} / {second}" if second is not None else f"{n} / {r}"
            if label in used:
                label = f"{n} / {r}"
            result[r] = label
            used.add(label)
    return pd.Series([result[r] for r in ids], index=ids, name="name", dtype=object)

