"""`weerbaar-intake`: serve the intake API."""

from __future__ import annotations

import uvicorn

from intake.app import create_app
from intake.settings import IntakeSettings


def main() -> None:
    settings = IntakeSettings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
