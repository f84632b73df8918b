"""The dict (TOML) form of a scenario: reading files, ``extends``, merging, writing TOML.

Reading: :func:`read_toml` reads a file, :func:`resolve_extends` merges it over the
scenario it extends (:func:`merge_tables`: tables merge key by key, other values
replace), :func:`absolutise_paths` keeps a parent's relative paths pointing where
they did. Writing: :func:`plain` turns a scenario (or any of its parts) into plain
TOML-able values and :func:`dumps_toml` writes them with ``tomli_w``.

Examples
--------
>>> merge_tables({"k": 3, "objective": {"split": 1.0}}, {"objective": {"compactness": 0.2}})
{'k': 3, 'objective': {'split': 1.0, 'compactness': 0.2}}
>>> print(dumps_toml({"k": 3, "objective": {"split": 1.0}, "bounds": [{"column": "p"}]}))
k = 3
bounds = [
    { column = "p" },
]
<BLANKLINE>
[objective]
split = 1.0
<BLANKLINE>
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from ..exceptions import ScenarioError
from .scenario_fields import fail
from .scenario_sections import SolverSettings

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["dumps_toml", "loads_toml", "read_toml"]

#: Path-valued fields, as (table, key); arrays of tables are searched entry by entry.
PATH_FIELDS = (
    ("data", "dir"),
    ("data", "units"),
    ("data.weights", "path"),
    ("data.layer_tables", "path"),
    ("adjacency", "links"),
    ("", "start"),
    ("proposals", "table"),
)


# ------------------------------------------------------------------ text
def dumps_toml(data: Mapping[str, Any]) -> str:
    """Write a dict of TOML-able values (str, int, float, bool, lists, tables) as TOML.

    Examples
    --------
    >>> dumps_toml({"name": "x", "layers": {"use": ["sop", "amr"]}})
    'name = "x"\\n\\n[layers]\\nuse = [\\n    "sop",\\n    "amr",\\n]\\n'
    """
    try:
        return tomli_w.dumps(data)
    except TypeError as err:
        raise ScenarioError(f"cannot write the scenario as TOML: {err}") from err


def loads_toml(text: str) -> dict[str, Any]:
    """Read TOML text into a dict.

    Examples
    --------
    >>> loads_toml('k = 3\\n[objective]\\nsplit = 1.0\\n')
    {'k': 3, 'objective': {'split': 1.0}}
    """
    return tomllib.loads(text)


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a scenario TOML file into a dict.

    Raises
    ------
    ScenarioError
        The file does not exist or is not valid TOML.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"scenario file not found: {path}")
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"scenario file {path} is not valid TOML: {err}") from err


# ------------------------------------------------------------------ extends
def merge_tables(base: Mapping[str, Any], over: Mapping[str, Any], *,
                 delete_none: bool = False) -> dict[str, Any]:
    """Deep-merge ``over`` into a copy of ``base``: tables merge, everything else replaces.

    With ``delete_none`` a value None in ``over`` removes the key.
    """
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if value is None and delete_none:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_tables(out[key], value, delete_none=delete_none)
        else:
            out[key] = copy.deepcopy(value)
    return out


def absolutise_paths(raw: Mapping[str, Any], base: str | os.PathLike[str]) -> dict[str, Any]:
    """A copy of the dict form with its relative paths (:data:`PATH_FIELDS`) made absolute.

    Examples
    --------
    >>> absolutise_paths({"start": "plan.csv", "k": 2}, "/data")
    {'start': '/data/plan.csv', 'k': 2}
    """
    out = copy.deepcopy(dict(raw))
    base = Path(base)
    for section, key in PATH_FIELDS:
        targets: list[dict[str, Any]] = [out]
        for part in section.split(".") if section else []:
            found: list[dict[str, Any]] = []
            for t in targets:
                v = t.get(part)
                if isinstance(v, dict):
                    found.append(v)
                elif isinstance(v, list):
                    found.extend(x for x in v if isinstance(x, dict))
            targets = found
        for t in targets:
            v = t.get(key)
            if isinstance(v, str) and v and not Path(os.path.expanduser(v)).is_absolute():
                t[key] = str((base / v).resolve())
    return out


def resolve_extends(raw: dict[str, Any], base: Path, chain: tuple[Path, ...] = ()
                    ) -> dict[str, Any]:
    """Merge ``raw`` over the scenario it ``extends`` (recursively).

    Parameters
    ----------
    raw : dict
        The dict form; its ``extends`` key is removed.
    base : Path
        Directory that ``extends`` is relative to.
    chain : tuple of Path
        Files read so far (the first is the file ``raw`` comes from), to find cycles.
    """
    if "extends" not in raw:
        return raw
    ext = raw.pop("extends")
    if not isinstance(ext, str) or not ext:
        raise fail("extends", ext, "the path of a parent scenario TOML file")
    parent = (base / os.path.expanduser(ext)).resolve()
    if not parent.is_file():
        child = (f"scenario file {chain[-1]}" if chain
                 else f"the scenario (given as a dict, base directory {base})")
        what = "is a directory, not a file" if parent.is_dir() else "was not found"
        raise ScenarioError(
            f"{child} has extends = {ext!r}, but the parent scenario {parent} {what}; "
            f"relative paths in extends are resolved against the directory of the extending "
            f"file ({base}); fix the path or create the parent scenario"
        )
    if parent in chain:
        cycle = " -> ".join(str(p.name) for p in (*chain, parent))
        raise ScenarioError(
            f"scenario field 'extends': cycle {cycle}; a scenario cannot extend itself, "
            "directly or through others"
        )
    praw = resolve_extends(read_toml(parent), parent.parent, (*chain, parent))
    if parent.parent != base:
        praw = absolutise_paths(praw, parent.parent)
    praw.pop("name", None)  # a child is named by itself (or its file name)
    return merge_tables(praw, raw)


# ------------------------------------------------------------------ plain values
def plain(value: Any) -> Any:
    """Plain TOML-able values of a scenario or any part of it.

    Dataclasses (scenario, tables, spec classes) become tables without their None
    fields, empty lists and empty tables (TOML has no null; those are the
    defaults); ``[solver]`` is :meth:`SolverSettings.as_dict
    <rato_opt.workflow.scenario_sections.SolverSettings.as_dict>`; a scenario's
    ``base_dir`` is left out. Tuples become lists, path-likes str, numpy scalars
    Python numbers.

    Examples
    --------
    >>> from rato_opt.spec import Bound
    >>> plain({"bounds": (Bound("population", upper=2.0, relative=True),)})
    {'bounds': [{'column': 'population', 'upper': 2.0, 'relative': True}]}
    """
    if isinstance(value, SolverSettings):
        return value.as_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            if f.name == "base_dir":
                continue
            v = plain(getattr(value, f.name))
            if v is None or (isinstance(v, list | dict) and not v):
                continue
            out[f.name] = v
        return out
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value
