"""Every public name of ``rato_opt`` is the same object before and after all submodules load.

Importing a submodule sets an attribute of that name on the package; a public function
with the name of a submodule (``rato_opt.solve`` once was both) would then turn into the
module. The check runs in a fresh interpreter so that no other test has imported anything.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_public_names_survive_importing_every_submodule():
    script = textwrap.dedent(
        """
        import importlib, pkgutil, types
        import rato_opt as ro

        before = {name: getattr(ro, name) for name in ro.__all__}
        modules = [m.name for m in pkgutil.walk_packages(ro.__path__, "rato_opt.")]
        for name in modules:
            importlib.import_module(name)
        changed = [n for n in ro.__all__ if getattr(ro, n) is not before[n]]
        as_module = [n for n in ro.__all__ if isinstance(getattr(ro, n), types.ModuleType)]
        clashes = sorted(set(ro.__all__) & {m.rsplit(".", 1)[1] for m in modules})
        print(len(modules), changed, as_module, clashes)
        assert not changed and not as_module and not clashes, (changed, as_module, clashes)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    count = int(done.stdout.split()[0])
    assert count >= 25  # every module of the package was imported


def test_solve_stays_callable_after_a_first_solve():
    """The README's notebook flow: ``ro.solve`` twice in one session."""
    import geopandas as gpd
    from shapely import box

    import rato_opt as ro

    units = ro.validate_units(gpd.GeoDataFrame(
        {"code": list("abcd"), "population": [1, 1, 1, 1]},
        geometry=[box(i, 0, i + 1, 1) for i in range(4)], crs="EPSG:28992"), code="code")
    land = ro.Landscape(units, [ro.Layer.from_partition("sop", dict(zip("abcd", "xxyy",
                                                                        strict=True)))])
    spec = ro.RegionSpec(k=2)
    first = ro.solve(ro.build_model(land, spec))
    second = ro.solve(ro.build_model(land, spec))
    assert callable(ro.solve) and callable(ro.sweep)
    assert first.assignment.equals(second.assignment) and first.status == "optimal"
