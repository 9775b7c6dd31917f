"""`weerbaar-notify`: run the notify service; `weerbaar-notify dead-letters …` manages
its dead letters (see notify.entrypoints.cli)."""

from __future__ import annotations

import sys

from fastapi import FastAPI

from notify.bootstrap import create_app
from notify.settings import NotifySettings
from weerbaar_runtime.http import serve


def build() -> tuple[FastAPI, NotifySettings]:
    settings = NotifySettings()
    return create_app(settings), settings


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] == "serve":
        serve("notify", build)
        return 0
    from notify.entrypoints.cli import main as cli

    return cli(args)


if __name__ == "__main__":
    raise SystemExit(main())
