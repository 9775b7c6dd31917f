"""The intake HTTP API: the composition root."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Header, Path, Request
from fastapi.responses import JSONResponse
from faststream.nats import NatsBroker
from prometheus_client import Counter

from contracts.events import (
    ActionRecorded,
    AssignmentAcknowledged,
    Event,
    IncidentClosed,
    IncidentReopened,
    IncidentReported,
    RegistrationReceived,
)
from contracts.runtime.http import (
    BodyGuardMiddleware,
    ProblemError,
    install_operational_routes,
    install_problem_handlers,
)
from contracts.runtime.logging import configure_logging, get_logger
from contracts.runtime.nats import build_broker, document_publishers
from intake.adapters import JetStreamPublisher, KeyValueIdempotencyStore, StreamIncidentLookup
from intake.ports import IdempotencyConflictError, IncidentLookup, PublishFailedError
from intake.schemas import (
    Accepted,
    Acknowledge,
    CloseIncident,
    IdempotencyKey,
    RecordAction,
    RegisterIncident,
    RegistrationAccepted,
    ReopenIncident,
    ReportIncident,
)
from intake.service import Intake
from intake.settings import IntakeSettings

_log = get_logger("intake")
COMMANDS = Counter(
    "weerbaar_intake_commands_total", "Commands handled by intake", ["command", "outcome"]
)

PROBLEM_RESPONSES: dict[int | str, dict[str, object]] = {
    409: {"description": "Idempotency-Key reused with a different body"},
    413: {"description": "Body too large"},
    415: {"description": "Body is not JSON"},
    422: {"description": "Invalid request"},
    503: {"description": "Not stored: JetStream unreachable; retry after Retry-After seconds"},
}


Key = Annotated[IdempotencyKey, Header(alias="Idempotency-Key")]
IncidentId = Annotated[uuid.UUID, Path(description="The incident id")]


async def _connect_with_retry(app: FastAPI) -> None:
    broker = app.state.broker
    while True:
        try:
            await broker.connect()
            app.state.connected = True
            _log.info("connected to nats")
            return
        except Exception as exc:
            _log.warning("nats not reachable, retrying", error_type=type(exc).__name__)
            await asyncio.sleep(1.0)


PUBLISHES: list[type[Event]] = [
    IncidentReported,
    RegistrationReceived,
    AssignmentAcknowledged,
    ActionRecorded,
    IncidentClosed,
    IncidentReopened,
]


def build(settings: IntakeSettings) -> NatsBroker:
    """Intake's broker; it publishes only, with a PubAck for every event."""
    broker = build_broker(settings, service="intake")
    document_publishers(broker, PUBLISHES)
    return broker


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    """Build the intake app; nothing connects until the app starts."""
    settings = settings or IntakeSettings()
    configure_logging(service="intake", level=settings.log_level, json=settings.log_json)
    broker = build(settings)
    publisher = JetStreamPublisher(broker, timeout_s=settings.publish_timeout_s)
    idempotency = KeyValueIdempotencyStore(broker, timeout_s=settings.publish_timeout_s)
    lookup: IncidentLookup = StreamIncidentLookup(broker, timeout_s=settings.publish_timeout_s)
    intake = Intake(publisher=publisher, idempotency=idempotency)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        connecting = asyncio.create_task(_connect_with_retry(app))
        try:
            yield
        finally:
            connecting.cancel()
            await broker.stop()

    app = FastAPI(
        title="Weerbaar intake API",
        version="0.1.0",
        summary="Report incidents, register them, acknowledge, record actions, close.",
        lifespan=lifespan,
        docs_url=None if settings.environment == "production" else "/docs",
        redoc_url=None,
    )
    app.state.broker = broker
    app.state.connected = False
    app.add_middleware(BodyGuardMiddleware, max_body_bytes=settings.max_body_bytes)
    install_problem_handlers(app)

    async def readiness() -> dict[str, bool]:
        connected = bool(app.state.connected) and broker.connection.is_connected
        return {"nats": connected}

    install_operational_routes(app, readiness=readiness)

    def unavailable(command: str) -> ProblemError:
        COMMANDS.labels(command, "unavailable").inc()
        return ProblemError(
            503,
            "Service unavailable",
            "The event store did not confirm storing the request; nothing was accepted. "
            "Retry with the same Idempotency-Key.",
            headers={"Retry-After": str(settings.retry_after_s)},
        )

    def conflict(command: str) -> ProblemError:
        COMMANDS.labels(command, "conflict").inc()
        return ProblemError(
            409,
            "Idempotency-Key reused",
            "This Idempotency-Key was used before with a different request body.",
        )

    def accepted(incident_id: uuid.UUID, event_id: uuid.UUID) -> JSONResponse:
        body = Accepted(
            incident_id=incident_id,
            status_url=f"{settings.registry_public_url}/v1/incidents/{incident_id}",
            event_id=event_id,
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=202)

    async def require_incident(incident_id: uuid.UUID, command: str) -> None:
        try:
            found = await lookup.exists(incident_id)
        except PublishFailedError:
            raise unavailable(command) from None
        if not found:
            COMMANDS.labels(command, "not_found").inc()
            raise ProblemError(404, "Not found", f"No incident {incident_id}.")

    @app.post(
        "/v1/incidents",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses=PROBLEM_RESPONSES,
    )
    async def report_incident(body: ReportIncident, idempotency_key: Key = None) -> JSONResponse:
        """Report an incident; 202 only once JetStream has stored it."""
        try:
            event = await intake.report_incident(request=body, idempotency_key=idempotency_key)
        except IdempotencyConflictError:
            raise conflict("report") from None
        except PublishFailedError:
            raise unavailable("report") from None
        COMMANDS.labels("report", "accepted").inc()
        return accepted(event.incident_id, event.event_id)

    @app.post(
        "/v1/registrations",
        status_code=202,
        response_model=RegistrationAccepted,
        tags=["registrations"],
        responses=PROBLEM_RESPONSES,
    )
    async def register(body: RegisterIncident, idempotency_key: Key = None) -> JSONResponse:
        """Register an incident from an organisation's own aggression protocol.

        `(organisation_code, external_id)` identifies the registration: a repeat is the
        same registration; a different body under the same id is a 409."""
        del idempotency_key  # the registration's own identity makes it idempotent
        try:
            registration, outreach = await intake.register(request=body)
        except IdempotencyConflictError:
            COMMANDS.labels("register", "conflict").inc()
            raise ProblemError(
                409,
                "Registration exists",
                "This organisation already registered this external_id with different content.",
            ) from None
        except PublishFailedError:
            raise unavailable("register") from None
        COMMANDS.labels("register", "accepted").inc()
        incident_id = outreach.incident_id if outreach else None
        result = RegistrationAccepted(
            registration_id=registration.incident_id,
            incident_id=incident_id,
            status_url=(
                f"{settings.registry_public_url}/v1/incidents/{incident_id}"
                if incident_id
                else None
            ),
        )
        return JSONResponse(result.model_dump(mode="json"), status_code=202)

    @app.post(
        "/v1/incidents/{incident_id}/acknowledge",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={404: {"description": "No such incident"}, **PROBLEM_RESPONSES},
    )
    async def acknowledge(
        incident_id: IncidentId, body: Acknowledge | None = None, idempotency_key: Key = None
    ) -> JSONResponse:
        """Acknowledge the assignment: the adviser has taken the case."""
        await require_incident(incident_id, "acknowledge")
        try:
            event = await intake.acknowledge(
                incident_id=incident_id,
                request=body or Acknowledge(),
                idempotency_key=idempotency_key,
            )
        except IdempotencyConflictError:
            raise conflict("acknowledge") from None
        except PublishFailedError:
            raise unavailable("acknowledge") from None
        COMMANDS.labels("acknowledge", "accepted").inc()
        return accepted(incident_id, event.event_id)

    @app.post(
        "/v1/incidents/{incident_id}/actions",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={404: {"description": "No such incident"}, **PROBLEM_RESPONSES},
    )
    async def record_action(
        incident_id: IncidentId, body: RecordAction, idempotency_key: Key = None
    ) -> JSONResponse:
        """Record a follow-up action on the case."""
        await require_incident(incident_id, "action")
        try:
            event = await intake.record_action(
                incident_id=incident_id, request=body, idempotency_key=idempotency_key
            )
        except IdempotencyConflictError:
            raise conflict("action") from None
        except PublishFailedError:
            raise unavailable("action") from None
        COMMANDS.labels("action", "accepted").inc()
        return accepted(incident_id, event.event_id)

    @app.post(
        "/v1/incidents/{incident_id}/close",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={404: {"description": "No such incident"}, **PROBLEM_RESPONSES},
    )
    async def close(
        incident_id: IncidentId, body: CloseIncident | None = None, idempotency_key: Key = None
    ) -> JSONResponse:
        """Close the case."""
        await require_incident(incident_id, "close")
        try:
            event = await intake.close(
                incident_id=incident_id,
                request=body or CloseIncident(),
                idempotency_key=idempotency_key,
            )
        except IdempotencyConflictError:
            raise conflict("close") from None
        except PublishFailedError:
            raise unavailable("close") from None
        COMMANDS.labels("close", "accepted").inc()
        return accepted(incident_id, event.event_id)

    @app.post(
        "/v1/incidents/{incident_id}/reopen",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={404: {"description": "No such incident"}, **PROBLEM_RESPONSES},
    )
    async def reopen(
        incident_id: IncidentId, body: ReopenIncident | None = None, idempotency_key: Key = None
    ) -> JSONResponse:
        """Reopen a closed case."""
        await require_incident(incident_id, "reopen")
        try:
            event = await intake.reopen(
                incident_id=incident_id,
                request=body or ReopenIncident(),
                idempotency_key=idempotency_key,
            )
        except IdempotencyConflictError:
            raise conflict("reopen") from None
        except PublishFailedError:
            raise unavailable("reopen") from None
        COMMANDS.labels("reopen", "accepted").inc()
        return accepted(incident_id, event.event_id)

    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> dict[str, str]:
        return {"service": "weerbaar-intake", "openapi": str(request.url_for("openapi"))}

    return app
