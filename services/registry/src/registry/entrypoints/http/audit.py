"""`GET /v1/audit`: the audit log, for coordinators."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from registry.adapters.sql_audit import AuditLog
from registry.domain.filters import AuditQuery
from registry.entrypoints.http.problems import check, invalid
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

    return router
