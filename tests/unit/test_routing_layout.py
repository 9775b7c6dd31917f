"""Routing's layout holds: a pure domain, layers that import only downwards, no module
over 300 lines, and nothing built at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "services/routing/src/routing"
IO = {
    "fastapi",
    "starlette",
    "faststream",
    "nats",
    "httpx",
    "sqlalchemy",
    "yaml",
    "prometheus_client",
}
IO |= {"asyncio", "socket", "weerbaar_runtime"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_routing_module_passes_300_lines() -> None:
    paths = [
        *PACKAGE.rglob("*.py"),
        *(ROOT / "tests").rglob("test_routing*.py"),
        ROOT / "tests/support/routing_helpers.py",
    ]
    long = {
        str(path.relative_to(ROOT)): n
        for path in paths
        if (n := len(path.read_text().splitlines())) > 300
    }
    assert long == {}


def test_the_routing_domain_does_no_io() -> None:
    for path in (PACKAGE / "domain").rglob("*.py"):
        assert not {m.split(".")[0] for m in imported_modules(path)} & IO, path


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("domain", ("routing.service", "routing.adapters", "routing.entrypoints")),
        ("service", ("routing.adapters", "routing.entrypoints", "routing.bootstrap")),
        ("adapters", ("routing.entrypoints", "routing.bootstrap")),
        ("entrypoints", ("routing.adapters", "routing.bootstrap")),
    ],
)
def test_layers_import_only_downwards(layer: str, forbidden: tuple[str, ...]) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.startswith(forbidden)
        )
        for path in (PACKAGE / layer).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_a_planted_upward_import_is_found(tmp_path: Path) -> None:
    planted = tmp_path / "bad.py"
    planted.write_text("from routing.adapters.state import KvStateStore\n")
    assert "routing.adapters.state" in imported_modules(planted)


def test_importing_the_asyncapi_module_builds_no_broker() -> None:
    probe = (
        "from faststream.nats import NatsBroker\n"
        "built = []\n"
        "original = NatsBroker.__init__\n"
        "def counting(self, *a, **k):\n"
        "    built.append(1)\n"
        "    original(self, *a, **k)\n"
        "NatsBroker.__init__ = counting\n"
        "import routing.asyncapi\n"
        "assert built == [], 'a broker was built on import'\n"
        "routing.asyncapi.app()\n"
        "assert built, 'the factory builds the broker'\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=ROOT, timeout=120)
