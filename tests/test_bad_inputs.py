"""Bad inputs get a clear error (what was given, what is expected, how to fix it), early.

Also: outputs respect the umask, the demo has one number for the witte vlekken, and the
CLI's exit codes (2 for bad input, 130 for Ctrl-C) and clean stdout with ``--json``.
Every test runs on tiny grids made here (no solver runs).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import textwrap
from pathlib import Path

import geopandas as gpd
import matplotlib
import pandas as pd
import pytest
from conftest import grid_units
from test_scenario import write_grid_files

matplotlib.use("Agg")

import rato_opt.optimize.pipeline as solver_module
import rato_opt.workflow.cli as cli
from rato_opt import Landscape, Layer
from rato_opt.assess.diagnose import check_feasible, check_start, precheck
from rato_opt.assess.plan import Plan
from rato_opt.exceptions import (
    ColumnError,
    CRSError,
    InfeasibleError,
    InputError,
    ScenarioError,
    UnitCodeError,
)
from rato_opt.landscape.crs import check_coordinates
from rato_opt.landscape.units import join_weights, read_units, validate_units
from rato_opt.spec import Bound, RegionSpec
from rato_opt.workflow.export import atomic_output, check_output_dir, export_plan, read_plan
from rato_opt.workflow.run import compare_plan_files
from rato_opt.workflow.scenario import Scenario


def _files_scenario(folder: Path, **changes) -> Scenario:
    """A scenario of the 3 × 4 grid files of ``write_grid_files`` (k = 2, 5 s)."""
    data = write_grid_files(folder)
    data.update(changes.pop("data", {}))
    raw = {"name": "grid", "k": 2, "data": data, "solver": {"time_limit": 5, "threads": 1}}
    raw.update(changes)
    return Scenario.from_dict(raw, base_dir=folder)


def _geojson_without_crs(units: gpd.GeoDataFrame, path: Path) -> Path:
    """Write RD New coordinates as a GeoJSON without a "crs" member."""
    collection = json.loads(units.reset_index().to_json(drop_id=True))
    collection.pop("crs", None)
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


# ---------------------------------------------------------------- 1. GeoJSON without CRS
def test_geojson_without_crs_says_so_and_how_to_declare_one(tmp_path):
    units = grid_units(2, 3, weights={"population": [1, 2, 3, 4, 5, 6]})
    path = _geojson_without_crs(units, tmp_path / "units.geojson")
    with pytest.raises(CRSError) as err:
        read_units(path, code="code")
    message = str(err.value)
    assert f"unit file {path} has no CRS" in message
    assert "x 0..3,000, y 0..2,000" in message          # the bounds seen
    assert "not longitude/latitude" in message          # what was expected
    assert 'crs = "EPSG:28992"' in message              # how to fix it (scenario key)
    assert 'source_crs="EPSG:28992"' in message         # ... and in Python
    assert "invalid geometries" not in message
    # the fix works, in Python and in a scenario
    assert list(read_units(path, code="code", source_crs="EPSG:28992").index) == list(units.index)
    scenario = Scenario.from_dict({"data": {"source": "files", "units": "units.geojson"}},
                                  base_dir=tmp_path)
    with pytest.raises(CRSError, match="has no CRS"):
        scenario.load_landscape()
    fixed = scenario.replace(data={"crs": "EPSG:28992"})
    assert len(fixed.load_landscape().units) == 6
    assert 'crs = "EPSG:28992"' in fixed.to_toml()


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_file_with_no_crs_at_all(tmp_path):
    units = grid_units(1, 2)
    frame = units.reset_index()
    frame = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(frame.geometry))
    frame.to_file(tmp_path / "units.shp")
    (tmp_path / "units.prj").unlink(missing_ok=True)
    with pytest.raises(CRSError, match=r"units\.shp has no CRS; to fix it, declare the CRS"):
        read_units(tmp_path / "units.shp", code="code")


def test_scenario_crs_must_be_a_crs_and_only_for_files():
    with pytest.raises(ScenarioError, match=r"'data\.crs': got 'EPSG:nope'; expected a CRS"):
        Scenario.from_dict({"data": {"source": "files", "units": "u.gpkg", "crs": "EPSG:nope"}})
    with pytest.raises(ScenarioError, match=r"'data\.crs'.*unless data\.source = 'files'"):
        Scenario.from_dict({"data": {"crs": "EPSG:28992"}})


# ------------------------------------------------------ 2. lon/lat declared as RD New
def test_lonlat_declared_as_rd_new_is_rejected(tmp_path):
    units = grid_units(2, 3)
    lonlat = units.to_crs("EPSG:4326").set_crs("EPSG:28992", allow_override=True)
    with pytest.raises(CRSError) as err:
        validate_units(lonlat)
    message = str(err.value)
    assert message.startswith("units are declared in EPSG:28992, but the coordinates span x 3.")
    assert "cannot be RD New (RD New's area of use is about x -7,000..300,000" in message
    assert "EPSG:4326" in message and "set_crs('EPSG:4326', allow_override=True)" in message
    # from a file: the file is named and the scenario key suggested
    lonlat.reset_index().to_file(tmp_path / "u.gpkg")
    with pytest.raises(CRSError, match=r"u\.gpkg declares EPSG:28992, but .*"
                                       r'set crs = "EPSG:4326" in the scenario'):
        read_units(tmp_path / "u.gpkg", code="code")


def test_far_away_metres_declared_as_rd_new_are_rejected():
    mercator = grid_units(1, 2).to_crs("EPSG:3857")  # about 6 million metres north
    with pytest.raises(CRSError, match="cannot be RD New.*EPSG:3857"):
        check_coordinates(mercator.set_crs("EPSG:28992", allow_override=True))


def test_plausible_coordinates_pass():
    check_coordinates(grid_units(2, 2))                      # tiny metric grid at the origin
    check_coordinates(grid_units(2, 2).to_crs("EPSG:4326"))  # real lon/lat
    from shapely import box

    frame = gpd.GeoDataFrame(geometry=[box(100_000, 400_000, 101_000, 401_000)],
                             crs="EPSG:28992")
    check_coordinates(frame)


# ------------------------------------------------------ 3. start plan with unknown units
def test_start_plan_with_unknown_units():
    land = Landscape(grid_units(1, 3, weights={"population": [1, 1, 1]}), {})
    spec = RegionSpec(k=2, start={"r0c0": "A", "r0c1": "A", "GM9999": "B", "XX": "B"})
    expected = ("RegionSpec.start names 2 unit code(s) the landscape does not have: GM9999, XX "
                "(its units are e.g. r0c0, r0c1, r0c2)")
    with pytest.raises(UnitCodeError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        check_start(land, spec)
    with pytest.raises(UnitCodeError, match="GM9999, XX"):
        check_feasible(land, spec)
    with pytest.raises(UnitCodeError, match="GM9999, XX"):
        solver_module.propose_regions(land, spec, time_limit=5)
    check_start(land, RegionSpec(k=2, start={"r0c0": "A"}))  # a partial start plan is fine


def test_scenario_start_plan_with_unknown_units(tmp_path):
    (tmp_path / "start.csv").write_text("code,region\nr0c0,A\nr0c1,A\nGM0363,B\n")
    scenario = _files_scenario(tmp_path, start="start.csv")
    land = scenario.load_landscape()
    with pytest.raises(ScenarioError) as err:
        scenario.to_spec(land)
    message = str(err.value)
    assert message.startswith(f"scenario field 'start': the start plan {tmp_path / 'start.csv'} "
                              "names 1 unit code(s) the data do not have: GM0363")
    assert "use a plan of the same units" in message


# ---------------------------------------------------------- 4. extra codes in a weight table
def test_weight_table_with_extra_codes(tmp_path):
    units = grid_units(1, 2)
    table = pd.DataFrame({"gm": ["r0c0", "r0c1", "GM0998", "GM0001"], "pop": [1, 2, 3, 4]})
    with pytest.raises(UnitCodeError) as err:
        join_weights(units, table, on="gm")
    message = str(err.value)
    assert message.startswith("the weight table lists 2 code(s) that are not units: GM0001, "
                              "GM0998 (units are e.g. r0c0, r0c1)")
    assert "extra='ignore'" in message
    assert join_weights(units, table, on="gm", extra="ignore")["pop"].tolist() == [1, 2]
    with pytest.raises(InputError, match="extra must be 'raise' or 'ignore', got 'drop'"):
        join_weights(units, table, on="gm", extra="drop")
    # a scenario names the file, and has the same opt-in
    pd.DataFrame({"code": ["r0c0", "GM0001"], "pupils_vo": [1, 2]}).to_csv(
        tmp_path / "vo.csv", index=False)
    data = write_grid_files(tmp_path)
    weights = [*data["weights"], {"path": "vo.csv", "fill": 0}]
    scenario = Scenario.from_dict({"data": {**data, "weights": weights}}, base_dir=tmp_path)
    with pytest.raises(UnitCodeError, match=r"weight table .*vo\.csv: the weight table lists 1 "
                                            r"code\(s\) that are not units: GM0001"):
        scenario.load_landscape()
    weights[-1]["extra"] = "ignore"
    scenario = Scenario.from_dict({"data": {**data, "weights": weights}}, base_dir=tmp_path)
    assert scenario.load_landscape().units["pupils_vo"].sum() == 1
    with pytest.raises(ScenarioError, match=r"'data\.weights\[1\]\.extra'"):
        Scenario.from_dict({"data": {**data, "weights": [*data["weights"],
                                                          {"path": "vo.csv", "extra": "drop"}]}})


# ---------------------------------------------------------- 5. jointly too-tight bounds
def test_bounds_each_possible_alone_but_not_together():
    """Row A B C: A+B exceed the population bound, A+C and B+C the pupils bound.

    Each bound alone allows two regions; together every pair conflicts.
    """
    land = Landscape(grid_units(1, 3, weights={"population": [6, 6, 1],
                                               "pupils": [5, 1, 8.5]}), {})
    pop, pupils = Bound("population", upper=10), Bound("pupils", upper=9)
    assert precheck(land, RegionSpec(k=2, bounds=[pop])) == []
    assert precheck(land, RegionSpec(k=2, bounds=[pupils])) == []
    spec = RegionSpec(k=2, bounds=[pop, pupils])
    assert precheck(land, spec) == [
        "k=2 cannot work: k=2 regions are too few: 3 units (r0c2, r0c0, r0c1) pairwise cannot "
        "share a region under the upper bounds (upper bound 10 on population, upper bound 9 on "
        "pupils), e.g. r0c2 + r0c0: pupils 13.5 > 9; r0c0 + r0c1: population 12 > 10; they need "
        "3 regions (raise the bounds or use more regions); k in 3 would work"]
    with pytest.raises(InfeasibleError, match="pairwise cannot share a region"):
        solver_module.propose_regions(land, spec, time_limit=5)


def test_lower_bound_on_a_concentrated_weight():
    """Pupils sit in two of six units: three regions cannot each hold half the mean."""
    land = Landscape(grid_units(2, 3, weights={"population": [10] * 6,
                                               "pupils": [30, 30, 0, 0, 0, 0]}), {})
    spec = RegionSpec(k_min=3, k_max=5, bounds=[Bound("pupils", lower=0.5, relative=True)])
    assert precheck(land, spec) == [
        "k in 3..5 cannot work: k=3 regions with lower bound 10 (0.5 × mean 20 with k=3) on "
        "pupils need 30 in all, but units are indivisible: counting each unit's pupils only up "
        "to the bound (the excess of a heavy unit helps no other region) gives 20 of the total "
        "60, enough for at most 2 region(s) (lower the bound or use fewer regions); "
        "k in 1..2 would work"]


def test_totals_against_k_times_the_bounds():
    land = Landscape(grid_units(2, 3, weights={"population": [10] * 6}), {})
    with pytest.raises(InfeasibleError) as err:
        check_feasible(land, RegionSpec(k_min=2, k_max=3, bounds=[Bound("population", 25, 28)]))
    assert err.value.reasons == [
        "k in 2..3 cannot work: k=2 regions with upper bound 28 on population hold at most 56, "
        "but the total is 60; no number of regions works"]
    with pytest.raises(InfeasibleError, match="need at least 100, but the total is 60"):
        check_feasible(land, RegionSpec(k=4, bounds=[Bound("population", lower=25)]))


# ---------------------------------------------------------- 6. extends of a missing file
def test_extends_of_a_missing_file_names_both_files(tmp_path):
    child = tmp_path / "what_if.toml"
    child.write_text('extends = "base/missing.toml"\nk = 3\n')
    with pytest.raises(ScenarioError) as err:
        Scenario.from_toml(child)
    assert str(err.value) == (
        f"scenario file {child} has extends = 'base/missing.toml', but the parent scenario "
        f"{tmp_path / 'base' / 'missing.toml'} was not found; relative paths in extends are "
        f"resolved against the directory of the extending file ({tmp_path}); fix the path or "
        "create the parent scenario")
    with pytest.raises(ScenarioError, match=r"given as a dict, base directory .* has extends"):
        Scenario.from_dict({"extends": "missing.toml"}, base_dir=tmp_path)


# ---------------------------------------------------------- 7. compare on a garbage CSV
@pytest.fixture
def grid_scenario(tmp_path):
    return _files_scenario(tmp_path)


@pytest.mark.parametrize("content, expected", [
    ("a;b;c\n1;2;3\n4;5;6\n",
     r"is not a plan of the units of scenario 'grid' \(units\): its columns are \['a', 'b', "
     r"'c'\]; read as unit codes, column 'a' holds 2 code\(s\) \(1, 4\), none of them a unit "
     r"code \(units are e\.g\. r0c0, r0c1, r0c2\)"),
    ("hello world\nthis is not a plan\n", r"cannot find the region column in plan file .*: "
                                          r"its columns are \['hello world'\]"),
    ("code,region\n", r"holds no rows \(columns found: \['code', 'region'\]\)"),
    ("", r"is empty"),
    (b"\xc0\xff\x00garbage", r"cannot be read as a table \(UnicodeDecodeError"),
])
def test_compare_on_a_garbage_csv(tmp_path, grid_scenario, content, expected):
    path = tmp_path / "garbage.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises((InputError, ColumnError)) as err:
        compare_plan_files([path], tmp_path / "cmp", scenario=grid_scenario, maps=())
    message = str(err.value)
    assert str(path) in message
    assert re.search(expected, message), message
    assert "a unit code column" in message and "a region column" in message
    assert "rato-opt run SCENARIO.toml --out DIR" in message
    assert not (tmp_path / "cmp").exists()


def test_read_plan_one_column_file(tmp_path):
    (tmp_path / "p.csv").write_text("x\n1\n2\n")
    with pytest.raises(ColumnError, match=r"its columns are \['x'\]"):
        read_plan(tmp_path / "p.csv")


# ---------------------------------------------------------- 8. --out and --time-limit
@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if the CLI starts loading or solving anything."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the CLI started working before checking its arguments")

    monkeypatch.setattr(cli, "demo", forbidden)
    import rato_opt.workflow.run as workflow

    monkeypatch.setattr(workflow, "run_scenario_file", forbidden)
    monkeypatch.setattr(workflow, "compare_plan_files", forbidden)


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    return lines[0]


@pytest.mark.parametrize("command", [
    ["demo"], ["run", "scenario.toml"], ["compare", "plan.csv"]])
def test_out_is_checked_first(tmp_path, capsys, no_work, command):
    afile = tmp_path / "somefile.txt"
    afile.write_text("not a directory")
    assert cli.main([*command, "--out", str(afile / "sub")]) == 2
    assert _one_line_error(capsys) == (
        f"rato-opt: error: --out {afile / 'sub'} cannot be created: {afile} is a file, not a "
        "directory; choose a path outside it")
    assert cli.main([*command, "--out", str(afile), "--json"]) == 2
    assert _one_line_error(capsys) == (
        f"rato-opt: error: --out {afile} is an existing file, not a directory; choose a new or "
        "existing directory (the outputs are several files)")


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf"])
def test_demo_time_limit_is_checked_first(capsys, no_work, value):
    assert cli.main(["demo", "--time-limit", value]) == 2
    line = _one_line_error(capsys)
    assert line.startswith("rato-opt: error: --time-limit must be a number of seconds > 0, got ")
    assert line.endswith("; e.g. --time-limit 60")


def test_demo_function_checks_time_limit():
    with pytest.raises(InputError, match=r"time_limit must be a number of seconds > 0, got -1"):
        cli.demo(time_limit=-1)


@pytest.mark.parametrize("value", [-1, float("nan"), float("inf")])
def test_scenario_time_limit_is_checked_on_reading(value):
    with pytest.raises(ScenarioError, match=r"'solver\.time_limit': got .*; expected a number of "
                                            r"seconds >= 0: > 0 for a limit"):
        Scenario.from_dict({"solver": {"time_limit": value}})


def test_check_output_dir(tmp_path):
    assert check_output_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="is a file, not a directory"):
        with atomic_output(tmp_path / "f" / "out"):
            raise AssertionError("the block must not run")


# ------------------------------------------------------------------- B. permissions
@pytest.fixture
def umask():
    """Set the umask for one test, then restore it."""
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def _modes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mode & 0o777 for p in [folder, *folder.rglob("*")]}


@pytest.mark.parametrize("mask, dirs, files", [(0o022, 0o755, 0o644), (0o027, 0o750, 0o640)])
def test_outputs_respect_the_umask(tmp_path, umask, mask, dirs, files):
    umask(mask)
    units = grid_units(1, 2, weights={"population": [1, 2]})
    land = Landscape(units, [Layer.from_partition("amr", {"r0c0": "x", "r0c1": "y"})])
    out = tmp_path / "new" / "out"
    export_plan({"r0c0": "R1", "r0c1": "R2"}, land, out, formats=("csv", "geojson"))
    modes = _modes(out)
    assert modes.pop("out") == dirs
    assert modes and set(modes.values()) == {files}, modes
    assert (tmp_path / "new").stat().st_mode & 0o777 == dirs
    with atomic_output(tmp_path / "other") as tmp:
        (tmp / "sub").mkdir()
        (tmp / "sub" / "a.txt").write_text("a")
    assert _modes(tmp_path / "other") == {"other": dirs, "sub": dirs, "a.txt": files}


def test_figures_and_cache_files_respect_the_umask(tmp_path, umask):
    from matplotlib.figure import Figure

    from rato_opt.maps.plotting import save_figure
    from rato_opt.sources.pdok import write_cache as _write_atomic

    (png,) = save_figure(Figure(figsize=(1, 1)), tmp_path / "map", formats=("png",), dpi=20)
    assert png.stat().st_mode & 0o777 == 0o644
    _write_atomic(tmp_path / "cache" / "x.json", {"a": 1})
    assert (tmp_path / "cache" / "x.json").stat().st_mode & 0o777 == 0o644


# ------------------------------------------------------------- C. one white-spot number
def test_demo_white_spots_agree_across_table_json_console_and_map(tmp_path, monkeypatch, capsys):
    from rato_opt.sources.synthetic import load_default

    figures = {}

    def keep(fig, path):
        figures[Path(path).name] = fig

    monkeypatch.setattr(cli, "_save_png", keep)
    land = load_default()
    part = cli._demo_landscape_into(tmp_path, land)
    n = part["white_spots"]
    assert n > 0  # the embedded default has witte vlekken in its RAP/SO&P layers
    assert part["white_spot_layers"] == ["rap_po", "rap_vo", "sop"]
    table = pd.read_csv(tmp_path / "white_spots.csv", index_col="code")
    coverage = pd.read_csv(tmp_path / "coverage.csv", index_col="code")
    assert len(table) == n == int(coverage["white_spot"].sum())
    assert set(table.index) == set(coverage.index[coverage["white_spot"]])
    # the map draws exactly those units
    ax = figures["white_spots.png"].axes[0]
    (drawn,) = [c for c in ax.collections if c.get_gid() == "white_spots"]
    parts = sum(len(getattr(g, "geoms", [g])) for g in land.units.geometry.loc[table.index])
    assert len(drawn.get_paths()) == parts
    # the console line
    cli._print_human("demo", {**part, "regions": 12, "status": "feasible", "objective": 0.5,
                              "seconds": 1.0, "contiguous": True, "out": str(tmp_path)})
    assert f"witte vlekken (no rap_po/rap_vo/sop): {n} units" in capsys.readouterr().out
    assert "white_spots_rap_sop" not in part


# ------------------------------------------------------------------ D. Ctrl-C contract
@pytest.fixture
def run_files(tmp_path):
    """A scenario file of the 3 × 4 grid (k = 2)."""
    write_grid_files(tmp_path)
    (tmp_path / "grid.toml").write_text(textwrap.dedent("""
        name = "grid"
        k = 2
        [data]
        source = "files"
        units = "units.gpkg"
        name = "naam"
        [solver]
        time_limit = 5
        threads = 1
        """))
    return tmp_path


def _fake_solver(status: str, *, with_plan: bool = True, chatter: bool = False):
    def propose(landscape, spec, *, graph=None, **kwargs):
        if chatter:  # a native solver banner on fd 1 and a Python print
            os.write(1, b"Running HiGHS 1.16.0\n")
            print("log line")
        codes = list(landscape.codes)
        assignment = {c: ("A" if i < len(codes) // 2 else "B") for i, c in enumerate(codes)}
        plan = Plan.from_assignment(landscape, assignment if with_plan else None, spec, graph,
                                    status="feasible")
        return dataclasses.replace(plan, status=status)

    return propose


def test_cli_writes_an_interrupted_plan_and_exits_130(run_files, monkeypatch, capfd):
    monkeypatch.setattr(solver_module, "propose_regions",
                        _fake_solver("interrupted", chatter=True))
    out = run_files / "out"
    assert cli.main(["run", str(run_files / "grid.toml"), "--out", str(out), "--json"]) == 130
    captured = capfd.readouterr()
    summary = json.loads(captured.out)  # stdout holds the JSON only
    assert summary["status"] == "interrupted" and summary["regions"] == 2
    assert "Running HiGHS" in captured.err and "log line" in captured.err
    assert captured.err.strip().splitlines()[-1] == (
        f"rato-opt: interrupted: best verified plan so far written to {out}")
    assert read_plan(out / "plan_units.csv").nunique() == 2
    assert json.loads((out / "summary.json").read_text())["status"] == "interrupted"


def test_cli_interrupted_without_a_plan(run_files, monkeypatch, capsys):
    monkeypatch.setattr(solver_module, "propose_regions",
                        _fake_solver("interrupted", with_plan=False))
    out = run_files / "out"
    assert cli.main(["run", str(run_files / "grid.toml"), "--out", str(out)]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "rato-opt: interrupted: no plan was found before the interruption; the summary is "
        f"written to {out}")
    assert sorted(p.name for p in out.iterdir()) == ["scenario.toml", "summary.json"]


def test_cli_ctrl_c_elsewhere_exits_130_without_traceback(run_files, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(solver_module, "propose_regions", interrupted)
    out = run_files / "out"
    assert cli.main(["run", str(run_files / "grid.toml"), "--out", str(out), "--json"]) == 130
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.strip().splitlines() == ["rato-opt: interrupted; no output was written"]
    assert not out.exists()


def test_cli_completed_run_exits_0(run_files, monkeypatch, capsys):
    monkeypatch.setattr(solver_module, "propose_regions", _fake_solver("feasible"))
    out = run_files / "out"
    assert cli.main(["run", str(run_files / "grid.toml"), "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "feasible" and math.isfinite(summary["objective"])


def test_demo_interrupted_writes_its_outputs_and_exits_130(tmp_path, monkeypatch, capfd):
    import rato_opt.sources.synthetic as synthetic

    small = synthetic.make_country(n_units=60, seed=1)
    monkeypatch.setattr(synthetic, "load_default", lambda: small)
    monkeypatch.setattr(solver_module, "propose_regions",
                        _fake_solver("interrupted", chatter=True))
    out = tmp_path / "demo"
    assert cli.main(["demo", "--out", str(out), "--json"]) == 130
    captured = capfd.readouterr()
    summary = json.loads(captured.out)
    assert summary["status"] == "interrupted" and summary["regions"] == 2
    assert captured.err.strip().splitlines()[-1] == (
        f"rato-opt: interrupted: best verified plan so far written to {out}")
    assert json.loads((out / "summary.json").read_text())["status"] == "interrupted"
    assert (out / "plan_assignment.csv").is_file() and (out / "plan_regions.png").is_file()
