"""The AsyncAPI document of routing: `faststream docs gen routing.asyncapi:app`."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from routing.app import build
from routing.settings import RoutingSettings

app = FastStream(
    build(RoutingSettings())[0],
    specification=AsyncAPI(
        title="Weerbaar routing",
        version="0.1.0",
        description="Assigns an adviser to every reported incident.",
    ),
)
