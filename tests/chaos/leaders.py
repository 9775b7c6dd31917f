"""Which member leads which Raft group, and when a killed or frozen one's groups have
new leaders."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

import nats

from contracts.subjects import (
    EVENTS_STREAM,
    ROUTING_BUCKET,
    ROUTING_TIMERS_CONSUMER,
    TIMERS_STREAM,
    TOPOLOGY,
)

if TYPE_CHECKING:
    from tests.chaos.faults import Chaos


async def groups_led_by(chaos: Chaos, name: str) -> list[str]:
    """The streams, buckets and durables whose Raft group the member leads now."""
    assert chaos.system.nats is not None
    nc = await nats.connect(chaos.system.nats.servers)
    led: list[str] = []
    try:
        js = nc.jetstream(timeout=5)
        for stream in await js.streams_info():
            if stream.cluster is not None and stream.cluster.leader == name:
                led.append(stream.config.name or "?")
        for spec in TOPOLOGY.consumers:
            info = await js.consumer_info(spec.stream, spec.durable)
            if info.cluster is not None and info.cluster.leader == name:
                led.append(spec.durable)
    finally:
        await nc.close()
    return led


ESCALATION_GROUPS = (
    EVENTS_STREAM,
    TIMERS_STREAM,
    f"KV_{ROUTING_BUCKET}",
    ROUTING_TIMERS_CONSUMER.durable,
)
"""The Raft groups an escalation is stored through: the timer fires in WEERBAAR_TIMERS
to the routing-timers durable, routing's state is compare-and-set in its bucket, the
escalation is published to WEERBAAR_EVENTS."""


async def wait_reelected(chaos: Chaos, name: str, led: list[str], *, since: float) -> None:
    """Wait until each escalation group `name` led has another leader; set `reelected`.

    nats-server's Raft waits 4-9 s without a leader's heartbeat before a follower
    campaigns (server/raft.go, not configurable), so an escalation due in that window
    cannot be stored sooner: its lateness is also counted from the re-election. A group
    still without a new leader after 60 s leaves `reelected` unset: lateness then
    counts from the deadline alone."""
    needed = [g for g in ESCALATION_GROUPS if g in led]
    if not needed:
        return
    assert chaos.system.nats is not None
    nc = await nats.connect(chaos.system.nats.servers, max_reconnect_attempts=-1)
    try:
        js = nc.jetstream(timeout=0.5)
        while needed and time.monotonic() - since < 60:
            group = needed[0]
            with contextlib.suppress(Exception):
                info = (
                    await js.consumer_info(TIMERS_STREAM, group)
                    if group == ROUTING_TIMERS_CONSUMER.durable
                    else await js.stream_info(group)
                )
                leader = info.cluster.leader if info.cluster is not None else None
                if leader and leader != name:
                    needed.pop(0)
                    continue
            await asyncio.sleep(0.1)
    finally:
        await nc.close()
    if needed:
        chaos.notes.append(f"no new leader within 60 s for {', '.join(needed)}")
        return
    chaos.reelected = time.monotonic()
    chaos.notes.append(
        f"new leaders for what it led of an escalation's path after {chaos.reelected - since:.1f} s"
    )
