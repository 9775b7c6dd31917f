"""`GET /v1/incidents/{id}` and `GET /v1/incidents`: the cases."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from registry.adapters.sql_audit import AuditLog
from registry.adapters.sql_queries import Queries
from registry.domain.filters import IncidentListQuery
from registry.entrypoints.http.cursor import decode_cursor, encode_cursor
from registry.entrypoints.http.presenters import detail, summary_fields
from registry.entrypoints.http.problems import check, client, not_found, out_of_bounds
from registry.entrypoints.http.schemas import IncidentDetail, IncidentPage, IncidentSummary
from registry.service.access import CASE_READERS, adviser_scope, may_read_case
from weerbaar_runtime.auth import Principal, Security
from weerbaar_runtime.http import problem_doc

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_doc("No such incident, or not one of the caller's")
}


def incidents_router(*, queries: Queries, audit: AuditLog, security: Security) -> APIRouter:
    router = APIRouter()
    CaseReader = Annotated[Principal, Depends(security.allow(*CASE_READERS, what="read cases"))]

    @router.get(
        "/incidents/{incident_id}",
        response_model=IncidentDetail,
        tags=["incidents"],
        responses=NOT_FOUND,
    )
    async def get_incident(
        request: Request,
        principal: CaseReader,
        incident_id: Annotated[uuid.UUID, Path(description="The incident id")],
    ) -> IncidentDetail:
        """One incident with its whole timeline, oldest first: every assignment,
        notification attempt, acknowledgement, escalation, action, status change and
        erasure. Operators and coordinators see every case, an adviser the cases ever
        assigned to them (another is a 404). Every read is recorded in the audit log."""
        found = await queries.incident(incident_id)
        if found is None:
            raise not_found("incident", incident_id)
        record, events, personal = found
        if not may_read_case(principal, events):
            raise out_of_bounds(principal, "incident", incident_id)
        await audit.record(
            principal, "incident.read", incident_id=str(incident_id), client=client(request)
        )
        related = await queries.related(record, adviser=adviser_scope(principal))
        return detail(record, events, personal, related)

    @router.get("/incidents", response_model=IncidentPage, tags=["incidents"])
    async def list_incidents(
        principal: CaseReader, query: Annotated[IncidentListQuery, Query()]
    ) -> IncidentPage:
        """Incidents by reported time (newest first unless `sort=reported_at`), filtered,
        a page at a time: pass `next_cursor` as `cursor` for the next page. An adviser
        gets only the cases ever assigned to them. `related_to` gives the cases linked
        to one case either way (its follow-up calls, and the case it follows). Items
        carry no personal data (the official's role and organisation only): the record,
        whose every read is audited, has the name and contact details."""
        check(query)
        page = await queries.incidents(
            query,
            newest_first=query.sort.startswith("-"),
            limit=query.limit,
            after=decode_cursor(query.cursor, query.sort),
            adviser=adviser_scope(principal),
        )
        return IncidentPage(
            items=[IncidentSummary(**summary_fields(r, None)) for r in page.items],
            next_cursor=encode_cursor(query.sort, page.next_after),
        )

    return router
