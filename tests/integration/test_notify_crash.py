"""`kill -9` notify in the middle of a burst of 500 assignments, then restart it.

Every assignment must be delivered. A duplicate can only come from a crash between a
send and its delivered-log record: the test counts duplicates, checks that each was
sent-but-unrecorded at the crash and in flight (delivered to notify, not acknowledged)
by JetStream's own count, and that every copy carries the same Message-ID."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import re
from email.message import Message
from pathlib import Path

import httpx
import nats
import pytest
from aiosmtpd.controller import Controller

from contracts.events import AdviserAssigned, derive_id
from contracts.subjects import EVENTS_STREAM, NOTIFY_BUCKET, NOTIFY_CONSUMER, TOPOLOGY
from tests.support.notify_helpers import assigned, contact, publish
from tests.support.servers import NatsServer, ServiceProcess, eventually, free_port
from tests.support.system import RecordingHandler, body_of
from weerbaar_runtime.provision import provision

pytestmark = pytest.mark.nats

BURST = 500
CONCURRENCY = 32
ACK_WAIT_S = 3.0  # in-flight messages come back quickly after the crash
ASSIGNMENT = re.compile(r"\(toewijzing ([0-9a-f-]{36})\)")


def assignment_of(mail: Message) -> str:
    match = ASSIGNMENT.search(body_of(mail))
    assert match, "a page names its assignment"
    return match.group(1)


async def test_kill_9_mid_burst_delivers_everything_and_repeats_only_what_was_in_flight(
    tmp_path: Path,
) -> None:
    server = NatsServer(store_dir=tmp_path / "nats").start()
    mailbox = RecordingHandler()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    topology = dataclasses.replace(
        TOPOLOGY,
        consumers=tuple(
            dataclasses.replace(c, ack_wait_s=ACK_WAIT_S) if c.durable == "notify" else c
            for c in TOPOLOGY.consumers
        ),
    )
    await provision(js, topology=topology)
    port = free_port()
    env = {
        "NATS_URL": server.url,
        "NOTIFY_PORT": str(port),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "NOTIFY_CONCURRENCY": str(CONCURRENCY),
        "LOG_LEVEL": "WARNING",
    }
    notify = ServiceProcess(name="notify", env=env, log_path=tmp_path / "notify.log", port=port)
    try:
        notify.start()
        async with httpx.AsyncClient(timeout=2) as client:

            async def ready() -> bool:
                try:
                    return (await client.get(f"{notify.base_url}/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, timeout=30, interval=0.1, what="notify ready")

        events: list[AdviserAssigned] = [
            assigned([contact("email", f"adviser-{n:03d}@ngb.example")]) for n in range(BURST)
        ]
        by_assignment = {str(e.assignment_id): e for e in events}
        for start in range(0, BURST, 100):
            await asyncio.gather(
                *(
                    js.publish(
                        e.subject(),
                        e.model_dump_json().encode(),
                        stream=EVENTS_STREAM,
                        headers={"Nats-Msg-Id": str(e.event_id)},
                    )
                    for e in events[start : start + 100]
                )
            )

        await eventually(
            lambda: len(mailbox.messages) >= BURST // 5, timeout=60, interval=0.005, what="100"
        )
        notify.kill()
        await asyncio.sleep(0.5)  # let a send that was already on the wire land
        at_crash = [assignment_of(m) for m in mailbox.messages]
        info = await js.consumer_info(EVENTS_STREAM, NOTIFY_CONSUMER.durable)
        in_flight = info.num_ack_pending
        kv = await js.key_value(NOTIFY_BUCKET)
        recorded = set(await kv.keys())
        sent_unrecorded = {
            a
            for a in at_crash
            if str(derive_id("notification", a, "page", "email")) not in recorded
        }
        assert 0 < len(set(at_crash)) < BURST, "the crash must fall in the middle of the burst"

        notify.start()
        await eventually(
            lambda: {assignment_of(m) for m in mailbox.messages} >= set(by_assignment),
            timeout=90,
            interval=0.1,
            what="every assignment delivered",
        )

        async def settled() -> bool:
            state = await js.consumer_info(EVENTS_STREAM, NOTIFY_CONSUMER.durable)
            return state.num_ack_pending == 0 and state.num_pending == 0

        await eventually(settled, timeout=ACK_WAIT_S * 4, what="the consumer settled")
        # The sentinel: a page published after the burst, delivered over the same path.
        # Once it is in and the consumer is settled again, a late redelivery of the burst
        # cannot come (nothing is pending or unacknowledged any more).
        marker = assigned([contact("email", "marker@ngb.example")])
        await publish(js, marker)
        await eventually(
            lambda: mailbox.mentioning(str(marker.assignment_id)), timeout=30, what="the marker"
        )
        await eventually(settled, timeout=ACK_WAIT_S * 4, what="the consumer settled again")

        copies: dict[str, list[Message]] = collections.defaultdict(list)
        for mail in mailbox.messages:
            if assignment_of(mail) != str(marker.assignment_id):
                copies[assignment_of(mail)].append(mail)
        duplicates = {a: m for a, m in copies.items() if len(m) > 1}
        extra = sum(len(m) - 1 for m in duplicates.values())
        print(
            f"\nkill -9 after {len(set(at_crash))}/{BURST} delivered: in flight {in_flight}, "
            f"sent but unrecorded {len(sent_unrecorded)}, duplicates {extra} "
            f"({sum(len(m) for m in copies.values())} mails for {BURST} assignments)"
        )
        assert set(copies) == set(by_assignment)
        assert extra <= in_flight <= CONCURRENCY * 2
        assert set(duplicates) <= sent_unrecorded
        for assignment, mails in duplicates.items():
            expected = f"<{derive_id('notification', assignment, 'page', 'email')}@weerbaar>"
            assert {m["Message-ID"] for m in mails} == {expected}
            assert len({m["X-Weerbaar-Notification-Id"] for m in mails}) == 1
        for assignment, mails in copies.items():
            assert mails[0]["X-Rcpt-To"] == by_assignment[assignment].contacts[0].address
    finally:
        notify.stop()
        await nc.close()
        smtp.stop()
        server.stop()
