"""The HTTP server every service runs: uvicorn on h11, with the limits a server facing
the internet needs.

- the request line and headers must arrive within `http_header_timeout_s` of the first
  byte (or of the connection), the body within `http_body_timeout_s` after them: a
  slow client is answered 408 and disconnected (during the body: disconnected);
- the request line and headers together may hold `http_max_header_bytes` (431; a
  header streamed past it is cut off with a 400 before it is buffered);
- a kept-alive connection is closed after `http_keep_alive_s` idle;
- past `http_max_concurrency` open connections or requests in flight, 503.

h11 rather than httptools: h11 bounds what it buffers of an incomplete request."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from weerbaar_runtime.http import problem_response

_TIMEOUT_BODY = (
    b'{"type":"about:blank","title":"Request timeout","status":408,'
    b'"detail":"The request did not arrive in time."}'
)
TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\n"
    b"connection: close\r\ncontent-length: " + str(len(_TIMEOUT_BODY)).encode() + b"\r\n\r\n"
) + _TIMEOUT_BODY


class HeaderLimit:
    """Answer 431 to a request whose line and headers exceed `max_bytes` in all."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            size = len(scope.get("raw_path", b"")) + len(scope.get("query_string", b""))
            size += sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if size > self.max_bytes:
                response = problem_response(
                    431,
                    "Request header fields too large",
                    f"The request line and headers hold more than {self.max_bytes} bytes.",
                    headers={"Connection": "close"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with read deadlines; `guarded_protocol` sets the limits."""

    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    max_header_bytes: int = 32 * 1024

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.app = HeaderLimit(self.app, self.max_header_bytes)
        self._deadline: asyncio.TimerHandle | None = None
        self._reading_body = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout_s)

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            self._arm(self.header_timeout_s)  # the next request on a kept-alive connection
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _follow(self) -> None:
        """Move the deadline on as the request arrives: headers, then body, then done."""
        state = self.conn.their_state
        if state is h11.SEND_BODY and not self._reading_body:
            self._reading_body = True
            self._arm(self.body_timeout_s)
        elif state is not h11.IDLE and state is not h11.SEND_BODY:
            self._disarm()

    def _arm(self, seconds: float) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._reading_body = False

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        answering = self.cycle is not None and not self.cycle.response_complete
        if not self._reading_body and not answering:
            self.transport.write(TIMEOUT_RESPONSE)
        self.transport.close()


def guarded_protocol(
    *, header_timeout_s: float, body_timeout_s: float, max_header_bytes: int
) -> type[GuardedH11Protocol]:
    """The protocol class with these limits, for `uvicorn.run(http=...)`."""
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {
            "header_timeout_s": header_timeout_s,
            "body_timeout_s": body_timeout_s,
            "max_header_bytes": max_header_bytes,
        },
    )


def server_options(settings: Any) -> dict[str, Any]:
    """uvicorn's options for a service's settings (`ServiceSettings`' `http_*` fields)."""
    max_header_bytes = int(settings.http_max_header_bytes)
    return {
        "http": guarded_protocol(
            header_timeout_s=settings.http_header_timeout_s,
            body_timeout_s=settings.http_body_timeout_s,
            max_header_bytes=max_header_bytes,
        ),
        "h11_max_incomplete_event_size": max_header_bytes,
        "timeout_keep_alive": settings.http_keep_alive_s,
        "limit_concurrency": settings.http_max_concurrency,
    }
