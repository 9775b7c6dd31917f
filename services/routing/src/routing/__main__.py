"""`weerbaar-routing`: run the routing service."""

from __future__ import annotations

import sys

import uvicorn

from routing.app import create_app
from routing.roster import RosterError
from routing.settings import RoutingSettings


def main() -> None:
    settings = RoutingSettings()
    try:
        app = create_app(settings)
    except RosterError as exc:
        print(f"weerbaar-routing: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
