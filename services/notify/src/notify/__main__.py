"""`weerbaar-notify`: run the notify service."""

from __future__ import annotations

import uvicorn

from notify.app import create_app
from notify.settings import NotifySettings


def main() -> None:
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


if __name__ == "__main__":
    main()
