"""What JetStream stored: the last event of one type of an incident, as the harness
reads it from the event stream."""

from __future__ import annotations

import json
from typing import Any

from contracts.subjects import EVENTS_STREAM, event_subject
from tests.support.servers import eventually
from tests.support.system import System


async def last_stored(system: System, event_type: str, incident_id: str) -> dict[str, Any]:
    """The last stored event of `event_type` for the incident (waits a little for it)."""
    import nats
    from nats.js.errors import NotFoundError

    assert system.nats is not None
    nc = await nats.connect(system.nats.servers)
    try:
        js = nc.jetstream()

        async def found() -> dict[str, Any] | None:
            try:
                message = await js.get_last_msg(
                    EVENTS_STREAM, event_subject(event_type, incident_id)
                )
            except NotFoundError:
                return None
            event: dict[str, Any] = json.loads(message.data or b"{}")
            return event

        stored: dict[str, Any] = await eventually(found, timeout=10, what=event_type)
        return stored
    finally:
        await nc.close()
