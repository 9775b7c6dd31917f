"""The registry's query API."""

import base64
import binascii
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from contracts.events import Event
from contracts.runtime.http import ProblemError
from contracts.vocabulary import Role, Status
from registry.db import IncidentRecord
from registry.projection import sort_key, timeline_entry
from registry.store import Queries


class OfficialOut(BaseModel):
    role: Role | None
    organisation_code: str | None
    province_code: str | None
    name: str | None
    phone: str | None
    email: str | None


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
    description: str | None
    registration_id: str | None
    closed_at: datetime | None
    escalations: int
    actions: int
    timeline: list[dict[str, Any]] = Field(description="Oldest first: {type, at, ...}")


class IncidentPage(BaseModel):
    items: list[IncidentSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


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
        "official": OfficialOut(
            role=Role(r.role) if r.role else None,
            organisation_code=r.organisation_code,
            province_code=r.province_code,
            name=r.official_name,
            phone=r.official_phone,
            email=r.official_email,
        ),
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
        timeline=[timeline_entry(e) for e in sorted(events, key=sort_key)],
    )


def _encode_cursor(raw: str | None) -> str | None:
    return base64.urlsafe_b64encode(raw.encode()).decode() if raw else None


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        at, incident_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        datetime.fromisoformat(at)
        uuid.UUID(incident_id)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ProblemError(
            422, "Invalid request", "cursor: not a cursor from a previous page"
        ) from None
    return at, incident_id


def build_router(queries: Queries) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["incidents"])

    @router.get(
        "/incidents/{incident_id}",
        response_model=IncidentDetail,
        responses={404: {"description": "No such incident"}},
    )
    async def get_incident(
        incident_id: Annotated[uuid.UUID, Path(description="The incident id")],
    ) -> IncidentDetail:
        """One incident with its whole timeline, oldest first."""
        found = await queries.incident(incident_id)
        if found is None:
            raise ProblemError(404, "Not found", f"No incident {incident_id}.")
        return _detail(*found)

    @router.get("/incidents", response_model=IncidentPage)
    async def list_incidents(
        status: Status | None = None,
        role: Role | None = None,
        organisation_code: Annotated[
            str | None, Query(pattern=r"^(GM\d{4}|PV\d{2}|WS\d{4})$")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> IncidentPage:
        """Incidents, newest first, filtered and paginated by cursor."""
        page = await queries.incidents(
            status=status.value if status else None,
            role=role.value if role else None,
            organisation_code=organisation_code,
            limit=limit,
            after=_decode_cursor(cursor) if cursor else None,
        )
        return IncidentPage(
            items=[IncidentSummary(**_summary_fields(r)) for r in page.items],
            next_cursor=_encode_cursor(page.next_cursor),
        )

    return router
