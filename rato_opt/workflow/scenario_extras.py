"""The optional tables of a scenario about what is made of a plan: funds, output, proposals,
alternatives and a trade-off curve.

A scenario without these tables solves one plan and exports it. With them
:func:`rato_opt.workflow.run.run_scenario` also

- ``[funds]`` -- divides funds over the regions (a
  :class:`~rato_opt.assess.funds.FundsFormula`: a base per region plus rates per
  weight column, an exact ``total``) and exports them with the plan;
- ``[output]`` -- chooses the export and map formats and writes the region fact
  sheets (``factsheets.pdf``);
- ``[proposals]`` -- reads the regions' own proposals, reports conflicts, gaps and
  rule breaks and completes them into the plan
  (:func:`rato_opt.optimize.completion.complete_proposals`);
- ``[alternatives]`` -- finds distinct plans nearly as good as the best
  (:func:`rato_opt.optimize.alternatives.alternatives`);
- ``[tradeoff]`` -- scans the weights of two objective terms
  (:func:`rato_opt.workflow.tradeoff.tradeoff`).

.. code-block:: toml

    [funds]
    base_per_region = 250000.0        # every region
    per_weight = { pupils_po = 12.5 } # amount per unit of a weight column
    total = 10000000.0                # optional: distribute exactly this (whole steps)
    step = 0.01                       # currency step (cents)

    [output]
    factsheets = true                 # factsheets.pdf: one A4 page per region
    factsheet_reference = "amr"       # layer to compare with (default objective.reference)
    maps = ["pdf", "png"]             # map formats ("pdf", "png", "svg")
    formats = ["gpkg", "csv", "xlsx", "geojson"]   # plan export formats

    [proposals]
    table = "proposals.csv"           # proposal, unit [, name]  (or proposal, board)
    # boards = "boards"               # the table lists school boards of this layer
    accepted = ["P03"]                # proposals locked as submitted
    weight = 10.0                     # weight of keeping a proposal whole

    [alternatives]
    n = 3                             # plans, the best included
    within = 0.05                     # objective at most 5% above the best
    distance = "units_moved"          # or "ari" (1 - adjusted Rand index)
    # min_distance = 10               # default 5% of the units (0.05 for "ari")
    # steps = 2000                    # walk proposals per phase (default solver.recom_steps)

    [tradeoff]
    terms = ["alignment", "split"]    # x and y of the curve
    weights = [[0.1, 0.9], [0.5, 0.5], [0.9, 0.1]]   # or: n_points = 5

Every invalid value raises :class:`~rato_opt.exceptions.ScenarioError` naming the field
(``funds.total``, ``tradeoff.weights[1]``), like the other tables.

Examples
--------
>>> extras = parse_extras({"funds": {"base_per_region": 100, "total": 1000},
...                        "tradeoff": {"n_points": 3}})
>>> extras["funds"].total, extras["tradeoff"].terms, extras["output"]
(1000.0, ('alignment', 'split'), None)
>>> parse_extras({"alternatives": {"distance": "hamming"}})
Traceback (most recent call last):
...
rato_opt.exceptions.ScenarioError: scenario field 'alternatives.distance': got 'hamming'; expected one of 'units_moved', 'ari'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from ..assess.funds import FundsFormula
from ..exceptions import RatoOptError, ScenarioError
from ..optimize.alternatives import DISTANCES
from ..spec import TERMS
from .export import FORMATS
from .scenario_fields import (
    check_bool,
    check_float,
    check_int,
    check_keys,
    check_path,
    check_str,
    check_str_list,
    check_table,
    fail,
    is_number,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..landscape.coverage import Landscape

__all__ = [
    "OutputSettings",
    "ProposalSettings",
    "AlternativeSettings",
    "TradeoffSettings",
    "EXTRA_KEYS",
    "MAP_CHOICES",
    "parse_extras",
    "check_extra_names",
]

#: Map formats ``output.maps`` allows.
MAP_CHOICES = ("pdf", "png", "svg")


@dataclass(frozen=True)
class OutputSettings:
    """What a run writes besides the plan (``[output]``).

    ``factsheet_reference`` None compares every region with ``objective.reference``
    (when set).
    """

    factsheets: bool = False
    factsheet_reference: str | None = None
    maps: tuple[str, ...] = ("pdf", "png")
    formats: tuple[str, ...] = FORMATS


@dataclass(frozen=True)
class ProposalSettings:
    """Regions' own proposals to complete into the plan (``[proposals]``)."""

    table: str
    boards: str | None = None
    accepted: tuple[str, ...] = ()
    weight: float = 10.0


@dataclass(frozen=True)
class AlternativeSettings:
    """Distinct plans nearly as good as the best (``[alternatives]``)."""

    n: int = 3
    within: float = 0.05
    distance: str = "units_moved"
    min_distance: float | None = None
    steps: int | None = None


@dataclass(frozen=True)
class TradeoffSettings:
    """A scan of the weights of two objective terms (``[tradeoff]``).

    ``weights`` None scans ``n_points`` ratios (default 5,
    :func:`rato_opt.workflow.tradeoff.scan_weights`).
    """

    terms: tuple[str, str] = ("alignment", "split")
    weights: tuple[tuple[float, float], ...] | None = None
    n_points: int | None = None

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments ``terms``, ``weights``, ``n_points`` for ``tradeoff``."""
        return {"terms": self.terms, "weights": self.weights,
                "n_points": 5 if self.n_points is None else self.n_points}


# ------------------------------------------------------------------ parsers
def parse_funds(raw: Mapping[str, Any], p: str) -> FundsFormula:
    """``[funds]``, as a :class:`~rato_opt.assess.funds.FundsFormula`."""
    per = raw.get("per_weight", {})
    if not isinstance(per, Mapping):
        raise fail(f"{p}.per_weight", per, "a table column = amount per unit of weight, "
                                           "e.g. { pupils_po = 12.5 }")
    kw = {
        "base_per_region": check_float(raw.get("base_per_region", 0.0),
                                       f"{p}.base_per_region"),
        "per_weight": {str(k): check_float(v, f"{p}.per_weight.{k}") for k, v in per.items()},
        "total": check_float(raw.get("total"), f"{p}.total", nullable=True),
        "step": check_float(raw.get("step", 0.01), f"{p}.step", strict=True),
    }
    try:
        return FundsFormula(**kw)
    except RatoOptError as err:
        field = "total" if "total" in str(err) else "base_per_region"
        raise ScenarioError(f"scenario field '{p}.{field}': {err}") from err


def _formats(v: Any, path: str, choices: tuple[str, ...], default: tuple[str, ...]
             ) -> tuple[str, ...]:
    values = check_str_list(default if v is None else v, path)
    if not values:
        raise fail(path, v, "at least one of " + ", ".join(repr(c) for c in choices))
    for i, x in enumerate(values):
        check_str(x, f"{path}[{i}]", choices=choices)
    return values


def parse_output(raw: Mapping[str, Any], p: str) -> OutputSettings:
    """``[output]``."""
    return OutputSettings(
        factsheets=check_bool(raw.get("factsheets", False), f"{p}.factsheets"),
        factsheet_reference=check_str(raw.get("factsheet_reference"),
                                      f"{p}.factsheet_reference", nullable=True),
        maps=_formats(raw.get("maps"), f"{p}.maps", MAP_CHOICES, ("pdf", "png")),
        formats=_formats(raw.get("formats"), f"{p}.formats", FORMATS, FORMATS),
    )


def parse_proposals(raw: Mapping[str, Any], p: str) -> ProposalSettings:
    """``[proposals]``."""
    if "table" not in raw:
        raise fail(f"{p}.table", None, "the path of a CSV/XLSX table with columns proposal, "
                                       "unit (or proposal, board with boards = ...)")
    accepted = check_str_list(raw.get("accepted", []), f"{p}.accepted")
    if len(set(accepted)) != len(accepted):
        raise fail(f"{p}.accepted", list(accepted), "different proposal ids (one is listed twice)")
    return ProposalSettings(
        table=check_path(raw["table"], f"{p}.table", nullable=False),
        boards=check_str(raw.get("boards"), f"{p}.boards", nullable=True),
        accepted=accepted,
        weight=check_float(raw.get("weight", 10.0), f"{p}.weight", strict=True),
    )


def parse_alternatives(raw: Mapping[str, Any], p: str) -> AlternativeSettings:
    """``[alternatives]``."""
    distance = check_str(raw.get("distance", "units_moved"), f"{p}.distance", choices=DISTANCES)
    min_distance = check_float(raw.get("min_distance"), f"{p}.min_distance", nullable=True,
                               strict=True, maximum=2.0 if distance == "ari" else None)
    return AlternativeSettings(
        n=check_int(raw.get("n", 3), f"{p}.n", minimum=1),
        within=check_float(raw.get("within", 0.05), f"{p}.within"),
        distance=distance,
        min_distance=min_distance,
        steps=check_int(raw.get("steps"), f"{p}.steps", minimum=1, nullable=True),
    )


def _pair(v: Any, path: str) -> tuple[float, float]:
    ok = (isinstance(v, list | tuple) and len(v) == 2 and all(is_number(x) for x in v)
          and all(x >= 0 for x in v) and sum(v) > 0)
    if not ok:
        raise fail(path, v, "a pair [w_x, w_y] of numbers >= 0, not both 0, e.g. [0.2, 0.8]")
    return float(v[0]), float(v[1])


def parse_tradeoff(raw: Mapping[str, Any], p: str) -> TradeoffSettings:
    """``[tradeoff]``."""
    terms = check_str_list(raw.get("terms", ["alignment", "split"]), f"{p}.terms")
    for i, t in enumerate(terms):
        check_str(t, f"{p}.terms[{i}]", choices=TERMS)
    if len(terms) != 2 or terms[0] == terms[1]:
        raise fail(f"{p}.terms", list(terms), "two different objective terms, e.g. "
                                              "[\"alignment\", \"split\"]")
    weights = raw.get("weights")
    if weights is not None:
        if isinstance(weights, str) or not isinstance(weights, list | tuple) or not weights:
            raise fail(f"{p}.weights", weights, "a non-empty list of pairs [w_x, w_y], e.g. "
                                                "[[0.1, 0.9], [0.5, 0.5]]")
        weights = tuple(_pair(w, f"{p}.weights[{i}]") for i, w in enumerate(weights))
    n_points = check_int(raw.get("n_points"), f"{p}.n_points", nullable=True)
    if weights is not None and n_points is not None:
        raise fail(f"{p}.n_points", n_points, f"nothing when {p}.weights is given (one of both)")
    return TradeoffSettings(terms=(terms[0], terms[1]), weights=weights, n_points=n_points)


#: Optional top-level tables: name -> (allowed keys, parser).
EXTRA_SECTIONS: dict[str, tuple[tuple[str, ...], Callable[[Mapping[str, Any], str], Any]]] = {
    "funds": (tuple(f.name for f in fields(FundsFormula)), parse_funds),
    "output": (tuple(f.name for f in fields(OutputSettings)), parse_output),
    "proposals": (tuple(f.name for f in fields(ProposalSettings)), parse_proposals),
    "alternatives": (tuple(f.name for f in fields(AlternativeSettings)), parse_alternatives),
    "tradeoff": (tuple(f.name for f in fields(TradeoffSettings)), parse_tradeoff),
}
#: Names of the optional tables (fields of a scenario, None when absent).
EXTRA_KEYS = tuple(EXTRA_SECTIONS)


def parse_extras(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The optional tables of the dict form of a scenario; None for each one absent.

    Raises
    ------
    ScenarioError
        Unknown key, wrong type or value, naming the field.
    """
    out: dict[str, Any] = {}
    for key, (allowed, parse) in EXTRA_SECTIONS.items():
        value = raw.get(key)
        if value is None:
            out[key] = None
            continue
        value = check_table(value, key)
        check_keys(value, allowed, key)
        out[key] = parse(value, key)
    return out


def check_extra_names(scenario: Any, landscape: Landscape) -> None:
    """Check the weight columns and layers the optional tables name against ``landscape``.

    Done before solving, so that a misspelt column fails in a second, not after the solve.

    Raises
    ------
    ScenarioError
        Naming the field, the value and the columns or layers there are.
    """
    funds = scenario.funds
    if funds is not None:
        for column in funds.per_weight:
            if column not in landscape.weights:
                raise fail(f"funds.per_weight.{column}", column,
                           f"a weight column of the data: {list(landscape.weights)}")
    layers = list(landscape.layers)
    if scenario.proposals is not None and scenario.proposals.boards is not None \
            and scenario.proposals.boards not in layers:
        raise fail("proposals.boards", scenario.proposals.boards, f"a layer of the data: {layers}")
    output = scenario.output
    if output is not None and output.factsheet_reference is not None \
            and output.factsheet_reference not in layers:
        raise fail("output.factsheet_reference", output.factsheet_reference,
                   f"a layer of the data: {layers}")
