"""One server-sent-events stream per browser tab: change ids from the registry's feed,
a ping every 15 s, and "reload" when the browser missed something."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse

from console.adapters.changes import ChangeHub
from console.entrypoints.web import Console

PING_S = 15.0
CASE_ROLES = ("operator", "coordinator", "adviser")


async def stream(
    hub: ChangeHub,
    *,
    last_event_id: str | None,
    since: str | None,
    closing: asyncio.Event,
    alive: Callable[[], Awaitable[bool]],
    ping_s: float = PING_S,
) -> AsyncIterator[bytes]:
    queue = hub.listen()
    try:
        yield b"retry: 2000\n\n"
        if last_event_id is not None and not hub.current(last_event_id):
            # a reconnect after a gap: the view must be read again
            yield f"id: {hub.last_id}\nevent: reload\ndata: {{}}\n\n".encode()
        elif since is not None and not hub.current(since):
            # changes came between rendering the page and opening the stream
            yield f"id: {hub.last_id}\nevent: reload\ndata: {{}}\n\n".encode()
        else:
            yield f"id: {hub.last_id}\nevent: ready\ndata: {{}}\n\n".encode()
        while not closing.is_set():
            try:
                change = await asyncio.wait_for(queue.get(), ping_s)
            except TimeoutError:
                if not await alive():  # signed out (or expired) meanwhile
                    return
                yield b": ping\n\n"
                continue
            if change is None:  # the hub let go of this stream (new epoch, shutdown)
                return
            yield f"id: {change.event_id}\nevent: change\ndata: {change.payload()}\n\n".encode()
    finally:
        hub.leave(queue)


def install(app: FastAPI, console: Console, closing: asyncio.Event) -> None:
    @app.get("/live")
    async def live(request: Request) -> Response:
        session = await console.session(request)
        if session is None or session.user.role not in CASE_ROLES:
            return Response(status_code=401)

        async def alive() -> bool:
            try:
                return await console.session(request) is not None
            except Exception:
                return True

        return StreamingResponse(
            stream(
                console.hub,
                last_event_id=request.headers.get("last-event-id"),
                since=request.query_params.get("sinds"),
                closing=closing,
                alive=alive,
            ),
            media_type="text/event-stream",
            headers={"X-Accel-Buffering": "no"},
        )
