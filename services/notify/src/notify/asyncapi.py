"""The AsyncAPI document of notify: `faststream docs gen --factory notify.asyncapi:app`."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from notify.bootstrap import build
from notify.settings import NotifySettings


def app() -> FastStream:
    """The document's app, built on demand: nothing is built or connected at import."""
    return FastStream(
        build(NotifySettings()).broker,
        specification=AsyncAPI(
            title="Weerbaar notify",
            version="0.1.0",
            description="Pages the assigned adviser and reports delivery.",
        ),
    )
