"""Completing proposals into a verified national plan, with the changes explained."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import grid_units

from rato_opt import Landscape
from rato_opt.assess.proposals import Proposals, check_proposals
from rato_opt.assess.verify import verify_plan
from rato_opt.exceptions import InputError, LayerError
from rato_opt.optimize.completion import CHANGE_COLUMNS, complete_proposals
from rato_opt.sources.synthetic import make_country
from rato_opt.sources.synthetic_proposals import synthetic_proposals
from rato_opt.spec import Bound, Budget, Locks, RegionSpec

BUDGET = Budget(seed=0, starts=2, recom_steps=300, recom_rounds=1, anneal_moves=100,
                anneal_rounds=1, nodes=0)


def table(claims: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(p, u) for p, units in claims.items() for u in units]
    return pd.DataFrame(rows, columns=["proposal", "unit"])


@pytest.fixture(scope="module")
def grid():
    return Landscape(grid_units(4, 4, weights={"population": [1] * 16}), [])


QUADRANTS = {
    "A": ["r0c0", "r0c1", "r1c0", "r1c1"],
    "B": ["r0c2", "r0c3", "r1c2", "r1c3", "r1c1"],  # r1c1 claimed by A and B
    "C": ["r2c0", "r2c1", "r3c0", "r3c1"],
    "D": ["r2c2", "r2c3", "r3c2"],  # r3c3 claimed by nobody
}
SPEC = RegionSpec(bounds=[Bound("population", 0.75, 1.25, relative=True)])


def complete(props, land, spec=SPEC, **kw):
    return complete_proposals(props, land, spec, budget=BUDGET, time_limit=None, **kw)


def test_conflict_and_gap_are_resolved_and_explained(grid):
    done = complete(Proposals.from_table(table(QUADRANTS), grid), grid)
    plan = done.plan
    assert plan.verification.ok and verify_plan(grid, plan.assignment, SPEC.replace(k=4)).ok
    quadrant = {u: p for p, units in QUADRANTS.items() for u in units if (p, u) != ("B", "r1c1")}
    quadrant["r3c3"] = "D"
    assert plan.assignment.to_dict() == quadrant
    assert done.start["r1c1"] == "A"  # the longer border
    ch = done.changes.set_index(["proposal", "unit"])
    assert list(done.changes.columns) == list(CHANGE_COLUMNS)
    assert ch.loc[("B", "r1c1"), "change"] == "conflict resolved towards A"
    assert ch.loc[("B", "r1c1"), "kind"] == "conflict"
    assert "shares the longer border" in ch.loc[("B", "r1c1"), "reason"]
    assert ch.loc[("D", "r3c3"), "change"] == "added (witte vlek)"
    assert len(done.changes) == 2
    per = done.per_proposal
    assert per.loc["B", "lost"] == 1 and per.loc["B", "kept"] == 4
    assert per.loc["D", "added"] == 1 and per.loc["A", "weight_kept_share"] == 1.0
    assert "conflict resolved towards A" in done.summary()
    assert plan.regions.index.tolist() == ["A", "B", "C", "D"]


def test_conflict_goes_to_the_claimant_with_most_weight(grid):
    t = table(QUADRANTS)
    t["strength"] = [9 if (p, u) == ("B", "r1c1") else 1 for p, u in zip(t.proposal, t.unit,
                                                                           strict=True)]
    props = Proposals.from_table(t, grid, weight="strength")
    spec = RegionSpec(bounds=[Bound("population", 0.5, 1.5, relative=True)])
    done = complete(props, grid, spec)
    assert done.start["r1c1"] == "B"
    assert "B holds most of its weight" in done.changes.set_index(
        ["proposal", "unit"]).loc[("A", "r1c1"), "reason"]


def test_non_contiguous_proposal_loses_its_stray_piece(grid):
    claims = {"A": ["r0c0", "r0c1", "r1c0", "r1c1", "r3c3"], "B": ["r0c2", "r0c3", "r1c2",
                                                                   "r1c3"],
              "C": ["r2c0", "r2c1", "r3c0", "r3c1"], "D": ["r2c2", "r2c3", "r3c2"]}
    props = Proposals.from_table(table(claims), grid)
    assert not check_proposals(props, grid).proposals.loc["A", "contiguous"]
    done = complete(props, grid)
    assert done.plan.assignment["r3c3"] == "D"
    row = done.changes.set_index(["proposal", "unit"]).loc[("A", "r3c3")]
    assert row["change"] == "moved for contiguity" and row["other"] == "D"
    assert done.per_proposal.loc["A", "issues"] == "not contiguous (2 pieces)"


def test_out_of_bounds_proposal_gives_units_for_balance(grid):
    claims = {"A": [f"r{r}c{c}" for r in range(2) for c in range(3)] + ["r2c0", "r2c1"],
              "B": ["r0c3", "r1c3", "r2c3"], "C": ["r3c0", "r3c1"],
              "D": ["r2c2", "r3c2", "r3c3"]}
    props = Proposals.from_table(table(claims), grid)
    report = check_proposals(props, grid, SPEC)
    assert report.bounds.set_index("proposal").loc["A", "breach"] == "above upper bound"
    done = complete(props, grid)
    sizes = done.plan.assignment.value_counts()
    assert sizes.max() <= 5 and sizes.min() >= 3
    lost = done.changes[(done.changes["proposal"] == "A") & (done.changes["direction"] == "out")]
    assert len(lost) >= 3 and (lost["kind"] == "balance").all()
    assert lost["reason"].str.contains("A: population 8 > upper bound 5").all()


def test_accepted_proposal_stays_exactly_as_accepted():
    land = make_country(n_units=60, seed=1)
    props = Proposals.from_layer(synthetic_proposals(land, seed=3))
    spec = RegionSpec(bounds=[Bound("population", 0.4, 2.5, relative=True)])
    report = check_proposals(props, land, spec)
    first = complete(props, land, spec)
    changed = first.per_proposal[(first.per_proposal["lost"] + first.per_proposal["added"] > 0)
                                 & report.proposals["ok"]]
    assert len(changed), "the test needs an ok proposal the completion changed"
    pick = changed.index[0]
    again = complete(props, land, spec, accepted=[pick])
    region = again.plan.assignment
    assert sorted(region.index[region == pick]) == props.members()[pick]
    assert again.per_proposal.loc[pick, "accepted"] and again.accepted == (pick,)
    assert again.changes[again.changes["proposal"] == pick].empty
    assert again.plan.verification.ok
    assert tuple(props.members()[pick]) in again.spec.locks.own_region


def test_completion_is_deterministic_and_regions_are_proposals():
    land = make_country(n_units=60, seed=1)
    props = Proposals.from_layer(synthetic_proposals(land, seed=3))
    spec = RegionSpec(bounds=[Bound("population", 0.4, 2.5, relative=True)],
                      locks=Locks(apart=[("SU0001", "SU0060")]))
    a = complete(props, land, spec)
    b = complete(props, land, spec)
    assert a.plan.assignment.equals(b.plan.assignment)
    assert a.changes.equals(b.changes) and a.per_proposal.equals(b.per_proposal)
    assert sorted(a.plan.assignment.unique()) == props.ids.tolist()
    assert a.plan.verification.ok and a.plan.assignment.notna().all()
    assert verify_plan(land, a.plan.assignment, spec.replace(k=len(props.ids))).ok
    # every gap is explained as added, every conflict once per losing claimant
    report = a.report
    added = a.changes[a.changes["kind"] == "added"]
    assert sorted(added["unit"]) == sorted(report.gaps.index)
    assert set(a.changes["kind"]) <= {"added", "conflict", "contiguity", "balance", "removed"}
    # the completed regions can be taken as proposals again (accept and re-run)
    assert check_proposals(a.as_proposals(), land).gaps.empty


def test_k_from_the_spec_and_new_regions(grid):
    claims = {"A": [f"r{r}c{c}" for r in range(4) for c in range(2)],
              "B": [f"r{r}c{c}" for r in range(4) for c in range(2, 4)]}
    done = complete(Proposals.from_table(table(claims), grid), grid,
                    RegionSpec(k=4, bounds=[Bound("population", 0.75, 1.25, relative=True)]))
    ids = sorted(done.plan.assignment.unique())
    assert ids == ["A", "B", "NEW1", "NEW2"] and done.plan.verification.ok


def test_bad_accepted_and_layer_clash(grid):
    props = Proposals.from_table(table(QUADRANTS), grid)
    with pytest.raises(InputError, match="unknown proposal"):
        complete(props, grid, accepted=["Z"])
    with pytest.raises(InputError, match="both claim"):
        complete(props, grid, accepted=["A", "B"])
    split = Proposals.from_table(table({"A": ["r0c0", "r3c3"], "B": ["r0c1"]}), grid)
    with pytest.raises(InputError, match="not contiguous"):
        complete(split, grid, accepted=["A"])
    clash = grid.with_layers(Proposals.from_table(table({"X": ["r0c0"]}), grid).layer)
    with pytest.raises(LayerError, match="already has a layer 'proposals'"):
        complete(props, clash)


@pytest.mark.realdata
def test_real_map_with_synthetic_proposals(real_data):
    from rato_opt.sources.nl2024 import load_nl_2024
    from rato_opt.spec import Objective

    nl = load_nl_2024(real_data, layers=("amr",))
    props = Proposals.from_layer(synthetic_proposals(nl, seed=0))
    spec = RegionSpec(bounds=[Bound("population", 0.5, 2.0, relative=True)],
                      objective=Objective(split_layers={}, split_by="pupils_po"))
    report = check_proposals(props, nl, spec)
    assert len(report.conflicts) == 10 and len(report.gaps) == 7 and len(props.ids) == 35
    budget = Budget(seed=0, starts=1, recom_steps=100, recom_rounds=1, anneal_moves=10,
                    anneal_rounds=1, nodes=0, pool_max_columns=0)
    done = complete_proposals(props, nl, spec, budget=budget, time_limit=None)
    assert done.plan.verification.ok and len(done.plan.assignment) == 342
    assert verify_plan(nl, done.plan.assignment, spec.replace(k=35)).ok
    assert sorted(done.plan.assignment.unique()) == props.ids.tolist()
    assert sorted(done.changes.loc[done.changes["kind"] == "added", "unit"]) == sorted(
        report.gaps.index)
    assert (done.per_proposal["weight_kept_share"] > 0.5).all()


def test_a_gap_next_to_an_accepted_proposal_joins_another(grid):
    claims = {"A": ["r0c0", "r0c1", "r1c0", "r1c1"], "B": ["r0c3", "r1c2", "r1c3"],
              "C": ["r2c0", "r2c1", "r3c0", "r3c1"], "D": ["r2c2", "r2c3", "r3c2", "r3c3"]}
    done = complete(Proposals.from_table(table(claims), grid), grid, accepted=["A"])
    region = done.plan.assignment
    assert region["r0c2"] == "B" and sorted(region.index[region == "A"]) == claims["A"]


def test_accepted_proposals_on_the_real_scenario_with_a_tiny_budget(real_data):
    """The start plan resolved from the proposals meets the locks; it must not be lost.

    Before the start plan was offered as it is, the warm start's repair moved units of
    the locked proposals and no plan verified with this scenario and budget.
    """
    from pathlib import Path

    from rato_opt.workflow.scenario import Scenario

    path = Path(__file__).resolve().parents[1] / "examples" / "scenarios" / "nl2024_k35.toml"
    scenario = Scenario.from_toml(path)
    land = scenario.load_landscape()
    spec = scenario.to_spec(land)
    props = Proposals.from_layer(synthetic_proposals(land, seed=0))
    budget = Budget(seed=0, starts=1, recom_steps=300, recom_rounds=1, anneal_moves=10,
                    anneal_rounds=1, nodes=0, pool_max_columns=0)
    done = complete_proposals(props, land, spec, accepted=["V01", "V13"], budget=budget,
                              time_limit=None)
    assert done.plan.verification.ok
    members = props.members()
    for a in ("V01", "V13"):
        region = done.plan.assignment[done.plan.assignment == a].index
        assert sorted(region) == sorted(members[a])


def test_accepting_proposals_that_the_first_run_changed(real_data):
    """Accepted proposals whose units the first completion moved (a bound-breaking start).

    The local search of the warm start used to move units into and out of the locked
    proposals, so no plan verified; it now leaves locked units and own regions alone.
    """
    from rato_opt.sources.nl2024 import load_nl_2024
    from rato_opt.spec import Objective

    land = load_nl_2024(layers=("amr", "boards"))
    props = Proposals.from_layer(synthetic_proposals(land, base="amr", seed=0))
    spec = RegionSpec(k=35, bounds=[Bound("population", 0.5, 2.0, relative=True)],
                      objective=Objective(split=1.0, split_layers={"boards": 1.0},
                                          split_by="pupils_po", alignment=0.5, reference="amr"))
    budget = Budget(seed=0, starts=2, recom_steps=1000, recom_rounds=1, anneal_moves=50,
                    anneal_rounds=1, nodes=0)
    first = complete_proposals(props, land, spec, budget=budget, time_limit=None)
    members = props.members()
    changed = [p for p in ("V01", "V22", "V24")
               if sorted(first.plan.assignment[first.plan.assignment == p].index)
               != sorted(members[p])]
    assert changed  # the first run did change them
    done = complete_proposals(props, land, spec, accepted=changed, budget=budget,
                              time_limit=None)
    assert done.plan.verification.ok
    for p in changed:
        assert sorted(done.plan.assignment[done.plan.assignment == p].index) == \
            sorted(members[p])
