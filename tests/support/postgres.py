"""A PostgreSQL server for the tests and the benchmark, without relying on one running.

In order: the server named by TEST_DATABASE_URL; a throwaway cluster made with
`initdb` and started with `pg_ctl` in a temporary directory on a free port (as the
`postgres` user when running as root); a testcontainers container where Docker
answers. When none is possible, `PostgresUnavailable` says why and the tests skip.
Each test gets its own database, created from the server's admin connection and
dropped afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from tests.support.servers import free_port, wait_for_port


class PostgresUnavailable(Exception):
    """No PostgreSQL server can be had on this machine; the message says why."""


def _binaries() -> tuple[str, str] | None:
    for directory in [None, *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]:
        initdb = shutil.which("initdb", path=directory)
        pg_ctl = shutil.which("pg_ctl", path=directory)
        if initdb and pg_ctl:
            return initdb, pg_ctl
    return None


@dataclass
class PostgresServer:
    """A reachable server and an admin URL to create and drop databases with."""

    admin_url: URL
    how: str
    _cleanup: list[object] = field(default_factory=list)

    def url(self, database: str, *, driver: str = "postgresql+asyncpg") -> str:
        return self.admin_url.set(drivername=driver, database=database).render_as_string(
            hide_password=False
        )

    async def create_database(self, prefix: str = "weerbaar_test") -> str:
        """A new empty database; returns its async SQLAlchemy URL."""
        import asyncpg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(self._dsn())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url(name)

    async def drop_database(self, url: str) -> None:
        import asyncpg

        name = make_url(url).database
        conn = await asyncpg.connect(self._dsn())
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    def _dsn(self) -> str:
        return self.admin_url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class ThrowawayCluster:
    """`initdb` + `pg_ctl` in a temporary directory, stopped and deleted afterwards."""

    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    root: Path | None = None

    def start(self) -> URL:
        found = _binaries()
        if found is None:
            raise PostgresUnavailable("initdb and pg_ctl are not on this machine")
        initdb, pg_ctl = found
        self.root = Path(tempfile.mkdtemp(prefix="weerbaar-pg-"))
        as_user: list[str] = []
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: hand the directory to `postgres`.
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root and there is no postgres user") from None
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root and runuser is missing")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            as_user = ["runuser", "-u", "postgres", "--"]
        data = self.root / "data"
        self._run(
            [*as_user, initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
            "initdb",
        )
        options = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            **self.settings,
        }
        with (data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in options.items())
        self._run(
            [*as_user, pg_ctl, "-D", str(data), "-l", str(self.root / "log"), "-w", "start"],
            "pg_ctl start",
        )
        self._pg_ctl, self._as_user = pg_ctl, as_user
        wait_for_port(self.port)
        return make_url(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")

    def pg_ctl(self, *command: str) -> None:
        """`pg_ctl -D <data> -w <command…>` on the running cluster (stop, start)."""
        assert self.root is not None
        data, log = str(self.root / "data"), str(self.root / "log")
        self._run([*self._as_user, self._pg_ctl, "-D", data, "-l", log, "-w", *command], "pg_ctl")

    def stop(self) -> None:
        if self.root is None:
            return
        with contextlib.suppress(Exception):
            subprocess.run(
                [
                    *self._as_user,
                    self._pg_ctl,
                    "-D",
                    str(self.root / "data"),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def _run(self, command: list[str], what: str) -> None:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = ""
            if self.root and (self.root / "log").exists():
                log = (self.root / "log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{what} failed: {done.stderr[-2000:]}{log}")


TEST_SETTINGS = {
    # A test database holds nothing worth keeping: durability off, for speed.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


@contextlib.contextmanager
def postgres_server(settings: dict[str, str] | None = None) -> Iterator[PostgresServer]:
    """The best PostgreSQL this machine offers, for as long as the context lasts."""
    named = os.environ.get("TEST_DATABASE_URL")
    if named:
        yield PostgresServer(make_url(named), how="TEST_DATABASE_URL")
        return
    reasons = []
    cluster = ThrowawayCluster(settings=TEST_SETTINGS if settings is None else settings)
    try:
        url = cluster.start()
    except PostgresUnavailable as exc:
        reasons.append(str(exc))
    else:
        try:
            yield PostgresServer(url, how=f"throwaway cluster on port {cluster.port}")
        finally:
            cluster.stop()
        return
    with _container(reasons) as container_url:
        if container_url is not None:
            yield PostgresServer(container_url, how="testcontainers")
            return
    raise PostgresUnavailable(
        "no PostgreSQL for the tests: TEST_DATABASE_URL is not set; " + "; ".join(reasons)
    )


@contextlib.contextmanager
def _container(reasons: list[str]) -> Iterator[URL | None]:
    try:
        import docker

        docker.from_env().ping()
    except Exception as exc:
        reasons.append(f"Docker is not reachable ({type(exc).__name__})")
        yield None
        return
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver=None) as container:
        yield make_url(container.get_connection_url())
