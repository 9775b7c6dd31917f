"""JetStream adapters: publish with a PubAck; read an incident's events from the stream."""

from __future__ import annotations

import uuid
from typing import Any

from faststream.nats import NatsBroker
from nats.errors import Error as NatsError
from nats.js.errors import NotFoundError

from contracts.events import (
    AdviserAssigned,
    AssignmentAcknowledged,
    Event,
    IncidentDetailsUpdated,
    IncidentReported,
    PersonalDataErased,
    RegistrationReceived,
)
from contracts.subjects import EVENTS_STREAM, event_subject
from intake.adapters.retry import within
from intake.domain.case import CaseFacts
from weerbaar_runtime.nats import PublishFailedError, publish_event


class JetStreamPublisher:
    """Publishes an event and returns only after JetStream acknowledged storing it;
    a failed try is repeated for up to `retry_s` (a leader election)."""

    def __init__(self, broker: NatsBroker, *, timeout_s: float, retry_s: float = 0.0) -> None:
        self._broker = broker
        self._timeout_s = timeout_s
        self._retry_s = retry_s

    async def publish(self, event: Event) -> None:
        async def attempt(timeout_s: float) -> None:
            await publish_event(self._broker, event, timeout_s=timeout_s)

        await within(self._retry_s, attempt, timeout_s=self._timeout_s, what="publish")


class StreamIncidentLookup:
    """An incident exists when its `incident.reported` event is in the stream."""

    def __init__(self, broker: NatsBroker, *, timeout_s: float) -> None:
        self._broker = broker
        self._timeout_s = timeout_s

    async def _last_message(self, event_type: str, incident_id: uuid.UUID) -> Any:
        """The incident's last stored event of this type (a raw stream message), or None."""
        js = self._broker.connection.jetstream(timeout=self._timeout_s)
        try:
            return await js.get_last_msg(EVENTS_STREAM, event_subject(event_type, incident_id))
        except NotFoundError:
            return None
        except (NatsError, TimeoutError, OSError) as exc:
            raise PublishFailedError(type(exc).__name__) from exc

    async def _last(self, event_type: str, incident_id: uuid.UUID) -> bytes | None:
        message = await self._last_message(event_type, incident_id)
        return None if message is None else (message.data or b"")

    async def exists(self, incident_id: uuid.UUID) -> bool:
        return await self._last("incident.reported", incident_id) is not None

    async def registered(self, incident_id: uuid.UUID) -> bool:
        return await self._last(RegistrationReceived.TYPE, incident_id) is not None

    async def _last_sequence(self, event_type: str, incident_id: uuid.UUID) -> int:
        message = await self._last_message(event_type, incident_id)
        return 0 if message is None else int(message.seq or 0)

    async def closed(self, incident_id: uuid.UUID) -> bool:
        """Closed and not reopened since."""
        closed = await self._last_sequence("incident.closed", incident_id)
        return closed > await self._last_sequence("incident.reopened", incident_id)

    async def _each(self, event_type: str, incident_id: uuid.UUID, limit: int) -> list[bytes]:
        """Every stored event of one type of the incident, oldest first (at most `limit`)."""
        js = self._broker.connection.jetstream(timeout=self._timeout_s)
        subject = event_subject(event_type, incident_id)
        found: list[bytes] = []
        sequence = 1
        try:
            while len(found) < limit:
                message = await js.get_msg(EVENTS_STREAM, seq=sequence, subject=subject, next=True)
                found.append(message.data or b"")
                sequence = (message.seq or sequence) + 1
        except NotFoundError:
            pass
        except (NatsError, TimeoutError, OSError) as exc:
            raise PublishFailedError(type(exc).__name__) from exc
        return found

    async def assigned_advisers(self, incident_id: uuid.UUID) -> list[str]:
        """Every adviser the incident was ever assigned to, oldest first."""
        return [
            AdviserAssigned.model_validate_json(data).adviser_id
            for data in await self._each(AdviserAssigned.TYPE, incident_id, 100)
        ]

    async def erased(self, incident_id: uuid.UUID) -> bool:
        return await self._last(PersonalDataErased.TYPE, incident_id) is not None

    async def acknowledged(self, incident_id: uuid.UUID, assignment_id: uuid.UUID) -> bool:
        data = await self._last(AssignmentAcknowledged.TYPE, incident_id)
        if data is None:
            return False
        ack = AssignmentAcknowledged.model_validate_json(data)
        return ack.assignment_id in (None, assignment_id)

    async def facts(self, incident_id: uuid.UUID) -> CaseFacts | None:
        """The case's facts as they stand: the report and every update since."""
        data = await self._last(IncidentReported.TYPE, incident_id)
        if data is None:
            return None
        report = IncidentReported.model_validate_json(data)
        facts = CaseFacts(
            role=report.official.role,
            organisation_code=report.official.organisation_code,
            urgency=report.urgency,
            types=list(report.incident.types),
            source=report.source,
        )
        updates = [
            IncidentDetailsUpdated.model_validate_json(d)
            for d in await self._each(IncidentDetailsUpdated.TYPE, incident_id, 1000)
        ]
        for update in sorted(updates, key=lambda u: (u.occurred_at, u.event_id)):
            facts = facts.updated(update)
        return facts

    async def current_assignment(self, incident_id: uuid.UUID) -> AdviserAssigned | None:
        data = await self._last(AdviserAssigned.TYPE, incident_id)
        return AdviserAssigned.model_validate_json(data) if data else None
