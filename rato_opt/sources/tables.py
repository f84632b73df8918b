"""Shared helpers of the file loaders: reading CSV tables, finding columns, gemeente codes.

The loaders of :mod:`rato_opt.sources.cbs`, :mod:`~rato_opt.sources.duo`,
:mod:`~rato_opt.sources.duo_layers`, :mod:`~rato_opt.sources.regions` and
:mod:`~rato_opt.sources.links` read public files whose column spelling and encoding
vary between releases. The helpers here find columns spelling-tolerantly, detect the
encoding and check gemeente codes, with errors that name the file, the column and the
offending values. Only :func:`gemeente_code` is part of the user-facing API; the other
names are public to the :mod:`rato_opt.sources` modules.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .._util import listing
from ..exceptions import ColumnError, DataNotFoundError, InputError, UnitCodeError

__all__ = ["gemeente_code"]

#: A path argument of the loaders.
PathLike = str | os.PathLike[str]

#: Encodings tried in turn when a CSV file's encoding is not given. UTF-8 (with or
#: without BOM) first: a cp1252 file with accents is almost never valid UTF-8, whereas
#: cp1252 decodes nearly any byte string (it would garble a UTF-8 file silently).
ENCODINGS = ("utf-8-sig", "cp1252")


def existing_file(path: PathLike, what: str) -> Path:
    """Return ``path`` as a :class:`~pathlib.Path`, checking that the file exists.

    Parameters
    ----------
    path : path-like
        The file.
    what : str
        What the file is, for the message (e.g. ``"CBS gemeente file"``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataNotFoundError
        The file does not exist (or is not a file).

    Examples
    --------
    >>> existing_file("/no/such/file.csv", "links file")
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.DataNotFoundError: links file not found: /no/such/file.csv
    """
    p = Path(path)
    if not p.is_file():
        raise DataNotFoundError(f"{what} not found: {p}")
    return p


def norm_label(label: Any) -> str:
    """Normalise a column label for lookup: upper case, runs of space/_/- become one space.

    Examples
    --------
    >>> norm_label(" leerlingen_2024 "), norm_label("RMC-REGIO  CODE")
    ('LEERLINGEN 2024', 'RMC REGIO CODE')
    """
    return re.sub(r"[\s_\-]+", " ", str(label).strip().upper()).strip()


def find_column(
    frame: pd.DataFrame, what: str, *candidates: str, required: bool = True
) -> str | None:
    """Return the column of ``frame`` matching one of ``candidates`` (spelling-tolerant).

    Labels are compared after :func:`norm_label`; the first candidate found wins and
    the column's own spelling is returned.

    Parameters
    ----------
    frame : DataFrame
        The table.
    what : str
        What the table is, for the message.
    *candidates : str
        Column names to look for, in order of preference.
    required : bool, default True
        Raise when none is found; otherwise return None.

    Returns
    -------
    str or None
        The matching column of ``frame``.

    Raises
    ------
    ColumnError
        ``required`` and none of the candidates is a column (the columns are listed).

    Examples
    --------
    >>> import pandas as pd
    >>> find_column(pd.DataFrame(columns=["BEVOEGD_GEZAG_NUMMER"]), "schools",
    ...             "BEVOEGD GEZAG NUMMER")
    'BEVOEGD_GEZAG_NUMMER'
    >>> find_column(pd.DataFrame(columns=["A"]), "schools", "B", required=False) is None
    True
    """
    by_norm = {}
    for c in frame.columns:
        by_norm.setdefault(norm_label(c), c)
    for cand in candidates:
        if norm_label(cand) in by_norm:
            return by_norm[norm_label(cand)]
    if required:
        raise ColumnError(
            f"{what}: none of the columns {list(candidates)} found; available columns are "
            f"{listing(frame.columns, 40)}"
        )
    return None


def read_csv_table(
    path: PathLike, what: str, *, encoding: str | None = None, sep: str | None = None
) -> pd.DataFrame:
    """Read a CSV file as strings, trying :data:`ENCODINGS`; strip and upper-case headers.

    Parameters
    ----------
    path : path-like
        The CSV file.
    what : str
        What the file is, for the messages.
    encoding : str, optional
        Force an encoding instead of trying :data:`ENCODINGS`.
    sep : str, optional
        The delimiter; default ``;`` when the header has more of them than commas, else ``,``.

    Returns
    -------
    DataFrame
        Every cell a string (empty cells NaN); ``attrs["encoding"]`` is the encoding used.

    Raises
    ------
    DataNotFoundError
        The file does not exist.
    InputError
        No encoding decodes the file.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> with open(path, "w", encoding="cp1252") as fh:
    ...     _ = fh.write("code; naam\\nGM0001;Café\\n")
    >>> t = read_csv_table(path, "test table")
    >>> t.columns.tolist(), t.loc[0, "NAAM"], t.attrs["encoding"]
    (['CODE', 'NAAM'], 'Café', 'cp1252')
    """
    p = existing_file(path, what)
    encodings = (encoding,) if encoding else ENCODINGS
    errors = []
    for enc in encodings:
        try:
            with open(p, encoding=enc, newline="") as fh:
                first = fh.readline()
            delimiter = sep or (";" if first.count(";") > first.count(",") else ",")
            frame = pd.read_csv(
                p, sep=delimiter, encoding=enc, dtype=str, keep_default_na=False, na_values=[""]
            )
        except UnicodeDecodeError as err:
            errors.append(f"{enc}: {err.reason} at byte {err.start}")
            continue
        frame.columns = [str(c).strip().upper() for c in frame.columns]
        frame.attrs["encoding"] = enc
        return frame
    raise InputError(
        f"{what} {p} could not be decoded with {list(encodings)} ({'; '.join(errors)}); "
        "pass encoding=<the file's encoding>"
    )


def gemeente_code(values: pd.Series, *, what: str = "gemeente numbers") -> pd.Series:
    """Turn CBS/DUO gemeente numbers into ``GM`` codes: ``'GM' + zfill(4)``.

    Values that already are ``GM`` codes are kept (upper-cased).

    Parameters
    ----------
    values : Series
        Gemeente numbers such as ``363``, ``"0363"`` or ``"GM0363"``.
    what : str
        Description for the error message.

    Returns
    -------
    Series
        Codes like ``"GM0363"``, same index.

    Raises
    ------
    UnitCodeError
        A value is missing or not a gemeente number (the rows are named).

    Examples
    --------
    >>> import pandas as pd
    >>> gemeente_code(pd.Series(["363", "14", "GM1992", " 0034 "])).tolist()
    ['GM0363', 'GM0014', 'GM1992', 'GM0034']
    """
    s = values.astype("string").str.strip().str.upper()
    s = s.str.replace(r"^GM", "", regex=True)
    s = s.str.replace(r"\.0$", "", regex=True)  # numbers read as floats elsewhere
    bad = s.isna() | ~s.fillna("").str.fullmatch(r"\d{1,4}")
    if bad.any():
        shown = [f"{i}: {v!r}" for i, v in values[bad.to_numpy()].items()]
        raise UnitCodeError(
            f"{what}: {int(bad.sum())} value(s) are not gemeente numbers ({listing(shown)}); "
            "expected 1 to 4 digits (e.g. 363) or a code like GM0363"
        )
    return ("GM" + s.str.zfill(4)).astype(object)


def unit_codes(units: pd.DataFrame | pd.Index | Iterable[str]) -> pd.Index:
    """The unit codes of a unit table (its index), an index or a list, as str, named "code".

    Examples
    --------
    >>> list(unit_codes(["GM0001", "GM0002"]))
    ['GM0001', 'GM0002']
    """
    if isinstance(units, pd.DataFrame):
        return pd.Index(units.index.astype(str), name="code")
    return pd.Index(pd.Index(list(units)).astype(str), name="code")


def check_known_codes(codes: Iterable[str], units: pd.Index, what: str) -> None:
    """Raise when some of ``codes`` are not among the unit codes ``units``.

    Parameters
    ----------
    codes : iterable of str
        Gemeente codes a file refers to.
    units : Index
        The unit codes (see :func:`unit_codes`).
    what : str
        What refers to the codes, for the message.

    Raises
    ------
    UnitCodeError
        Naming the unknown codes.

    Examples
    --------
    >>> import pandas as pd
    >>> check_known_codes(["GM0001"], pd.Index(["GM0001", "GM0002"]), "the table")
    >>> check_known_codes(["GM0009"], pd.Index(["GM0001"]), "the table")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.UnitCodeError: the table refer(s) to 1 gemeente code(s) ... GM0009; ...
    """
    unknown = pd.Index(pd.unique(pd.Series(list(codes), dtype=object))).difference(units)
    if len(unknown):
        raise UnitCodeError(
            f"{what} refer(s) to {len(unknown)} gemeente code(s) that are not among the units: "
            f"{listing(sorted(unknown))}; the units and the file must use the same gemeente "
            "indeling (year), e.g. the CBS 2024 codes"
        )
