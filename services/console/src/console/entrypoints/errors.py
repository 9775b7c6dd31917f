"""Error pages: Dutch words for every refusal, never a stack trace."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from console.domain.problems import ApiProblem, user_message
from console.entrypoints.web import (
    SESSION_COOKIE,
    Console,
    NoAccessError,
    RefusedError,
    SignInNeededError,
    sign_in_redirect,
)
from console.service import auth
from weerbaar_runtime.http import ProblemError, problem_response
from weerbaar_runtime.logging import get_logger

_log = get_logger("console")


def install(app: FastAPI, console: Console) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        # only the operational routes raise these (metrics without the ops role)
        return problem_response(exc.status, exc.title, exc.detail, headers=exc.headers)

    @app.exception_handler(SignInNeededError)
    async def _sign_in(request: Request, exc: SignInNeededError) -> Response:
        return sign_in_redirect(request, exc.return_to)

    @app.exception_handler(RefusedError)
    async def _refused(request: Request, exc: RefusedError) -> Response:
        session = await _quiet_session(console, request)
        if isinstance(exc, NoAccessError):
            return console.page(request, session, "no_access.html", status_code=403)
        return console.page(
            request, session, "error.html", status_code=exc.status, message=exc.message
        )

    @app.exception_handler(ApiProblem)
    async def _api(request: Request, exc: ApiProblem) -> Response:
        if exc.status == 401:  # the forwarded token is no longer good: sign in again
            await auth.sign_out(store=console.store, session_id=request.cookies.get(SESSION_COOKIE))
            return sign_in_redirect(request, request.url.path if request.method == "GET" else "/")
        session = await _quiet_session(console, request)
        status = exc.status if 400 <= exc.status < 600 else 503
        return console.page(
            request,
            session,
            "error.html",
            status_code=status,
            message=user_message(exc, session.language if session else "nl"),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        session = await _quiet_session(console, request)
        if exc.status_code == 404:
            return console.page(request, session, "not_found.html", status_code=404)
        return console.page(
            request,
            session,
            "error.html",
            status_code=exc.status_code,
            message="Dat verzoek kan de console niet verwerken.",
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        _log.error("unhandled error", exc_info=exc, path=request.url.path, method=request.method)
        return HTMLResponse(
            console.templates.get_template("error.html").render(
                console.context(
                    request,
                    None,
                    message="Er ging iets mis. Probeer het opnieuw; niets is dubbel verstuurd.",
                )
            ),
            status_code=500,
        )


async def _quiet_session(console: Console, request: Request) -> Any:
    try:
        return await console.session(request)
    except Exception:
        return None
