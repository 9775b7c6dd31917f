"""Working on a case: actions, closing and reopening, facts, assigning by hand, declining."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from intake.domain.commands import (
    AssignByHand,
    CloseIncident,
    Decline,
    RecordAction,
    ReopenIncident,
    UpdateDetails,
)
from intake.entrypoints.common import Api, caller, scoped
from intake.entrypoints.problems import NOT_FOUND, PROBLEM_RESPONSES
from intake.entrypoints.schemas import Accepted, IncidentId, Key
from weerbaar_runtime.auth import Access, Principal, Security
from weerbaar_runtime.http import problem_doc


def build_router(api: Api, security: Security) -> APIRouter:
    router = APIRouter()
    allow = security.allow
    CaseWorker = Annotated[
        Principal,
        Depends(allow(Access.OPERATOR, Access.COORDINATOR, Access.ADVISER, what="work on cases")),
    ]
    Assigner = Annotated[
        Principal,
        Depends(allow(Access.OPERATOR, Access.COORDINATOR, what="assign cases by hand")),
    ]
    run, casework = api.problems.run, api.casework

    @router.post(
        "/v1/incidents/{incident_id}/actions",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={404: NOT_FOUND, **PROBLEM_RESPONSES},
    )
    async def record_action(
        incident_id: IncidentId,
        body: RecordAction,
        principal: CaseWorker,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Record a follow-up action on the case (its adviser, operators, coordinators)."""
        call = casework.record_action(
            incident_id=incident_id,
            request=body,
            caller=caller(principal),
            idempotency_key=scoped(principal, idempotency_key),
        )
        return api.accepted(await run("action", call))

    @router.post(
        "/v1/incidents/{incident_id}/close",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={404: NOT_FOUND, **PROBLEM_RESPONSES},
    )
    async def close(
        incident_id: IncidentId,
        principal: CaseWorker,
        body: CloseIncident | None = None,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Close the case (its adviser, operators, coordinators)."""
        call = casework.close(
            incident_id=incident_id,
            request=body or CloseIncident(),
            caller=caller(principal),
            idempotency_key=scoped(principal, idempotency_key),
        )
        return api.accepted(await run("close", call))

    @router.post(
        "/v1/incidents/{incident_id}/reopen",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={404: NOT_FOUND, **PROBLEM_RESPONSES},
    )
    async def reopen(
        incident_id: IncidentId,
        principal: CaseWorker,
        body: ReopenIncident | None = None,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Reopen a closed case (its adviser, operators, coordinators)."""
        call = casework.reopen(
            incident_id=incident_id,
            request=body or ReopenIncident(),
            caller=caller(principal),
            idempotency_key=scoped(principal, idempotency_key),
        )
        return api.accepted(await run("reopen", call))

    @router.post(
        "/v1/incidents/{incident_id}/details",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            404: problem_doc("No such incident (or not assigned to the adviser now)"),
            **PROBLEM_RESPONSES,
        },
    )
    async def update_details(
        incident_id: IncidentId,
        body: UpdateDetails,
        principal: CaseWorker,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Record facts that changed after the call: a melding or aangifte made later
        (and its VPT flag, domicile, reported by the organisation), the reason none was
        made, incident types, channels, support needs, perpetrator kind, whether family
        was targeted, the urgency. The statistics follow the current facts. Raising the
        urgency of a case nobody acknowledged yet shortens its deadline to the new
        urgency's (and escalates at once if that has passed). The adviser of the current
        assignment, operators, coordinators."""
        call = casework.update_details(
            incident_id=incident_id,
            request=body,
            caller=caller(principal),
            idempotency_key=scoped(principal, idempotency_key),
        )
        return api.accepted(await run("details", call))

    @router.post(
        "/v1/incidents/{incident_id}/assign",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={404: problem_doc("No such incident"), **PROBLEM_RESPONSES},
    )
    async def assign(
        incident_id: IncidentId,
        body: AssignByHand,
        principal: Assigner,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Assign the case by hand: an unroutable case, a handover or an override.
        Operators and coordinators. Routing decides: it pages the adviser (and tells the
        previous one), or refuses an unknown, inactive or conflicted adviser, which the
        timeline shows as `assignment_rejected` with the reason."""
        requested_by: Literal["operator", "coordinator"] = (
            "coordinator" if principal.role is Access.COORDINATOR else "operator"
        )
        call = casework.assign(
            incident_id=incident_id,
            request=body,
            requested_by=requested_by,
            idempotency_key=scoped(principal, idempotency_key),
        )
        return api.accepted(await run("assign", call))

    @router.post(
        "/v1/incidents/{incident_id}/decline",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            404: problem_doc("No such incident (or never the adviser's)"),
            **PROBLEM_RESPONSES,
            409: problem_doc("Not the adviser's current assignment, or already acknowledged"),
        },
    )
    async def decline(
        incident_id: IncidentId,
        principal: CaseWorker,
        body: Decline | None = None,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Decline the current assignment ("not me"): routing pages the next adviser at
        once, without waiting for the deadline. The adviser of the current assignment,
        or an operator or coordinator on their behalf; declining twice is harmless."""
        del idempotency_key  # the assignment declined makes it idempotent
        call = casework.decline(
            incident_id=incident_id, request=body or Decline(), caller=caller(principal)
        )
        return api.accepted(await run("decline", call))

    return router
