"""Lower bounds without a solver (rato_opt.optimize.bounds, rato_opt.optimize.count_bound).

Hand-checked lines and grids where the connected bound beats the knapsack, brute force
over every plan of small random grids (each bound at most the best objective, each
count bound at most the fewest splits), and the real 2024 map.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import grid_units, membership_table

from rato_opt import Landscape, Layer
from rato_opt.optimize.bounds import METHODS, connected_cuts, knapsack_cuts, node_distances
from rato_opt.optimize.count_bound import (
    certified_cover_bound,
    count_bound,
    count_lower_bound,
    footprint_fits,
    forced_splits,
    hitting_lower_bound,
)
from rato_opt.optimize.lower_bound import lower_bounds, split_lower_bound
from rato_opt.optimize.problem import compile_problem
from rato_opt.spec import Bound, Budget, Objective, RegionSpec


def line(pop, pupils, boards, *, k, upper):
    """A 1 x len(pop) line r0c0 - r0c1 - ... with a ``boards`` layer, split by pupils."""
    units = grid_units(1, len(pop), weights={"population": pop, "pupils": pupils})
    layer = Layer.from_table("boards", membership_table(
        [(f"r0c{u}", name) for name, us in boards.items() for u in us]), units)
    spec = RegionSpec(k=k, bounds=[Bound("population", upper=upper)],
                      objective=Objective(split=1.0, split_layers={"boards": 1.0},
                                          split_by="pupils", compactness=0, alignment=0))
    return compile_problem(Landscape(units, [layer]), spec)


# ------------------------------------------------------------------ hand-checked
def test_node_distances_count_every_unit_on_the_path():
    #  r0c0(1) - r0c1(5) - r0c2(2)
    p = line([1, 5, 2], [1, 1, 1], {"x": [0, 1]}, k=1, upper=10)
    w = np.array([1.0, 5.0, 2.0])
    assert node_distances(p, w, np.array([0, 2])).tolist() == [[1, 6, 8], [8, 7, 2]]
    # members cost nothing: only r0c1 lies between r0c0 and r0c2
    assert node_distances(p, w, np.array([0]), free=np.array([0, 2])).tolist() == [[0, 5, 5]]


def test_connected_bound_beats_the_knapsack_on_a_line():
    """x = {r0c0, r0c2}; the heavy r0c1 between them cannot join either (cap 5).

    ::

        r0c0 (pop 1, pupils 2) - r0c1 (pop 5) - r0c2 (pop 1, pupils 1)

    Population 1 + 1 fits the knapsack, so it proves nothing; any region holding both
    also holds r0c1 (7 > 5), so at most 2 of x's 3 pupils stay together: 1/3 split.
    """
    p = line([1, 5, 1], [2, 1, 1], {"x": [0, 2]}, k=3, upper=5)
    members, weights = p.groups["split"][0].members[0]
    assert knapsack_cuts(p, members, weights) == 0.0
    assert connected_cuts(p, members, weights) == pytest.approx(1.0)
    found = lower_bounds(p)
    assert found["knapsack"] == 0.0
    assert found["connected"] == pytest.approx(1 / 3)
    # the only plan (every unit alone) has exactly this objective: the bound is tight
    assert p.objective(np.array([0, 1, 2])) == pytest.approx(1 / 3)
    assert split_lower_bound(p) == pytest.approx(1 / 3)
    assert forced_splits(p, "boards") == ("x",)


def test_the_path_weight_lowers_the_capacity():
    """x = {r0c0, r0c1, r0c3}, cap 4; the weight-2 r0c2 sits between r0c1 and r0c3.

    ::

        r0c0 (1, pupils 1) - r0c1 (1, pupils 1) - r0c2 (2, none) - r0c3 (1, pupils 3)

    The knapsack keeps all of x (population 3 <= 4). Anchored at r0c3, keeping r0c1 or
    r0c0 also needs r0c2: 1 + 2 + 1 = 4 leaves nothing for the third member, so at most
    4 of 5 pupils stay together (anchored at r0c0 or r0c1 the same), i.e. 1 split.
    """
    p = line([1, 1, 2, 1], [1, 1, 0, 3], {"x": [0, 1, 3]}, k=2, upper=4)
    members, weights = p.groups["split"][0].members[0]
    assert knapsack_cuts(p, members, weights) == 0.0
    assert connected_cuts(p, members, weights) == pytest.approx(1.0)
    # best plan: {r0c0} {r0c1 r0c2 r0c3}, 1 pupil split
    assert p.objective(np.array([0, 1, 1, 1])) == pytest.approx(lower_bounds(p)["connected"])


def test_overlapping_boards_force_one_split():
    """x = {r0c0..r0c2} and y = {r0c2, r0c3} each fit (cap 3) but share r0c2: 4 > 3."""
    p = line([1, 1, 1, 1], [1, 1, 1, 1], {"x": [0, 1, 2], "y": [2, 3]}, k=2, upper=3)
    assert forced_splits(p, "boards") == ()
    got = count_bound(p, "boards")
    assert got.bound == 1 and got.groups == (("x", "y"),) and got.cover == pytest.approx(1)
    found = lower_bounds(p)
    assert found["connected"] == 0.0
    # a split loses at least one unit of 5 membership units
    assert found["hitting"] == pytest.approx(1 / 5)
    assert p.objective(np.array([0, 0, 0, 1])) == pytest.approx(found["hitting"])


def test_footprints_over_islands_never_fit():
    units = grid_units(1, 3, weights={"population": [1, 1, 1]})
    units = units[units.index != "r0c1"]
    spec = RegionSpec(k=2, bounds=[Bound("population", upper=10)], allow_islands=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # islands become regions
        p = compile_problem(Landscape(units, {}), spec)
    assert not footprint_fits(p, [0, 1])
    assert footprint_fits(p, [0])


def test_certified_cover_bound_is_dual_feasible():
    # a 5-cycle of pairs: LP 2.5, so at least 3 of 5 items
    groups = [(i, (i + 1) % 5) for i in range(5)]
    assert certified_cover_bound(5, groups, np.ones(5)) == pytest.approx(2.5)
    assert certified_cover_bound(3, [(0, 1)], [0.0, 2.0, 1.0]) == pytest.approx(0.0)


def test_no_upper_bound_proves_nothing():
    units = grid_units(1, 3, weights={"population": [1, 1, 1]})
    layer = Layer.from_partition("boards", dict.fromkeys(units.index, "x"))
    p = compile_problem(Landscape(units, [layer]), RegionSpec(
        k=2, objective=Objective(split=1.0, split_layers={"boards": 1.0})))
    assert lower_bounds(p) == dict.fromkeys(METHODS, 0.0)
    assert count_lower_bound(p, "boards") == 0


def test_the_bound_stage_records_the_winner():
    from rato_opt.optimize import propose_regions

    p = line([1, 1, 1, 1], [1, 1, 1, 1], {"x": [0, 1, 2], "y": [2, 3]}, k=2, upper=3)
    plan = propose_regions(p.landscape, p.spec, budget=Budget(starts=1, anneal_rounds=1))
    stage = next(s for s in plan.run["stages"] if s["stage"] == "bound")
    assert stage["method"] == "hitting" and set(stage["bounds"]) == set(METHODS)
    assert stage["value"] == pytest.approx(max(stage["bounds"].values()))
    assert plan.verification.ok
    assert stage["value"] == pytest.approx(0.2)  # one of x, y loses a unit of 5
    assert stage["value"] - 1e-12 <= plan.bound <= plan.objective + 1e-9


# ------------------------------------------------------------------ brute force
def plans(n: int, k: int):
    """Every partition of ``0..n-1`` into exactly ``k`` labelled blocks (canonical labels)."""
    lab = np.zeros(n, dtype=int)

    def grow(i: int, used: int):
        if n - i < k - used:
            return
        if i == n:
            if used == k:
                yield lab.copy()
            return
        for r in range(min(used + 1, k)):
            lab[i] = r
            yield from grow(i + 1, max(used, r + 1))

    yield from grow(1, 1)  # unit 0 opens block 0


def feasible(p, lab: np.ndarray) -> bool:
    """Every region connected and within every bound."""
    k = int(lab.max()) + 1
    for r in range(k):
        inr = np.flatnonzero(lab == r)
        seen, stack = {int(inr[0])}, [int(inr[0])]
        while stack:
            for v in p.nbrs[stack.pop()]:
                if lab[v] == r and v not in seen:
                    seen.add(v)
                    stack.append(v)
        if len(seen) != len(inr):
            return False
        for row in p.bounds:
            lo, up = row.limits(k)
            w = float(row.weights[inr].sum())
            if (lo is not None and w < lo - 1e-9) or (up is not None and w > up + 1e-9):
                return False
    return True


def random_grid(seed: int):
    """A 3 x 3 grid (queen contiguity) with random population, pupils and boards."""
    rng = np.random.default_rng(seed)
    units = grid_units(3, 3, weights={"population": rng.integers(1, 10, 9),
                                      "pupils": rng.integers(0, 6, 9)})
    codes = list(units.index)
    pairs = []
    for b in range(int(rng.integers(3, 6))):
        for u in rng.choice(9, size=int(rng.integers(2, 5)), replace=False):
            pairs.append((codes[u], f"b{b}"))
    layer = Layer.from_table("boards", membership_table(pairs), units)
    k = int(rng.integers(2, 5))
    spec = RegionSpec(k=k, bounds=[Bound("population", upper=float(rng.uniform(1.1, 2.0)),
                                         relative=True)],
                      objective=Objective(split=1.0, split_layers={"boards": 1.0},
                                          split_by="pupils", compactness=0, alignment=0))
    return compile_problem(Landscape(units, [layer]), spec)


@pytest.mark.parametrize("seed", range(10))
def test_bounds_hold_for_every_plan_of_random_grids(seed):
    p = random_grid(seed)
    names, member = p.membership("boards")
    member = member.toarray() > 0
    found = lower_bounds(p)
    counted = count_bound(p, "boards")
    weighted = count_bound(p, "boards", weighted=True)
    forced = [names.index(c) for c in counted.forced]
    groups = [[names.index(c) for c in g] for g in counted.groups]
    best, fewest, n_plans = np.inf, np.inf, 0
    for lab in plans(p.n, p.k_min):
        if not feasible(p, lab):
            continue
        n_plans += 1
        best = min(best, p.objective(lab))
        split = [len(set(lab[row].tolist())) > 1 for row in member]
        fewest = min(fewest, sum(split))
        assert all(split[c] for c in forced)  # forced splits are split in every plan
        assert all(any(split[c] for c in g) for g in groups)
    if not n_plans:
        pytest.skip("no feasible plan for this seed")
    assert found["knapsack"] <= found["connected"] + 1e-12 <= found["hitting"] + 2e-12
    assert max(found.values()) <= best + 1e-9
    assert hitting_lower_bound(p) == pytest.approx(found["hitting"])
    assert weighted.bound <= counted.bound <= fewest


def test_bounds_hold_for_heuristic_plans_of_a_synthetic_country():
    from rato_opt.assess.metrics import split_layer_weights
    from rato_opt.assess.plan import score_plan
    from rato_opt.assess.split import split_table
    from rato_opt.optimize import greedy_regions
    from rato_opt.sources.synthetic import make_country

    land = make_country(n_units=40, seed=2)
    spec = RegionSpec(k=4, bounds=[Bound("population", 0.5, 1.3, relative=True)],
                      objective=Objective(split=1.0, split_by="pupils_po"))
    p = compile_problem(land, spec)
    found = lower_bounds(p)
    counts = {layer: count_lower_bound(p, layer)
              for layer in split_layer_weights(land, spec.objective)}
    checked = 0
    for seed in range(4):
        scored = score_plan(land, greedy_regions(land, spec, seed=seed, starts=1), spec)
        if not scored.verification.ok:
            continue
        checked += 1
        assert max(found.values()) <= scored.objective + 1e-9
        for layer, bound in counts.items():
            table = split_table(land.layers[layer], scored.assignment)
            assert bound <= int((table["regions"] >= 2).sum())
    assert checked


# ------------------------------------------------------------------ real map
@pytest.mark.slow
@pytest.mark.realdata
def test_real_map_bounds(real_data):
    """k = 35, population 0.284-2.803 x mean, school-board split only (see the README)."""
    from rato_opt.assess.split import split_table
    from rato_opt.optimize import propose_regions
    from rato_opt.sources.nl2024 import load_nl_2024

    land = load_nl_2024(real_data, layers=("amr", "boards"))
    spec = RegionSpec(k=35, bounds=[Bound("population", 0.284, 2.803, relative=True)],
                      objective=Objective(split=1.0, split_layers={"boards": 1.0},
                                          split_by="pupils_po", compactness=0, alignment=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        plan = propose_regions(land, spec, budget=Budget(starts=1, anneal_rounds=1,
                                                         anneal_moves=100, exact_max_binaries=0))
    assert plan.verification.ok
    stage = next(s for s in plan.run["stages"] if s["stage"] == "bound")
    found = stage["bounds"]
    assert 0 < found["knapsack"] < found["connected"] <= found["hitting"] == stage["value"]
    assert stage["value"] <= plan.bound + 1e-12 and plan.bound <= plan.objective + 1e-9
    counted = count_bound(compile_problem(land, spec), "boards")
    table = split_table(land.layers["boards"], plan.assignment)
    assert len(counted.forced) > 0 and counted.bound <= int((table["regions"] >= 2).sum())
