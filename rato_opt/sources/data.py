"""Where the real data live.

Real public data (CBS, DUO) are never shipped with rato_opt. Code reads them from
a directory given by the ``RATO_OPT_DATA`` environment variable, defaulting to
``../shared/data/nl`` relative to the repository root (the layout used in CI).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..exceptions import DataNotFoundError

__all__ = ["ENV_VAR", "data_dir", "data_file"]

#: Environment variable naming the real-data directory.
ENV_VAR = "RATO_OPT_DATA"

_REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir(path: str | os.PathLike[str] | None = None, *, must_exist: bool = True) -> Path:
    """Return the real-data directory.

    Parameters
    ----------
    path : path-like, optional
        Explicit directory; wins over the environment.
    must_exist : bool, default True
        Raise :class:`~rato_opt.exceptions.DataNotFoundError` when it is missing.

    Returns
    -------
    pathlib.Path
        ``path``, else ``$RATO_OPT_DATA``, else ``<repo>/../shared/data/nl``.

    Examples
    --------
    >>> data_dir("/tmp", must_exist=False).name
    'tmp'
    """
    if path is not None:
        p = Path(path)
    elif os.environ.get(ENV_VAR):
        p = Path(os.environ[ENV_VAR])
    else:
        p = _REPO_ROOT.parent / "shared" / "data" / "nl"
    if must_exist and not p.is_dir():
        raise DataNotFoundError(
            f"real data directory not found: {p}; set {ENV_VAR}=<directory with the CBS/DUO files> "
            "or put the shared data beside the repository (../shared/data/nl)"
        )
    return p


def data_file(name: str, path: str | os.PathLike[str] | None = None) -> Path:
    """Return the path of one file in the real-data directory, checking it exists.

    Parameters
    ----------
    name : str
        File name, e.g. one of :data:`rato_opt.sources.nl2024.FILES`.
    path : path-like, optional
        The directory; default :func:`data_dir`.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataNotFoundError
        The directory or the file is missing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = tempfile.mkdtemp()
    >>> _ = (pathlib.Path(d) / "links.csv").write_text("from_code,to_code\\n")
    >>> data_file("links.csv", d).name
    'links.csv'
    """
    f = data_dir(path) / name
    if not f.is_file():
        raise DataNotFoundError(
            f"data file {name!r} not found in {f.parent}; expected the files listed in "
            "PROVENANCE.md there"
        )
    return f
