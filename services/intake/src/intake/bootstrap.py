"""Intake: the composition root."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI
from faststream.nats import NatsBroker

from contracts.events import (
    ActionRecorded,
    AssignmentAcknowledged,
    AssignmentDeclined,
    AssignmentRequested,
    Event,
    IncidentClosed,
    IncidentDetailsUpdated,
    IncidentReopened,
    IncidentReported,
    RegistrationReceived,
)
from intake.adapters.idempotency import KeyValueIdempotencyStore
from intake.adapters.jetstream import JetStreamPublisher, StreamIncidentLookup
from intake.entrypoints import acknowledge, casework, incidents, registrations
from intake.entrypoints.common import Api
from intake.entrypoints.problems import Problems
from intake.service.casework import Casework
from intake.service.intake import Intake
from intake.settings import IntakeSettings
from weerbaar_runtime.bootstrap import Service, service_app
from weerbaar_runtime.keystore import CaseSealer
from weerbaar_runtime.nats import build_broker, document_publishers

PUBLISHES: list[type[Event]] = [
    IncidentReported,
    RegistrationReceived,
    AssignmentAcknowledged,
    ActionRecorded,
    IncidentClosed,
    IncidentReopened,
    IncidentDetailsUpdated,
    AssignmentRequested,
    AssignmentDeclined,
]


def build(settings: IntakeSettings) -> NatsBroker:
    """Intake's broker; it publishes only, with a PubAck for every event."""
    broker = build_broker(settings, service="intake")
    document_publishers(broker, PUBLISHES)
    return broker


def idempotency_store(settings: IntakeSettings, broker: NatsBroker) -> KeyValueIdempotencyStore:
    return KeyValueIdempotencyStore(
        broker, timeout_s=settings.publish_timeout_s, retry_s=settings.publish_retry_s
    )


def compose(
    settings: IntakeSettings,
    broker: NatsBroker,
    idempotency: KeyValueIdempotencyStore | None = None,
) -> Api:
    """The use cases on JetStream, as the routers use them."""
    timeout_s = settings.publish_timeout_s
    intake = Intake(
        publisher=JetStreamPublisher(broker, timeout_s=timeout_s, retry_s=settings.publish_retry_s),
        idempotency=idempotency or idempotency_store(settings, broker),
        ack_secret=settings.ack_token_secret.get_secret_value().encode(),
        id_key=settings.registration_id_key.get_secret_value().encode(),
        sealer=CaseSealer(settings.key_store(broker)),
    )
    return Api(
        casework=Casework(intake=intake, lookup=StreamIncidentLookup(broker, timeout_s=timeout_s)),
        problems=Problems(retry_after_s=settings.retry_after_s),
        registry_public_url=settings.registry_public_url,
    )


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    """Build the intake app; nothing connects until the app starts."""
    settings = settings or IntakeSettings()
    broker = build(settings)
    idempotency = idempotency_store(settings, broker)
    api = compose(settings, broker, idempotency)

    return service_app(
        settings,
        Service(
            name="intake",
            title="Weerbaar intake API",
            summary="Report incidents, register them, acknowledge or decline, update facts, "
            "assign by hand, record actions, close.",
            broker=broker,
            routers=[
                partial(routes.build_router, api)
                for routes in (incidents, registrations, acknowledge, casework)
            ],
            max_body_bytes=settings.max_body_bytes,
            max_in_flight=settings.max_in_flight,
            admission_wait_s=settings.admission_wait_s,
            retry_after_s=settings.retry_after_s,
            # bound before the service says it is ready, not by the first reports
            after_connect=[idempotency.bind],
        ),
    )
