"""The AsyncAPI document of intake: `faststream docs gen intake.asyncapi:app`."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from intake.bootstrap import build
from intake.settings import IntakeSettings

app = FastStream(
    build(IntakeSettings()),
    specification=AsyncAPI(
        title="Weerbaar intake",
        version="0.1.0",
        description="Publishes every command it accepts, each only after JetStream stored it.",
    ),
)
