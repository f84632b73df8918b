"""Water links: the ferry and tunnel links between gemeenten that share no border.

:func:`read_water_links` reads ``water_links_2024.csv`` of the real-data directory; the
links join the Wadden islands and Zeeuws-Vlaanderen to the mainland in the unit graph.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._util import listing
from ..exceptions import ColumnError, UnitCodeError
from ..landscape import LINK_COLUMNS, validate_links
from .tables import PathLike, read_csv_table, unit_codes

__all__ = ["read_water_links"]


def read_water_links(
    path: PathLike, units: pd.DataFrame | pd.Index | None = None
) -> pd.DataFrame:
    """Read ferry/tunnel links between gemeenten (``water_links_2024.csv``).

    Parameters
    ----------
    path : path-like
        CSV with ``from_code``, ``to_code`` and optional ``kind``, ``name``.
    units : GeoDataFrame or Index, optional
        When given, every code must be a unit code.

    Returns
    -------
    DataFrame
        Columns ``from_code, to_code, kind, name`` (see :func:`rato_opt.landscape.validate_links`).

    Raises
    ------
    ColumnError, UnitCodeError

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "links.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("from_code,to_code,kind,name\\nGM0448,GM0400,ferry,Texel\\n")
    >>> read_water_links(path).values.tolist()
    [['GM0448', 'GM0400', 'ferry', 'Texel']]
    """
    what = f"links file {Path(path).name}"
    frame = read_csv_table(path, what)
    frame.columns = [c.lower() for c in frame.columns]
    missing = [c for c in ("from_code", "to_code") if c not in frame.columns]
    if missing:
        raise ColumnError(
            f"{what}: needs columns {list(LINK_COLUMNS)}; missing {missing}, got "
            f"{listing(frame.columns)}"
        )
    if units is None:
        known = pd.Index(pd.concat([frame["from_code"], frame["to_code"]]).astype(str).str.strip())
    else:
        known = unit_codes(units)
    try:
        return validate_links(frame, known.unique())
    except UnitCodeError as err:
        raise UnitCodeError(f"{what}: {err}") from None
