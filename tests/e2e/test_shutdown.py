"""SIGTERM stops a service cleanly, even when NATS is already gone."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import AsyncIterator

import pytest

from tests.support.servers import ROOT
from tests.support.system import System

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    running = System(
        workdir=tmp_path_factory.mktemp("shutdown"), roster=ROOT / "deploy/config/roster.yaml"
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def test_sigterm_with_nats_gone_exits_cleanly(system: System) -> None:
    assert system.nats is not None
    system.nats.stop()
    for name in ("intake", "routing"):
        process = system.services[name]
        assert process.process is not None
        popen = process.process
        popen.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal: -15 is a clean stop.
        # Its connections get 10 s and the broker 10 s (weerbaar_runtime.nats).
        try:
            code = popen.wait(30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} still running 30 s after SIGTERM:\n{where(popen.pid)}")
        assert code in (0, -signal.SIGTERM), process.log_text()[-2000:]
        assert "Application shutdown failed" not in process.log_text()
        process.process = None


def where(pid: int) -> str:
    """The stacks of a process that does not stop (py-spy, when it can attach)."""
    spy = shutil.which("py-spy") or str(ROOT / ".venv/bin/py-spy")
    try:
        done = subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"(no stacks: {exc})"
    return (done.stdout or done.stderr).decode(errors="replace")[-6000:]
