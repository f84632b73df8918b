"""CBS region tables: gemeente → arbeidsmarktregio and gemeente → provincie.

- :func:`read_arbeidsmarktregio`, :func:`amr_layer` — the 35 arbeidsmarktregio's
- :func:`read_provinces`, :func:`province_layer` — gemeente → provincie
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from .._util import listing
from ..exceptions import UnitCodeError
from ..landscape import Layer
from .tables import (
    PathLike,
    check_known_codes,
    find_column,
    gemeente_code,
    read_csv_table,
    unit_codes,
)

__all__ = ["read_arbeidsmarktregio", "amr_layer", "read_provinces", "province_layer"]


def read_arbeidsmarktregio(path: PathLike) -> pd.DataFrame:
    """Read a gemeente → arbeidsmarktregio table (``gemeente_arbeidsmarktregio_2024.csv``).

    Parameters
    ----------
    path : path-like
        CSV with ``gemeentecode`` and ``arbeidsmarktregiocode`` (optional
        ``arbeidsmarktregio`` names and COROP/provincie columns).

    Returns
    -------
    DataFrame
        Indexed by gemeente code (``"code"``), the file's other columns as strings.

    Raises
    ------
    ColumnError, UnitCodeError
        Missing columns; duplicate or empty codes.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "amr.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("gemeentecode,arbeidsmarktregiocode,arbeidsmarktregio\\n"
    ...                  "GM0014,AM01,Groningen\\n")
    >>> read_arbeidsmarktregio(path).loc["GM0014", "arbeidsmarktregio"]
    'Groningen'
    """
    what = f"arbeidsmarktregio table {Path(path).name}"
    frame = read_csv_table(path, what)
    frame.columns = [c.lower() for c in frame.columns]
    code_col = find_column(frame, what, "gemeentecode", "statcode", "code")
    amr_col = find_column(frame, what, "arbeidsmarktregiocode", "amr_code", "amr")
    codes = gemeente_code(frame[code_col], what=f"{what}, column {code_col!r}")
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(f"{what}: gemeente codes listed more than once: {listing(dup)}")
    empty = frame[amr_col].isna()
    if empty.any():
        raise UnitCodeError(
            f"{what}: no arbeidsmarktregio for {listing(codes[empty.to_numpy()])}"
        )
    out = frame.drop(columns=[code_col]).set_axis(pd.Index(codes.to_numpy(), name="code"))
    if amr_col != "arbeidsmarktregiocode":
        out = out.rename(columns={amr_col: "arbeidsmarktregiocode"})
    return out.sort_index()


def amr_layer(path: PathLike, units: pd.DataFrame | pd.Index, *, name: str = "amr") -> Layer:
    """Build the arbeidsmarktregio partition layer from a gemeente → AMR table.

    Parameters
    ----------
    path : path-like
        See :func:`read_arbeidsmarktregio`.
    units : GeoDataFrame or Index
        The units.
    name : str, default "amr"
        Layer name.

    Returns
    -------
    Layer
        Partition layer with AMR codes as ids and names from the file.

    Raises
    ------
    UnitCodeError
        The table lists gemeenten that are not among the units.

    Warns
    -----
    UserWarning
        Units that the table does not list (they stay uncovered).

    Examples
    --------
    >>> import tempfile, os, pandas as pd
    >>> path = os.path.join(tempfile.mkdtemp(), "amr.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("gemeentecode,arbeidsmarktregiocode,arbeidsmarktregio\\n"
    ...                  "GM0001,AM01,Noord\\nGM0002,AM01,Noord\\nGM0003,AM02,Zuid\\n")
    >>> amr_layer(path, pd.Index(["GM0001", "GM0002", "GM0003"])).members()
    {'AM01': ['GM0001', 'GM0002'], 'AM02': ['GM0003']}
    """
    table = read_arbeidsmarktregio(path)
    codes = unit_codes(units)
    check_known_codes(table.index, codes, f"arbeidsmarktregio table {Path(path).name}")
    absent = codes.difference(table.index)
    if len(absent):
        warnings.warn(
            f"arbeidsmarktregio table {Path(path).name} does not list {len(absent)} unit(s): "
            f"{listing(absent)}; they stay uncovered in layer {name!r}",
            UserWarning,
            stacklevel=2,
        )
    assignment = table["arbeidsmarktregiocode"].reindex(codes)
    names = None
    if "arbeidsmarktregio" in table.columns:
        names = table.groupby("arbeidsmarktregiocode")["arbeidsmarktregio"].first()
    return Layer.from_partition(name, assignment, names=names, kind="amr")


def read_provinces(path: PathLike, *, names: bool = False) -> pd.Series:
    """Read gemeente → provincie from a CBS table.

    Accepts the CBS "gemeenten alfabetisch" CSV (``GemeentecodeGM``,
    ``ProvinciecodePV``, ``Provincienaam``) or the arbeidsmarktregio table
    (``gemeentecode``, ``provinciecode``, ``provincie``).

    Parameters
    ----------
    path : path-like
        The CSV file.
    names : bool, default False
        Return province names instead of codes (``PV27``).

    Returns
    -------
    Series
        Indexed by gemeente code (``"code"``), named ``"province"``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "gm.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("Gemeentecode,GemeentecodeGM,Gemeentenaam,ProvinciecodePV,Provincienaam\\n"
    ...                  "0363,GM0363,Amsterdam,PV27,Noord-Holland\\n")
    >>> read_provinces(path).to_dict(), read_provinces(path, names=True).to_dict()
    ({'GM0363': 'PV27'}, {'GM0363': 'Noord-Holland'})
    """
    what = f"province table {Path(path).name}"
    frame = read_csv_table(path, what)
    code_col = find_column(frame, what, "GemeentecodeGM", "gemeentecode", "statcode", "code")
    col = (
        find_column(frame, what, "Provincienaam", "provincie", "province")
        if names
        else find_column(frame, what, "ProvinciecodePV", "provinciecode", "province_code")
    )
    codes = gemeente_code(frame[code_col], what=f"{what}, column {code_col!r}")
    dup = codes[codes.duplicated()].unique()
    if len(dup):
        raise UnitCodeError(f"{what}: gemeente codes listed more than once: {listing(dup)}")
    values = frame[col].astype(str).str.strip()
    if not names:
        values = values.where(
            values.str.upper().str.startswith("PV"), "PV" + values.str.zfill(2)
        ).str.upper()
    out = pd.Series(values.to_numpy(), index=pd.Index(codes.to_numpy(), name="code"))
    return out.rename("province").sort_index()


def province_layer(
    path: PathLike, units: pd.DataFrame | pd.Index, *, name: str = "province"
) -> Layer:
    """Build the provincie partition layer (see :func:`read_provinces`).

    Examples
    --------
    >>> import tempfile, os, pandas as pd
    >>> path = os.path.join(tempfile.mkdtemp(), "gm.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("gemeentecode,provinciecode,provincie\\nGM0001,PV20,Groningen\\n")
    >>> province_layer(path, pd.Index(["GM0001"])).collaborations["name"].tolist()
    ['Groningen']
    """
    codes_ = read_provinces(path)
    named = read_provinces(path, names=True)
    codes = unit_codes(units)
    check_known_codes(codes_.index, codes, f"province table {Path(path).name}")
    names = pd.Series(named.to_numpy(), index=codes_.to_numpy())
    names = names[~names.index.duplicated()]
    return Layer.from_partition(name, codes_.reindex(codes), names=names, kind="province")
