"""Regions' own proposals as an input layer, and the national overview of them.

In the werkplan's process the future onderwijsregio's submit with which partners they
want to form a region. :class:`Proposals` holds those submissions as a collaboration
layer (one collaboration per proposal): from a table proposal -> gemeente codes
(:meth:`Proposals.from_table`), from a table proposal -> school boards, resolved to the
gemeenten where each board is a member of a board layer (:meth:`Proposals.from_boards`),
from polygons (:meth:`Proposals.from_polygons`) or from any layer
(:meth:`Proposals.from_layer`).

:func:`check_proposals` compiles the national overview a planner needs before
completing the proposals into a plan (:func:`rato_opt.optimize.completion.complete_proposals`):

- **conflicts**: units claimed by more than one proposal (and, for board-based
  proposals, boards claimed twice), with the claimants;
- **gaps**: units no proposal covers (the witte vlekken of the proposal layer);
- **rule breaks**: proposals that are not contiguous on the unit graph (with their
  pieces) or lie outside the bounds of the spec (value against limit).

Every table is keyed by unit code or proposal id.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from .._util import fmt_number, listing
from ..exceptions import ColumnError, InputError, LayerError, UnitCodeError
from ..landscape.coverage import Landscape
from ..landscape.graph import graph_from_landscape
from ..landscape.layers import Layer
from ..spec import RegionSpec

__all__ = ["Proposals", "ProposalReport", "check_proposals", "bound_breaks", "unit_label"]


def unit_label(landscape: Landscape, code: str) -> str:
    """``"Name (code)"``, or the code alone when the unit has no other name.

    Examples
    --------
    >>> from rato_opt.sources.synthetic import make_country
    >>> unit_label(make_country(n_units=60, seed=1), "SU0001")
    'Eesenveen (SU0001)'
    """
    name = landscape.units["name"].get(code, code) if "name" in landscape.units else code
    return code if name == code else f"{name} ({code})"


def _unknown_codes(unknown: Sequence[str], landscape: Landscape, what: str) -> UnitCodeError:
    """An error naming unknown unit codes, with the code of a unit name given by mistake."""
    names = landscape.units["name"].astype(str) if "name" in landscape.units else pd.Series()
    by_name = {n.casefold(): c for c, n in names.items()}
    hints = []
    for value in list(unknown)[:5]:
        code = by_name.get(str(value).casefold())
        if code is not None:
            hints.append(f"{value!r} is the name of {code}")
            continue
        close = difflib.get_close_matches(str(value), [str(c) for c in landscape.codes], n=1)
        if close:
            hints.append(f"{value!r}: did you mean {close[0]!r}?")
    hint = f" ({'; '.join(hints)})" if hints else ""
    return UnitCodeError(
        f"{what} names {len(unknown)} unit code(s) the landscape does not have: "
        f"{listing(unknown)}{hint}. Give the unit codes of the landscape (e.g. "
        f"{listing(landscape.codes[:3])}; codes are matched exactly) or drop those rows"
    )


def _need_columns(table: Any, columns: Iterable[str | None], what: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"{what} must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in columns if c is not None and c not in table.columns]
    if missing:
        raise ColumnError(
            f"{what}: column(s) {missing} not in the table; its columns are "
            f"{listing(table.columns, 30)}; name the right ones (e.g. proposal=..., unit=...)"
        )
    if table.empty:
        raise InputError(f"{what} has no rows; give one row per (proposal, unit) claim")
    return table


def _clean_ids(values: pd.Series, column: str, what: str) -> pd.Series:
    bad = values.isna() | (values.astype(str).str.strip() == "")
    if bad.any():
        rows = listing(values.index[bad])
        raise InputError(f"{what}: column {column!r} is empty in row(s) {rows}; fill or drop them")
    out = values.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    return out.str.strip()


@dataclasses.dataclass(frozen=True, eq=False)
class Proposals:
    """Regions' proposals: a collaboration layer with one collaboration per proposal.

    Build with :meth:`from_table`, :meth:`from_boards`, :meth:`from_polygons` or
    :meth:`from_layer`.

    Attributes
    ----------
    layer : Layer
        The proposals as a layer: collaboration id = proposal id, ``name`` = proposal
        name; a unit claimed by two proposals is a member of both. Where the layer has
        membership weights (board-based proposals: the pupils of the proposal's boards
        in the unit) they are the *strength* of a claim, else the membership share.
    source : str
        ``"table"``, ``"boards"``, ``"polygons"`` or ``"layer"``.
    boards : DataFrame, optional
        Board-based proposals: columns ``proposal``, ``board``, ``board_name``.
    board_layer : str, optional
        Name of the board layer the boards were resolved with.

    Examples
    --------
    >>> import pandas as pd
    >>> from rato_opt.sources.synthetic import make_country
    >>> land = make_country(n_units=60, seed=1)
    >>> t = pd.DataFrame({"proposal": ["P1", "P1", "P2"],
    ...                   "unit": ["SU0001", "SU0002", "SU0002"]})
    >>> p = Proposals.from_table(t, land)
    >>> p.ids.tolist(), p.members()["P1"]
    (['P1', 'P2'], ['SU0001', 'SU0002'])
    """

    layer: Layer
    source: str = "layer"
    boards: pd.DataFrame | None = None
    board_layer: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.layer, Layer):
            raise InputError(f"Proposals.layer must be a rato_opt Layer, got "
                             f"{type(self.layer).__name__}")

    # ----------------------------------------------------------------- views
    @property
    def ids(self) -> pd.Index:
        """Proposal ids, sorted."""
        return pd.Index(self.layer.collaborations.index.astype(str), name="proposal")

    @property
    def names(self) -> pd.Series:
        """Proposal id -> name."""
        return self.layer.collaborations["name"].astype(str).rename_axis("proposal")

    def members(self) -> dict[str, list[str]]:
        """Proposal id -> sorted unit codes it claims."""
        return self.layer.members()

    def claims(self) -> pd.DataFrame:
        """One row per claim: ``unit``, ``proposal``, ``strength`` (membership weight or share)."""
        m = self.layer.membership()
        strength = m["weight"] if self.layer.weighted else m["share"]
        return pd.DataFrame({"unit": m["unit"].astype(str).to_numpy(),
                             "proposal": m["collaboration"].astype(str).to_numpy(),
                             "strength": strength.to_numpy(dtype=float)})

    def to_table(self) -> pd.DataFrame:
        """The claims as a table ``proposal``, ``name``, ``unit`` (readable by :meth:`from_table`)."""
        c = self.claims()
        return pd.DataFrame({"proposal": c["proposal"], "name": c["proposal"].map(self.names),
                             "unit": c["unit"]}).sort_values(["proposal", "unit"],
                                                             ignore_index=True)

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (f"Proposals({len(self.ids)} proposals, source={self.source!r}, "
                f"layer={self.layer.name!r})")

    # ---------------------------------------------------------- constructors
    @classmethod
    def from_table(cls, table: pd.DataFrame, landscape: Landscape, *, proposal: str = "proposal",
                   unit: str = "unit", name: str | None = None, weight: str | None = None,
                   layer_name: str = "proposals") -> Proposals:
        """Proposals from a table with one row per (proposal, unit code) claim.

        Parameters
        ----------
        table : DataFrame
        landscape : Landscape
            Every unit code must be one of its units.
        proposal, unit : str
            Columns with the proposal id and the unit code (e.g. ``"GM0344"``).
        name : str, optional
            Column with proposal names (default: the id).
        weight : str, optional
            Column with the strength of a claim (a number >= 0; default 1), used to
            resolve a conflict towards the strongest claimant.
        layer_name : str, default "proposals"

        Raises
        ------
        ColumnError, UnitCodeError, InputError
            Missing columns; unknown unit codes (with the code of a unit *name* given
            by mistake); empty ids.

        Examples
        --------
        >>> import pandas as pd
        >>> from rato_opt.sources.synthetic import make_country
        >>> land = make_country(n_units=60, seed=1)
        >>> Proposals.from_table(pd.DataFrame({"proposal": ["P1"], "unit": ["Eesenveen"]}),
        ...                      land)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        rato_opt.exceptions.UnitCodeError: the proposals table names 1 unit code(s) ...
        """
        what = "the proposals table"
        t = _need_columns(table, [proposal, unit, name, weight], what)
        ids = _clean_ids(t[proposal], proposal, what)
        codes = _clean_ids(t[unit], unit, what)
        unknown = pd.Index(codes.unique()).difference(landscape.codes)
        if len(unknown):
            raise _unknown_codes(list(unknown), landscape, what)
        frame = pd.DataFrame({"unit": codes.to_numpy(), "proposal": ids.to_numpy()})
        if name is not None:
            frame["name"] = t[name].astype(str).str.strip().to_numpy()
        if weight is not None:
            w = pd.to_numeric(t[weight], errors="coerce")
            if w.isna().any() or (w < 0).any():
                raise InputError(f"{what}: column {weight!r} must hold numbers >= 0")
            frame["strength"] = w.to_numpy(dtype=float)
        layer = Layer.from_table(layer_name, frame, landscape.units, id_column="proposal",
                                 name_column="name" if name else None, kind="proposal",
                                 weight_column="strength" if weight else None)
        return cls(layer=layer, source="table")

    @classmethod
    def from_boards(cls, table: pd.DataFrame, landscape: Landscape, *, layer: str = "boards",
                    proposal: str = "proposal", board: str = "board", name: str | None = None,
                    layer_name: str = "proposals") -> Proposals:
        """Proposals from a table proposal -> school boards, resolved to gemeenten.

        A proposal claims every unit where one of its boards is a member of the board
        layer ``layer`` (where the layer carries pupils, only units where the board has
        pupils, unless it has none anywhere). The strength of a claim is the pupils of
        the proposal's boards in the unit (1 per board without membership weights).

        Parameters
        ----------
        table : DataFrame
            One row per (proposal, board id).
        landscape : Landscape
            Must hold the board layer.
        layer : str, default "boards"
            Board layer of the landscape.
        proposal, board, name : str
            Columns with proposal id, board id and (optional) proposal name.
        layer_name : str, default "proposals"

        Raises
        ------
        LayerError
            The board layer is missing, or board ids are not in it.

        Examples
        --------
        >>> import pandas as pd
        >>> from rato_opt.sources.synthetic import make_country
        >>> land = make_country(n_units=60, seed=1)
        >>> t = pd.DataFrame({"proposal": ["P1", "P2"], "board": ["SOP01", "SOP02"]})
        >>> p = Proposals.from_boards(t, land, layer="sop")
        >>> p.source, len(p.boards)
        ('boards', 2)
        """
        what = "the board proposals table"
        if layer not in landscape.layers:
            raise LayerError(f"board layer {layer!r} is not in the landscape; its layers are "
                             f"{sorted(landscape.layers)}; pass layer=<board layer name>")
        t = _need_columns(table, [proposal, board, name], what)
        ids = _clean_ids(t[proposal], proposal, what)
        boards = _clean_ids(t[board], board, what)
        blayer = landscape.layers[layer]
        known = pd.Index(blayer.collaborations.index.astype(str))
        unknown = pd.Index(boards.unique()).difference(known)
        if len(unknown):
            raise LayerError(
                f"{what} names {len(unknown)} board id(s) not in layer {layer!r}: "
                f"{listing(unknown)}; its ids are e.g. {listing(known[:3])} (matched exactly "
                "as text); fix the ids or drop those rows")
        m = blayer.membership()
        m = m.assign(collaboration=m["collaboration"].astype(str))
        if blayer.weighted:
            has = m.groupby("collaboration")["weight"].transform("sum") > 0
            m = m[(m["weight"] > 0) | ~has]
        pairs = pd.DataFrame({"proposal": ids.to_numpy(), "board": boards.to_numpy()})
        pairs = pairs.drop_duplicates(ignore_index=True)
        claims = pairs.merge(m, left_on="board", right_on="collaboration", how="inner")
        if claims.empty:
            raise LayerError(f"no board of {what} is a member of any unit in layer {layer!r}")
        strength = claims["weight"] if blayer.weighted else pd.Series(1.0, index=claims.index)
        frame = pd.DataFrame({"unit": claims["unit"], "proposal": claims["proposal"],
                              "strength": strength.astype(float)})
        if name is not None:
            names = dict(zip(ids, t[name].astype(str).str.strip(), strict=True))
            frame["name"] = frame["proposal"].map(names)
        lay = Layer.from_table(layer_name, frame, landscape.units, id_column="proposal",
                               name_column="name" if name else None, kind="proposal",
                               weight_column="strength")
        bnames = blayer.collaborations["name"].astype(str)
        bnames.index = bnames.index.astype(str)
        pairs["board_name"] = pairs["board"].map(bnames)
        return cls(layer=lay, source="boards", boards=pairs, board_layer=layer)

    @classmethod
    def from_polygons(cls, polygons: gpd.GeoDataFrame, landscape: Landscape, *,
                      id_column: str = "proposal", name_column: str | None = None,
                      min_share: float = 0.5, layer_name: str = "proposals") -> Proposals:
        """Proposals drawn as polygons (they may overlap): a unit is claimed by a polygon
        covering at least ``min_share`` of its area (:meth:`Layer.from_polygons`)."""
        layer = Layer.from_polygons(layer_name, polygons, landscape.units, id_column=id_column,
                                    name_column=name_column, min_share=min_share,
                                    kind="proposal")
        return cls(layer=layer, source="polygons")

    @classmethod
    def from_layer(cls, layer: Layer) -> Proposals:
        """Proposals from any layer (each collaboration a proposal), e.g. the output of
        :func:`rato_opt.sources.synthetic_proposals.synthetic_proposals`."""
        return cls(layer=layer, source="layer")


# ----------------------------------------------------------------- checking
def _limits(landscape: Landscape, spec: RegionSpec, k: int) -> list[tuple[str, Any, Any]]:
    """(column, lower, upper) in absolute terms for ``k`` regions, incl. unit counts."""
    out = []
    for b in spec.bounds:
        if b.column not in landscape.units.columns:
            raise ColumnError(f"bound on {b.column!r}, not a weight column; the units have "
                              f"{landscape.weights}")
        mean = float(landscape.units[b.column].astype(float).sum()) / k if b.relative else 1.0
        out.append((b.column, None if b.lower is None else b.lower * mean,
                    None if b.upper is None else b.upper * mean))
    if spec.min_units is not None or spec.max_units is not None:
        out.append(("units", spec.min_units, spec.max_units))
    return out


def bound_breaks(landscape: Landscape, groups: Mapping[str, Sequence[str]], spec: RegionSpec,
                 k: int) -> pd.DataFrame:
    """Groups (proposals or regions) outside the bounds of a spec, value against limit.

    Parameters
    ----------
    landscape : Landscape
    groups : mapping
        Group id -> unit codes (they may overlap).
    spec : RegionSpec
        Its ``bounds`` (relative bounds against the column total / ``k``) and
        ``min_units`` / ``max_units`` (column ``"units"``).
    k : int
        Number of regions relative bounds refer to.

    Returns
    -------
    DataFrame
        Columns ``proposal``, ``column``, ``value``, ``lower``, ``upper``, ``breach``
        (``"above upper bound"`` or ``"below lower bound"``); one row per breach.

    Examples
    --------
    >>> from rato_opt.sources.synthetic import make_country
    >>> from rato_opt.spec import Bound
    >>> land = make_country(n_units=60, seed=1)
    >>> spec = RegionSpec(bounds=[Bound("population", upper=1.0, relative=True)])
    >>> bound_breaks(land, {"A": list(land.codes)}, spec, k=2)["breach"].tolist()
    ['above upper bound']
    """
    rows = []
    tol = 1e-6
    for column, lo, hi in _limits(landscape, spec, k):
        for gid, codes in groups.items():
            codes = list(codes)
            value = (float(len(codes)) if column == "units" else
                     float(landscape.units[column].astype(float).reindex(codes).sum()))
            if hi is not None and value > hi + tol * max(1.0, abs(hi)):
                rows.append((gid, column, value, lo, hi, "above upper bound"))
            if lo is not None and value < lo - tol * max(1.0, abs(lo)):
                rows.append((gid, column, value, lo, hi, "below lower bound"))
    return pd.DataFrame(rows, columns=["proposal", "column", "value", "lower", "upper", "breach"])


def _pieces(graph: nx.Graph, members: Mapping[str, list[str]], weight: pd.Series,
            landscape: Landscape) -> pd.DataFrame:
    rows = []
    for pid, codes in members.items():
        if not codes:
            continue
        comps = [sorted(c) for c in nx.connected_components(graph.subgraph(codes))]
        if len(comps) < 2:
            continue
        total = float(weight.reindex(codes).sum()) or 1.0
        comps.sort(key=lambda c: (-float(weight.reindex(c).sum()), -len(c), c[0]))
        for i, comp in enumerate(comps, start=1):
            rows.append({"proposal": pid, "piece": i, "n_units": len(comp),
                         "weight_share": float(weight.reindex(comp).sum()) / total,
                         "units": ", ".join(comp),
                         "names": ", ".join(unit_label(landscape, c) for c in comp)})
    return pd.DataFrame(rows, columns=["proposal", "piece", "n_units", "weight_share", "units",
                                       "names"])


def _weight(landscape: Landscape, spec: RegionSpec) -> pd.Series:
    """The weight pieces and shares are measured in: split_by, the first bound, else units."""
    column = spec.objective.split_by or next(iter(b.column for b in spec.bounds), None)
    if column is None and "population" in landscape.units.columns:
        column = "population"
    if column is None:
        return pd.Series(1.0, index=landscape.codes)
    return landscape.units[column].astype(float)


@dataclasses.dataclass(frozen=True, eq=False)
class ProposalReport:
    """National overview of a set of proposals (:func:`check_proposals`).

    Attributes
    ----------
    proposals : DataFrame
        Indexed by proposal id: ``name``, ``units``, ``contested`` (its units other
        proposals claim too), totals of every weight column, ``pieces``,
        ``contiguous``, ``within_bounds``, ``ok``.
    conflicts : DataFrame
        Indexed by unit code, units claimed by more than one proposal: ``name``,
        ``claimants`` (ids, ``", "``-joined), ``n_claimants``.
    board_conflicts : DataFrame
        Indexed by board id, boards listed by more than one proposal: ``name``,
        ``claimants``, ``n_claimants`` (empty for proposals not made of boards).
    gaps : DataFrame
        Indexed by unit code, units no proposal claims (witte vlekken): ``name``,
        ``neighbours`` (proposals claiming a neighbouring unit) and the weights.
    pieces : DataFrame
        The pieces of every non-contiguous proposal (see :func:`check_proposals`).
    bounds : DataFrame
        Proposals outside the bounds (see :func:`bound_breaks`).
    k : int
        Number of regions relative bounds were taken against.
    """

    proposals: pd.DataFrame
    conflicts: pd.DataFrame
    board_conflicts: pd.DataFrame
    gaps: pd.DataFrame
    pieces: pd.DataFrame
    bounds: pd.DataFrame
    k: int

    @property
    def ok(self) -> bool:
        """No conflict, no gap and no rule broken."""
        return bool(self.conflicts.empty and self.board_conflicts.empty and self.gaps.empty
                    and self.proposals["ok"].all())

    def summary(self) -> str:
        """The overview as readable text (English, with the Dutch terms of the process)."""
        p = self.proposals
        n_units = int(p.attrs.get("n_units", 0))
        covered = n_units - len(self.gaps)
        lines = [f"{len(p)} proposals claim {covered} of {n_units} units "
                 f"({covered / max(n_units, 1):.1%}); relative bounds taken for k = {self.k}."]
        lines.append(f"Conflicts: {len(self.conflicts)} unit(s) claimed by more than one "
                     "proposal" + (":" if len(self.conflicts) else "."))
        for code, row in self.conflicts.head(20).iterrows():
            lines.append(f"  {row['name']} ({code}): {row['claimants']}")
        if len(self.conflicts) > 20:
            lines.append(f"  ... ({len(self.conflicts)} in all)")
        if len(self.board_conflicts):
            lines.append(f"Board conflicts: {len(self.board_conflicts)} board(s) in more than "
                         "one proposal:")
            for b, row in self.board_conflicts.head(20).iterrows():
                lines.append(f"  {row['name']} ({b}): {row['claimants']}")
        lines.append(f"Gaps (witte vlekken): {len(self.gaps)} unit(s) no proposal claims"
                     + (":" if len(self.gaps) else "."))
        for code, row in self.gaps.head(20).iterrows():
            near = f" (next to {row['neighbours']})" if row["neighbours"] else ""
            lines.append(f"  {row['name']} ({code}){near}")
        if len(self.gaps) > 20:
            lines.append(f"  ... ({len(self.gaps)} in all)")
        split = p.index[~p["contiguous"]]
        lines.append(f"Not contiguous: {len(split)} proposal(s)" + (":" if len(split) else "."))
        for pid in split:
            parts = self.pieces[self.pieces["proposal"] == pid]
            shown = " | ".join(parts["names"].head(4))
            lines.append(f"  {pid} {p.at[pid, 'name']}: {len(parts)} pieces: {shown}")
        out = self.bounds
        lines.append(f"Outside the bounds: {out['proposal'].nunique()} proposal(s)"
                     + (":" if len(out) else "."))
        for row in out.itertuples():
            limit = row.upper if row.breach.startswith("above") else row.lower
            sign = ">" if row.breach.startswith("above") else "<"
            lines.append(f"  {row.proposal} {p.at[row.proposal, 'name']}: {row.column} "
                         f"{fmt_number(row.value)} {sign} {'upper' if sign == '>' else 'lower'} bound "
                         f"{fmt_number(limit)}")
        return "\n".join(lines)


def check_proposals(proposals: Proposals, landscape: Landscape, spec: RegionSpec | None = None,
                    *, graph: nx.Graph | None = None) -> ProposalReport:
    """Report conflicts, gaps and rule breaks of a set of proposals.

    Parameters
    ----------
    proposals : Proposals
    landscape : Landscape
    spec : RegionSpec, optional
        Bounds (relative ones against ``spec.k``, or the number of proposals when
        ``k`` is not set), ``min_units`` / ``max_units`` and the contiguity rule.
    graph : networkx.Graph, optional
        Unit graph (default :func:`~rato_opt.landscape.graph.graph_from_landscape`).

    Returns
    -------
    ProposalReport

    Examples
    --------
    >>> import pandas as pd
    >>> from rato_opt.sources.synthetic import make_country
    >>> land = make_country(n_units=60, seed=1)
    >>> t = pd.DataFrame({"proposal": ["P1", "P1", "P2"],
    ...                   "unit": ["SU0001", "SU0002", "SU0002"]})
    >>> r = check_proposals(Proposals.from_table(t, land), land)
    >>> r.conflicts["claimants"].to_dict(), len(r.gaps)
    ({'SU0002': 'P1, P2'}, 58)
    """
    if not isinstance(proposals, Proposals):
        raise InputError(f"proposals must be a Proposals (see Proposals.from_table), got "
                         f"{type(proposals).__name__}")
    spec = RegionSpec() if spec is None else spec
    unknown = pd.Index(proposals.claims()["unit"].unique()).difference(landscape.codes)
    if len(unknown):
        raise _unknown_codes(list(unknown), landscape, "the proposals")
    if graph is None:
        graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
    k = spec.k or min(max(len(proposals.ids), spec.k_min or 1), spec.k_max or 10**9)
    claims = proposals.claims()
    members = {pid: sorted(g["unit"]) for pid, g in claims.groupby("proposal", sort=True)}
    members = {pid: members.get(pid, []) for pid in proposals.ids}
    names = landscape.units["name"].astype(str) if "name" in landscape.units else pd.Series(
        landscape.codes, index=landscape.codes)
    by_unit = claims.groupby("unit", sort=True)["proposal"].agg(lambda s: sorted(set(s)))
    multi = by_unit[by_unit.map(len) > 1]
    conflicts = pd.DataFrame({"name": names.reindex(multi.index).to_numpy(),
                              "claimants": multi.map(", ".join).to_numpy(),
                              "n_claimants": multi.map(len).to_numpy(dtype=int)},
                             index=pd.Index(multi.index, name="code"))
    board_conflicts = pd.DataFrame(columns=["name", "claimants", "n_claimants"],
                                   index=pd.Index([], name="board"))
    if proposals.boards is not None:
        b = proposals.boards.groupby("board", sort=True).agg(
            name=("board_name", "first"), claimants=("proposal", lambda s: sorted(set(s))))
        b = b[b["claimants"].map(len) > 1]
        board_conflicts = pd.DataFrame({"name": b["name"].to_numpy(),
                                        "claimants": b["claimants"].map(", ".join).to_numpy(),
                                        "n_claimants": b["claimants"].map(len).to_numpy()},
                                       index=pd.Index(b.index, name="board"))
    gap_codes = landscape.codes.difference(by_unit.index, sort=False)
    claimed = by_unit.to_dict()
    neighbours = [", ".join(sorted({p for n in graph.neighbors(c) for p in claimed.get(n, [])}))
                  if c in graph else "" for c in gap_codes]
    gaps = pd.DataFrame({"name": names.reindex(gap_codes).to_numpy(), "neighbours": neighbours},
                        index=pd.Index(gap_codes, name="code"))
    for column in landscape.weights:
        gaps[column] = landscape.units[column].reindex(gap_codes).to_numpy()
    weight = _weight(landscape, spec)
    pieces = _pieces(graph, members, weight, landscape)
    bounds = bound_breaks(landscape, members, spec, k)
    table = pd.DataFrame(index=pd.Index(proposals.ids, name="proposal"))
    table["name"] = proposals.names.reindex(table.index).to_numpy()
    table["units"] = [len(members[p]) for p in table.index]
    contested = set(multi.index)
    table["contested"] = [sum(c in contested for c in members[p]) for p in table.index]
    for column in landscape.weights:
        w = landscape.units[column].astype(float)
        table[column] = [float(w.reindex(members[p]).sum()) for p in table.index]
    n_pieces = pieces.groupby("proposal").size() if len(pieces) else pd.Series(dtype=int)
    table["pieces"] = [int(n_pieces.get(p, 1 if members[p] else 0)) for p in table.index]
    table["contiguous"] = table["pieces"] <= 1
    table["within_bounds"] = ~table.index.isin(bounds["proposal"])
    table["ok"] = table["contiguous"] & table["within_bounds"] & (table["contested"] == 0)
    table.attrs["n_units"] = len(landscape.codes)
    return ProposalReport(proposals=table, conflicts=conflicts,
                          board_conflicts=board_conflicts, gaps=gaps, pieces=pieces,
                          bounds=bounds, k=int(k))
