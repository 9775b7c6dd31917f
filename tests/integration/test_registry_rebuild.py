"""Rebuild from the stream equals the live database, row for row (SQLite and
PostgreSQL), erasures by the retention job included; `weerbaar-registry rebuild`."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from contracts.events import Event, utcnow
from contracts.subjects import EVENTS_STREAM
from registry.adapters.db import IncidentRecord
from registry.adapters.migrate import alembic_config, upgrade
from registry.bootstrap import build
from registry.entrypoints.rebuild import NotEmptyError, rebuild
from registry.service.retention import Retention
from registry.settings import RegistrySettings
from tests.support.postgres import PostgresServer
from tests.support.registry import open_registry, recorded_events, snapshot
from tests.support.servers import ROOT, NatsServer, eventually

pytestmark = pytest.mark.nats


async def publish(url: str, events: list[Event], *, again: list[Event]) -> None:
    """Store the events in the stream as the services would, and `again` a second time
    under other message ids (a producer that republished after the dedupe window)."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    try:
        for event in events:
            await js.publish(
                event.subject(),
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": event.msg_id()},
            )
        for event in again:
            await js.publish(
                event.subject(),
                event.model_dump_json().encode(),
                headers={"Nats-Msg-Id": f"again:{event.msg_id()}"},
            )
        await js.publish("weerbaar.events.bogus.x", b"not an event")
    finally:
        await nc.close()


@pytest.fixture
async def second_database_url(
    request: pytest.FixtureRequest, registry_database_url: str, tmp_path: Path
) -> AsyncIterator[str]:
    if registry_database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'rebuilt.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = await server.create_database()
    try:
        yield url
    finally:
        await server.drop_database(url)


def settings(nats_url: str, database_url: str) -> RegistrySettings:
    return RegistrySettings(
        NATS_URL=nats_url, DATABASE_URL=database_url, REGISTRY_RETENTION_INTERVAL_S=0
    )


async def test_rebuild_equals_the_live_database(
    provisioned: NatsServer, registry_database_url: str, second_database_url: str
) -> None:
    events = recorded_events()
    await publish(provisioned.url, events, again=events[::5])
    live = build(settings(provisioned.url, registry_database_url))
    await upgrade(live.engine)
    live.projector.start()
    await live.broker.start()
    try:
        async with open_registry(registry_database_url) as reader:

            async def caught_up() -> bool:
                return len((await snapshot(reader.engine))["events"]) == len(
                    {e.event_id for e in events}
                )

            await eventually(caught_up, timeout=30, what="live projection")
            # The retention job, six years on: the closed cases' personal data goes.
            retention = Retention(
                queries=live.queries,
                publish=live.publish,
                retention=timedelta(days=1826),
                clock=lambda: utcnow() + timedelta(days=6 * 365),
            )

            async def erased_cases() -> int:
                async with reader.engine.connect() as conn:
                    count = await conn.scalar(
                        select(func.count()).where(IncidentRecord.erased_at.is_not(None))
                    )
                return int(count or 0)

            already = await erased_cases()  # the recorded run holds an erasure request
            erased = await retention.run_once()
            assert erased >= 1

            async def all_erased() -> bool:
                return await erased_cases() == already + erased

            await eventually(all_erased, timeout=30, what="erasures projected")
            assert await retention.run_once() == 0  # nothing is erased twice
            await asyncio.sleep(0.5)
            live_rows = await snapshot(reader.engine)
    finally:
        await live.broker.stop()
        await live.projector.stop()
        await live.engine.dispose()

    out = io.StringIO()
    projected = await rebuild(settings(provisioned.url, second_database_url), out=out, batch=17)
    assert projected == len(events) + len(events[::5]) + erased
    assert "rebuild: done" in out.getvalue()
    async with open_registry(second_database_url) as rebuilt:
        assert await snapshot(rebuilt.engine) == live_rows
    with pytest.raises(NotEmptyError):
        await rebuild(settings(provisioned.url, second_database_url), out=io.StringIO())


def run_cli(*args: str, env: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_rebuild_command(provisioned: NatsServer, tmp_path: Path) -> None:
    events = recorded_events()
    await publish(provisioned.url, events, again=[])
    env = {
        "NATS_URL": provisioned.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "LOG_JSON": "true",
    }
    done = await asyncio.to_thread(run_cli, "rebuild", env=env)
    assert done.returncode == 0, done.stderr
    assert f"{len(events) + 1}/{len(events) + 1} messages" in done.stderr
    assert "1 skipped" in done.stderr
    again = await asyncio.to_thread(run_cli, "rebuild", env=env)
    assert again.returncode == 2
    assert "empty" in again.stderr
    forced = await asyncio.to_thread(run_cli, "rebuild", "--drop-existing", env=env)
    assert forced.returncode == 0, forced.stderr
    async with open_registry(env["DATABASE_URL"].replace("sqlite:", "sqlite+aiosqlite:")) as r:
        assert len((await snapshot(r.engine))["events"]) == len(events)
    migrate = await asyncio.to_thread(run_cli, "migrate", env=env)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert migrate.returncode == 0 and f"at revision {head}" in migrate.stderr


async def test_rebuild_of_an_empty_stream(provisioned: NatsServer, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    assert await rebuild(settings(provisioned.url, url), out=io.StringIO()) == 0
    nc = await nats.connect(provisioned.url)
    try:
        info = await nc.jetstream().stream_info(EVENTS_STREAM)
        assert info.state.messages == 0
    finally:
        await nc.close()
