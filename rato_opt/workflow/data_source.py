"""Load what a scenario describes: its landscape and its start plan.

A :class:`~rato_opt.workflow.scenario.Scenario` only describes its data
(:class:`~rato_opt.workflow.scenario_sections.DataSource`, ``[layers]``,
``[adjacency]``, ``start``); the functions here read them:

- :func:`load_landscape` loads the landscape of a data source (the embedded synthetic
  country, the real 2024 data, or files), cached per process except for files;
- :func:`scenario_landscape` applies the scenario's layer choice, ``min_share`` and
  extra links and checks the names the scenario uses (:func:`check_names`);
- :func:`start_plan` reads the start plan through
  :func:`rato_opt.workflow.plan_reader.read_plan`, or builds it from a layer.

Examples
--------
>>> from rato_opt.workflow.scenario_sections import DataSource
>>> land = load_landscape(DataSource(n_units=40, seed=1))
>>> len(land.units)
40
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..exceptions import RatoOptError, ScenarioError
from ..spec import RegionSpec
from .scenario_fields import fail
from .scenario_sections import DataSource

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..landscape.coverage import Landscape
    from .scenario import Scenario

__all__ = ["load_landscape", "scenario_landscape", "check_names", "start_plan",
           "check_start", "resolve_path"]


def resolve_path(path: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None
                 ) -> Path:
    """Expand ``~`` and environment variables; a relative path is taken from ``base_dir``.

    Examples
    --------
    >>> str(resolve_path("plans/a.csv", "/data"))
    '/data/plans/a.csv'
    """
    p = Path(os.path.expandvars(os.path.expanduser(os.fspath(path))))
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    return p


def load_landscape(source: DataSource, base_dir: str | os.PathLike[str] | None = None, *,
                   layers: tuple[str, ...] | None = None,
                   split_for: tuple | None = None) -> Landscape:
    """Load the landscape of a data source (cached per process, except for files).

    Parameters
    ----------
    source : DataSource
        The ``[data]`` table of a scenario.
    base_dir : path-like, optional
        Directory that relative paths of ``source`` are taken from.
    layers : tuple of str, optional
        For ``source = "nl2024*"``: the layers to build (default: those of
        :func:`rato_opt.sources.nl2024.load_nl_2024`).
    split_for : (k, bounds), optional
        For ``source = "nl2024_mixed"`` with ``refine_must_split``: the number of regions
        and the bounds that decide which gemeenten must be split.
    """
    base = None if base_dir is None else os.fspath(base_dir)
    if source.source == "files":  # files may change between calls
        return _load(source, base, layers, split_for)
    return _load_cached(source, base, layers, split_for)


@functools.lru_cache(maxsize=8)
def _load_cached(source: DataSource, base_dir: str | None, layers, split_for) -> Landscape:
    return _load(source, base_dir, layers, split_for)


def _load(source: DataSource, base_dir: str | None, layers, split_for=None) -> Landscape:
    if source.source == "default":
        from ..sources.synthetic import make_country

        return make_country(n_units=source.n_units, seed=source.seed)
    if source.source == "nl2024":
        from ..sources.nl2024 import load_nl_2024

        path = None if source.dir is None else resolve_path(source.dir, base_dir)
        kw = {} if layers is None else {"layers": layers}
        return load_nl_2024(path, **kw)
    if source.source in ("nl2024_wijken", "nl2024_mixed"):
        from ..sources import nl2024_fine

        path = None if source.dir is None else resolve_path(source.dir, base_dir)
        kw = {} if layers is None else {"layers": layers}
        if source.source == "nl2024_wijken":
            return nl2024_fine.load_nl_2024_wijken(path, keep_gemeenten=True, **kw)
        spec = None
        if source.refine_must_split and split_for is not None:
            spec = RegionSpec(k=split_for[0], bounds=split_for[1])
        refine = nl2024_fine.BIG_FOUR if source.refine is None else source.refine
        return nl2024_fine.load_nl_2024_mixed(path, refine=refine, spec=spec, **kw)
    return _load_files(source, base_dir)


def _read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path, dtype={0: str})
    return pd.read_csv(path, sep=None, engine="python")


def _load_files(data: DataSource, base_dir: str | None) -> Landscape:
    from ..landscape.coverage import Landscape
    from ..landscape.units import join_weights, read_units

    units = read_units(
        resolve_path(data.units, base_dir), code=data.code, name=data.name, layer=data.layer,
        weights=None, source_crs=data.crs,
    )
    for w in data.weights:
        path = resolve_path(w.path, base_dir)
        table = _read_table(path)
        if w.on in table.columns:
            table[w.on] = table[w.on].astype(str)
        try:
            units = join_weights(units, table, on=w.on, columns=w.columns, fill=w.fill,
                                 extra=w.extra)
        except RatoOptError as err:
            raise type(err)(f"weight table {path}: {err}") from err
    layers = [_load_layer(t, resolve_path(t.path, base_dir), units) for t in data.layer_tables]
    return Landscape(units, layers, name=Path(data.units).stem)


def _load_layer(t, path: Path, units):
    """One ``[[data.layer_tables]]`` entry: a membership table or collaboration polygons."""
    import geopandas as gpd

    from ..landscape import check_coordinates
    from ..landscape.layers import Layer

    if path.suffix.lower() in (".csv", ".txt", ".tsv", ".xlsx", ".xls"):
        return Layer.from_table(
            t.name, _read_table(path), units, unit_column=t.unit, id_column=t.collaboration,
            name_column=t.collaboration_name, share_column=t.share, min_share=t.min_share,
            kind=t.kind,
        )
    polys = gpd.read_file(path)
    if t.crs is not None:
        polys = polys.set_crs(t.crs, allow_override=True)
    elif polys.crs is None:
        raise ScenarioError(
            f"layer file {path} ({t.name!r}) has no CRS; set crs = \"EPSG:28992\" (or "
            "the CRS its coordinates are in) in its [[data.layer_tables]] entry, or "
            "write the file with its CRS"
        )
    check_coordinates(polys, what=f"the polygons of layer file {path}",
                      fix="set crs = \"<the CRS they are in>\" in its "
                          "[[data.layer_tables]] entry, or write the file with its CRS")
    return Layer.from_polygons(
        t.name, polys.to_crs(units.crs), units, id_column=t.collaboration,
        name_column=t.collaboration_name, min_share=t.min_share, kind=t.kind,
    )


# ------------------------------------------------------------------ scenarios
def scenario_landscape(scenario: Scenario) -> Landscape:
    """The landscape of a scenario: data source, layer selection, ``min_share``, links.

    The result is checked against the scenario (:func:`check_names`).

    Raises
    ------
    ScenarioError
        A layer, column or unit code the scenario names is not in the data.
    """
    nl_layers = None
    source = scenario.data.source
    if source.startswith("nl2024"):
        from ..sources.nl2024 import LAYERS

        fine = source != "nl2024"
        known = sorted(LAYERS) + (["gemeenten"] if fine else [])
        use = scenario.layers.use
        if use is None:
            nl_layers = ("amr", "boards", "rmc")
        else:
            for i, name in enumerate(use):
                if name not in known:
                    raise fail(f"layers.use[{i}]", name, f"one of {known}")
            nl_layers = tuple(n for n in use if n != "gemeenten")
    split_for = None
    if source == "nl2024_mixed" and scenario.k is not None:
        split_for = (scenario.k, tuple(scenario.bounds))
    land = load_landscape(scenario.data, scenario.base_dir, layers=nl_layers,
                          split_for=split_for)
    if scenario.adjacency.links is not None:
        import pandas as pd

        links = pd.read_csv(scenario.resolve(scenario.adjacency.links), dtype=str)
        old = land.links
        links = links if old is None or old.empty else pd.concat([old, links])
        land = dataclasses.replace(land, links=links)
    if scenario.layers.use is not None:
        for i, name in enumerate(scenario.layers.use):
            if name not in land.layers:
                raise fail(f"layers.use[{i}]", name, f"one of {sorted(land.layers)}")
        land = land.select(scenario.layers.use)
    if scenario.layers.min_share:
        changed = []
        for name, share in scenario.layers.min_share.items():
            if name not in land.layers:
                raise fail(f"layers.min_share.{name}", share,
                           f"a key among {sorted(land.layers)}")
            changed.append(land.layers[name].with_min_share(share))
        land = land.with_layers(*changed)
    check_names(scenario, land)
    return land


def check_names(scenario: Scenario, landscape: Landscape) -> None:
    """Check the names a scenario uses (layers, columns, codes) against ``landscape``.

    Raises
    ------
    ScenarioError
        Naming the field, the value and the values available.
    """
    layers = sorted(landscape.layers)
    weights = list(landscape.weights)
    o = scenario.objective
    for key in ("reference", "alliance_layer"):
        v = getattr(o, key)
        if v is not None and v not in landscape.layers:
            raise fail(f"objective.{key}", v, f"one of the layers {layers}")
    for name in o.split_layers or {}:
        if name not in landscape.layers:
            raise fail(f"objective.split_layers.{name}", name, f"one of the layers {layers}")
    if o.split_by is not None and o.split_by not in weights:
        raise fail("objective.split_by", o.split_by, f"one of the weight columns {weights}")
    scenario.split_by(landscape)
    if scenario.start_layer is not None and scenario.start_layer not in landscape.layers:
        raise fail("start_layer", scenario.start_layer, f"one of the layers {layers}")
    for i, b in enumerate(scenario.bounds):
        if b.column not in weights:
            raise fail(f"bounds[{i}].column", b.column, f"one of the weight columns {weights}")
    n = len(landscape.units)
    for key in ("k", "k_min", "k_max", "min_units"):
        v = getattr(scenario, key)
        if v is not None and v > n:
            raise fail(key, v, f"at most the number of units ({n})")
    codes = landscape.units.index
    locks = scenario.locks
    for sect, groups in (("together", locks.together), ("apart", locks.apart),
                         ("own_region", locks.own_region)):
        for i, g in enumerate(groups):
            for j, c in enumerate(g):
                if c not in codes:
                    raise fail(f"locks.{sect}[{i}][{j}]", c,
                               f"a unit code of the data (e.g. {', '.join(codes[:3])})")
    for c in locks.fixed:
        if c not in codes:
            raise fail(f"locks.fixed.{c}", c, f"a unit code of the data (e.g. {codes[0]})")


def start_plan(scenario: Scenario, landscape: Landscape | None = None) -> pd.Series | None:
    """The start plan of a scenario (unit code -> region), or None when it has none.

    Read from ``scenario.start`` with :func:`rato_opt.workflow.plan_reader.read_plan`,
    or built from the layer ``scenario.start_layer`` of ``landscape`` (each unit in its
    collaboration of largest share). :func:`check_start` checks it against a landscape.
    """
    if scenario.start_layer is not None:
        if landscape is None:
            raise ScenarioError(
                f"scenario {scenario.name!r} starts from layer {scenario.start_layer!r}: pass "
                "the landscape, e.g. scenario.to_spec(scenario.load_landscape())"
            )
        if scenario.start_layer not in landscape.layers:
            raise fail("start_layer", scenario.start_layer,
                       f"one of the layers {sorted(landscape.layers)}")
        share = landscape.layers[scenario.start_layer].share().reset_index()
        best = share.sort_values(["unit", "share", "collaboration"],
                                 ascending=[True, False, True])
        best = best.drop_duplicates("unit").set_index("unit")["collaboration"]
        return best.rename("region").rename_axis("code").astype(str)
    if scenario.start is None:
        return None
    from .plan_reader import read_plan

    return read_plan(scenario.resolve(scenario.start))


def check_start(scenario: Scenario, start: pd.Series, landscape: Landscape) -> None:
    """Raise :class:`~rato_opt.exceptions.ScenarioError` when the start plan of
    ``scenario`` names units ``landscape`` lacks."""
    from .._util import listing

    unknown = start.index.difference(landscape.codes)
    if len(unknown):
        where = (f"the start plan {scenario.resolve(scenario.start)}"
                 if scenario.start is not None
                 else f"the start layer {scenario.start_layer!r}")
        raise ScenarioError(
            f"scenario field 'start': {where} names {len(unknown)} unit code(s) the data "
            f"do not have: {listing(sorted(unknown))} (the data's units are e.g. "
            f"{listing(landscape.codes[:3])}); use a plan of the same units, e.g. "
            "plan_units.csv written by `rato-opt run` on this data"
        )
