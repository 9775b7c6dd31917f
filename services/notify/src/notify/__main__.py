"""`weerbaar-notify`: run the notify service; `weerbaar-notify dead-letters …` manages
its dead letters (see notify.cli)."""

from __future__ import annotations

import sys

import uvicorn

from notify.app import create_app
from notify.settings import NotifySettings


def serve() -> None:
    settings = NotifySettings()
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        serve()
        return 0
    from notify.cli import main as cli

    return cli(args)


if __name__ == "__main__":
    raise SystemExit(main())
