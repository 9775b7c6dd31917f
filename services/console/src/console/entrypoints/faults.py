"""Storingen (ops; coordinators read-only): notify's dead letters with their reason and
age, re-drive one or all, the circuit states of the SMTP server and SMS gateways, the
lag of every consumer, and a link to the Grafana dashboard."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.domain.problems import ApiProblem
from console.domain.session import Session
from console.entrypoints.web import Console
from console.service import faults

READERS = ("ops", "coordinator")
REDRIVERS = ("ops",)

REFUSED = {
    404: "Dit bericht staat er niet meer: misschien is het al opnieuw verstuurd.",
    409: "Dit bericht kan niet terug: het is geen oproep, escalatie of herinnering.",
}
UNREACHABLE = "Notify is nu niet bereikbaar; er is niets verstuurd. Probeer het zo opnieuw."


def install(app: FastAPI, console: Console) -> None:
    def say(session: Session, text: str, values: dict[str, object] | None = None) -> str:
        language = session.language
        translated = {
            k: console.translate(v, language) if isinstance(v, str) else v
            for k, v in (values or {}).items()
        }
        return console.translate(text, language).format(**translated)

    async def page(
        request: Request, session: Session, *, message: str | None = None, status_code: int = 200
    ) -> Response:
        after = request.query_params.get("na", "")
        found = await faults.overview(
            notify=console.notify, session=session, after=int(after) if after.isdigit() else 0
        )
        done = request.query_params.get("gedaan")
        count = request.query_params.get("aantal", "")
        if done == "een":
            notice = say(session, "Opnieuw verstuurd. Het verdwijnt hier; de mail volgt.")
        elif done == "alle" and count.isdigit():
            notice = say(session, "{count} opnieuw verstuurd.", {"count": int(count)})
        else:
            notice = None
        return console.page(
            request,
            session,
            "storingen.html",
            status_code=status_code,
            found=found,
            wrong=[say(session, text, values) for text, values in found.wrong],
            may_redrive=session.user.role in REDRIVERS,
            message=message,
            notice=notice,
            grafana_url=console.settings.grafana_url,
            nav="faults",
        )

    @app.get("/storingen", response_class=HTMLResponse)
    async def overview(request: Request) -> Response:
        session = await console.require(request, roles=READERS)
        return await page(request, session)

    async def redrive(request: Request, seq: int | None) -> Response:
        session = await console.require(request, roles=REDRIVERS)
        await console.checked_form(request, session)
        try:
            count = await faults.redrive(notify=console.notify, session=session, seq=seq)
        except ApiProblem as problem:
            if problem.status in (401, 403):
                raise
            text = REFUSED.get(problem.status, UNREACHABLE)
            status = problem.status if problem.status in REFUSED else 503
            return await page(request, session, message=say(session, text), status_code=status)
        target = "/storingen?gedaan=een" if seq else f"/storingen?gedaan=alle&aantal={count}"
        return RedirectResponse(target, status_code=303)

    @app.post("/storingen/opnieuw", response_class=HTMLResponse)
    async def redrive_all(request: Request) -> Response:
        return await redrive(request, None)

    @app.post("/storingen/{seq}/opnieuw", response_class=HTMLResponse)
    async def redrive_one(request: Request, seq: int) -> Response:
        if seq < 1:
            return HTMLResponse("", status_code=404)
        return await redrive(request, seq)
