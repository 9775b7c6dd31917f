"""Looking for personal data on the bus: every message of every stream and bucket,
read as an administrator or as one service's own NATS user, and the data keys the key
store still holds."""

from __future__ import annotations

import json
import uuid
from typing import Any

import nats
from nats.aio.client import Client
from nats.js.errors import APIError, NotFoundError

from contracts.subjects import KEYS_BUCKET, inbox_prefix
from tests.support.servers import NatsServer
from weerbaar_runtime.keystore import KEYS_STREAM
from weerbaar_runtime.sealing import CaseKey, KekRing

READABLE = {
    # what each service's user may read message by message (deploy/nats/accounts.conf)
    "intake": ("WEERBAAR_EVENTS", "KV_weerbaar_idempotency", KEYS_STREAM),
    "registry": (KEYS_STREAM,),
    "routing": ("KV_weerbaar_routing",),
    "notify": ("WEERBAAR_DEAD_LETTERS", "KV_weerbaar_notify_delivered"),
    "console": ("KV_weerbaar_console_sessions",),
}


async def connect(server: NatsServer, user: str) -> Client:
    return await nats.connect(
        server.url, **server.credentials(user), inbox_prefix=inbox_prefix(user)
    )


async def last_sequences(server: NatsServer) -> dict[str, int]:
    """Every stream of the account and its last sequence, as ops sees them."""
    nc = await connect(server, "ops")
    try:
        infos = await nc.jetstream().streams_info()
        return {str(s.config.name): s.state.last_seq for s in infos}
    finally:
        await nc.close()


async def messages(nc: Client, stream: str, last: int) -> list[tuple[str, bytes]]:
    """(subject, headers and data) of every message of `stream` up to `last`."""
    js = nc.jetstream()
    found: list[tuple[str, bytes]] = []
    for seq in range(1, last + 1):
        try:
            msg = await js.get_msg(stream, seq=seq)
        except (NotFoundError, APIError):
            continue  # deleted, erased, or consumed from a work queue
        found.append(
            (msg.subject or "", json.dumps(msg.headers or {}).encode() + (msg.data or b""))
        )
    return found


async def scan(server: NatsServer, canaries: list[str]) -> dict[str, list[str]]:
    """`user/stream` → the canaries found in the clear there, read as ops and as each
    service's user (what it may read); empty when none is anywhere."""
    lasts = await last_sequences(server)
    assert {"WEERBAAR_EVENTS", KEYS_STREAM} <= set(lasts), lasts
    hits: dict[str, list[str]] = {}
    readers = {"ops": tuple(lasts), **READABLE}
    for user, streams in readers.items():
        nc = await connect(server, user)
        try:
            for stream in streams:
                blob = b"".join(m for _, m in await messages(nc, stream, lasts.get(stream, 0)))
                found = [c for c in canaries if c.encode() in blob]
                if found:
                    hits[f"{user}/{stream}"] = found
        finally:
            await nc.close()
    return hits


async def data_keys(server: NatsServer, keks: KekRing) -> dict[str, CaseKey]:
    """Every data key the key store still holds, unwrapped, by case id (as ops)."""
    nc = await connect(server, "ops")
    try:
        last = (await nc.jetstream().stream_info(KEYS_STREAM)).state.last_seq
        keys: dict[str, CaseKey] = {}
        for subject, _ in await messages(nc, KEYS_STREAM, last):
            name = subject.removeprefix(f"$KV.{KEYS_BUCKET}.")
            try:
                entry = await (await nc.jetstream().key_value(KEYS_BUCKET)).get(name)
            except NotFoundError:
                continue
            if entry.value:
                keys[name] = keks.unwrap(name, entry.value)
        return keys
    finally:
        await nc.close()


async def key_messages(server: NatsServer, incident_id: uuid.UUID | str) -> list[bytes]:
    """The messages of the key store's stream on one case's subject, as ops."""
    nc = await connect(server, "ops")
    try:
        last = (await nc.jetstream().stream_info(KEYS_STREAM)).state.last_seq
        subject = f"$KV.{KEYS_BUCKET}.{incident_id}"
        return [m for s, m in await messages(nc, KEYS_STREAM, last) if s == subject]
    finally:
        await nc.close()


async def case_events(server: NatsServer, incident_id: str) -> list[dict[str, Any]]:
    """Every event of one case in the events stream, as stored (as ops)."""
    nc = await connect(server, "ops")
    try:
        last = (await nc.jetstream().stream_info("WEERBAAR_EVENTS")).state.last_seq
        js = nc.jetstream()
        found = []
        for seq in range(1, last + 1):
            try:
                msg = await js.get_msg("WEERBAAR_EVENTS", seq=seq)
            except (NotFoundError, APIError):
                continue
            if (msg.subject or "").endswith(incident_id):
                found.append(json.loads(msg.data or b"{}"))
        return found
    finally:
        await nc.close()
