"""What every router translates the same way: the caller, their key, the 202."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.responses import JSONResponse

from contracts.events import Event
from intake.domain.case import Actor, Caller
from intake.entrypoints.problems import Problems
from intake.entrypoints.schemas import Accepted
from intake.service.casework import Casework
from weerbaar_runtime.auth import Access, Principal

ACTORS: dict[Access, Actor] = {
    Access.OPERATOR: "operator",
    Access.COORDINATOR: "coordinator",
    Access.ADVISER: "adviser",
}


@dataclass(frozen=True, slots=True)
class Api:
    """What the routers share: the use cases, the problem translation, status links."""

    casework: Casework
    problems: Problems
    registry_public_url: str

    def status_url(self, incident_id: object) -> str:
        return f"{self.registry_public_url}/v1/incidents/{incident_id}"

    def accepted(self, event: Event) -> JSONResponse:
        body = Accepted(
            incident_id=event.incident_id,
            status_url=self.status_url(event.incident_id),
            event_id=event.event_id,
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=202)


def caller(principal: Principal) -> Caller:
    """The case worker behind a principal the route let in (operator, coordinator,
    adviser)."""
    return Caller(actor=ACTORS[principal.role], adviser_id=principal.adviser_id)


def caller_or_none(principal: Principal | None) -> Caller | None:
    """The case worker, if the principal is one (an acknowledge link needs none)."""
    if principal is None or principal.role not in ACTORS:
        return None
    return caller(principal)


def scoped(principal: Principal, key: str | None) -> str | None:
    """An Idempotency-Key belongs to whoever sent it."""
    return f"{principal.key}\x1f{key}" if key is not None else None
