"""Who may act on which case. An adviser sees only cases assigned to them, now or
before; what they change must be assigned to them now. A case they may not see is
"not found", so incident ids cannot be probed. Who acted comes from the credential:
an `adviser_id` in a body is ignored (`acting_adviser`)."""

from __future__ import annotations

import uuid

from contracts.events import AdviserAssigned
from intake.domain.case import Caller
from intake.domain.errors import (
    AlreadyAcknowledgedError,
    CaseNotFoundError,
    NotPermittedError,
    RelatedIncidentError,
    SupersededError,
)
from intake.service.ports import IncidentLookup


async def require_case(
    *, lookup: IncidentLookup, incident_id: uuid.UUID, caller: Caller | None
) -> None:
    """The incident exists and, for an adviser, was assigned to them now or before."""
    if not await lookup.exists(incident_id):
        raise CaseNotFoundError(incident_id)
    if (
        caller is not None
        and caller.is_adviser
        and caller.adviser_id not in await lookup.assigned_advisers(incident_id)
    ):
        raise CaseNotFoundError(incident_id)


async def current_of(
    *, lookup: IncidentLookup, incident_id: uuid.UUID, caller: Caller
) -> AdviserAssigned | None:
    """The incident exists and, for an adviser, is assigned to them now; its current
    assignment."""
    await require_case(lookup=lookup, incident_id=incident_id, caller=None)
    current = await lookup.current_assignment(incident_id)
    if caller.is_adviser and (current is None or current.adviser_id != caller.adviser_id):
        raise CaseNotFoundError(incident_id)
    return current


async def current_to_acknowledge(
    *, lookup: IncidentLookup, incident_id: uuid.UUID, caller: Caller | None
) -> AdviserAssigned | None:
    """The current assignment of a case the caller may see (an acknowledge link sees
    every case: its token names one)."""
    await require_case(lookup=lookup, incident_id=incident_id, caller=caller)
    return await lookup.current_assignment(incident_id)


async def current_to_decline(
    *, lookup: IncidentLookup, incident_id: uuid.UUID, caller: Caller | None
) -> AdviserAssigned:
    """The current assignment, which this caller may decline: not acknowledged, and
    for an adviser their own (one assigned before and moved on since is superseded).
    No caller: the link, whose token names the assignment."""
    await require_case(lookup=lookup, incident_id=incident_id, caller=caller)
    current = await lookup.current_assignment(incident_id)
    if current is None or (
        caller is not None and caller.is_adviser and current.adviser_id != caller.adviser_id
    ):
        raise SupersededError(current)
    if await lookup.acknowledged(incident_id, current.assignment_id):
        raise AlreadyAcknowledgedError(current.assignment_id)
    return current


async def require_related(*, lookup: IncidentLookup, incident_id: uuid.UUID) -> None:
    """A follow-up call may name only an earlier case that exists and was not erased."""
    if not await lookup.exists(incident_id) or await lookup.erased(incident_id):
        raise RelatedIncidentError(incident_id)


def require_own_organisation(*, organisation_code: str | None, registered: str) -> None:
    """An organisation's system registers incidents of its own organisation only."""
    if registered != organisation_code:
        raise NotPermittedError("register incidents of another organisation")


def acting_adviser(caller: Caller | None) -> str | None:
    """The adviser a stored event names as having acted: the signed-in adviser, never a
    body's `adviser_id`. An operator or coordinator names no adviser; without a caller
    (an acknowledge link) None too, and the link's own assignment says whose it is."""
    return caller.adviser_id if caller is not None and caller.is_adviser else None
