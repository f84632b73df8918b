"""The run record of a plan (how it was made) as plain JSON and as a key/value table.

A :class:`~rato_opt.assess.plan.Plan` from a solver carries ``plan.run``: seed, work
budget, time limit, whether the run was deterministic, what stopped it, library and
solver versions. :func:`run_record` gives it as plain JSON values for the exports;
:func:`run_rows` flattens it into the ``run`` sheet/table of Excel and GeoPackage
exports and :func:`run_from_rows` rebuilds it from that table.

Examples
--------
>>> table = run_rows({"seed": 0, "budget": {"nodes": 50}})
>>> run_from_rows(table, "plan.xlsx")
{'seed': 0, 'budget': {'nodes': 50}}
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .._util import json_ready
from ..exceptions import InputError

__all__ = ["RUN_KEYS", "run_record"]

#: Keys of a plan's run record (``plan.run``) that exports keep, in this order: how
#: the plan was made, enough to make it again (see :class:`rato_opt.spec.Budget`).
RUN_KEYS = ("seed", "budget", "time_limit", "deterministic", "time_limit_hit", "stopped_by",
            "clocked_stages", "bound_source", "claims_rejected", "failures", "stages",
            "versions")


def run_record(plan: Any) -> dict[str, Any]:
    """The run record of a plan as plain JSON values; empty for anything without one.

    ``plan.run`` (see :class:`rato_opt.assess.plan.Plan`) holds the seed, the work budget, the
    time limit, whether the run was deterministic, what stopped it and the library and
    solver versions; keys :data:`RUN_KEYS` come first, any others follow.

    Examples
    --------
    >>> run_record(pd.Series({"A": "R01"}))
    {}
    """
    run = getattr(plan, "run", None)
    if not isinstance(run, Mapping) or not run:
        return {}
    keys = [k for k in RUN_KEYS if k in run] + [k for k in run if k not in RUN_KEYS]
    return {str(k): json_ready(run[k]) for k in keys}


def run_rows(run: Mapping[str, Any]) -> pd.DataFrame:
    """The run record as a key/value table (the ``run`` sheet of Excel and GeoPackage).

    Nested tables become dotted keys (``budget.nodes``, ``versions.highspy``).
    ``value`` is for reading (lists of scalars joined with "; "), ``value_json`` the
    exact value as JSON, from which :func:`run_from_rows` rebuilds the record.

    Examples
    --------
    >>> run_rows({"seed": 0, "budget": {"nodes": 50}, "stopped_by": "work_budget"}).values
    array([['seed', '0', '0'],
           ['budget.nodes', '50', '50'],
           ['stopped_by', 'work_budget', '"work_budget"']], dtype=object)
    """
    rows: list[tuple[str, str, str]] = []

    def add(key: str, value: Any) -> None:
        if isinstance(value, Mapping) and value:
            for k, v in value.items():
                add(f"{key}.{k}", v)
            return
        exact = json.dumps(value, ensure_ascii=False)
        if isinstance(value, str):
            shown = value
        elif isinstance(value, list) and all(
                v is None or isinstance(v, str | int | float | bool) for v in value):
            shown = "; ".join(str(v) for v in value)
        else:
            shown = exact
        rows.append((key, shown, exact))

    for key, value in run.items():
        add(str(key), value)
    return pd.DataFrame(rows, columns=["key", "value", "value_json"])


def run_from_rows(table: pd.DataFrame, where: str | os.PathLike[str]) -> dict[str, Any]:
    """Rebuild a run record from the table of :func:`run_rows` (read from file ``where``)."""
    if not {"key", "value_json"} <= set(table.columns):
        raise InputError(f"the run table of {where} has columns {list(table.columns)}; "
                         "expected key, value and value_json as written by export_plan")
    run: dict[str, Any] = {}
    for key, text in zip(table["key"].astype(str), table["value_json"], strict=True):
        try:
            value = json.loads(str(text))
        except ValueError:
            value = text
        parts = key.split(".")
        node = run
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return run
