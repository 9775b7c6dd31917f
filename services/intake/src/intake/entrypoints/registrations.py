"""Registrations from an organisation's own aggression protocol."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from intake.domain.commands import RegisterIncident
from intake.entrypoints.common import Api
from intake.entrypoints.problems import PROBLEM_RESPONSES
from intake.entrypoints.schemas import Key, RegistrationAccepted
from weerbaar_runtime.auth import Access, Principal, Security


def build_router(api: Api, security: Security) -> APIRouter:
    router = APIRouter()
    System = Annotated[
        Principal, Depends(security.allow(Access.MUNICIPAL_SYSTEM, what="post registrations"))
    ]

    @router.post(
        "/v1/registrations",
        status_code=202,
        response_model=RegistrationAccepted,
        tags=["registrations"],
        responses=PROBLEM_RESPONSES,
    )
    async def register(
        body: RegisterIncident, principal: System, idempotency_key: Key = None
    ) -> JSONResponse:
        """Register an incident from an organisation's own aggression protocol: a
        municipal, provincial or water-board system, for its own organisation only.

        `(organisation_code, external_id)` identifies the registration: a repeat is the
        same registration; a different body under the same id is a 409."""
        del idempotency_key  # the registration's own identity makes it idempotent
        registration, outreach = await api.problems.run(
            "register",
            api.casework.register(request=body, organisation_code=principal.organisation_code),
            principal,
        )
        incident_id = outreach.incident_id if outreach else None
        result = RegistrationAccepted(
            registration_id=registration.incident_id,
            incident_id=incident_id,
            status_url=api.status_url(incident_id) if incident_id else None,
        )
        return JSONResponse(result.model_dump(mode="json"), status_code=202)

    return router
