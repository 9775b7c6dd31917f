"""Notify's dead letters: list them, and re-drive them once the receiver is back.

A message notify gave up on is parked on the dead-letter stream as
`weerbaar.dead.notify.<stream sequence>` with why (weerbaar_runtime.consumer). A
re-drive publishes the original event again on its original subject, with a fresh
`Nats-Msg-Id` so JetStream does not drop it as a repeat; the notify consumer sees it
as new (attempts and the time bound start again) and the delivered log keeps whatever
was already delivered from being sent twice. Then the dead letter is deleted; a crash
in between only means a second re-drive, which sends nothing twice either.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from contracts.subjects import (
    DEAD_LETTER_PREFIX,
    DEAD_LETTER_STREAM,
    EVENTS_STREAM,
    NOTIFY_CONSUMER,
    SUBJECT_PREFIX,
)
from notify.domain.operations import DeadLetter, Redriven

REDRIVEN_BY = "Weerbaar-Redriven-By"
"""Who re-drove a dead letter (`role:subject`), on the event published again."""


class DeadLetterError(Exception):
    """The dead letter does not exist, is not notify's, or cannot be re-driven."""


class UnknownDeadLetterError(DeadLetterError):
    """No dead letter of notify's has this sequence."""


def _summary(raw: Any) -> DeadLetter:
    headers = raw.headers or {}
    event_type = event_id = incident_id = None
    try:
        data = json.loads(raw.data or b"")
        if isinstance(data, dict):
            event_type = str(data.get("type")) if data.get("type") else None
            event_id = str(data.get("event_id")) if data.get("event_id") else None
            incident_id = str(data.get("incident_id")) if data.get("incident_id") else None
    except ValueError:
        pass
    return DeadLetter(
        seq=int(raw.seq),
        parked_at=raw.time,
        reason=headers.get("Weerbaar-Reason", "unknown"),
        error_type=headers.get("Weerbaar-Error-Type", "unknown"),
        original_subject=headers.get("Weerbaar-Original-Subject", ""),
        event_type=event_type,
        event_id=event_id,
        incident_id=incident_id,
    )


class DeadLetters:
    def __init__(self, js: JetStreamContext, *, consumer: str = NOTIFY_CONSUMER.durable) -> None:
        self._js = js
        self._prefix = f"{DEAD_LETTER_PREFIX}.{consumer}."

    async def list(self, *, after: int = 0, limit: int | None = None) -> list[DeadLetter]:
        """The dead letters of this consumer after stream sequence `after`, oldest first;
        at most `limit` of them (None: every one)."""
        found: list[DeadLetter] = []
        seq = after + 1
        while limit is None or len(found) < limit:
            try:
                raw = await self._js.get_msg(
                    DEAD_LETTER_STREAM, seq=seq, subject=f"{self._prefix}*", next=True
                )
            except NotFoundError:
                return found
            found.append(_summary(raw))
            seq = int(raw.seq or seq) + 1
        return found

    async def redrive(self, seq: int, *, by: str | None = None) -> Redriven:
        """Publish the dead letter's event again on its original subject, then delete it.
        `by` (who asked) travels on the event as `Weerbaar-Redriven-By`."""
        try:
            raw = await self._js.get_msg(DEAD_LETTER_STREAM, seq=seq)
        except NotFoundError:
            raise UnknownDeadLetterError(f"no dead letter {seq}") from None
        if not (raw.subject or "").startswith(self._prefix):
            raise UnknownDeadLetterError(f"dead letter {seq} is not notify's")
        original = (raw.headers or {}).get("Weerbaar-Original-Subject", "")
        if not original.startswith(f"{SUBJECT_PREFIX}."):
            raise DeadLetterError(f"dead letter {seq} has no event subject to return to")
        if f"{original.rsplit('.', 1)[0]}.*" not in NOTIFY_CONSUMER.filter_subjects:
            raise DeadLetterError(f"dead letter {seq} is not an event notify handles")
        headers = {
            "Nats-Msg-Id": f"redrive:{seq}:{uuid.uuid4()}",
            "Weerbaar-Redriven-From": str(seq),
        }
        if by:
            headers[REDRIVEN_BY] = by
        ack = await self._js.publish(
            original, raw.data or b"", stream=EVENTS_STREAM, headers=headers
        )
        await self._js.delete_msg(DEAD_LETTER_STREAM, seq)
        return Redriven(seq=seq, subject=original, stream_seq=int(ack.seq))
