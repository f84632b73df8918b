"""Plan exports: every format readable back, GeoJSON in EPSG:4326, atomic writes."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from conftest import grid_units

import rato_opt.workflow.export as export
from rato_opt.assess.plan import score_plan
from rato_opt.exceptions import ColumnError, DataNotFoundError, InputError, UnitCodeError
from rato_opt.landscape.coverage import Landscape
from rato_opt.landscape.layers import Layer
from rato_opt.workflow.export import atomic_output, export_plan, read_plan, region_summary


@pytest.fixture
def land():
    """3×4 grid, population 10..120; one partition layer (west/east halves)."""
    units = grid_units(3, 4, weights={"population": [10 * (i + 1) for i in range(12)]})
    units["name"] = [f"Unit {c}" for c in units.index]
    west = {c: ("w" if int(c[-1]) < 2 else "e") for c in units.index}
    return Landscape(units, [Layer.from_partition("sop", west)], credit="test")


@pytest.fixture
def plan(land):
    """Rows 0-1 in one region, row 2 in another (labels deliberately not R01...)."""
    return pd.Series({c: ("top" if c[1] in "01" else "bottom") for c in land.units.index})


def test_all_formats_read_back(tmp_path, land, plan):
    files = export_plan(plan, land, tmp_path / "out", name="p")
    assert set(files) == {"gpkg", "units_csv", "regions_csv", "xlsx", "units_geojson",
                          "regions_geojson"}
    assert all(p.is_file() for p in files.values())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in files.values()
    )
    # GeoPackage: two layers
    layers = {name for name, _ in pyogrio.list_layers(files["gpkg"])}
    assert layers == {"units", "regions"}
    units = gpd.read_file(files["gpkg"], layer="units")
    regions = gpd.read_file(files["gpkg"], layer="regions")
    assert len(units) == 12 and set(units["region"]) == {"top", "bottom"}
    assert {"code", "name", "region", "region_name", "population"} <= set(units.columns)
    assert units.crs.to_epsg() == 28992
    assert len(regions) == 2
    reg = regions.set_index("region")
    assert reg.loc["top", "units"] == 8 and reg.loc["top", "population"] == sum(range(10, 81, 10))
    assert reg.loc["bottom", "population"] == 90 + 100 + 110 + 120
    assert reg.loc["top", "area_km2"] == pytest.approx(8.0)
    assert reg.loc["top", "geometry"].area == pytest.approx(8e6)
    # every format gives the assignment back
    expected = plan.sort_index().to_dict()
    for key in ("gpkg", "units_csv", "xlsx", "units_geojson"):
        assert read_plan(files[key]).to_dict() == expected, key
    # Excel: units and regions sheets
    sheets = pd.ExcelFile(files["xlsx"]).sheet_names
    assert sheets == ["units", "regions"]
    regions_csv = pd.read_csv(files["regions_csv"])
    assert sorted(regions_csv["region"]) == ["bottom", "top"]
    # region name: the largest unit by population
    assert reg.loc["bottom", "name"] == "Unit r2c3"


def test_geojson_is_rfc7946_wgs84(tmp_path, land, plan):
    files = export_plan(plan, land, tmp_path, formats=["geojson"])
    for key in ("units_geojson", "regions_geojson"):
        gdf = gpd.read_file(files[key])
        assert gdf.crs.to_epsg() == 4326
        minx, miny, maxx, maxy = gdf.total_bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
        raw = json.loads(files[key].read_text())
        assert "crs" not in raw  # RFC 7946 has no crs member
    # and back in RD New, the geometry is where it was
    back = gpd.read_file(files["units_geojson"]).to_crs(28992).set_index("code")
    assert back.geometry.area.sum() == pytest.approx(12e6, rel=1e-3)


def test_export_a_plan_object(tmp_path, land, plan):
    scored = score_plan(land, plan)
    files = export_plan(scored, land, tmp_path, formats=("xlsx", "csv"))
    sheets = pd.ExcelFile(files["xlsx"]).sheet_names
    assert sheets == ["units", "regions", "summary"]
    summary = pd.read_excel(files["xlsx"], sheet_name="summary").set_index("key")["value"]
    assert summary["status"] == "scored"
    assert read_plan(files["units_csv"]).to_dict() == scored.assignment.to_dict()
    assert list(region_summary(scored, land).index) == list(scored.regions.index)


@pytest.fixture(scope="module")
def solved():
    """A solved plan of the 3×4 grid (k = 2, small work budget) and its landscape."""
    from rato_opt.optimize.pipeline import propose_regions
    from rato_opt.spec import Budget, RegionSpec

    units = grid_units(3, 4, weights={"population": [10 * (i + 1) for i in range(12)]})
    west = {c: ("w" if int(c[-1]) < 2 else "e") for c in units.index}
    land = Landscape(units, [Layer.from_partition("sop", west)])
    plan = propose_regions(land, RegionSpec(k=2), budget=Budget(seed=4, starts=2,
                                                                  anneal_rounds=1, nodes=50))
    return land, plan


def test_export_records_the_run(tmp_path, solved):
    land, plan = solved
    files = export_plan(plan, land, tmp_path / "out")
    assert files["run_json"] == tmp_path / "out" / "plan_run.json"
    run = json.loads(files["run_json"].read_text())
    assert run == plan.summary()["run"]  # the same record as summary.json
    assert list(run)[:6] == ["seed", "budget", "time_limit", "deterministic", "time_limit_hit",
                             "stopped_by"]
    assert run["seed"] == 4 and run["budget"]["nodes"] == 50 and run["budget"]["starts"] == 2
    assert run["deterministic"] is True and "highspy" in run["versions"]
    # Excel: a readable "run" sheet; GeoPackage: an attribute table "run"
    assert pd.ExcelFile(files["xlsx"]).sheet_names == ["units", "regions", "summary", "run"]
    sheet = pd.read_excel(files["xlsx"], sheet_name="run", dtype=str).set_index("key")
    assert sheet.loc["seed", "value"] == "4" and sheet.loc["budget.nodes", "value"] == "50"
    assert sheet.loc["versions.rato_opt", "value"] == run["versions"]["rato_opt"]
    assert "run" in [name for name, _ in pyogrio.list_layers(files["gpkg"])]
    # read back from every file of the export
    for key in ("run_json", "xlsx", "gpkg", "units_csv", "regions_csv", "units_geojson"):
        assert export.read_run(files[key]) == run, key
    for key in ("xlsx", "gpkg", "units_csv", "units_geojson"):
        back = read_plan(files[key])
        assert back.attrs["run"] == run, key
        assert back.to_dict() == export.plan_assignment(plan).to_dict()


def test_bare_assignments_and_scored_plans_have_no_run_record(tmp_path, land, plan):
    files = export_plan(plan, land, tmp_path / "a", formats=("csv", "xlsx", "gpkg"))
    assert "run_json" not in files and not (tmp_path / "a" / "plan_run.json").exists()
    assert export.read_run(files["xlsx"]) == {} == export.read_run(files["units_csv"])
    assert "run" not in read_plan(files["gpkg"]).attrs
    scored = export_plan(score_plan(land, plan), land, tmp_path / "b", formats=("xlsx",))
    assert pd.ExcelFile(scored["xlsx"]).sheet_names == ["units", "regions", "summary"]


def test_read_run_errors(tmp_path):
    with pytest.raises(DataNotFoundError, match="not found"):
        export.read_run(tmp_path / "nope_run.json")
    bad = tmp_path / "plan_run.json"
    bad.write_text("[1, 2]")
    with pytest.raises(InputError, match="holds list, expected a JSON object"):
        export.read_run(bad)
    bad.write_text("{not json")
    with pytest.raises(InputError, match="cannot be read"):
        export.read_run(bad)
    # a plan file beside a broken record still reads (without the record)
    (tmp_path / "plan_units.csv").write_text("code,region\nA,R01\n")
    assert "run" not in read_plan(tmp_path / "plan_units.csv").attrs


def test_atomic_failure_leaves_nothing(tmp_path, land, plan, monkeypatch):
    def broken(tmp, name, units, regions, plan, extras):
        (tmp / f"{name}.xlsx").write_text("half written")
        raise OSError("disk full")

    monkeypatch.setattr(export, "_write_xlsx", broken)
    target = tmp_path / "new"
    with pytest.raises(OSError, match="disk full"):
        export_plan(plan, land, target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary directory left either
    # an existing directory keeps exactly its old content
    old = tmp_path / "old"
    old.mkdir()
    (old / "plan_units.csv").write_text("old content")
    with pytest.raises(OSError):
        export_plan(plan, land, old)
    assert [p.name for p in old.iterdir()] == ["plan_units.csv"]
    assert (old / "plan_units.csv").read_text() == "old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]


def test_existing_directory_is_updated(tmp_path, land, plan):
    (tmp_path / "keep.txt").write_text("mine")
    (tmp_path / "plan_units.csv").write_text("stale")
    export_plan(plan, land, tmp_path, formats=["csv"])
    assert (tmp_path / "keep.txt").read_text() == "mine"
    assert read_plan(tmp_path / "plan_units.csv").to_dict() == plan.sort_index().to_dict()


def test_atomic_output_replaces_subdirectories(tmp_path):
    target = tmp_path / "t"
    with atomic_output(target) as tmp:
        (tmp / "sub").mkdir()
        (tmp / "sub" / "a").write_text("1")
    with atomic_output(target) as tmp:
        (tmp / "sub").mkdir()
        (tmp / "sub" / "b").write_text("2")
    assert [p.name for p in (target / "sub").iterdir()] == ["b"]


def test_bad_input(tmp_path, land, plan):
    with pytest.raises(InputError, match="unknown export format.*shp.*gpkg, csv, xlsx, geojson"):
        export_plan(plan, land, tmp_path, formats=["shp"])
    with pytest.raises(UnitCodeError, match="missing 1"):
        export_plan(plan.drop("r0c0"), land, tmp_path)
    with pytest.raises(InputError, match="file name stem"):
        export_plan(plan, land, tmp_path, name="a/b")
    assert list(tmp_path.iterdir()) == []


def test_read_plan_variants(tmp_path):
    (tmp_path / "a.csv").write_text("gemeente;regio_id\nGM1;X\nGM2;Y\n")
    assert read_plan(tmp_path / "a.csv", code="gemeente", region="regio_id").to_dict() == {
        "GM1": "X", "GM2": "Y"}
    # default: first column is the code, "region" column (anywhere) the region
    (tmp_path / "b.csv").write_text("unit,name,region\nB,bee,2\nA,aa,1\nA,aa,1\n")
    b = read_plan(tmp_path / "b.csv")
    assert b.to_dict() == {"A": "1", "B": "2"} and b.name == "region"
    (tmp_path / "c.csv").write_text("code,region\nA,1\nA,2\n")
    with pytest.raises(UnitCodeError, match="several regions"):
        read_plan(tmp_path / "c.csv")
    with pytest.raises(ColumnError, match="'zone'"):
        read_plan(tmp_path / "b.csv", region="zone")
    with pytest.raises(DataNotFoundError):
        read_plan(tmp_path / "missing.csv")
    (tmp_path / "d.json").write_text(json.dumps({"assignment": {"A": 1, "B": 1}}))
    assert read_plan(tmp_path / "d.json").to_dict() == {"A": "1", "B": "1"}


# ------------------------------------------------------------------ funds and notes
def test_funds_columns_add_up_exactly_and_are_recorded(tmp_path, land, plan):
    from rato_opt.assess.funds import FundsFormula, allocate

    formula = FundsFormula(base_per_region=1000.01, per_weight={"population": 3.33},
                           total=100_000)
    files = export_plan(plan, land, tmp_path / "out", funds=formula)
    alloc = allocate(plan, land, formula)
    regions = pd.read_csv(files["regions_csv"]).set_index("region")
    assert [c for c in regions.columns if c.startswith("funds_")] == [
        "funds_base", "funds_by_population", "funds_total"]
    cents = (regions["funds_total"] * 100).round().astype(int)
    assert cents.sum() == alloc.total_steps == 10_000_000  # exactly the budget
    parts = (regions[["funds_base", "funds_by_population"]] * 100).round().astype(int)
    assert (parts.sum(axis=1) == cents).all()
    assert regions.loc["top", "funds_total"] == alloc.table.at["top", "total"]
    gpkg = gpd.read_file(files["gpkg"], layer="regions").set_index("region")
    assert (gpkg["funds_total"] * 100).round().astype(int).sum() == 10_000_000
    funds = pd.read_csv(files["funds_csv"])
    assert list(funds.columns) == ["region", "name", "base", "by_population", "total"]
    assert sheet_names(files["xlsx"]) >= {"funds", "funds_units"}
    summary = json.loads(files["summary_json"].read_text())
    assert summary["funds"]["formula"]["per_weight"] == {"population": 3.33}
    assert summary["funds"]["total"] == 100_000
    facts = pd.read_excel(files["xlsx"], sheet_name="summary", dtype=str).set_index("key")
    assert facts.loc["funds.total", "value"] == "100000.0"
    assert read_plan(files["units_csv"]).to_dict() == plan.sort_index().to_dict()


def test_funds_go_into_the_run_record(tmp_path, solved):
    from rato_opt.assess.funds import FundsFormula

    land, plan = solved
    files = export_plan(plan, land, tmp_path / "out", formats=("xlsx",),
                        funds=FundsFormula(per_weight={"population": 1}))
    run = json.loads(files["run_json"].read_text())
    assert run["funds"]["formula"]["per_weight"] == {"population": 1}
    assert export.read_run(files["xlsx"])["funds"] == run["funds"]
    summary = json.loads(files["summary_json"].read_text())
    assert summary["plan"]["status"] == plan.status and summary["notes"] == {}


def test_notes_are_exported(tmp_path, land, plan):
    import dataclasses

    noted = dataclasses.replace(land, notes={"population": "estimated: from CBS age bands"})
    files = export_plan(plan, noted, tmp_path / "out", formats=("csv", "xlsx"))
    notes = pd.read_csv(files["notes_csv"])
    assert notes.to_dict("list") == {"key": ["population"],
                                     "note": ["estimated: from CBS age bands"]}
    sheet = pd.read_excel(files["xlsx"], sheet_name="notes")
    assert sheet["note"].tolist() == ["estimated: from CBS age bands"]
    facts = pd.read_excel(files["xlsx"], sheet_name="summary", dtype=str).set_index("key")
    assert facts.loc["notes.population", "value"].startswith("estimated")
    summary = json.loads(files["summary_json"].read_text())
    assert summary["notes"] == {"population": "estimated: from CBS age bands"}
    assert "funds" not in summary and "funds_csv" not in files


def test_export_allocation_change(tmp_path, land, plan):
    from rato_opt.assess.funds import FundsFormula, allocate, compare_allocations

    f = FundsFormula(per_weight={"population": 1}, total=1000)
    other = pd.Series({c: ("top" if c[1] == "0" else "bottom") for c in land.units.index})
    change = compare_allocations(allocate(plan, land, f), allocate(other, land, f))
    files = export.export_allocation_change(change, tmp_path / "cmp", name="ab")
    units = pd.read_csv(files["units_csv"])
    regions = pd.read_csv(files["regions_csv"])
    assert sorted(units["code"]) == sorted(c for c in land.units.index if c[1] == "1")
    assert round(regions["change"].sum(), 2) == 0.0
    assert {"total_a", "total_b", "gained", "lost"} <= set(regions.columns)
    with pytest.raises(InputError, match="AllocationChange"):
        export.export_allocation_change("x", tmp_path / "cmp")


def sheet_names(path) -> set[str]:
    return set(pd.ExcelFile(path).sheet_names)
