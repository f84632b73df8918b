"""Sweeps: variants in parallel on thread, process and Dask executors; failures reported."""

from __future__ import annotations

import concurrent.futures as cf
import pickle

import pandas as pd
import pytest
from test_scenario import write_grid_files

from rato_opt.exceptions import InputError
from rato_opt.spec import Budget
from rato_opt.workflow.scenario import Scenario
from rato_opt.workflow.sweeps import SweepResult, expand_variants, run_variant, sweep

VARIANTS = {
    "k2": {"k": 2},
    "k3": {"k": 3, "objective": {"compactness": 0.5}},
    "broken": {"k": 13},  # more regions than the 12 units: fails when checked
}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grid")
    return Scenario.from_dict({
        "name": "base",
        "data": write_grid_files(folder),
        "k": 2,
        # budgeted in work (reproducible); the time limit is only a generous cap
        "solver": {"time_limit": 600, "threads": 1, "seed": 1, "starts": 2,
                   "anneal_rounds": 1, "nodes": 50},
    })


def check(result: SweepResult) -> None:
    t = result.table
    assert list(t.index) == ["k2", "k3", "broken"]  # the order given, not completion order
    assert t.loc["k2", "status"] in ("optimal", "feasible")
    assert t.loc["k3", "status"] in ("optimal", "feasible")
    assert t.loc["k2", "regions"] == 2 and t.loc["k3", "regions"] == 3
    assert t.loc["k2", "verified"] and t.loc["k3", "verified"]
    assert t.loc["broken", "status"] == "error"
    assert "ScenarioError" in t.loc["broken", "error"] and "'k'" in t.loc["broken", "error"]
    assert pd.isna(t.loc["broken", "objective"])
    for col in ("k", "objective", "gap", "seconds", "term.split", "term.compactness"):
        assert col in t.columns
    assert set(result.plans) == {"k2", "k3"}
    assert set(result.errors) == {"broken"}
    assert result["k3"].plan.n_regions == 3
    assert "Traceback" in result["broken"].traceback


def test_sweep_thread_pool(base):
    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        result = sweep(base, VARIANTS, executor=ex, progress=False)
    check(result)
    cmp = result.compare()
    assert cmp.names == ("k2", "k3")
    assert cmp.metrics["verified"].all()  # scored without enforcing k
    assert -1 <= cmp.similarity.loc[0, "ari"] < 1  # different k: not identical


def test_sweep_process_pool(base):
    with cf.ProcessPoolExecutor(max_workers=2) as ex:
        result = sweep(base, VARIANTS, executor=ex, progress=False)
    check(result)


def test_sweep_default_executor_and_progress(base, capsys):
    result = sweep(base, [base.variant("k2", k=2), base.variant("k3", k=3),
                          base.variant("broken", k=13)], max_workers=2, progress=True)
    check(result)
    assert "sweep" in capsys.readouterr().err  # the tqdm bar


def test_sweep_dask(base):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                 dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        result = sweep(base, VARIANTS, executor=client.get_executor(), progress=False)
    check(result)


def test_sweep_is_reproducible(base):
    """The same sweep twice, on a process pool and on one thread: the same plans."""
    variants = {"k2": {"k": 2}, "k3": {"k": 3}, "k3_seed5": {"k": 3, "solver": {"seed": 5}}}
    with cf.ProcessPoolExecutor(max_workers=2) as ex:
        first = sweep(base, variants, executor=ex, progress=False)
    with cf.ThreadPoolExecutor(max_workers=1) as ex:
        second = sweep(base, variants, executor=ex, progress=False)
    assert set(first.plans) == set(second.plans) == set(variants)
    for name in variants:
        a, b = first.plans[name], second.plans[name]
        assert a.assignment.equals(b.assignment), name
        assert a.objective == b.objective, name
        assert a.run["deterministic"] and b.run["deterministic"], name
        assert a.run["budget"] == b.run["budget"], name
    # each variant's seed: the base's unless the variant sets its own
    assert first.table["seed"].to_dict() == {"k2": 1, "k3": 1, "k3_seed5": 5}
    assert first.plans["k3_seed5"].run["budget"] == Budget(
        seed=5, starts=2, anneal_rounds=1, nodes=50).as_dict()
    assert first.table["deterministic"].all()
    assert set(first.table["stopped_by"]) <= {"optimal", "work_budget"}


def test_run_variant_is_picklable_and_never_raises(base):
    res = run_variant(base.variant("bad", locks={"together": [["r0c0", "nope"]]}))
    assert not res.ok and "locks.together[0][1]" in res.error
    again = pickle.loads(pickle.dumps(res))
    assert again.error == res.error
    ok = pickle.loads(pickle.dumps(run_variant(base)))
    assert ok.ok and ok.plan.n_regions == 2


def test_expand_variants(base):
    vs = expand_variants(base, {"a": {"k": 3}, "b": base.variant("x", k=4)})
    assert [(v.name, v.k) for v in vs] == [("a", 3), ("b", 4)]
    with pytest.raises(InputError, match="unique"):
        expand_variants(base, [base, base])
    with pytest.raises(InputError, match="at least one"):
        expand_variants(base, {})
    with pytest.raises(InputError, match="dict of changes"):
        expand_variants(base, {"a": 3})
    with pytest.raises(InputError, match="Scenario objects"):
        expand_variants(base, [{"k": 3}])
