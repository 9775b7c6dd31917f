"""The sentinel for "nothing else arrives" in the end-to-end tests: a consumer that has
acknowledged a message (and every one before it) never handles it again, so whatever
it did with it is visible now."""

from __future__ import annotations

import nats

from contracts.subjects import EVENTS_STREAM
from tests.support.system import System


async def handled_by(system: System, subject: str, *durables: str) -> bool:
    """Whether each consumer has acknowledged the last message stored on `subject`."""
    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    try:
        js = nc.jetstream()
        seq = (await js.get_last_msg(EVENTS_STREAM, subject)).seq or 0
        for durable in durables:
            info = await js.consumer_info(EVENTS_STREAM, durable)
            if info.ack_floor.stream_seq < seq:
                return False
        return True
    finally:
        await nc.close()
