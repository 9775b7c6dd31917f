"""`POST /v1/incidents/{id}/erase`: erase a case's personal data on request."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Path, Request

from registry.adapters.sql_audit import AuditLog
from registry.adapters.sql_queries import Queries
from registry.entrypoints.http.problems import client, not_found
from registry.entrypoints.http.schemas import Accepted, EraseRequest
from registry.service.access import ERASERS
from registry.service.erasure import (
    IdempotencyConflictError,
    UnknownIncidentError,
    request_erasure,
)
from registry.service.ports import Publish
from weerbaar_runtime.auth import Principal, Security
from weerbaar_runtime.http import ProblemError, problem_doc, unavailable
from weerbaar_runtime.nats import PublishFailedError


def erasure_router(
    *,
    queries: Queries,
    audit: AuditLog,
    publish: Publish,
    public_url: str,
    security: Security,
) -> APIRouter:
    router = APIRouter()
    Eraser = Annotated[Principal, Depends(security.allow(*ERASERS, what="request erasures"))]

    @router.post(
        "/incidents/{incident_id}/erase",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            404: problem_doc("No such incident"),
            409: problem_doc("The Idempotency-Key was used by another caller"),
            413: problem_doc("Body too large"),
            415: problem_doc("Body is not JSON"),
            503: problem_doc("The erasure could not be stored; try again"),
        },
    )
    async def erase_incident(
        request: Request,
        principal: Eraser,
        incident_id: Annotated[uuid.UUID, Path(description="The incident id")],
        body: Annotated[EraseRequest | None, Body()] = None,
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", max_length=200)
        ] = None,
    ) -> Accepted:
        """Erase the personal data of one case (name, contact details, free text);
        the statistics stay as they are and the timeline records who asked (the
        caller: the token's subject; a `requested_by` in the body is ignored), and when.
        Answered once the request is stored in JetStream; the record follows shortly.
        Operators and coordinators only; recorded in the audit log."""
        try:
            event = await request_erasure(
                cases=queries,
                publish=publish,
                audit=audit,
                principal=principal,
                incident_id=incident_id,
                key=idempotency_key,
                client=client(request),
            )
        except UnknownIncidentError:
            raise not_found("incident", incident_id) from None
        except IdempotencyConflictError:
            raise ProblemError(
                409,
                "Conflict",
                "Idempotency-Key: already used for an erasure request by another caller",
            ) from None
        except PublishFailedError:
            raise unavailable("The erasure request could not be stored; try again.") from None
        return Accepted(
            incident_id=str(incident_id),
            event_id=str(event.event_id),
            status_url=f"{public_url.rstrip('/')}/v1/incidents/{incident_id}",
        )

    return router
