"""`weerbaar-notify dead-letters` refuses a server that is not Weerbaar's, and finds
make run's server from the checkout without being told."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import NatsServer, provision

pytestmark = pytest.mark.nats


def run(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NATS_")}
    return subprocess.run(
        [sys.executable, "-m", "notify", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_server_without_the_dead_letter_stream_is_refused(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    done = run(tmp_path, "dead-letters", "list", env={"NATS_URL": nats_server.url})
    assert done.returncode == 1
    assert "has no WEERBAAR_DEAD_LETTERS stream" in done.stderr
    assert "dead letter(s)" not in done.stderr


def test_nothing_listening_is_a_clear_error(tmp_path: Path) -> None:
    done = run(tmp_path, "dead-letters", "list", env={"NATS_URL": "nats://127.0.0.1:9"})
    assert done.returncode == 1
    assert "cannot reach NATS at nats://127.0.0.1:9" in done.stderr


async def test_make_runs_server_is_found_from_the_checkout(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    await provision(nats_server.url)
    (tmp_path / ".data/nats").mkdir(parents=True)
    (tmp_path / ".data/dev.env").write_text(f"NATS_URL={nats_server.url}\n")
    password = nats_server.credentials("ops")["password"]
    (tmp_path / ".data/nats/credentials.env").write_text(f"NATS_OPS_PASSWORD={password}\n")
    done = run(tmp_path, "dead-letters", "list", env={})
    assert done.returncode == 0, done.stderr
    assert "make run's NATS" in done.stderr
    assert "0 dead letter(s)" in done.stderr
