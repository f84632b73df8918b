"""Exact large-neighbourhood search: re-optimise a few neighbouring regions with HiGHS.

The units of 2-4 adjacent regions are freed (every other unit keeps its region), the
full integer program is re-solved from the current plan and the result is kept when it
verifies and is better.
"""

from __future__ import annotations

import time

import numpy as np

from .backends import highs_class
from .runstate import labels_to_assignment, problem_objective

__all__ = ["exact_windows"]


def exact_windows(model, lab: np.ndarray, *, deadline: float, threads, offer,
         window: int = 3, window_seconds: float = 5.0) -> int:
    """Exact large-neighbourhood search with HiGHS on the model itself.

    Repeatedly frees the units of a few neighbouring regions (the others keep their
    region: their ``x`` are fixed), re-solves the full model from the current plan and
    keeps the result when it verifies and is better. Returns the number of windows tried.
    """
    lab = model.labels_of(dict(zip(model.codes, lab, strict=True)))  # first-unit order
    prob = model.problem
    cls = highs_class()
    solver = cls(msg=False, threads=threads, random_seed=0, mip_rel_gap=1e-6)
    solver.createAndConfigureSolver(prob)
    solver.buildSolverModel(prob)
    h = prob.solverModel
    h.setOptionValue("output_flag", False)
    # label-order (symmetry breaking) rows would pin the window's labels between the fixed
    # ones: drop them here; labels are re-canonicalised after every window
    order_rows = np.array([i for i, name in enumerate(model.constraint_names) if name.startswith("order_")],
                          dtype=np.int32)
    if len(order_rows):
        inf = np.full(len(order_rows), np.inf)
        h.changeRowsBounds(len(order_rows), order_rows, -inf, inf)
    xi = {key: v.index for key, v in model.x.items()}
    allv = model.variables()
    idx_all = np.array([v.index for v in allv], dtype=np.int32)
    keys = list(xi)
    cols = np.array([xi[k] for k in keys], dtype=np.int32)
    kunit = np.array([k[0] for k in keys])
    klab = np.array([k[1] for k in keys])
    tried = 0
    rng = np.random.default_rng(0)
    stale = 0
    while time.perf_counter() < deadline - 0.5 and stale < 3 * (lab.max() + 1):
        q = int(lab.max()) + 1
        r0 = int(rng.integers(q))
        border: dict[int, float] = {}
        for a, b, d in model.edges:
            ra, rb = lab[a], lab[b]
            if ra != rb and r0 in (ra, rb):
                other = rb if ra == r0 else ra
                border[other] = border.get(other, 0.0) + d + 1.0
        nbr = sorted(border, key=lambda t: (-border[t], t))[: window - 1]
        win = {r0, *nbr}
        free = np.isin(lab[kunit], list(win)) & np.isin(klab, list(win))
        cur = (lab[kunit] == klab).astype(float)
        model.set_start(labels_to_assignment(model, lab))  # lab is in first-unit order: consistent
        vals = np.array([float(v.varValue or 0.0) for v in allv])
        # collaboration homes: free only for collaborations with a member in the window,
        # and only among the window's labels and the current home
        in_win = np.isin(lab, list(win))
        hc, hlo, hup = [], [], []
        for members, hv in model.home_vars:
            touched = bool(in_win[members].any())
            for r, v in hv.items():
                val = float(v.varValue or 0.0)
                hc.append(v.index)
                if touched and (r in win or val > 0.5):
                    hlo.append(0.0)
                    hup.append(1.0)
                else:
                    hlo.append(val)
                    hup.append(val)
        all_cols = np.concatenate([cols, np.array(hc, dtype=np.int32)])
        lo = np.concatenate([np.where(free, 0.0, cur), hlo])
        up = np.concatenate([np.where(free, 1.0, cur), hup])
        h.changeColsBounds(len(all_cols), all_cols, lo, up)
        h.setSolution(len(idx_all), idx_all, vals)
        h.setOptionValue("time_limit", float(max(min(window_seconds, deadline - time.perf_counter()),
                                                 0.2)))
        h.run()
        tried += 1
        info = h.getInfo()
        if info.primal_solution_status != 2:
            stale += 1
            continue
        x = np.asarray(h.getSolution().col_value)[cols]
        new = lab.copy()
        chosen = x > 0.5
        new[kunit[chosen]] = klab[chosen]
        new = model.labels_of(dict(zip(model.codes, new, strict=True)))
        before = problem_objective(model, labels_to_assignment(model, lab))
        after = problem_objective(model, labels_to_assignment(model, new))
        if after < before - 1e-9 and offer(labels_to_assignment(model, new)):
            lab = new
            stale = 0
        else:
            stale += 1
    return tried
