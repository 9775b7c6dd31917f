"""The call form (and the outreach after a media report), and a registration."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.domain import forms
from console.domain.forms import UUID, organisation_from, organisation_label
from console.domain.labels import options
from console.domain.problems import ApiProblem, field_errors, user_message
from console.entrypoints.web import SESSION_COOKIE, Console
from console.service import auth, cases
from contracts.organisations import OrganisationKind, all_organisations

DESK = ("operator", "coordinator")
KIND_NL = {
    OrganisationKind.GEMEENTE: "gemeente",
    OrganisationKind.PROVINCIE: "provincie",
    OrganisationKind.WATERSCHAP: "waterschap",
}


def organisation_choices() -> list[tuple[str, str, str]]:
    """(code, "Name (CODE)", kind) for the combobox, gemeenten first, by name."""
    order = {
        OrganisationKind.GEMEENTE: 0,
        OrganisationKind.PROVINCIE: 1,
        OrganisationKind.WATERSCHAP: 2,
    }
    found = sorted(all_organisations().values(), key=lambda o: (order[o.kind], o.name))
    return [(o.code, organisation_label(o), KIND_NL[o.kind]) for o in found]


def install(app: FastAPI, console: Console) -> None:
    choices = organisation_choices()
    console.templates.globals.update(options=options, organisations=choices)

    async def render_call(
        request: Request,
        session: object,
        values: dict[str, list[str]],
        *,
        errors: list[tuple[str, str]] | None = None,
        message: str | None = None,
        status_code: int = 200,
        related: dict[str, object] | None = None,
    ) -> Response:
        capabilities = await console.probe.current()
        from console.domain.session import Session

        assert isinstance(session, Session)
        return console.page(
            request,
            session,
            "call.html",
            status_code=status_code,
            values=values,
            errors=errors or [],
            message=message,
            capabilities=capabilities,
            related=related,
            nav="new",
        )

    @app.get("/nieuwe-melding", response_class=HTMLResponse)
    async def call_form(request: Request) -> Response:
        session = await console.require(request, roles=DESK)
        values: dict[str, list[str]] = {
            "idempotency_key": [str(uuid.uuid4())],
            "source": [
                "media_report" if request.query_params.get("bron") == "media" else "crisis_line"
            ],
            "urgency": ["normal"],
        }
        related = None
        follow_up = request.query_params.get("vervolg", "")
        if UUID.match(follow_up):
            related = await cases.summary(
                registry=console.registry, session=session, incident_id=follow_up
            )
            if related is not None:
                official = related.get("official") or {}
                organisation = organisation_from(official.get("organisation_code") or "")
                values.update(
                    {
                        "related_incident_id": [follow_up],
                        "role": [official.get("role") or ""],
                        "organisation": [organisation_label(organisation) if organisation else ""],
                        "name": [official.get("name") or ""],
                        "phone": [official.get("phone") or ""],
                        "email": [official.get("email") or ""],
                    }
                )
        return await render_call(request, session, values, related=related)

    @app.post("/nieuwe-melding", response_class=HTMLResponse)
    async def send_call(request: Request) -> Response:
        session = await console.require(request, roles=DESK)
        form = await console.checked_form(request, session)
        if not UUID.match(forms.first(form, "idempotency_key")):
            form["idempotency_key"] = [str(uuid.uuid4())]
        capabilities = await console.probe.current()
        try:
            parsed, result = await cases.report(
                intake=console.intake,
                session=session,
                form=form,
                related_supported=capabilities.related,
            )
        except ApiProblem as problem:
            if problem.status == 401:
                raise
            if problem.status == 409:
                form["idempotency_key"] = [str(uuid.uuid4())]
            return await render_call(
                request,
                session,
                form,
                errors=field_errors(problem),
                message=user_message(problem, session.language),
                status_code=problem.status if problem.status >= 400 else 503,
            )
        if parsed.errors or result is None:
            return await render_call(
                request,
                session,
                form,
                errors=[(e.field, e.message) for e in parsed.errors],
                status_code=422,
            )
        incident_id = str(result["incident_id"])
        await auth.update(
            store=console.store,
            session_id=request.cookies.get(SESSION_COOKIE, ""),
            session=session.with_reported(incident_id),
        )
        return RedirectResponse(f"/casus/{incident_id}?verstuurd=1", status_code=303)

    @app.get("/nieuwe-melding/voorvertoning", response_class=HTMLResponse)
    async def paging_preview(request: Request) -> Response:
        """Who would be paged right now for these facts (routing's preview)."""
        session = await console.require(request, roles=DESK)
        query = request.query_params
        params = [(k, query[k]) for k in ("role", "urgency", "source") if query.get(k)]
        organisation = organisation_from(query.get("organisation", ""))
        if organisation:
            params.append(("organisation_code", organisation.code))
        params += [("incident_type", t) for t in query.getlist("types")]
        preview = None
        if (await console.probe.current()).preview and query.get("role") and organisation:
            preview = await cases.preview(routing=console.routing, session=session, params=params)
        return console.block(
            request,
            session,
            "call.html",
            "preview",
            preview=preview,
            ready=bool(query.get("role") and organisation),
        )

    @app.get("/registratie", response_class=HTMLResponse)
    async def registration_form(request: Request) -> Response:
        session = await console.require(request)
        values = {"idempotency_key": [str(uuid.uuid4())], "wants_contact": ["yes"]}
        if session.user.organisation_code:
            organisation = organisation_from(session.user.organisation_code)
            values["organisation"] = [organisation_label(organisation)] if organisation else []
        return console.page(
            request,
            session,
            "registration.html",
            values=values,
            errors=[],
            message=None,
            nav="registration",
        )

    @app.post("/registratie", response_class=HTMLResponse)
    async def send_registration(request: Request) -> Response:
        session = await console.require(request)
        form = await console.checked_form(request, session)
        try:
            parsed, result = await cases.register(intake=console.intake, session=session, form=form)
        except ApiProblem as problem:
            if problem.status == 401:
                raise
            return console.page(
                request,
                session,
                "registration.html",
                values=form,
                errors=field_errors(problem),
                message=user_message(problem, session.language),
                status_code=problem.status,
                nav="registration",
            )
        if parsed.errors or result is None:
            return console.page(
                request,
                session,
                "registration.html",
                values=form,
                errors=[(e.field, e.message) for e in parsed.errors],
                message=None,
                status_code=422,
                nav="registration",
            )
        return console.page(request, session, "registered.html", result=result, nav="registration")
