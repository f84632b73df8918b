"""An exact neighbourhood: the best plan made of regions the search has visited.

Every region a local search (:func:`rato_opt.optimize.recom.recombine`) creates meets
the bounds and is connected, so any choice of ``q`` of them that covers every unit
exactly once is a plan. :class:`RegionPool` keeps the distinct regions (the most
recently seen ``max_columns``, the incumbent's always) and :func:`solve_pool` picks the
best such plan with a set-partitioning integer program (HiGHS):

.. math::

    \\min\\; C + \\sum_j c_j x_j - \\sum_{c} \\sum_{j} g_{cj}\\, y_{cj}
    \\quad\\text{s.t.}\\quad \\sum_{j \\ni i} x_j = 1\\;\\forall i,\\qquad
    \\sum_j x_j = q,\\qquad \\sum_j y_{cj} \\le 1,\\quad y_{cj} \\le x_j\\;\\forall c, j,

with :math:`x_j \\in \\{0,1\\}` (column :math:`j` chosen) and :math:`0 \\le y_{cj} \\le 1`
(column :math:`j` is collaboration :math:`c`'s main region). For a weight-outside
group (split, alignment, stay close) :math:`g_{cj}` is the coefficient times the weight
:math:`w_{cj}` of :math:`c` inside :math:`j` and :math:`C` holds the coefficient times
:math:`W_c`, so that :math:`W_c - \\max_j w_{cj}` is counted exactly; for a count group
:math:`g_{cj}` is the coefficient when :math:`c` is not split with :math:`j` as its main
region (:func:`rato_opt.assess.split.is_split`) and :math:`C` the coefficient. For
fixed :math:`x` the :math:`y` part is a choice of one column per collaboration, whose LP
optimum is integral, so :math:`y` stays continuous. Compactness (cut border = total
minus the border inside chosen columns) and the alliance term are costs :math:`c_j` of
the columns. The program's value therefore equals ``problem.objective`` of the plan for
every term the compiled problem knows; :func:`solve_pool` reports both.

The program is built as numpy arrays and passed to highspy directly: through PuLP,
building some 60,000 variables in Python took seconds that the search can use better.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..assess.split import is_split
from .problem import as_problem
from .runtime import quiet_highs

__all__ = ["DEFAULT_COLUMNS", "RegionPool", "PoolResult", "solve_pool"]

#: Pool size when ``Budget.pool_max_columns`` is None (wall-clock budgets).
DEFAULT_COLUMNS = 500


class RegionPool:
    """Distinct regions (sorted unit positions) seen by a search, the newest kept.

    Parameters
    ----------
    n : int
        Number of units.
    max_columns : int or None
        Keep at most this many regions besides the pinned ones (the least recently
        seen go first); None keeps every one.

    Examples
    --------
    >>> import numpy as np
    >>> pool = RegionPool(4, max_columns=2)
    >>> pool.add_plan(np.array([0, 0, 1, 1]))       # pinned: always kept
    >>> for units in ([0], [1, 2, 3], [0, 1, 2]):
    ...     pool.add(np.array(units))
    >>> len(pool), pool.seen
    (4, 5)
    """

    def __init__(self, n: int, max_columns: int | None = None) -> None:
        self.n = n
        self.max_columns = max_columns
        self._cols: dict[bytes, np.ndarray] = {}
        self._pinned: dict[bytes, np.ndarray] = {}
        self.seen = 0  # distinct regions offered (kept or not)
        self._keys: set[bytes] = set()

    def __len__(self) -> int:
        return len(self._cols) + len(self._pinned)

    def add(self, units: np.ndarray) -> None:
        """Add one region (sorted unit positions); a known one becomes the newest."""
        key = np.asarray(units, dtype=np.int32).tobytes()
        if key in self._pinned:
            return
        if key not in self._keys:
            self._keys.add(key)
            self.seen += 1
        cols = self._cols
        if key in cols:
            cols[key] = cols.pop(key)
            return
        cols[key] = np.asarray(units, dtype=np.int32)
        if self.max_columns is not None:
            while len(cols) > self.max_columns:
                cols.pop(next(iter(cols)))

    def add_plan(self, labels: np.ndarray) -> None:
        """Pin every region of a plan (kept whatever ``max_columns``)."""
        labels = np.asarray(labels)
        for r in np.unique(labels):
            units = np.flatnonzero(labels == r).astype(np.int32)
            key = units.tobytes()
            self._cols.pop(key, None)
            if key not in self._keys:
                self._keys.add(key)
                self.seen += 1
            self._pinned[key] = units

    def columns(self) -> list[np.ndarray]:
        """The regions: pinned first, then the others from oldest to newest."""
        return list(self._pinned.values()) + list(self._cols.values())


@dataclass(frozen=True)
class PoolResult:
    """Outcome of :func:`solve_pool`.

    Attributes
    ----------
    labels : numpy.ndarray or None
        The program's plan (labels ``0..q-1``), None when HiGHS returned no solution.
    objective : float or None
        ``problem.objective(labels)``.
    program_value : float or None
        The program's objective (equal to ``objective`` for every known term).
    bound : float or None
        HiGHS's dual bound over the pool (not a bound of the whole problem).
    status : str
        HiGHS's model status.
    columns, variables, rows : int
    seconds : float
    """

    labels: np.ndarray | None
    objective: float | None
    program_value: float | None
    bound: float | None
    status: str
    columns: int
    variables: int
    rows: int
    seconds: float


def _column_costs(model, cols: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """Region-separable terms: compactness and alliance, per column (and a constant)."""
    obj = model.spec.objective
    cost = np.zeros(len(cols))
    const = 0.0
    if obj.compactness > 0 and model.total_length > 0:
        coef = obj.compactness / model.total_length
        const += obj.compactness
        ea = np.array([e[0] for e in model.edges], dtype=int)
        eb = np.array([e[1] for e in model.edges], dtype=int)
        el = np.array([e[2] for e in model.edges])
        inside = np.zeros(model.n, dtype=bool)
        for j, units in enumerate(cols):
            inside[units] = True
            cost[j] -= coef * float(el[inside[ea] & inside[eb]].sum())
            inside[units] = False
    if obj.alliance > 0 and model.alliances:
        w = model.split_weights
        wtot = float(w.sum())
        if wtot > 0:
            member = np.zeros((len(model.alliances), model.n))
            for a, units in enumerate(model.alliances):
                member[a, units] = 1.0
            for j, units in enumerate(cols):
                kept = float((member[:, units] @ w[units]).max())
                cost[j] += obj.alliance * (float(w[units].sum()) - kept) / wtot
    return cost, const


def solve_pool(problem, pool: RegionPool, q: int, *, start: np.ndarray | None = None,
               nodes: int | None = None, time_limit: float | None = None,
               threads: int | None = 1, seed: int = 0, options: dict | None = None,
               guard=None) -> PoolResult:
    """The best plan of ``q`` pool regions that cover every unit exactly once.

    Parameters
    ----------
    problem : CompiledProblem
    pool : RegionPool
    q : int
        Number of regions.
    start : numpy.ndarray, optional
        Labels of a plan whose regions are all in the pool (a MIP start).
    nodes : int, optional
        Branch-and-bound node limit (deterministic); None: no limit.
    time_limit : float, optional
        Seconds (a cap).
    threads : int, default 1
    seed : int, default 0
    options : dict, optional
        Further HiGHS options.
    guard : InterruptGuard, optional
        HiGHS stops when ``guard.requested`` is set (Ctrl-C); run it inside
        ``guard.native()``.

    Returns
    -------
    PoolResult

    Examples
    --------
    >>> import numpy as np
    >>> from rato_opt.sources.synthetic import load_default
    >>> from rato_opt.spec import Objective, RegionSpec
    >>> from rato_opt.optimize.problem import compile_problem
    >>> from rato_opt.optimize.heuristic import warm_start_labels
    >>> p = compile_problem(load_default(), RegionSpec(k=3, objective=Objective(split=1)))
    >>> lab = warm_start_labels(p, seed=0, starts=1)
    >>> pool = RegionPool(p.n)
    >>> pool.add_plan(lab)
    >>> res = solve_pool(p, pool, 3, start=lab)
    >>> bool(np.isclose(res.objective, p.objective(lab))), res.status
    (True, 'Optimal')
    """
    import highspy

    quiet_highs()  # HiGHS's banner to standard error, never stdout
    model = as_problem(problem)
    t0 = time.perf_counter()
    cols = pool.columns()
    J = len(cols)
    n = model.n
    cost, const = _column_costs(model, cols)
    # unit x column incidence
    col_idx = np.concatenate([np.full(len(c), j) for j, c in enumerate(cols)]) if J else \
        np.zeros(0, dtype=int)
    unit_idx = np.concatenate(cols) if J else np.zeros(0, dtype=int)
    inc = sp.csr_matrix((np.ones(len(unit_idx)), (unit_idx, col_idx)), shape=(n, J))
    # y variables: (collaboration row, column, gain)
    y_c, y_j, y_g = [], [], []
    nc = 0
    for groups in model.groups.values():
        for g in groups:
            t = getattr(g, "threshold", None)
            for m, w in g.members:
                whole = float(w.sum())
                wcol = inc[m].T @ w  # weight of c in every column
                js = np.flatnonzero(wcol > 0)
                if t is None:
                    gain = g.coef * wcol[js]
                else:
                    keep = ~np.asarray(is_split(whole - wcol[js], whole, t), dtype=bool)
                    js, gain = js[keep], np.full(int(keep.sum()), g.coef)
                const += g.coef * (whole if t is None else 1.0)
                y_c.append(np.full(len(js), nc))
                y_j.append(js)
                y_g.append(gain)
                nc += 1
    y_c = np.concatenate(y_c) if y_c else np.zeros(0, dtype=int)
    y_j = np.concatenate(y_j) if y_j else np.zeros(0, dtype=int)
    y_g = np.concatenate(y_g) if y_g else np.zeros(0)
    Y = len(y_c)
    # rows: n cover (=1), 1 count (=q), nc one-main (<=1), Y links y - x <= 0
    r_cover = sp.hstack([inc, sp.csr_matrix((n, Y))])
    r_count = sp.hstack([sp.csr_matrix(np.ones((1, J))), sp.csr_matrix((1, Y))])
    r_main = sp.hstack([sp.csr_matrix((nc, J)),
                        sp.csr_matrix((np.ones(Y), (y_c, np.arange(Y))), shape=(nc, Y))])
    r_link = sp.hstack([sp.csr_matrix((-np.ones(Y), (np.arange(Y), y_j)), shape=(Y, J)),
                        sp.identity(Y, format="csr")])
    A = sp.vstack([r_cover, r_count, r_main, r_link]).tocsc()
    rows = A.shape[0]
    lp = highspy.HighsLp()
    lp.num_col_ = J + Y
    lp.num_row_ = rows
    costs = np.concatenate([cost, -y_g])
    scale = 1.0 / max(float(np.abs(costs).max()) if len(costs) else 1.0, 1e-12)
    lp.col_cost_ = costs * scale  # costs near 1 (unscaled they are 1e-5..1e-2)
    lp.col_lower_ = np.zeros(J + Y)
    lp.col_upper_ = np.ones(J + Y)
    lp.row_lower_ = np.concatenate([np.ones(n), [q], np.full(nc + Y, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([np.ones(n), [q], np.ones(nc), np.zeros(Y)])
    lp.offset_ = const * scale
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * J + [highspy.HighsVarType.kContinuous] * Y
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1 if threads is None else int(threads))
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("mip_rel_gap", 1e-6)
    # presolve took 17.7 of 18.3 s on 500 columns of the real map (k = 35); the program
    # is already small and sparse
    h.setOptionValue("presolve", "off")
    if nodes is not None:
        h.setOptionValue("mip_max_nodes", int(nodes))
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit), 0.1))
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    h.passModel(lp)
    if start is not None:
        h.setSolution(J + Y, np.arange(J + Y, dtype=np.int32), _start_values(
            cols, start, y_c, y_j, y_g, nc, J))
    if guard is not None:
        def stop_if_asked(e):
            if guard.requested:
                e.interrupt()

        h.cbMipInterrupt.subscribe(stop_if_asked)
        h.cbSimplexInterrupt.subscribe(stop_if_asked)
        h.cbIpmInterrupt.subscribe(stop_if_asked)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    size = dict(columns=J, variables=J + Y, rows=rows)
    if info.primal_solution_status != 2:
        return PoolResult(None, None, None, None, status, seconds=time.perf_counter() - t0,
                          **size)
    x = np.asarray(h.getSolution().col_value)[:J]
    labels = np.full(n, -1, dtype=int)
    for r, j in enumerate(np.flatnonzero(x > 0.5)):
        labels[cols[j]] = r
    if (labels < 0).any():  # cannot happen: the cover rows hold
        return PoolResult(None, None, None, None, "cover broken", seconds=time.perf_counter()
                          - t0, **size)
    bound = float(info.mip_dual_bound)
    return PoolResult(labels, model.objective(labels),
                      float(info.objective_function_value) / scale, bound / scale, status, seconds=time.perf_counter() - t0, **size)


def _start_values(cols, start, y_c, y_j, y_g, nc, J) -> np.ndarray:
    """x and y of the plan ``start`` (each collaboration's best chosen column)."""
    key = {c.tobytes(): j for j, c in enumerate(cols)}
    x = np.zeros(J)
    for r in np.unique(start):
        j = key.get(np.flatnonzero(start == r).astype(np.int32).tobytes())
        if j is not None:
            x[j] = 1.0
    y = np.zeros(len(y_c))
    chosen = x[y_j] > 0.5
    best = np.full(nc, -1)
    for k in np.flatnonzero(chosen):
        c = y_c[k]
        if best[c] < 0 or y_g[k] > y_g[best[c]]:
            best[c] = k
    y[best[best >= 0]] = 1.0
    return np.concatenate([x, y])
