"""The intake HTTP API: the composition root."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, FastAPI, Header, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse
from faststream.nats import NatsBroker
from prometheus_client import Counter

from contracts.events import (
    ActionRecorded,
    AdviserAssigned,
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
from contracts.tokens import AckClaim, InvalidTokenError, verify_ack_token
from intake import pages
from intake.adapters import JetStreamPublisher, KeyValueIdempotencyStore, StreamIncidentLookup
from intake.ports import (
    IdempotencyConflictError,
    IncidentLookup,
    InvalidLinkError,
    PublishFailedError,
    SupersededError,
)
from intake.schemas import (
    Accepted,
    Acknowledge,
    AssignByHand,
    CloseIncident,
    Decline,
    IdempotencyKey,
    RecordAction,
    RegisterIncident,
    RegistrationAccepted,
    ReopenIncident,
    ReportIncident,
    UpdateDetails,
)
from intake.service import Intake
from intake.settings import IntakeSettings
from weerbaar_runtime.auth import Access, Principal, forbidden, secure
from weerbaar_runtime.guards import BodyGuardMiddleware
from weerbaar_runtime.http import (
    ProblemError,
    install_operational_routes,
    install_problem_handlers,
    problem_doc,
)
from weerbaar_runtime.logging import configure_logging, get_logger
from weerbaar_runtime.nats import build_broker, document_publishers, stop_quietly

_log = get_logger("intake")
COMMANDS = Counter(
    "weerbaar_intake_commands_total", "Commands handled by intake", ["command", "outcome"]
)

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: problem_doc("Idempotency-Key reused with a different body"),
    413: problem_doc("Body too large"),
    415: problem_doc("Body is not JSON"),
    422: problem_doc("Invalid request: the detail names the field"),
    503: problem_doc("Not stored: JetStream unreachable; retry after Retry-After seconds"),
}


HTML_PAGES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"text/html": {"schema": {"type": "string"}}}}
    for code, text in (
        (403, "The link is invalid or expired"),
        (409, "The assignment was escalated to someone else since, or already acknowledged"),
        (503, "Not stored; try again"),
    )
}


T = TypeVar("T")
NO_STORE = {"Cache-Control": "no-store"}
Key = Annotated[IdempotencyKey, Header(alias="Idempotency-Key")]
AckToken = Annotated[str, Path(min_length=10, max_length=400, description="Signed token")]


def _claim_or_none(token: str, settings: IntakeSettings) -> AckClaim | None:
    try:
        return verify_ack_token(token, secret=settings.ack_token_secret.get_secret_value().encode())
    except InvalidTokenError:
        return None


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
    IncidentDetailsUpdated,
    AssignmentRequested,
    AssignmentDeclined,
]

Actor = Literal["operator", "coordinator", "adviser"]
ACTORS: dict[Access, Actor] = {
    Access.OPERATOR: "operator",
    Access.COORDINATOR: "coordinator",
    Access.ADVISER: "adviser",
}


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
    intake = Intake(
        publisher=publisher,
        idempotency=idempotency,
        ack_secret=settings.ack_token_secret.get_secret_value().encode(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        connecting = asyncio.create_task(_connect_with_retry(app))
        try:
            yield
        finally:
            connecting.cancel()
            await stop_quietly(broker)

    app = FastAPI(
        title="Weerbaar intake API",
        version="0.1.0",
        summary="Report incidents, register them, acknowledge or decline, update facts, "
        "assign by hand, record actions, close.",
        lifespan=lifespan,
        docs_url=None,  # no Swagger UI: it loads from a CDN; GET / says where the docs are
        redoc_url=None,
    )
    app.state.broker = broker
    app.state.connected = False
    app.add_middleware(BodyGuardMiddleware, max_body_bytes=settings.max_body_bytes)
    install_problem_handlers(app)

    async def readiness() -> dict[str, bool]:
        connected = bool(app.state.connected) and broker.connection.is_connected
        return {"nats": connected}

    security = secure(app, settings.auth)
    allow = security.allow
    install_operational_routes(
        app, readiness=readiness, metrics_guard=allow(Access.OPS, what="read metrics")
    )
    Reporter = Annotated[
        Principal, Depends(allow(Access.OPERATOR, Access.COORDINATOR, what="report incidents"))
    ]
    System = Annotated[
        Principal, Depends(allow(Access.MUNICIPAL_SYSTEM, what="post registrations"))
    ]
    CaseWorker = Annotated[
        Principal,
        Depends(allow(Access.OPERATOR, Access.COORDINATOR, Access.ADVISER, what="work on cases")),
    ]
    Assigner = Annotated[
        Principal,
        Depends(allow(Access.OPERATOR, Access.COORDINATOR, what="assign cases by hand")),
    ]
    MaybePrincipal = Annotated[Principal | None, Depends(security.optional())]

    def unavailable(command: str) -> ProblemError:
        COMMANDS.labels(command, "unavailable").inc()
        return ProblemError(
            503,
            "Service unavailable",
            "The event store did not confirm storing the request; nothing was accepted. "
            "Retry with the same Idempotency-Key.",
            headers={"Retry-After": str(settings.retry_after_s)},
        )

    def superseded(command: str, current: AdviserAssigned | None) -> ProblemError:
        COMMANDS.labels(command, "superseded").inc()
        return ProblemError(
            409,
            "Assignment superseded",
            "This assignment is no longer current: the case was escalated to another "
            "adviser. Nothing was acknowledged.",
            extra={"current_assignment_id": str(current.assignment_id) if current else None},
        )

    async def run(command: str, call: Callable[[], Awaitable[T]], *, count: bool = True) -> T:
        """Run a use case and translate its failures into problem responses; `count` it
        as an accepted command (lookups before the command itself are not)."""
        try:
            result = await call()
        except IdempotencyConflictError:
            COMMANDS.labels(command, "conflict").inc()
            raise ProblemError(
                409,
                "Idempotency-Key reused",
                "This Idempotency-Key was used before with a different request body.",
            ) from None
        except SupersededError as exc:
            raise superseded(command, exc.current) from None
        except InvalidLinkError:
            COMMANDS.labels(command, "invalid_link").inc()
            raise ProblemError(
                403, "Invalid acknowledge link", "The link is invalid or has expired."
            ) from None
        except PublishFailedError:
            raise unavailable(command) from None
        if count:
            COMMANDS.labels(command, "accepted").inc()
        return result

    async def look(command: str, call: Callable[[], Awaitable[T]]) -> T:
        """A lookup on the way to a command: its failures answer as the command's."""
        return await run(command, call, count=False)

    def accepted(event: Event) -> JSONResponse:
        body = Accepted(
            incident_id=event.incident_id,
            status_url=f"{settings.registry_public_url}/v1/incidents/{event.incident_id}",
            event_id=event.event_id,
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=202)

    def not_found(incident_id: uuid.UUID, command: str) -> ProblemError:
        COMMANDS.labels(command, "not_found").inc()
        return ProblemError(404, "Not found", f"No incident {incident_id}.")

    async def require_incident(
        incident_id: uuid.UUID, command: str, principal: Principal | None = None
    ) -> None:
        """The incident exists and, for an adviser, was assigned to them now or before
        (otherwise it is 404, so ids cannot be probed)."""
        found = await look(command, lambda: lookup.exists(incident_id))
        if not found:
            raise not_found(incident_id, command)
        if principal is not None and principal.role is Access.ADVISER:
            advisers = await look(command, lambda: lookup.assigned_advisers(incident_id))
            if principal.adviser_id not in advisers:
                raise not_found(incident_id, command)

    def scoped(principal: Principal, key: str | None) -> str | None:
        """An Idempotency-Key belongs to whoever sent it."""
        return f"{principal.key}\x1f{key}" if key is not None else None

    @app.post(
        "/v1/incidents",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses=PROBLEM_RESPONSES,
    )
    async def report_incident(
        body: ReportIncident, principal: Reporter, idempotency_key: Key = None
    ) -> JSONResponse:
        """Report an incident; 202 only once JetStream has stored it. Operators and
        coordinators. `related_incident_id` links a follow-up call to an earlier case,
        which must exist and not be erased."""
        if body.related_incident_id is not None:
            related = body.related_incident_id
            if not await look("report", lambda: lookup.exists(related)) or await look(
                "report", lambda: lookup.erased(related)
            ):
                COMMANDS.labels("report", "invalid").inc()
                raise ProblemError(
                    422,
                    "Invalid request",
                    f"related_incident_id: no incident {related} (or its data was erased)",
                    extra={
                        "errors": [
                            {
                                "field": "related_incident_id",
                                "message": "no such incident, or its data was erased",
                            }
                        ]
                    },
                )
        key = scoped(principal, idempotency_key)
        return accepted(
            await run("report", lambda: intake.report_incident(request=body, idempotency_key=key))
        )

    @app.post(
        "/v1/registrations",
        status_code=202,
        response_model=RegistrationAccepted,
        tags=["registrations"],
        responses=PROBLEM_RESPONSES,
    )
    async def register(
        body: RegisterIncident, principal: System, idempotency_key: Key = None
    ) -> JSONResponse:
        """Register an incident from an organisation's own aggression protocol: a
        municipal, provincial or water-board system, for its own organisation only.

        `(organisation_code, external_id)` identifies the registration: a repeat is the
        same registration; a different body under the same id is a 409."""
        del idempotency_key  # the registration's own identity makes it idempotent
        if body.organisation_code != principal.organisation_code:
            raise forbidden(principal, "register incidents of another organisation")
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

    async def acknowledge_incident(
        incident_id: uuid.UUID,
        request: Acknowledge,
        idempotency_key: str | None,
        principal: Principal | None = None,
    ) -> Event:
        await require_incident(incident_id, "acknowledge", principal)
        current = await look("acknowledge", lambda: lookup.current_assignment(incident_id))
        if principal is not None and principal.role is Access.ADVISER and request.token is None:
            if current is None or current.adviser_id != principal.adviser_id:
                raise superseded("acknowledge", current)
            request = request.model_copy(
                update={"assignment_id": current.assignment_id, "adviser_id": principal.adviser_id}
            )
        return await run(
            "acknowledge",
            lambda: intake.acknowledge(
                incident_id=incident_id,
                request=request,
                current=current,
                idempotency_key=idempotency_key,
            ),
        )

    @app.post(
        "/v1/incidents/{incident_id}/acknowledge",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            403: problem_doc("Invalid or expired acknowledge token, or a role that may not"),
            404: problem_doc("No such incident (or not one of the adviser's)"),
            **PROBLEM_RESPONSES,
            409: problem_doc("The assignment was superseded (escalated), or a reused key"),
        },
    )
    async def acknowledge(
        incident_id: IncidentId,
        principal: MaybePrincipal,
        body: Acknowledge | None = None,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Acknowledge the assignment: the adviser has taken the case. Either the signed
        token from the page (no bearer token needed), or an adviser (their own current
        assignment), an operator or a coordinator. Acknowledging the same assignment
        twice is harmless; a superseded assignment is a 409."""
        request = body or Acknowledge()
        if request.token is None:
            if principal is None:
                raise ProblemError(
                    401,
                    "Unauthorised",
                    "A bearer token, or the token from the acknowledge link, is needed.",
                    headers={"WWW-Authenticate": 'Bearer realm="weerbaar"'},
                )
            if principal.role not in (Access.ADVISER, Access.OPERATOR, Access.COORDINATOR):
                raise forbidden(principal, "acknowledge assignments")
        key = scoped(principal, idempotency_key) if principal else None
        return accepted(await acknowledge_incident(incident_id, request, key, principal))

    @app.get(
        "/v1/ack/{token}",
        response_class=HTMLResponse,
        tags=["acknowledge link"],
        responses=HTML_PAGES,
    )
    async def acknowledge_page(token: AckToken) -> HTMLResponse:
        """The page behind the link in a notification: what it is about, and one button."""
        claim = _claim_or_none(token, settings)
        if claim is None:
            return HTMLResponse(pages.invalid_link(), status_code=403, headers=NO_STORE)
        # Say where the case stands before offering buttons that can no longer work.
        incident_id, assignment_id = claim.incident_id, claim.assignment_id
        try:
            if await lookup.closed(incident_id):
                return HTMLResponse(pages.closed(incident_id), headers=NO_STORE)
            if await lookup.acknowledged(incident_id, assignment_id):
                return HTMLResponse(pages.acknowledged(incident_id, earlier=True), headers=NO_STORE)
            current = await lookup.current_assignment(incident_id)
        except PublishFailedError:
            return HTMLResponse(pages.failed(503), status_code=503, headers=NO_STORE)
        if current is not None and current.assignment_id != assignment_id:
            return HTMLResponse(pages.superseded(), headers=NO_STORE)
        return HTMLResponse(pages.confirm(incident_id, token), headers=NO_STORE)

    @app.post(
        "/v1/ack/{token}",
        response_class=HTMLResponse,
        tags=["acknowledge link"],
        responses=HTML_PAGES,
    )
    async def acknowledge_by_link(token: AckToken) -> HTMLResponse:
        """Acknowledge through the link's button (a form post without fields)."""
        claim = _claim_or_none(token, settings)
        if claim is None:
            return HTMLResponse(pages.invalid_link(), status_code=403, headers=NO_STORE)
        try:
            await acknowledge_incident(claim.incident_id, Acknowledge(token=token), None)
        except ProblemError as problem:
            html = pages.superseded() if problem.status == 409 else pages.failed(problem.status)
            return HTMLResponse(html, status_code=problem.status, headers=NO_STORE)
        return HTMLResponse(
            pages.acknowledged(claim.incident_id), status_code=200, headers=NO_STORE
        )

    @app.post(
        "/v1/ack/{token}/decline",
        response_class=HTMLResponse,
        tags=["acknowledge link"],
        responses=HTML_PAGES,
    )
    async def decline_by_link(token: AckToken) -> HTMLResponse:
        """Decline through the page's second button: the next adviser is paged at once."""
        claim = _claim_or_none(token, settings)
        if claim is None:
            return HTMLResponse(pages.invalid_link(), status_code=403, headers=NO_STORE)
        try:
            current = await current_to_decline(claim.incident_id, "decline", None)
            if current.assignment_id != claim.assignment_id:
                raise superseded("decline", current)
            await run(
                "decline",
                lambda: intake.decline(
                    incident_id=claim.incident_id,
                    current=current,
                    request=Decline(),
                    declined_by="link",
                ),
            )
        except ProblemError as problem:
            html = pages.failed(problem.status)
            if problem.status == 409:
                taken = problem.title == "Already acknowledged"
                html = pages.already_acknowledged() if taken else pages.superseded()
            return HTMLResponse(html, status_code=problem.status, headers=NO_STORE)
        return HTMLResponse(pages.declined(claim.incident_id), status_code=200, headers=NO_STORE)

    async def command(
        name: str,
        incident_id: uuid.UUID,
        principal: Principal,
        call: Callable[[], Awaitable[Event]],
    ) -> JSONResponse:
        await require_incident(incident_id, name, principal)
        return accepted(await run(name, call))

    @app.post(
        "/v1/incidents/{incident_id}/actions",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            404: problem_doc("No such incident (or not one of the adviser's)"),
            **PROBLEM_RESPONSES,
        },
    )
    async def record_action(
        incident_id: IncidentId,
        body: RecordAction,
        principal: CaseWorker,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Record a follow-up action on the case (its adviser, operators, coordinators)."""
        if principal.role is Access.ADVISER:
            body = body.model_copy(update={"adviser_id": principal.adviser_id})
        key = scoped(principal, idempotency_key)
        return await command(
            "action",
            incident_id,
            principal,
            lambda: intake.record_action(
                incident_id=incident_id, request=body, idempotency_key=key
            ),
        )

    @app.post(
        "/v1/incidents/{incident_id}/close",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            404: problem_doc("No such incident (or not one of the adviser's)"),
            **PROBLEM_RESPONSES,
        },
    )
    async def close(
        incident_id: IncidentId,
        principal: CaseWorker,
        body: CloseIncident | None = None,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Close the case (its adviser, operators, coordinators)."""
        request = body or CloseIncident()
        if principal.role is Access.ADVISER:
            request = request.model_copy(update={"adviser_id": principal.adviser_id})
        key = scoped(principal, idempotency_key)
        return await command(
            "close",
            incident_id,
            principal,
            lambda: intake.close(incident_id=incident_id, request=request, idempotency_key=key),
        )

    @app.post(
        "/v1/incidents/{incident_id}/reopen",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            404: problem_doc("No such incident (or not one of the adviser's)"),
            **PROBLEM_RESPONSES,
        },
    )
    async def reopen(
        incident_id: IncidentId,
        principal: CaseWorker,
        body: ReopenIncident | None = None,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Reopen a closed case (its adviser, operators, coordinators)."""
        key = scoped(principal, idempotency_key)
        return await command(
            "reopen",
            incident_id,
            principal,
            lambda: intake.reopen(
                incident_id=incident_id, request=body or ReopenIncident(), idempotency_key=key
            ),
        )

    async def current_adviser_only(
        incident_id: uuid.UUID, command: str, principal: Principal
    ) -> AdviserAssigned | None:
        """The incident exists and, for an adviser, is assigned to them now (otherwise
        404); its current assignment."""
        await require_incident(incident_id, command)
        current = await look(command, lambda: lookup.current_assignment(incident_id))
        if principal.role is Access.ADVISER and (
            current is None or current.adviser_id != principal.adviser_id
        ):
            raise not_found(incident_id, command)
        return current

    async def current_to_decline(
        incident_id: uuid.UUID, command: str, principal: Principal | None
    ) -> AdviserAssigned:
        """The current assignment, which this caller may decline: not acknowledged, and
        for an adviser their own (one assigned before and moved on since is a 409)."""
        await require_incident(incident_id, command, principal)
        current = await look(command, lambda: lookup.current_assignment(incident_id))
        if current is None or (
            principal is not None
            and principal.role is Access.ADVISER
            and current.adviser_id != principal.adviser_id
        ):
            raise superseded(command, current)
        assignment_id = current.assignment_id
        if await look(command, lambda: lookup.acknowledged(incident_id, assignment_id)):
            COMMANDS.labels(command, "acknowledged").inc()
            raise ProblemError(
                409,
                "Already acknowledged",
                "The assignment was acknowledged: it can be handed over to another adviser "
                "(POST /v1/incidents/{id}/assign), not declined.",
                extra={"current_assignment_id": str(assignment_id)},
            )
        return current

    @app.post(
        "/v1/incidents/{incident_id}/details",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            404: problem_doc("No such incident (or not assigned to the adviser now)"),
            **PROBLEM_RESPONSES,
        },
    )
    async def update_details(
        incident_id: IncidentId,
        body: UpdateDetails,
        principal: CaseWorker,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Record facts that changed after the call: a melding or aangifte made later
        (and its VPT flag, domicile, reported by the organisation), the reason none was
        made, incident types, channels, support needs, perpetrator kind, whether family
        was targeted, the urgency. The statistics follow the current facts. Raising the
        urgency of a case nobody acknowledged yet shortens its deadline to the new
        urgency's (and escalates at once if that has passed). The adviser of the current
        assignment, operators, coordinators."""
        await current_adviser_only(incident_id, "details", principal)
        key = scoped(principal, idempotency_key)
        return accepted(
            await run(
                "details",
                lambda: intake.update_details(
                    incident_id=incident_id,
                    request=body,
                    updated_by=ACTORS[principal.role],
                    adviser_id=principal.adviser_id if principal.role is Access.ADVISER else None,
                    idempotency_key=key,
                ),
            )
        )

    @app.post(
        "/v1/incidents/{incident_id}/assign",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={404: problem_doc("No such incident"), **PROBLEM_RESPONSES},
    )
    async def assign(
        incident_id: IncidentId,
        body: AssignByHand,
        principal: Assigner,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Assign the case by hand: an unroutable case, a handover or an override.
        Operators and coordinators. Routing decides: it pages the adviser (and tells the
        previous one), or refuses an unknown, inactive or conflicted adviser, which the
        timeline shows as `assignment_rejected` with the reason."""
        facts = await look("assign", lambda: lookup.facts(incident_id))
        if facts is None:
            raise not_found(incident_id, "assign")
        key = scoped(principal, idempotency_key)
        requested_by: Literal["operator", "coordinator"] = (
            "coordinator" if principal.role is Access.COORDINATOR else "operator"
        )
        return accepted(
            await run(
                "assign",
                lambda: intake.assign(
                    incident_id=incident_id,
                    request=body,
                    facts=facts,
                    requested_by=requested_by,
                    idempotency_key=key,
                ),
            )
        )

    @app.post(
        "/v1/incidents/{incident_id}/decline",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            404: problem_doc("No such incident (or never the adviser's)"),
            **PROBLEM_RESPONSES,
            409: problem_doc("Not the adviser's current assignment, or already acknowledged"),
        },
    )
    async def decline(
        incident_id: IncidentId,
        principal: CaseWorker,
        body: Decline | None = None,
        idempotency_key: Key = None,
    ) -> JSONResponse:
        """Decline the current assignment ("not me"): routing pages the next adviser at
        once, without waiting for the deadline. The adviser of the current assignment,
        or an operator or coordinator on their behalf; declining twice is harmless."""
        del idempotency_key  # the assignment declined makes it idempotent
        current = await current_to_decline(incident_id, "decline", principal)
        return accepted(
            await run(
                "decline",
                lambda: intake.decline(
                    incident_id=incident_id,
                    current=current,
                    request=body or Decline(),
                    declined_by=ACTORS[principal.role],
                ),
            )
        )

    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> dict[str, str]:
        return {"service": "weerbaar-intake", "openapi": str(request.url_for("openapi"))}

    return app
