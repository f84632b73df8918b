"""Lock constraints of the region program: together, fixed, apart and own region."""

from __future__ import annotations

import pulp

from ..spec import Locks
from .problem import clean_name

__all__ = ["add_locks", "keep_together", "lock_slack"]

_clean = clean_name


def lock_slack(model, name: str, info: dict) -> pulp.LpVariable | int:
    """0 for a hard lock; an elastic slack (penalty 10) when the model is elastic."""
    if not model.elastic:
        return 0
    return model.add_slack(name, 10.0, info)

def keep_together(model, ids: list[int], slack, prefix: str) -> None:
    """Constraints putting units ``ids`` (positions) in one region, up to ``slack``.

    Each unit is tied to the first one: ``x[first, r] == x[j, r]`` as two
    inequalities named ``{prefix}_{first}_{j}_R{r}`` and ``..._b``.
    """
    X = model.x
    first = ids[0]
    for j in ids[1:]:
        for r in range(model.K):
            if (first, r) in X or (j, r) in X:
                xf, xj = X.get((first, r), 0), X.get((j, r), 0)
                nm = f"{prefix}_{_clean(model.codes[first])}_{_clean(model.codes[j])}_R{r}"
                model.add_con(xf - xj <= slack, nm)
                model.add_con(xj - xf <= slack, nm + "_b")

def add_locks(model, locks: Locks) -> None:
    """Rows for ``together``, ``fixed`` (same label together, labels apart), ``apart``
    and ``own_region`` locks (elastic when the model is)."""
    X = model.x
    together = [list(g) for g in locks.together]
    labels: dict[str, list[str]] = {}
    for code, lab in sorted(locks.fixed.items()):
        labels.setdefault(lab, []).append(code)
    together += [v for _, v in sorted(labels.items()) if len(v) > 1]
    apart = [tuple(p) for p in locks.apart]
    firsts = [v[0] for _, v in sorted(labels.items())]
    apart += [(a, b) for ia, a in enumerate(firsts) for b in firsts[ia + 1:]]
    for gi, group in enumerate(together):
        s = lock_slack(model, f"together_{gi}", {"kind": "together", "units": tuple(group)})
        keep_together(model, [model.pos[c] for c in group], s, "together")
    for a, b in apart:
        s = lock_slack(model, f"apart_{a}_{b}", {"kind": "apart", "units": (a, b)})
        ia, ib = model.pos[a], model.pos[b]
        for r in range(model.K):
            if (ia, r) in X and (ib, r) in X:
                model.add_con(X[ia, r] + X[ib, r] <= 1 + s,
                          f"apart_{_clean(a)}_{_clean(b)}_R{r}")
    for gi, group in enumerate(locks.own_region):
        s = lock_slack(model, f"own_{gi}", {"kind": "own_region", "units": tuple(group)})
        ids = [model.pos[c] for c in group]
        keep_together(model, ids, s, "own_together")
        inside = set(ids)
        border = sorted({v for i in ids for v in model.nbrs[i]} - inside)
        g0 = ids[0]
        n_out = model.n - len(ids)
        for r in range(model.K):
            if (g0, r) not in X:
                continue
            for v in border:
                if (v, r) in X:
                    model.add_con(X[g0, r] + X[v, r] <= 1 + s,
                              f"own_{gi}_border_{_clean(model.codes[v])}_R{r}")
            others = [X[i, r] for i in model._members_of[r] if i not in inside]
            if others:
                model.add_con(pulp.lpSum(others) <= n_out * (1 - X[g0, r]) + n_out * s,
                          f"own_{gi}_alone_R{r}")
