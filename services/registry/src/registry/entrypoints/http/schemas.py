"""The registry API's response and request bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.events import Identifier
from contracts.vocabulary import Role, Status


class OfficialSummaryOut(BaseModel):
    """The official in a list: their office, not who they are."""

    role: Role | None
    organisation_code: str | None
    province_code: str | None


class OfficialOut(OfficialSummaryOut):
    """The official in the record (whose every read is audited)."""

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
    official: OfficialSummaryOut = Field(
        description="Role and organisation: no personal data in a list (the record has it)"
    )
    types: list[str]
    assignment: AssignmentOut | None
    escalations: int = Field(description="How often the case was escalated so far")
    unroutable: bool = Field(description="Routing could not place it: nobody assigned since")
    page_failed: bool = Field(
        description="The last adviser paged was reached on no channel (every one failed)"
    )
    failed_advisers: list[str] = Field(
        description="The advisers whose page failed on every channel, in order (at most 10)"
    )
    last_activity_at: datetime | None = Field(
        description="When a person last did something on the case (report, acknowledgement, "
        "action, change, close, reopen, hand assignment)"
    )


class RelatedOut(BaseModel):
    incident_id: str
    relation: Literal["follows", "followed_by"] = Field(
        description="follows: this case is a follow-up of it; followed_by: it follows this case"
    )
    status: Status
    reported_at: datetime | None
    types: list[str]


class IncidentDetail(IncidentSummary):
    official: OfficialOut = Field(description="With the personal data (null once erased)")
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
    max_perturbation: int = Field(
        default=0,
        description="Every count is the true count give or take at most this (the "
        "cell-key method, for analysts; 0: exact)",
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


class StatsSetsOut(BaseModel):
    sets: list[StatsOut] = Field(description="One per `set` asked, in the same order")


class AcknowledgementOut(BaseModel):
    suppressed_below: int | None
    max_perturbation: int = Field(default=0, description="As in the statistics: 0 is exact")
    pools: list[dict[str, Any]] = Field(
        description='Per pool: `acknowledged` (a number or "<5"), `median_s` and `p90_s`: '
        "seconds from report to acknowledgement"
    )


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requested_by: Identifier | None = Field(
        default=None,
        description="Ignored (kept for older clients): the requester is the caller, the "
        "token's subject",
        examples=["op-17"],
    )


class Accepted(BaseModel):
    incident_id: str
    event_id: str
    status_url: str


class AuditEntry(BaseModel):
    id: int
    at: datetime
    subject: str = Field(description="The caller's subject (the token's `sub`)")
    role: str
    action: str = Field(
        description="incident.read, export.cases, export.stats, export.audit or erasure.request"
    )
    incident_id: str | None
    detail: dict[str, Any] | None = Field(description="The export's filters, or the request")
    client: str | None = Field(description="The client's address")


class AuditPageOut(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")
