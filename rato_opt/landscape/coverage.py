"""The collaboration landscape: base units plus overlapping collaboration layers.

:class:`Landscape` bundles a validated unit table, a set of
:class:`~rato_opt.landscape.layers.Layer` objects and optional extra adjacency links
(ferries, tunnels). The analysis functions (:func:`layer_summary`, :func:`multiplicity`,
:func:`white_spots`, :func:`coverage_table`) return tables keyed by unit code or layer name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from .._util import listing
from ..exceptions import ColumnError, LayerError, UnitCodeError
from .layers import Layer
from .units import check_weights, weight_columns

__all__ = [
    "Landscape",
    "validate_links",
    "validate_adjacency",
    "layer_summary",
    "multiplicity",
    "white_spots",
    "coverage_table",
    "LINK_COLUMNS",
]

#: Columns of a links table (see :func:`validate_links`).
LINK_COLUMNS = ("from_code", "to_code", "kind", "name")
#: Columns of an explicit adjacency table (see :func:`validate_adjacency`).
ADJACENCY_COLUMNS = ("from_code", "to_code", "length")


def validate_links(links: pd.DataFrame | None, units: pd.Index) -> pd.DataFrame:
    """Check a table of extra adjacency links and return it in canonical form.

    Parameters
    ----------
    links : DataFrame or None
        Columns ``from_code`` and ``to_code`` (unit codes), optional ``kind``
        (e.g. ``"ferry"``, ``"tunnel"``) and ``name``.
    units : Index
        Known unit codes.

    Returns
    -------
    DataFrame
        Columns ``from_code, to_code, kind, name``.

    Examples
    --------
    >>> import pandas as pd
    >>> validate_links(pd.DataFrame({"from_code": ["A"], "to_code": ["B"]}), pd.Index(["A", "B"]))
      from_code to_code  kind name
    0         A       B  link  A-B
    """
    if links is None or len(links) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LINK_COLUMNS})
    a, b = _code_pairs(links, units, "links", "")
    out = pd.DataFrame({"from_code": a, "to_code": b})
    out["kind"] = links["kind"].astype(str).to_numpy() if "kind" in links else "link"
    out["name"] = (
        links["name"].astype(str).to_numpy()
        if "name" in links
        else (out["from_code"] + "-" + out["to_code"]).to_numpy()
    )
    return out


def _code_pairs(table: pd.DataFrame, units: pd.Index, what: str,
                more: str) -> tuple[np.ndarray, np.ndarray]:
    """The ``from_code``/``to_code`` columns of a pair table, checked against the units."""
    missing = [c for c in ("from_code", "to_code") if c not in table.columns]
    if missing:
        raise ColumnError(
            f"{what} need{'s' if what == 'adjacency' else ''} columns 'from_code' and "
            f"'to_code'{more}; missing {missing}, got {listing(table.columns)}"
        )
    a = table["from_code"].astype(str).str.strip().to_numpy()
    b = table["to_code"].astype(str).str.strip().to_numpy()
    unknown = pd.Index(np.concatenate([a, b])).unique().difference(pd.Index(units).astype(str))
    if len(unknown):
        raise UnitCodeError(
            f"{what} refer{'s' if what == 'adjacency' else ''} to unknown unit codes "
            f"{listing(unknown)}; use codes of the unit table"
        )
    loops = a == b
    if loops.any():
        raise UnitCodeError(f"{what} join{'s' if what == 'adjacency' else ''} a unit to "
                            f"itself: {listing(pd.Index(a[loops]))}")
    return a, b


def validate_adjacency(adjacency: pd.DataFrame | None, units: pd.Index) -> pd.DataFrame | None:
    """Check an explicit adjacency table and return it in canonical form.

    An explicit table replaces the adjacency that :func:`~rato_opt.landscape.graph.build_graph`
    would read from the geometry. Use it for maps whose borders do not match (e.g. the
    CBS wijken, simplified feature by feature), where the loader has built and checked
    the adjacency itself.

    Parameters
    ----------
    adjacency : DataFrame or None
        Columns ``from_code`` and ``to_code`` (unit codes) and optional ``length``
        (shared border in metres, >= 0; 0 when not given). Each pair once, in either
        order.
    units : Index
        Known unit codes.

    Returns
    -------
    DataFrame or None
        Columns ``from_code, to_code, length`` with ``from_code < to_code``, sorted,
        one row per pair; None when ``adjacency`` is None.

    Raises
    ------
    ColumnError
        A column is missing or a length is negative or not a number.
    UnitCodeError
        A code is not a unit code, or a pair joins a unit to itself.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"from_code": ["B", "A"], "to_code": ["A", "C"], "length": [5.0, 1]})
    >>> validate_adjacency(t, pd.Index(["A", "B", "C"]))
      from_code to_code  length
    0         A       B     5.0
    1         A       C     1.0
    """
    if adjacency is None:
        return None
    a, b = _code_pairs(adjacency, units, "adjacency", " (and optional 'length')")
    length = (
        pd.to_numeric(adjacency["length"], errors="coerce").to_numpy(dtype=float)
        if "length" in adjacency
        else np.zeros(len(a))
    )
    bad = ~np.isfinite(length) | (length < 0)
    if bad.any():
        raise ColumnError(
            f"adjacency lengths must be numbers >= 0 (metres of shared border); "
            f"{int(bad.sum())} are not, e.g. row {int(np.flatnonzero(bad)[0])}"
        )
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    out = pd.DataFrame({"from_code": lo, "to_code": hi, "length": length})
    out = out.groupby(["from_code", "to_code"], as_index=False, sort=True)["length"].max()
    return out.reset_index(drop=True)


@dataclasses.dataclass(frozen=True, eq=False)
class Landscape:
    """Base units with the collaboration layers that lie over them.

    Parameters
    ----------
    units : GeoDataFrame
        A validated unit table (:func:`rato_opt.validate_units`).
    layers : mapping of str to Layer, or sequence of Layer
        Collaboration layers, keyed by layer name.
    links : DataFrame, optional
        Extra adjacency links (see :func:`validate_links`).
    name : str, default "landscape"
        A label used in reports and map titles.
    credit : str, default ""
        Data credit printed on maps, e.g. ``"Bron: CBS/Kadaster (via PDOK), DUO"``.
    adjacency : DataFrame, optional
        An explicit unit adjacency (see :func:`validate_adjacency`). When given, the
        unit graph (:func:`~rato_opt.landscape.graph.graph_from_landscape`) is built from
        it and ``links`` only, not from the geometry.
    notes : mapping of str to str, optional
        How derived quantities were made, keyed by weight column or layer name, e.g.
        ``{"pupils_po": "estimated: ..."}``; tables, maps and exports repeat them.

    Examples
    --------
    >>> from rato_opt.sources.synthetic import make_country
    >>> land = make_country(n_units=60, seed=1)
    >>> len(land.units), sorted(land.layers)[:2]
    (60, ['alliance', 'amr'])
    """

    units: gpd.GeoDataFrame
    layers: Mapping[str, Layer]
    links: pd.DataFrame | None = None
    name: str = "landscape"
    credit: str = ""
    adjacency: pd.DataFrame | None = None
    notes: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.layers, Sequence):
            layers = {layer.name: layer for layer in self.layers}
            if len(layers) != len(self.layers):
                raise LayerError("two layers share a name; layer names must be unique")
        else:
            layers = dict(self.layers)
        for key, layer in layers.items():
            if not isinstance(layer, Layer):
                raise LayerError(
                    f"layer {key!r} is a {type(layer).__name__}, expected rato_opt.Layer"
                )
            extra = pd.Index(layer.membership()["unit"].unique()).difference(self.units.index)
            if len(extra):
                raise UnitCodeError(
                    f"layer {key!r} refers to unit codes not in the units: {listing(extra)}"
                )
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "links", validate_links(self.links, self.units.index))
        object.__setattr__(
            self, "adjacency", validate_adjacency(self.adjacency, self.units.index)
        )
        object.__setattr__(self, "notes", {str(k): str(v) for k, v in dict(self.notes).items()})

    @property
    def codes(self) -> pd.Index:
        """Unit codes, in table order."""
        return self.units.index

    @property
    def weights(self) -> list[str]:
        """Names of the numeric weight columns of the units."""
        return weight_columns(self.units)

    def with_layers(self, *layers: Layer, drop: Iterable[str] = ()) -> Landscape:
        """Return a landscape with layers added or replaced (and some dropped)."""
        new = {k: v for k, v in self.layers.items() if k not in set(drop)}
        new.update({layer.name: layer for layer in layers})
        return dataclasses.replace(self, layers=new)

    def select(self, layers: Iterable[str]) -> Landscape:
        """Return a landscape holding only the named layers."""
        names = list(layers)
        _check_layer_names(self, names)
        return dataclasses.replace(self, layers={n: self.layers[n] for n in names})

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (
            f"Landscape(name={self.name!r}, units={len(self.units)}, "
            f"layers={list(self.layers)}, links={len(self.links)})"
        )


def _check_layer_names(landscape: Landscape, names: Iterable[str]) -> None:
    unknown = [n for n in names if n not in landscape.layers]
    if unknown:
        raise LayerError(
            f"unknown layer(s) {unknown}; the landscape has {sorted(landscape.layers)}"
        )


def multiplicity(landscape: Landscape, layers: Sequence[str] | None = None) -> pd.DataFrame:
    """Number of collaborations covering each unit, per layer and in total.

    Parameters
    ----------
    landscape : Landscape
    layers : sequence of str, optional
        Layers to count; all by default.

    Returns
    -------
    DataFrame
        Indexed by unit code; one integer column per layer plus ``"any"``
        (number of layers covering the unit) and ``"total"`` (collaborations
        over all layers).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> from rato_opt.landscape import Layer, validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "pop": [1, 2, 3]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(units, [Layer.from_partition("p", pd.Series({"A": "x", "B": "x"}))])
    >>> multiplicity(land).to_dict("list")
    {'p': [1, 1, 0], 'any': [1, 1, 0], 'total': [1, 1, 0]}
    """
    names = list(landscape.layers) if layers is None else list(layers)
    _check_layer_names(landscape, names)
    codes = landscape.codes
    table = pd.DataFrame(
        {n: landscape.layers[n].count(codes) for n in names}, index=codes
    ).astype(int)
    table["any"] = (table[names] > 0).sum(axis=1).astype(int)
    table["total"] = table[names].sum(axis=1).astype(int)
    table = table.rename_axis("code")
    return table


def layer_summary(
    landscape: Landscape, weights: Sequence[str] | None = None
) -> pd.DataFrame:
    """Summarise coverage and overlap per layer.

    Parameters
    ----------
    landscape : Landscape
    weights : sequence of str, optional
        Weight columns whose covered share to report; all weights by default.

    Returns
    -------
    DataFrame
        Indexed by layer name, with columns ``kind``, ``collaborations``,
        ``units``, ``units_covered``, ``covered_share`` (share of units),
        ``units_0``, ``units_1``, ``units_2``, ``units_3plus`` (overlap
        multiplicity), ``white_spots`` and, per weight ``w``,
        ``w_covered_share``. A final row ``"(any layer)"`` combines all layers.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> from rato_opt.landscape import Layer, validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "pop": [1, 2, 3]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(units, [Layer.from_partition("p", pd.Series({"A": "x", "B": "x"}))])
    >>> summary = layer_summary(land)
    >>> int(summary.loc["p", "units_covered"]), float(summary.loc["p", "pop_covered_share"])
    (2, 0.5)
    """
    w = landscape.weights if weights is None else list(weights)
    check_weights(landscape.units, w)
    mult = multiplicity(landscape)
    rows = {}
    n = len(landscape.units)
    for name, layer in landscape.layers.items():
        counts = mult[name]
        rows[name] = _summary_row(landscape, counts, w, n, layer.kind, layer.n_collaborations)
    rows["(any layer)"] = _summary_row(
        landscape,
        mult["total"],
        w,
        n,
        "combined",
        sum(layer.n_collaborations for layer in landscape.layers.values()),
    )
    table = pd.DataFrame.from_dict(rows, orient="index")
    table = table.rename_axis("layer")
    return table


def _summary_row(landscape, counts: pd.Series, weights, n: int, kind: str, n_collab: int) -> dict:
    covered = counts > 0
    row = {
        "kind": kind,
        "collaborations": int(n_collab),
        "units": n,
        "units_covered": int(covered.sum()),
        "covered_share": float(covered.mean()) if n else 0.0,
        "units_0": int((counts == 0).sum()),
        "units_1": int((counts == 1).sum()),
        "units_2": int((counts == 2).sum()),
        "units_3plus": int((counts >= 3).sum()),
        "white_spots": int((~covered).sum()),
    }
    for c in weights:
        total = float(landscape.units[c].sum())
        row[f"{c}_covered_share"] = (
            float(landscape.units.loc[covered.to_numpy(), c].sum()) / total
            if total > 0
            else float("nan")
        )
    return row


def white_spots(
    landscape: Landscape,
    *,
    layers: Sequence[str] | None = None,
    how: Literal["any", "each", "all"] = "any",
) -> pd.DataFrame:
    """Find the witte vlekken: units not covered by collaborations.

    Parameters
    ----------
    landscape : Landscape
    layers : sequence of str, optional
        Layers to consider; all by default.
    how : {"any", "each", "all"}, default "any"
        ``"any"``: units covered by *no* collaboration of any of the layers.
        ``"all"``: units missing from at least one of the layers (a *required
        set* of layers: every layer must cover the unit).
        ``"each"``: one boolean column per layer, no filtering.

    Returns
    -------
    DataFrame
        Indexed by unit code. For ``"any"`` and ``"all"``: the white-spot
        units with ``name``, ``missing`` (the layers that do not cover the unit,
        comma-separated) and every weight column, plus a ``share_<weight>``
        column holding the unit's share of the national total. For
        ``"each"``: all units with a boolean column per layer (True = white
        spot of that layer).

    Examples
    --------
    >>> from rato_opt.sources.synthetic import make_country
    >>> land = make_country(n_units=60, seed=1)
    >>> spots = white_spots(land)
    >>> bool(spots.index.isin(land.units.index).all())
    True
    """
    if how not in ("any", "each", "all"):
        raise ValueError(f"how must be 'any', 'each' or 'all', got {how!r}")
    names = list(landscape.layers) if layers is None else list(layers)
    _check_layer_names(landscape, names)
    mult = multiplicity(landscape, names)
    uncovered = mult[names] == 0
    if how == "each":
        return uncovered
    mask = uncovered.all(axis=1) if how == "any" else uncovered.any(axis=1)
    units = landscape.units
    out = pd.DataFrame({"name": units.loc[mask, "name"]})
    out["missing"] = [
        ",".join(n for n in names if uncovered.at[code, n]) for code in out.index
    ]
    for c in landscape.weights:
        total = float(units[c].sum())
        out[c] = units.loc[mask, c]
        out[f"share_{c}"] = out[c] / total if total > 0 else float("nan")
    out = out.rename_axis("code")
    return out


def coverage_table(
    landscape: Landscape, *, white_spot_layers: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per unit: its collaborations per layer and overlap counts.

    Parameters
    ----------
    landscape : Landscape
    white_spot_layers : sequence of str, optional
        Layers whose gaps make a witte vlek (the ``white_spot`` column); all
        layers by default. The column then agrees with
        ``white_spots(landscape, layers=white_spot_layers)``.

    Returns
    -------
    DataFrame
        Indexed by unit code (every unit exactly once), columns ``name``,
        per layer ``<layer>`` (collaboration ids, ``;``-separated, empty for
        none) and ``n_<layer>`` (count), plus ``n_layers`` (layers covering the
        unit) and ``white_spot`` (covered by none of ``white_spot_layers``).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely import box
    >>> from rato_opt.landscape import Layer, validate_units
    >>> units = validate_units(gpd.GeoDataFrame({"code": list("ABC"), "pop": [1, 2, 3]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(3)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(units, [Layer.from_partition("p", pd.Series({"A": "x", "B": "x"}))])
    >>> coverage_table(land)[["p", "white_spot"]].values.tolist()
    [['x', False], ['x', False], ['', True]]
    """
    spot_layers = list(landscape.layers) if white_spot_layers is None else list(
        white_spot_layers)
    _check_layer_names(landscape, spot_layers)
    codes = landscape.codes
    out = pd.DataFrame({"name": landscape.units["name"]}, index=codes)
    for name, layer in landscape.layers.items():
        m = layer.membership()
        joined = m.groupby("unit")["collaboration"].agg(lambda s: ";".join(sorted(s)))
        out[name] = joined.reindex(codes).fillna("")
        out[f"n_{name}"] = layer.count(codes).reindex(codes).to_numpy()
    n_cols = [f"n_{n}" for n in landscape.layers]
    out["n_layers"] = (out[n_cols] > 0).sum(axis=1).astype(int) if n_cols else 0
    spot_cols = [f"n_{n}" for n in spot_layers]
    out["white_spot"] = (out[spot_cols] == 0).all(axis=1) if spot_cols else True
    out = out.rename_axis("code")
    return out
