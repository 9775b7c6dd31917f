"""A 3-node JetStream cluster on loopback for the tests: three nats-servers from the
wheel running deploy/nats/cluster/loopback.conf (and, through it, the member.conf,
jetstream.conf and accounts.conf that production runs) on free ports and temp dirs."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.servers import (
    ROOT,
    NatsServer,
    free_port,
    nats_secret,
    nats_server_binary,
    wait_for_port,
)

CLUSTER_CONFIG = ROOT / "deploy/nats/cluster"
SHARED = ("loopback.conf", "member.conf", "jetstream.conf")


@dataclass
class Member:
    """One nats-server of the cluster."""

    name: str
    store_dir: Path
    port: int = field(default_factory=free_port)
    cluster_port: int = field(default_factory=free_port)
    monitor_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.store_dir.parent / f"{self.name}.log"

    def environment(self, routes: list[str]) -> dict[str, str]:
        return {
            "NATS_SERVER_NAME": self.name,
            "NATS_PORT": str(self.port),
            "NATS_MONITOR": f"127.0.0.1:{self.monitor_port}",
            "NATS_CLUSTER_PORT": str(self.cluster_port),
            "NATS_STORE_DIR": str(self.store_dir),
            "NATS_ROUTES": json.dumps(routes),
        }

    def signal(self, sig: int) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)

    def kill(self) -> None:
        """kill -9."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            # SIGINT: a quick shutdown, not the 30 s lame-duck mode SIGTERM starts
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def monitor(self, path: str) -> dict[str, object]:
        url = f"http://127.0.0.1:{self.monitor_port}/{path}"
        with urllib.request.urlopen(url, timeout=5) as response:
            return dict(json.load(response))


@dataclass
class NatsCluster:
    """Three members with the users, passwords and encryption key of one `NatsServer`
    (never started itself: it lends its accounts file with the test harness's user,
    the passwords and `user_env`/`credentials`)."""

    workdir: Path
    size: int = 3
    anonymous: bool = True
    encryption_key: str = field(default_factory=nats_secret)
    members: list[Member] = field(default_factory=list)
    auth: NatsServer = field(init=False)

    def __post_init__(self) -> None:
        self.auth = NatsServer(
            store_dir=self.workdir, anonymous=self.anonymous, encryption_key=self.encryption_key
        )
        if not self.members:
            self.members = [
                Member(name=f"nats-{n}", store_dir=self.workdir / f"nats-{n}")
                for n in range(self.size)
            ]

    @property
    def servers(self) -> list[str]:
        return [member.url for member in self.members]

    @property
    def url(self) -> str:
        """Every member, separated by commas: NATS_URL as the services take it."""
        return ",".join(self.servers)

    @property
    def passwords(self) -> dict[str, str]:
        return self.auth.passwords

    def user_env(self, user: str) -> dict[str, str]:
        return self.auth.user_env(user)

    def credentials(self, user: str) -> dict[str, str]:
        return self.auth.credentials(user)

    def member(self, name: str) -> Member:
        return next(m for m in self.members if m.name == name)

    @property
    def config(self) -> Path:
        return self.workdir / "config" / "cluster" / "loopback.conf"

    def write_config(self) -> None:
        # deploy/nats/cluster as it is; accounts.conf with the harness's user added
        folder = self.config.parent
        folder.mkdir(parents=True, exist_ok=True)
        for name in SHARED:
            shutil.copy(CLUSTER_CONFIG / name, folder / name)
        (folder.parent / "accounts.conf").write_text(self.auth.accounts_text())

    def start_member(self, member: Member) -> None:
        member.store_dir.mkdir(parents=True, exist_ok=True)
        routes = [f"nats://127.0.0.1:{m.cluster_port}" for m in self.members]
        env = {**self.auth.server_env(), **member.environment(routes)}
        log = member.log_path.open("ab")
        member.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        wait_for_port(member.port)

    async def start(self) -> NatsCluster:
        self.write_config()
        for member in self.members:
            self.start_member(member)
        await self.wait_healthy()
        return self

    async def wait_healthy(self, timeout: float = 60.0) -> None:
        """Until every running member answers /healthz with JetStream current."""
        deadline = time.monotonic() + timeout
        while True:
            if all(self._healthy(m) for m in self.members if m.process is not None):
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the cluster did not become healthy")
            await asyncio.sleep(0.25)

    @staticmethod
    def _healthy(member: Member) -> bool:
        try:
            return member.monitor("healthz").get("status") == "ok"
        except OSError:
            return False

    async def leader(self, stream: str) -> Member:
        """The member leading a stream's Raft group now."""
        import nats

        nc = await nats.connect(self.servers)
        try:
            info = await nc.jetstream().stream_info(stream)
        finally:
            await nc.close()
        assert info.cluster is not None and info.cluster.leader, info
        return self.member(info.cluster.leader)

    async def follower(self, stream: str) -> Member:
        leader = await self.leader(stream)
        return next(m for m in self.members if m is not leader and m.process is not None)

    def violations(self) -> list[str]:
        lines: list[str] = []
        for member in self.members:
            if member.log_path.exists():
                text = member.log_path.read_text(errors="replace")
                lines += [line for line in text.splitlines() if "Violation" in line]
        return lines

    def connection_users(self) -> dict[str, set[str]]:
        """Connection name → users, over every running member."""
        users: dict[str, set[str]] = {}
        for member in self.members:
            if member.process is None:
                continue
            connz = member.monitor("connz?auth=1&limit=1024")
            for connection in connz.get("connections") or []:  # type: ignore[attr-defined]
                name = connection.get("name") or ""
                users.setdefault(name, set()).add(connection.get("authorized_user") or "")
        return users

    def kill(self) -> None:
        for member in self.members:
            member.kill()

    def stop(self) -> None:
        for member in self.members:
            member.stop()
