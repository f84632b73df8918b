"""Finer units: refining a landscape, must-split units, mixed resolution."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import box

from rato_opt import Bound, Budget, Objective, RegionSpec, propose_regions, verify_plan
from rato_opt.exceptions import ColumnError, UnitCodeError
from rato_opt.landscape import Landscape, Layer, graph_from_landscape, validate_units
from rato_opt.landscape.resolution import (
    contract_adjacency,
    mixed_resolution,
    must_split,
    parent_layer,
    refine_landscape,
)

SIDE = 1000.0


def gemeente_grid() -> Landscape:
    """A 2 × 3 grid of gemeenten G0..G5 (2 km squares); G0 is large in population."""
    codes, geoms = [], []
    for r in range(2):
        for c in range(3):
            codes.append(f"G{r * 3 + c}")
            geoms.append(box(c * 2 * SIDE, r * 2 * SIDE, (c + 1) * 2 * SIDE, (r + 1) * 2 * SIDE))
    units = validate_units(gpd.GeoDataFrame(
        {"code": codes, "name": [f"Gem{i}" for i in range(6)],
         "population": [800, 100, 100, 100, 100, 100], "pupils": [80, 10, 10, 10, 10, 10]},
        geometry=geoms, crs="EPSG:28992"), code="code")
    boards = Layer.from_table(
        "boards",
        pd.DataFrame({"unit": ["G0", "G1", "G1", "G4"], "collaboration": ["b1", "b1", "b2", "b2"],
                      "pupils": [60, 5, 5, 10]}),
        units.index, weight_column="pupils")
    amr = Layer.from_partition("amr", {c: ("west" if c in ("G0", "G3") else "east")
                                       for c in codes})
    return Landscape(units, [boards, amr], name="grid")


def wijk_grid() -> gpd.GeoDataFrame:
    """Each gemeente cut into 2 × 2 wijken; ``kids`` uneven inside G0."""
    codes, parents, kids, geoms = [], [], [], []
    for g in range(6):
        r, c = divmod(g, 3)
        for i in range(2):
            for j in range(2):
                x, y = c * 2 * SIDE + j * SIDE, r * 2 * SIDE + i * SIDE
                codes.append(f"W{g}{i}{j}")
                parents.append(f"G{g}")
                kids.append(30.0 if (g == 0 and i == 0 and j == 0) else 10.0)
                geoms.append(box(x, y, x + SIDE, y + SIDE))
    pop = [200 if p == "G0" else 25 for p in parents]
    return validate_units(gpd.GeoDataFrame(
        {"code": codes, "gemeente": parents, "population": pop, "kids": kids},
        geometry=geoms, crs="EPSG:28992"), code="code", keep=["gemeente"])


def test_refine_distributes_and_labels_estimates():
    coarse = gemeente_grid()
    fine = refine_landscape(coarse, wijk_grid(), by="kids")
    units = fine.units
    # gemeente totals are kept exactly; inside G0 the split follows kids 30:10:10:10
    per = units.groupby("gemeente")["pupils"].sum()
    assert np.allclose(per.reindex(coarse.codes), coarse.units["pupils"])
    assert units.loc["W000", "pupils"] == pytest.approx(40.0)
    assert units.loc["W001", "pupils"] == pytest.approx(80 / 6)
    # its own population column is kept, not estimated
    assert units.loc["W000", "population"] == 200
    assert "population" not in fine.notes
    assert fine.notes["pupils"].startswith("estimated") and "kids" in fine.notes["pupils"]
    assert units.loc["W000", "gemeente_name"] == "Gem0"
    # memberships: inherited, membership weights split the same way
    m = fine.layers["boards"].membership()
    b1 = m[m["collaboration"] == "b1"].set_index("unit")["weight"]
    assert sorted(b1.index) == ["W000", "W001", "W010", "W011", "W100", "W101", "W110", "W111"]
    assert b1.sum() == pytest.approx(65.0)
    assert b1["W000"] == pytest.approx(30.0)
    assert fine.notes["boards"].startswith("estimated")
    assert fine.notes["amr"].startswith("memberships inherited")
    assert len(fine.layers["amr"].membership()) == 24


def test_refine_rejects_bad_parents():
    coarse = gemeente_grid()
    wijken = wijk_grid()
    with pytest.raises(ColumnError, match="'buurt'"):
        refine_landscape(coarse, wijken, parent="buurt")
    with pytest.raises(UnitCodeError, match="G5"):
        refine_landscape(coarse, wijken[wijken["gemeente"] != "G5"])
    odd = wijken.copy()
    odd.loc["W500", "gemeente"] = "G9"
    with pytest.raises(UnitCodeError, match="G9"):
        refine_landscape(coarse, odd)


def test_must_split_uses_absolute_limits_of_relative_bounds():
    coarse = gemeente_grid()
    spec = RegionSpec(k=3, bounds=(Bound("population", upper=1.5, relative=True),))
    table = must_split(coarse, spec)
    # total 1,300 / 3 regions × 1.5 = 650 < 800
    assert table.index.tolist() == ["G0"]
    assert table.loc["G0", "upper"] == pytest.approx(650.0)
    loose = RegionSpec(k=3, bounds=(Bound("population", upper=3, relative=True),))
    assert must_split(coarse, loose).empty


def test_mixed_resolution_contracts_the_fine_graph():
    coarse = gemeente_grid()
    fine = refine_landscape(coarse, wijk_grid(), by="kids")
    spec = RegionSpec(k=3, bounds=(Bound("population", upper=1.5, relative=True),))
    mixed = mixed_resolution(coarse, fine, spec=spec, refine=["G4"])
    codes = set(mixed.codes)
    assert {"G1", "G2", "G3", "G5"} <= codes and not {"G0", "G4"} & codes
    assert {"W000", "W011", "W400"} <= codes
    assert "G0" in mixed.notes["refined"] and "must split" in mixed.notes["refined"]
    assert "named by the planner" in mixed.notes["refined"]
    # whole gemeenten keep their exact weights and geometry; totals are unchanged
    assert mixed.units.loc["G1", "pupils"] == 10
    assert mixed.units["pupils"].sum() == pytest.approx(coarse.units["pupils"].sum())
    assert mixed.units.loc["G1", "gemeente"] == "G1"
    assert mixed.units.loc["W001", "gemeente_name"] == "Gem0"
    # adjacency: a wijk of G0 touches G1 only where its square does
    graph = graph_from_landscape(mixed)
    assert graph.has_edge("W001", "G1") and graph.has_edge("W011", "G1")
    assert not graph.has_edge("W000", "G1")
    assert graph.has_edge("G1", "G2") and graph.has_edge("W010", "G3")
    # contracting the mixed graph to gemeenten again gives the gemeente graph
    edges = mixed.adjacency
    back = contract_adjacency(edges, mixed.units["gemeente"])
    gemeente_graph = graph_from_landscape(coarse)
    assert {tuple(p) for p in back[["from_code", "to_code"]].values} == {
        tuple(sorted(e)) for e in gemeente_graph.edges()}
    # layer memberships: exact for whole gemeenten, estimated for the wijken
    m = mixed.layers["boards"].membership()
    assert m[(m["unit"] == "G1") & (m["collaboration"] == "b1")]["weight"].item() == 5
    assert m[m["collaboration"] == "b1"]["weight"].sum() == pytest.approx(65.0)


def test_mixed_resolution_rejects_unknown_codes():
    coarse = gemeente_grid()
    fine = refine_landscape(coarse, wijk_grid())
    with pytest.raises(UnitCodeError, match="GX"):
        mixed_resolution(coarse, fine, refine=["GX"])


def test_plan_on_mixed_map_verifies():
    coarse = gemeente_grid()
    fine = refine_landscape(coarse, wijk_grid(), by="kids")
    spec = RegionSpec(
        k=3, bounds=(Bound("population", lower=0.5, upper=1.5, relative=True),),
        objective=Objective(split=1, split_layers={"boards": 1}, compactness=0, alignment=0))
    with pytest.raises(Exception, match="G0"):
        propose_regions(coarse, spec, budget=Budget(seed=0, starts=2), time_limit=None)
    mixed = mixed_resolution(coarse, fine, spec=spec)
    plan = propose_regions(mixed, spec, budget=Budget(seed=0, starts=2), time_limit=None)
    assert plan.status in ("optimal", "feasible")
    assert verify_plan(mixed, plan.assignment, spec).ok
    assert set(plan.assignment.index) == set(mixed.codes)


def test_parent_layer_keeps_gemeenten_together_softly():
    coarse = gemeente_grid()
    fine = refine_landscape(coarse, wijk_grid(), by="kids")
    layer = parent_layer(fine)
    assert layer.n_collaborations == 6
    assert layer.collaborations.loc["G0", "name"] == "Gem0"
    soft = fine.with_layers(layer)
    spec = RegionSpec(
        k=3, bounds=(Bound("population", lower=0.5, upper=1.5, relative=True),),
        objective=Objective(split=1, split_layers={"gemeenten": 1}, compactness=0,
                            alignment=0))
    plan = propose_regions(soft, spec, budget=Budget(seed=0, starts=2), time_limit=None)
    assert verify_plan(soft, plan.assignment, spec).ok
    region_of = plan.assignment.groupby(soft.units["gemeente"]).nunique()
    # G0 must be split (800 > 650); the others can and do stay whole
    assert region_of["G0"] >= 2
    assert (region_of.drop("G0") == 1).all()


def test_map_of_finer_units_draws_gemeente_borders_and_says_what_is_estimated():
    from matplotlib.figure import Figure

    from rato_opt.maps.plan_maps import plot_regions

    coarse = gemeente_grid()
    fine = refine_landscape(coarse, wijk_grid(), by="kids")
    plan = pd.Series({c: ("R1" if g in ("G0", "G3") else "R2")
                      for c, g in fine.units["gemeente"].items()})
    ax = plot_regions(fine, plan, ax=Figure().subplots())
    gids = {c.get_gid() for c in ax.collections}
    assert "parent_outline" in gids
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "gemeentegrens" in labels
    assert any(label.startswith("geschat:") and "pupils" in label for label in labels)
    # the gemeente map itself: no extra outline
    ax = plot_regions(coarse, pd.Series({c: "R1" for c in coarse.codes}), ax=Figure().subplots())
    assert "parent_outline" not in {c.get_gid() for c in ax.collections}


def test_plan_on_mixed_map_exports_and_reads_back(tmp_path):
    from rato_opt.assess.plan import score_plan
    from rato_opt.workflow.export import export_plan, read_plan

    coarse = gemeente_grid()
    fine = refine_landscape(coarse, wijk_grid(), by="kids")
    mixed = mixed_resolution(coarse, fine, refine=["G0"])
    assignment = pd.Series({c: ("R1" if g in ("G0", "G3") else "R2")
                            for c, g in mixed.units["gemeente"].items()})
    plan = score_plan(mixed, assignment, RegionSpec(k=2))
    assert plan.verification.ok
    export_plan(plan, mixed, tmp_path, formats=("gpkg", "csv"))
    for path in (next(tmp_path.glob("*.gpkg")), next(tmp_path.glob("*_units.csv"))):
        back = read_plan(path)
        assert back.reindex(plan.assignment.index).tolist() == plan.assignment.tolist()
