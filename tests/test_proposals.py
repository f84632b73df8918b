"""Proposals as an input layer and their national overview (conflicts, gaps, rule breaks)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from conftest import grid_units
from shapely import box

from rato_opt import Landscape, Layer
from rato_opt.assess.proposals import Proposals, bound_breaks, check_proposals
from rato_opt.exceptions import ColumnError, InputError, LayerError, UnitCodeError
from rato_opt.sources.synthetic import make_country
from rato_opt.sources.synthetic_proposals import SYNTHETIC_KIND, synthetic_proposals
from rato_opt.spec import Bound, RegionSpec


@pytest.fixture(scope="module")
def grid():
    """4 x 4 grid, population 1 per unit."""
    units = grid_units(4, 4, weights={"population": [1] * 16})
    return Landscape(units, [])


def table(claims: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(p, u) for p, units in claims.items() for u in units]
    return pd.DataFrame(rows, columns=["proposal", "unit"])


QUADRANTS = {
    "A": ["r0c0", "r0c1", "r1c0", "r1c1"],
    "B": ["r0c2", "r0c3", "r1c2", "r1c3", "r1c1"],  # r1c1: a conflict with A
    "C": ["r2c0", "r2c1", "r3c0", "r3c1"],
    "D": ["r2c2", "r2c3", "r3c2"],  # r3c3: a gap
}


def test_from_table_members_names_and_round_trip(grid):
    t = table(QUADRANTS)
    t["title"] = t["proposal"].map(lambda p: f"Voorstel {p}")
    p = Proposals.from_table(t, grid, name="title")
    assert p.ids.tolist() == ["A", "B", "C", "D"]
    assert p.names["B"] == "Voorstel B"
    assert p.members()["D"] == ["r2c2", "r2c3", "r3c2"]
    again = Proposals.from_table(p.to_table(), grid, name="name")
    assert again.members() == p.members()
    assert p.layer.kind == "proposal" and p.source == "table"


def test_conflicts_gaps_and_a_clean_report(grid):
    r = check_proposals(Proposals.from_table(table(QUADRANTS), grid), grid)
    assert r.conflicts.index.tolist() == ["r1c1"]
    assert r.conflicts.loc["r1c1", "claimants"] == "A, B"
    assert r.conflicts.loc["r1c1", "n_claimants"] == 2
    assert r.gaps.index.tolist() == ["r3c3"]
    assert r.gaps.loc["r3c3", "neighbours"] == "D"
    assert r.proposals.loc["B", "contested"] == 1 and r.proposals.loc["C", "ok"]
    assert not r.ok
    text = r.summary()
    assert "r1c1): A, B" in text and "Gaps (witte vlekken): 1 unit(s)" in text
    clean = {k: v for k, v in QUADRANTS.items()}
    clean["B"] = clean["B"][:-1]
    clean["D"] = clean["D"] + ["r3c3"]
    assert check_proposals(Proposals.from_table(table(clean), grid), grid).ok


def test_a_proposal_in_pieces_is_listed_with_its_pieces(grid):
    claims = {"A": ["r0c0", "r0c1", "r3c3"], "B": ["r2c0"]}
    r = check_proposals(Proposals.from_table(table(claims), grid), grid)
    assert not r.proposals.loc["A", "contiguous"] and r.proposals.loc["A", "pieces"] == 2
    pieces = r.pieces[r.pieces["proposal"] == "A"]
    assert pieces["units"].tolist() == ["r0c0, r0c1", "r3c3"]
    assert pieces["piece"].tolist() == [1, 2]
    assert "Not contiguous: 1 proposal(s)" in r.summary()


def test_bounds_value_against_limit(grid):
    spec = RegionSpec(k=4, bounds=[Bound("population", 0.75, 1.25, relative=True)])
    claims = {"A": [f"r{r}c{c}" for r in range(2) for c in range(4)], "B": ["r2c0", "r2c1"],
              "C": ["r2c2", "r2c3", "r3c2", "r3c3"], "D": ["r3c0", "r3c1"]}
    r = check_proposals(Proposals.from_table(table(claims), grid), grid, spec)
    rows = r.bounds.set_index("proposal")
    assert rows.loc["A", "breach"] == "above upper bound"
    assert rows.loc["A", "value"] == 8 and rows.loc["A", "upper"] == 5
    assert rows.loc["B", "breach"] == "below lower bound" and rows.loc["B", "lower"] == 3
    assert "C" not in rows.index and r.proposals.loc["C", "within_bounds"]
    assert "population 8 > upper bound 5" in r.summary()
    # relative bounds use the number of proposals when the spec has no k
    loose = RegionSpec(bounds=[Bound("population", upper=2.0, relative=True)])
    assert bound_breaks(grid, claims, loose, k=4).empty


def test_units_bound(grid):
    spec = RegionSpec(max_units=3)
    r = check_proposals(Proposals.from_table(table(QUADRANTS), grid), grid, spec)
    assert set(r.bounds["proposal"]) == {"A", "B", "C"}
    assert set(r.bounds["column"]) == {"units"}


def test_bad_tables_say_what_to_fix(grid):
    with pytest.raises(UnitCodeError, match=r"r0c00.*did you mean .r0c0"):
        Proposals.from_table(table({"A": ["r0c0", "r0c00"]}), grid)
    with pytest.raises(ColumnError, match="gemeente"):
        Proposals.from_table(table(QUADRANTS), grid, unit="gemeente")
    with pytest.raises(InputError, match="empty"):
        Proposals.from_table(pd.DataFrame({"proposal": [None], "unit": ["r0c0"]}), grid)
    with pytest.raises(InputError, match="no rows"):
        Proposals.from_table(pd.DataFrame({"proposal": [], "unit": []}), grid)
    with pytest.raises(InputError, match="DataFrame"):
        Proposals.from_table({"A": ["r0c0"]}, grid)


def test_a_gemeente_name_instead_of_a_code_is_recognised():
    land = make_country(n_units=60, seed=1)
    with pytest.raises(UnitCodeError, match="'Eesenveen' is the name of SU0001"):
        Proposals.from_table(table({"A": ["Eesenveen"]}), land)


def test_board_proposals_resolve_to_units_and_report_boards_claimed_twice():
    land = make_country(n_units=60, seed=1)
    sop = land.layers["sop"].members()
    t = pd.DataFrame({"proposal": ["P1", "P1", "P2", "P2"],
                      "board": ["SOP01", "SOP02", "SOP02", "SOP03"]})
    p = Proposals.from_boards(t, land, layer="sop")
    assert p.members()["P1"] == sorted(set(sop["SOP01"]) | set(sop["SOP02"]))
    r = check_proposals(p, land)
    assert r.board_conflicts.index.tolist() == ["SOP02"]
    assert r.board_conflicts.loc["SOP02", "claimants"] == "P1, P2"
    assert set(sop["SOP02"]) <= set(r.conflicts.index)
    assert "Board conflicts: 1 board(s)" in r.summary()
    with pytest.raises(LayerError, match="SOP99"):
        Proposals.from_boards(pd.DataFrame({"proposal": ["P"], "board": ["SOP99"]}), land,
                              layer="sop")
    with pytest.raises(LayerError, match="not in the landscape"):
        Proposals.from_boards(t, land, layer="besturen")


def test_board_claim_strength_is_the_boards_weight():
    units = grid_units(1, 2, weights={"population": [1, 1]})
    boards = Layer.from_table("boards", pd.DataFrame(
        {"unit": ["r0c0", "r0c1", "r0c1"], "collaboration": ["b1", "b1", "b2"],
         "pupils": [100, 5, 0]}), units, weight_column="pupils")
    land = Landscape(units, [boards])
    p = Proposals.from_boards(pd.DataFrame({"proposal": ["X", "Y"], "board": ["b1", "b2"]}),
                              land)
    claims = p.claims().set_index(["proposal", "unit"])["strength"]
    assert claims[("X", "r0c0")] == 100 and claims[("X", "r0c1")] == 5
    # b2 has no pupils anywhere: its memberships stand
    assert p.members()["Y"] == ["r0c1"]


def test_polygon_proposals():
    units = grid_units(2, 2, weights={"population": [1] * 4})
    land = Landscape(units, [])
    polys = gpd.GeoDataFrame({"proposal": ["W", "O"]},
                             geometry=[box(0, 0, 1100, 2000), box(900, 0, 2000, 2000)],
                             crs="EPSG:28992")
    p = Proposals.from_polygons(polys, land)
    assert p.members() == {"O": ["r0c1", "r1c1"], "W": ["r0c0", "r1c0"]}
    assert check_proposals(p, land).ok


def test_synthetic_proposals_are_labelled_and_deterministic():
    land = make_country(n_units=60, seed=1)
    a = synthetic_proposals(land, seed=4, conflicts=3, gaps=2)
    b = synthetic_proposals(land, seed=4, conflicts=3, gaps=2)
    assert a.kind == SYNTHETIC_KIND
    assert a.collaborations["name"].str.endswith("(synthetisch)").all()
    assert a.collaborations["name"].str.startswith("Voorstel ").all()
    assert a.members() == b.members()
    r = check_proposals(Proposals.from_layer(a), land)
    assert len(r.conflicts) == 3 and len(r.gaps) == 2
    assert a.n_collaborations == land.layers["amr"].n_collaborations
    other = synthetic_proposals(land, seed=5, conflicts=3, gaps=2)
    assert other.members() != a.members()
    fewer = synthetic_proposals(land, k=6, conflicts=0, gaps=0)
    assert fewer.n_collaborations == 6 and (fewer.count() == 1).all()
    with pytest.raises(InputError, match="between 1 and"):
        synthetic_proposals(land, k=99)
    with pytest.raises(LayerError, match="not a partition"):
        synthetic_proposals(land, base="sop")
