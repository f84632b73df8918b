"""Parameter sweeps: solve many scenario variants in parallel and tabulate the results.

:func:`sweep` runs every variant of a base :class:`~rato_opt.workflow.scenario.Scenario`
through :func:`run_variant` on any :class:`concurrent.futures.Executor` — a
process pool by default, or a thread pool, or a Dask cluster
(``distributed.Client(...).get_executor()``). A variant that fails is reported
with its error while the others complete.

Sweeps are reproducible: every variant is solved with the work budget of its
``[solver]`` table (:meth:`rato_opt.workflow.scenario_sections.SolverSettings.budget`; the base
scenario's seed and budget unless the variant changes them, e.g.
``{"seed7": {"solver": {"seed": 7}}}``), so the same sweep gives the same plans
whatever the executor, the number of workers or the machine's load.

Examples
--------
>>> from concurrent.futures import ThreadPoolExecutor
>>> base = Scenario(name="base", k=3)
>>> variants = expand_variants(base, {"k4": {"k": 4}, "k5": {"k": 5}})
>>> [(v.name, v.k) for v in variants]
[('k4', 4), ('k5', 5)]
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import os
import time
import traceback
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..exceptions import InputError
from .scenario import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from ..assess.compare import Comparison
    from ..landscape.coverage import Landscape

__all__ = ["sweep", "SweepResult", "VariantResult", "run_variant", "expand_variants"]


@dataclass(frozen=True, eq=False)
class VariantResult:
    """The outcome of one variant: its plan, or the error that stopped it."""

    name: str
    scenario: Scenario
    plan: Any = None
    error: str | None = None
    traceback: str | None = field(default=None, repr=False)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the variant produced a plan."""
        return self.error is None and self.plan is not None


def run_variant(scenario: Scenario) -> VariantResult:
    """Load, build, solve and verify one scenario; never raises.

    A top-level function taking a picklable :class:`Scenario`, so that any
    executor (process pools, Dask) can run it. The solve gets the scenario's
    :class:`~rato_opt.spec.Budget` (seed and work per stage) and its
    ``time_limit`` as a cap, so the plan does not depend on where it runs.

    Returns
    -------
    VariantResult
        With the :class:`~rato_opt.assess.plan.Plan`, or with ``error`` set to
        ``"<ExceptionType>: <message>"``.
    """
    start = time.perf_counter()
    try:
        from ..optimize.pipeline import propose_regions

        land = scenario.load_landscape()
        spec = scenario.to_spec(land)
        graph = scenario.build_graph(land)
        plan = propose_regions(land, spec, graph=graph, **scenario.solve_kwargs())
        return VariantResult(
            scenario.name, scenario, plan=plan, seconds=time.perf_counter() - start
        )
    except Exception as err:  # a failed variant is a result, not a crash of the sweep
        return VariantResult(
            scenario.name,
            scenario,
            error=f"{type(err).__name__}: {err}",
            traceback=traceback.format_exc(),
            seconds=time.perf_counter() - start,
        )


def expand_variants(
    base: Scenario, variants: Sequence[Scenario] | Mapping[str, Mapping[str, Any]]
) -> list[Scenario]:
    """Turn ``{name: changes}`` into scenarios (``base.variant(name, **changes)``).

    Raises
    ------
    InputError
        No variants, a variant that is not a Scenario, or two with one name.
    """
    if isinstance(variants, Mapping):
        out = []
        for name, changes in variants.items():
            if isinstance(changes, Scenario):
                out.append(changes.variant(str(name)))
            elif isinstance(changes, Mapping):
                out.append(base.variant(str(name), **dict(changes)))
            else:
                raise InputError(
                    f"variant {name!r}: expected a dict of changes (e.g. {{'k': 14}}) or a "
                    f"Scenario, got {type(changes).__name__}"
                )
    else:
        out = list(variants)
        for v in out:
            if not isinstance(v, Scenario):
                raise InputError(
                    f"variants must be Scenario objects or a mapping name -> changes, got "
                    f"{type(v).__name__}"
                )
    if not out:
        raise InputError("sweep needs at least one variant")
    names = [v.name for v in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"variant names must be unique; repeated: {dup}")
    return out


def _row(result: VariantResult) -> dict[str, Any]:
    s = result.scenario
    row: dict[str, Any] = {
        "variant": result.name,
        "k": s.k,
        "k_min": s.k_min,
        "k_max": s.k_max,
        "status": "error",
        "regions": None,
        "objective": math.nan,
        "bound": math.nan,
        "gap": math.nan,
        "seconds": result.seconds,
        "verified": False,
        "seed": s.solver.seed,
        "deterministic": False,
        "stopped_by": None,
        "error": result.error or "",
    }
    plan = result.plan
    if plan is not None:
        row.update(
            status=plan.status,
            regions=plan.n_regions if len(plan.assignment) else None,
            objective=float(plan.objective),
            bound=math.nan if plan.bound is None else float(plan.bound),
            gap=math.nan if plan.gap is None else float(plan.gap),
            verified=bool(plan.verification.ok),
            deterministic=bool(plan.run.get("deterministic", False)),
            stopped_by=plan.run.get("stopped_by"),
        )
        for key, value in dict(plan.terms).items():
            row[f"term.{key}"] = float(value)
    return row


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Results of :func:`sweep`.

    Attributes
    ----------
    base : Scenario
        The base scenario.
    results : tuple of VariantResult
        One per variant, in the order given.
    table : DataFrame
        Indexed by variant name: ``k``, ``k_min``, ``k_max``, ``status``
        (``"error"`` for a failed variant), ``regions``, ``objective``,
        ``bound``, ``gap``, ``seconds``, ``verified``, ``seed``,
        ``deterministic`` (False when the variant's time limit cut its solve
        short, or it ran in ``solver.mode = "wall_clock"``), ``stopped_by``,
        ``error`` and one ``term.<t>`` column per objective term. Each plan's full
        run record is ``result[name].plan.run``.
    """

    base: Scenario
    results: tuple[VariantResult, ...]
    table: pd.DataFrame

    @property
    def plans(self) -> dict[str, Any]:
        """Plans of the variants that produced one, by name."""
        return {r.name: r.plan for r in self.results if r.ok}

    @property
    def errors(self) -> dict[str, str]:
        """Error messages of the variants that failed, by name."""
        return {r.name: r.error for r in self.results if r.error is not None}

    def __getitem__(self, name: str) -> VariantResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(f"no variant {name!r}; the sweep has {[r.name for r in self.results]}")

    def compare(self, landscape: Landscape | None = None, *, spec=None) -> Comparison:
        """Compare the plans of the successful variants (:func:`rato_opt.assess.compare.compare_plans`).

        ``landscape`` defaults to the base scenario's landscape; ``spec`` to the
        base scenario's spec without its number of regions (variants differ in
        it by design), so every plan is scored by the same rules.
        """
        from ..assess.compare import compare_plans

        if landscape is None:
            landscape = self.base.load_landscape()
        if spec is None:  # variants differ in k by design: score everything but k
            spec = self.base.to_spec(landscape).replace(k=None, k_min=None, k_max=None)
        return compare_plans(landscape, self.plans, spec=spec,
                             graph=self.base.build_graph(landscape))


def _workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def sweep(
    base: Scenario,
    variants: Sequence[Scenario] | Mapping[str, Mapping[str, Any]],
    *,
    executor: cf.Executor | None = None,
    max_workers: int | None = None,
    progress: bool = True,
) -> SweepResult:
    """Solve scenario variants in parallel and collect a comparison table.

    Parameters
    ----------
    base : Scenario
        The base scenario; mapping variants are derived from it.
    variants : sequence of Scenario, or mapping of name to changes
        E.g. ``{"k14": {"k": 14}, "aligned": {"objective": {"alignment": 1.0,
        "reference": "amr"}}}`` (tables merge, see :meth:`Scenario.replace`).
    executor : concurrent.futures.Executor, optional
        Where to run: any executor, e.g. ``ThreadPoolExecutor``, a
        ``ProcessPoolExecutor`` or ``distributed.Client(...).get_executor()``.
        It is not shut down. By default a ``ProcessPoolExecutor`` with
        ``max_workers`` processes is created (and shut down).
    max_workers : int, optional
        Processes of the default pool; default the available cores (at most one
        per variant).
    progress : bool, default True
        Show a tqdm progress bar.

    Returns
    -------
    SweepResult
        A failed variant has status ``"error"`` and its message in ``error``.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> bad = Scenario(name="bad", data={"source": "files", "units": "/nonexistent.gpkg"})
    >>> with ThreadPoolExecutor(1) as ex:
    ...     res = sweep(bad, [bad], executor=ex, progress=False)
    >>> res.table.loc["bad", "status"], res.errors["bad"].split(":")[0]
    ('error', 'DataNotFoundError')
    """
    scenarios = expand_variants(base, variants)
    owned = executor is None
    if owned:
        n = max_workers or min(len(scenarios), _workers())
        executor = cf.ProcessPoolExecutor(max_workers=max(1, n))
    with warnings.catch_warnings():  # tqdm warns in notebooks without ipywidgets
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm

    results: dict[str, VariantResult] = {}
    try:
        futures = {executor.submit(run_variant, s): s for s in scenarios}
        with tqdm(total=len(futures), desc="sweep", unit="variant", disable=not progress) as bar:
            for fut in cf.as_completed(futures):
                s = futures[fut]
                try:
                    res = fut.result()
                except Exception as err:  # the executor itself failed (e.g. a worker died)
                    res = VariantResult(
                        s.name, s, error=f"{type(err).__name__}: {err}",
                        traceback=traceback.format_exc(),
                    )
                results[s.name] = res
                bar.set_postfix_str(f"{s.name}: {res.plan.status if res.ok else 'error'}")
                bar.update(1)
    finally:
        if owned:
            executor.shutdown(wait=True)
    ordered = tuple(results[s.name] for s in scenarios)
    table = pd.DataFrame([_row(r) for r in ordered]).set_index("variant")
    return SweepResult(base=base, results=ordered, table=table)
