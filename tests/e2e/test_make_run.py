"""`make run` as a newcomer uses it: a ready line, a second run refused with the data
intact, a killed service started again and the flow working, and Ctrl-C stopping the
services before NATS without warnings. Its data lives in a folder of the test's own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.servers import ROOT, eventually, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

SERVICES = ("intake", "registry", "routing", "notify", "console")


@dataclass
class Run:
    data: Path
    log: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str]

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def port(self, name: str) -> int:
        return int(self.env[f"{name.upper()}_PORT"])

    def token(self, subject: str) -> str:
        tokens = json.loads((self.data / "dev-credentials.json").read_text())
        return str(tokens[subject]["token"])


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    env.pop("SMTP_HOST", None)
    for name in (*SERVICES, "nats", "smtp"):
        env[f"{name.upper()}_PORT"] = str(free_port())
    env["WEERBAAR_DATA"] = str(data)
    return env


def _make_run(data: Path, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            ["make", "--no-print-directory", "run", f"DATA={data}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal gives it
        )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    folder = tmp_path_factory.mktemp("make-run")
    data, log = folder / ".data", folder / "make-run.log"
    env = _env(data)
    running = Run(data=data, log=log, process=_make_run(data, log, env), env=env)
    try:
        deadline = time.monotonic() + 120
        while "weerbaar: ready" not in running.text():
            assert running.process.poll() is None, running.text()[-4000:]
            assert time.monotonic() < deadline, running.text()[-4000:]
            time.sleep(0.5)
        yield running
    finally:
        if running.process.poll() is None:
            # as Ctrl-C would, so supervisord stops the services it started (they run in
            # process groups of their own); only then by force
            os.killpg(running.process.pid, signal.SIGINT)
            try:
                running.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(running.process.pid, signal.SIGKILL)
                running.process.wait()


def test_a_second_make_run_is_refused_and_the_data_is_intact(run: Run) -> None:
    before = {p: p.stat().st_mtime_ns for p in (run.data / "dev.env", run.data / "registry.db")}
    second = subprocess.run(
        ["make", "--no-print-directory", "run", f"DATA={run.data}"],
        cwd=ROOT,
        env=_env(run.data),  # other ports: it would have started a second stack
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode != 0
    assert "make run is already running in this checkout" in second.stdout + second.stderr
    after = {p: p.stat().st_mtime_ns for p in before}
    assert after == before
    assert run.process.poll() is None


async def test_a_killed_service_is_started_again_and_the_flow_works(run: Run) -> None:
    pid_of = subprocess.run(
        ["pgrep", "-f", "bin/weerbaar-routing"], capture_output=True, text=True, check=False
    ).stdout.split()
    ours = [p for p in pid_of if str(run.data) in Path(f"/proc/{p}/environ").read_text()]
    assert len(ours) == 1, pid_of
    os.kill(int(ours[0]), signal.SIGKILL)
    died = "exited: routing (terminated by SIGKILL; not expected)"
    await eventually(
        lambda: died in run.text() and "spawned: 'routing'" in run.text().split(died, 1)[1],
        timeout=30,
        what="routing started again",
    )
    headers = {"Authorization": f"Bearer {run.token('operator-1')}"}
    body = {
        "official": {"role": "mayor", "organisation_code": "GM0014"},
        "incident": {"types": ["threat"]},
        "urgency": "high",
    }
    async with httpx.AsyncClient(timeout=10, headers=headers) as client:
        response = await client.post(
            f"http://127.0.0.1:{run.port('intake')}/v1/incidents", json=body
        )
        assert response.status_code == 202, response.text
        url = (
            f"http://127.0.0.1:{run.port('registry')}/v1/incidents/{response.json()['incident_id']}"
        )

        async def paged() -> bool:
            record = await client.get(url)
            types = {e["type"] for e in record.json()["timeline"]} if record.is_success else set()
            return {"assigned", "notification_sent"} <= types

        await eventually(paged, timeout=60, what="the report assigned and paged after the restart")


def test_ctrl_c_stops_the_services_first_then_nats_without_warnings(run: Run) -> None:
    mark = len(run.text())
    os.killpg(run.process.pid, signal.SIGINT)  # what Ctrl-C in its terminal sends
    # make itself is interrupted like the rest of the terminal's process group; what
    # matters is that it says nothing alarming and supervisord stopped everything.
    assert run.process.wait(timeout=120) in (0, -signal.SIGINT)
    shutdown = run.text()[mark:]
    stopped = [
        line.split("stopped: ", 1)[1].split()[0]
        for line in shutdown.splitlines()
        if "INFO stopped: " in line
    ]
    assert set(stopped) == {*SERVICES, "nats", "mailbox"}, shutdown[-3000:]
    assert stopped.index("nats") > max(stopped.index(s) for s in SERVICES)
    assert "WARN stopped" not in shutdown
    warnings = [line for line in shutdown.splitlines() if '"level": "warning"' in line]
    assert not warnings, warnings
    assert "make: ***" not in shutdown
    assert "INFO stopped: mailbox" in shutdown.splitlines()[-1] or "stopped: nats" in shutdown
