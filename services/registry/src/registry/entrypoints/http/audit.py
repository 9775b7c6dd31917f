"""`GET /v1/audit` and `GET /v1/export/audit`: the audit log, for coordinators."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from registry.adapters.sql_audit import AuditLog
from registry.domain.filters import AuditFilters, AuditQuery
from registry.entrypoints.http.csv_export import audit_csv
from registry.entrypoints.http.exports import CSV_RESPONSE, csv_response
from registry.entrypoints.http.problems import check, client, invalid
from registry.entrypoints.http.schemas import AuditEntry, AuditPageOut
from registry.service.access import AUDITORS
from weerbaar_runtime.auth import Principal, Security


def audit_router(*, audit: AuditLog, security: Security) -> APIRouter:
    router = APIRouter()
    Auditor = Annotated[Principal, Depends(security.allow(*AUDITORS, what="read the audit log"))]

    @router.get("/audit", response_model=AuditPageOut, tags=["audit"])
    async def audit_log(principal: Auditor, query: Annotated[AuditQuery, Query()]) -> AuditPageOut:
        """Who read which case and who exported what, newest first, a page at a time;
        filtered by subject, action, incident and time. Coordinators only."""
        check(query)
        after = None
        if query.cursor is not None:
            try:
                after = int(query.cursor)
            except ValueError:
                raise invalid("cursor", "not a cursor from a previous page") from None
        page = await audit.page(query, after=after)
        return AuditPageOut(
            items=[AuditEntry(**row) for row in page.items],
            next_cursor=str(page.next_after) if page.next_after is not None else None,
        )

    @router.get(
        "/export/audit", response_class=StreamingResponse, responses=CSV_RESPONSE, tags=["audit"]
    )
    async def export_audit(
        request: Request, principal: Auditor, query: Annotated[AuditFilters, Query()]
    ) -> StreamingResponse:
        """Every matching entry of the audit log as CSV, newest first, with the filters
        of `GET /v1/audit` (no paging). Coordinators only. The export is itself
        recorded first (`export.audit`, who, with which filters), so it is in the file
        when the filters take it in."""
        check(query)
        await audit.record(
            principal,
            "export.audit",
            detail=query.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            client=client(request),
        )
        return csv_response(audit_csv(audit.stream(query)), "weerbaar-audit.csv")

    return router
