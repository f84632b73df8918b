"""Complete regions' proposals into a covering, contiguous, balanced national plan.

:func:`complete_proposals` takes the proposals (:class:`rato_opt.assess.proposals.Proposals`)
and the specification, and returns a :class:`Completion`: a verified plan whose region
ids are the proposal ids, with an explanation per proposal of what changed and why.

How it works
------------
1. **Start plan.** Every unit goes to its proposal. A unit claimed by several
   proposals goes to an accepted claimant, else to the claimant holding most of its
   weight (the claim strength: e.g. the pupils of the proposal's boards in it; ties: the
   claimant sharing the longest border with it, then the smaller claimant, then the
   first id). A unit no proposal claims (a witte vlek) joins the neighbouring proposal
   sharing the longest border with it (never an accepted one), in rounds outwards from
   the claimed units.
2. **Objective.** The proposals enter the split term as a collaboration layer with a
   high weight (``proposal_weight``, default 10 against weight 1 of every other split
   layer), so the solver keeps each proposal as whole as it can; the other terms of the
   spec stay as they are.
3. **Solve.** :func:`rato_opt.optimize.pipeline.propose_regions` from the start plan
   with ``k`` = ``spec.k`` or the number of proposals. Accepted proposals are locked:
   each forms a region on its own, exactly (``Locks.own_region``).
4. **Names.** Final regions are matched to proposals by the largest overlap in weight
   (an assignment problem; accepted proposals keep their region); the region ids are
   the proposal ids (regions without a proposal: ``NEW1`` ...).
5. **Explanation.** For every unit whose proposal changed, the reason is derived by
   comparing the proposals, the start plan and the final plan: ``added (witte vlek)``,
   ``conflict resolved towards <id>``, ``moved for contiguity`` (the unit lay in a piece
   cut off from the main part of its region in the start plan), ``moved for balance``
   (its start region broke an upper bound, or the region it joined broke a lower bound)
   or ``removed to <id>`` / ``taken over from <id>`` (moved by the optimiser for the
   objective: collaborations kept whole, alignment, compactness).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from .._util import fmt_number, listing
from ..assess.metrics import split_layer_weights
from ..assess.plan import Plan
from ..assess.proposals import (
    ProposalReport,
    Proposals,
    bound_breaks,
    check_proposals,
    unit_label,
)
from ..assess.verify import verify_plan
from ..exceptions import InfeasibleError, InputError, LayerError, ModelError
from ..landscape.coverage import Landscape
from ..landscape.graph import graph_from_landscape
from ..spec import Budget, Objective, RegionSpec
from .pipeline import propose_regions

__all__ = ["Completion", "complete_proposals", "CHANGE_COLUMNS"]

#: Columns of :attr:`Completion.changes`.
CHANGE_COLUMNS = ("proposal", "unit", "name", "change", "kind", "direction", "other",
                  "region", "reason")


@dataclasses.dataclass(frozen=True, eq=False)
class Completion:
    """A completed national plan and what happened to every proposal.

    Attributes
    ----------
    plan : Plan
        The verified plan; region ids are proposal ids. Its objective includes the
        proposal split term (see :attr:`spec`).
    proposals : Proposals
    report : ProposalReport
        The overview of the proposals as submitted (:func:`check_proposals`).
    start : Series
        Unit -> proposal id after conflicts and gaps were resolved (the start plan).
    changes : DataFrame
        One row per proposal and unit whose membership changed, columns
        :data:`CHANGE_COLUMNS`: ``change`` is the readable verdict (e.g.
        ``"conflict resolved towards V03"``), ``kind`` one of ``added``, ``conflict``,
        ``contiguity``, ``balance``, ``removed``; ``direction`` ``in`` (the unit joined
        the proposal's region) or ``out``; ``other`` the proposal(s) it came from or
        the region it went to; ``region`` its final region; ``reason`` a sentence.
    per_proposal : DataFrame
        Indexed by proposal id: ``name``, ``accepted``, ``units_proposed``,
        ``units_final``, ``kept``, ``added``, ``lost``, ``weight_kept_share`` (share of
        the proposal's weight in its final region), ``issues`` (contested units and
        rules the proposal broke as submitted).
    accepted : tuple of str
        Proposals locked as submitted.
    spec : RegionSpec
        The specification solved: the caller's, with ``k``, the proposal split term,
        the locks of the accepted proposals and the start plan.
    weight : str or None
        Weight column of ``weight_kept_share`` and of the matching (None: unit count).
    """

    plan: Plan
    proposals: Proposals
    report: ProposalReport
    start: pd.Series
    changes: pd.DataFrame
    per_proposal: pd.DataFrame
    accepted: tuple[str, ...]
    spec: RegionSpec
    weight: str | None

    def summary(self) -> str:
        """What was completed and changed, per proposal, as readable text."""
        p = self.per_proposal
        plan = self.plan
        w = self.weight or "units"
        lines = [f"Completed {len(p)} proposals into {plan.n_regions} regions: status "
                 f"{plan.status}, objective {plan.objective:.4f}, verified "
                 f"{plan.verification.ok}."]
        if self.accepted:
            lines.append(f"Accepted (locked as submitted): {', '.join(self.accepted)}.")
        kinds = self.changes.drop_duplicates(["unit", "kind"])["kind"].value_counts()
        lines.append("Units changed: " + (", ".join(f"{n} {k}" for k, n in kinds.items())
                                          if len(kinds) else "none") + ".")
        for pid, row in p.iterrows():
            mine = self.changes[self.changes["proposal"] == pid]
            what = "; ".join(f"{r.name} {r.change}" for r in mine.head(6).itertuples())
            more = f" ... ({len(mine)} in all)" if len(mine) > 6 else ""
            lines.append(f"{pid} {row['name']}: kept {row['kept']} of {row['units_proposed']} "
                         f"units ({row['weight_kept_share']:.1%} of {w}), +{row['added']} "
                         f"-{row['lost']}" + (f"; as submitted: {row['issues']}" if row["issues"]
                                               else "") + (f". {what}{more}" if what else ""))
        return "\n".join(lines)

    def as_proposals(self) -> Proposals:
        """The completed regions as proposals, e.g. to accept some of them and re-run.

        Each region keeps its proposal's id and name (regions without a proposal are
        named by their id).
        """
        from ..landscape.layers import Layer

        names = self.proposals.names.to_dict()
        region = self.plan.assignment.dropna().astype(str)
        layer = Layer.from_partition(self.proposals.layer.name, region,
                                     names={r: names.get(r, r) for r in region.unique()},
                                     kind=self.proposals.layer.kind)
        return Proposals.from_layer(layer)


# ------------------------------------------------------------------ start plan
def _edge_length(graph: nx.Graph, a: str, b: str) -> float:
    return float(graph.edges[a, b].get("length", 0.0) or 0.0) + 1e-9


def resolve_start(proposals: Proposals, landscape: Landscape, graph: nx.Graph, *,
                  accepted: Sequence[str] = (), weight: pd.Series | None = None
                  ) -> tuple[pd.Series, dict[str, str]]:
    """The start plan: conflicts to the strongest claimant, gaps to a neighbour.

    Returns
    -------
    (Series, dict)
        Unit -> proposal id (units no proposal reaches are left out), and unit ->
        the sentence saying how its conflict or gap was resolved.
    """
    weight = pd.Series(1.0, index=landscape.codes) if weight is None else weight
    claims = proposals.claims()
    totals = claims.assign(w=weight.reindex(claims["unit"]).to_numpy()).groupby(
        "proposal")["w"].sum()
    by_unit = claims.groupby("unit", sort=True)
    start: dict[str, str] = {}
    why: dict[str, str] = {}
    contested = []
    for code, group in by_unit:
        if len(group) == 1:
            start[code] = group["proposal"].iloc[0]
        else:
            contested.append((code, group))
    accepted = set(accepted)
    for code, group in contested:
        rows = group.set_index("proposal")["strength"]
        mine = [p for p in rows.index if p in accepted]

        def border(p: str, code: str = code) -> float:
            return sum(_edge_length(graph, code, v) for v in graph.neighbors(code)
                       if start.get(v) == p) if code in graph else 0.0

        key = {p: (p not in mine, -rows[p], -border(p), totals.get(p, 0.0), p)
               for p in rows.index}
        ranked = sorted(rows.index, key=lambda p: key[p])
        win, second = ranked[0], ranked[1]
        start[code] = win
        claimants = ", ".join(sorted(rows.index))
        if mine:
            how = f"{win} is accepted"
        elif rows[win] > rows[second]:
            how = (f"{win} holds most of its weight ({fmt_number(rows[win])} against "
                   f"{fmt_number(rows[second])})")
        elif border(win) > border(second) + 1e-6:
            how = f"{win} shares the longer border with it"
        elif totals.get(win, 0) < totals.get(second, 0):
            how = f"equal claims; {win} is the smaller proposal"
        else:
            how = "equal claims; first id"
        why[code] = f"claimed by {claimants}; {how}"
    missing = [c for c in landscape.codes if c not in start]
    while missing:
        round_ = {}
        for code in missing:
            near: dict[str, float] = {}
            for v in graph.neighbors(code) if code in graph else ():
                if v in start and start[v] not in accepted:  # accepted: as submitted
                    near[start[v]] = near.get(start[v], 0.0) + _edge_length(graph, code, v)
            if near:
                best = sorted(near, key=lambda p: (-near[p], totals.get(p, 0.0), p))[0]
                round_[code] = best
        if not round_:
            break
        for code, p in round_.items():
            start[code] = p
            why[code] = f"witte vlek: no proposal claims it; joined neighbour {p} in the start"
        missing = [c for c in missing if c not in round_]
    return pd.Series(start, dtype=object).reindex(
        [c for c in landscape.codes if c in start]).rename("proposal"), why


# -------------------------------------------------------------------- matching
def _match(final: pd.Series, claims: pd.DataFrame, start: pd.Series, weight: pd.Series,
           ids: pd.Index, accepted: Sequence[str], members: dict[str, list[str]]
           ) -> dict[str, str]:
    """Final region label -> proposal id (or ``NEW<i>``), by largest overlap."""
    mapping: dict[str, str] = {}
    for p in accepted:
        mapping[final[members[p][0]]] = p
    regions = [r for r in sorted(final.unique()) if r not in mapping]
    free = [p for p in ids if p not in set(accepted)]
    if regions and free:
        c = claims.assign(region=final.reindex(claims["unit"]).to_numpy(),
                          w=weight.reindex(claims["unit"]).to_numpy())
        over = c.groupby(["region", "proposal"])["w"].sum()
        s = pd.DataFrame({"region": final.reindex(start.index).to_numpy(),
                          "proposal": start.to_numpy(), "w": weight.reindex(start.index)})
        tie = s.groupby(["region", "proposal"])["w"].sum()
        score = np.zeros((len(regions), len(free)))
        for i, r in enumerate(regions):
            for j, p in enumerate(free):
                score[i, j] = over.get((r, p), 0.0) + 1e-6 * tie.get((r, p), 0.0)
        rows, cols = linear_sum_assignment(-score)
        for i, j in zip(rows, cols, strict=True):
            mapping[regions[i]] = free[j]
    n = 0
    for r in regions:
        if r not in mapping:
            n += 1
            while f"NEW{n}" in set(ids):
                n += 1
            mapping[r] = f"NEW{n}"
    return mapping


# ---------------------------------------------------------------- explanation
def _main_piece(graph: nx.Graph, region: pd.Series, weight: pd.Series) -> dict[str, bool]:
    """Unit -> whether it lies in the largest connected piece of its region."""
    out: dict[str, bool] = {}
    for _, group in region.groupby(region.to_numpy()):
        comps = [sorted(c) for c in nx.connected_components(graph.subgraph(group.index))]
        comps.sort(key=lambda c: (-float(weight.reindex(c).sum()), -len(c), c[0]))
        for i, comp in enumerate(comps):
            out.update(dict.fromkeys(comp, i == 0))
    return out


def _explain(landscape: Landscape, proposals: Proposals, report: ProposalReport,
             start: pd.Series, final: pd.Series, why: dict[str, str], graph: nx.Graph,
             spec: RegionSpec, weight: pd.Series) -> pd.DataFrame:
    claims = proposals.claims()
    claimed = claims.groupby("unit")["proposal"].agg(lambda s: sorted(set(s))).to_dict()
    in_main = _main_piece(graph, start, weight)
    piece_main = {}
    for row in report.pieces.itertuples():
        for c in row.units.split(", "):
            piece_main[(row.proposal, c)] = row.piece == 1
    groups = {r: list(g.index) for r, g in start.groupby(start.to_numpy())}
    breaks = bound_breaks(landscape, groups, spec, spec.k or len(groups))
    over = {r: f"{c} {fmt_number(v)} > upper bound {fmt_number(u)}" for r, c, v, u, b in
            breaks[["proposal", "column", "value", "upper", "breach"]].itertuples(index=False)
            if b.startswith("above")}
    under = {r: f"{c} {fmt_number(v)} < lower bound {fmt_number(lo)}" for r, c, v, lo, b in
             breaks[["proposal", "column", "value", "lower", "breach"]].itertuples(index=False)
             if b.startswith("below")}
    names = landscape.units["name"].astype(str) if "name" in landscape.units else None
    rows = []

    def add(p, u, change, kind, direction, other, reason):
        rows.append((p, u, names.get(u, u) if names is not None else u, change, kind,
                     direction, other, final[u], reason))

    for u in landscape.codes:
        f = final[u]
        claim = claimed.get(u, [])
        if not claim:
            add(f, u, "added (witte vlek)", "added", "in", "",
                why.get(u, "witte vlek: no proposal claims it") + f"; in the plan it lies in {f}")
            continue
        if f in claim:
            for q in claim:
                if q != f:
                    add(q, u, f"conflict resolved towards {f}", "conflict", "out", f,
                        why.get(u, f"claimed by {', '.join(claim)}")
                        + ("" if start.get(u) == f else f"; the solver moved it on to {f}"))
            continue
        s = start.get(u)
        if s not in set(final.unique()):
            kind, reason = "removed", (f"{s} has no region of its own in the plan "
                                       f"(k = {final.nunique()} regions)")
        elif not in_main.get(u, True) or any(not piece_main.get((q, u), True) for q in claim):
            kind, reason = "contiguity", (f"it lay apart from the main part of {s}; regions "
                                          f"must be contiguous")
        elif s in over or f in under:
            kind = "balance"
            reason = "; ".join(x for x in (f"{s}: {over[s]}" if s in over else "",
                                           f"{f}: {under[f]}" if f in under else "") if x)
        else:
            kind, reason = "removed", ("moved by the optimiser for the objective "
                                       "(collaborations kept whole, alignment, compactness)")
        text_out = {"contiguity": "moved for contiguity", "balance": "moved for balance"}.get(
            kind, f"removed to {f}")
        text_in = {"contiguity": "moved for contiguity", "balance": "moved for balance"}.get(
            kind, f"taken over from {', '.join(claim)}")
        if len(claim) > 1:
            reason = why.get(u, "") + "; " + reason
        for q in claim:
            add(q, u, text_out, kind, "out", f, reason)
        add(f, u, text_in, kind, "in", ", ".join(claim), reason)
    out = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    return out.sort_values(["proposal", "direction", "unit"], ignore_index=True)


def _per_proposal(proposals: Proposals, report: ProposalReport, final: pd.Series,
                  weight: pd.Series, accepted: Sequence[str]) -> pd.DataFrame:
    members = proposals.members()
    issues = []
    for pid in proposals.ids:
        row = report.proposals.loc[pid]
        why = []
        if row["contested"]:
            why.append(f"{row['contested']} contested unit(s)")
        if not row["contiguous"]:
            why.append(f"not contiguous ({row['pieces']} pieces)")
        b = report.bounds[report.bounds["proposal"] == pid]
        why += [f"{c} {br}" for c, br in zip(b["column"], b["breach"], strict=True)]
        issues.append("; ".join(why))
    rows = []
    for pid in proposals.ids:
        mine = members.get(pid, [])
        got = list(final.index[final == pid])
        kept = sorted(set(mine) & set(got))
        total = float(weight.reindex(mine).sum())
        rows.append({"proposal": pid, "name": proposals.names[pid], "accepted": pid in accepted,
                     "units_proposed": len(mine), "units_final": len(got), "kept": len(kept),
                     "added": len(set(got) - set(mine)), "lost": len(set(mine) - set(got)),
                     "weight_kept_share": float(weight.reindex(kept).sum()) / total if total
                     else float(len(kept) == len(mine))})
    table = pd.DataFrame(rows).set_index("proposal")
    table["issues"] = issues
    return table


# ------------------------------------------------------------------ completion
def _objective(landscape: Landscape, objective: Objective, layer: str, weight: float
               ) -> Objective:
    if objective.split > 0:
        layers = split_layer_weights(landscape, objective)
        layers[layer] = weight / objective.split
        return dataclasses.replace(objective, split_layers=layers)
    layers = dict.fromkeys(split_layer_weights(landscape, objective), 0.0)
    layers[layer] = weight
    return dataclasses.replace(objective, split=1.0, split_layers=layers)


def complete_proposals(proposals: Proposals, landscape: Landscape,
                       spec: RegionSpec | None = None, *, accepted: Sequence[str] = (),
                       proposal_weight: float = 10.0, budget: Budget | None = None,
                       time_limit: float | None = 600.0, graph: nx.Graph | None = None,
                       **solve_kwargs: Any) -> Completion:
    """Complete proposals into a covering, contiguous, balanced plan and explain it.

    Parameters
    ----------
    proposals : Proposals
    landscape : Landscape
        Must not have a layer of the proposals' layer name already.
    spec : RegionSpec, optional
        Bounds, locks, objective and ``k`` (default: the number of proposals, within
        ``k_min``..``k_max``). A ``start`` of the spec is replaced by the start plan.
    accepted : sequence of str
        Proposal ids accepted as submitted: each is locked to form a region on its
        own, exactly. They must not claim a unit together and must be contiguous.
    proposal_weight : float, default 10
        Weight of the proposal layer in the split term (other split layers: their
        weight in the spec, 1 by default).
    budget : Budget, optional
        Work budget of the solve (default ``Budget()``); seed included.
    time_limit : float or None, default 600
        Wall-clock cap (None: the budget alone, reproducible).
    graph : networkx.Graph, optional
        Unit graph (default :func:`~rato_opt.landscape.graph.graph_from_landscape`
        with the spec's contiguity), e.g. ``scenario.build_graph(landscape)``.
    **solve_kwargs
        Passed to :func:`~rato_opt.optimize.pipeline.propose_regions` (``progress`` ...).

    Returns
    -------
    Completion

    Raises
    ------
    InputError
        Unknown or conflicting accepted proposals; a non-contiguous accepted proposal.
    LayerError
        The landscape already has a layer of the proposals' name.
    InfeasibleError
        No plan meets the spec (the reasons say why).

    Examples
    --------
    >>> from rato_opt.assess.proposals import Proposals
    >>> from rato_opt.sources.synthetic import make_country
    >>> from rato_opt.sources.synthetic_proposals import synthetic_proposals
    >>> from rato_opt.spec import Bound
    >>> land = make_country(n_units=60, seed=1)
    >>> props = Proposals.from_layer(synthetic_proposals(land, seed=3))
    >>> spec = RegionSpec(bounds=[Bound("population", 0.4, 2.5, relative=True)])
    >>> done = complete_proposals(props, land, spec, budget=Budget(starts=2, recom_steps=100,
    ...     recom_rounds=1, anneal_moves=50, anneal_rounds=1, nodes=0), time_limit=None)
    >>> done.plan.verification.ok, sorted(done.plan.assignment.unique()) == list(props.ids)
    (True, True)
    """
    spec = RegionSpec() if spec is None else spec
    if not isinstance(spec, RegionSpec):
        raise ModelError(f"spec must be a RegionSpec, got {type(spec).__name__}")
    name = proposals.layer.name if isinstance(proposals, Proposals) else None
    if name in landscape.layers and landscape.layers[name] is not proposals.layer:
        raise LayerError(f"the landscape already has a layer {name!r}; build the proposals "
                         "with another layer_name=... or drop that layer")
    if graph is None:
        graph = graph_from_landscape(landscape, contiguity=spec.contiguity)
    report = check_proposals(proposals, landscape, spec, graph=graph)
    ids = proposals.ids
    members = proposals.members()
    accepted = tuple(dict.fromkeys(str(a) for a in accepted))
    unknown = [a for a in accepted if a not in set(ids)]
    if unknown:
        raise InputError(f"accepted names unknown proposal(s) {listing(unknown)}; the "
                         f"proposals are {listing(ids)}")
    seen: dict[str, str] = {}
    for a in accepted:
        if not report.proposals.at[a, "contiguous"]:
            raise InputError(f"accepted proposal {a} is not contiguous; it cannot form a "
                             "region as submitted: fix it or accept it later")
        for u in members[a]:
            if u in seen:
                raise InputError(f"accepted proposals {seen[u]} and {a} both claim "
                                 f"{unit_label(landscape, u)}; accept only one of them")
            seen[u] = a
    k = spec.k or min(max(len(ids), spec.k_min or 1), spec.k_max or len(ids))
    weight_col = spec.objective.split_by or next(iter(b.column for b in spec.bounds), None)
    if weight_col is None and "population" in landscape.units.columns:
        weight_col = "population"
    weight = (landscape.units[weight_col].astype(float) if weight_col
              else pd.Series(1.0, index=landscape.codes))
    start, why = resolve_start(proposals, landscape, graph, accepted=accepted, weight=weight)
    land = landscape.with_layers(proposals.layer)
    locks = spec.locks
    if accepted:
        locks = dataclasses.replace(
            locks, own_region=tuple(locks.own_region) + tuple(tuple(members[a])
                                                              for a in accepted))
    solve_spec = spec.replace(
        k=k, k_min=None, k_max=None, locks=locks, start=start.to_dict(),
        objective=_objective(land, spec.objective, proposals.layer.name, proposal_weight))
    raw = propose_regions(land, solve_spec, budget=budget, time_limit=time_limit,
                          graph=graph, **solve_kwargs)
    if not raw.verification.ok or raw.assignment.isna().any():
        raise InfeasibleError(
            "no plan completing the proposals passed verification: "
            + "; ".join(raw.explanation or raw.verification.problems),
            reasons=list(raw.explanation or raw.verification.problems))
    mapping = _match(raw.assignment, proposals.claims(), start, weight, ids, accepted, members)
    final = raw.assignment.map(mapping).rename("region")
    plan = Plan.from_assignment(land, final, solve_spec, graph, status=raw.status,
                                bound=raw.bound, gap=raw.gap, seconds=raw.seconds,
                                solver=raw.solver, explanation=raw.explanation, relabel=False,
                                run={**raw.run, "proposals": {"accepted": list(accepted),
                                                              "proposal_weight": proposal_weight}})
    check = verify_plan(landscape, final, spec.replace(k=k, locks=locks), graph=graph)
    if not (plan.verification.ok and check.ok):  # pragma: no cover - guarded above
        raise InfeasibleError("the completed plan failed verification: "
                              + "; ".join(check.problems), reasons=list(check.problems))
    changes = _explain(landscape, proposals, report, start, final, why, graph,
                       solve_spec, weight)
    per = _per_proposal(proposals, report, final, weight, accepted)
    return Completion(plan=plan, proposals=proposals, report=report, start=start,
                      changes=changes, per_proposal=per, accepted=accepted, spec=solve_spec,
                      weight=weight_col)
