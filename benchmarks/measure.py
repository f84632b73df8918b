"""Run one solver call in a fresh worker process and measure it.

Every method of the benchmark runs in its own forked process
(:func:`run_isolated`), so that the peak memory of one solver call is not mixed
with another's and a run that overruns its budget can be stopped. Peak memory is
the larger of

- the worker's own ``getrusage(RUSAGE_SELF).ru_maxrss`` plus its children's
  (``RUSAGE_CHILDREN``, e.g. the CBC binary), read in the worker at the end, and
- the peak resident set of the worker and its descendants, polled by the parent
  every 0.2 s with psutil (this also covers workers that had to be stopped).

A forked worker starts with the parent's pages resident (Python, geopandas, the
landscape), so ``base_mib`` — the worker's RSS when it starts — is reported too.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import time
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["run_isolated", "MEMORY_KILL_MIB"]

#: Stop a worker whose process tree holds more than this (MiB): the machine is shared.
MEMORY_KILL_MIB = 12 * 1024


def _rss_mib() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except Exception:  # pragma: no cover - psutil missing
        return float("nan")


def _child(conn, fn: Callable[..., dict], args: tuple, kwargs: dict) -> None:
    base = _rss_mib()
    try:
        out = fn(*args, **kwargs)
        out = dict(out)
    except BaseException as err:  # report every failure to the parent
        out = {
            "status": "error",
            "error": f"{type(err).__name__}: {err}",
            "traceback": traceback.format_exc()[-3000:],
        }
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out["base_mib"] = base
    out["maxrss_self_mib"] = own
    out["maxrss_children_mib"] = kids
    try:
        conn.send(out)
    finally:
        conn.close()


def _tree_rss_mib(pid: int) -> float:
    try:
        import psutil

        proc = psutil.Process(pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20
    except Exception:
        return 0.0


def _kill_tree(pid: int) -> None:
    try:
        import psutil

        proc = psutil.Process(pid)
        for child in proc.children(recursive=True):
            try:
                child.kill()
            except psutil.Error:
                pass
        proc.kill()
    except Exception:
        try:
            os.kill(pid, 9)
        except OSError:
            pass


def run_isolated(
    fn: Callable[..., dict],
    *args: Any,
    wall_limit: float,
    memory_limit_mib: float = MEMORY_KILL_MIB,
    **kwargs: Any,
) -> dict:
    """Call ``fn(*args, **kwargs)`` in a forked worker; return its dict plus measurements.

    Parameters
    ----------
    fn : callable
        Returns a dict (picklable). Exceptions become ``{"status": "error", ...}``.
    wall_limit : float
        Seconds after which the worker is killed (``status`` ``"killed"``).
    memory_limit_mib : float
        Resident memory of the worker tree above which it is killed.

    Returns
    -------
    dict
        ``fn``'s dict with ``peak_mib``, ``base_mib``, ``worker_wall_s`` and, for a
        killed worker, ``status="killed"`` and ``error`` saying why.

    Examples
    --------
    >>> out = run_isolated(lambda x: {"status": "ok", "y": x + 1}, 1, wall_limit=30)
    >>> out["status"], out["y"], out["peak_mib"] > 0
    ('ok', 2, True)
    """
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, kwargs), daemon=True)
    t0 = time.perf_counter()
    proc.start()
    child.close()
    peak = 0.0
    result: dict | None = None
    why = None
    while True:
        if parent.poll(0.2):
            try:
                result = parent.recv()
            except EOFError:
                result = None
            break
        peak = max(peak, _tree_rss_mib(proc.pid))
        elapsed = time.perf_counter() - t0
        if not proc.is_alive():
            if parent.poll(0.5):
                result = parent.recv()
            break
        if elapsed > wall_limit:
            why = f"stopped by the harness after {elapsed:.0f} s (wall limit {wall_limit:.0f} s)"
        elif peak > memory_limit_mib:
            why = f"stopped by the harness at {peak:,.0f} MiB resident (limit {memory_limit_mib:,.0f})"
        if why:
            _kill_tree(proc.pid)
            break
    proc.join(timeout=10)
    wall = time.perf_counter() - t0
    if result is None:
        result = {
            "status": "killed" if why else "error",
            "error": why or f"worker exited with code {proc.exitcode} and sent no result",
        }
    polled = peak
    reported = max(result.get("maxrss_self_mib", 0.0), result.get("maxrss_children_mib", 0.0))
    result["peak_mib"] = max(polled, reported)
    result["peak_polled_mib"] = polled
    result.setdefault("base_mib", float("nan"))
    result["worker_wall_s"] = wall
    return result
