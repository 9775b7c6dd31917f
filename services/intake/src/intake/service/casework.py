"""The commands as callers give them: each applies the access rules, then `Intake`
stores the event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from contracts.events import Event, IncidentReported, RegistrationReceived
from contracts.tokens import AckClaim
from intake.domain.case import Caller
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
from intake.domain.errors import CaseNotFoundError, InvalidLinkError, SupersededError
from intake.domain.registration import public_registration_id
from intake.service import access
from intake.service.intake import Intake
from intake.service.ports import IncidentLookup

LinkState = Literal["open", "closed", "acknowledged", "superseded"]
"""Where the case of an acknowledge link stands."""


@dataclass(frozen=True, slots=True)
class Casework:
    intake: Intake
    lookup: IncidentLookup

    async def report(self, *, request: ReportIncident, idempotency_key: str | None) -> Event:
        """A follow-up call links to an earlier case, which must exist and not be erased."""
        if request.related_incident_id is not None:
            await access.require_related(
                lookup=self.lookup, incident_id=request.related_incident_id
            )
        return await self.intake.report_incident(request=request, idempotency_key=idempotency_key)

    async def register(
        self, *, request: RegisterIncident, organisation_code: str | None
    ) -> tuple[RegistrationReceived, IncidentReported | None]:
        """A registration by the system of `organisation_code`, for its own only. One
        stored before registrations had keyed ids keeps its id on a repeat."""
        access.require_own_organisation(
            organisation_code=organisation_code, registered=request.organisation_code
        )
        earlier = public_registration_id(request)
        kept = earlier if await self.lookup.registered(earlier) else None
        return await self.intake.register(request=request, registration_id=kept)

    async def acknowledge(
        self,
        *,
        incident_id: uuid.UUID,
        request: Acknowledge,
        caller: Caller | None,
        idempotency_key: str | None,
    ) -> Event:
        """An adviser without a token acknowledges their own current assignment. A token
        is verified before anything is looked up, so a forged one answers the same for
        an incident that exists and one that does not. The event names the signed-in
        adviser, or with a link the adviser of the link's assignment; never the body's."""
        if request.token is not None and self.claim(request.token).incident_id != incident_id:
            raise InvalidLinkError
        current = await access.current_to_acknowledge(
            lookup=self.lookup, incident_id=incident_id, caller=caller
        )
        request = request.model_copy(update={"adviser_id": access.acting_adviser(caller)})
        if caller is not None and caller.is_adviser and request.token is None:
            if current is None or current.adviser_id != caller.adviser_id:
                raise SupersededError(current)
            request = request.model_copy(update={"assignment_id": current.assignment_id})
        return await self.intake.acknowledge(
            incident_id=incident_id,
            request=request,
            current=current,
            idempotency_key=idempotency_key,
        )

    async def record_action(
        self,
        *,
        incident_id: uuid.UUID,
        request: RecordAction,
        caller: Caller,
        idempotency_key: str | None,
    ) -> Event:
        """An adviser records an action as themselves (the body's adviser_id is ignored)."""
        await access.require_case(lookup=self.lookup, incident_id=incident_id, caller=caller)
        request = request.model_copy(update={"adviser_id": access.acting_adviser(caller)})
        return await self.intake.record_action(
            incident_id=incident_id, request=request, idempotency_key=idempotency_key
        )

    async def close(
        self,
        *,
        incident_id: uuid.UUID,
        request: CloseIncident,
        caller: Caller,
        idempotency_key: str | None,
    ) -> Event:
        """An adviser closes a case as themselves (the body's adviser_id is ignored)."""
        await access.require_case(lookup=self.lookup, incident_id=incident_id, caller=caller)
        request = request.model_copy(update={"adviser_id": access.acting_adviser(caller)})
        return await self.intake.close(
            incident_id=incident_id, request=request, idempotency_key=idempotency_key
        )

    async def reopen(
        self,
        *,
        incident_id: uuid.UUID,
        request: ReopenIncident,
        caller: Caller,
        idempotency_key: str | None,
    ) -> Event:
        await access.require_case(lookup=self.lookup, incident_id=incident_id, caller=caller)
        return await self.intake.reopen(
            incident_id=incident_id, request=request, idempotency_key=idempotency_key
        )

    async def update_details(
        self,
        *,
        incident_id: uuid.UUID,
        request: UpdateDetails,
        caller: Caller,
        idempotency_key: str | None,
    ) -> Event:
        """Only the adviser of the current assignment (or an operator or coordinator)."""
        await access.current_of(lookup=self.lookup, incident_id=incident_id, caller=caller)
        return await self.intake.update_details(
            incident_id=incident_id,
            request=request,
            updated_by=caller.actor,
            adviser_id=caller.adviser_id if caller.is_adviser else None,
            idempotency_key=idempotency_key,
        )

    async def assign(
        self,
        *,
        incident_id: uuid.UUID,
        request: AssignByHand,
        requested_by: Literal["operator", "coordinator"],
        idempotency_key: str | None,
    ) -> Event:
        """Ask routing to assign the case, with the facts it routes by."""
        facts = await self.lookup.facts(incident_id)
        if facts is None:
            raise CaseNotFoundError(incident_id)
        return await self.intake.assign(
            incident_id=incident_id,
            request=request,
            facts=facts,
            requested_by=requested_by,
            idempotency_key=idempotency_key,
        )

    async def decline(self, *, incident_id: uuid.UUID, request: Decline, caller: Caller) -> Event:
        """The adviser of the current assignment, or someone on their behalf."""
        current = await access.current_to_decline(
            lookup=self.lookup, incident_id=incident_id, caller=caller
        )
        return await self.intake.decline(
            incident_id=incident_id, current=current, request=request, declined_by=caller.actor
        )

    def claim(self, token: str) -> AckClaim:
        """What an acknowledge link names (InvalidLinkError: forged or expired)."""
        return self.intake.claim(token)

    async def link_state(self, *, claim: AckClaim) -> LinkState:
        """Where the link's case stands, before offering buttons that can no longer work."""
        incident_id, assignment_id = claim.incident_id, claim.assignment_id
        if await self.lookup.closed(incident_id):
            return "closed"
        if await self.lookup.acknowledged(incident_id, assignment_id):
            return "acknowledged"
        current = await self.lookup.current_assignment(incident_id)
        if current is not None and current.assignment_id != assignment_id:
            return "superseded"
        return "open"

    async def acknowledge_by_link(self, *, claim: AckClaim, token: str) -> Event:
        return await self.acknowledge(
            incident_id=claim.incident_id,
            request=Acknowledge(token=token),
            caller=None,
            idempotency_key=None,
        )

    async def decline_by_link(self, *, claim: AckClaim) -> Event:
        """Decline the assignment the link names, only while it is the current one."""
        current = await access.current_to_decline(
            lookup=self.lookup, incident_id=claim.incident_id, caller=None
        )
        if current.assignment_id != claim.assignment_id:
            raise SupersededError(current)
        return await self.intake.decline(
            incident_id=claim.incident_id,
            current=current,
            request=Decline(),
            declined_by="link",
        )
