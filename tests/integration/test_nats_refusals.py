"""Least privilege in NATS, continued (see test_nats_permissions.py): operations outside
a service's permissions are refused, every user of deploy/nats/accounts.conf has a
password and the Kubernetes copy is the same, and the console keeps its sessions and
hears the change feed but publishes no event."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from nats.js.client import JetStreamContext

from contracts.subjects import (
    ALL_EVENTS,
    CHANGED_PREFIX,
    EVENTS_STREAM,
    NOTIFY_BUCKET,
    TIMER_SCHEDULE_PREFIX,
    TIMERS_STREAM,
)
from tests.support.nats_users import (
    REFUSED_WAIT_S,
    SERVICES,
    connect,
    permissions_server,
    violations_of,
)
from tests.support.servers import ROOT, NatsServer, eventually

pytestmark = pytest.mark.nats


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    with permissions_server(tmp_path_factory.mktemp("nats-permissions")) as running:
        yield running


Attempt = Callable[[JetStreamContext, str], Awaitable[Any]]
FORBIDDEN: dict[str, tuple[str, Attempt]] = {
    "registry assigns an adviser": (
        "registry",
        lambda js, i: js.publish(f"weerbaar.events.adviser.assigned.{i}", b"{}"),
    ),
    "routing reads notify's bucket": ("routing", lambda js, i: js.key_value(NOTIFY_BUCKET)),
    "intake creates a consumer": (
        "intake",
        lambda js, i: js.subscribe(ALL_EVENTS, stream=EVENTS_STREAM, ordered_consumer=True),
    ),
    "routing publishes on the change feed": (
        "routing",
        lambda js, i: js.publish(f"{CHANGED_PREFIX}.incident.{i}", b"{}"),
    ),
    "intake publishes a decision of routing": (
        "intake",
        lambda js, i: js.publish(f"weerbaar.events.assignment.rejected.{i}", b"{}"),
    ),
    "notify schedules a timer": (
        "notify",
        lambda js, i: js.publish(f"{TIMER_SCHEDULE_PREFIX}.ack.{i}.1", b"{}", stream=TIMERS_STREAM),
    ),
}


@pytest.mark.parametrize("case", list(FORBIDDEN))
async def test_other_forbidden_operations_are_refused(server: NatsServer, case: str) -> None:
    user, attempt = FORBIDDEN[case]
    refused_before = len(violations_of(server, user))
    nc = await connect(server, user)
    try:
        with pytest.raises(TimeoutError):
            await attempt(nc.jetstream(timeout=REFUSED_WAIT_S), str(uuid.uuid4()))
    finally:
        await nc.close()
    await eventually(
        lambda: len(violations_of(server, user)) > refused_before, what="the server's refusal"
    )


def test_every_user_of_the_accounts_file_has_a_password(tmp_path: Path) -> None:
    server = NatsServer(store_dir=tmp_path)
    assert set(server.passwords) == {
        *SERVICES,
        "console",
        "provisioner",
        "ops",
        "sys",
    }


def test_the_kubernetes_copy_of_the_permissions_is_the_same() -> None:
    copy = ROOT / "deploy/k8s/nats/accounts.conf"
    assert copy.read_text() == (ROOT / "deploy/nats/accounts.conf").read_text(), (
        "run deploy/k8s/sync-nats-config.sh"
    )


async def test_the_console_keeps_sessions_and_hears_the_change_feed_but_publishes_no_event(
    server: NatsServer,
) -> None:
    from contracts.subjects import CONSOLE_SESSIONS_BUCKET

    nc = await connect(server, "console")
    try:
        kv = await nc.jetstream().key_value(CONSOLE_SESSIONS_BUCKET)
        await kv.put("abc", b"{}")
        assert (await kv.get("abc")).value == b"{}"
        await kv.purge("abc")
        # the registry publishes the feed (its own permission); here: subscribing is allowed
        subscription = await nc.subscribe("weerbaar.changed.>")
        await nc.flush()
        await subscription.unsubscribe()
        assert violations_of(server, "console") == []
        refused_before = len(violations_of(server, "console"))
        with pytest.raises(TimeoutError):
            await nc.jetstream(timeout=REFUSED_WAIT_S).publish(
                "weerbaar.events.incident.reported.x", b"{}"
            )
        await eventually(
            lambda: len(violations_of(server, "console")) > refused_before,
            what="the server's refusal",
        )
    finally:
        await nc.close()
