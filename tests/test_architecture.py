"""The layout is the architecture: services import contracts, never each other; no
module is over 300 lines; contracts needs nothing but pydantic. The layers inside a
service are import-linter's, in `make lint` (`[tool.importlinter]` in pyproject.toml)."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "routing", "registry", "notify", "console")


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_service_imports_no_other_service(service: str) -> None:
    others = set(SERVICES) - {service}
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_levels(path) & others)
        for path in (ROOT / "services" / service / "src").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_contracts_import_no_service() -> None:
    for path in (ROOT / "contracts" / "src").rglob("*.py"):
        assert not imported_top_levels(path) & set(SERVICES), path


def test_the_rule_is_checked_for_real(tmp_path: Path) -> None:
    planted = tmp_path / "bad.py"
    planted.write_text("from registry.db import EventRecord\n")
    assert imported_top_levels(planted) & set(SERVICES) == {"registry"}


def test_the_console_domain_does_no_io() -> None:
    io = {"httpx", "nats", "fastapi", "starlette", "jinja2", "authlib", "asyncio", "socket"}
    for path in (ROOT / "services/console/src/console/domain").rglob("*.py"):
        assert not imported_top_levels(path) & io, path


MAX_LINES = 300
CHECKED = ("contracts", "libs", "services", "tests", "deploy")


def python_modules(root: Path = ROOT) -> list[Path]:
    """Every Python module of the project (source, tests, tools), none of the venv's."""
    found: list[Path] = []
    for top in CHECKED:
        for path in (root / top).rglob("*.py"):
            parts = set(path.relative_to(root).parts)
            if not parts & {".venv", ".data", "node_modules", "__pycache__"}:
                found.append(path)
    return sorted(found)


def _counts(paths: list[Path]) -> dict[Path, int]:
    return {p: len(p.read_text().splitlines()) for p in paths}


def too_long(paths: list[Path], limit: int = MAX_LINES) -> dict[str, int]:
    return {str(p.relative_to(ROOT)): n for p, n in _counts(paths).items() if n > limit}


def test_no_module_is_longer_than_300_lines() -> None:
    modules = python_modules()
    assert len(modules) > 100  # the walk found the project
    assert too_long(modules) == {}


def test_the_line_count_check_finds_a_long_module(tmp_path: Path) -> None:
    long = tmp_path / "tests" / "planted.py"
    long.parent.mkdir()
    long.write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "tests" / "short.py").write_text("x = 1\n" * MAX_LINES)
    found = {p.name: n for p, n in _counts(python_modules(tmp_path)).items() if n > MAX_LINES}
    assert found == {"planted.py": MAX_LINES + 1}


def test_contracts_declares_only_pydantic() -> None:
    project = tomllib.loads((ROOT / "contracts" / "pyproject.toml").read_text())["project"]
    names = {
        dep.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
        for dep in project["dependencies"]
    }
    assert names == {"pydantic", "email-validator"}
    assert "scripts" not in project


def test_contracts_imports_without_a_web_or_bus_stack() -> None:
    code = (
        "import sys, pkgutil, importlib, contracts\n"
        "for m in pkgutil.walk_packages(contracts.__path__, 'contracts.'):\n"
        "    importlib.import_module(m.name)\n"
        "heavy = {'fastapi', 'starlette', 'faststream', 'uvicorn', 'structlog', 'nats',\n"
        "         'jwt', 'prometheus_client', 'sqlalchemy', 'httpx', 'weerbaar_runtime'}\n"
        "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"
