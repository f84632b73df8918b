"""Tests of rato_opt.optimize.cbclog: CBC log parsing (CBC 2.10 and CBC devel) and the log watcher.

The log excerpts below were recorded from real runs of PuLP's ``COIN_CMD`` on small
generalised-assignment MILPs, with the bundled CBC 2.10.3 (``OLD_*``) and with
"CBC devel (git:146ce89)" (``NEW_*``; ``NEW_ASCII`` under ``LC_ALL=C``). Only the lines of
interest were kept and the temporary paths on the command lines were shortened.
"""

from __future__ import annotations

import os
import random
import time

import pulp
import pytest

from rato_opt.optimize.cbclog import CbcEvent, CbcLog, CbcLogWatcher, parse_cbc_log

OLD_MIN = """\
command line - cbc /tmp/x-pulp.mps -sec 3.0 -randomSeed 1 -randomCbcSeed 1 -ratio 1e-06 -threads 1 -timeMode elapsed -solve -printingOptions all -solution /tmp/x-pulp.sol (default strategy 1)
Continuous objective value is 945.956 - 0.00 seconds
Cbc0038I Solution found of 1639
Cbc0038I Mini branch and bound improved solution from 1098 to 1045 (0.09 seconds)
Cbc0012I Integer solution of 1045 found by feasibility pump after 0 iterations and 0 nodes (0.18 seconds)
Cbc0013I At root node, 24 cuts changed objective from 945.95552 to 958.81267 in 100 passes
Cbc0010I After 0 nodes, 1 on tree, 1045 best solution, best possible 958.81267 (1.65 seconds)
Cbc0012I Integer solution of 976 found by DiveCoefficient after 2380 iterations and 4 nodes (1.70 seconds)
Cbc0012I Integer solution of 976 found by heuristic after 2373 iterations and 3 nodes (1.70 seconds)
Cbc0012I Integer solution of 975 found by heuristic after 9244 iterations and 469 nodes (2.30 seconds)
Cbc0012I Integer solution of 973 found by heuristic after 10051 iterations and 529 nodes (2.38 seconds)
Cbc0010I After 1000 nodes, 16 on tree, 973 best solution, best possible 958.81267 (2.94 seconds)
Cbc0020I Exiting on maximum time
Cbc0005I Partial search - best objective 973 (best possible 958.81267), took 17174 iterations and 1060 nodes (3.02 seconds)
Result - Stopped on time limit
Objective value:                973.00000000
Lower bound:                    958.813
Gap:                            0.01
"""

OLD_MAX = """\
command line - cbc /tmp/x-pulp.mps -max -sec 2.0 -randomSeed 1 -randomCbcSeed 1 -ratio 1e-06 -threads 1 -timeMode elapsed -solve -printingOptions all -solution /tmp/x-pulp.sol (default strategy 1)
Continuous objective value is 4620.96 - 0.00 seconds
Cbc0038I Mini branch and bound improved solution from -3056 to -4601 (0.54 seconds)
Cbc0012I Integer solution of -4601 found by feasibility pump after 0 iterations and 0 nodes (1.00 seconds)
Cbc0010I After 0 nodes, 1 on tree, -4601 best solution, best possible -4612.7951 (1.43 seconds)
Cbc0005I Partial search - best objective -4601 (best possible -4612.7951), took 588 iterations and 9 nodes (2.00 seconds)
Objective value:                4601.00000000
Upper bound:                    4612.795
"""

OLD_MISC = """\
Cbc0038I Mini branch and bound improved solution from 1.79769e+308 to 2401 (0.73 seconds)
Cbc0001I Search completed - best objective 966, took 47101 iterations and 3144 nodes (13.15 seconds)
"""

NEW_MIN = """\
  args: /tmp/x-pulp.mps -sec 3.0 -randomSeed 1 -randomCbcSeed 1 -ratio 1e-06 -threads 4 -timeMode elapsed -solve -printingOptions all -solution /tmp/x-pulp.sol
✔ LP Optimal — Frac: 16/480 (3.3%)   Obj: 945.956   Iters: 102   Time: 0.030s — winner: primal+sprint
  Round   Pass   Fractional       Suminf Status                BestSol  Time(s)
  ───── ────── ──────────── ──────────── ────────────── ────────────── ────────
 ★    2     21            7       0.6063 b&b solution             1013    0.107
 ★    3     50            7       0.6063 b&b solution              991    0.121

✔ Root node heuristics — best 991 in 0.102s
  Pass     Rows    Tight   Frac     Suminf        Objective  Time(s)
  ──── ──────── ──────── ────── ────────── ──────────────── ────────
     1       68        0     16      2.932          945.956    0.140
     2       73        5     24      7.124           951.43    0.140
     3       78       10     29      7.381          954.366    0.150
    40       95       27     59      16.44          958.682    0.310

✔ Cut generation complete — 27 cuts, obj 945.956 → 958.682 in 40 passes

     Nodes   OnTree  Depth         BestSol Method                 BestBound     Gap%   Time(s)
  ──────── ──────── ────── ─────────────── ──────────────── ─────────────── ──────── ─────────
         0        1      0             991                          958.682    3.26%     0.340
      1434      717     35             991                          958.773    3.25%      1.04
      2555     1265     29             991                          958.773    3.25%      1.75
      3664     1811     16             991                          958.773    3.25%      2.45

✔ Stopped (time limit) — BestSol: 991   Bound: 958.773   Gap: 3.25%   Nodes: 4658   Iters: 30.5K   Time: 3.02s
Result - Stopped on time limit
Objective value:                991
Lower bound:                    958.773
Gap:                            0.0336127
"""

NEW_NONE = """\
     Nodes   OnTree  Depth         BestSol Method                 BestBound     Gap%   Time(s)
  ──────── ──────── ────── ─────────────── ──────────────── ─────────────── ──────── ─────────
         0        1      0               —                          1992.05        —     0.460
       847      363    125               —                          1992.05        —      1.16
      2112      594    133               —                          1992.05        —      1.86
      3101      819    129               —                          1992.05        —      2.56
      3665      979     95               —                          1992.05        —      3.26
      4172     1046    131               —                          1992.05        —      3.96
      4698     1084    119               —                          1992.05        —      4.66

✔ Stopped (time limit) — No integer solution   Bound: 1992.05   Nodes: 4913   Iters: 47.6K   Time: 5.01s
Result - Stopped on time limit
No feasible solution found
Lower bound:                    1992.05
"""

NEW_MAX = """\
  args: /tmp/x-pulp.mps -max -sec 2.0 -randomSeed 1 -randomCbcSeed 1 -ratio 1e-06 -threads 1 -timeMode elapsed -solve -printingOptions all -solution /tmp/x-pulp.sol
✔ LP Optimal — Frac: 19/1000 (1.9%)   Obj: 4620.96   Iters: 353   Time: 0.029s
✔ Feasibility pump — best 4598 in 1.64s (5 rounds, 141 passes)
✔ Cut generation complete — 26 cuts, obj 4620.96 → 4611.48 in 13 passes
✔ Stopped (time limit) — BestSol: 4598   Bound: 4611.48   Gap: 0.29%   Nodes: 19   Iters: 628   Time: 2.00s
Objective value:                4598
Upper bound:                    4611.48
"""

NEW_ASCII = """\
     Nodes   OnTree  Depth         BestSol Method                 BestBound     Gap%   Time(s)
  -------- -------- ------ --------------- ---------------- --------------- -------- ---------
         0        1      0             980                           958.84    2.16%     0.430
 *       1        0      1             966 DiveCoefficient           958.84    0.74%     0.440

+ Optimal - Obj: 966   Bound: 966   Gap: 0.00%   Nodes: 28   Iters: 1707   Time: 0.560s
Objective value:                966
"""


# --------------------------------------------------------------------------- parsing
def test_parse_cbc_210_minimisation():
    log = parse_cbc_log(OLD_MIN)
    assert log.sense == 1
    assert log.events[0] == CbcEvent(0.0, None, 945.956)  # the LP relaxation
    assert log.events[1] == CbcEvent(None, 1639.0, None)  # feasibility pump, no clock
    assert log.events[2] == CbcEvent(0.09, 1045.0, None)
    assert CbcEvent(1.65, 1045.0, 958.81267) in log.events
    assert CbcEvent(2.38, 973.0, None) in log.events
    assert CbcEvent(3.02, 973.0, 958.81267) in log.events  # Cbc0005I partial search
    assert log.events[-2:] == (CbcEvent(None, 973.0, None), CbcEvent(None, None, 958.813))
    assert log.incumbent == 973.0
    assert log.bound == 958.813
    assert log.gap == pytest.approx((973 - 958.813) / 973)
    assert log.seconds == 3.02
    # the clock never runs backwards in a CBC 2.10 log
    clock = [e.seconds for e in log.events if e.seconds is not None]
    assert clock == sorted(clock)


def test_parse_cbc_210_maximisation_turns_internal_values_back():
    log = parse_cbc_log(OLD_MAX)
    assert log.sense == -1
    assert all(e.incumbent in (None, 4601.0) for e in log.events)
    assert CbcEvent(1.43, 4601.0, 4612.7951) in log.events
    assert log.incumbent == 4601.0
    assert log.bound == 4612.795
    assert log.gap == pytest.approx((4612.795 - 4601) / 4601)


def test_parse_cbc_210_special_values():
    log = parse_cbc_log(OLD_MISC)
    # "from 1.79769e+308" (no solution yet) is not a value; completed search proves the bound
    assert log.events == (CbcEvent(0.73, 2401.0, None), CbcEvent(13.15, 966.0, 966.0))
    assert log.gap == 0.0
    # CBC's message table (CbcMessage.cpp): Cbc0004I, and 1e+50 for "no solution yet"
    other = parse_cbc_log(
        "Cbc0004I Integer solution of 12.5 found after 40 iterations and 3 nodes (0.50 seconds)\n"
        "Cbc0010I After 100 nodes, 5 on tree, 1e+50 best solution, best possible 3.2 (1.23 seconds)\n"
    )
    assert other.events == (CbcEvent(0.5, 12.5, None), CbcEvent(1.23, None, 3.2))


def test_parse_cbc_devel_minimisation():
    log = parse_cbc_log(NEW_MIN)
    assert log.sense == 1
    ev = log.events
    # the root LP, the root cut table and "Cut generation complete" are not read as
    # bounds (the devel binary's root figures are not always valid lower bounds)
    assert all(e.bound != 945.956 for e in ev)
    assert ev[0:3] == (  # two starred pump rows and the heuristics summary
        CbcEvent(0.107, 1013.0, None),
        CbcEvent(0.121, 991.0, None),
        CbcEvent(0.102, 991.0, None),
    )
    assert ev[3] == CbcEvent(0.34, 991.0, 958.682)  # first branch-and-bound row
    assert ev[-4] == CbcEvent(2.45, 991.0, 958.773)
    assert ev[-3] == CbcEvent(3.02, 991.0, 958.773)  # "Stopped (time limit)"
    assert ev[-2:] == (CbcEvent(None, 991.0, None), CbcEvent(None, None, 958.773))
    assert log.incumbent == 991.0 and log.bound == 958.773
    assert log.gap == pytest.approx(0.0325, abs=5e-5)  # CBC prints 3.25%


def test_parse_cbc_devel_without_solution():
    log = parse_cbc_log(NEW_NONE)
    assert len(log.events) == 9
    assert all(e.incumbent is None and e.bound == 1992.05 for e in log.events)
    assert log.events[0].seconds == 0.46 and log.events[-2].seconds == 5.01
    assert log.incumbent is None and log.gap is None and log.bound == 1992.05


def test_parse_cbc_devel_maximisation():
    log = parse_cbc_log(NEW_MAX)
    assert log.sense == -1
    assert all(e.bound != 4620.96 for e in log.events)  # root LP: not read as a bound
    assert log.events[0] == CbcEvent(1.64, 4598.0, None)
    assert log.events[1] == CbcEvent(2.0, 4598.0, 4611.48)
    assert log.incumbent == 4598.0 and log.bound == 4611.48
    assert log.gap == pytest.approx(0.0029, abs=5e-5)  # CBC prints 0.29%


def test_parse_cbc_devel_ascii():
    log = parse_cbc_log(NEW_ASCII)
    assert log.events == (
        CbcEvent(0.43, 980.0, 958.84),
        CbcEvent(0.44, 966.0, 958.84),
        CbcEvent(0.56, 966.0, 966.0),
        CbcEvent(None, 966.0, None),
    )
    assert log.gap == 0.0


def test_parse_nothing():
    log = parse_cbc_log("Welcome to the CBC MILP Solver \nProblem is infeasible - 0.00 seconds\n")
    assert log == CbcLog()
    assert (log.incumbent, log.bound, log.gap, log.seconds) == (None, None, None, None)


# --------------------------------------------------------------------------- watcher
def _wait_for(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def test_watcher_reports_lines_as_they_are_completed(tmp_path):
    path = tmp_path / "cbc.log"
    seen = []
    with CbcLogWatcher(path, lambda *a: seen.append(a), interval=0.02) as watcher:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("Continuous objective value is 945.956 - 0.00 seconds\n")
            fh.write("Cbc0010I After 0 nodes, 1 on tree, 1045 best solution, best pos")
            fh.flush()
            assert _wait_for(lambda: len(seen) == 1)
            assert seen[0] == (None, 945.956, None)
            time.sleep(0.1)
            assert len(seen) == 1  # the unfinished line waits for its end
            fh.write("sible 958.81267 (1.65 seconds)\n")
            fh.flush()
            assert _wait_for(lambda: len(seen) == 2)
    inc, bnd, gap = seen[1]
    assert (inc, bnd) == (1045.0, 958.81267)
    assert gap == pytest.approx((1045 - 958.81267) / 1045)
    assert watcher.log.events[-1] == CbcEvent(1.65, 1045.0, 958.81267)
    assert not watcher._thread.is_alive()


def test_watcher_file_appears_late(tmp_path):
    path = tmp_path / "late.log"
    seen = []
    watcher = CbcLogWatcher(path, lambda *a: seen.append(a), interval=0.02).start()
    time.sleep(0.1)
    assert seen == []
    path.write_text(OLD_MIN, encoding="utf-8")
    assert _wait_for(lambda: len(seen) == len(parse_cbc_log(OLD_MIN).events))
    log = watcher.stop()
    assert log == parse_cbc_log(OLD_MIN)
    assert seen[-1] == (973.0, 958.813, pytest.approx(log.gap))


def test_watcher_file_never_appears(tmp_path):
    called = []
    watcher = CbcLogWatcher(tmp_path / "missing.log", lambda *a: called.append(a), interval=0.02)
    with watcher:
        time.sleep(0.05)
    assert watcher.log == CbcLog()
    assert called == []
    assert not watcher._thread.is_alive()


def test_watcher_final_read_takes_unfinished_line_and_rewrites(tmp_path):
    path = tmp_path / "cbc.log"
    path.write_text("Objective value:                966", encoding="utf-8")  # no newline
    watcher = CbcLogWatcher(path, interval=10.0)  # only the start and the final read
    with watcher:
        pass
    assert watcher.log.events == (CbcEvent(None, 966.0, None),)
    # a rewritten (shorter) file is read from its start again
    path.write_text("Objective value:                966\n", encoding="utf-8")
    watcher = CbcLogWatcher(path, interval=0.02).start()
    assert _wait_for(lambda: len(watcher.log.events) == 1)
    path.write_text("Lower bound: 1.5\n", encoding="utf-8")
    assert watcher.stop().events == (CbcEvent(None, None, 1.5),)


def test_watcher_callback_error_is_raised_by_stop(tmp_path):
    path = tmp_path / "cbc.log"
    path.write_text("Lower bound:                    958.773\n", encoding="utf-8")

    def boom(*_):
        raise ValueError("callback failed")

    with pytest.raises(ValueError, match="callback failed"):
        with CbcLogWatcher(path, boom, interval=0.02):
            pass
    # an error of the block itself is not replaced by the callback's
    with pytest.raises(KeyError):
        with CbcLogWatcher(path, boom, interval=0.02):
            raise KeyError("block")


# --------------------------------------------------------------------------- real CBC runs
def _assignment_problem(agents=5, jobs=30, seed=3):
    """A small generalised assignment MILP (with an objective constant PuLP leaves out)."""
    rng = random.Random(seed)
    prob = pulp.LpProblem("gap", pulp.LpMinimize)
    x = {
        (i, j): prob.add_variable(f"x{i}_{j}", cat="Binary")
        for i in range(agents)
        for j in range(jobs)
    }
    cost = {k: rng.randint(10, 50) for k in x}
    size = {k: rng.randint(5, 25) for k in x}
    prob += pulp.lpSum(cost[k] * x[k] for k in x) + 5
    for j in range(jobs):
        prob += pulp.lpSum(x[i, j] for i in range(agents)) == 1
    for i in range(agents):
        cap = int(0.8 * sum(size[i, j] for j in range(jobs)) / agents)
        prob += pulp.lpSum(size[i, j] * x[i, j] for j in range(jobs)) <= cap
    return prob


def _solve_watched(tmp_path, **solver_kwargs):
    prob = _assignment_problem()
    log_path = tmp_path / "cbc.log"
    solver = pulp.COIN_CMD(
        msg=False, logPath=str(log_path), timeLimit=20, threads=1, gapRel=1e-6, **solver_kwargs
    )
    if not solver.available():
        pytest.skip("this CBC binary is not available")
    seen = []
    with CbcLogWatcher(log_path, lambda *a: seen.append(a), interval=0.05) as watcher:
        prob.solve(solver)
    assert prob.status == pulp.LpStatusOptimal
    log = watcher.log
    assert log == parse_cbc_log(log_path.read_text(encoding="utf-8", errors="replace"))
    assert len(seen) == len(log.events)
    assert any(bound is not None for _, bound, _ in seen)
    objective = pulp.value(prob.objective) - prob.objective.constant  # what CBC solved
    assert log.bound <= objective + 1e-6
    assert log.incumbent == pytest.approx(objective)
    assert log.gap == pytest.approx(0.0, abs=1e-6)
    return log


def test_watcher_with_cbc_on_path(tmp_path):
    _solve_watched(tmp_path)


def test_watcher_with_bundled_cbc_210(tmp_path):
    from pulp.apis.coin_api import pulp_cbc_path

    if not (pulp_cbc_path and os.path.isfile(pulp_cbc_path)):
        pytest.skip("PuLP's bundled CBC is not installed")
    log = _solve_watched(tmp_path, path=pulp_cbc_path)
    assert log.events[0].bound is not None  # "Continuous objective value is ..."
