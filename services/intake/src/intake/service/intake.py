"""Intake's use cases: turn a validated request into a stored event."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from contracts.events import (
    DETAIL_FIELDS,
    ActionRecorded,
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentDeclined,
    AssignmentRequested,
    Event,
    IncidentClosed,
    IncidentDetailsUpdated,
    IncidentReopened,
    IncidentReported,
    RegistrationReceived,
    derive_id,
    utcnow,
)
from contracts.tokens import AckClaim, InvalidTokenError, verify_ack_token
from intake.domain.case import PRODUCER, Actor, CaseFacts
from intake.domain.commands import (
    Acknowledge,
    AssignByHand,
    CloseIncident,
    Decline,
    RecordAction,
    RegisterIncident,
    ReopenIncident,
    ReportIncident,
    UpdateDetails,
)
from intake.domain.errors import InvalidLinkError, SupersededError
from intake.domain.registration import registration_events
from intake.domain.registration import registration_id as keyed_registration_id
from intake.service.ports import (
    EventPublisher,
    IdempotencyConflictError,
    IdempotencyStore,
    Sealer,
)


class RegistrationExistsError(IdempotencyConflictError):
    """The organisation registered this external id before, with other content."""


def fingerprint(scope: str, body: BaseModel | None) -> str:
    """A digest of the request that does not depend on key order or white space."""
    payload = body.model_dump(mode="json") if body is not None else None
    canonical = json.dumps([scope, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Intake:
    """Each command becomes one stored event whose id derives from the request, so a
    repeat is the same event. `ack_secret` verifies acknowledge links (the settings'
    `ACK_TOKEN_SECRET`), `id_key` keys the ids of registrations (`REGISTRATION_ID_KEY`);
    the composition root passes both in. Every personal field is sealed by `sealer`
    with its case's data key before the event is published, and the caller gets the
    event as it was asked for."""

    publisher: EventPublisher
    idempotency: IdempotencyStore
    ack_secret: bytes
    id_key: bytes
    sealer: Sealer

    def claim(self, token: str) -> AckClaim:
        """What a signed acknowledge link names; InvalidLinkError when it is forged or
        expired."""
        try:
            return verify_ack_token(token, secret=self.ack_secret)
        except InvalidTokenError:
            raise InvalidLinkError from None

    async def _seed(self, scope: str, key: str | None, body: BaseModel | None) -> str:
        if key is None:
            return str(uuid.uuid4())
        store_key = hashlib.sha256(f"{scope}\x1f{key}".encode()).hexdigest()
        return await self.idempotency.claim(store_key, fingerprint(scope, body))

    async def report_incident(
        self, *, request: ReportIncident, idempotency_key: str | None
    ) -> Event:
        seed = await self._seed("incidents", idempotency_key, request)
        event = IncidentReported(
            event_id=derive_id("incident.reported", seed),
            incident_id=derive_id("incident", seed),
            occurred_at=utcnow(),
            producer=PRODUCER,
            source=request.source,
            official=request.official,
            incident=request.incident,
            urgency=request.urgency,
            needs=request.needs,
            police=request.police,
            perpetrator_kind=request.perpetrator_kind,
            family_targeted=request.family_targeted,
            related_incident_id=request.related_incident_id,
        )
        return await self._stored(event)

    async def register(
        self, *, request: RegisterIncident, registration_id: uuid.UUID | None = None
    ) -> tuple[RegistrationReceived, IncidentReported | None]:
        """Store the registration under `registration_id` (an id it had before), or else
        under its keyed id."""
        # A registration's identity is (organisation, external id), whatever the key:
        # a repeat is the same registration, and a changed body under that id is a conflict.
        scope = f"registrations\x1f{request.organisation_code}\x1f{request.external_id}"
        try:
            await self._seed(scope, "registration", request)
        except IdempotencyConflictError:
            raise RegistrationExistsError from None
        registration, outreach = registration_events(
            request,
            registration_id=registration_id or keyed_registration_id(request, key=self.id_key),
            now=utcnow(),
        )
        # Both keys are stored before anything is published.
        sealed = [await self.sealer.seal(e) for e in (registration, outreach) if e is not None]
        for event in sealed:
            await self.publisher.publish(event)
        return registration, outreach

    async def acknowledge(
        self,
        *,
        incident_id: uuid.UUID,
        request: Acknowledge,
        current: AdviserAssigned | None,
        idempotency_key: str | None,
    ) -> Event:
        """Acknowledge the named (or else the current) assignment. Acknowledging the
        same assignment again is the same event; a superseded one is refused."""
        assignment_id = request.assignment_id
        adviser_id = request.adviser_id
        if request.token is not None:
            claim = self.claim(request.token)
            if claim.incident_id != incident_id or (
                assignment_id is not None and assignment_id != claim.assignment_id
            ):
                raise InvalidLinkError
            assignment_id = claim.assignment_id
            if current is not None and current.assignment_id == assignment_id:
                adviser_id = adviser_id or current.adviser_id
        if assignment_id is not None and (
            current is None or current.assignment_id != assignment_id
        ):
            raise SupersededError(current)
        target = assignment_id or (current.assignment_id if current else None)
        if target is not None:
            event_id = derive_id("assignment.acknowledged", target)
        else:
            seed = await self._seed(f"acknowledge\x1f{incident_id}", idempotency_key, request)
            event_id = derive_id("assignment.acknowledged", incident_id, seed)
        event = AssignmentAcknowledged(
            event_id=event_id,
            incident_id=incident_id,
            occurred_at=utcnow(),
            producer=PRODUCER,
            assignment_id=target,
            adviser_id=adviser_id,
        )
        await self.publisher.publish(event)
        return event

    async def record_action(
        self, *, incident_id: uuid.UUID, request: RecordAction, idempotency_key: str | None
    ) -> Event:
        seed = await self._seed(f"actions\x1f{incident_id}", idempotency_key, request)
        return await self._stored(
            ActionRecorded(
                **_envelope("action.recorded", incident_id, seed),
                action_id=derive_id("action", incident_id, seed),
                kind=request.kind,
                note=request.note,
                adviser_id=request.adviser_id,
            )
        )

    async def close(
        self, *, incident_id: uuid.UUID, request: CloseIncident, idempotency_key: str | None
    ) -> Event:
        seed = await self._seed(f"close\x1f{incident_id}", idempotency_key, request)
        return await self._stored(
            IncidentClosed(
                **_envelope("incident.closed", incident_id, seed),
                summary=request.summary,
                adviser_id=request.adviser_id,
            )
        )

    async def reopen(
        self, *, incident_id: uuid.UUID, request: ReopenIncident, idempotency_key: str | None
    ) -> Event:
        seed = await self._seed(f"reopen\x1f{incident_id}", idempotency_key, request)
        return await self._stored(
            IncidentReopened(
                **_envelope("incident.reopened", incident_id, seed), reason=request.reason
            )
        )

    async def update_details(
        self,
        *,
        incident_id: uuid.UUID,
        request: UpdateDetails,
        updated_by: Actor,
        adviser_id: str | None,
        idempotency_key: str | None,
    ) -> Event:
        seed = await self._seed(f"details\x1f{incident_id}", idempotency_key, request)
        return await self._stored(
            IncidentDetailsUpdated(
                **_envelope("incident.details_updated", incident_id, seed),
                **request.model_dump(exclude_none=True, include=set(DETAIL_FIELDS)),
                updated_by=updated_by,
                adviser_id=adviser_id,
            )
        )

    async def assign(
        self,
        *,
        incident_id: uuid.UUID,
        request: AssignByHand,
        facts: CaseFacts,
        requested_by: Literal["operator", "coordinator"],
        idempotency_key: str | None,
    ) -> Event:
        """Ask routing to assign the case to this adviser; routing decides."""
        seed = await self._seed(f"assign\x1f{incident_id}", idempotency_key, request)
        return await self._stored(
            AssignmentRequested(
                **_envelope("assignment.requested", incident_id, seed),
                request_id=derive_id("assignment.request", incident_id, seed),
                adviser_id=request.adviser_id,
                reason=request.reason,
                requested_by=requested_by,
                role=facts.role,
                organisation_code=facts.organisation_code,
                urgency=facts.urgency,
                incident_types=facts.types,
                source=facts.source,
            )
        )

    async def decline(
        self,
        *,
        incident_id: uuid.UUID,
        current: AdviserAssigned,
        request: Decline,
        declined_by: Literal["adviser", "link", "operator", "coordinator"],
    ) -> Event:
        """Decline the current assignment. Declining it again is the same event."""
        return await self._stored(
            AssignmentDeclined(
                event_id=derive_id("assignment.declined", current.assignment_id),
                incident_id=incident_id,
                occurred_at=utcnow(),
                producer=PRODUCER,
                assignment_id=current.assignment_id,
                adviser_id=current.adviser_id,
                reason=request.reason,
                declined_by=declined_by,
            )
        )

    async def _stored(self, event: Event) -> Event:
        """Publish the event with its personal fields sealed; the plain event back."""
        await self.publisher.publish(await self.sealer.seal(event))
        return event


def _envelope(event_type: str, incident_id: uuid.UUID, seed: str) -> dict[str, Any]:
    """The envelope of a follow-up event: its id derives from the request's seed, so a
    repeated request is the same event."""
    return {
        "event_id": derive_id(event_type, incident_id, seed),
        "incident_id": incident_id,
        "occurred_at": utcnow(),
        "producer": PRODUCER,
    }
