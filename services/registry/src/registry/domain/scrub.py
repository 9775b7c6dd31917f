"""What an erasure leaves: events without their personal data."""

from __future__ import annotations

from collections.abc import Iterable

from contracts.events import (
    ActionRecorded,
    AssignmentDeclined,
    AssignmentRequested,
    Event,
    IncidentClosed,
    IncidentReopened,
    IncidentReported,
    PersonalDataErased,
    RegistrationReceived,
)


def scrub(event: Event) -> Event:
    """The event without its personal data (what an erasure leaves in the registry)."""
    if isinstance(event, IncidentReported):
        return event.model_copy(
            update={
                "official": event.official.model_copy(
                    update={"name": None, "phone": None, "email": None}
                ),
                "incident": event.incident.model_copy(update={"description": None}),
            }
        )
    if isinstance(event, RegistrationReceived):
        return event.model_copy(
            update={"incident": event.incident.model_copy(update={"description": None})}
        )
    if isinstance(event, ActionRecorded):
        return event.model_copy(update={"note": None})
    if isinstance(event, IncidentClosed):
        return event.model_copy(update={"summary": None})
    if isinstance(event, IncidentReopened | AssignmentRequested | AssignmentDeclined):
        return event.model_copy(update={"reason": None})
    return event


def is_erased(events: Iterable[Event]) -> bool:
    """Whether any of the events erases the case's personal data."""
    return any(isinstance(e, PersonalDataErased) for e in events)
