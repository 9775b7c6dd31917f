"""Who is on call (operators, coordinators) and the coordinators' queue, live."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.domain import caseforms, duty, forms
from console.domain.forms import UUID
from console.domain.problems import ApiProblem, user_message
from console.domain.queue import counts, reason_text
from console.entrypoints.web import Console
from console.service import cases, oversight

DESK = ("operator", "coordinator")
COORDINATORS = ("coordinator",)


def install(app: FastAPI, console: Console) -> None:
    console.templates.globals.update(
        reason_text=reason_text, local_time=duty.local, duty_gaps=duty.gaps, week_of=duty.week
    )

    @app.get("/dienst", response_class=HTMLResponse)
    async def on_call(request: Request) -> Response:
        session = await console.require(request, roles=DESK)
        found = await oversight.on_call(
            routing=console.routing, session=session, now=datetime.now(UTC)
        )
        return console.page(
            request,
            session,
            "oncall.html",
            answer=found.answer,
            stretches=found.stretches,
            first_day=found.week_start.astimezone(duty.AMSTERDAM).date(),
            nav="oncall",
        )

    async def queue_page(
        request: Request, *, message: str | None = None, status_code: int = 200
    ) -> Response:
        session = await console.require(request, roles=COORDINATORS)
        items = await oversight.queue_items(
            registry=console.registry, session=session, now=datetime.now(UTC)
        )
        oncall = await cases.oncall(routing=console.routing, session=session)
        done = request.query_params.get("gedaan") == "toewijzen"
        return console.page(
            request,
            session,
            "queue.html",
            status_code=status_code,
            items=items,
            counts=counts(items),
            oncall=oncall,
            message=message,
            done=done,
            keys={item.incident_id: str(uuid.uuid4()) for item in items},
            nav="queue",
        )

    @app.get("/wachtrij", response_class=HTMLResponse)
    async def queue(request: Request) -> Response:
        return await queue_page(request)

    @app.get("/wachtrij/nieuw", response_class=HTMLResponse)
    async def queue_banner(request: Request) -> Response:
        """The banner: how many cases the queue has now that the page does not show."""
        session = await console.require(request, roles=COORDINATORS)
        shown = set(request.query_params.get("getoond", "").split(","))
        items = await oversight.queue_items(
            registry=console.registry, session=session, now=datetime.now(UTC)
        )
        new = sum(1 for item in items if item.incident_id not in shown)
        return console.block(request, session, "queue.html", "banner", new_count=new)

    @app.get("/wachtrij/rij/{incident_id}", response_class=HTMLResponse)
    async def queue_row(request: Request, incident_id: str) -> Response:
        """One row again after a change; empty once the case left the queue."""
        session = await console.require(request, roles=COORDINATORS)
        if not UUID.match(incident_id):
            return HTMLResponse("", status_code=404)
        item = await oversight.queue_item(
            registry=console.registry,
            session=session,
            incident_id=incident_id.lower(),
            now=datetime.now(UTC),
        )
        if item is None:
            return HTMLResponse("")
        oncall = await cases.oncall(routing=console.routing, session=session)
        return console.block(
            request,
            session,
            "queue.html",
            "row",
            item=item,
            oncall=oncall,
            keys={item.incident_id: str(uuid.uuid4())},
        )

    @app.post("/wachtrij/{incident_id}/toewijzen", response_class=HTMLResponse)
    async def assign(request: Request, incident_id: str) -> Response:
        """Assign by hand from the queue (routing checks the adviser and pages them)."""
        session = await console.require(request, roles=COORDINATORS)
        form = await console.checked_form(request, session)
        if not UUID.match(incident_id):
            return console.page(request, session, "not_found.html", status_code=404)
        parsed = caseforms.assignment(form)
        if parsed.errors:
            return await queue_page(request, message=parsed.errors[0].message, status_code=422)
        key = forms.first(form, "idempotency_key")
        try:
            await cases.command(
                intake=console.intake,
                session=session,
                incident_id=incident_id.lower(),
                name="assign",
                parsed=parsed,
                key=key if UUID.match(key) else str(uuid.uuid4()),
            )
        except ApiProblem as problem:
            if problem.status == 401:
                raise
            return await queue_page(
                request,
                message=user_message(problem, session.language),
                status_code=problem.status,
            )
        return RedirectResponse("/wachtrij?gedaan=toewijzen", status_code=303)
