"""The optional scenario tables: [funds], [output], [proposals], [alternatives], [tradeoff]."""

from __future__ import annotations

import pytest

from rato_opt.assess.funds import FundsFormula
from rato_opt.exceptions import ScenarioError
from rato_opt.workflow.scenario import Scenario, load_scenario
from rato_opt.workflow.scenario_extras import (
    AlternativeSettings,
    OutputSettings,
    ProposalSettings,
    TradeoffSettings,
    check_extra_names,
)
from rato_opt.workflow.scenario_toml import loads_toml

EXTRAS = {
    "funds": {"base_per_region": 1000, "per_weight": {"pupils_po": 12.5}, "total": 100000,
              "step": 0.01},
    "output": {"factsheets": True, "factsheet_reference": "amr", "maps": ["png"],
               "formats": ["csv"]},
    "proposals": {"table": "proposals.csv", "boards": "boards", "accepted": ["P1", "P2"],
                  "weight": 5.0},
    "alternatives": {"n": 4, "within": 0.1, "distance": "ari", "min_distance": 0.2,
                     "steps": 300},
    "tradeoff": {"terms": ["compactness", "split"], "weights": [[0.2, 0.8], [1, 1]]},
}


def test_sections_parse_into_frozen_values():
    s = Scenario.from_dict({"k": 4, **EXTRAS})
    assert s.funds == FundsFormula(base_per_region=1000.0, per_weight={"pupils_po": 12.5},
                                   total=100000.0)
    assert s.output == OutputSettings(True, "amr", ("png",), ("csv",))
    assert s.proposals == ProposalSettings("proposals.csv", "boards", ("P1", "P2"), 5.0)
    assert s.alternatives == AlternativeSettings(4, 0.1, "ari", 0.2, 300)
    assert s.tradeoff == TradeoffSettings(("compactness", "split"), ((0.2, 0.8), (1.0, 1.0)))
    with pytest.raises(AttributeError):
        s.output.factsheets = False  # frozen


def test_absent_sections_are_none_and_not_written():
    s = Scenario(k=3)
    assert (s.funds, s.output, s.proposals, s.alternatives, s.tradeoff) == (None,) * 5
    assert not set(s.to_dict()) & set(EXTRAS)


def test_round_trip_through_dict_and_toml(tmp_path):
    s = Scenario.from_dict({"name": "x", "k": 4, **EXTRAS})
    assert Scenario.from_dict(s.to_dict()) == s
    text = s.to_toml(tmp_path / "x.toml")
    assert Scenario.from_dict(loads_toml(text)) == s
    back = load_scenario(tmp_path / "x.toml")
    assert back == s and back.to_toml() == text


def test_defaults_of_each_section():
    s = Scenario.from_dict({"k": 3, "output": {}, "alternatives": {}, "tradeoff": {},
                            "funds": {}, "proposals": {"table": "p.csv"}})
    assert s.output == OutputSettings() and s.output.maps == ("pdf", "png")
    assert s.alternatives == AlternativeSettings(n=3, within=0.05, distance="units_moved")
    assert s.tradeoff.kwargs() == {"terms": ("alignment", "split"), "weights": None,
                                   "n_points": 5}
    assert s.funds == FundsFormula()
    assert s.proposals.weight == 10.0 and s.proposals.accepted == ()
    assert Scenario.from_dict(s.to_dict()) == s


def test_replace_merges_sections():
    s = Scenario.from_dict({"k": 3, "tradeoff": {"weights": [[0.1, 0.9]]}})
    t = s.replace(tradeoff={"weights": None, "n_points": 3})
    assert t.tradeoff.weights is None and t.tradeoff.n_points == 3
    u = s.replace(funds={"per_weight": {"population": 0.5}})
    assert u.funds.per_weight == {"population": 0.5} and u.tradeoff == s.tradeoff


@pytest.mark.parametrize("raw, field, allowed", [
    ({"funds": {"base_per_region": -1}}, "funds.base_per_region", ">= 0"),
    ({"funds": {"per_weight": {"pupils_po": "x"}}}, "funds.per_weight.pupils_po", "number"),
    ({"funds": {"per_weight": 3}}, "funds.per_weight", "a table"),
    ({"funds": {"base_per_region": 1, "total": 10.005}}, "funds.total", "whole number of steps"),
    ({"funds": {"total": 100}}, "funds.total", "gives nothing"),
    ({"funds": {"step": 0}}, "funds.step", "> 0"),
    ({"funds": {"rate": 1}}, "funds.rate", "allowed fields"),
    ({"output": {"factsheets": "yes"}}, "output.factsheets", "true or false"),
    ({"output": {"maps": ["jpg"]}}, "output.maps[0]", "'pdf', 'png', 'svg'"),
    ({"output": {"maps": []}}, "output.maps", "at least one"),
    ({"output": {"formats": ["shp"]}}, "output.formats[0]", "'gpkg'"),
    ({"proposals": {}}, "proposals.table", "CSV/XLSX"),
    ({"proposals": {"table": "p.csv", "accepted": ["A", "A"]}}, "proposals.accepted", "twice"),
    ({"proposals": {"table": "p.csv", "weight": 0}}, "proposals.weight", "> 0"),
    ({"alternatives": {"n": 0}}, "alternatives.n", ">= 1"),
    ({"alternatives": {"within": -0.1}}, "alternatives.within", ">= 0"),
    ({"alternatives": {"distance": "hamming"}}, "alternatives.distance", "'units_moved', 'ari'"),
    ({"alternatives": {"distance": "ari", "min_distance": 3}}, "alternatives.min_distance",
     "<= 2"),
    ({"alternatives": {"steps": 0}}, "alternatives.steps", ">= 1"),
    ({"tradeoff": {"terms": ["alignment"]}}, "tradeoff.terms", "two different"),
    ({"tradeoff": {"terms": ["split", "split"]}}, "tradeoff.terms", "two different"),
    ({"tradeoff": {"terms": ["split", "beauty"]}}, "tradeoff.terms[1]", "'compactness'"),
    ({"tradeoff": {"weights": [[0.1, 0.9], [0, 0]]}}, "tradeoff.weights[1]", "not both 0"),
    ({"tradeoff": {"weights": []}}, "tradeoff.weights", "non-empty"),
    ({"tradeoff": {"weights": [[0.5, 0.5]], "n_points": 3}}, "tradeoff.n_points", "one of both"),
    ({"tradeoff": {"n_points": 0}}, "tradeoff.n_points", ">= 1"),
    ({"tradeoff": 3}, "tradeoff", "a table"),
])
def test_invalid_values_name_the_field(raw, field, allowed):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict({"k": 3, **raw})
    message = str(info.value)
    assert repr(field) in message and allowed in message


def test_python_construction_is_validated_too():
    with pytest.raises(ScenarioError, match="'alternatives.n'"):
        Scenario(k=3, alternatives={"n": -1})
    assert Scenario(k=3, output=OutputSettings(factsheets=True)).output.factsheets


def test_proposal_table_path_is_made_absolute_in_extends(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "base.toml").write_text('k = 3\n[proposals]\ntable = "p.csv"\n')
    (tmp_path / "sub" / "child.toml").write_text('extends = "../base.toml"\n')
    s = load_scenario(tmp_path / "sub" / "child.toml")
    assert s.resolve(s.proposals.table) == (tmp_path / "p.csv").resolve()


def test_names_checked_against_landscape():
    from rato_opt.sources.synthetic import make_country

    land = make_country(n_units=60, seed=1)
    ok = Scenario(k=3, funds={"per_weight": {"population": 1}},
                  output={"factsheet_reference": "amr"})
    check_extra_names(ok, land)
    for raw, field in (({"funds": {"per_weight": {"pupils_x": 1}}}, "funds.per_weight.pupils_x"),
                       ({"output": {"factsheet_reference": "gm"}}, "output.factsheet_reference"),
                       ({"proposals": {"table": "p.csv", "boards": "besturen"}},
                        "proposals.boards")):
        with pytest.raises(ScenarioError, match=repr(field)):
            check_extra_names(Scenario.from_dict({"k": 3, **raw}), land)
