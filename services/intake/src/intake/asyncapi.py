"""The AsyncAPI document of intake: `faststream docs gen --factory intake.asyncapi:app`."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from intake.bootstrap import build
from intake.settings import IntakeSettings


def app() -> FastStream:
    """Intake's broker as documented; built when called, never at import."""
    return FastStream(
        build(IntakeSettings()),
        specification=AsyncAPI(
            title="Weerbaar intake",
            version="0.1.0",
            description="Publishes every command it accepts, each only after JetStream stored it.",
        ),
    )
