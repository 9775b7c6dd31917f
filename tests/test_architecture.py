"""The layout is the architecture: services import contracts, never each other."""

from __future__ import annotations

import ast
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


def test_no_console_module_passes_300_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "services/console/src").rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 300
    }
    assert long == {}


def test_the_console_domain_does_no_io() -> None:
    io = {"httpx", "nats", "fastapi", "starlette", "jinja2", "authlib", "asyncio", "socket"}
    for path in (ROOT / "services/console/src/console/domain").rglob("*.py"):
        assert not imported_top_levels(path) & io, path
