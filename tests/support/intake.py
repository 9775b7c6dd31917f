"""Intake's unit-test helpers: registration bodies, acknowledge tokens, a lookup in memory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.events import AdviserAssigned
from contracts.tokens import sign_ack_token
from intake.domain.case import CaseFacts
from tests.support.events import INCIDENT_ID

SECRET = b"test-ack-secret"
ID_KEY = b"test-registration-id-key-of-32-bytes"


def registration_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": "AGR-2026-0042",
        "organisation_code": "GM0363",
        "official": {"role": "alderman"},
        "incident": {
            "types": ["verbal_aggression"],
            "channels": ["during_meeting"],
            "occurred_at": "2026-11-20T21:15:00+01:00",
        },
        "police": {"status": "melding"},
        "perpetrator_kind": "individual_citizen",
        "family_targeted": False,
        "wants_contact": False,
    }
    body.update(overrides)
    return body


def contact_body(**overrides: Any) -> dict[str, Any]:
    body = registration_body(
        official={
            "role": "alderman",
            "name": "B. Jansen",
            "phone": "+31687654321",
            "email": "b.jansen@example.nl",
        },
        wants_contact=True,
    )
    body["incident"]["description"] = "Scheldpartij na de raadsvergadering."
    body.update(overrides)
    return body


def ack_token(
    assignment_id: uuid.UUID, *, minutes: int = 30, incident_id: uuid.UUID = INCIDENT_ID
) -> str:
    """An acknowledge link's token signed with `SECRET`."""
    return sign_ack_token(
        secret=SECRET,
        incident_id=incident_id,
        assignment_id=assignment_id,
        expires_at=datetime.now(UTC) + timedelta(minutes=minutes),
    )


@dataclass
class MemoryIncidentLookup:
    """Intake's IncidentLookup over a few incidents kept in memory."""

    reported: set[uuid.UUID] = field(default_factory=set)
    registrations: set[uuid.UUID] = field(default_factory=set)
    assignments: dict[uuid.UUID, list[AdviserAssigned]] = field(default_factory=dict)
    acknowledged_ids: set[uuid.UUID] = field(default_factory=set)
    erased_ids: set[uuid.UUID] = field(default_factory=set)
    closed_ids: set[uuid.UUID] = field(default_factory=set)
    case_facts: dict[uuid.UUID, CaseFacts] = field(default_factory=dict)

    def assign(self, assignment: AdviserAssigned) -> None:
        self.reported.add(assignment.incident_id)
        self.assignments.setdefault(assignment.incident_id, []).append(assignment)

    async def exists(self, incident_id: uuid.UUID) -> bool:
        return incident_id in self.reported

    async def registered(self, incident_id: uuid.UUID) -> bool:
        return incident_id in self.registrations

    async def current_assignment(self, incident_id: uuid.UUID) -> AdviserAssigned | None:
        return (self.assignments.get(incident_id) or [None])[-1]

    async def assigned_advisers(self, incident_id: uuid.UUID) -> list[str]:
        return [a.adviser_id for a in self.assignments.get(incident_id, [])]

    async def erased(self, incident_id: uuid.UUID) -> bool:
        return incident_id in self.erased_ids

    async def closed(self, incident_id: uuid.UUID) -> bool:
        return incident_id in self.closed_ids

    async def acknowledged(self, incident_id: uuid.UUID, assignment_id: uuid.UUID) -> bool:
        return assignment_id in self.acknowledged_ids

    async def facts(self, incident_id: uuid.UUID) -> CaseFacts | None:
        return self.case_facts.get(incident_id)
