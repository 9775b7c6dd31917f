"""What organisations' systems registered (operators, coordinators) and the audit log
(coordinators), filtered like the registry's API and paged by its cursors."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from console.domain.labels import options
from console.domain.records import AUDIT_ACTION_NL, AUDIT_ACTIONS, AuditFilters, RegistrationFilters
from console.domain.statistics import provinces
from console.entrypoints.web import Console
from console.service import oversight

DESK = ("operator", "coordinator")
COORDINATORS = ("coordinator",)


def _query(request: Request) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    return values


def install(app: FastAPI, console: Console) -> None:
    @app.get("/registraties", response_class=HTMLResponse)
    async def registrations(request: Request) -> Response:
        session = await console.require(request, roles=DESK)
        filters = RegistrationFilters.from_query(_query(request))
        page = await oversight.registrations(
            registry=console.registry, session=session, params=filters.api_params()
        )
        language = session.language
        return console.page(
            request,
            session,
            "registrations.html",
            filters=filters,
            items=page.get("items") or [],
            next_cursor=page.get("next_cursor"),
            provinces=provinces(),
            roles=options("role", language),
            types=options("incident_type", language),
            police=options("police_status", language),
            nav="registrations",
        )

    @app.get("/audit", response_class=HTMLResponse)
    async def audit(request: Request) -> Response:
        session = await console.require(request, roles=COORDINATORS)
        filters = AuditFilters.from_query(_query(request))
        page = await oversight.audit(
            registry=console.registry, session=session, params=filters.api_params()
        )
        return console.page(
            request,
            session,
            "audit.html",
            filters=filters,
            items=page.get("items") or [],
            next_cursor=page.get("next_cursor"),
            actions=[(a, AUDIT_ACTION_NL[a]) for a in AUDIT_ACTIONS],
            action_text=AUDIT_ACTION_NL,
            nav="audit",
        )

    @app.get("/audit.csv")
    async def audit_csv(request: Request) -> Response:
        """The registry's `GET /v1/export/audit` for these filters (all pages), as it
        wrote it; the registry records the export in the audit log."""
        session = await console.require(request, roles=COORDINATORS)
        filters = AuditFilters.from_query(_query(request))
        body, media_type = await oversight.audit_csv(
            registry=console.registry, session=session, params=filters.export_params()
        )
        return Response(
            body,
            media_type=media_type,
            headers={"Content-Disposition": 'attachment; filename="weerbaar-audit.csv"'},
        )
