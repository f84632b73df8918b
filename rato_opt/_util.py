"""Small helpers shared across rato_opt: messages, numbers, labels, JSON, safe writing.

Nothing here knows about units, plans or solvers. Every name is public to the package
(modules import them; nothing here is part of the user-facing front).
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .exceptions import InputError

__all__ = [
    "MAX_LISTED",
    "listing",
    "fmt_number",
    "region_label",
    "json_ready",
    "umask",
    "normal_mode",
    "check_output_dir",
    "atomic_output",
]

#: How many items an error message lists before it says "... (N in all)".
MAX_LISTED = 10


def listing(items: Iterable[Any], most: int = MAX_LISTED) -> str:
    """Return a short, readable list of items for an error message.

    Examples
    --------
    >>> listing(range(12), most=3)
    '0, 1, 2, ... (12 in all)'
    """
    items = list(items)
    shown = ", ".join(map(str, items[:most]))
    return shown + (f", ... ({len(items)} in all)" if len(items) > most else "")


def fmt_number(x: float | None) -> str:
    """Readable number: thousands separators, no decimals for whole numbers.

    Examples
    --------
    >>> fmt_number(1234567.0), fmt_number(0.25), fmt_number(None)
    ('1,234,567', '0.25', 'nan')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    if abs(x - round(x)) < 1e-9 * max(1.0, abs(x)):
        return f"{x:,.0f}"
    if abs(x) >= 10_000:
        return f"{x:,.0f}"
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.1f}"


def region_label(value: Any) -> str:
    """Region label as str; whole floats (ints turned float by NaN) lose their '.0'.

    Examples
    --------
    >>> region_label(3.0), region_label("R1"), region_label(2)
    ('3', 'R1', '2')
    """
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def json_ready(value: Any) -> Any:
    """Nested mappings and sequences with JSON-ready leaves.

    Numpy and pandas scalars become Python values, NaN and infinities ``None``,
    mapping keys ``str``; other objects (paths, timestamps) their ``str``.

    Examples
    --------
    >>> json_ready({"a": np.float64("nan"), 1: (np.int64(2), "x", True)})
    {'a': None, '1': [2, 'x', True]}
    """
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, str):
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# ------------------------------------------------------------------ permissions
def umask() -> int:
    """The process umask, read without changing it where the OS allows.

    Linux reports it in ``/proc/self/status``; elsewhere it is read by setting and
    restoring it (``os.umask`` has no read-only form), which is racy only against
    another thread creating files at that very moment.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def normal_mode(path: str | os.PathLike[str], *, directory: bool = False) -> None:
    """Give a file (0666) or directory (0777) made by :mod:`tempfile` the umask's mode.

    :func:`tempfile.mkstemp` creates files 0600 and :func:`tempfile.mkdtemp`
    directories 0700, whatever the umask: output moved into place from them would
    be private. This sets the mode an ordinary ``open``/``mkdir`` would have given.
    """
    os.chmod(path, (0o777 if directory else 0o666) & ~umask())


# ------------------------------------------------------------------ atomicity
def check_output_dir(out_dir: str | os.PathLike[str], *, what: str = "output directory"
                     ) -> Path:
    """Check that ``out_dir`` can be an output directory, before any work is done.

    It may exist as a directory, or not exist: then every existing ancestor must
    be a directory and the nearest one writable.

    Parameters
    ----------
    out_dir : path-like
        The output directory.
    what : str, default "output directory"
        How to call it in the message (e.g. ``"--out"``).

    Returns
    -------
    pathlib.Path
        The absolute path.

    Raises
    ------
    InputError
        ``out_dir`` is an existing file, lies under a file, or cannot be created.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = f.write_text("x")
    >>> check_output_dir(f / "sub")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rato_opt.exceptions.InputError: output directory .../notes.txt/sub cannot be created: .../notes.txt is a file, not a directory; choose a path outside it
    """
    out = Path(out_dir).expanduser().absolute()
    if out.exists():
        if not out.is_dir():
            raise InputError(f"{what} {out} is an existing file, not a directory; choose a new "
                             "or existing directory (the outputs are several files)")
        if not os.access(out, os.W_OK | os.X_OK):
            raise InputError(f"{what} {out} is not writable; choose another directory")
        return out
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{what} {out} cannot be created: {parent} is a file, not a "
                                 "directory; choose a path outside it")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise InputError(f"{what} {out} cannot be created: {parent} is not writable; "
                                 "choose another directory")
            break
    return out


@contextlib.contextmanager
def atomic_output(out_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary directory whose files move into ``out_dir`` on success.

    The temporary directory is created beside ``out_dir`` (same file system, so
    moving is a rename). When the ``with`` block raises, it is removed and
    ``out_dir`` is left exactly as it was. Files already in ``out_dir`` with
    other names are kept; files with the same names are replaced. A new
    ``out_dir`` gets the mode ``mkdir`` would give it (0777 less the umask, e.g.
    0755), not the private 0700 of a temporary directory.

    Raises
    ------
    InputError
        ``out_dir`` is a file, lies under a file or cannot be created (checked
        on entry, before the ``with`` block runs; see :func:`check_output_dir`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_output(target) as tmp:
    ...     _ = (tmp / "a.txt").write_text("hello")
    >>> sorted(p.name for p in target.iterdir())
    ['a.txt']
    >>> try:
    ...     with atomic_output(target) as tmp:
    ...         _ = (tmp / "b.txt").write_text("half")
    ...         raise RuntimeError("disk full")
    ... except RuntimeError:
    ...     pass
    >>> sorted(p.name for p in target.iterdir())
    ['a.txt']
    """
    out = check_output_dir(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        normal_mode(tmp, directory=True)
        yield tmp
        _commit(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _commit(tmp: Path, out: Path) -> None:
    if not out.exists():
        os.replace(tmp, out)
        return
    if not out.is_dir():
        raise InputError(f"output path {out} exists and is not a directory")
    for entry in sorted(tmp.iterdir()):
        target = out / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(entry, target)
