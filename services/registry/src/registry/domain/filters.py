"""What a reader may ask for: filters, sorting, grouping. Validated on the way in, so
a mistake is a 422 naming the field, never a 500.

The same models are the query parameters of the HTTP API (FastAPI reads a model's
fields as query parameters) and the input of the query functions."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from contracts.events import Identifier
from contracts.organisations import OrganisationCode
from contracts.vocabulary import (
    Channel,
    IncidentType,
    PerpetratorKind,
    PoliceStatus,
    Pool,
    ReasonNotReported,
    Role,
    Source,
    Status,
    Urgency,
)
from registry.domain.facts import AMSTERDAM

_MOMENT_PATTERN: Final = (
    r"^(19\d{2}|2[01]\d{2})-\d{2}-\d{2}"
    r"([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2}))?$"
)
"""The notation taken, and the years 1900-2199 as written (the schema states both)."""
_MOMENT = re.compile(_MOMENT_PATTERN)


def _day_is_midnight(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _MOMENT.match(value):
        # strict: no numbers (`to=0.5` is not a Unix time here), no other notation
        raise ValueError("a date (YYYY-MM-DD) or a date-time with its offset (ISO 8601)")
    if len(value) == 10:
        try:
            day = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            return value
        return datetime.combine(day, time(0), tzinfo=AMSTERDAM)
    return value


def _in_range(value: datetime) -> datetime:
    # the year as written, as the schema's pattern says; so never an overflow in UTC
    if not 1900 <= value.year < 2200:
        raise ValueError("must lie between 1900 and 2200")
    return value


Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_day_is_midnight),
    AfterValidator(_in_range),
    Field(
        description="A date (midnight in Dutch time) or a date-time with its offset, "
        "in the years 1900-2199",
        json_schema_extra={"pattern": _MOMENT_PATTERN},
    ),
]


def _strict(kind: str, pattern: str) -> BeforeValidator:
    shape = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, str) and not shape.fullmatch(value):
            raise ValueError(f"must be {kind}")
        return value

    return BeforeValidator(check)


Flag = Annotated[bool, _strict("`true` or `false`", r"true|false")]
"""A yes-or-no filter, written `true` or `false` (nothing else)."""
EscalationCount = Annotated[
    int, Field(ge=1, le=100), _strict("a whole number in digits", r"[0-9]{1,3}")
]
"""How often a case was escalated, at least 1 and at most 100 (the bounds in the type,
so the OpenAPI document states them as `minimum` and `maximum`)."""
ProvinceCode = Annotated[str, Field(pattern=r"^PV\d{2}$", examples=["PV27"])]

Dimension = Literal[
    "role",
    "incident_type",
    "channel",
    "organisation",
    "province",
    "month",
    "urgency",
    "source",
    "police_status",
    "reason_not_reported",
    "perpetrator_kind",
    "family_targeted",
    "pool",
]
DIMENSIONS: tuple[Dimension, ...] = Dimension.__args__  # type: ignore[attr-defined]
DIMENSION_OF_FILTER: Final = {"organisation_code": "organisation", "province_code": "province"}
"""The dimension a filter narrows, where their names differ."""

Labels = Literal["codes", "nl"]


class _Query(BaseModel):
    # by alias only: `from_` is no parameter of the API (the schema names `from`)
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseFilters(_Query):
    """Filters every kind of case has. Repeat a parameter for several values (any of
    them matches); different parameters must all match."""

    role: list[Role] = Field(default_factory=list, max_length=10)
    organisation_code: list[OrganisationCode] = Field(default_factory=list, max_length=50)
    province_code: list[ProvinceCode] = Field(default_factory=list, max_length=12)
    incident_type: list[IncidentType] = Field(default_factory=list, max_length=10)
    channel: list[Channel] = Field(default_factory=list, max_length=10)
    police_status: list[PoliceStatus] = Field(default_factory=list, max_length=3)
    reason_not_reported: list[ReasonNotReported] = Field(default_factory=list, max_length=5)
    perpetrator_kind: list[PerpetratorKind] = Field(default_factory=list, max_length=5)
    family_targeted: Flag | None = Field(
        default=None, description="The official's family was targeted too (`true` or `false`)"
    )
    from_: Moment | None = Field(
        default=None,
        alias="from",
        description="Reported (or received) at or after",
        examples=["2026-01-01"],
    )
    to: Moment | None = Field(
        default=None,
        description="Reported (or received) before; later than `from` when both are given",
        examples=["2026-12-01"],
    )


class IncidentFilters(CaseFilters):
    status: list[Status] = Field(default_factory=list, max_length=5)
    urgency: list[Urgency] = Field(default_factory=list, max_length=3)
    source: list[Source] = Field(default_factory=list, max_length=3)
    pool: list[Pool] = Field(default_factory=list, max_length=5)
    adviser_id: Identifier | None = Field(default=None, description="The assigned adviser")
    related_to: uuid.UUID | None = Field(
        default=None,
        description="Cases linked to this one either way: the follow-ups of it, and the "
        "case it follows",
    )
    unroutable: Flag | None = Field(
        default=None, description="Routing could not place it: nobody assigned since"
    )
    page_failed: Flag | None = Field(
        default=None,
        description="The last adviser paged was reached on no channel (every one failed)",
    )
    min_escalations: EscalationCount | None = Field(
        default=None, description="Escalated at least this often", examples=[2]
    )
    last_activity_before: Moment | None = Field(
        default=None,
        description="Nobody did anything on it (report, acknowledgement, action, change, "
        "close, reopen, hand assignment) since this moment",
        examples=["2026-12-01T08:00:00+01:00"],
    )


class Page(_Query):
    sort: Literal["reported_at", "-reported_at"] = Field(
        default="-reported_at", description="By reported (received) time; `-` is newest first"
    )
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[A-Za-z0-9_-]+={0,2}$",
        description="`next_cursor` of the previous page, as it was given (opaque: any other "
        "value is refused)",
    )


class IncidentListQuery(IncidentFilters, Page):
    pass


class RegistrationFilters(CaseFilters):
    wants_contact: bool | None = None


class RegistrationListQuery(RegistrationFilters, Page):
    pass


class StatsFilters(CaseFilters):
    urgency: list[Urgency] = Field(default_factory=list, max_length=3)
    source: list[Source] = Field(default_factory=list, max_length=3)
    pool: list[Pool] = Field(default_factory=list, max_length=5)


class StatsQuery(StatsFilters):
    group_by: list[Dimension] = Field(
        default_factory=list,
        max_length=2,
        description="One or two dimensions (none: the overall figures), each once",
        json_schema_extra={"uniqueItems": True},
    )


_DIMENSION_PATTERN: Final = "|".join(DIMENSIONS)
TOTAL: Final = "total"


class StatsSetsQuery(StatsFilters):
    sets: list[
        Annotated[
            str, Field(pattern=rf"^({TOTAL}|({_DIMENSION_PATTERN})(,({_DIMENSION_PATTERN}))?)$")
        ]
    ] = Field(
        alias="set",
        min_length=1,
        max_length=16,
        description="A grouping of `GET /v1/stats`, repeated for each wanted: one "
        "dimension, two joined by a comma (`source,month`), or `total` for the overall "
        "figures",
        examples=[["total", "month", "source,month"]],
    )

    def groupings(self) -> list[list[Dimension]]:
        """Each set as the dimensions it groups by (none for `total`)."""
        return [[] if s == TOTAL else s.split(",") for s in self.sets]  # type: ignore[misc]


class StatsExportQuery(StatsQuery):
    labels: Labels = Field(default="codes", description="`nl`: Dutch headers and values")


class CasesExportQuery(IncidentFilters):
    sort: Literal["reported_at", "-reported_at"] = "reported_at"
    labels: Labels = Field(default="codes", description="`nl`: Dutch headers and values")


def problems(query: BaseModel) -> list[dict[str, str]]:
    """What is wrong across fields (each field alone was already validated)."""
    found = []
    start, end = getattr(query, "from_", None), getattr(query, "to", None)
    if start is not None and end is not None and end <= start:
        found.append({"field": "to", "message": "must be later than `from`"})
    groupings = [("group_by", getattr(query, "group_by", []))]
    if isinstance(query, StatsSetsQuery):
        groupings += [("set", grouping) for grouping in query.groupings()]
    for field, grouping in groupings:
        if len(set(grouping)) != len(grouping):
            found.append({"field": field, "message": "a dimension may appear only once"})
    return found


AuditAction = Literal[
    "incident.read", "export.cases", "export.stats", "export.audit", "erasure.request"
]


class AuditFilters(_Query):
    """Which entries of the audit log: by caller, action, case and time."""

    subject: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="The caller's subject (the token's `sub`)"
    )
    action: list[AuditAction] = Field(default_factory=list, max_length=5)
    incident_id: Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{36}$")] | None = None
    from_: Moment | None = Field(
        default=None, alias="from", description="At or after", examples=["2026-11-01"]
    )
    to: Moment | None = Field(default=None, description="Before", examples=["2026-12-01"])


class AuditQuery(AuditFilters):
    """The audit log, newest first, a page at a time."""

    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(
        default=None, pattern=r"^[0-9]{1,18}$", description="`next_cursor` of the previous page"
    )
