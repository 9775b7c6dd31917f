"""`weerbaar-intake`: serve the intake API."""

from __future__ import annotations

from fastapi import FastAPI

from intake.bootstrap import create_app
from intake.settings import IntakeSettings
from weerbaar_runtime.http import serve


def build() -> tuple[FastAPI, IntakeSettings]:
    settings = IntakeSettings()
    return create_app(settings), settings


def main() -> None:
    serve("intake", build)


if __name__ == "__main__":
    main()
