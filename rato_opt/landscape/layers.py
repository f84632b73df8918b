"""Collaboration layers: named sets of (possibly overlapping) collaborations.

A :class:`Layer` holds, for one kind of collaboration (``rap_po``, ``sop``,
``alliance``, ``amr``, ...), the collaborations (id and name) and the share of
every unit each collaboration covers. A unit *belongs* to a collaboration when
that share is at least ``min_share``. A unit may belong to several
collaborations of one layer, or to none (a witte vlek of that layer).

Layers are built from polygons (:meth:`Layer.from_polygons`), from a
unit→collaboration table (:meth:`Layer.from_table`) or from a partition
(:meth:`Layer.from_partition`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from .._util import listing
from ..exceptions import ColumnError, CRSError, LayerError, UnitCodeError
from .units import check_weights

__all__ = ["Layer", "SHARE_COLUMNS"]

#: Columns of :attr:`Layer.shares` (an optional ``weight`` column holds membership weights).
SHARE_COLUMNS = ("unit", "collaboration", "area_share", "weight_share")

ShareBy = Literal["area", "weight"]


@dataclasses.dataclass(frozen=True, eq=False)
class Layer:
    """A named set of collaborations of one kind over base units.

    Parameters
    ----------
    name : str
        Layer name, e.g. ``"rap_po"``.
    collaborations : DataFrame
        Indexed by collaboration id (str, named ``"collaboration"``), with a
        ``"name"`` column.
    shares : DataFrame
        One row per unit × collaboration with a positive share, columns
        ``unit``, ``collaboration``, ``area_share`` and ``weight_share`` (both
        in [0, 1]; ``weight_share`` is NaN where no weight was given). An optional
        ``weight`` column holds the *membership weight*: the collaboration's own
        quantity in the unit (e.g. a school board's pupils in a gemeente), a number
        >= 0 on every row; see :attr:`weighted`.
    min_share : float, default 0.5
        A unit belongs to a collaboration when its share is at least this.
    share_by : {"area", "weight"}, default "area"
        Which share decides membership. Where ``weight_share`` is NaN (a unit
        without weight) the area share is used.
    kind : str, optional
        Free label of the kind of collaboration (defaults to ``name``).
    units : Index, optional
        Codes of the units the layer was built over.

    Examples
    --------
    >>> import pandas as pd
    >>> layer = Layer.from_partition("amr", pd.Series({"A": "r1", "B": "r1", "C": "r2"}))
    >>> layer.n_collaborations, layer.membership()["collaboration"].tolist()
    (2, ['r1', 'r1', 'r2'])
    """

    name: str
    collaborations: pd.DataFrame
    shares: pd.DataFrame
    min_share: float = 0.5
    share_by: ShareBy = "area"
    kind: str | None = None
    units: pd.Index | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise LayerError(f"a layer needs a non-empty string name, got {self.name!r}")
        if self.share_by not in ("area", "weight"):
            raise LayerError(
                f"share_by must be 'area' or 'weight', got {self.share_by!r}"
            )
        if not 0 < self.min_share <= 1:
            raise LayerError(
                f"min_share of layer {self.name!r} must be in (0, 1], got {self.min_share}"
            )
        missing = [c for c in SHARE_COLUMNS if c not in self.shares.columns]
        if missing:
            raise ColumnError(f"layer {self.name!r}: shares lack columns {missing}")
        if "name" not in self.collaborations.columns:
            raise ColumnError(f"layer {self.name!r}: collaborations need a 'name' column")
        unknown = set(self.shares["collaboration"]) - set(self.collaborations.index)
        if unknown:
            raise LayerError(
                f"layer {self.name!r}: shares refer to unknown collaborations "
                f"{listing(sorted(unknown))}"
            )
        for col in ("area_share", "weight_share"):
            v = self.shares[col].dropna()
            if len(v) and ((v < -1e-9).any() or (v > 1 + 1e-9).any()):
                raise LayerError(f"layer {self.name!r}: {col} must lie in [0, 1]")
        if "weight" in self.shares.columns:
            v = pd.to_numeric(self.shares["weight"], errors="coerce").to_numpy(dtype=float)
            if not np.isfinite(v).all() or (v < 0).any():
                raise LayerError(
                    f"layer {self.name!r}: membership weights (shares column 'weight') must be "
                    "finite numbers >= 0 on every row"
                )
        if self.kind is None:
            object.__setattr__(self, "kind", self.name)
        if self.membership().empty:
            raise LayerError(
                f"layer {self.name!r} covers no unit at min_share={self.min_share}; "
                "check that its polygons overlap the units (same area, same CRS) "
                "or lower min_share"
            )

    # ------------------------------------------------------------------ views
    @property
    def n_collaborations(self) -> int:
        """Number of collaborations in the layer."""
        return len(self.collaborations)

    def share(self) -> pd.Series:
        """Share deciding membership per (unit, collaboration), in [0, 1]."""
        s = self.shares
        if self.share_by == "weight":
            value = s["weight_share"].fillna(s["area_share"])
        else:
            value = s["area_share"]
        return pd.Series(
            value.to_numpy(dtype=float),
            index=pd.MultiIndex.from_frame(s[["unit", "collaboration"]]),
            name="share",
        )

    @property
    def weighted(self) -> bool:
        """Whether the layer carries membership weights (a ``weight`` column in ``shares``;
        example in :meth:`membership`)."""
        return "weight" in self.shares.columns

    def membership(self) -> pd.DataFrame:
        """Return the (unit, collaboration, share, weight) rows at or above ``min_share``.

        Returns
        -------
        DataFrame
            Columns ``unit``, ``collaboration``, ``share`` and ``weight`` (the
            membership weight; 1 on every row of a layer without membership weights);
            sorted.

        Examples
        --------
        >>> import pandas as pd
        >>> t = pd.DataFrame({"unit": ["A", "B"], "collaboration": ["x", "x"],
        ...                   "pupils": [120, 30]})
        >>> layer = Layer.from_table("boards", t, pd.Index(["A", "B"]), weight_column="pupils")
        >>> layer.weighted, layer.membership()["weight"].tolist()
        (True, [120.0, 30.0])
        """
        s = self.share()
        weight = self.shares["weight"].to_numpy(dtype=float) if self.weighted else np.ones(len(s))
        kept = s.reset_index().assign(weight=weight)[(s >= self.min_share - 1e-12).to_numpy()]
        return kept.sort_values(["unit", "collaboration"]).reset_index(drop=True)

    def members(self) -> dict[str, list[str]]:
        """Map each collaboration id to the sorted unit codes that belong to it."""
        m = self.membership()
        out = {c: [] for c in self.collaborations.index}
        for collab, group in m.groupby("collaboration", sort=True):
            out[collab] = sorted(group["unit"])
        return out

    def incidence(self, units: pd.Index | None = None) -> pd.DataFrame:
        """Boolean unit × collaboration membership matrix.

        Parameters
        ----------
        units : Index, optional
            Row order; defaults to the layer's units.
        """
        index = units if units is not None else self.units
        m = self.membership()
        mat = pd.crosstab(m["unit"], m["collaboration"]).astype(bool)
        mat = mat.reindex(columns=self.collaborations.index, fill_value=False)
        if index is not None:
            mat = mat.reindex(index, fill_value=False)
        mat = mat.rename_axis("code")
        return mat

    def count(self, units: pd.Index | None = None) -> pd.Series:
        """Number of collaborations each unit belongs to (overlap multiplicity)."""
        return self.incidence(units).sum(axis=1).astype(int).rename(self.name)

    def with_min_share(self, min_share: float, share_by: ShareBy | None = None) -> Layer:
        """Return a copy with another membership threshold (and share basis)."""
        return dataclasses.replace(
            self, min_share=min_share, share_by=share_by or self.share_by
        )

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (
            f"Layer(name={self.name!r}, kind={self.kind!r}, "
            f"collaborations={self.n_collaborations}, "
            f"memberships={len(self.membership())}, min_share={self.min_share}, "
            f"share_by={self.share_by!r})"
        )

    # ----------------------------------------------------------- constructors
    @classmethod
    def from_table(
        cls,
        name: str,
        table: pd.DataFrame,
        units: pd.DataFrame | pd.Index,
        *,
        unit_column: str = "unit",
        id_column: str = "collaboration",
        name_column: str | None = None,
        share_column: str | None = None,
        min_share: float = 0.5,
        kind: str | None = None,
        weight_column: str | None = None,
    ) -> Layer:
        """Build a layer from a unit→collaboration table.

        A unit may be listed with several collaborations.

        Parameters
        ----------
        name : str
            Layer name.
        table : DataFrame
            One row per (unit, collaboration) membership.
        units : DataFrame or Index
            The unit table (or its codes); every code in ``table`` must be in it.
        unit_column, id_column : str
            Columns with the unit code and the collaboration id.
        name_column : str, optional
            Column with collaboration names (defaults to the id).
        share_column : str, optional
            Column with a share in [0, 1]; defaults to 1 (full membership).
        min_share : float, default 0.5
            Membership threshold.
        kind : str, optional
            Kind label.
        weight_column : str, optional
            Column with the membership weight: the collaboration's own quantity in the
            unit (e.g. a board's pupils in a gemeente), a number >= 0; rows of the same
            unit and collaboration add up. Without it the layer has no membership
            weights (see :attr:`weighted`).

        Raises
        ------
        ColumnError
            A named column is missing.
        UnitCodeError
            The table refers to unit codes that are not among ``units``.
        LayerError
            The layer covers no unit.

        Examples
        --------
        >>> import pandas as pd
        >>> t = pd.DataFrame({"unit": ["A", "B", "B"], "collaboration": ["x", "x", "y"]})
        >>> Layer.from_table("sop", t, pd.Index(["A", "B", "C"])).count().tolist()
        [1, 2, 0]
        """
        codes = _codes(units)
        cols = [unit_column, id_column, *(c for c in (name_column, share_column, weight_column) if c)]
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise ColumnError(
                f"layer {name!r}: column(s) {missing} not in the membership table; "
                f"available columns are {listing(table.columns, 30)}"
            )
        t = table.copy()
        t[unit_column] = t[unit_column].astype(str).str.strip()
        t[id_column] = t[id_column].astype(str).str.strip()
        unknown = pd.Index(t[unit_column].unique()).difference(codes)
        if len(unknown):
            raise UnitCodeError(
                f"layer {name!r} refers to {len(unknown)} unknown unit code(s): "
                f"{listing(unknown)}; fix the codes or drop those rows "
                "(codes are matched exactly, e.g. 'GM0363')"
            )
        share = (
            pd.to_numeric(t[share_column], errors="coerce")
            if share_column
            else pd.Series(1.0, index=t.index)
        )
        if share.isna().any() or (share < 0).any() or (share > 1).any():
            raise LayerError(f"layer {name!r}: {share_column!r} must hold numbers in [0, 1]")
        names = t.groupby(id_column, sort=True)[name_column or id_column].first().astype(str)
        collaborations = pd.DataFrame({"name": names})
        collaborations = collaborations.rename_axis("collaboration")
        shares = pd.DataFrame(
            {
                "unit": t[unit_column].to_numpy(),
                "collaboration": t[id_column].to_numpy(),
                "area_share": share.to_numpy(dtype=float),
                "weight_share": np.nan,
            }
        )
        aggregate = {"area_share": ("area_share", "max"), "weight_share": ("weight_share", "max")}
        if weight_column:
            weight = pd.to_numeric(t[weight_column], errors="coerce")
            if not np.isfinite(weight.to_numpy(dtype=float)).all() or (weight < 0).any():
                raise LayerError(
                    f"layer {name!r}: weight column {weight_column!r} must hold numbers >= 0"
                )
            shares["weight"] = weight.to_numpy(dtype=float)
            aggregate["weight"] = ("weight", "sum")
        shares = shares.groupby(["unit", "collaboration"], as_index=False).agg(**aggregate)
        return cls(
            name=name,
            collaborations=collaborations,
            shares=shares,
            min_share=min_share,
            kind=kind,
            units=codes,
        )

    @classmethod
    def from_partition(
        cls,
        name: str,
        assignment: pd.Series | Mapping[str, Any],
        *,
        names: Mapping[str, str] | pd.Series | None = None,
        kind: str | None = None,
    ) -> Layer:
        """Build a layer from a partition (unit code → region id).

        Parameters
        ----------
        name : str
            Layer name, e.g. ``"amr"``.
        assignment : Series or mapping
            Region id of each unit; units with a missing id are uncovered.
        names : mapping, optional
            Readable region names by id.
        kind : str, optional
            Kind label.
        """
        s = pd.Series(assignment).dropna().astype(str)
        s.index = s.index.astype(str)
        units = pd.Index(pd.Series(assignment).index.astype(str), name="code")
        t = pd.DataFrame({"unit": s.index, "collaboration": s.to_numpy()})
        if names is not None:
            t["cname"] = t["collaboration"].map(lambda c: pd.Series(names).astype(str).get(c, c))
        return cls.from_table(
            name, t, units, name_column="cname" if names is not None else None, kind=kind
        )

    @classmethod
    def from_polygons(
        cls,
        name: str,
        polygons: gpd.GeoDataFrame,
        units: gpd.GeoDataFrame,
        *,
        id_column: str,
        name_column: str | None = None,
        weight_points: gpd.GeoDataFrame | None = None,
        weight_column: str | None = None,
        min_share: float = 0.5,
        share_by: ShareBy = "area",
        kind: str | None = None,
        member_weight: str | None = None,
    ) -> Layer:
        """Build a layer from collaboration polygons, which may overlap.

        For every unit × collaboration the *area share* is the part of the
        unit's area the polygon covers. Where ``weight_points`` are given
        (e.g. school locations with pupil counts) the *weight share* is the
        part of the unit's point weight lying inside the polygon.

        Parameters
        ----------
        name : str
            Layer name.
        polygons : GeoDataFrame
            One (multi)polygon per collaboration; they may overlap.
        units : GeoDataFrame
            A validated unit table (see :func:`rato_opt.validate_units`).
        id_column : str
            Column of ``polygons`` with the collaboration id.
        name_column : str, optional
            Column with collaboration names.
        weight_points : GeoDataFrame, optional
            Points carrying a weight, for weight shares.
        weight_column : str, optional
            Column of ``weight_points`` with the weight.
        min_share : float, default 0.5
            Membership threshold.
        share_by : {"area", "weight"}, default "area"
            Which share decides membership.
        kind : str, optional
            Kind label.
        member_weight : str, optional
            Weight column of ``units``; gives the layer membership weights: the share
            deciding membership (see ``share_by``) times the unit's weight, i.e. the
            part of the unit's weight the collaboration covers.

        Raises
        ------
        CRSError
            ``polygons`` (or points) have no CRS or another CRS than ``units``:
            area shares need one CRS, so this is an error, not a warning.
        ColumnError, LayerError
            Missing columns; polygons that cover no unit.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> from rato_opt.landscape.units import validate_units
        >>> units = validate_units(gpd.GeoDataFrame({"code": ["A", "B"]},
        ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:28992"), code="code")
        >>> polys = gpd.GeoDataFrame({"id": ["p"]}, geometry=[box(0, 0, 1.25, 1)],
        ...     crs="EPSG:28992")
        >>> layer = Layer.from_polygons("sop", polys, units, id_column="id")
        >>> layer.shares["area_share"].round(2).tolist()
        [1.0, 0.25]
        """
        for col in [id_column] + ([name_column] if name_column else []):
            if col not in polygons.columns:
                raise ColumnError(
                    f"layer {name!r}: column {col!r} not in the polygons; available columns are "
                    f"{listing(polygons.columns, 30)}"
                )
        _same_crs(polygons, units, f"layer {name!r} polygons")
        if polygons.geometry.isna().any() or polygons.geometry.is_empty.any():
            bad = polygons.loc[polygons.geometry.isna() | polygons.geometry.is_empty, id_column]
            raise LayerError(f"layer {name!r}: empty polygons for {listing(bad)}")
        if not polygons.geometry.is_valid.all():
            bad = polygons.loc[~polygons.geometry.is_valid, id_column]
            raise LayerError(
                f"layer {name!r}: invalid polygons for {listing(bad)}; repair them, e.g. "
                "polygons.geometry = polygons.geometry.make_valid()"
            )
        keep = [id_column, *([name_column] if name_column else []), polygons.geometry.name]
        polys = polygons[keep].copy()
        polys[id_column] = polys[id_column].astype(str)
        polys = polys.dissolve(by=id_column, as_index=False, aggfunc="first")
        u = gpd.GeoDataFrame(
            {"unit": units.index.to_numpy()}, geometry=units.geometry.to_numpy(), crs=units.crs
        )
        u["unit_area"] = u.geometry.area
        pieces = gpd.overlay(u, polys, how="intersection", keep_geom_type=True)
        pieces["area_share"] = (pieces.geometry.area / pieces["unit_area"]).clip(0, 1)
        shares = pieces.groupby(["unit", id_column], as_index=False)["area_share"].sum()
        shares = shares.rename(columns={id_column: "collaboration"})
        shares["area_share"] = shares["area_share"].clip(0, 1)
        shares = shares[shares["area_share"] > 1e-9]
        shares["weight_share"] = np.nan
        if weight_points is not None:
            shares = _weight_shares(name, shares, polys, id_column, u, weight_points, weight_column)
        columns = list(SHARE_COLUMNS)
        if member_weight is not None:
            check_weights(units, [member_weight])
            share = shares["area_share"]
            if share_by == "weight":
                share = shares["weight_share"].fillna(share)
            unit_w = units[member_weight].astype(float).reindex(shares["unit"]).to_numpy()
            shares["weight"] = share.to_numpy(dtype=float) * unit_w
            columns.append("weight")
        names = (
            polys.set_index(id_column)[name_column].astype(str)
            if name_column
            else pd.Series(polys[id_column].to_numpy(), index=polys[id_column])
        )
        collaborations = pd.DataFrame(
            {"name": names.to_numpy()}, index=pd.Index(names.index, name="collaboration")
        )
        empty = collaborations.index.difference(shares["collaboration"].unique())
        if len(empty) == len(collaborations):
            raise LayerError(
                f"layer {name!r}: no polygon overlaps any unit; check that both are in the same "
                f"area and CRS (units: {units.crs}, polygons: {polygons.crs})"
            )
        return cls(
            name=name,
            collaborations=collaborations.sort_index(),
            shares=shares[columns]
            .sort_values(["unit", "collaboration"])
            .reset_index(drop=True),
            min_share=min_share,
            share_by=share_by,
            kind=kind,
            units=pd.Index(units.index, name="code"),
        )


def _codes(units: pd.DataFrame | pd.Index) -> pd.Index:
    codes = units if isinstance(units, pd.Index) else units.index
    return pd.Index(codes.astype(str), name="code")


def _same_crs(frame: gpd.GeoDataFrame, units: gpd.GeoDataFrame, what: str) -> None:
    if frame.crs is None:
        raise CRSError(
            f"{what} have no CRS; set it with .set_crs(...) and reproject with "
            f".to_crs({units.crs.to_string() if units.crs else 'EPSG:28992'})"
        )
    if units.crs is None or frame.crs != units.crs:
        raise CRSError(
            f"{what} are in {frame.crs.to_string()} but the units are in "
            f"{units.crs.to_string() if units.crs else None}; area shares need one CRS: "
            f"reproject with .to_crs({units.crs.to_string() if units.crs else 'EPSG:28992'!r})"
        )


def _weight_shares(
    name: str,
    shares: pd.DataFrame,
    polys: gpd.GeoDataFrame,
    id_column: str,
    units: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    weight_column: str | None,
) -> pd.DataFrame:
    """Add the weight share of every unit × collaboration from weighted points."""
    if weight_column is None:
        raise ColumnError(f"layer {name!r}: weight_points need weight_column=<column>")
    _same_crs(points, units, f"layer {name!r} weight points")
    check_weights(points.reset_index(drop=True), [weight_column], what="the weight points")
    pts = points[[weight_column, points.geometry.name]].reset_index(drop=True)
    in_unit = gpd.sjoin(pts, units[["unit", "geometry"]], predicate="within", how="inner")
    in_unit = in_unit.drop(columns="index_right")
    total = in_unit.groupby("unit")[weight_column].sum()
    in_poly = gpd.sjoin(in_unit, polys[[id_column, "geometry"]], predicate="within", how="inner")
    covered = in_poly.groupby(["unit", id_column])[weight_column].sum()
    covered.index = covered.index.set_names(["unit", "collaboration"])
    out = shares.set_index(["unit", "collaboration"])
    out = out.reindex(out.index.union(covered.index))
    out["area_share"] = out["area_share"].fillna(0.0)
    t = total.reindex(out.index.get_level_values("unit")).to_numpy(dtype=float)
    c = covered.reindex(out.index).fillna(0.0).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["weight_share"] = np.where(t > 0, np.clip(c / np.where(t > 0, t, 1), 0, 1), np.nan)
    return out.reset_index()
