"""The sentinel for "nothing more happens to this incident" in the end-to-end tests.

A consumer that has acknowledged a message (and every one before it) never handles it
again, and routing publishes what a message makes it do before it acknowledges it. So
once routing has acknowledged every event of the incident it takes, and no fired timer
of the incident is left (the timers stream drops a timer once it is acknowledged), all
that routing will do about them is stored; once notify and the registry have then
acknowledged every event of the incident they take, every page is in the mailbox and
the record shows everything. What did not happen by then does not happen later.
"""

from __future__ import annotations

import nats
from nats.js import JetStreamContext

from contracts.subjects import (
    EVENTS_STREAM,
    NOTIFY_CONSUMER,
    REGISTRY_CONSUMER,
    ROUTING_CONSUMER,
    SUBJECT_PREFIX,
    TIMER_DUE_PREFIX,
    TIMERS_STREAM,
    ConsumerSpec,
)
from tests.support.servers import eventually
from tests.support.system import System


def matches(pattern: str, subject: str) -> bool:
    """Whether a NATS subject filter (with `*` and `>`) matches the subject."""
    wanted, tokens = pattern.split("."), subject.split(".")
    for at, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > at
        if at >= len(tokens) or token not in ("*", tokens[at]):
            return False
    return len(tokens) == len(wanted)


async def caught_up(js: JetStreamContext, incident_id: str, *consumers: ConsumerSpec) -> bool:
    """Whether each consumer has acknowledged every stored event of the incident it takes."""
    incident_events = f"{SUBJECT_PREFIX}.*.*.{incident_id}"
    info = await js.stream_info(EVENTS_STREAM, subjects_filter=incident_events)
    subjects = list(info.state.subjects or {})
    last = {s: (await js.get_last_msg(EVENTS_STREAM, s)).seq or 0 for s in subjects}
    for consumer in consumers:
        taken = [
            seq
            for subject, seq in last.items()
            if any(matches(f, subject) for f in consumer.filter_subjects)
        ]
        floor = (await js.consumer_info(EVENTS_STREAM, consumer.durable)).ack_floor.stream_seq
        if floor < max(taken, default=0):
            return False
    return True


async def timers_handled(js: JetStreamContext, incident_id: str) -> bool:
    """Whether routing has acknowledged every fired timer of the incident."""
    fired = f"{TIMER_DUE_PREFIX}.*.{incident_id}"
    info = await js.stream_info(TIMERS_STREAM, subjects_filter=fired)
    return not any((info.state.subjects or {}).values())


async def settled(system: System, incident_id: str, *, timeout: float = 20.0) -> None:
    """Wait until routing, then notify and the registry, have handled all of the
    incident's events and fired timers stored so far (see the module's docstring)."""
    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    try:
        js = nc.jetstream()

        async def routed() -> bool:
            return await caught_up(js, incident_id, ROUTING_CONSUMER) and await timers_handled(
                js, incident_id
            )

        await eventually(routed, timeout=timeout, what=f"routing settled on {incident_id}")
        # Only now: what routing published before its acknowledgements is stored.
        await eventually(
            lambda: caught_up(js, incident_id, NOTIFY_CONSUMER, REGISTRY_CONSUMER),
            timeout=timeout,
            what=f"notify and the registry settled on {incident_id}",
        )
    finally:
        await nc.close()
