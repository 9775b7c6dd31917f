"""The AsyncAPI document of registry: `faststream docs gen registry.asyncapi:app`."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from registry.app import build
from registry.settings import RegistrySettings

app = FastStream(
    build(RegistrySettings(DATABASE_URL="sqlite+aiosqlite://")).broker,
    specification=AsyncAPI(
        title="Weerbaar registry",
        version="0.1.0",
        description="Projects every event into the SQL read model.",
    ),
)
