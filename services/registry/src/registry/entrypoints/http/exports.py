"""`GET /v1/export/stats` and `GET /v1/export/cases`: CSV, recorded in the audit log."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from registry.adapters.sql_audit import AuditLog
from registry.adapters.sql_queries import Queries
from registry.adapters.sql_statistics import Statistics
from registry.domain.filters import CasesExportQuery, StatsExportQuery
from registry.entrypoints.http.csv_export import cases_csv, stats_csv
from registry.entrypoints.http.problems import check, client
from registry.entrypoints.http.statistics import statistics_reader
from registry.service.access import CASE_EXPORTERS, caller_sees_aggregates_only
from weerbaar_runtime.auth import Principal, Security

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}
}


def csv_response(lines: Any, filename: str) -> StreamingResponse:
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def exports_router(
    *, queries: Queries, statistics: Statistics, audit: AuditLog, security: Security
) -> APIRouter:
    router = APIRouter()
    StatisticsReader = Annotated[Principal, statistics_reader(security)]
    CaseExporter = Annotated[
        Principal, Depends(security.allow(*CASE_EXPORTERS, what="export cases"))
    ]

    @router.get(
        "/export/stats",
        response_class=StreamingResponse,
        responses=CSV_RESPONSE,
        tags=["export"],
    )
    async def export_stats(
        request: Request,
        principal: StatisticsReader,
        query: Annotated[StatsExportQuery, Query()],
    ) -> StreamingResponse:
        """The statistic of `GET /v1/stats` as CSV with a header row, perturbed,
        suppressed and limited the same way (the same cell, the same figure);
        `labels=nl` gives Dutch headers and values. Recorded in the audit log."""
        suppressed = caller_sees_aggregates_only(principal)
        check(query, aggregate_only=suppressed)
        cells = await statistics.cells(query, list(query.group_by))
        await audit.record(
            principal,
            "export.stats",
            detail=query.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            client=client(request),
        )
        lines = stats_csv(cells, list(query.group_by), labels=query.labels, suppressed=suppressed)
        return csv_response(lines, "weerbaar-statistiek.csv")

    @router.get(
        "/export/cases",
        response_class=StreamingResponse,
        responses=CSV_RESPONSE,
        tags=["export"],
    )
    async def export_cases(
        request: Request,
        principal: CaseExporter,
        query: Annotated[CasesExportQuery, Query()],
    ) -> StreamingResponse:
        """Every matching case as CSV, one row each, streamed: for operators only.
        Case-level but without personal data: no name, contact details or free text.
        Recorded in the audit log."""
        check(query)
        await audit.record(
            principal,
            "export.cases",
            detail=query.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            client=client(request),
        )
        records = queries.stream_incidents(query, newest_first=query.sort.startswith("-"))
        return csv_response(cases_csv(records, labels=query.labels), "weerbaar-casussen.csv")

    return router
