"""The registry's query API: cases, registrations, statistics, exports, erasure."""

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.events import AdviserAssigned, Event, Identifier, PersonalDataErased
from contracts.vocabulary import Role, Status
from registry.audit import AuditLog
from registry.db import IncidentRecord, RegistrationRecord
from registry.export import cases_csv, stats_csv
from registry.facts import SMALL_CELL
from registry.filters import (
    AuditQuery,
    CasesExportQuery,
    IncidentListQuery,
    RegistrationListQuery,
    StatsExportQuery,
    StatsFilters,
    StatsQuery,
    problems,
)
from registry.projection import timeline
from registry.queries import Queries
from registry.retention import ERASURES, erasure
from registry.stats import Statistics
from weerbaar_runtime.auth import Access, Principal, Security
from weerbaar_runtime.http import ProblemError, problem_doc
from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.nats import PublishFailedError

Publish = Callable[[Event], Awaitable[None]]
_log = get_logger("registry")


class OfficialOut(BaseModel):
    role: Role | None
    organisation_code: str | None
    province_code: str | None
    name: str | None = Field(description="Personal data; null once erased")
    phone: str | None = Field(description="Personal data; null once erased")
    email: str | None = Field(description="Personal data; null once erased")


class AssignmentOut(BaseModel):
    assignment_id: str
    adviser_id: str
    pool: str
    ack_deadline: datetime | None
    acknowledged_at: datetime | None


class IncidentSummary(BaseModel):
    incident_id: str
    status: Status
    source: str | None
    urgency: str | None
    reported_at: datetime | None
    official: OfficialOut
    types: list[str]
    assignment: AssignmentOut | None
    escalations: int = Field(description="How often the case was escalated so far")


class RelatedOut(BaseModel):
    incident_id: str
    relation: Literal["follows", "followed_by"] = Field(
        description="follows: this case is a follow-up of it; followed_by: it follows this case"
    )
    status: Status
    reported_at: datetime | None
    types: list[str]


class IncidentDetail(IncidentSummary):
    occurred_at: datetime | None
    channels: list[str]
    needs: list[str]
    police: dict[str, Any] = Field(
        description="status, reason_not_reported, vpt_flag, organisation_address_used, "
        "reported_by_organisation: as they stand now"
    )
    perpetrator_kind: str | None
    family_targeted: bool | None
    description: str | None = Field(description="Personal data; null once erased")
    registration_id: str | None
    related_incident_id: str | None = Field(description="The earlier case this one follows")
    related: list[RelatedOut] = Field(
        description="Cases linked either way, those the caller may see, oldest first"
    )
    closed_at: datetime | None
    actions: int
    personal_data_erased_at: datetime | None
    version: int = Field(description="The record's version: its number of events")
    timeline: list[dict[str, Any]] = Field(
        description="Oldest first: {type, at, ...}; type is one of reported, assigned, "
        "notification_sent, notification_failed, acknowledged, escalated, action_recorded, "
        "closed, reopened, unroutable, reminder_due, personal_data_erased, details_updated "
        "(with the facts it changed), assignment_requested, assignment_rejected (with the "
        "reason), declined, deadline_shortened"
    )


class IncidentPage(BaseModel):
    items: list[IncidentSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class RegistrationOut(BaseModel):
    registration_id: str
    source: str = Field(default="municipal_registration")
    external_id: str
    organisation_code: str
    province_code: str | None
    role: Role
    received_at: datetime
    occurred_at: datetime | None
    types: list[str]
    channels: list[str]
    police_status: str
    reason_not_reported: str | None
    perpetrator_kind: str | None
    family_targeted: bool | None
    wants_contact: bool


class RegistrationPage(BaseModel):
    items: list[RegistrationOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class StatsOut(BaseModel):
    group_by: list[str]
    suppressed_below: int | None = Field(
        description='Counts from 1 to this minus one are shown as "<5" (and shares that '
        "would reveal them are null); null when nothing is suppressed"
    )
    cells: list[dict[str, Any]] = Field(
        description="One per non-empty cell: the dimension values, `count` (a number or "
        '"<5"), `aangifte_rate`, `police_report_rate`, `escalation_rate` and `repeat_rate` '
        "(the share that follows an earlier incident), from 0 to 1 or null",
        examples=[
            [
                {
                    "role": "mayor",
                    "count": 42,
                    "aangifte_rate": 0.31,
                    "police_report_rate": 0.55,
                    "escalation_rate": 0.071,
                    "repeat_rate": 0.12,
                }
            ]
        ],
    )


class AcknowledgementOut(BaseModel):
    suppressed_below: int | None
    pools: list[dict[str, Any]] = Field(
        description='Per pool: `acknowledged` (a number or "<5"), `median_s` and `p90_s`: '
        "seconds from report to acknowledgement"
    )


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requested_by: Identifier = Field(description="Who asks for the erasure", examples=["op-17"])


class Accepted(BaseModel):
    incident_id: str
    event_id: str
    status_url: str


class AuditEntry(BaseModel):
    id: int
    at: datetime
    subject: str = Field(description="The caller's subject (the token's `sub`)")
    role: str
    action: str = Field(description="incident.read, export.cases, export.stats or erasure.request")
    incident_id: str | None
    detail: dict[str, Any] | None = Field(description="The export's filters, or the request")
    client: str | None = Field(description="The client's address")


class AuditPageOut(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


SEES_CASES = frozenset({Access.OPERATOR, Access.COORDINATOR})


def caller_sees_aggregates_only(principal: Principal) -> bool:
    """Whether small cells must be suppressed for this caller: for everyone but those
    who may see every case anyway."""
    return principal.role not in SEES_CASES


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _not_found(what: str, ident: uuid.UUID) -> ProblemError:
    return ProblemError(404, "Not found", f"No {what} {ident}.")


def _out_of_bounds(principal: Principal, what: str, ident: uuid.UUID) -> ProblemError:
    """Someone else's case: answered exactly like one that does not exist."""
    _log.warning("authorisation refused", role=principal.role.value, reason=f"other {what}")
    return _not_found(what, ident)


def _officials(r: IncidentRecord, personal: dict[str, str | None]) -> OfficialOut:
    return OfficialOut(
        role=Role(r.role) if r.role else None,
        organisation_code=r.organisation_code,
        province_code=r.province_code,
        name=personal["official_name"],
        phone=personal["official_phone"],
        email=personal["official_email"],
    )


def _summary_fields(r: IncidentRecord, personal: dict[str, str | None]) -> dict[str, Any]:
    assignment = None
    if r.assignment_id and r.adviser_id and r.pool:
        assignment = AssignmentOut(
            assignment_id=r.assignment_id,
            adviser_id=r.adviser_id,
            pool=r.pool,
            ack_deadline=r.ack_deadline,
            acknowledged_at=r.acknowledged_at,
        )
    return {
        "incident_id": r.incident_id,
        "status": Status(r.status),
        "source": r.source,
        "urgency": r.urgency,
        "reported_at": r.reported_at,
        "official": _officials(r, personal),
        "types": list(r.types or []),
        "assignment": assignment,
        "escalations": r.escalations or 0,
    }


def _detail(
    r: IncidentRecord,
    events: list[Event],
    personal: dict[str, str | None],
    related: list[tuple[str, IncidentRecord]],
) -> IncidentDetail:
    return IncidentDetail(
        **_summary_fields(r, personal),
        occurred_at=r.occurred_at,
        channels=list(r.channels or []),
        needs=list(r.needs or []),
        police={
            "status": r.police_status,
            "reason_not_reported": r.reason_not_reported,
            "vpt_flag": r.police_vpt_flag,
            "organisation_address_used": r.police_organisation_address_used,
            "reported_by_organisation": r.police_reported_by_organisation,
        },
        perpetrator_kind=r.perpetrator_kind,
        family_targeted=r.family_targeted,
        description=personal["description"],
        registration_id=r.registration_id,
        related_incident_id=r.related_incident_id,
        related=[
            RelatedOut(
                incident_id=other.incident_id,
                relation=relation,
                status=Status(other.status),
                reported_at=other.reported_at,
                types=list(other.types or []),
            )
            for relation, other in related
        ],
        closed_at=r.closed_at,
        actions=r.actions,
        personal_data_erased_at=r.erased_at,
        version=r.version,
        timeline=timeline(events),
    )


def _registration(r: RegistrationRecord) -> RegistrationOut:
    return RegistrationOut(
        registration_id=r.registration_id,
        external_id=r.external_id,
        organisation_code=r.organisation_code,
        province_code=r.province_code,
        role=Role(r.role),
        received_at=r.received_at,
        occurred_at=r.occurred_at,
        types=list(r.types or []),
        channels=list(r.channels or []),
        police_status=r.police_status,
        reason_not_reported=r.reason_not_reported,
        perpetrator_kind=r.perpetrator_kind,
        family_targeted=r.family_targeted,
        wants_contact=r.wants_contact,
    )


def _encode_cursor(sort: str, after: tuple[datetime, str] | None) -> str | None:
    if after is None:
        return None
    raw = f"{sort}|{after[0].isoformat()}|{after[1]}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str | None, sort: str) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        cursor_sort, at, key = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        moment = datetime.fromisoformat(at)
        uuid.UUID(key)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _invalid("cursor", "not a cursor from a previous page") from None
    if cursor_sort != sort or moment.tzinfo is None:
        raise _invalid("cursor", "belongs to another sort order; start again without it")
    return moment, key


def _invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "Invalid request",
        f"{field}: {message}",
        extra={"errors": [{"field": field, "message": message}]},
    )


def _check(query: BaseModel) -> None:
    found = problems(query)
    if found:
        raise ProblemError(
            422,
            "Invalid request",
            "; ".join(f"{p['field']}: {p['message']}" for p in found),
            extra={"errors": found},
        )


def _csv(lines: Any, filename: str) -> StreamingResponse:
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_doc("No such incident, or not one of the caller's")
}


def build_router(
    queries: Queries,
    statistics: Statistics,
    *,
    publish: Publish,
    public_url: str,
    security: Security,
    audit: AuditLog,
) -> APIRouter:
    """The routes; `security` comes from `secure(app)` on the app they are added to."""
    router = APIRouter(prefix="/v1")
    allow = security.allow
    CaseReader = Annotated[
        Principal,
        Depends(allow(Access.OPERATOR, Access.COORDINATOR, Access.ADVISER, what="read cases")),
    ]
    RegistrationReader = Annotated[
        Principal,
        Depends(
            allow(
                Access.OPERATOR,
                Access.COORDINATOR,
                Access.MUNICIPAL_SYSTEM,
                what="read registrations",
            )
        ),
    ]
    StatisticsReader = Annotated[
        Principal,
        Depends(allow(Access.ANALYST, Access.OPERATOR, Access.COORDINATOR, what="read statistics")),
    ]
    Eraser = Annotated[
        Principal,
        Depends(allow(Access.OPERATOR, Access.COORDINATOR, what="request erasures")),
    ]
    CaseExporter = Annotated[Principal, Depends(allow(Access.OPERATOR, what="export cases"))]
    Auditor = Annotated[Principal, Depends(allow(Access.COORDINATOR, what="read the audit log"))]

    @router.get(
        "/incidents/{incident_id}",
        response_model=IncidentDetail,
        tags=["incidents"],
        responses=NOT_FOUND,
    )
    async def get_incident(
        request: Request,
        principal: CaseReader,
        incident_id: Annotated[uuid.UUID, Path(description="The incident id")],
    ) -> IncidentDetail:
        """One incident with its whole timeline, oldest first: every assignment,
        notification attempt, acknowledgement, escalation, action, status change and
        erasure. Operators and coordinators see every case, an adviser the cases ever
        assigned to them (another is a 404). Every read is recorded in the audit log."""
        found = await queries.incident(incident_id)
        if found is None:
            raise _not_found("incident", incident_id)
        record, events = found
        if principal.role is Access.ADVISER and not any(
            isinstance(e, AdviserAssigned) and e.adviser_id == principal.adviser_id for e in events
        ):
            raise _out_of_bounds(principal, "incident", incident_id)
        await audit.record(
            principal, "incident.read", incident_id=str(incident_id), client=_client(request)
        )
        related = await queries.related(
            record, adviser=principal.adviser_id if principal.role is Access.ADVISER else None
        )
        return _detail(record, events, queries.personal(record), related)

    @router.get("/incidents", response_model=IncidentPage, tags=["incidents"])
    async def list_incidents(
        principal: CaseReader, query: Annotated[IncidentListQuery, Query()]
    ) -> IncidentPage:
        """Incidents by reported time (newest first unless `sort=reported_at`), filtered,
        a page at a time: pass `next_cursor` as `cursor` for the next page. An adviser
        gets only the cases ever assigned to them. `related_to` gives the cases linked
        to one case either way (its follow-up calls, and the case it follows)."""
        _check(query)
        page = await queries.incidents(
            query,
            newest_first=query.sort.startswith("-"),
            limit=query.limit,
            after=_decode_cursor(query.cursor, query.sort),
            adviser=principal.adviser_id if principal.role is Access.ADVISER else None,
        )
        return IncidentPage(
            items=[IncidentSummary(**_summary_fields(r, queries.personal(r))) for r in page.items],
            next_cursor=_encode_cursor(query.sort, page.next_after),
        )

    @router.post(
        "/incidents/{incident_id}/erase",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            404: problem_doc("No such incident"),
            409: problem_doc("The Idempotency-Key was used with another body"),
            413: problem_doc("Body too large"),
            415: problem_doc("Body is not JSON"),
            503: problem_doc("The erasure could not be stored; try again"),
        },
    )
    async def erase_incident(
        request: Request,
        principal: Eraser,
        incident_id: Annotated[uuid.UUID, Path(description="The incident id")],
        body: Annotated[EraseRequest, Body()],
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", max_length=200)
        ] = None,
    ) -> Accepted:
        """Erase the personal data of one case (name, contact details, free text);
        the statistics stay as they are and the timeline records who asked, and when.
        Answered once the request is stored in JetStream; the record follows shortly.
        Operators and coordinators only; recorded in the audit log."""
        if await queries.incident(incident_id) is None:
            raise _not_found("incident", incident_id)
        event = erasure(
            incident_id, requested_by=body.requested_by, reason="request", key=idempotency_key
        )
        earlier = await queries.event(event.event_id)
        if isinstance(earlier, PersonalDataErased) and earlier.requested_by != event.requested_by:
            raise ProblemError(
                409,
                "Conflict",
                "Idempotency-Key: already used for an erasure request with another body",
            )
        try:
            await publish(event)
        except PublishFailedError:
            raise ProblemError(
                503,
                "Service unavailable",
                "The erasure request could not be stored; try again.",
                headers={"Retry-After": "2"},
            ) from None
        ERASURES.labels("request").inc()
        await audit.record(
            principal,
            "erasure.request",
            incident_id=str(incident_id),
            detail={"requested_by": body.requested_by, "event_id": str(event.event_id)},
            client=_client(request),
        )
        return Accepted(
            incident_id=str(incident_id),
            event_id=str(event.event_id),
            status_url=f"{public_url.rstrip('/')}/v1/incidents/{incident_id}",
        )

    @router.get(
        "/registrations/{registration_id}",
        response_model=RegistrationOut,
        tags=["registrations"],
        responses={404: problem_doc("No such registration, or not one of the caller's")},
    )
    async def get_registration(
        principal: RegistrationReader,
        registration_id: Annotated[uuid.UUID, Path(description="The registration id")],
    ) -> RegistrationOut:
        """One registration posted by a municipal, provincial or water-board system; a
        system reads only its own organisation's."""
        found = await queries.registration(registration_id)
        if found is None:
            raise _not_found("registration", registration_id)
        if (
            principal.role is Access.MUNICIPAL_SYSTEM
            and found.organisation_code != principal.organisation_code
        ):
            raise _out_of_bounds(principal, "registration", registration_id)
        return _registration(found)

    @router.get("/registrations", response_model=RegistrationPage, tags=["registrations"])
    async def list_registrations(
        principal: RegistrationReader,
        query: Annotated[RegistrationListQuery, Query()],
    ) -> RegistrationPage:
        """Registrations posted by organisations' own systems, by received time, kept
        apart from the incidents (one that wanted contact is also an incident). A
        system gets only its own organisation's."""
        _check(query)
        page = await queries.registrations(
            query,
            newest_first=query.sort.startswith("-"),
            limit=query.limit,
            after=_decode_cursor(query.cursor, query.sort),
            organisation=(
                principal.organisation_code if principal.role is Access.MUNICIPAL_SYSTEM else None
            ),
        )
        return RegistrationPage(
            items=[_registration(r) for r in page.items],
            next_cursor=_encode_cursor(query.sort, page.next_after),
        )

    @router.get("/stats", response_model=StatsOut, tags=["statistics"])
    async def stats(principal: StatisticsReader, query: Annotated[StatsQuery, Query()]) -> StatsOut:
        """Counts of cases (incidents, and registrations that did not become one)
        grouped by up to two dimensions, with the aangifte rate, the share with any
        police report, the escalation rate and the share of repeat incidents (that
        follow an earlier one) per cell. The facts are the current ones: an aangifte
        recorded after the call counts. A case with several incident
        types or channels counts once in each. Counts below 5 are shown as "<5" to
        analysts (operators and coordinators, who see the cases, get every count)."""
        _check(query)
        suppressed = caller_sees_aggregates_only(principal)
        cells = await statistics.cells(query, list(query.group_by))
        return StatsOut(
            group_by=list(query.group_by),
            suppressed_below=SMALL_CELL if suppressed else None,
            cells=[c.public(list(query.group_by), suppressed=suppressed) for c in cells],
        )

    @router.get("/stats/acknowledgement", response_model=AcknowledgementOut, tags=["statistics"])
    async def acknowledgement(
        principal: StatisticsReader, query: Annotated[StatsFilters, Query()]
    ) -> AcknowledgementOut:
        """Median and 90th percentile of the time from report to acknowledgement, by
        the pool of the adviser who acknowledged."""
        _check(query)
        suppressed = caller_sees_aggregates_only(principal)
        return AcknowledgementOut(
            suppressed_below=SMALL_CELL if suppressed else None,
            pools=await statistics.acknowledgement(query, suppressed=suppressed),
        )

    @router.get(
        "/export/stats",
        response_class=StreamingResponse,
        responses=CSV_RESPONSE,
        tags=["export"],
    )
    async def export_stats(
        request: Request,
        principal: StatisticsReader,
        query: Annotated[StatsExportQuery, Query()],
    ) -> StreamingResponse:
        """The statistic of `GET /v1/stats` as CSV with a header row, suppressed the
        same way; `labels=nl` gives Dutch headers and values. Recorded in the audit
        log."""
        _check(query)
        suppressed = caller_sees_aggregates_only(principal)
        cells = await statistics.cells(query, list(query.group_by))
        await audit.record(
            principal,
            "export.stats",
            detail=query.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            client=_client(request),
        )
        lines = stats_csv(cells, list(query.group_by), labels=query.labels, suppressed=suppressed)
        return _csv(lines, "weerbaar-statistiek.csv")

    @router.get(
        "/export/cases",
        response_class=StreamingResponse,
        responses=CSV_RESPONSE,
        tags=["export"],
    )
    async def export_cases(
        request: Request,
        principal: CaseExporter,
        query: Annotated[CasesExportQuery, Query()],
    ) -> StreamingResponse:
        """Every matching case as CSV, one row each, streamed: for operators only.
        Case-level but without personal data: no name, contact details or free text.
        Recorded in the audit log."""
        _check(query)
        await audit.record(
            principal,
            "export.cases",
            detail=query.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            client=_client(request),
        )
        records = queries.stream_incidents(query, newest_first=query.sort.startswith("-"))
        return _csv(cases_csv(records, labels=query.labels), "weerbaar-casussen.csv")

    @router.get("/audit", response_model=AuditPageOut, tags=["audit"])
    async def audit_log(principal: Auditor, query: Annotated[AuditQuery, Query()]) -> AuditPageOut:
        """Who read which case and who exported what, newest first, a page at a time;
        filtered by subject, action, incident and time. Coordinators only."""
        _check(query)
        after = None
        if query.cursor is not None:
            try:
                after = int(query.cursor)
            except ValueError:
                raise _invalid("cursor", "not a cursor from a previous page") from None
        page = await audit.page(query, after=after)
        return AuditPageOut(
            items=[AuditEntry(**row) for row in page.items],
            next_cursor=str(page.next_after) if page.next_after is not None else None,
        )

    return router
