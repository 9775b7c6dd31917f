"""The board, an adviser's own cases, search, shortcuts and the accessibility statement."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.domain.cases import BoardFilters, needs_doing, parse_moment, remaining
from console.domain.forms import UUID, organisation_from
from console.domain.labels import label
from console.entrypoints.web import Console
from console.service import auth, cases

DESK = ("operator", "coordinator")
CASE_ROLES = ("operator", "coordinator", "adviser")


def install(app: FastAPI, console: Console) -> None:
    console.templates.globals.update(label=label, remaining=remaining, parse_moment=parse_moment)

    @app.get("/", response_class=HTMLResponse)
    async def board(request: Request) -> Response:
        session = await console.require(request)
        role = session.user.role
        if role == "adviser":
            return RedirectResponse("/mijn-casussen", status_code=303)
        if role == "municipal_system":
            return RedirectResponse("/registratie", status_code=303)
        if role == "analyst":
            return RedirectResponse("/statistieken", status_code=303)
        if role == "ops":
            return RedirectResponse("/storingen", status_code=303)
        if role not in DESK:
            return console.page(request, session, "elsewhere.html")
        filters = BoardFilters.from_query(_multi(request))
        found = await cases.board(registry=console.registry, session=session, filters=filters)
        return console.page(
            request,
            session,
            "board.html",
            filters=filters,
            items=found.items,
            more=found.next_cursor is not None,
            nav="board",
        )

    @app.get("/meldingen/nieuw", response_class=HTMLResponse)
    async def board_banner(request: Request) -> Response:
        """The "N nieuwe meldingen - tonen" banner: what the list would show now that the
        page does not."""
        session = await console.require(request, roles=CASE_ROLES)
        shown = set(request.query_params.get("getoond", "").split(","))
        if request.query_params.get("lijst") == "mijn":
            params: list[tuple[str, str]] = []
            template = "my_cases.html"
        else:
            params = BoardFilters.from_query(_multi(request)).api_params()
            template = "board.html"
        count = await cases.new_since(
            registry=console.registry, session=session, params=params, shown=shown
        )
        return console.block(
            request,
            session,
            template,
            "banner",
            new_count=count,
            filters=BoardFilters.from_query(_multi(request)),
        )

    @app.get("/meldingen/rij/{incident_id}", response_class=HTMLResponse)
    async def board_row(request: Request, incident_id: str) -> Response:
        session = await console.require(request, roles=CASE_ROLES)
        if not UUID.match(incident_id):
            return HTMLResponse("", status_code=404)
        record = await cases.summary(
            registry=console.registry, session=session, incident_id=incident_id
        )
        if record is None:
            return HTMLResponse("", status_code=404)
        template = "my_cases.html" if request.query_params.get("lijst") == "mijn" else "board.html"
        return console.block(
            request,
            session,
            template,
            "row",
            item=record,
            filters=BoardFilters.from_query(_multi(request)),
            needs=_needs(session, record),
        )

    @app.get("/mijn-casussen", response_class=HTMLResponse)
    async def my_cases(request: Request) -> Response:
        session = await console.require(request, roles=CASE_ROLES)
        items = []
        if session.user.role == "adviser":
            items = await cases.my_cases(registry=console.registry, session=session)
        rows = [(item, _needs(session, item)) for item in items]
        return console.page(request, session, "my_cases.html", rows=rows, nav="mine")

    @app.get("/zoeken", response_class=HTMLResponse)
    async def search(request: Request) -> Response:
        """A case number opens the case; an organisation filters the board. Nothing personal
        is searched (or put in a URL)."""
        session = await console.require(request, roles=CASE_ROLES)
        query = request.query_params.get("q", "").strip()
        if UUID.match(query):
            return RedirectResponse(f"/casus/{query.lower()}", status_code=303)
        organisation = organisation_from(query)
        if organisation is not None and session.user.role in DESK:
            return RedirectResponse(f"/?organisation_code={organisation.code}", status_code=303)
        return console.page(request, session, "search.html", query=query, nav="search")

    @app.get("/sneltoetsen", response_class=HTMLResponse)
    async def shortcuts(request: Request) -> Response:
        session = await console.session(request)
        return console.page(request, session, "shortcuts.html", nav="shortcuts")

    @app.post("/voorkeuren")
    async def preferences(request: Request) -> Response:
        session = await console.require(request)
        form = await console.checked_form(request, session)
        from console.entrypoints.web import SESSION_COOKIE

        shortcuts_value = next(iter(form.get("shortcuts", [])), None)
        await auth.preferences(
            store=console.store,
            session_id=request.cookies.get(SESSION_COOKIE, ""),
            session=session,
            language=next(iter(form.get("language", [])), None),
            shortcuts=None if shortcuts_value is None else shortcuts_value == "on",
        )
        back = next(iter(form.get("terug", [])), "/sneltoetsen")
        from console.domain.session import safe_return_path

        return RedirectResponse(safe_return_path(back), status_code=303)

    @app.get("/toegankelijkheid", response_class=HTMLResponse)
    async def statement(request: Request) -> Response:
        session = await console.session(request)
        return console.page(request, session, "statement.html", nav="statement")


def _multi(request: Request) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    return values


def _needs(session: object, item: dict[str, object]) -> str | None:
    from console.domain.session import Session

    assert isinstance(session, Session)
    return needs_doing(
        item,
        adviser_id=session.user.adviser_id,
        now=datetime.now(UTC),
        language=session.language,
    )
