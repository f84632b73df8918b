"""The package layout stays as designed: small modules, no private imports across modules,
lower layers never importing higher ones (the import-linter contract in pyproject.toml)."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rato_opt"
MAX_LINES = 600


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_module_is_over_the_size_limit():
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in _modules()}
    too_big = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not too_big, f"modules over {MAX_LINES} lines: {too_big}"


def test_no_module_imports_another_modules_private_names():
    offenders = []
    for path in _modules():
        here = _module_name(path)
        package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("rato_opt") or target == here:
                continue
            private = [a.name for a in node.names
                       if a.name.startswith("_") and not a.name.startswith("__")]
            if private:
                offenders.append(f"{here} imports {private} from {target}")
    assert not offenders, "\n".join(offenders)


def test_the_front_is_thin_and_every_name_is_documented():
    import rato_opt

    assert len(rato_opt.__all__) <= 35
    readme = (PACKAGE.parent / "README.md").read_text()
    undocumented = [n for n in rato_opt.__all__ if f"`{n}`" not in readme]
    assert not undocumented, f"front names missing from README's front table: {undocumented}"


@pytest.mark.skipif(shutil.which("lint-imports") is None, reason="import-linter not installed")
def test_lower_layers_never_import_higher_ones():
    done = subprocess.run(["lint-imports", "--no-cache"], capture_output=True, text=True,
                          cwd=PACKAGE.parent, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
