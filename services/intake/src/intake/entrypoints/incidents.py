"""Reporting an incident, and acknowledging its assignment over the API."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from intake.domain.commands import Acknowledge, ReportIncident
from intake.entrypoints.common import Api, caller_or_none, scoped
from intake.entrypoints.problems import PROBLEM_RESPONSES
from intake.entrypoints.schemas import Accepted, IncidentId, Key
from weerbaar_runtime.auth import Access, Principal, Security, forbidden
from weerbaar_runtime.http import ProblemError, problem_doc


def build_router(api: Api, security: Security) -> APIRouter:
    router = APIRouter()
    allow = security.allow
    Reporter = Annotated[
        Principal, Depends(allow(Access.OPERATOR, Access.COORDINATOR, what="report incidents"))
    ]
    MaybePrincipal = Annotated[Principal | None, Depends(security.optional())]

    @router.post(
        "/v1/incidents",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses=PROBLEM_RESPONSES,
    )
    async def report_incident(
        body: ReportIncident, principal: Reporter, idempotency_key: Key = None
    ) -> JSONResponse:
        """Report an incident; 202 only once JetStream has stored it. Operators and
        coordinators. `related_incident_id` links a follow-up call to an earlier case,
        which must exist and not be erased."""
        key = scoped(principal, idempotency_key)
        return api.accepted(
            await api.problems.run("report", api.casework.report(request=body, idempotency_key=key))
        )

    @router.post(
        "/v1/incidents/{incident_id}/acknowledge",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            403: problem_doc("Invalid or expired acknowledge token, or a role that may not"),
            404: problem_doc("No such incident (or not one of the adviser's)"),
            **PROBLEM_RESPONSES,
            409: problem_doc("The assignment was superseded (escalated), or a reused key"),
        },
    )
    async def acknowledge(
        incident_id: IncidentId,
        principal: MaybePrincipal,
        body: Acknowledge | None = None,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Acknowledge the assignment: the adviser has taken the case. Either the signed
        token from the page (no bearer token needed), or an adviser (their own current
        assignment), an operator or a coordinator. Acknowledging the same assignment
        twice is harmless; a superseded assignment is a 409."""
        request = body or Acknowledge()
        if request.token is None:
            if principal is None:
                raise ProblemError(
                    401,
                    "Unauthorised",
                    "A bearer token, or the token from the acknowledge link, is needed.",
                    headers={"WWW-Authenticate": 'Bearer realm="weerbaar"'},
                )
            if principal.role not in (Access.ADVISER, Access.OPERATOR, Access.COORDINATOR):
                raise forbidden(principal, "acknowledge assignments")
        key = scoped(principal, idempotency_key) if principal else None
        return api.accepted(
            await api.problems.run(
                "acknowledge",
                api.casework.acknowledge(
                    incident_id=incident_id,
                    request=request,
                    caller=caller_or_none(principal),
                    idempotency_key=key,
                ),
            )
        )

    return router
