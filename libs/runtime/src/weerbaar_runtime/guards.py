"""Request guards every service with a body-taking API puts before its routes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError

from weerbaar_runtime.http import problem_response


class BodyGuardMiddleware:
    """Refuse request bodies that are too large (413) or not JSON (415) before routing.

    A pure ASGI middleware, so a streamed body is counted as it arrives and never
    buffered past the limit.
    """

    def __init__(self, app: Any, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length")
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        has_body = chunked or (length is not None and length.strip() not in ("", "0"))
        if length is not None:
            try:
                too_large = int(length) > self.max_body_bytes
            except ValueError:
                await self._refuse(
                    scope, send, 400, "Bad request", "Content-Length is not a number."
                )
                return
            if too_large:
                await self._refuse_too_large(scope, send)
                return
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if has_body and not (media_type == "application/json" or media_type.endswith("+json")):
            await self._refuse(
                scope,
                send,
                415,
                "Unsupported media type",
                "The request body must be JSON (Content-Type: application/json).",
            )
            return
        received = 0

        async def counting_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _BodyTooLargeError:
            await self._refuse_too_large(scope, send)

    async def _refuse_too_large(self, scope: dict[str, Any], send: Any) -> None:
        await self._refuse(
            scope,
            send,
            413,
            "Request body too large",
            f"The request body is larger than {self.max_body_bytes} bytes.",
        )

    @staticmethod
    async def _refuse(
        scope: dict[str, Any], send: Any, status: int, title: str, detail: str
    ) -> None:
        response = problem_response(status, title, detail, instance=scope.get("path"))
        await response(scope, _empty_receive, send)


class _BodyTooLargeError(Exception):
    pass


async def _empty_receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def declares_list(schema: dict[str, Any]) -> bool:
    """Whether a parameter's schema takes a list (an array, or one among `anyOf`)."""
    return any(k.get("type") == "array" for k in [schema, *schema.get("anyOf", [])])


def _repeatable(app: FastAPI) -> dict[tuple[str, str], frozenset[str]]:
    """Per operation, the query parameters its schema declares as lists."""
    found: dict[tuple[str, str], frozenset[str]] = {}
    for path, operations in app.openapi().get("paths", {}).items():
        for method, operation in operations.items():
            names = set()
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and declares_list(parameter.get("schema", {})):
                    names.add(parameter["name"])
            found[(method.upper(), path)] = frozenset(names)
    return found


async def single_valued_query(request: Request) -> None:
    """A query parameter that is not a list, given more than once, is a 422: the
    framework would silently keep only its last value."""
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = [name for name, count in counts.items() if count > 1]
    if not repeated:
        return
    app = request.app
    if not hasattr(app.state, "repeatable_query"):
        app.state.repeatable_query = _repeatable(app)
    values = {f"{{{k}}}": str(v) for k, v in request.path_params.items()}
    lists: frozenset[str] = frozenset()
    for (method, template), names in app.state.repeatable_query.items():
        path = template
        for placeholder, value in values.items():
            path = path.replace(placeholder, value)
        if method == request.method and path == request.url.path:
            lists = names
            break
    wrong = [name for name in repeated if name not in lists]
    if wrong:
        raise RequestValidationError(
            [
                {"type": "value_error", "loc": ("query", name), "msg": "given more than once"}
                for name in wrong
            ]
        )
