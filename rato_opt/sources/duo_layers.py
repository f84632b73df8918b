"""Collaboration layers from DUO tables: school-board footprints and DUO region codes.

- :func:`board_footprint_layer` — every school board (bevoegd gezag) as a collaboration
- :func:`region_code_layer` — a DUO region column (RMC, RPA, COROP, ...) as a partition layer

Both take the tables of :mod:`rato_opt.sources.duo` and a unit table.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd

from .._util import listing
from ..exceptions import ColumnError, LayerError, WeightError
from ..landscape import Layer
from .tables import check_known_codes, find_column, norm_label, unit_codes

__all__ = ["board_footprint_layer", "region_code_layer"]


def _board_rows(frame: pd.DataFrame, units: pd.Index, what: str) -> pd.DataFrame:
    for c in ("board", "gemeentecode"):
        if c not in frame.columns:
            raise ColumnError(
                f"{what} needs columns 'board' and 'gemeentecode' (as made by read_duo_schools "
                f"or read_duo_pupils); missing {c!r}, got {listing(frame.columns, 30)}"
            )
    rows = frame
    if "pupils" in rows.columns:  # a pupils table: only vestigingen with pupils count
        open_ = pd.to_numeric(rows["pupils"], errors="coerce").fillna(0) > 0
        if "masked" in rows.columns:
            open_ |= rows["masked"].astype(bool)
        rows = rows[open_.to_numpy()]
    no_board = rows["board"].isna() | (rows["board"].astype(str).str.strip() == "")
    if no_board.any():
        warnings.warn(
            f"{what}: {int(no_board.sum())} vestiging(en) without a board number are left out: "
            f"{listing(rows.index[no_board.to_numpy()])}",
            UserWarning,
            stacklevel=3,
        )
        rows = rows[~no_board.to_numpy()]
    check_known_codes(rows["gemeentecode"].astype(str), units, what)
    return rows


def _pupils_per_pair(pupils: pd.DataFrame, units: pd.Index, masked_value: float,
                     what: str) -> pd.Series:
    """Pupils per (board, unit) of a pupils table; masked counts count ``masked_value``."""
    if "pupils" not in pupils.columns:
        raise ColumnError(f"{what}: the pupils table needs a 'pupils' column (read_duo_pupils)")
    rows = _board_rows(pupils, units, what)
    values = pd.to_numeric(rows["pupils"], errors="coerce")
    if "masked" in rows.columns:
        values = values.where(~rows["masked"].astype(bool).to_numpy(), float(masked_value))
    if values.isna().any() or (values < 0).any():
        raise WeightError(
            f"{what}: pupil counts must be numbers >= 0 (or DUO's masked '<5'); check "
            f"{listing(rows.index[(values.isna() | (values < 0)).to_numpy()])}"
        )
    frame = pd.DataFrame({"board": rows["board"].astype(str).str.strip().to_numpy(),
                          "unit": rows["gemeentecode"].astype(str).to_numpy(),
                          "pupils": values.to_numpy(dtype=float)})
    return frame.groupby(["board", "unit"])["pupils"].sum()


def board_footprint_layer(
    schools_or_pupils: pd.DataFrame,
    units: pd.DataFrame | pd.Index,
    *,
    min_schools: int = 1,
    name: str = "boards",
    pupils: pd.DataFrame | None = None,
    masked_value: float = 0.0,
) -> Layer:
    """Make every school board (bevoegd gezag) a collaboration over its gemeenten.

    A board belongs to a gemeente when it runs at least ``min_schools`` vestigingen
    there. Boards overlap (several boards per gemeente), so the layer is a membership
    table, not a partition.

    The layer carries membership weights (:attr:`Layer.weighted
    <rato_opt.landscape.layers.Layer.weighted>`, used with
    ``Objective(split_weight="membership")``): the board's own pupils in the gemeente
    when pupil counts are at hand (``pupils``, or ``schools_or_pupils`` itself being a
    pupils table), else its number of vestigingen there.

    Parameters
    ----------
    schools_or_pupils : DataFrame
        From :func:`read_duo_schools` or :func:`read_duo_pupils` (columns ``board`` and
        ``gemeentecode``; of a pupils table only vestigingen with pupils count).
    units : GeoDataFrame or Index
        The units; names of a GeoDataFrame make readable board names.
    min_schools : int, default 1
        Minimum number of vestigingen of a board in a gemeente for membership.
    name : str, default "boards"
        Layer name.
    pupils : DataFrame, optional
        From :func:`read_duo_pupils`: membership weights are the board's pupils per
        gemeente (0 where the footprint has a vestiging without pupils). The footprint
        stays that of ``schools_or_pupils``; pupils of a board in a gemeente outside it
        are reported in ``pupils_unplaced``.
    masked_value : float, default 0.0
        Pupils counted for a DUO-masked count (``<5``), as in :func:`pupils_per_unit`.

    Returns
    -------
    Layer
        Collaboration ids are board numbers; ``collaborations`` has ``name`` (the
        DUO board name if the file has one, else ``"Bestuur <nr> (<main gemeente>
        +<n>)"``), ``schools`` (vestigingen in all units) and ``gemeenten`` (member units);
        with pupil counts also ``pupils`` (the board's membership weights added up) and
        ``pupils_unplaced`` (its pupils in gemeenten outside the footprint).

    Raises
    ------
    ColumnError
        ``board`` or ``gemeentecode`` missing.
    UnitCodeError
        Vestigingen in gemeenten that are not among the units (codes named).
    LayerError
        ``min_schools`` < 1, or no board reaches it anywhere.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"board": ["1", "1", "1", "2"], "gemeentecode": ["A", "A", "B", "B"]})
    >>> layer = board_footprint_layer(s, pd.Index(["A", "B", "C"]))
    >>> layer.members(), layer.count().tolist()
    ({'1': ['A', 'B'], '2': ['B']}, [1, 2, 0])
    >>> board_footprint_layer(s, pd.Index(["A", "B"]), min_schools=2).members()
    {'1': ['A']}
    >>> layer.membership()["weight"].tolist()  # vestigingen of the board in the gemeente
    [2.0, 1.0, 1.0]
    >>> p = s.assign(pupils=[100.0, 20.0, 50.0, 70.0])
    >>> board_footprint_layer(s, pd.Index(["A", "B"]), pupils=p).membership()["weight"].tolist()
    [120.0, 50.0, 70.0]
    """
    if int(min_schools) != min_schools or min_schools < 1:
        raise LayerError(f"min_schools must be an integer >= 1, got {min_schools!r}")
    codes = unit_codes(units)
    rows = _board_rows(schools_or_pupils, codes, f"board footprint layer {name!r}")
    board = rows["board"].astype(str).str.strip().to_numpy()
    gm = rows["gemeentecode"].astype(str).to_numpy()
    counts = pd.DataFrame({"board": board, "unit": gm}).groupby(["board", "unit"]).size()
    counts = counts.rename("schools").reset_index()
    kept = counts[counts["schools"] >= min_schools]
    if kept.empty:
        raise LayerError(
            f"board footprint layer {name!r}: no board has {min_schools} or more vestigingen in "
            f"one gemeente (most is {int(counts['schools'].max()) if len(counts) else 0}); "
            "lower min_schools"
        )
    unit_names = (
        units["name"].astype(str)
        if isinstance(units, pd.DataFrame) and "name" in units.columns
        else pd.Series(codes.to_numpy(), index=codes)
    )
    main = kept.sort_values(["board", "schools", "unit"], ascending=[True, False, True])
    main = main.groupby("board").first()["unit"]
    n_units = kept.groupby("board").size()
    labels = {
        b: f"Bestuur {b} ({unit_names.get(u, u)}{f' +{n_units[b] - 1}' if n_units[b] > 1 else ''})"
        for b, u in main.items()
    }
    if "board_name" in rows.columns:
        given = (
            pd.Series(rows["board_name"].to_numpy(), index=board).dropna().astype(str).str.strip()
        )
        given = given[given != ""]
        given = given[~given.index.duplicated()]
        labels.update({b: given[b] for b in labels if b in given.index})
    source = pupils if pupils is not None else (
        rows if "pupils" in rows.columns else None)
    if source is None:
        weight = kept["schools"].astype(float).to_numpy()
    else:
        per_pair = _pupils_per_pair(source, codes, masked_value,
                                    f"board footprint layer {name!r} (pupils)")
        pairs = pd.MultiIndex.from_frame(kept[["board", "unit"]])
        weight = per_pair.reindex(pairs).fillna(0.0).to_numpy(dtype=float)
    table = kept.assign(cname=kept["board"].map(labels), weight=weight)
    layer = Layer.from_table(
        name, table, codes, unit_column="unit", id_column="board", name_column="cname",
        weight_column="weight",
    )
    collab = layer.collaborations.copy()
    collab["schools"] = counts.groupby("board")["schools"].sum().reindex(collab.index).astype(int)
    collab["gemeenten"] = n_units.reindex(collab.index).astype(int)
    if source is not None:
        placed = table.groupby("board")["weight"].sum()
        collab["pupils"] = placed.reindex(collab.index, fill_value=0.0)
        every = per_pair.groupby(level="board").sum().reindex(collab.index, fill_value=0.0)
        collab["pupils_unplaced"] = (every - collab["pupils"]).clip(lower=0.0)
    return Layer(
        name=layer.name,
        collaborations=collab,
        shares=layer.shares,
        min_share=layer.min_share,
        share_by=layer.share_by,
        kind="board",
        units=layer.units,
    )


def region_code_layer(
    schools: pd.DataFrame,
    units: pd.DataFrame | pd.Index,
    column: str = "RMC-REGIO",
    name: str = "rmc",
) -> Layer:
    """Build a partition layer from a DUO region column (one value per gemeente).

    Parameters
    ----------
    schools : DataFrame
        From :func:`read_duo_schools`.
    units : GeoDataFrame or Index
        The units; gemeenten without a school stay uncovered.
    column : str, default "RMC-REGIO"
        The region column, or its prefix: ``"RMC-REGIO"`` finds ``RMC-REGIO CODE`` and
        takes names from ``RMC-REGIO NAAM``. Others: ``RPA-GEBIED``, ``COROPGEBIED``,
        ``WGR-GEBIED``, ``ONDERWIJSGEBIED``, ``NODAAL GEBIED``.
    name : str, default "rmc"
        Layer name.

    Returns
    -------
    Layer
        A partition layer; ids are the DUO codes, names from the ``NAAM`` column.

    Raises
    ------
    ColumnError
        The region column (or ``gemeentecode``) is missing.
    LayerError
        Some gemeenten carry more than one region code (gemeenten and codes named).
    UnitCodeError
        Schools in gemeenten that are not among the units.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"gemeentecode": ["A", "A", "B"], "RMC-REGIO CODE": ["1", "1", "2"],
    ...                   "RMC-REGIO NAAM": ["Noord", "Noord", "Zuid"]})
    >>> layer = region_code_layer(s, pd.Index(["A", "B", "C"]))
    >>> layer.members(), layer.collaborations["name"].tolist()
    ({'1': ['A'], '2': ['B']}, ['Noord', 'Zuid'])
    """
    what = f"region layer {name!r}"
    if "gemeentecode" not in schools.columns:
        raise ColumnError(
            f"{what} needs the column 'gemeentecode' (as made by read_duo_schools); got "
            f"{listing(schools.columns, 30)}"
        )
    code_col = find_column(schools, what, column, f"{column} CODE")
    base = re.sub(r"\s*CODE$", "", norm_label(code_col))
    name_col = find_column(schools, what, f"{base} NAAM", required=False)
    codes = unit_codes(units)
    gm = schools["gemeentecode"].astype(str)
    check_known_codes(gm, codes, f"{what} (schools)")
    region = schools[code_col].astype("string").str.strip()
    t = pd.DataFrame({"unit": gm.to_numpy(), "region": region.to_numpy()})
    if name_col is not None:
        t["rname"] = schools[name_col].astype("string").str.strip().to_numpy()
    t = t[t["region"].notna() & (t["region"] != "")]
    per = t.groupby("unit")["region"].unique()
    several = per[per.map(len) > 1]
    if len(several):
        shown = [f"{u}: {sorted(map(str, v))}" for u, v in several.items()]
        raise LayerError(
            f"{what}: column {code_col!r} has more than one value in {len(several)} gemeente(n) "
            f"({listing(shown)}); a region column can only be a partition when every gemeente "
            "has one value: use another column, or build the layer with Layer.from_table"
        )
    assignment = per.map(lambda v: str(v[0])).reindex(codes)
    names = None
    if name_col is not None:
        named = t.dropna(subset=["rname"])
        names = named.groupby("region")["rname"].agg(lambda s: s.value_counts().index[0])
    layer = Layer.from_partition(name, assignment, names=names, kind=name)
    return layer
