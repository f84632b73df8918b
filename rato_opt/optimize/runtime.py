"""What a solve needs from the process it runs in: clean stdout, Ctrl-C, versions.

- :func:`native_output_to_stderr` sends whatever native solver code writes to file
  descriptor 1 (HiGHS prints a banner on stdout even with its output switched off) to
  standard error for the duration of a block, so ``--json`` output stays valid JSON.
- :class:`InterruptGuard` turns the first Ctrl-C (SIGINT) during a solve into a
  request to stop: Python stages see a ``KeyboardInterrupt`` as usual, native solver
  calls poll :attr:`InterruptGuard.requested` from their callbacks and stop within
  about a second, and the caller returns the best verified plan found so far. A
  second Ctrl-C raises ``KeyboardInterrupt`` at once.
- :func:`versions` lists the library and solver versions a plan records.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
from collections.abc import Iterator
from importlib import metadata
from typing import Any

__all__ = ["native_output_to_stderr", "quiet_highs", "InterruptGuard", "versions"]


@contextlib.contextmanager
def native_output_to_stderr() -> Iterator[None]:
    """Redirect file descriptor 1 to file descriptor 2 inside the block.

    Native libraries write to the process's stdout directly (not through
    ``sys.stdout``); this catches them at the descriptor level. Python's own
    ``sys.stdout`` is flushed before and after.

    Examples
    --------
    >>> with native_output_to_stderr():
    ...     _ = os.write(1, b"")  # would reach stderr
    """
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no descriptor 1 at all
        yield
        return
    try:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os.dup2(2, 1)
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@functools.cache
def quiet_highs() -> None:
    """Let HiGHS print its once-per-process banner to standard error, not stdout.

    HiGHS 1.16 prints a two-line banner on stdout when the first ``Highs`` object of a
    process is made, whatever its options. Making that first object here, with
    descriptor 1 pointed at standard error, keeps stdout clean for the rest of the
    process (``rato-opt ... --json``) without redirecting anything later: a progress
    callback that prints during a solve still prints to stdout.
    """
    import highspy

    with native_output_to_stderr():
        highspy.Highs()


class InterruptGuard:
    """Ctrl-C as a request to stop a solve, keeping the best plan found so far.

    Use it as a context manager around a solve. Inside it, the first SIGINT sets
    :attr:`requested`; outside native code (see :meth:`native`) it also raises
    ``KeyboardInterrupt`` so a Python loop stops at once; the caller catches it and
    finishes with what it has. Inside :meth:`native` blocks nothing is raised: the
    native solver's callbacks read :attr:`requested` and stop. A second SIGINT always
    raises. Off the main thread (where signal handlers cannot be installed) the
    guard only carries the flag.

    Examples
    --------
    >>> with InterruptGuard() as guard:
    ...     guard.requested
    False
    """

    def __init__(self) -> None:
        self.requested = False
        self._native = 0
        self._previous: Any = None
        self._installed = False

    def _handler(self, signum, frame) -> None:
        if self.requested or not self._native:
            self.requested = True
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> InterruptGuard:
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handler)
                self._installed = True
            except ValueError:  # pragma: no cover - embedded interpreters
                self._installed = False
        return self

    def __exit__(self, *exc) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    @contextlib.contextmanager
    def native(self) -> Iterator[None]:
        """Mark a native solver call: Ctrl-C sets the flag without raising."""
        self._native += 1
        try:
            yield
        finally:
            self._native -= 1


def versions() -> dict[str, str]:
    """Versions of rato_opt, Python and the solver stack, for a plan's run record.

    Examples
    --------
    >>> sorted(versions())[:3]
    ['geopandas', 'highspy', 'libpysal']
    """
    out = {"python": sys.version.split()[0]}
    for dist in ("rato_opt", "highspy", "pulp", "numpy", "pandas", "networkx", "geopandas",
                 "shapely", "libpysal", "scipy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return dict(sorted(out.items()))
