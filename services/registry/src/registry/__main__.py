"""`weerbaar-registry`: run the registry service."""

from __future__ import annotations

import uvicorn

from registry.app import create_app
from registry.settings import RegistrySettings


def main() -> None:
    settings = RegistrySettings()
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
