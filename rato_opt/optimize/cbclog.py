"""Read CBC's progress (incumbent, best bound, gap) from its log, also while it runs.

``pulp.COIN_CMD(logPath=...)`` sends CBC's output to a file. :func:`parse_cbc_log`
turns such a log into :class:`CbcEvent` records, and :class:`CbcLogWatcher` tails the
file in a background thread while CBC runs and reports every new event to a callback.

Two log formats are understood, both learnt from real runs:

- **CBC 2.10** (the binary bundled with PuLP): message lines such as
  ``Cbc0010I After 1000 nodes, 16 on tree, 973 best solution, best possible 958.81267
  (2.94 seconds)``, ``Cbc0012I Integer solution of 976 found by DiveCoefficient after
  ...  (1.70 seconds)``, ``Cbc0005I Partial search - best objective 973 (best possible
  958.81267), ...``, ``Cbc0038I`` feasibility-pump lines, ``Continuous objective value
  is 945.956 - 0.00 seconds`` and the closing ``Objective value:`` / ``Lower bound:``.
  For a maximisation (``-max`` on the command line) the ``CbcNNNNI`` lines hold the
  *negated* objective, CBC's internal minimisation; they are turned back here.
- **CBC devel** (``CBC devel (git:...)``): boxed sections and tables, e.g. the
  feasibility-pump and heuristic tables (rows marked ``★`` found a solution), the
  root cut table (``Objective`` column), the branch-and-bound table (``BestSol``,
  ``BestBound``, ``Time(s)``), summaries such as ``✔ Stopped (time limit) — BestSol:
  991   Bound: 958.773   Gap: 3.25% ... Time: 3.02s`` and the closing ``Objective
  value:`` / ``Lower bound:``. Under a C locale the glyphs become ASCII (``+``, ``*``,
  ``-``, ``->``); both spellings are accepted.

  The devel binary's *root* figures (``LP Optimal — ... Obj:``, the root cut
  table's ``Objective`` column, ``Cut generation complete — obj a → b``) are not
  read as bounds: on a rato_opt region model (60 units, k = 5) it printed a root LP
  value of -4.179 while a verified plan had model objective -4.516 and HiGHS's LP
  relaxation was -5.987, so these figures are not always valid lower bounds. Only
  the branch-and-bound table, the closing summary and ``Lower bound:`` count.

All values are in the objective of the problem CBC solved, in its own sense
(a maximisation reports maximisation values). PuLP writes the objective without its
constant term, so the caller adds that constant.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType

__all__ = ["CbcEvent", "CbcLog", "CbcLogWatcher", "parse_cbc_log"]

ProgressCallback = Callable[[float | None, float | None, float | None], object]

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_DASH = r"(?:—|-)"  # the devel binary writes "—", or "-" under a C locale
_INFINITE = 1e50  # CBC writes 1e+50 or 1.79769e+308 for "no solution / no bound"


def _num(text: str | None) -> float | None:
    """A finite float from ``text``, or None (missing, "—", 1e+50 and the like)."""
    if text is None:
        return None
    try:
        x = float(text)
    except ValueError:
        return None
    if not math.isfinite(x) or abs(x) >= _INFINITE:
        return None
    return x


@dataclass(frozen=True)
class CbcEvent:
    """One log line that states a solution value and/or a bound.

    Attributes
    ----------
    seconds : float or None
        CBC's own clock on that line (seconds since CBC started), when the line has one.
    incumbent : float or None
        Objective value of an integer solution stated on the line.
    bound : float or None
        Best (lower, for a minimisation) bound stated on the line.
    """

    seconds: float | None
    incumbent: float | None
    bound: float | None


def _gap(incumbent: float | None, bound: float | None, sense: int) -> float | None:
    if incumbent is None or bound is None:
        return None
    diff = sense * (incumbent - bound)
    if diff <= 0:
        return 0.0
    return diff / abs(incumbent) if incumbent != 0 else math.inf


@dataclass(frozen=True)
class CbcLog:
    """What a CBC log says about the search.

    Attributes
    ----------
    events : tuple of CbcEvent
        Every line that states a solution value and/or a bound, in log order.
    sense : {1, -1}
        1 for a minimisation, -1 for a maximisation (``-max`` on CBC's command line).
    """

    events: tuple[CbcEvent, ...] = ()
    sense: int = 1

    @property
    def incumbent(self) -> float | None:
        """Best solution value seen (smallest for a minimisation), or None."""
        values = [e.incumbent for e in self.events if e.incumbent is not None]
        if not values:
            return None
        return min(values) if self.sense > 0 else max(values)

    @property
    def bound(self) -> float | None:
        """Last bound CBC stated, or None."""
        for e in reversed(self.events):
            if e.bound is not None:
                return e.bound
        return None

    @property
    def gap(self) -> float | None:
        """Relative gap ``sense * (incumbent - bound) / |incumbent|`` (>= 0), or None."""
        return _gap(self.incumbent, self.bound, self.sense)

    @property
    def seconds(self) -> float | None:
        """CBC's clock on the last line that had one, or None."""
        for e in reversed(self.events):
            if e.seconds is not None:
                return e.seconds
        return None


# --------------------------------------------------------------------------- line parser
# CBC 2.10; the CbcNNNNI lines are in CBC's internal (minimisation) sense
_OLD_NODE = re.compile(
    rf"Cbc0010I After \S+ nodes, \S+ on tree, ({_NUM}) best solution, "
    rf"best possible ({_NUM}) \(({_NUM}) seconds\)"
)
_OLD_SOLUTION = re.compile(
    rf"Cbc00(?:04|12|16|24|33)I Integer solution of ({_NUM}) found .*\(({_NUM}) seconds\)"
)
_OLD_PARTIAL = re.compile(
    rf"Cbc0005I Partial search - best objective ({_NUM}) \(best possible ({_NUM})\)"
    rf".*\(({_NUM}) seconds\)"
)
_OLD_COMPLETED = re.compile(
    rf"Cbc0001I Search completed - best objective ({_NUM}),.*\(({_NUM}) seconds\)"
)
_OLD_ROOT_CUTS = re.compile(rf"Cbc0013I At root node, .*changed objective from {_NUM} to ({_NUM})")
_OLD_PUMP_FOUND = re.compile(rf"Cbc0038I Solution found of ({_NUM})")
_OLD_PUMP_MINI = re.compile(
    rf"Cbc0038I Mini branch and bound improved solution from {_NUM} to ({_NUM})"
    rf" \(({_NUM}) seconds\)"
)
# CBC 2.10, user sense
_OLD_CONTINUOUS = re.compile(rf"^Continuous objective value is ({_NUM}) - ({_NUM}) seconds")
# both versions, user sense
_FINAL_OBJECTIVE = re.compile(rf"^Objective value:\s+({_NUM})\s*$")
_FINAL_BOUND = re.compile(rf"^(?:Lower|Upper) bound:\s+({_NUM})\s*$")
# CBC devel, user sense
_NEW_ROOT_LP = re.compile(rf"\bLP Optimal\s+{_DASH}\s.*?\bObj:\s*({_NUM}).*?\bTime:\s*({_NUM})s")
_NEW_HEURISTICS = re.compile(
    rf"\b(?:Feasibility pump|Root node heuristics)\s+{_DASH}\s+best\s+({_NUM})\s+in\s+({_NUM})s"
)
_NEW_CUTS_DONE = re.compile(
    rf"\bCut generation complete\s+{_DASH}\s.*?\bobj\s+{_NUM}\s*(?:→|->)\s*({_NUM})"
)
_NEW_SUMMARY_BOUND = re.compile(rf"\bBound:\s*({_NUM})")
_NEW_SUMMARY_SOLUTION = re.compile(rf"\b(?:BestSol|Obj):\s*({_NUM})")
_NEW_SUMMARY_TIME = re.compile(rf"\bTime:\s*({_NUM})s\b")
_NEW_TABLES = (
    ("pump", re.compile(r"^\s*Round\s+Pass\s+Fractional\b")),
    ("heuristics", re.compile(r"^\s*Heuristic\s+Status\s+BestSol\b")),
    ("cuts", re.compile(r"^\s*Pass\s+Rows\s+Tight\b")),
    ("tree", re.compile(r"^\s*Nodes\s+OnTree\s+Depth\b")),
)
_STAR = re.compile(r"^\s*(?:★|\*)\s")
_COMMAND = re.compile(r"^(?:command line - |\s*args:\s)")
_MAX_SWITCH = re.compile(r"\s-max(?:imi[sz]e)?(?=\s|$)")


class _LineParser:
    """Turns log lines into events; keeps the state a line needs (sense, current table)."""

    def __init__(self) -> None:
        self.sense = 1
        self._table: str | None = None

    def feed(self, line: str) -> CbcEvent | None:
        line = line.rstrip("\r\n")
        if not line.strip():
            self._table = None
            return None
        if _COMMAND.match(line):
            if _MAX_SWITCH.search(line):
                self.sense = -1
            return None
        if "Cbc00" in line:
            return self._old(line)
        for name, header in _NEW_TABLES:
            if header.match(line):
                self._table = name
                return None
        if self._table is not None:
            if line[:1].isspace():  # table rows are indented, summaries are not
                return self._row(line)
            self._table = None
        return self._summary(line)

    def _old(self, line: str) -> CbcEvent | None:
        s = self.sense

        def internal(text: str) -> float | None:
            x = _num(text)
            return None if x is None else s * x

        if m := _OLD_NODE.search(line):
            return CbcEvent(_num(m[3]), internal(m[1]), internal(m[2]))
        if m := _OLD_SOLUTION.search(line):
            return CbcEvent(_num(m[2]), internal(m[1]), None)
        if m := _OLD_PARTIAL.search(line):
            return CbcEvent(_num(m[3]), internal(m[1]), internal(m[2]))
        if m := _OLD_COMPLETED.search(line):
            # the tree is exhausted: the incumbent is optimal (within CBC's tolerances)
            value = internal(m[1])
            return CbcEvent(_num(m[2]), value, value)
        if m := _OLD_ROOT_CUTS.search(line):
            return CbcEvent(None, None, internal(m[1]))
        if m := _OLD_PUMP_MINI.search(line):
            return CbcEvent(_num(m[2]), internal(m[1]), None)
        if m := _OLD_PUMP_FOUND.search(line):
            return CbcEvent(None, internal(m[1]), None)
        return None

    def _row(self, line: str) -> CbcEvent | None:
        starred = bool(_STAR.match(line))
        tokens = line.split()
        if starred:
            tokens = tokens[1:]
        if self._table in ("pump", "heuristics"):
            if not starred or len(tokens) < 2:
                return None
            value = _num(tokens[-2])
            if value is None:
                return None
            return CbcEvent(_num(tokens[-1]), value, None)
        if self._table == "cuts":
            return None  # root figures of the devel binary: not trusted as bounds (see above)
        # branch-and-bound table: Nodes OnTree Depth BestSol [Method] BestBound Gap% Time(s)
        if len(tokens) < 6 or not tokens[0][:1].isdigit():
            return None
        seconds, bound = _num(tokens[-1]), _num(tokens[-3])
        if seconds is None:
            return None
        return CbcEvent(seconds, _num(tokens[3]), bound)

    def _summary(self, line: str) -> CbcEvent | None:
        if m := _OLD_CONTINUOUS.match(line):
            return CbcEvent(_num(m[2]), None, _num(m[1]))
        if m := _FINAL_OBJECTIVE.match(line):
            return CbcEvent(None, _num(m[1]), None)
        if m := _FINAL_BOUND.match(line):
            return CbcEvent(None, None, _num(m[1]))
        if _NEW_ROOT_LP.search(line):
            return None  # not trusted as a bound (see the module docstring)
        if m := _NEW_HEURISTICS.search(line):
            return CbcEvent(_num(m[2]), _num(m[1]), None)
        if _NEW_CUTS_DONE.search(line):
            return None  # not trusted as a bound (see the module docstring)
        if m := _NEW_SUMMARY_BOUND.search(line):
            solution = _NEW_SUMMARY_SOLUTION.search(line)
            clock = _NEW_SUMMARY_TIME.search(line)
            return CbcEvent(
                _num(clock[1]) if clock else None,
                _num(solution[1]) if solution else None,
                _num(m[1]),
            )
        return None

    def parse(self, lines: Iterable[str]) -> list[CbcEvent]:
        events = []
        for line in lines:
            event = self.feed(line)
            if event is not None:
                events.append(event)
        return events


def parse_cbc_log(text: str) -> CbcLog:
    """Read the solution values and bounds that a CBC log states.

    Parameters
    ----------
    text : str
        The log, as written by ``pulp.COIN_CMD(logPath=...)`` (CBC 2.10 or CBC devel).

    Returns
    -------
    CbcLog
        The events in log order, with the best incumbent, the last bound and the gap.
        Values exclude the objective's constant term (PuLP does not pass it to CBC).

    Examples
    --------
    >>> log = parse_cbc_log(
    ...     "Continuous objective value is 945.956 - 0.00 seconds\\n"
    ...     "Cbc0012I Integer solution of 1045 found by feasibility pump after 0 "
    ...     "iterations and 0 nodes (0.18 seconds)\\n"
    ...     "Cbc0010I After 1000 nodes, 16 on tree, 973 best solution, "
    ...     "best possible 958.81267 (2.94 seconds)\\n"
    ... )
    >>> log.events[-1]
    CbcEvent(seconds=2.94, incumbent=973.0, bound=958.81267)
    >>> log.incumbent, log.bound, round(log.gap, 4)
    (973.0, 958.81267, 0.0146)
    """
    parser = _LineParser()
    events = parser.parse(text.splitlines())
    return CbcLog(events=tuple(events), sense=parser.sense)


# --------------------------------------------------------------------------- watcher
class CbcLogWatcher:
    """Tail a CBC log file in a daemon thread and report progress as it appears.

    Every ``interval`` seconds the thread reads what was appended to ``path`` (the
    file may not exist yet; an unfinished last line waits for its end) and, for each
    new :class:`CbcEvent`, calls ``callback(incumbent, bound, gap)`` with the best
    incumbent, the last bound and their gap so far (each may be None). Use it as a
    context manager around the solve; leaving the block stops the thread after a
    last read.

    Parameters
    ----------
    path : str or os.PathLike
        The log file (``logPath`` of ``pulp.COIN_CMD``).
    callback : callable, optional
        ``callback(incumbent, bound, gap)``, called from the watcher thread (and from
        :meth:`stop`'s last read), never concurrently. If it raises, it is not called
        again and :meth:`stop` re-raises the error.
    interval : float, default 0.5
        Seconds between reads.

    Notes
    -----
    The CBC devel binary writes its log line by line. CBC 2.10 (PuLP's bundled binary)
    buffers its output in 4 KiB blocks when writing to a file, so its progress arrives
    in bursts; running it through ``stdbuf -oL`` makes it line-buffered.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "cbc.log")
    >>> seen = []
    >>> with CbcLogWatcher(path, lambda inc, bnd, gap: seen.append((inc, bnd))) as w:
    ...     with open(path, "w") as fh:
    ...         _ = fh.write("Objective value:                991\\n"
    ...                      "Lower bound:                    958.773\\n")
    >>> seen
    [(991.0, None), (991.0, 958.773)]
    >>> round(w.log.gap, 4)
    0.0325
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        callback: ProgressCallback | None = None,
        *,
        interval: float = 0.5,
    ) -> None:
        self.path = os.fspath(path)
        self.callback = callback
        self.interval = float(interval)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reset()
        self._error: BaseException | None = None

    def _reset(self) -> None:
        self._parser = _LineParser()
        self._events: list[CbcEvent] = []
        self._offset = 0
        self._pending = b""
        self._incumbent: float | None = None
        self._bound: float | None = None

    @property
    def log(self) -> CbcLog:
        """The events read so far."""
        with self._lock:
            return CbcLog(events=tuple(self._events), sense=self._parser.sense)

    def start(self) -> CbcLogWatcher:
        """Start the watcher thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"CbcLogWatcher({self.path})", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> CbcLog:
        """Stop the thread, read what is left (an unfinished last line too) and return the log.

        Raises
        ------
        Exception
            Whatever the callback raised, if it did.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._read(final=True)
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self.log

    def __enter__(self) -> CbcLogWatcher:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.stop()
        except Exception:
            if exc_type is None:
                raise  # the callback failed; do not hide an error of the block itself

    def _run(self) -> None:
        while True:
            self._read(final=False)
            if self._stop.wait(self.interval):
                return

    def _read(self, *, final: bool) -> None:
        with self._lock:
            try:
                with open(self.path, "rb") as fh:
                    size = os.fstat(fh.fileno()).st_size
                    if size < self._offset:  # the file was rewritten: start again
                        self._reset()
                    fh.seek(self._offset)
                    data = fh.read()
            except OSError:  # not created yet (or already removed)
                return
            self._offset += len(data)
            chunk = self._pending + data
            lines = chunk.split(b"\n")
            self._pending = b"" if final else lines.pop()
            for raw in lines:
                event = self._parser.feed(raw.decode("utf-8", errors="replace"))
                if event is not None:
                    self._add(event)

    def _add(self, event: CbcEvent) -> None:
        self._events.append(event)
        sense = self._parser.sense
        if event.incumbent is not None and (
            self._incumbent is None or sense * (event.incumbent - self._incumbent) < 0
        ):
            self._incumbent = event.incumbent
        if event.bound is not None:
            self._bound = event.bound
        if self.callback is None or self._error is not None:
            return
        try:
            self.callback(self._incumbent, self._bound, _gap(self._incumbent, self._bound, sense))
        except Exception as err:  # reported by stop()
            self._error = err
