"""The registry's query API: cases, registrations, statistics, exports, erasure, audit."""

from __future__ import annotations

from fastapi import APIRouter

from registry.adapters.sql_audit import AuditLog
from registry.adapters.sql_queries import Queries
from registry.adapters.sql_statistics import Statistics
from registry.entrypoints.http.audit import audit_router
from registry.entrypoints.http.erasure import erasure_router
from registry.entrypoints.http.exports import exports_router
from registry.entrypoints.http.incidents import incidents_router
from registry.entrypoints.http.registrations import registrations_router
from registry.entrypoints.http.statistics import statistics_router
from registry.service.ports import Publish
from weerbaar_runtime.auth import Security


def build_router(
    queries: Queries,
    statistics: Statistics,
    *,
    publish: Publish,
    public_url: str,
    security: Security,
    audit: AuditLog,
) -> APIRouter:
    """The routes under `/v1`; `security` comes from `secure(app)` on the app they are
    added to."""
    router = APIRouter(prefix="/v1")
    for part in (
        incidents_router(queries=queries, audit=audit, security=security),
        erasure_router(
            queries=queries, audit=audit, publish=publish, public_url=public_url, security=security
        ),
        registrations_router(queries=queries, security=security),
        statistics_router(statistics=statistics, security=security),
        exports_router(queries=queries, statistics=statistics, audit=audit, security=security),
        audit_router(audit=audit, security=security),
    ):
        router.include_router(part)
    return router
