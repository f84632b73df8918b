r"""The objective of the region program: split, count, alignment, stay-close, compactness,
alliance.

:func:`build_objective` adds, for every weighted collaboration group of the compiled
problem (:class:`~rato_opt.optimize.groups.Group`), home-region binaries and the
weight kept at home, and fills ``model.terms`` with the weighted term expressions
(see :class:`~rato_opt.optimize.model.RegionModel` for the formulation).
:func:`objective_start` sets these helper variables consistently for a warm start.

The count term (:func:`count_group`) gives every collaboration :math:`c` of a count
group its own home binaries :math:`h_{cr}` (:math:`\sum_r h_{cr} = 1`) and a binary
:math:`s_c` (split), and adds :math:`g.coef \cdot \sum_c s_c`. With threshold
:math:`t = 0`: :math:`s_c \ge x_{ir} - h_{cr}` for every member :math:`i` and label
:math:`r` (a member outside the home splits it). With :math:`t > 0`: kept weights
:math:`z_{cr} \le \sum_i w_i x_{ir}`, :math:`z_{cr} \le W_c h_{cr}` and
:math:`W_c s_c \ge (1 - t) W_c - \sum_r z_{cr}`, so :math:`s_c = 1` exactly when more
than :math:`t W_c` lies outside the home (plus :math:`s_c \ge x_{ir} - h_{cr}` for
members heavier than :math:`t W_c`, a valid strengthening). The count's homes are
chosen independently of the split term's: at an optimum both sit in the region with
most of the collaboration's weight, which is what :mod:`rato_opt.assess.metrics` counts.
"""

from __future__ import annotations

import numpy as np
import pulp

from ..assess.split import is_split
from .problem import Group, clean_name

__all__ = ["split_group", "count_group", "build_objective", "objective_start"]

_clean = clean_name


def split_group(model, g: Group, prefix: str) -> tuple[pulp.LpAffineExpression, float]:
    """Weighted expression of sum_c (W_c - max_r W_{c,r}) * coef."""
    expr = []
    const = 0.0
    for ci, (m, w) in enumerate(g.members):
        Wc = float(w.sum())
        const += g.coef * Wc
        regions = sorted({r for i in m for r in model.labels[i]})
        h = {r: model.add_var(f"{prefix}_home_c{ci}_R{r}", 0, 1, "Binary") for r in regions}
        model.home_vars.append((m, h))
        model.add_con(pulp.lpSum(h.values()) == 1, f"{prefix}_home_c{ci}")
        zs = []
        for r in regions:
            inside = [(wi, model.x[i, r]) for i, wi in zip(m, w, strict=True) if (i, r) in model.x]
            z = model.add_var(f"{prefix}_in_home_c{ci}_R{r}", 0, Wc, "Continuous")
            model.add_con(z <= pulp.lpSum(wi * v for wi, v in inside), f"{prefix}_inhome_c{ci}_R{r}")
            model.add_con(z <= Wc * h[r], f"{prefix}_homecap_c{ci}_R{r}")
            zs.append(z)
        expr.append(-g.coef * pulp.lpSum(zs))
        if model.cut and model.strengthen:
            # valid inequality: a cut edge inside the collaboration puts the lighter
            # end (at least) outside the main region
            wm = dict(zip(m.tolist(), w.tolist(), strict=True))
            outside = Wc - pulp.lpSum(zs)
            for a, b, _ in model.edges:
                if a in wm and b in wm and (a, b) in model.cut:
                    model.add_con(outside >= min(wm[a], wm[b]) * model.cut[a, b],
                              f"{prefix}_edge_c{ci}_{_clean(model.codes[a])}_"
                              f"{_clean(model.codes[b])}")
    return pulp.lpSum(expr), const

def count_group(model, g: Group, prefix: str) -> pulp.LpAffineExpression:
    """Weighted expression ``coef * sum_c s_c`` of a count group (see the module docstring)."""
    t = float(g.threshold or 0.0)
    split_vars = []
    for ci, (m, w) in enumerate(g.members):
        Wc = float(w.sum())
        regions = sorted({r for i in m for r in model.labels[i]})
        h = {r: model.add_var(f"{prefix}_home_c{ci}_R{r}", 0, 1, "Binary") for r in regions}
        model.home_vars.append((m, h))
        model.add_con(pulp.lpSum(h.values()) == 1, f"{prefix}_home_c{ci}")
        s = model.add_var(f"{prefix}_split_c{ci}", 0, 1, "Binary")
        split_vars.append(s)
        for i, wi in zip(m, w, strict=True):
            if t > 0 and wi <= t * Wc:
                continue  # a light member alone does not split c: the rows below count it
            for r in model.labels[i]:
                model.add_con(s >= model.x[i, r] - h[r],
                              f"{prefix}_out_c{ci}_{_clean(model.codes[i])}_R{r}")
        if t > 0:
            zs = []
            for r in regions:
                inside = [(wi, model.x[i, r]) for i, wi in zip(m, w, strict=True)
                          if (i, r) in model.x]
                z = model.add_var(f"{prefix}_in_home_c{ci}_R{r}", 0, Wc, "Continuous")
                model.add_con(z <= pulp.lpSum(wi * v for wi, v in inside),
                              f"{prefix}_inhome_c{ci}_R{r}")
                model.add_con(z <= Wc * h[r], f"{prefix}_homecap_c{ci}_R{r}")
                zs.append(z)
            model.add_con(Wc * s >= (1 - t) * Wc - pulp.lpSum(zs), f"{prefix}_count_c{ci}")
    return g.coef * pulp.lpSum(split_vars)


def build_objective(model) -> None:
    """Add the objective terms' variables and rows; fill ``model.terms``."""
    obj = model.spec.objective
    w = model.split_weights
    for term in ("split", "alignment", "stay_close"):
        exprs, const = [], 0.0
        for gi, g in enumerate(model.groups[term]):
            e, c = split_group(model, g, f"{term}{gi}_{_clean(g.name)}")
            exprs.append(e)
            const += c
        model.terms[term] = (pulp.lpSum(exprs), const)
    model.terms["split_count"] = (pulp.lpSum(
        count_group(model, g, f"split_count{gi}_{_clean(g.name)}")
        for gi, g in enumerate(model.groups.get("split_count", ()))), 0.0)
    total_len = model.total_length
    if obj.compactness > 0 and total_len > 0:
        model.terms["compactness"] = (
            pulp.lpSum(obj.compactness * d / total_len * model.cut[a, b]
                       for a, b, d in model.edges if d > 0), 0.0)
    else:
        model.terms["compactness"] = (pulp.LpAffineExpression(), 0.0)
    model.alliance_home: dict[tuple[int, int], pulp.LpVariable] = {}
    if obj.alliance > 0 or obj.alliance_hard:
        A = len(model.alliances)
        Wtot = float(w.sum())
        of_unit: list[list[int]] = [[] for _ in range(model.n)]
        for a, m in enumerate(model.alliances):
            for i in m:
                of_unit[i].append(a)
        zs = []
        for r in range(model.K):
            g = {a: model.add_var(f"alliance_home_R{r}_a{a}", 0, 1, "Binary") for a in range(A)}
            model.alliance_home.update({(r, a): v for a, v in g.items()})
            model.add_con(pulp.lpSum(g.values()) <= 1, f"alliance_home_R{r}")
            if obj.alliance > 0 and Wtot > 0:
                for a in range(A):
                    m = [i for i in model.alliances[a] if (i, r) in model.x and w[i] > 0]
                    if not m:
                        continue
                    ua = float(w[m].sum())
                    z = model.add_var(f"alliance_in_R{r}_a{a}", 0, ua, "Continuous")
                    model.add_con(z <= pulp.lpSum(w[i] * model.x[i, r] for i in m),
                              f"alliance_in_R{r}_a{a}")
                    model.add_con(z <= ua * g[a], f"alliance_cap_R{r}_a{a}")
                    zs.append(z)
            if obj.alliance_hard:
                for i in model._members_of[r]:
                    s = 0
                    if model.elastic:
                        s = model.add_slack(f"alliance_hard_{model.codes[i]}_R{r}", 10.0,
                                        {"kind": "alliance_hard", "units": (model.codes[i],)})
                    model.add_con(model.x[i, r] <= pulp.lpSum(g[a] for a in of_unit[i]) + s,
                              f"alliance_hard_{_clean(model.codes[i])}_R{r}")
        if obj.alliance > 0 and Wtot > 0:
            model.terms["alliance"] = (-obj.alliance / Wtot * pulp.lpSum(zs), obj.alliance)
        else:
            model.terms["alliance"] = (pulp.LpAffineExpression(), 0.0)
    else:
        model.terms["alliance"] = (pulp.LpAffineExpression(), 0.0)


def objective_start(model, lab: np.ndarray, q: int) -> None:
    """Warm-start values of the objective's helper variables for labels ``lab``: each
    collaboration's (and region's alliance) home is where most of its weight lies."""
    # objective helper variables: choose the best home for each collaboration
    for v in model.variables():
        name = v.name
        if "_home_c" in name or "_in_home_c" in name or name.startswith("alliance_"):
            v.varValue = 0.0
    for term in ("split", "alignment", "stay_close"):
        for gi, g in enumerate(model.groups[term]):
            prefix = f"{term}{gi}_{_clean(g.name)}"
            for ci, (m, w) in enumerate(g.members):
                loads: dict[int, float] = {}
                for i, wi in zip(m, w, strict=True):
                    loads[lab[i]] = loads.get(lab[i], 0.0) + wi
                home = min(loads, key=lambda r: (-loads[r], r))
                regions = sorted({r for i in m for r in model.labels[i]})
                if home not in regions:
                    continue
                model.var_named(f"{prefix}_home_c{ci}_R{home}").varValue = 1.0
                model.var_named(f"{prefix}_in_home_c{ci}_R{home}").varValue = loads[home]
    for gi, g in enumerate(model.groups.get("split_count", ())):
        prefix = f"split_count{gi}_{_clean(g.name)}"
        for ci, (m, w) in enumerate(g.members):
            loads = {}
            for i, wi in zip(m, w, strict=True):
                loads[lab[i]] = loads.get(lab[i], 0.0) + wi
            home = min(loads, key=lambda r: (-loads[r], r))
            whole = float(w.sum())
            split = is_split(whole - loads[home], whole, float(g.threshold or 0.0))
            model.var_named(f"{prefix}_split_c{ci}").varValue = float(split)
            if home in {r for i in m for r in model.labels[i]}:
                model.var_named(f"{prefix}_home_c{ci}_R{home}").varValue = 1.0
                z = model.var_named(f"{prefix}_in_home_c{ci}_R{home}", missing_ok=True)
                if z is not None:
                    z.varValue = loads[home]
    if model.alliance_home:
        w = model.split_weights
        for r in range(q):
            members = np.flatnonzero(lab == r)
            loads = [float(w[np.intersect1d(m, members)].sum()) for m in model.alliances]
            if not loads:
                continue
            cands = [a for a in range(len(loads))
                     if not model.spec.objective.alliance_hard
                     or set(members) <= set(model.alliances[a])]
            if not cands:
                continue
            best = min(cands, key=lambda a: (-loads[a], a))
            model.alliance_home[r, best].varValue = 1.0
            z = model.var_named(f"alliance_in_R{r}_a{best}", missing_ok=True)
            if z is not None:
                members_w = [i for i in model.alliances[best] if lab[i] == r]
                z.varValue = float(w[members_w].sum())
