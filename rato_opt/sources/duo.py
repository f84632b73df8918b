"""Loaders for DUO files: PO school vestigingen and their pupil counts.

- :func:`read_duo_schools` — DUO "alle schoolvestigingen" (board, gemeente, region codes)
- :func:`read_duo_pupils` — DUO pupil counts per vestiging for one year
- :func:`pupils_per_unit` — pupils summed per gemeente

The layers built from these tables (school boards, DUO region codes) are in
:mod:`rato_opt.sources.duo_layers`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._util import listing
from ..exceptions import ColumnError, InputError, UnitCodeError, WeightError
from .tables import (
    PathLike,
    check_known_codes,
    find_column,
    gemeente_code,
    norm_label,
    read_csv_table,
    unit_codes,
)

__all__ = ["read_duo_schools", "read_duo_pupils", "pupils_per_unit"]

#: Kinds of PO vestiging in DUO's ``SOORT_VESTIGING``.
DUO_KINDS = ("BO", "SBO", "SO", "VSO", "SO/VSO")

#: Code DUO uses for "gemeente unknown".
UNKNOWN_GEMEENTE = "9999"


def read_duo_schools(path: PathLike, *, encoding: str | None = None) -> pd.DataFrame:
    """Read DUO "alle schoolvestigingen" (e.g. basisonderwijs) as a table of vestigingen.

    The DUO file is ``;``-separated and cp1252-encoded; the encoding is detected
    (see :data:`rato_opt.sources.tables.ENCODINGS`) and headers are stripped and
    upper-cased, so spelling variants such as ``BEVOEGD_GEZAG_NUMMER`` are found too.

    Parameters
    ----------
    path : path-like
        The CSV file.
    encoding : str, optional
        Force an encoding instead of detecting it.

    Returns
    -------
    DataFrame
        Indexed by ``vestiging`` (DUO ``VESTIGINGSCODE``, BRIN6), with the added columns
        ``name``, ``board`` (bevoegd gezag number, str), ``gemeentecode``
        (``'GM'`` + zero-padded ``GEMEENTENUMMER``) and ``gemeentenaam``, followed by
        every DUO column under its (upper-cased) DUO name, e.g. ``RMC-REGIO CODE``,
        ``COROPGEBIED CODE``, ``RPA-GEBIED CODE``.

    Raises
    ------
    DataNotFoundError, ColumnError
        Missing file or required column (named).
    UnitCodeError
        Duplicate vestiging codes, or gemeente numbers that are missing or malformed.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> with open(path, "w", encoding="cp1252") as fh:
    ...     _ = fh.write("VESTIGINGSCODE;VESTIGINGSNAAM;BEVOEGD GEZAG NUMMER;GEMEENTENUMMER;"
    ...                  "RMC-REGIO CODE\\n01AA00;Café é;123;363;27\\n")
    >>> s = read_duo_schools(path)
    >>> s.loc["01AA00", ["name", "board", "gemeentecode", "RMC-REGIO CODE"]].tolist()
    ['Café é', '123', 'GM0363', '27']
    """
    what = f"DUO schoolvestigingen {Path(path).name}"
    frame = read_csv_table(path, what, encoding=encoding)
    vest = find_column(frame, what, "VESTIGINGSCODE", "BRIN6")
    gm = find_column(frame, what, "GEMEENTENUMMER", "GEMEENTECODE", "GEMEENTECODE VESTIGING")
    board = find_column(frame, what, "BEVOEGD GEZAG NUMMER", "BEVOEGD GEZAG")
    name = find_column(frame, what, "VESTIGINGSNAAM", "NAAM VESTIGING", required=False)
    gname = find_column(frame, what, "GEMEENTENAAM", required=False)
    bname = find_column(frame, what, "BEVOEGD GEZAG NAAM", "NAAM BEVOEGD GEZAG", required=False)
    codes = frame[vest].str.strip()
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(f"{what}: vestiging codes listed more than once: {listing(dup)}")
    numbers = frame[gm].set_axis(codes.to_numpy())
    out = pd.DataFrame(index=pd.Index(codes.to_numpy(), name="vestiging"))
    out["name"] = frame[name].to_numpy() if name else codes.to_numpy()
    out["board"] = frame[board].str.strip().to_numpy()
    if bname:
        out["board_name"] = frame[bname].str.strip().to_numpy()
    out["gemeentecode"] = gemeente_code(numbers, what=f"{what}, column {gm!r}").to_numpy()
    out["gemeentenaam"] = frame[gname].to_numpy() if gname else np.nan
    for c in frame.columns:
        if c not in out.columns:
            out[c] = frame[c].to_numpy()
    out.attrs["encoding"] = frame.attrs.get("encoding")
    return out


def read_duo_pupils(
    path: PathLike,
    *,
    year: int = 2025,
    kinds: Sequence[str] | None = ("BO", "SBO"),
    drop_empty: bool = True,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read DUO "historisch overzicht aantal leerlingen per schoolvestiging" for one year.

    Parameters
    ----------
    path : path-like
        The CSV file (``;``-separated, UTF-8 with BOM; the encoding is detected).
    year : int, default 2025
        Reference year: the ``LEERLINGEN_<year>`` column (pupils on 1 October).
    kinds : sequence of str or None, default ("BO", "SBO")
        ``SOORT_VESTIGING`` values to keep (see :data:`DUO_KINDS`); None keeps all. A
        DUO kind that does not occur in the file is allowed (small extracts); an
        unknown kind, or a selection that matches nothing, is an error.
    drop_empty : bool, default True
        Drop vestigingen with 0 pupils in ``year`` (closed or not yet open); masked
        counts (``<5``) are kept.
    encoding : str, optional
        Force an encoding instead of detecting it.

    Returns
    -------
    DataFrame
        Indexed by ``vestiging``; columns ``name``, ``kind``, ``board`` (str),
        ``gemeentecode`` (``GM`` code), ``gemeentenaam``, ``pupils`` (float; NaN where
        DUO masks the count) and ``masked`` (bool). ``attrs["year"]`` holds ``year``.

    Raises
    ------
    ColumnError
        A required column is missing, or no ``LEERLINGEN_<year>`` (available years named).
    InputError
        An unknown kind, or none of ``kinds`` occurs in the file.
    WeightError
        Pupil cells that are neither numbers nor DUO's ``<5`` mask (vestigingen named).

    Warns
    -----
    UserWarning
        When vestigingen with pupils have gemeente code 9999 (unknown): they are
        dropped, and the warning gives their number and pupils.

    Notes
    -----
    DUO masks counts from 1 to 4 as the string ``<5``. They are parsed with
    ``pandas.to_numeric(errors="coerce")`` into NaN and flagged in ``masked``;
    :func:`pupils_per_unit` counts them as 0 by default (a lower bound, at most
    4 pupils per masked cell too low) or as any value you pass.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "p.csv")
    >>> with open(path, "w", encoding="utf-8-sig") as fh:
    ...     _ = fh.write("VESTIGINGSCODE;NAAM_VESTIGING;SOORT_VESTIGING;BEVOEGD_GEZAG_NUMMER;"
    ...                  "GEMEENTECODE_VESTIGING;LEERLINGEN_2025\\n"
    ...                  "01AA00;A;BO;1;363;120\\n02BB00;B;SBO;1;363;<5\\n03CC00;C;BO;2;14;0\\n")
    >>> p = read_duo_pupils(path)
    >>> p[["gemeentecode", "pupils", "masked"]].values.tolist()
    [['GM0363', 120.0, False], ['GM0363', nan, True]]
    """
    what = f"DUO leerlingen {Path(path).name}"
    frame = read_csv_table(path, what, encoding=encoding)
    vest = find_column(frame, what, "VESTIGINGSCODE", "BRIN6")
    kind = find_column(frame, what, "SOORT VESTIGING", "SOORT")
    board = find_column(frame, what, "BEVOEGD GEZAG NUMMER", "BEVOEGD GEZAG")
    gm = find_column(frame, what, "GEMEENTECODE VESTIGING", "GEMEENTENUMMER", "GEMEENTECODE")
    name = find_column(frame, what, "NAAM VESTIGING", "VESTIGINGSNAAM", required=False)
    gname = find_column(frame, what, "GEMEENTENAAM VESTIGING", "GEMEENTENAAM", required=False)
    denom = find_column(frame, what, "DENOMINATIE VESTIGING", "DENOMINATIE", required=False)
    ycol = find_column(frame, what, f"LEERLINGEN {year}", f"LEERLINGEN_{year}", required=False)
    if ycol is None:
        years = sorted(
            int(m.group(1))
            for c in frame.columns
            if (m := re.fullmatch(r"LEERLINGEN (\d{4})", norm_label(c)))
        )
        raise ColumnError(
            f"{what}: no column LEERLINGEN_{year}; the file has pupil counts for "
            f"{listing(years, 40) if years else 'no year'}; pass year=<one of them>"
        )
    frame = frame.copy()
    frame[kind] = frame[kind].astype(str).str.strip().str.upper()
    if kinds is not None:
        wanted = [str(k).strip().upper() for k in kinds]
        present = set(frame[kind].unique())
        unknown = [k for k in wanted if k not in present and k not in DUO_KINDS]
        if unknown or not present.intersection(wanted):
            raise InputError(
                f"{what}: SOORT_VESTIGING {unknown or wanted} does not occur; the file has "
                f"{sorted(present)} (DUO kinds are {list(DUO_KINDS)})"
            )
        frame = frame[frame[kind].isin(wanted)]
    raw = frame[ycol].astype("string").str.strip()
    masked = raw.str.startswith("<").fillna(False).astype(bool)
    pupils = pd.to_numeric(raw.where(~masked), errors="coerce")
    bad = pupils.isna() & ~masked
    if bad.any():
        shown = [f"{v}: {r!r}" for v, r in zip(frame.loc[bad, vest], raw[bad], strict=True)]
        raise WeightError(
            f"{what}: column {ycol!r} holds values that are neither counts nor the DUO mask "
            f"'<5' at vestigingen {listing(shown)}"
        )
    if (pupils < 0).any():
        raise WeightError(f"{what}: column {ycol!r} has negative pupil counts")
    keep = pd.Series(True, index=frame.index)
    if drop_empty:
        keep &= (pupils > 0) | masked
    frame, pupils, masked = frame[keep], pupils[keep], masked[keep]
    numbers = frame[gm].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    unknown = (numbers == UNKNOWN_GEMEENTE).to_numpy()
    if unknown.any():
        warnings.warn(
            f"{what}: dropped {int(unknown.sum())} vestiging(en) with unknown gemeente "
            f"(GEMEENTECODE_VESTIGING {UNKNOWN_GEMEENTE}), together "
            f"{pupils[unknown].sum():.0f} pupils in {year} "
            f"({int(masked[unknown].sum())} masked): {listing(frame.loc[unknown, vest])}",
            UserWarning,
            stacklevel=2,
        )
        frame, pupils, masked = frame[~unknown], pupils[~unknown], masked[~unknown]
        numbers = numbers[~unknown]
    codes = frame[vest].str.strip()
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(f"{what}: vestiging codes listed more than once: {listing(dup)}")
    out = pd.DataFrame(index=pd.Index(codes.to_numpy(), name="vestiging"))
    out["name"] = frame[name].to_numpy() if name else codes.to_numpy()
    out["kind"] = frame[kind].to_numpy()
    out["board"] = frame[board].str.strip().to_numpy()
    out["gemeentecode"] = gemeente_code(
        numbers.set_axis(codes.to_numpy()), what=f"{what}, column {gm!r}"
    ).to_numpy()
    out["gemeentenaam"] = frame[gname].to_numpy() if gname else np.nan
    if denom:
        out["denomination"] = frame[denom].to_numpy()
    out["pupils"] = pupils.to_numpy(dtype=float)
    out["masked"] = masked.to_numpy(dtype=bool)
    out.attrs["year"] = int(year)
    return out


def pupils_per_unit(
    pupils: pd.DataFrame,
    units: pd.DataFrame | pd.Index,
    *,
    column: str = "pupils_po",
    masked_value: float = 0.0,
) -> pd.Series:
    """Sum pupils per gemeente over the units (0 for units without schools).

    Parameters
    ----------
    pupils : DataFrame
        From :func:`read_duo_pupils` (columns ``gemeentecode``, ``pupils``, ``masked``).
    units : GeoDataFrame or Index
        The unit table (or its codes).
    column : str, default "pupils_po"
        Name of the returned series.
    masked_value : float, default 0.0
        Count used for masked (``<5``) cells: 0 gives a lower bound, 2.5 a midpoint.

    Returns
    -------
    Series
        Indexed by unit code (in unit order), named ``column``, float.

    Raises
    ------
    ColumnError
        ``gemeentecode`` or ``pupils`` missing.
    UnitCodeError
        Pupils in gemeenten that are not among the units (codes named).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"gemeentecode": ["A", "A", "B"], "pupils": [10.0, float("nan"), 5.0],
    ...                   "masked": [False, True, False]})
    >>> pupils_per_unit(p, pd.Index(["A", "B", "C"])).tolist()
    [10.0, 5.0, 0.0]
    """
    for c in ("gemeentecode", "pupils"):
        if c not in pupils.columns:
            raise ColumnError(
                f"pupils table needs columns 'gemeentecode' and 'pupils' (as read by "
                f"read_duo_pupils); missing {c!r}, got {listing(pupils.columns, 30)}"
            )
    if not np.isfinite(masked_value) or masked_value < 0:
        raise WeightError(f"masked_value must be a count >= 0, got {masked_value}")
    codes = unit_codes(units)
    check_known_codes(pupils["gemeentecode"].astype(str), codes, "the pupils table")
    values = pd.to_numeric(pupils["pupils"], errors="coerce")
    if "masked" in pupils.columns:
        values = values.where(~pupils["masked"].astype(bool), masked_value)
    missing = values.isna()
    if missing.any():
        raise WeightError(
            f"the pupils table has {int(missing.sum())} missing count(s) that are not masked, at "
            f"{listing(pupils.index[missing.to_numpy()])}; fill or drop them"
        )
    totals = values.groupby(pupils["gemeentecode"].astype(str).to_numpy()).sum()
    out = totals.reindex(codes, fill_value=0.0).astype(float)
    out = out.rename_axis("code")
    return out.rename(column)
