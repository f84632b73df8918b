"""Validation of the specification dataclasses."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from rato_opt.exceptions import ModelError
from rato_opt.spec import Bound, Locks, Objective, RegionSpec


def test_defaults_and_normalisation():
    spec = RegionSpec(k=3.0, bounds=[Bound("population", 1, 2)],
                      locks=Locks(together=[["a", "b"]], apart=[["a", "c"]], fixed={"d": "x"}),
                      start=pd.Series({"a": 1, "b": None}))
    assert spec.k == 3 and isinstance(spec.k, int)
    assert spec.bounds == (Bound("population", 1.0, 2.0),)
    assert spec.locks.together == (("a", "b"),) and spec.locks.apart == (("a", "c"),)
    assert spec.locks.codes == {"a", "b", "c", "d"}
    assert spec.start == {"a": "1"}
    assert spec.objective == Objective() and spec.locks.fixed == {"d": "x"}
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert spec.replace(k=4).k == 4
    assert RegionSpec(bounds=Bound("w", upper=1)).bounds == (Bound("w", upper=1),)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Bound("population"), "neither lower nor upper"),
        (lambda: Bound("population", 3, 2), "lower 3.0 > upper 2.0"),
        (lambda: Bound("population", -1), "finite number >= 0"),
        (lambda: Bound("", upper=1), "name of a weight column"),
        (lambda: Bound("population", upper=0, relative=True), "upper factor must be > 0"),
        (lambda: Objective(split=-1), "Objective.split must be a finite number >= 0"),
        (lambda: Objective(compactness=float("nan")), "finite"),
        (lambda: Objective(alignment=1), "no reference layer"),
        (lambda: Objective(alliance_hard=True), "alliance_layer"),
        (lambda: Objective(split_layers=["sop"]), "mapping layer name -> weight"),
        (lambda: Objective(split_layers={"sop": -1}), r"split_layers\['sop'\]"),
        (lambda: Locks(together=["ab"]), "each entry must be a tuple"),
        (lambda: Locks(apart=[("a", "a")]), "pairs of two different codes"),
        (lambda: Locks(apart=[("a", "b", "c")]), "pairs of two different codes"),
        (lambda: Locks(together=[("a", 1)]), "unit code string"),
        (lambda: Locks(own_region=[()]), "empty group"),
        (lambda: Locks(together=[("a", "a")]), "lists a code twice"),
        (lambda: Locks(fixed={"a": 3}), "region label"),
        (lambda: RegionSpec(k=0), "at least 1"),
        (lambda: RegionSpec(k=2.5), "whole number"),
        (lambda: RegionSpec(k=True), "whole number"),
        (lambda: RegionSpec(k_min=5, k_max=4), "k_min=5 > k_max=4"),
        (lambda: RegionSpec(k=5, k_min=6), "outside k_min..k_max"),
        (lambda: RegionSpec(min_units=3, max_units=2), "min_units=3 > max_units=2"),
        (lambda: RegionSpec(bounds=["population"]), "must hold Bound objects"),
        (lambda: RegionSpec(objective=Objective(stay_close=1)), "start is None"),
        (lambda: RegionSpec(contiguity="bishop"), "'queen' or 'rook'"),
        (lambda: RegionSpec(objective={"split": 1}), "must be an Objective"),
        (lambda: RegionSpec(start=["a"]), "mapping unit code -> region id"),
    ],
)
def test_invalid_specs_say_what_is_wrong(make, match):
    with pytest.raises(ModelError, match=match):
        make()


def test_k_inside_range_is_fine():
    spec = RegionSpec(k=5, k_min=4, k_max=6)
    assert (spec.k, spec.k_min, spec.k_max) == (5, 4, 6)
