"""`weerbaar-console`: serve the console."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import uvicorn
from pydantic import ValidationError

from console.bootstrap import create_app
from console.settings import ConsoleSettings
from weerbaar_runtime.http import invalid_configuration


class _Server(uvicorn.Server):
    """Ends the browsers' event streams as soon as shutdown begins, so a stop does not
    wait for the graceful timeout (the browsers reconnect to the next process)."""

    closing: asyncio.Event | None = None

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self.closing is not None:
            self.closing.set()
        super().handle_exit(sig, frame)


def main() -> None:
    try:
        settings = ConsoleSettings()
        app = create_app(settings)
    except ValidationError as exc:
        invalid_configuration("console", exc)
    server = _Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
        )
    )
    server.closing = app.state.closing
    # uvicorn raises a caught SIGTERM again once it has stopped: end with status 0 then,
    # so a supervisor counts a requested stop as expected (as weerbaar_runtime.http.serve).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.run()


if __name__ == "__main__":
    main()
