"""The region integer program: build it, never solve it here.

:func:`build_model` turns a :class:`~rato_opt.landscape.coverage.Landscape` and a
:class:`RegionSpec` into a :class:`RegionModel`: a PuLP problem with readable
variable and constraint names, plus the bookkeeping needed to read an assignment back,
set a warm start and add contiguity cuts. Solving is :func:`rato_opt.optimize.pipeline.solve`.

The spec dataclasses live in :mod:`rato_opt.spec` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd
import pulp

from ..assess.diagnose import check_feasible
from ..exceptions import ModelError
from ..landscape import Landscape
from ..spec import TERMS, Bound, Locks, Objective, RegionSpec
from .cuts import add_separator_cuts
from .locks import add_locks
from .objective import build_objective, objective_start
from .problem import CompiledProblem, clean_name, compile_problem, model_graph

__all__ = [
    "Bound",
    "Objective",
    "Locks",
    "RegionSpec",
    "RegionModel",
    "build_model",
    "model_graph",
    "TERMS",
]


Formulation = Literal["flow", "cuts"]
_clean = clean_name


# --------------------------------------------------------------------------- the model
class RegionModel:
    r"""A region-forming integer program (built, not solved).

    Units are numbered :math:`i = 0..n-1` in sorted code order; regions carry labels
    :math:`r = 0..K-1` (:math:`K = k` or :math:`k_{max}`); :math:`E` are the edges of the
    unit graph :math:`G` with shared-border lengths :math:`\ell_e`.

    Variables
        :math:`x_{ir}\in\{0,1\}` unit :math:`i` in region :math:`r`, only for
        :math:`r \le i`; :math:`\rho_{ir}\in\{0,1\}` unit :math:`i` is the *root*
        (first unit) of region :math:`r`; :math:`R_{ir}\ge 0` the running count
        :math:`\sum_{j\le i}\rho_{jr}`; :math:`y_e\in[0,1]` edge :math:`e` is cut;
        :math:`u_r\in\{0,1\}` region used (only when :math:`k` is a range).

    Partition and symmetry breaking (region labels ordered by their first unit)

    .. math::

        \sum_r x_{ir} = 1, \quad
        R_{ir} = R_{i-1,r} + \rho_{ir}, \quad
        \rho_{ir} \le x_{ir} \le R_{ir}, \quad
        R_{i,r} \le R_{i-1,r-1}, \quad
        R_{n-1,r} = u_r.

    Cut edges: :math:`y_{ij} \ge x_{ir} - x_{jr}` (and :math:`\ge x_{jr} - x_{ir}` when
    the compactness term is used) for all :math:`r`.

    Balance, per bound :math:`(c, L, U)` on column :math:`w^c` and region :math:`r`:
    :math:`L\,u_r \le \sum_i w^c_i x_{ir} \le U\,u_r` (relative bounds use
    :math:`L\cdot W^c/q` for the chosen number of regions :math:`q`, through a
    one-hot choice of :math:`q` when :math:`k` is a range); likewise for unit counts.

    Contiguity, ``formulation="flow"`` (single-commodity flow over uncut edges,
    :math:`M` = largest possible region size):

    .. math::

        0 \le f_{ij} \le (M-1)(1-y_{ij}), \quad
        \sum_j f_{ji} - \sum_j f_{ij} \ge 1 - M\sum_r \rho_{ir}.

    Every non-root unit draws one unit of flow from a root through uncut edges,
    which join units of one region only; every region has exactly one root, so
    every region is connected. ``formulation="cuts"`` omits the flow and adds, for a
    region :math:`r` found disconnected in a solution, minimal vertex-separator cuts
    :math:`x_{ir'} + x_{jr'} - 1 \le \sum_{v\in C} x_{vr'}` for all labels :math:`r'`
    (:math:`C` separates :math:`i` from :math:`j` in :math:`G`), then re-solves
    (:func:`rato_opt.optimize.pipeline.solve` runs the loop).

    Objective (all terms as defined in :mod:`rato_opt.assess.metrics`). For a collaboration
    :math:`c` with members :math:`M_c` and weights :math:`w_i`:
    :math:`h_{cr}\in\{0,1\}` marks its home region, :math:`\sum_r h_{cr} = 1`,
    :math:`z_{cr} \le \sum_{i\in M_c} w_i x_{ir}`, :math:`z_{cr} \le W_c h_{cr}`, and
    :math:`W_c - \sum_r z_{cr}` is the weight outside the home. Split, alignment and
    stay-close terms are such sums divided by :math:`\sum_c W_c`; compactness is
    :math:`\sum_e \ell_e y_e / \sum_e \ell_e`; the alliance term uses home alliances
    :math:`g_{ra}` per region in the same way (and :math:`x_{ir} \le \sum_{a\ni i} g_{ra}`
    when ``alliance_hard``). The solver objective is the weighted sum; constant parts
    are kept in :attr:`objective_constant`.

    Attributes
    ----------
    problem : pulp.LpProblem
        The PuLP problem (objective without its constant).
    codes : list of str
        Unit codes in model order.
    graph : networkx.Graph
        The unit graph used (connected; see :func:`model_graph`).
    K : int
        Number of region labels.
    formulation : {"flow", "cuts"}
    x : dict
        ``(unit position, label) -> variable``.
    terms : dict
        Term name -> (pulp expression, constant) giving the *weighted* term.

    Notes
    -----
    The roots :math:`\rho` may be continuous: with binary :math:`x`, :math:`x \le R` and
    :math:`\rho \le x` force them to 0/1. When cut variables exist, the valid inequality
    :math:`W_c - \sum_r z_{cr} \ge \min(w_i, w_j)\, y_{ij}` is added for every graph edge
    inside a collaboration (a cut edge puts at least its lighter end outside the home);
    ``strengthen=False`` omits it.

    Size: about :math:`2nK` assignment/root variables, :math:`|C|K` home binaries and
    :math:`|E|K` (one-sided) or :math:`2|E|K` (with compactness) cut rows.

    Measurements (this machine: 2 cores shared by several jobs, HiGHS 1.15, 1 thread
    unless said otherwise; objective split + 0.2 compactness + 0.5 alignment with
    ``amr``, population 0.5–2.0 × mean):

    - tiny grids and strips (≤ 12 units, k ≤ 3): both formulations prove optimality
      (gap 0) in well under a second with HiGHS and with CBC (see the tests);
    - synthetic, 40 units, k = 4, 30 s: neither formulation proves optimality; flow
      0.5595 (bound 0.0096), cuts 0.5853 (bound 0.0322); CBC bound 0. With the edge
      inequality the flow model reached 0.5278 (bound 0.0167). 60 units, k = 6: flow
      and cuts both 0.6421, bound 0.0061;
    - synthetic default (340 units, k = 35), 60 s: flow model 50,316 variables
      (18,131 binary), 123,859 rows, built in 9 s; cuts model 48,460 / 121,663. HiGHS
      did not finish the root LP of either within the limit: both returned the
      heuristic start (1.8616), bound 0;
    - real 2024 map (342 gemeenten, boards split by pupils, k = 35), 60 s: flow model
      57,385 variables (21,689 binary), 128,164 rows; one early run of the cut loop
      (5,031 separator cuts, each relaxation repaired into a verified plan) reached
      0.3078 where a single-start heuristic gave 0.3204; with the multi-start and
      reference-partition starts the flow model returns 0.2742 (bound 0, gap 100 %).

    The label-based LP relaxation is weak (fractional labels spread every
    collaboration evenly, so the split terms relax to about 0), which is why bounds
    stay near 0 beyond toy sizes. ``"flow"`` is the default: one solve, exact
    contiguity by construction (needed by the window search in
    :func:`rato_opt.optimize.pipeline.solve`), and results at least as good as the cut loop in
    these runs.
    """

    def __init__(
        self,
        problem: CompiledProblem,
        *,
        formulation: Formulation = "flow",
        elastic: bool = False,
        strengthen: bool = True,
    ) -> None:
        if formulation not in ("flow", "cuts"):
            raise ModelError(f"formulation must be 'flow' or 'cuts', got {formulation!r}")
        if not isinstance(problem, CompiledProblem):
            raise ModelError("RegionModel needs a compiled problem: "
                             "RegionModel(compile_problem(landscape, spec)), or use build_model; "
                             f"got {type(problem).__name__}")
        self.compiled = problem
        self.landscape = problem.landscape
        self.spec = spec = problem.spec
        self.graph = problem.graph
        self.formulation = formulation
        self.elastic = elastic
        self.strengthen = strengthen
        self.codes: list[str] = list(problem.codes)
        self.pos = problem.pos
        n = self.n = problem.n
        k_lo, k_hi = self.k_min, self.k_max = problem.k_min, problem.k_max
        K = self.K = k_hi
        self.edges: list[tuple[int, int, float]] = list(problem.edges)
        self.nbrs = problem.nbrs
        self.cut_count = 0
        self.islands: list[list[int]] = [[int(i) for i in c] for c in problem.islands]
        self.groups = problem.groups
        self.split_weights = problem.split_weights
        self.alliances = problem.alliances
        self.total_length = problem.total_length
        self.slacks: list[tuple[pulp.LpVariable, str, dict]] = []
        prob = self.problem = pulp.LpProblem("regions", pulp.LpMinimize)
        self._names: set[str] = set()
        self._vars: dict[str, pulp.LpVariable] = {}  # pulp's problem.variables() is slow
        self._cnames: list[str] = []
        self._cname_set: set[str] = set()

        # ---- assignment, roots, symmetry breaking
        self.labels = [list(range(min(i, K - 1) + 1)) for i in range(n)]
        self.x = {(i, r): self.add_var(f"x_{_clean(self.codes[i])}_R{r}", 0, 1, "Binary")
                  for i in range(n) for r in self.labels[i]}
        # roots may be continuous: with binary x, x <= R and root <= x force them integral
        self.root = {(i, r): self.add_var(f"root_{_clean(self.codes[i])}_R{r}", 0, 1, "Continuous")
                     for i in range(n) for r in self.labels[i]}
        cum = {}
        for i in range(n):
            self.add_con(pulp.lpSum(self.x[i, r] for r in self.labels[i]) == 1,
                      f"assign_{_clean(self.codes[i])}")
            for r in self.labels[i]:
                if i == r:
                    cum[i, r] = self.root[i, r]
                    if r == 0:
                        self.add_con(self.root[0, 0] == 1, "root_first_unit")
                else:
                    c = self.add_var(f"rootsum_{_clean(self.codes[i])}_R{r}", 0, 1, "Continuous")
                    self.add_con(c == cum[i - 1, r] + self.root[i, r],
                              f"rootsum_{_clean(self.codes[i])}_R{r}")
                    cum[i, r] = c
                self.add_con(self.root[i, r] <= self.x[i, r], f"root_in_{_clean(self.codes[i])}_R{r}")
                self.add_con(self.x[i, r] <= cum[i, r], f"after_root_{_clean(self.codes[i])}_R{r}")
                if r >= 1 and i >= 1:
                    self.add_con(cum[i, r] <= cum[i - 1, r - 1],
                              f"order_{_clean(self.codes[i])}_R{r}")
        self.cum = cum
        self.used: dict[int, pulp.LpAffineExpression | int] = {}
        for r in range(K):
            last = cum[n - 1, r]
            if r < k_lo:
                self.add_con(last == 1, f"region_R{r}_used")
                self.used[r] = 1
            else:
                self.used[r] = last
        self._members_of = [[i for i in range(n) if r in set(self.labels[i])] for r in range(K)]
        # islands: regions of their own (contiguity does that), exempt from lower bounds
        self.island_root: dict[int, pulp.LpAffineExpression | int] = {}
        for ci, comp in enumerate(self.islands):
            for j in comp[1:]:
                for r in self.labels[comp[0]]:
                    self.add_con(self.x[comp[0], r] == self.x.get((j, r), 0),
                              f"island{ci}_{_clean(self.codes[j])}_R{r}")
        for r in range(K):
            roots = [self.root[c[0], r] for c in self.islands if (c[0], r) in self.root]
            self.island_root[r] = pulp.lpSum(roots) if roots else 0

        # ---- number of regions choice (for relative bounds with a k range)
        self.q_choice: dict[int, pulp.LpVariable] = {}
        n_regions = pulp.lpSum(self.used[r] for r in range(K))
        self.n_regions_expr = n_regions
        needs_q = k_lo != k_hi and any(b.relative for b in spec.bounds)
        if needs_q:
            self.q_choice = {q: self.add_var(f"nregions_is_{q}", 0, 1, "Binary")
                             for q in range(k_lo, k_hi + 1)}
            self.add_con(pulp.lpSum(self.q_choice.values()) == 1, "nregions_choice")
            self.add_con(pulp.lpSum(q * v for q, v in self.q_choice.items()) == n_regions,
                      "nregions_link")

        # ---- cut edges
        comp = spec.objective.compactness > 0
        need_cut = formulation == "flow" or comp
        self.cut: dict[tuple[int, int], pulp.LpVariable] = {}
        if need_cut:
            for a, b, _ in self.edges:
                y = self.add_var(f"cut_{_clean(self.codes[a])}_{_clean(self.codes[b])}", 0, 1,
                              "Continuous")
                self.cut[a, b] = y
                for r in range(K):
                    xa = self.x.get((a, r))
                    xb = self.x.get((b, r))
                    if xa is None and xb is None:
                        continue
                    ea = xa if xa is not None else 0
                    eb = xb if xb is not None else 0
                    if xa is not None:
                        self.add_con(y >= ea - eb, f"cutdef_{y.name[4:]}_R{r}")
                    if comp and xb is not None:
                        self.add_con(y >= eb - ea, f"cutdef2_{y.name[4:]}_R{r}")

        # ---- bounds and unit counts
        self.bound_info: list[dict] = []
        for row in problem.bounds:
            self._add_bound(row.index, row.bound, row.weights,
                            label="units" if row.label == "units" else None)

        # ---- contiguity
        self.flow: dict[tuple[int, int], pulp.LpVariable] = {}
        if formulation == "flow":
            M = spec.max_units or (n - k_lo + 1)
            for a, b, _ in self.edges:
                for i, j in ((a, b), (b, a)):
                    f = self.add_var(f"flow_{_clean(self.codes[i])}_{_clean(self.codes[j])}",
                                  0, M - 1, "Continuous")
                    self.flow[i, j] = f
                    self.add_con(f <= (M - 1) * (1 - self.cut[a, b]),
                              f"flowcap_{_clean(self.codes[i])}_{_clean(self.codes[j])}")
            for i in range(n):
                inflow = pulp.lpSum(self.flow[j, i] for j in self.nbrs[i])
                outflow = pulp.lpSum(self.flow[i, j] for j in self.nbrs[i])
                is_root = pulp.lpSum(self.root[i, r] for r in self.labels[i])
                self.add_con(inflow - outflow >= 1 - M * is_root, f"flowbal_{_clean(self.codes[i])}")

        # ---- locks
        add_locks(self, spec.locks)

        # ---- objective
        self.terms: dict[str, tuple[pulp.LpAffineExpression, float]] = {}
        self.home_vars: list[tuple[np.ndarray, dict[int, pulp.LpVariable]]] = []
        build_objective(self)
        if elastic:
            prob.setObjective(pulp.lpSum(v * p["penalty"] for v, _, p in self.slacks))
            self.objective_constant = 0.0
        else:
            prob.setObjective(pulp.lpSum(e for e, _ in self.terms.values()))
            self.objective_constant = float(sum(c for _, c in self.terms.values()))

    # ------------------------------------------------------------------ helpers
    def add_var(self, name: str, low, up, cat: str) -> pulp.LpVariable:
        """Add a variable with a unique readable name (a suffix is added on a clash)."""
        if name in self._names:
            name = f"{name}_{len(self._names)}"
        self._names.add(name)
        v = self.problem.add_variable(name, lowBound=low, upBound=up, cat=cat)
        self._vars[name] = v
        return v

    def add_con(self, constraint, name: str) -> None:
        """Add a constraint with a unique readable name."""
        if name in self._cname_set:
            name = f"{name}_{len(self._cnames)}"
        self._cnames.append(name)
        self._cname_set.add(name)
        self.problem.addConstraint(constraint, name)

    def add_slack(self, name: str, penalty: float, info: dict) -> pulp.LpVariable:
        """Add an elastic slack with its penalty and what it relaxes (``info``)."""
        v = self.add_var(f"slack_{name}", 0, None, "Continuous")
        self.slacks.append((v, name, {**info, "penalty": penalty}))
        return v

    def _add_bound(self, bi: int, b: Bound, w: np.ndarray, *, label: str | None = None) -> None:
        label = label or f"{_clean(b.column)}"
        total = float(w.sum())
        info = {"index": bi, "bound": b, "column": b.column if label != "units" else "units"}
        for r in range(self.K):
            load = pulp.lpSum(w[i] * self.x[i, r] for i in self._members_of[r] if w[i] != 0)
            used = self.used[r]
            for side in ("lower", "upper"):
                val = getattr(b, side)
                if val is None:
                    continue
                isl = self.island_root[r] if side == "lower" else 0
                if b.relative and self.q_choice:
                    rhs_q = {q: val * total / q for q in self.q_choice}
                    rhs = pulp.lpSum(rhs_q[q] * v for q, v in self.q_choice.items())
                    if side == "lower":
                        rhs = rhs - max(rhs_q.values()) * (1 - used + isl)
                elif b.relative:
                    rhs = val * total / self.k_max * (used - isl)
                else:
                    rhs = val * (used - isl)
                name = f"{side}_{label}_b{bi}_R{r}"
                scale = max(abs(getattr(b, side)) * (total / self.k_max if b.relative else 1), 1.0)
                if self.elastic:
                    s = self.add_slack(name, 1.0 / scale, {**info, "side": side, "region": r})
                    if side == "upper":
                        self.add_con(load - s <= rhs, name)
                    else:
                        self.add_con(load + s >= rhs, name)
                else:
                    self.add_con(load <= rhs if side == "upper" else load >= rhs, name)

    # ------------------------------------------------------------------ public API
    @property
    def n_variables(self) -> int:
        """Number of variables."""
        return len(self._vars)

    @property
    def n_binaries(self) -> int:
        """Number of binary variables."""
        return sum(1 for v in self._vars.values() if v.cat == pulp.LpInteger)

    @property
    def n_constraints(self) -> int:
        """Number of constraints (including cuts added so far)."""
        return len(self._cnames)

    def variables(self) -> list[pulp.LpVariable]:
        """All variables, in the order they were made (faster than PuLP's own listing)."""
        return list(self._vars.values())

    @property
    def constraint_names(self) -> list[str]:
        """Names of all constraints, in the order they were added."""
        return list(self._cnames)

    def write_lp(self, path) -> None:
        """Write the problem as an LP file (readable names)."""
        self.problem.writeLP(str(path))

    def assignment_from_values(self) -> pd.Series:
        """Read the assignment from the variable values (after a solve).

        Returns
        -------
        Series
            Index = unit code, values = label ``"R.."`` (not yet canonical).
        """
        out = {}
        for i, code in enumerate(self.codes):
            vals = [(self.x[i, r].varValue or 0.0, -r) for r in self.labels[i]]
            best = max(vals)
            out[code] = -best[1]
        return pd.Series(out, name="region")

    def labels_of(self, assignment: Mapping[str, object]) -> np.ndarray:
        """Map any assignment to model labels 0..q-1 (ordered by first unit)."""
        return self.compiled.labels_of(assignment)

    def set_start(self, assignment: Mapping[str, object]) -> bool:
        """Set variable values from an assignment (for a warm start).

        Returns False (and sets nothing) when the assignment has more regions than
        labels. Values of the auxiliary variables are derived so that the start is
        consistent; a solver still checks it.
        """
        lab = self.labels_of(assignment)
        if lab.max() + 1 > self.K:
            return False
        for v in self._vars.values():
            v.varValue = 0.0
        first = {}
        for i in range(self.n):
            first.setdefault(lab[i], i)
        for (i, r), v in self.x.items():
            v.varValue = 1.0 if lab[i] == r else 0.0
        for (i, r), v in self.root.items():
            v.varValue = 1.0 if first.get(r) == i else 0.0
        for (i, r), v in self.cum.items():
            if isinstance(v, pulp.LpVariable):
                v.varValue = 1.0 if first.get(r, self.n) <= i else 0.0
        q = lab.max() + 1
        for qq, v in self.q_choice.items():
            v.varValue = 1.0 if qq == q else 0.0
        for (a, b), y in self.cut.items():
            y.varValue = 1.0 if lab[a] != lab[b] else 0.0
        if self.flow:
            for r, root in first.items():
                members = [i for i in range(self.n) if lab[i] == r]
                sub = nx.Graph()
                sub.add_nodes_from(members)
                sub.add_edges_from((a, b) for a, b, _ in self.edges if lab[a] == r and lab[b] == r)
                if not nx.is_connected(sub):
                    continue
                tree = nx.bfs_tree(sub, root)
                sizes = {}
                for node in reversed(list(nx.topological_sort(tree))):
                    sizes[node] = 1 + sum(sizes[c] for c in tree.successors(node))
                for p, c in tree.edges():
                    self.flow[p, c].varValue = float(sizes[c])
        objective_start(self, lab, q)
        return True

    def var_named(self, name: str, *, missing_ok: bool = False):
        """The variable called ``name`` (None when missing and ``missing_ok``)."""
        v = self._vars.get(name)
        if v is None and not missing_ok:
            raise KeyError(name)
        return v

    def add_separator_cuts(self, assignment: Mapping[str, object], *, max_per_piece: int = 8) -> int:
        """Add vertex-separator cuts for every disconnected region of ``assignment``.

        See :func:`rato_opt.optimize.cuts.add_separator_cuts`; returns the number added.
        """
        return add_separator_cuts(self, assignment, max_per_piece=max_per_piece)

    def evaluate(self, assignment: Mapping[str, object]) -> dict[str, float]:
        """Weighted objective terms of an assignment, as the model counts them.

        Returns
        -------
        dict
            ``{term: value}`` for every name in :data:`TERMS`.
        """
        return self.compiled.evaluate(assignment)

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (
            f"RegionModel(units={self.n}, labels={self.K}, formulation={self.formulation!r}, "
            f"variables={self.n_variables}, binaries={self.n_binaries}, "
            f"constraints={self.n_constraints})"
        )


def build_model(
    landscape: Landscape,
    spec: RegionSpec,
    *,
    graph: nx.Graph | None = None,
    formulation: Formulation = "flow",
    check: bool = True,
) -> RegionModel:
    """Build the region integer program; no solver is called.

    Parameters
    ----------
    landscape : Landscape
        Units (with the weight columns the spec names) and layers.
    spec : RegionSpec
        Number of regions, bounds, objective and locks.
    graph : networkx.Graph, optional
        The unit graph; built from the landscape (with its links) when omitted.
    formulation : {"flow", "cuts"}, default "flow"
        Contiguity by a compact single-commodity flow, or by separator cuts added
        in a solve-and-cut loop (see :class:`RegionModel`).
    check : bool, default True
        Run the pre-solve feasibility checks of :func:`rato_opt.assess.diagnose.check_feasible`
        (raising :class:`~rato_opt.exceptions.InfeasibleError` naming units and bounds).

    Returns
    -------
    RegionModel

    Raises
    ------
    DisconnectedError
        When the unit graph has unreachable components and ``spec.allow_islands`` is False.
    InfeasibleError
        From the pre-checks.
    ModelError, ColumnError, LayerError, UnitCodeError
        On an inconsistent spec.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> from rato_opt.landscape.units import validate_units
    >>> from rato_opt.landscape.layers import Layer
    >>> units = validate_units(gpd.GeoDataFrame({"code": ["a", "b", "c", "d"],
    ...     "population": [1, 2, 3, 4]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:28992"), code="code")
    >>> land = Landscape(units, [Layer.from_partition("sop", {"a": "1", "b": "1", "c": "2"})])
    >>> model = build_model(land, RegionSpec(k=2))
    >>> model.K, model.n_binaries > 0
    (2, True)
    """
    problem = compile_problem(landscape, spec, graph=graph)
    if check:
        check_feasible(landscape, spec, graph=problem.graph)
    return RegionModel(problem, formulation=formulation)

