"""The `routing` durable consumer: every event routing acts on, handed to the router."""

from __future__ import annotations

from faststream.nats import NatsBroker

from contracts.subjects import ROUTING_CONSUMER
from routing.service.router import Router
from weerbaar_runtime.consumer import subscribe


def subscribe_events(broker: NatsBroker, router: Router) -> None:
    subscribe(broker, ROUTING_CONSUMER, router.handle, batch_size=64)
