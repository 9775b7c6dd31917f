"""The NATS users of deploy/nats/accounts.conf against a real nats-server, for the
permission tests: a server with only those users, their connections, and what the
server refused."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
import yaml
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from contracts.events import AdviserAssigned, derive_id, utcnow
from contracts.subjects import IDEMPOTENCY_BUCKET, NOTIFY_BUCKET, ROUTING_BUCKET, inbox_prefix
from tests.support.servers import ROOT, NatsServer, provision

SERVICES = ("intake", "routing", "notify", "registry")
BUCKETS = {"intake": IDEMPOTENCY_BUCKET, "routing": ROUTING_BUCKET, "notify": NOTIFY_BUCKET}
REFUSED_WAIT_S = 0.5  # a refused request is dropped by the server: the client times out


@contextmanager
def permissions_server(store_dir: Path) -> Iterator[NatsServer]:
    """The production permissions and nothing else: every connection authenticates."""
    running = NatsServer(store_dir=store_dir, anonymous=False).start()
    try:
        asyncio.run(provision(running.url, **running.credentials("provisioner")))
        yield running
    finally:
        running.stop()


async def connect(server: NatsServer, user: str) -> Client:
    return await nats.connect(
        server.url,
        **server.credentials(user),
        inbox_prefix=inbox_prefix(user),
        max_reconnect_attempts=0,
    )


async def stored(server: NatsServer, stream: str, subject: str) -> bool:
    nc = await connect(server, "ops")
    try:
        await nc.jetstream().get_last_msg(stream, subject)
        return True
    except NotFoundError:
        return False
    finally:
        await nc.close()


def violations_of(server: NatsServer, user: str, subject: str = "") -> list[str]:
    return [v for v in server.violations() if f'/user:{user}"' in v and subject in v]


def permission_logged(records: list[dict[str, Any]]) -> bool:
    return any(
        r.get("event") == "nats permission violation" and r.get("level") == "error" for r in records
    )


def assignment(incident_id: uuid.UUID) -> AdviserAssigned:
    return AdviserAssigned.model_validate(
        {
            "event_id": derive_id("forged", incident_id),
            "incident_id": incident_id,
            "occurred_at": utcnow(),
            "producer": "intake",
            "assignment_id": derive_id("forged-assignment", incident_id),
            "adviser_id": "ngb-01",
            "pool": "ngb",
            "urgency": "high",
            "ack_deadline": utcnow() + timedelta(minutes=15),
            "role": "mayor",
            "organisation_code": "GM0363",
            "contacts": [{"channel": "email", "address": "x@example.nl"}],
        }
    )


def sends(service: str) -> list[str]:
    """The subjects the service's AsyncAPI document says it publishes."""
    document = yaml.safe_load((ROOT / f"docs/asyncapi/{service}.yaml").read_text())
    channels = document["channels"]
    addresses = []
    for operation in document["operations"].values():
        if operation["action"] == "send":
            name = operation["channel"]["$ref"].rsplit("/", 1)[-1]
            addresses.append(channels[name]["address"])
    return addresses
