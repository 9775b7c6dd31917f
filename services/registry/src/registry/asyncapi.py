"""The AsyncAPI document of registry: `faststream docs gen registry.asyncapi:app`.

Nothing is built on import: `document()` builds the broker (on an in-memory database
that is never opened) when the generator asks for `app`."""

from __future__ import annotations

from typing import Any

from faststream import FastStream
from faststream.specification import AsyncAPI


def document() -> FastStream:
    """The registry's broker, its subscriber and publishers, as a FastStream app."""
    from registry.bootstrap import build
    from registry.settings import RegistrySettings

    return FastStream(
        build(RegistrySettings(DATABASE_URL="sqlite+aiosqlite://")).broker,
        specification=AsyncAPI(
            title="Weerbaar registry",
            version="0.1.0",
            description="Projects every event into the SQL read model.",
        ),
    )


def __getattr__(name: str) -> Any:
    if name == "app":
        return document()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
