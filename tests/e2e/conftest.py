"""End-to-end fixtures: the whole system as separate processes, one per test module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.auth import OPERATOR
from tests.support.servers import ROOT
from tests.support.system import System


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    running = System(
        workdir=tmp_path_factory.mktemp("system"), roster=ROOT / "deploy/config/roster.yaml"
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # The operator's token by default; tests acting as another role pass their own.
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as http:
        yield http


def roster_without(pool: str, source: Path) -> str:
    """The demo roster with every adviser of `pool` inactive."""
    import yaml

    data = yaml.safe_load(source.read_text())
    for adviser in data["advisers"]:
        if adviser["pool"] == pool:
            adviser["active"] = False
    return yaml.safe_dump(data)
