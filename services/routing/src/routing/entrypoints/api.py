"""Routing's HTTP API: who is on call, and who would be paged (operators, coordinators)."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.events import utcnow
from contracts.organisations import OrganisationCode
from contracts.vocabulary import IncidentType, Pool, Role, Source, Urgency
from routing.domain import oncall
from routing.domain.assignment import request_for
from routing.domain.roster import Roster
from routing.service.router import Router
from weerbaar_runtime.auth import Access, Principal, Security


class DutyOut(BaseModel):
    primary: list[str] = Field(description="Advisers taking new cases")
    backup: list[str] = Field(description="Next in line")


class GapOut(BaseModel):
    from_: datetime = Field(alias="from")
    to: datetime

    model_config = ConfigDict(populate_by_name=True)


class PoolOnCallOut(BaseModel):
    pool: Pool
    pool_name: str = Field(description="The association (Dutch name)")
    now: DutyOut
    until: datetime | None = Field(description="When this duty ends (null: not in 14 days)")
    next: DutyOut | None = Field(description="Who is on call from `until`")
    coordinator: str | None
    gaps: list[GapOut] = Field(description="Stretches of the next 14 days without a primary")


class AdviserOut(BaseModel):
    adviser_id: str
    pool: Pool
    phone: str | None = Field(
        description="The number to call them on: their first SMS contact in the roster "
        "(null: none). Staff data, for operators and coordinators",
        examples=["+31600000001"],
    )
    active: bool


class OnCallOut(BaseModel):
    at: datetime
    pools: list[PoolOnCallOut]
    advisers: list[AdviserOut] = Field(
        description="Every adviser of the roster with the number to call them on"
    )


class OnCallQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime | None = Field(
        default=None, description="Another moment than now (with its offset)"
    )


class PreviewQuery(OnCallQuery):
    role: Role
    organisation_code: OrganisationCode
    urgency: Urgency = Urgency.NORMAL
    incident_type: list[IncidentType] = Field(default_factory=list, max_length=10)
    source: Source = Source.CRISIS_LINE


class RuleOut(BaseModel):
    index: int = Field(description="Its place among the roster's rules (0 first)")
    match: dict[str, list[str]]
    pool: Pool


class CandidateOut(BaseModel):
    adviser_id: str
    pool: Pool
    on_call: str | None = Field(description="primary, backup, coordinator, or null")
    open_cases: int
    capacity: int
    passed_over: list[str] = Field(
        description="Why not this adviser: inactive, off_duty, conflict, province, capacity, "
        "or not_next (another adviser of the same standing comes first); empty for the one "
        "chosen"
    )


class ChoiceOut(BaseModel):
    adviser_id: str
    pool: Pool
    relaxed: str | None = Field(
        description="null, capacity (everyone was full) or coordinator (nobody on call)"
    )


class PreviewOut(BaseModel):
    at: datetime
    rule: RuleOut | None = Field(description="The routing rule that matches (null: the default)")
    pool: Pool = Field(description="The pool the case goes to")
    fallback_pool: Pool | None
    adviser: ChoiceOut | None = Field(description="Who would be paged now (null: nobody)")
    candidates: list[CandidateOut]


def _duty(value: oncall.Duty) -> DutyOut:
    return DutyOut(primary=list(value.primary), backup=list(value.backup))


def on_call_out(roster: Roster, at: datetime) -> OnCallOut:
    pools = []
    for found in oncall.on_call(roster, at):
        coordinator = roster.coordinator(found.pool)
        pools.append(
            PoolOnCallOut(
                pool=found.pool,
                pool_name=found.pool.label_nl,
                now=_duty(found.now),
                until=found.until,
                next=_duty(found.next) if found.next else None,
                coordinator=coordinator.id if coordinator else None,
                gaps=[GapOut(from_=start, to=end) for start, end in found.gaps],
            )
        )
    advisers = [
        AdviserOut(
            adviser_id=a.id,
            pool=a.pool,
            phone=next((c.address for c in a.contacts if c.channel.value == "sms"), None),
            active=a.active,
        )
        for a in roster.advisers
    ]
    return OnCallOut(at=at, pools=pools, advisers=advisers)


def preview_out(roster: Roster, result: oncall.Preview, at: datetime) -> PreviewOut:
    rule = None
    if result.rule is not None:
        matched = roster.rules[result.rule]
        rule = RuleOut(
            index=result.rule,
            match={
                k: [str(v) for v in values]
                for k, values in matched.match.model_dump(exclude_none=True).items()
            },
            pool=matched.pool,
        )
    choice = result.choice
    return PreviewOut(
        at=at,
        rule=rule,
        pool=result.pools[0],
        fallback_pool=result.pools[1] if len(result.pools) > 1 else None,
        adviser=ChoiceOut(adviser_id=choice.adviser.id, pool=choice.pool, relaxed=choice.relaxed)
        if choice
        else None,
        candidates=[
            CandidateOut(
                adviser_id=c.adviser_id,
                pool=c.pool,
                on_call=c.on_call,
                open_cases=c.open_cases,
                capacity=c.capacity,
                passed_over=list(c.passed_over),
            )
            for c in result.candidates
        ],
    )


def build_router(router: Router, security: Security) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["on call"])
    Reader = Annotated[
        Principal,
        Depends(security.allow(Access.OPERATOR, Access.COORDINATOR, what="read the roster")),
    ]
    now: Callable[[], datetime] = utcnow

    @api.get("/oncall", response_model=OnCallOut)
    async def who_is_on_call(
        principal: Reader, query: Annotated[OnCallQuery, Query()]
    ) -> OnCallOut:
        """Per pool: who is primary and backup now, until when, who comes next, and the
        stretches of the next 14 days without a primary; and every adviser with the
        number to call them on. `at` asks about another moment. Operators and
        coordinators."""
        return on_call_out(router.roster, query.at or now())

    @api.get("/oncall/preview", response_model=PreviewOut)
    async def who_would_be_paged(
        principal: Reader, query: Annotated[PreviewQuery, Query()]
    ) -> PreviewOut:
        """Which rule matches these facts, which pool and which adviser would be paged
        right now (the same policy routing assigns by, with the open cases it counts),
        and why every other adviser of the pool and the fallback pool is passed over.
        Nothing is assigned. Operators and coordinators."""
        at = query.at or now()
        request = request_for(
            role=query.role,
            organisation_code=query.organisation_code,
            urgency=query.urgency,
            types=query.incident_type,
            source=query.source,
        )
        return preview_out(router.roster, router.preview(request, at=at), at)

    return api
