"""Region fact sheets (rato_opt.maps.factsheet): one A4 page per region, one PDF."""

from __future__ import annotations

import dataclasses
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import rato_opt.maps.factsheet as factsheet
from rato_opt.assess.funds import FundsFormula, allocate
from rato_opt.assess.plan import score_plan
from rato_opt.exceptions import InputError, LayerError
from rato_opt.maps.factsheet import region_factsheet, write_factsheets
from rato_opt.sources.synthetic import make_country


@pytest.fixture(scope="module")
def land():
    base = make_country(n_units=60, seed=1)
    return dataclasses.replace(base, notes={"pupils_po": "estimated: from population by age"})


@pytest.fixture(scope="module")
def amr(land):
    return land.layers["amr"].membership().set_index("unit")["collaboration"]


@pytest.fixture(scope="module")
def plan(land, amr):
    """The amr partition as a plan, with the status of a solver run that stopped early."""
    return dataclasses.replace(score_plan(land, amr, relabel=False), status="feasible",
                               gap=0.123)


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


def _pages(path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


def test_factsheet_is_one_a4_page_with_map_inset_tables(land, plan):
    alloc = allocate(plan, land, FundsFormula(base_per_region=1000, per_weight={"pupils_po": 2},
                                              total=100_000))
    fig = region_factsheet(plan, land, "AM01", reference="province", allocation=alloc)
    try:
        assert [round(x, 2) for x in fig.get_size_inches()] == [8.27, 11.69]
        gids = {ax.get_gid() for ax in fig.axes}
        assert {"map", "inset", "key", "members", "details"} <= gids
        the_map = next(ax for ax in fig.axes if ax.get_gid() == "map")
        bars = [a for a in the_map.artists if a.get_gid() == "scale_bar"]
        assert len(bars) == 1 and bars[0].txt_label.get_text().endswith("km")
        text = "\n".join(_texts(fig))
        assert "Status: haalbaar, gat 12,3 % tot de ondergrens" in text
        assert plan.regions.at["AM01", "name"] in text
        members = land.units.loc[plan.assignment == "AM01", "name"]
        assert all(name in text for name in members)  # the member table lists every one
        assert "Samenwerkingen: heel en gesplitst" in text
        assert "Verandering t.o.v. province" in text
        total = alloc.table.at["AM01", "total"]
        assert f"{total:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") in text
        assert "* geschat: pupils_po: from population by age" in text
        assert land.credit in text
    finally:
        plt.close(fig)


def test_factsheet_in_english_and_bare_assignment(land, amr):
    fig = region_factsheet(amr, land, "AM02", lang="en", layers=["sop"])
    try:
        text = "\n".join(_texts(fig))
        assert "Collaborations: kept whole and split" in text and "Status" not in text
        assert "SO&P partnerships" in text and "boards" not in text
    finally:
        plt.close(fig)


def test_write_factsheets_one_page_per_region(tmp_path, land, plan):
    out = write_factsheets(plan, land, tmp_path / "sheets" / "regios.pdf", reference="province")
    assert out == tmp_path / "sheets" / "regios.pdf"
    assert _pages(out) == plan.n_regions == 10
    assert sorted(p.name for p in out.parent.iterdir()) == ["regios.pdf"]
    two = write_factsheets(plan, land, tmp_path / "two.pdf", regions=["AM03", "AM01"])
    assert _pages(two) == 2


def test_write_factsheets_is_atomic(tmp_path, land, plan, monkeypatch):
    target = tmp_path / "regios.pdf"
    target.write_bytes(b"old")
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    real = factsheet.region_factsheet
    monkeypatch.setattr(factsheet, "region_factsheet", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_factsheets(plan, land, target)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["regios.pdf"]


def test_factsheet_bad_input(tmp_path, land, plan):
    with pytest.raises(InputError, match="not a region of the plan"):
        region_factsheet(plan, land, "XX")
    with pytest.raises(InputError, match=r"\.pdf"):
        write_factsheets(plan, land, tmp_path / "regios.png")
    with pytest.raises(LayerError, match="not a layer"):
        region_factsheet(plan, land, "AM01", reference="nope")
    with pytest.raises(InputError, match="regions"):
        write_factsheets(plan, land, tmp_path / "x.pdf", regions=["XX"])
    with pytest.raises(InputError, match="no regions"):
        region_factsheet(pd.Series(dtype=object), land, "AM01")
