"""Vertex-separator cuts for the ``"cuts"`` contiguity formulation."""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np
import pulp

from .problem import clean_name

__all__ = ["add_separator_cuts"]

_clean = clean_name


def add_separator_cuts(model, assignment: Mapping[str, object], *, max_per_piece: int = 8) -> int:
    """Add vertex-separator cuts for every disconnected region of ``assignment``.

    For each region with several pieces, and each piece S not holding the region's
    first unit j, cuts :math:`x_{ir}+x_{jr}-1 \\le \\sum_{v\\in C} x_{vr}` are added for
    up to ``max_per_piece`` units i of S and every label r, with C the neighbours of S
    adjacent to the component of j in G - S - N(S) (a minimal separator).

    Returns
    -------
    int
        Number of cuts added (0 when every region is connected).
    """
    lab = model.labels_of(assignment)
    added = 0
    G = model.compiled.int_graph
    for r in range(lab.max() + 1):
        members = np.flatnonzero(lab == r)
        sub = G.subgraph(members.tolist())
        pieces = sorted((sorted(c) for c in nx.connected_components(sub)), key=lambda c: c[0])
        if len(pieces) <= 1:
            continue
        j = pieces[0][0]
        for S in pieces[1:]:
            Sset = set(S)
            nS = {v for i in S for v in model.nbrs[i]} - Sset
            rest = G.subgraph([v for v in range(model.n) if v not in Sset and v not in nS])
            if j in nS:
                continue
            Kj = nx.node_connected_component(rest, j)
            C = sorted(v for v in nS if any(u in Kj for u in model.nbrs[v]))
            for i in S[:max_per_piece]:
                for rr in range(model.K):
                    if (i, rr) not in model.x or (j, rr) not in model.x:
                        continue
                    rhs = pulp.lpSum(model.x[v, rr] for v in C if (v, rr) in model.x)
                    model.cut_count += 1
                    model.add_con(model.x[i, rr] + model.x[j, rr] - 1 <= rhs,
                              f"sep{model.cut_count}_{_clean(model.codes[i])}_"
                              f"{_clean(model.codes[j])}_R{rr}")
                    added += 1
    return added
