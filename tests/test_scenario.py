"""Scenarios: TOML round trip, inheritance, validation errors, spec and landscape."""

from __future__ import annotations

import pickle
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from conftest import grid_units
from hypothesis import given, settings
from hypothesis import strategies as st

import rato_opt.workflow.scenario as scenario_module
from rato_opt.exceptions import ScenarioError
from rato_opt.spec import Budget, RegionSpec
from rato_opt.workflow.scenario import Scenario, load_scenario
from rato_opt.workflow.scenario_toml import dumps_toml, tomllib


# ------------------------------------------------------------------ helpers
def write_grid_files(folder: Path, rows: int = 3, cols: int = 4) -> dict:
    """Write a tiny grid landscape as files; return the ``[data]`` table for it.

    ::

        r0c0 r0c1 | r0c2 r0c3      sop: west | east (by column)
        r1c0 r1c1 | r1c2 r1c3      alliance: rows 0-1 north, row 2 south
        r2c0 r2c1 | r2c2 r2c3      amr: quadrants-ish (column pairs x row halves)
    """
    n = rows * cols
    units = grid_units(rows, cols, weights={"population": [10 * (i + 1) for i in range(n)]})
    frame = units.reset_index()
    frame["naam"] = [f"Unit {c}" for c in frame["code"]]
    frame.drop(columns="name").to_file(folder / "units.gpkg")
    codes = list(units.index)
    col = [int(c.split("c")[1]) for c in codes]
    row = [int(c[1:].split("c")[0]) for c in codes]
    pd.DataFrame({
        "unit": codes, "collaboration": ["west" if c < cols / 2 else "east" for c in col],
    }).to_csv(folder / "sop.csv", index=False)
    pd.DataFrame({
        "unit": codes, "collaboration": ["north" if r < 2 else "south" for r in row],
    }).to_csv(folder / "alliance.csv", index=False)
    pd.DataFrame({
        "unit": codes,
        "collaboration": [
            f"A{int(c >= cols / 2)}{int(r >= rows / 2)}" for r, c in zip(row, col, strict=True)
        ],
    }).to_csv(folder / "amr.csv", index=False)
    pd.DataFrame({"code": codes, "pupils_po": [i % 5 + 1 for i in range(n)]}).to_csv(
        folder / "pupils.csv", index=False
    )
    return {
        "source": "files",
        "units": str(folder / "units.gpkg"),
        "name": "naam",
        "weights": [{"path": str(folder / "pupils.csv"), "on": "code"}],
        "layer_tables": [
            {"name": "sop", "path": str(folder / "sop.csv")},
            {"name": "alliance", "path": str(folder / "alliance.csv")},
            {"name": "amr", "path": str(folder / "amr.csv")},
        ],
    }


FULL = {
    "name": "full",
    "description": "every section",
    "sector": "po",
    "k": 3,
    "min_units": 1,
    "max_units": 10,
    "data": {"source": "default", "seed": 7, "n_units": 60},
    "layers": {"use": ["sop", "alliance"], "min_share": {"sop": 0.4}},
    "adjacency": {"contiguity": "rook", "tolerance": 2.0, "allow_islands": True},
    "bounds": [
        {"column": "population", "lower": 0.5, "upper": 2.0, "relative": True},
        {"column": "pupils_po", "upper": 1e6},
    ],
    "objective": {
        "split": 1.0, "split_layers": {"sop": 1.0, "alliance": 0.5}, "compactness": 0.1,
        "alignment": 0.5, "reference": "amr", "alliance": 0.2, "alliance_layer": "alliance",
    },
    "locks": {
        "together": [["SU0001", "SU0002"]], "apart": [["SU0003", "SU0004"]],
        "own_region": [["SU0005"]], "fixed": {"SU0006": "north"},
    },
    "start_layer": "amr",
    "solver": {"solver": "cbc", "time_limit": 12.5, "threads": 2, "warm_start": False,
               "seed": 7, "starts": 3, "anneal_moves": 50, "anneal_rounds": 1, "nodes": 40,
               "pmedian_nodes": 0, "exact_max_binaries": 500},
}


# --------------------------------------------------------------- round trip
def test_toml_round_trip(tmp_path):
    s = Scenario.from_dict(FULL)
    path = tmp_path / "full.toml"
    text = s.to_toml(path)
    back = load_scenario(path)
    assert back == s
    assert back.to_toml() == text
    assert back.objective.split_layers == {"sop": 1.0, "alliance": 0.5}
    assert back.locks.apart == (("SU0003", "SU0004"),)
    assert back.bounds[1].upper == 1e6 and back.bounds[1].lower is None
    assert back.solver.budget() == Budget(seed=7, starts=3, anneal_moves=50, anneal_rounds=1,
                                          nodes=40, pmedian_nodes=0, exact_max_binaries=500)


def test_documented_example_parses():
    doc = scenario_module.__doc__
    block = doc.split(".. code-block:: toml")[1].split("Inheritance:")[0]
    raw = tomllib.loads(textwrap.dedent(block))
    assert raw.pop("extends") == "base.toml"
    s = Scenario.from_dict(raw)
    assert s.name == "k12_alliances" and s.k == 12
    assert s.objective.reference == "amr" and s.bounds[0].relative
    assert s.solver.time_limit == 60.0
    assert s.solver.mode == "deterministic" and s.solver.budget() == Budget()


def test_toml_writer(tmp_path):
    """The TOML writer (tomli_w) round-trips odd keys, strings and nested tables."""
    raw = Scenario.from_dict(FULL).to_dict()
    raw["odd key"] = "quote \" and newline \n and é"
    raw["nested"] = {"inline": [{"a": 1}, {"b": [1.5, -2e-7]}], "empty": {}}
    assert tomllib.loads(dumps_toml(raw)) == raw
    s = Scenario.from_dict(FULL)
    assert Scenario.from_dict(tomllib.loads(s.to_toml(tmp_path / "s.toml"))) == s
    assert load_scenario(tmp_path / "s.toml") == s


def test_no_time_limit_round_trips():
    s = Scenario(solver={"time_limit": 0})
    assert s.solver.time_limit is None
    assert Scenario.from_dict(tomllib.loads(s.to_toml())).solver.time_limit is None


def test_pickle_and_equality():
    s = Scenario.from_dict(FULL)
    assert pickle.loads(pickle.dumps(s)) == s
    assert s != s.replace(k=4)


@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(1, 60),
    weights=st.fixed_dictionaries({
        "split": st.floats(0, 10, allow_nan=False),
        "compactness": st.floats(0, 10, allow_nan=False),
    }),
    bounds=st.lists(
        # one end > 0: a relative bound with upper 0 is invalid (rato_opt.spec.Bound)
        st.tuples(st.sampled_from(["population", "pupils_po"]), st.floats(0, 1e6),
                  st.floats(0, 1e6, exclude_min=True), st.booleans()),
        max_size=3,
    ),
    together=st.lists(st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1,
                               max_size=3, unique=True), max_size=2),
)
def test_round_trip_property(k, weights, bounds, together):
    raw = {
        "name": "p", "k": k, "data": {"n_units": 60}, "objective": weights,
        "bounds": [
            {"column": c, "lower": min(a, b), "upper": max(a, b), "relative": r}
            for c, a, b, r in bounds
        ],
        "locks": {"together": together},
    }
    s = Scenario.from_dict(raw)
    assert Scenario.from_dict(tomllib.loads(s.to_toml())) == s
    assert tomllib.loads(dumps_toml(s.to_dict())) == s.to_dict()


# -------------------------------------------------------------- inheritance
def test_extends_merges_tables_and_replaces_lists(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    (base / "plans").mkdir()
    (base / "base.toml").write_text(textwrap.dedent("""
        name = "base"
        description = "the base"
        k = 12
        start = "plans/start.csv"
        [objective]
        compactness = 0.2
        alignment = 0.5
        reference = "amr"
        [[bounds]]
        column = "population"
        upper = 2.0
        relative = true
        [[bounds]]
        column = "pupils_po"
        upper = 5.0
        relative = true
        """))
    child = tmp_path / "variant_k14.toml"
    child.write_text(textwrap.dedent("""
        extends = "base/base.toml"
        k = 14
        [objective]
        alignment = 1.0
        [[bounds]]
        column = "population"
        lower = 0.5
        relative = true
        """))
    s = Scenario.from_toml(child)
    assert s.name == "variant_k14"  # named by its own file, not the parent's name
    assert s.description == "the base"
    assert s.k == 14
    assert s.objective.alignment == 1.0 and s.objective.compactness == 0.2
    assert s.objective.reference == "amr"
    assert len(s.bounds) == 1 and s.bounds[0].lower == 0.5  # lists replace
    # the parent's relative path stays relative to the parent file
    assert s.resolve(s.start) == (base / "plans" / "start.csv").resolve()


def test_extends_cycle_detected(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\nk = 2\n')
    (tmp_path / "b.toml").write_text('extends = "c.toml"\n')
    (tmp_path / "c.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match=r"cycle a\.toml -> b\.toml -> c\.toml -> a\.toml"):
        Scenario.from_toml(tmp_path / "a.toml")
    (tmp_path / "self.toml").write_text('extends = "self.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        Scenario.from_toml(tmp_path / "self.toml")


def test_extends_missing_parent(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "nope.toml"\n')
    with pytest.raises(ScenarioError, match="not found"):
        Scenario.from_toml(tmp_path / "a.toml")


def test_invalid_toml(tmp_path):
    (tmp_path / "bad.toml").write_text("k = = 3\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        Scenario.from_toml(tmp_path / "bad.toml")


def test_replace_and_variant_merge_like_extends():
    s = Scenario.from_dict(FULL)
    v = s.variant("v", k=5, objective={"compactness": 0.3}, locks={"apart": []})
    assert v.name == "v" and v.k == 5
    assert v.objective.compactness == 0.3 and v.objective.alignment == 0.5
    assert v.locks.apart == () and v.locks.together == (("SU0001", "SU0002"),)
    assert s.k == 3  # the original is unchanged
    # None removes a field (back to its default)
    assert s.replace(sector=None).sector is None
    assert s.replace(objective=None).objective == Scenario().objective
    # sections may be given as objects too
    assert s.replace(solver=Scenario().solver).solver.solver == "highs"


# ----------------------------------------------------------------- validation
CASES = [
    ({"colour": "red"}, "'colour'", "allowed fields are"),
    ({"objective": {"alignmnt": 1}}, "'objective.alignmnt'", "alignment"),
    ({"objective": {"alignment": -1}}, "'objective.alignment'", ">= 0"),
    ({"objective": {"compactness": "high"}}, "'objective.compactness'", "finite number"),
    ({"objective": {"alignment": 0.5}}, "'objective.reference'", "reference layer"),
    ({"objective": {"alliance_hard": True}}, "'objective.alliance_layer'", "alliance layer"),
    ({"objective": {"split_layers": {"sop": -2}}}, "'objective.split_layers.sop'", ">= 0"),
    ({"objective": {"stay_close": 1.0}}, "'start'", "plan file"),
    ({"solver": {"solver": "gurobi"}}, "'solver.solver'", "'highs', 'cbc'"),
    ({"solver": {"time_limit": -5}}, "'solver.time_limit'", ">= 0"),
    ({"solver": {"threads": 0}}, "'solver.threads'", ">= 1"),
    ({"solver": {"warm_start": "yes"}}, "'solver.warm_start'", "true or false"),
    ({"solver": {"mode": "fast"}}, "'solver.mode'", "'deterministic', 'wall_clock'"),
    ({"solver": {"seed": -1}}, "'solver.seed'", "whole number >= 0"),
    ({"solver": {"seed": 1.5}}, "'solver.seed'", "whole number >= 0"),
    ({"solver": {"seed": True}}, "'solver.seed'", "whole number >= 0"),
    ({"solver": {"starts": 0}}, "'solver.starts'", "whole number >= 1"),
    ({"solver": {"anneal_moves": -3}}, "'solver.anneal_moves'", "whole number >= 0"),
    ({"solver": {"anneal_rounds": 0.5}}, "'solver.anneal_rounds'", "whole number >= 0"),
    ({"solver": {"nodes": "many"}}, "'solver.nodes'", "whole number >= 0"),
    ({"solver": {"pmedian_nodes": -1}}, "'solver.pmedian_nodes'", "whole number >= 0"),
    ({"solver": {"exact_max_binaries": -1}}, "'solver.exact_max_binaries'",
     "large number such as"),
    ({"solver": {"nodes": None}}, "'solver.nodes'", "mode = 'wall_clock'"),
    ({"solver": {"mode": "wall_clock", "time_limit": 0}}, "'solver.time_limit'",
     "seconds > 0, since solver.mode = 'wall_clock'"),
    ({"solver": {"mode": "wall_clock", "nodes": 50}}, "'solver.nodes'",
     "no work budget when solver.mode = 'wall_clock'"),
    ({"k": 0}, "'k'", "whole number >= 1"),
    ({"k": 2.5}, "'k'", "whole number >= 1"),
    ({"k": 400}, "'k'", "at most data.n_units = 340"),
    ({"k_min": 5, "k_max": 3}, "'k_max'", ">= k_min"),
    ({"k": 9, "k_max": 8}, "'k'", "k_min..k_max"),
    ({"min_units": 5, "max_units": 2}, "'max_units'", ">= min_units"),
    ({"bounds": [{"column": "population", "upper": 1},
                 {"column": "population", "lower": 3, "upper": 1}]},
     "'bounds[1].upper'", ">= lower"),
    ({"bounds": [{"column": "population"}]}, "'bounds[0]'", "at least one of"),
    ({"bounds": [{"upper": 2}]}, "'bounds[0].column'", "weight column"),
    ({"bounds": [{"column": "population", "upper": 2, "strict": True}]},
     "'bounds[0].strict'", "allowed fields of 'bounds[0]'"),
    ({"bounds": {"column": "population"}}, "'bounds'", "array of tables"),
    ({"data": {"source": "cloud"}}, "'data.source'", "'default', 'nl2024', 'nl2024_wijken', 'nl2024_mixed', 'files'"),
    ({"data": {"source": "files"}}, "'data.units'", "unit file"),
    ({"data": {"n_units": 1}}, "'data.n_units'", ">= 2"),
    ({"adjacency": {"contiguity": "bishop"}}, "'adjacency.contiguity'", "'queen', 'rook'"),
    ({"layers": {"min_share": {"sop": 1.5}}}, "'layers.min_share.sop'", "<= 1.0"),
    ({"layers": {"use": "sop"}}, "'layers.use'", "list of strings"),
    ({"locks": {"apart": [["a", "b", "c"]]}}, "'locks.apart[0]'", "pair"),
    ({"locks": {"together": [["a", 3]]}}, "'locks.together[0][1]'", "string"),
    ({"locks": {"fixed": {"a": 1}}}, "'locks.fixed.a'", "string"),
    ({"sector": "hbo"}, "'sector'", "'po', 'vo', 'mbo'"),
    ({"name": ""}, "'name'", "non-empty string"),
    ({"objective": 3}, "'objective'", "a table"),
    ({"start": "a.csv", "start_layer": "amr"}, "'start_layer'", "one of both"),
]


@pytest.mark.parametrize(("raw", "field", "allowed"), CASES)
def test_validation_names_field_value_and_allowed(raw, field, allowed):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(raw)
    message = str(info.value)
    assert field in message
    assert allowed in message


def test_python_construction_is_validated_too():
    with pytest.raises(ScenarioError, match="'objective.alignment'"):
        Scenario(objective={"alignment": -1.0})
    with pytest.raises(ScenarioError, match="'solver.solver'"):
        Scenario().replace(solver={"solver": "glpk"})
    with pytest.raises(ScenarioError, match="unknown scenario field 'kk'"):
        Scenario().replace(kk=3)


# ------------------------------------------------------------ landscape/spec
def test_files_landscape_layers_and_min_share(tmp_path):
    data = write_grid_files(tmp_path)
    s = Scenario.from_dict({
        "data": data, "layers": {"use": ["sop", "amr"], "min_share": {"sop": 0.9}}, "k": 2,
    })
    land = s.load_landscape()
    assert sorted(land.layers) == ["amr", "sop"]
    assert land.layers["sop"].min_share == 0.9
    assert land.units.loc["r0c0", "name"] == "Unit r0c0"
    assert {"population", "pupils_po"} <= set(land.weights)


def test_files_paths_relative_to_toml(tmp_path):
    write_grid_files(tmp_path)
    (tmp_path / "s.toml").write_text(textwrap.dedent("""
        k = 2
        [data]
        source = "files"
        units = "units.gpkg"
        [[data.layer_tables]]
        name = "sop"
        path = "sop.csv"
        """))
    land = Scenario.from_toml(tmp_path / "s.toml").load_landscape()
    assert len(land.units) == 12 and list(land.layers) == ["sop"]


@pytest.mark.parametrize(
    ("changes", "field", "allowed"),
    [
        ({"layers": {"use": ["sop", "rap_po"]}}, "'layers.use[1]'", "['alliance', 'amr', 'sop']"),
        ({"layers": {"min_share": {"rmc": 0.5}}}, "'layers.min_share.rmc'", "amr"),
        ({"objective": {"alignment": 1.0, "reference": "province"}},
         "'objective.reference'", "'alliance', 'amr', 'sop'"),
        ({"objective": {"split_layers": {"rap": 1.0}}}, "'objective.split_layers.rap'", "sop"),
        ({"objective": {"split_by": "pupils_vo"}}, "'objective.split_by'", "pupils_po"),
        ({"bounds": [{"column": "inwoners", "upper": 3.0}]}, "'bounds[0].column'", "population"),
        ({"k": 13}, "'k'", "at most the number of units (12)"),
        ({"locks": {"together": [["r0c0", "X9"]]}}, "'locks.together[0][1]'", "r0c0"),
        ({"locks": {"fixed": {"X9": "n"}}}, "'locks.fixed.X9'", "unit code"),
        ({"sector": "vo"}, "'sector'", "pupils_po"),
    ],
)
def test_names_checked_against_landscape(tmp_path, changes, field, allowed):
    s = Scenario.from_dict({"data": write_grid_files(tmp_path), "k": 2}).replace(**changes)
    with pytest.raises(ScenarioError) as info:
        s.load_landscape()
    assert field in str(info.value) and allowed in str(info.value)


def test_to_spec(tmp_path):
    (tmp_path / "start.csv").write_text("code,region\nr0c0,A\nr0c1,B\n")
    s = Scenario.from_dict({
        "k": 3, "sector": "po", "start": "start.csv",
        "bounds": [{"column": "population", "lower": 0.5, "upper": 2.0, "relative": True}],
        "objective": {"compactness": 0.1, "stay_close": 0.5},
        "locks": {"together": [["a", "b"]], "fixed": {"c": "north"}},
        "adjacency": {"contiguity": "rook", "allow_islands": True},
    }, base_dir=tmp_path)
    spec = s.to_spec()
    assert isinstance(spec, RegionSpec)
    assert spec.k == 3 and spec.contiguity == "rook" and spec.allow_islands
    assert spec.bounds[0].relative and spec.bounds[0].upper == 2.0
    assert spec.objective.split_by == "pupils_po"  # from the sector
    assert spec.objective.compactness == 0.1
    assert spec.locks.together == (("a", "b"),) and spec.locks.fixed == {"c": "north"}
    assert spec.start == {"r0c0": "A", "r0c1": "B"}
    assert s.solve_kwargs() == {"solver": "highs", "budget": Budget(), "time_limit": 60.0,
                                "warm_start": True, "msg": False}
    assert s.replace(solver={"threads": 2, "seed": 4}).solve_kwargs()["threads"] == 2


def test_start_layer(tmp_path):
    s = Scenario.from_dict({"data": write_grid_files(tmp_path), "k": 4, "start_layer": "amr",
                            "objective": {"stay_close": 0.5}})
    with pytest.raises(ScenarioError, match="pass the landscape"):
        s.to_spec()
    land = s.load_landscape()
    spec = s.to_spec(land)
    assert spec.start["r0c0"] == "A00" and spec.start["r2c3"] == "A11"
    assert len(spec.start) == 12 and len(set(spec.start.values())) == 4
    with pytest.raises(ScenarioError, match="'start_layer'.*one of the layers"):
        s.replace(start_layer="rmc").load_landscape()


# ------------------------------------------------------------ reproducibility
def test_solver_budget_fields_make_the_budget():
    s = Scenario.from_dict({"solver": {"seed": 11, "nodes": 0, "anneal_rounds": 1}})
    budget = s.solve_kwargs()["budget"]
    assert budget == Budget(seed=11, nodes=0, anneal_rounds=1)
    assert budget.deterministic and s.solver.mode == "deterministic"
    # the scenario as written records the seed and every work field explicitly
    written = tomllib.loads(s.to_toml())["solver"]
    assert {k: written[k] for k in Budget().as_dict()} == budget.as_dict()
    assert written["mode"] == "deterministic"


def test_time_limit_is_a_cap_and_zero_means_no_cap():
    s = Scenario.from_dict({"solver": {"time_limit": 0, "seed": 2}})
    kwargs = s.solve_kwargs()
    assert kwargs["time_limit"] is None and kwargs["budget"].deterministic
    assert "threads" not in kwargs  # the solver's reproducible default (one thread)


def test_wall_clock_mode():
    s = Scenario.from_dict({"solver": {"mode": "wall_clock", "time_limit": 30, "seed": 5}})
    assert s.solve_kwargs()["budget"] == Budget.wall_clock(5)
    assert not s.solve_kwargs()["budget"].deterministic
    written = tomllib.loads(s.to_toml())["solver"]
    assert written["mode"] == "wall_clock" and "nodes" not in written
    assert Scenario.from_dict(tomllib.loads(s.to_toml())) == s
    # switching modes works both ways, from a scenario with every field written out
    d = Scenario.from_dict({"solver": {"seed": 5}})
    assert d.replace(solver={"mode": "wall_clock"}) == s.replace(solver={"time_limit": 60})
    assert s.replace(solver={"mode": "deterministic"}).solver.budget() == Budget(seed=5)


def test_extends_merges_budget_fields(tmp_path):
    (tmp_path / "base.toml").write_text(textwrap.dedent("""
        k = 3
        [solver]
        seed = 3
        nodes = 50
        starts = 2
        time_limit = 30
        """))
    (tmp_path / "child.toml").write_text(textwrap.dedent("""
        extends = "base.toml"
        [solver]
        seed = 9
        anneal_rounds = 1
        """))
    s = Scenario.from_toml(tmp_path / "child.toml")
    assert s.solver.budget() == Budget(seed=9, nodes=50, starts=2, anneal_rounds=1)
    assert s.solver.time_limit == 30.0
    back = Scenario.from_dict(tomllib.loads(s.to_toml()))
    assert back == s and back.solver.budget() == s.solver.budget()
    # a child switching to the wall clock drops the parent's default-valued fields,
    # but a work budget the parent set explicitly is a contradiction, named as such
    (tmp_path / "clock.toml").write_text(
        'extends = "base.toml"\n[solver]\nmode = "wall_clock"\n')
    with pytest.raises(ScenarioError,
                       match=r"'solver\.(starts|nodes)': got \d+; expected no work budget"):
        Scenario.from_toml(tmp_path / "clock.toml")


def test_variant_seed():
    base = Scenario(name="base", k=3, solver={"seed": 1, "nodes": 10})
    v = base.variant("seed2", solver={"seed": 2})
    assert v.solver.budget() == Budget(seed=2, nodes=10)
    assert base.variant("same", k=4).solver.budget() == base.solver.budget()
