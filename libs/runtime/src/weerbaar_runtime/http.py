"""HTTP pieces every service shares: health, readiness, metrics and RFC 9457 errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from weerbaar_runtime.logging import get_logger

T = TypeVar("T")

PROBLEM_JSON = "application/problem+json"
_log = get_logger("http")

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


class ProblemError(Exception):
    """An error answered as RFC 9457 problem+json."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type_ = type_
        self.headers = headers or {}
        self.extra = extra or {}


def unavailable(detail: str, *, retry_after_s: float = 2) -> ProblemError:
    """503: what the service needs (JetStream, NATS) did not answer; nothing was done
    and the client may retry after `Retry-After` seconds (with the same
    Idempotency-Key where the request has one)."""
    return ProblemError(
        503,
        "Service unavailable",
        detail,
        headers={"Retry-After": str(max(1, round(retry_after_s)))},
    )


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}


def problem_doc(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for a problem+json answer."""
    return {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _describe(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    fields = [
        {"field": _field_path(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))}
        for e in errors
    ]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    if len(fields) > 5:
        detail += f"; and {len(fields) - 5} more"
    return detail, fields


def _allowed(request: Request) -> str:
    """The methods of every route that matches the request's path: Starlette's 405
    names only the first route's, so GET and POST on one path answered `Allow: GET`."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as problem+json and never leak a stack trace. Call it before
    defining routes: they document the problem answers it sets up."""
    app.router.responses.update(
        {
            422: problem_doc("Invalid request: the detail names the field"),
            500: problem_doc("Internal error (never a client's mistake)"),
        }
    )

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            instance=request.url.path,
            type_=exc.type_,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, fields = _describe(list(exc.errors()))
        return problem_response(
            422, "Invalid request", detail, instance=request.url.path, extra={"errors": fields}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 400 and "parsing the body" in detail:
            # FastAPI's answer to a body that is not UTF-8 JSON: a validation error too.
            return problem_response(
                422,
                "Invalid request",
                "body: not valid JSON in UTF-8",
                instance=request.url.path,
                extra={"errors": [{"field": "body", "message": "not valid JSON in UTF-8"}]},
            )
        titles = {404: "Not found", 405: "Method not allowed"}
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:  # every route of the path, not only the first one
            headers = {**(headers or {}), "Allow": _allowed(request)}
        return problem_response(
            exc.status_code,
            titles.get(exc.status_code, "Request refused"),
            detail,
            instance=request.url.path,
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.error("unhandled error", exc_info=exc, path=request.url.path, method=request.method)
        return problem_response(
            500,
            "Internal error",
            "The request could not be completed.",
            instance=request.url.path,
        )


def install_operational_routes(
    app: FastAPI,
    *,
    readiness: ReadinessCheck,
    metrics_guard: Callable[..., Any] | None = None,
    about: bool = True,
) -> None:
    """`/` (what this service is and where its documents are), `/healthz` (alive),
    `/readyz` (connected to what it needs), all open, and `/metrics`, behind
    `metrics_guard` (the ops role) when one is given. `about=False` leaves `/` to the
    app (the console's board)."""

    async def describe() -> dict[str, Any]:
        return {
            "service": app.title,
            "version": app.version,
            "summary": app.summary or app.description or "",
            "openapi": app.openapi_url,
            "health": "/healthz",
            "readiness": "/readyz",
            "metrics": "/metrics (ops role)",
            "documentation": "README.md and docs/ in the repository: docs/openapi/ for the "
            "HTTP APIs, docs/asyncapi/ for the events each service sends and receives",
        }

    if about:
        app.get("/", tags=["operations"])(describe)

    @app.get("/healthz", tags=["operations"], include_in_schema=True)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses={503: {"description": "Not ready"}})
    async def readyz() -> JSONResponse:
        checks = await readiness()
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=PlainTextResponse,
        dependencies=[Depends(metrics_guard)] if metrics_guard else [],
    )
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def invalid_configuration(service: str, exc: Any) -> NoReturn:
    """Say what is wrong with the settings, field by field, and exit with code 2."""
    import sys

    print(f"weerbaar-{service}: invalid configuration:", file=sys.stderr)
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or "settings"
        print(f"  {field}: {error['msg']}", file=sys.stderr)
    raise SystemExit(2) from None


def configured(service: str, build: Callable[[], T]) -> T:
    """`build()` (settings first); a bad configuration is a readable message and exit
    code 2, not a traceback."""
    from pydantic import ValidationError

    try:
        return build()
    except ValidationError as exc:
        invalid_configuration(service, exc)


def serve(service: str, build: Callable[[], tuple[FastAPI, Any]]) -> None:
    """Build the app (settings first, see `configured`) and serve it with the limits of
    `weerbaar_runtime.serving` (read timeouts, header size, keep-alive, concurrency)."""
    import signal
    import sys

    import uvicorn

    from weerbaar_runtime.serving import server_options

    app, settings = configured(service, build)
    # uvicorn stops gracefully on SIGTERM, then raises the signal again for the handler
    # that was there before it: with this one a requested stop ends with status 0, so a
    # supervisor counts it as expected rather than as a death by signal.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        **server_options(settings),
    )
