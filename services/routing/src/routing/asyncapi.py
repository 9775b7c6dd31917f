"""The AsyncAPI document of routing: `faststream docs gen --factory routing.asyncapi:app`.

`app` is a factory, so importing this module builds no broker."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from routing.bootstrap import build
from routing.settings import RoutingSettings


def app() -> FastStream:
    return FastStream(
        build(RoutingSettings())[0],
        specification=AsyncAPI(
            title="Weerbaar routing",
            version="0.1.0",
            description="Assigns an adviser to every reported incident.",
        ),
    )
