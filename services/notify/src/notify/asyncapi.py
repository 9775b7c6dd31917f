"""The AsyncAPI document of notify: `faststream docs gen notify.asyncapi:app`."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from notify.app import build
from notify.settings import NotifySettings

app = FastStream(
    build(NotifySettings()),
    specification=AsyncAPI(
        title="Weerbaar notify",
        version="0.1.0",
        description="Pages the assigned adviser and reports delivery.",
    ),
)
