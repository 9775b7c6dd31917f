"""A case: its record and timeline, live, and what can be done about it."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.domain import caseforms, forms
from console.domain.cases import actions, paging
from console.domain.forms import UUID
from console.domain.problems import ApiProblem, field_errors, user_message
from console.domain.session import Session
from console.entrypoints.web import Console
from console.service import cases

CASE_ROLES = ("operator", "coordinator", "adviser")
DESK = ("operator", "coordinator")

COMMANDS: dict[str, str] = {
    "bevestigen": "acknowledge",
    "actie": "actions",
    "sluiten": "close",
    "heropenen": "reopen",
    "feiten": "details",
    "toewijzen": "assign",
    "weigeren": "decline",
}
DONE_NL = {
    "bevestigen": "Bevestigd: u hebt de casus aangenomen.",
    "actie": "De actie is vastgelegd.",
    "sluiten": "De casus is afgesloten.",
    "heropenen": "De casus is heropend.",
    "feiten": "De feiten zijn bijgewerkt.",
    "toewijzen": "De toewijzing is gevraagd; routing pagineert de adviseur.",
    "weigeren": "U hebt de casus geweigerd; hij gaat meteen door naar de volgende.",
    "wissen": "De persoonsgegevens worden gewist.",
}


def _parse(name: str, form: forms.FormData, record: dict[str, Any]) -> forms.Parsed:
    if name == "actie":
        return caseforms.action(form)
    if name == "sluiten":
        return caseforms.text_only(form, "summary", "summary")
    if name == "heropenen":
        return caseforms.text_only(form, "reason", "reason")
    if name == "weigeren":
        return caseforms.text_only(form, "decline_reason", "reason")
    if name == "feiten":
        return caseforms.details(form, record)
    if name == "toewijzen":
        return caseforms.assignment(form)
    return forms.Parsed(body={})


def install(app: FastAPI, console: Console) -> None:
    async def view(
        request: Request,
        session: Session,
        incident_id: str,
        *,
        form_name: str | None = None,
        errors: list[tuple[str, str]] | None = None,
        message: str | None = None,
        values: dict[str, list[str]] | None = None,
        status_code: int = 200,
        block: str | None = None,
    ) -> Response:
        try:
            record = await cases.case(
                registry=console.registry, session=session, incident_id=incident_id
            )
        except ApiProblem as problem:
            if problem.status != 404:
                raise
            if incident_id in session.reported:
                return console.page(
                    request, session, "case_pending.html", incident_id=incident_id, nav="case"
                )
            if block is not None:
                return HTMLResponse("", status_code=404)
            return console.page(request, session, "not_found.html", status_code=404)
        capabilities = await console.probe.current()
        allowed = actions(
            record,
            role=session.user.role,
            adviser_id=session.user.adviser_id,
            capabilities=capabilities,
        )
        oncall = None
        if allowed.assign and capabilities.oncall:
            oncall = await cases.oncall(routing=console.routing, session=session)
        shown: dict[str, Any] = {
            "record": record,
            "allowed": allowed,
            "oncall": oncall,
            "related": record.get("related") or [],
            "facts": caseforms.facts_values(record),
            "form_name": form_name,
            "errors": errors or [],
            "values": values or {},
            "keys": {name: str(uuid.uuid4()) for name in (*COMMANDS, "wissen")},
        }
        if block is not None:
            return console.block(request, session, "case.html", block, **shown)
        done = request.query_params.get("gedaan")
        return console.page(
            request,
            session,
            "case.html",
            status_code=status_code,
            paging=paging(record),
            message=message,
            done=DONE_NL.get(done or "") if done else None,
            sent=request.query_params.get("verstuurd") == "1",
            nav="case",
            **shown,
        )

    @app.get("/casus/{incident_id}", response_class=HTMLResponse)
    async def case_page(request: Request, incident_id: str) -> Response:
        session = await console.require(request, roles=CASE_ROLES)
        if not UUID.match(incident_id):
            return console.page(request, session, "not_found.html", status_code=404)
        return await view(request, session, incident_id.lower())

    @app.get("/casus/{incident_id}/live", response_class=HTMLResponse)
    async def case_live(request: Request, incident_id: str) -> Response:
        """The parts of the case page that change: refetched on each change message."""
        session = await console.require(request, roles=CASE_ROLES)
        if not UUID.match(incident_id):
            return HTMLResponse("", status_code=404)
        record = await cases.summary(
            registry=console.registry, session=session, incident_id=incident_id
        )
        if record is None:
            return HTMLResponse("", status_code=404)
        capabilities = await console.probe.current()
        return console.block(
            request,
            session,
            "case.html",
            "live",
            record=record,
            paging=paging(record),
            allowed=actions(
                record,
                role=session.user.role,
                adviser_id=session.user.adviser_id,
                capabilities=capabilities,
            ),
        )

    @app.get("/casus/{incident_id}/acties", response_class=HTMLResponse)
    async def case_actions(request: Request, incident_id: str) -> Response:
        """What the user may do now: refetched when the live part says it changed."""
        session = await console.require(request, roles=CASE_ROLES)
        if not UUID.match(incident_id):
            return HTMLResponse("", status_code=404)
        return await view(request, session, incident_id.lower(), block="side")

    @app.post("/casus/{incident_id}/{name}", response_class=HTMLResponse)
    async def case_command(request: Request, incident_id: str, name: str) -> Response:
        session = await console.require(request, roles=CASE_ROLES)
        form = await console.checked_form(request, session)
        if not UUID.match(incident_id) or name not in COMMANDS:
            return console.page(request, session, "not_found.html", status_code=404)
        record = (
            await cases.summary(registry=console.registry, session=session, incident_id=incident_id)
            if name == "feiten"
            else None
        )
        parsed = _parse(name, form, record or {})
        key = forms.first(form, "idempotency_key")
        if not UUID.match(key):
            key = str(uuid.uuid4())
        if parsed.errors:
            return await view(
                request,
                session,
                incident_id,
                form_name=name,
                values=form,
                errors=[(e.field, e.message) for e in parsed.errors],
                status_code=422,
            )
        try:
            await cases.command(
                intake=console.intake,
                session=session,
                incident_id=incident_id,
                name=COMMANDS[name],
                parsed=parsed,
                key=key,
            )
        except ApiProblem as problem:
            if problem.status == 401:
                raise
            return await view(
                request,
                session,
                incident_id,
                form_name=name,
                values=form,
                errors=field_errors(problem),
                message=user_message(problem, session.language),
                status_code=problem.status,
            )
        return RedirectResponse(f"/casus/{incident_id}?gedaan={name}", status_code=303)

    @app.get("/casus/{incident_id}/wissen", response_class=HTMLResponse)
    async def erase_confirm(request: Request, incident_id: str) -> Response:
        session = await console.require(request, roles=DESK)
        if not UUID.match(incident_id):
            return console.page(request, session, "not_found.html", status_code=404)
        record = await cases.summary(
            registry=console.registry, session=session, incident_id=incident_id
        )
        if record is None:
            return console.page(request, session, "not_found.html", status_code=404)
        return console.page(
            request, session, "erase.html", record=record, key=str(uuid.uuid4()), nav="case"
        )

    @app.post("/casus/{incident_id}/wissen/bevestigd", response_class=HTMLResponse)
    async def erase(request: Request, incident_id: str) -> Response:
        session = await console.require(request, roles=DESK)
        form = await console.checked_form(request, session)
        if not UUID.match(incident_id):
            return console.page(request, session, "not_found.html", status_code=404)
        key = forms.first(form, "idempotency_key")
        try:
            await cases.erase(
                registry=console.registry,
                session=session,
                incident_id=incident_id,
                key=key if UUID.match(key) else str(uuid.uuid4()),
            )
        except ApiProblem as problem:
            if problem.status == 401:
                raise
            record = await cases.summary(
                registry=console.registry, session=session, incident_id=incident_id
            )
            return console.page(
                request,
                session,
                "erase.html",
                record=record or {},
                key=key,
                message=user_message(problem, session.language),
                status_code=problem.status,
                nav="case",
            )
        return RedirectResponse(f"/casus/{incident_id}?gedaan=wissen", status_code=303)
