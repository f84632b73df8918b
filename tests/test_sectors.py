"""Sector variants of landscapes and specs."""

from __future__ import annotations

import functools
import warnings

import matplotlib
import pytest
from conftest import grid_units, membership_table

from rato_opt import Landscape, Layer
from rato_opt.assess.metrics import objective_terms
from rato_opt.exceptions import ColumnError, InputError, LayerError
from rato_opt.spec import Bound, Objective, RegionSpec
from rato_opt.workflow.sectors import (
    SECTORS,
    Sector,
    get_sector,
    sector_landscape,
    sector_spec,
    sector_weight,
)

matplotlib.use("Agg")


@functools.lru_cache(maxsize=1)
def land() -> Landscape:
    """1 × 4 strip with pupils per sector and every kind of layer::

        r0c0 r0c1 r0c2 r0c3
    """
    units = grid_units(1, 4, weights={"pupils_po": [10, 20, 30, 40], "pupils_vo": [1, 2, 3, 4],
                                      "pupils_mbo": [5, 0, 5, 0]})
    codes = list(units.index)
    halves = {c: ("w" if i < 2 else "e") for i, c in enumerate(codes)}
    layers = [Layer.from_partition(name, halves)
              for name in ("rap_po", "rap_vo", "rap_so", "sop", "alliance", "amr")]
    return Landscape(units, layers, name="strip")


def test_sector_table():
    assert set(SECTORS) == {"po", "vo_mbo", "cross"}
    assert SECTORS["po"].weight == "pupils_po"
    assert SECTORS["vo_mbo"].columns == ("pupils_vo", "pupils_mbo")
    assert get_sector(SECTORS["cross"]) is SECTORS["cross"]
    with pytest.raises(InputError, match="choose one of"):
        get_sector("hbo")


def test_po_landscape_keeps_its_layers():
    po = sector_landscape(land(), "po")
    assert sorted(po.layers) == ["alliance", "amr", "rap_po", "sop"]
    assert "rap_vo" not in po.layers and "rap_so" not in po.layers
    assert list(po.units.columns) == list(land().units.columns)
    assert po.name == "strip [po]"


def test_vo_mbo_adds_a_summed_weight():
    vo = sector_landscape(land(), "vo_mbo")
    assert vo.units["pupils_vo_mbo"].tolist() == [6, 2, 8, 4]
    assert sorted(vo.layers) == ["alliance", "amr", "rap_vo", "sop"]
    assert "pupils_vo_mbo" not in land().units.columns  # the input is not changed
    assert list(vo.units.columns)[-1] == "geometry"


def test_cross_keeps_every_rap_layer():
    cross = sector_landscape(land(), "cross")
    assert cross.units["pupils_total"].tolist() == [16, 22, 38, 44]
    assert sorted(cross.layers) == ["alliance", "amr", "rap_po", "rap_so", "rap_vo", "sop"]
    assert SECTORS["cross"].layers_in(land()) == ["rap_po", "rap_so", "rap_vo", "sop"]


def test_missing_columns_and_layers_are_named():
    units = land().units.drop(columns="pupils_mbo")
    with pytest.raises(ColumnError, match=r"\['pupils_mbo'\]"):
        sector_landscape(Landscape(units, land().layers), "vo_mbo", missing_columns="raise")
    with pytest.raises(ColumnError, match=r"\['pupils_po'\]"):  # nothing to weigh with
        sector_landscape(Landscape(land().units.drop(columns="pupils_po"), land().layers), "po")
    no_rap = land().select(["sop", "amr"])
    with pytest.raises(LayerError, match=r"\['rap_po', 'alliance'\]"):
        sector_landscape(no_rap, "po")
    assert sorted(sector_landscape(no_rap, "po", strict=False).layers) == ["amr", "sop"]


def test_sector_spec_sets_objective():
    base = RegionSpec(k=2, bounds=[Bound("pupils_po", upper=100)],
                      objective=Objective(split_layers={"sop": 0.5, "rap_vo": 3.0}))
    spec = sector_spec(base, "po")
    assert spec.objective.split_by == "pupils_po"
    assert spec.objective.split_layers == {"rap_po": 1.0, "sop": 0.5}
    assert spec.objective.alliance_layer == "alliance"
    assert spec.k == 2 and spec.bounds == base.bounds
    cross = sector_spec(RegionSpec(), "cross", land())
    assert cross.objective.split_layers == {"rap_po": 1.0, "rap_so": 1.0, "rap_vo": 1.0, "sop": 1.0}
    assert sector_spec(RegionSpec(), "cross").objective.split_layers == {
        "rap_po": 1.0, "rap_vo": 1.0, "sop": 1.0}
    custom = Sector("so", ("pupils_po",), "pupils_po", ("rap_so",), alliance_layer="x")
    assert sector_spec(RegionSpec(), custom, land()).objective.alliance_layer is None


def test_sector_variants_score():
    """Plan r0c0 | r0c1 r0c2 r0c3: rap_vo 'w' = {r0c0 (6), r0c1 (2)} loses 2 of 8 vo+mbo
    pupils; sop likewise; 'e' (12) is whole. split = 2/20 + 2/20 over the two layers."""
    vo = sector_landscape(land(), "vo_mbo")
    spec = sector_spec(RegionSpec(objective=Objective(alliance=1.0, alliance_layer="alliance")),
                       "vo_mbo", vo)
    codes = list(vo.codes)
    plan = {codes[0]: "A", codes[1]: "B", codes[2]: "B", codes[3]: "B"}
    terms = objective_terms(vo, plan, spec)
    assert terms["split"] == pytest.approx(2 / 20 + 2 / 20)
    # alliance: region A = {r0c0} in 'w'; B = {r0c1 (w), r0c2, r0c3 (e)}: 2 of 14 outside
    assert terms["alliance"] == pytest.approx(2 / 20)


def test_missing_column_warns_and_is_recorded():
    """Without mbo pupils the vo_mbo weight is vo only, and says so (not silently)."""
    no_mbo = Landscape(land().units.drop(columns="pupils_mbo"), land().layers, name="strip")
    with pytest.warns(UserWarning, match=r"lack \['pupils_mbo'\].*vo only, no mbo data"):
        vo = sector_landscape(no_mbo, "vo_mbo")
    assert vo.units["pupils_vo_mbo"].tolist() == [1, 2, 3, 4]
    assert vo.name == "strip [vo_mbo: vo only, no mbo data]"
    w = sector_weight(no_mbo, "vo_mbo")
    assert (w.column, w.parts, w.missing) == ("pupils_vo_mbo", ("pupils_vo",), ("pupils_mbo",))
    cross = sector_weight(no_mbo, "cross")
    assert cross.note == "po + vo only, no mbo data"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing missing: no warning, no note
        assert sector_landscape(land(), "vo_mbo").name == "strip [vo_mbo]"
        assert sector_weight(land(), "po").note == ""
    with pytest.raises(InputError, match="missing_columns"):
        sector_landscape(land(), "po", missing_columns="ignore")


@functools.lru_cache(maxsize=1)
def board_land() -> Landscape:
    """The strip with only school-board layers, as on the real map::

        boards     p1 = {r0c0, r0c1}   p2 = {r0c1, r0c2, r0c3}
        vo_boards  v1 = {r0c0, r0c1, r0c2, r0c3}
    """
    codes = list(land().codes)
    pairs = [(codes[0], "p1"), (codes[1], "p1"), (codes[1], "p2"), (codes[2], "p2"),
             (codes[3], "p2")]
    boards = Layer.from_table("boards", membership_table(pairs), land().units)
    vo = Layer.from_partition("vo_boards", dict.fromkeys(codes, "v1"), kind="school board (vo)")
    amr = land().layers["amr"]
    return Landscape(land().units, [boards, vo, amr], name="boards strip")


def test_board_layers_stand_in_for_policy_layers():
    po = sector_landscape(board_land(), "po")
    assert sorted(po.layers) == ["amr", "boards"]
    vo = sector_landscape(board_land(), "vo_mbo")
    assert sorted(vo.layers) == ["amr", "vo_boards"]
    cross = sector_landscape(board_land(), "cross")
    assert sorted(cross.layers) == ["amr", "boards", "vo_boards"]
    assert SECTORS["cross"].layers_in(board_land()) == ["boards", "vo_boards"]
    spec = sector_spec(RegionSpec(), "vo_mbo", vo)
    assert spec.objective.split_layers == {"vo_boards": 1.0}
    assert spec.objective.alliance_layer is None
    # neither the policy layers nor the board layers: the error names both
    with pytest.raises(LayerError, match=r"\['rap_vo', 'sop', 'alliance'\].*\['vo_boards'\]"):
        sector_landscape(board_land().select(["boards", "amr"]), "vo_mbo")
    # the synthetic landscape (no board layers) keeps its layers as before
    assert SECTORS["po"].layers_in(land()) == ["rap_po", "sop"]
    # policy and board layers together: po keeps its own of both kinds
    both = Landscape(land().units, [*land().layers.values(), board_land().layers["boards"],
                                    board_land().layers["vo_boards"]], name="both")
    assert sorted(sector_landscape(both, "po").layers) == [
        "alliance", "amr", "boards", "rap_po", "sop"]
    assert sector_spec(RegionSpec(), "po", both).objective.split_layers == {
        "boards": 1.0, "rap_po": 1.0, "sop": 1.0}


@pytest.mark.realdata
def test_real_map_sectors(real_data):
    """The real map: boards for po, vo_boards for vo_mbo, both for cross; no mbo pupils."""
    from rato_opt.sources.nl2024 import load_nl_2024

    with pytest.warns(UserWarning, match="DUO vo data: left out"):
        real = load_nl_2024(real_data, layers=("amr", "boards", "vo_boards"))
    with pytest.warns(UserWarning, match="no mbo data"):
        vo = sector_landscape(real, "vo_mbo")
    assert sorted(vo.layers) == ["amr", "vo_boards"]
    assert vo.units["pupils_vo_mbo"].equals(vo.units["pupils_vo"].rename("pupils_vo_mbo"))
    assert vo.units["pupils_vo_mbo"].sum() == pytest.approx(953_143)
    assert vo.name.endswith("[vo_mbo: vo only, no mbo data]")
    assert "DUO VO 2019/2020" in vo.credit
    po = sector_landscape(real, "po")
    assert sorted(po.layers) == ["amr", "boards"] and po.name.endswith("[po]")
    with pytest.warns(UserWarning, match="po \\+ vo only, no mbo data"):
        cross = sector_landscape(real, "cross")
    assert sorted(cross.layers) == ["amr", "boards", "vo_boards"]
    total = real.units["pupils_po"] + real.units["pupils_vo"]
    assert cross.units["pupils_total"].tolist() == total.tolist()
    spec = sector_spec(RegionSpec(k=35), "cross", cross)
    assert spec.objective.split_by == "pupils_total"
    assert spec.objective.split_layers == {"boards": 1.0, "vo_boards": 1.0}
