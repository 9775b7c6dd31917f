"""The registry's query API: cases, registrations, statistics, exports, erasure."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.events import Event, Identifier, PersonalDataErased
from contracts.runtime.http import ProblemError
from contracts.runtime.nats import PublishFailedError
from contracts.vocabulary import Role, Status
from registry.db import IncidentRecord, RegistrationRecord
from registry.export import cases_csv, stats_csv
from registry.facts import SMALL_CELL
from registry.filters import (
    CasesExportQuery,
    IncidentListQuery,
    RegistrationListQuery,
    StatsExportQuery,
    StatsFilters,
    StatsQuery,
    problems,
)
from registry.projection import sort_key, timeline_entry
from registry.queries import Queries
from registry.retention import ERASURES, erasure
from registry.stats import Statistics

Publish = Callable[[Event], Awaitable[None]]


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


class IncidentDetail(IncidentSummary):
    occurred_at: datetime | None
    channels: list[str]
    needs: list[str]
    police: dict[str, Any]
    perpetrator_kind: str | None
    family_targeted: bool | None
    description: str | None = Field(description="Personal data; null once erased")
    registration_id: str | None
    closed_at: datetime | None
    escalations: int
    actions: int
    personal_data_erased_at: datetime | None
    timeline: list[dict[str, Any]] = Field(
        description="Oldest first: {type, at, ...}; type is one of reported, assigned, "
        "notification_sent, notification_failed, acknowledged, escalated, action_recorded, "
        "closed, reopened, unroutable, reminder_due, personal_data_erased"
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
        '"<5"), `aangifte_rate`, `police_report_rate`, `escalation_rate` (0 to 1, or null)',
        examples=[
            [
                {
                    "role": "mayor",
                    "count": 42,
                    "aangifte_rate": 0.31,
                    "police_report_rate": 0.55,
                    "escalation_rate": 0.071,
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


def caller_sees_aggregates_only(request: Request) -> bool:
    """Whether small cells must be suppressed for this caller. Until authentication
    comes (the security issue), every caller is an aggregate-only reader."""
    return True


def _officials(r: IncidentRecord) -> OfficialOut:
    return OfficialOut(
        role=Role(r.role) if r.role else None,
        organisation_code=r.organisation_code,
        province_code=r.province_code,
        name=r.official_name,
        phone=r.official_phone,
        email=r.official_email,
    )


def _summary_fields(r: IncidentRecord) -> dict[str, Any]:
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
        "official": _officials(r),
        "types": list(r.types or []),
        "assignment": assignment,
    }


def _detail(r: IncidentRecord, events: list[Event]) -> IncidentDetail:
    return IncidentDetail(
        **_summary_fields(r),
        occurred_at=r.occurred_at,
        channels=list(r.channels or []),
        needs=list(r.needs or []),
        police={"status": r.police_status, "reason_not_reported": r.reason_not_reported},
        perpetrator_kind=r.perpetrator_kind,
        family_targeted=r.family_targeted,
        description=r.description,
        registration_id=r.registration_id,
        closed_at=r.closed_at,
        escalations=r.escalations,
        actions=r.actions,
        personal_data_erased_at=r.erased_at,
        timeline=[timeline_entry(e) for e in sorted(events, key=sort_key)],
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


def build_router(
    queries: Queries, statistics: Statistics, *, publish: Publish, public_url: str
) -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get(
        "/incidents/{incident_id}",
        response_model=IncidentDetail,
        tags=["incidents"],
        responses={404: {"description": "No such incident"}},
    )
    async def get_incident(
        incident_id: Annotated[uuid.UUID, Path(description="The incident id")],
    ) -> IncidentDetail:
        """One incident with its whole timeline, oldest first: every assignment,
        notification attempt, acknowledgement, escalation, action, status change and
        erasure."""
        found = await queries.incident(incident_id)
        if found is None:
            raise ProblemError(404, "Not found", f"No incident {incident_id}.")
        return _detail(*found)

    @router.get("/incidents", response_model=IncidentPage, tags=["incidents"])
    async def list_incidents(query: Annotated[IncidentListQuery, Query()]) -> IncidentPage:
        """Incidents by reported time (newest first unless `sort=reported_at`), filtered,
        a page at a time: pass `next_cursor` as `cursor` for the next page."""
        _check(query)
        page = await queries.incidents(
            query,
            newest_first=query.sort.startswith("-"),
            limit=query.limit,
            after=_decode_cursor(query.cursor, query.sort),
        )
        return IncidentPage(
            items=[IncidentSummary(**_summary_fields(r)) for r in page.items],
            next_cursor=_encode_cursor(query.sort, page.next_after),
        )

    @router.post(
        "/incidents/{incident_id}/erase",
        status_code=202,
        response_model=Accepted,
        tags=["incidents"],
        responses={
            404: {"description": "No such incident"},
            409: {"description": "The Idempotency-Key was used with another body"},
            503: {"description": "The erasure could not be stored; try again"},
        },
    )
    async def erase_incident(
        incident_id: Annotated[uuid.UUID, Path(description="The incident id")],
        body: Annotated[EraseRequest, Body()],
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", max_length=200)
        ] = None,
    ) -> Accepted:
        """Erase the personal data of one case (name, contact details, free text);
        the statistics stay as they are and the timeline records who asked, and when.
        Answered once the request is stored in JetStream; the record follows shortly."""
        if await queries.incident(incident_id) is None:
            raise ProblemError(404, "Not found", f"No incident {incident_id}.")
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
        return Accepted(
            incident_id=str(incident_id),
            event_id=str(event.event_id),
            status_url=f"{public_url.rstrip('/')}/v1/incidents/{incident_id}",
        )

    @router.get(
        "/registrations/{registration_id}",
        response_model=RegistrationOut,
        tags=["registrations"],
        responses={404: {"description": "No such registration"}},
    )
    async def get_registration(
        registration_id: Annotated[uuid.UUID, Path(description="The registration id")],
    ) -> RegistrationOut:
        """One registration posted by a municipal, provincial or water-board system."""
        found = await queries.registration(registration_id)
        if found is None:
            raise ProblemError(404, "Not found", f"No registration {registration_id}.")
        return _registration(found)

    @router.get("/registrations", response_model=RegistrationPage, tags=["registrations"])
    async def list_registrations(
        query: Annotated[RegistrationListQuery, Query()],
    ) -> RegistrationPage:
        """Registrations posted by organisations' own systems, by received time, kept
        apart from the incidents (one that wanted contact is also an incident)."""
        _check(query)
        page = await queries.registrations(
            query,
            newest_first=query.sort.startswith("-"),
            limit=query.limit,
            after=_decode_cursor(query.cursor, query.sort),
        )
        return RegistrationPage(
            items=[_registration(r) for r in page.items],
            next_cursor=_encode_cursor(query.sort, page.next_after),
        )

    @router.get("/stats", response_model=StatsOut, tags=["statistics"])
    async def stats(request: Request, query: Annotated[StatsQuery, Query()]) -> StatsOut:
        """Counts of cases (incidents, and registrations that did not become one)
        grouped by up to two dimensions, with the aangifte rate, the share with any
        police report and the escalation rate per cell. A case with several incident
        types or channels counts once in each. Counts below 5 are shown as "<5"."""
        _check(query)
        suppressed = caller_sees_aggregates_only(request)
        cells = await statistics.cells(query, list(query.group_by))
        return StatsOut(
            group_by=list(query.group_by),
            suppressed_below=SMALL_CELL if suppressed else None,
            cells=[c.public(list(query.group_by), suppressed=suppressed) for c in cells],
        )

    @router.get("/stats/acknowledgement", response_model=AcknowledgementOut, tags=["statistics"])
    async def acknowledgement(
        request: Request, query: Annotated[StatsFilters, Query()]
    ) -> AcknowledgementOut:
        """Median and 90th percentile of the time from report to acknowledgement, by
        the pool of the adviser who acknowledged."""
        _check(query)
        suppressed = caller_sees_aggregates_only(request)
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
        request: Request, query: Annotated[StatsExportQuery, Query()]
    ) -> StreamingResponse:
        """The statistic of `GET /v1/stats` as CSV with a header row, suppressed the
        same way; `labels=nl` gives Dutch headers and values."""
        _check(query)
        suppressed = caller_sees_aggregates_only(request)
        cells = await statistics.cells(query, list(query.group_by))
        lines = stats_csv(cells, list(query.group_by), labels=query.labels, suppressed=suppressed)
        return _csv(lines, "weerbaar-statistiek.csv")

    @router.get(
        "/export/cases",
        response_class=StreamingResponse,
        responses=CSV_RESPONSE,
        tags=["export"],
    )
    async def export_cases(query: Annotated[CasesExportQuery, Query()]) -> StreamingResponse:
        """Every matching case as CSV, one row each, streamed: for operators only (to be
        enforced by the security issue). Case-level but without personal data: no
        name, contact details or free text."""
        _check(query)
        records = queries.stream_incidents(query, newest_first=query.sort.startswith("-"))
        return _csv(cases_csv(records, labels=query.labels), "weerbaar-casussen.csv")

    return router
