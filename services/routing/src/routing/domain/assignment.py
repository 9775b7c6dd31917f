"""Who gets the case: the assignment policy and the escalation chain. No I/O.

Within the chosen pool: on shift now, not conflicted, under capacity, then the
fewest open cases, ties taken in turn. Only when nobody fits does the policy relax,
one step at a time: the fallback pool (BZK), then capacity, then the coordinators.
A conflicted adviser is never chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from contracts.events import IncidentReported, derive_id
from contracts.organisations import lookup
from contracts.vocabulary import FALLBACK_POOL, IncidentType, Pool, Role, Source, Urgency
from routing.domain.roster import Adviser, Roster
from routing.domain.state import IncidentRouting, Step


@dataclass(frozen=True, slots=True)
class Request:
    """What the policy needs to know about an incident."""

    role: Role
    organisation_code: str
    province: str | None = None
    urgency: Urgency = Urgency.NORMAL
    types: tuple[IncidentType, ...] = ()
    source: Source = Source.CRISIS_LINE


def request_for(
    *,
    role: Role,
    organisation_code: str,
    urgency: Urgency = Urgency.NORMAL,
    types: Iterable[IncidentType] = (),
    source: Source = Source.CRISIS_LINE,
) -> Request:
    """The policy's request for a case of this organisation (its province looked up)."""
    return Request(
        role=role,
        organisation_code=organisation_code,
        province=lookup(organisation_code).province_code,
        urgency=urgency,
        types=tuple(types),
        source=source,
    )


@dataclass(frozen=True, slots=True)
class Choice:
    pool: Pool
    adviser: Adviser
    relaxed: str | None = None  # None, "capacity" or "coordinator"
    fallback: bool = False  # the role's own pool had nobody: the fallback pool took it


@dataclass(slots=True)
class RoundRobin:
    """Fair turn-taking among equally loaded advisers, per pool."""

    _next: dict[Pool, int] = field(default_factory=dict)

    def copy(self) -> RoundRobin:
        """The same turns, to look ahead without taking one."""
        return RoundRobin(dict(self._next))

    def take(self, pool: Pool, candidates: list[Adviser]) -> Adviser:
        turn = self._next.get(pool, 0)
        self._next[pool] = turn + 1
        return candidates[turn % len(candidates)]


def conflicted(adviser: Adviser, request: Request) -> bool:
    """Linked to the official's own organisation."""
    return request.organisation_code in adviser.organisations


def covers(adviser: Adviser, request: Request) -> bool:
    return not adviser.provinces or request.province in adviser.provinces


def on_shift(roster: Roster, pool: Pool, at: datetime) -> tuple[list[Adviser], list[Adviser]]:
    """The pool's primaries and backups now. A pool without any schedule has all its
    active advisers but the coordinator as primaries, always."""
    if not roster.has_schedule(pool):
        config = roster.pools.get(pool)
        excluded = config.coordinator if config else None
        everyone = [a for a in roster.advisers if a.pool is pool and a.active and a.id != excluded]
        return everyone, []
    primaries, backups = roster.on_call(pool, at)
    return _active(roster, primaries), _active(roster, backups)


def _active(roster: Roster, ids: list[str]) -> list[Adviser]:
    found = [roster.adviser(i) for i in ids]
    return [a for a in found if a is not None and a.active]


def pools_for(roster: Roster, request: Request) -> list[Pool]:
    first = roster.pool_for(
        role=request.role,
        urgency=request.urgency,
        types=list(request.types),
        source=request.source,
        province=request.province,
    )
    return list(dict.fromkeys((first, FALLBACK_POOL)))


def choose(
    roster: Roster,
    request: Request,
    *,
    at: datetime,
    load: Mapping[str, int],
    turns: RoundRobin,
) -> Choice | None:
    """The adviser for this incident, or None when nobody at all can take it."""
    pools = pools_for(roster, request)
    for relaxed in (None, "capacity"):
        for pool in pools:
            for group in on_shift(roster, pool, at):  # primaries first, then backups
                candidates = [
                    a
                    for a in group
                    if not conflicted(a, request)
                    and covers(a, request)
                    and (relaxed == "capacity" or load.get(a.id, 0) < a.capacity)
                ]
                if candidates:
                    fewest = min(load.get(a.id, 0) for a in candidates)
                    tied = [a for a in candidates if load.get(a.id, 0) == fewest]
                    return Choice(
                        pool=pool,
                        adviser=turns.take(pool, tied),
                        relaxed=relaxed,
                        fallback=pool != pools[0],
                    )
    for pool in pools:
        coordinator = roster.coordinator(pool)
        if coordinator is not None and coordinator.active and not conflicted(coordinator, request):
            return Choice(
                pool=pool, adviser=coordinator, relaxed="coordinator", fallback=pool != pools[0]
            )
    return None


def escalation_ring(
    roster: Roster, pool: Pool, request: Request, *, at: datetime, first: Adviser
) -> list[Adviser]:
    """Who is paged, in turn, when nobody acknowledges: starting after `first`, the
    pool's primary, its backup, the pool coordinator and the BZK coordinator."""
    primaries, backups = on_shift(roster, pool, at)
    ring: list[Adviser] = [first]
    for candidate in (
        *primaries,
        *backups,
        roster.coordinator(pool),
        roster.coordinator(FALLBACK_POOL),
    ):
        if (
            candidate is not None
            and candidate.active
            and not conflicted(candidate, request)
            and candidate.id not in {a.id for a in ring}
        ):
            ring.append(candidate)
    return ring


def first_assignment(
    reported: IncidentReported,
    roster: Roster,
    *,
    at: datetime,
    load: Mapping[str, int],
    turns: RoundRobin,
    deadline_s: float,
    rounds: int,
) -> tuple[IncidentRouting, Choice] | None:
    """The routing state of a reported incident: the adviser chosen and the escalation
    snapshot behind them, paged `rounds` times; None when nobody can take it."""
    official = reported.official
    request = request_for(
        role=official.role,
        organisation_code=official.organisation_code,
        urgency=reported.urgency,
        types=reported.incident.types,
        source=reported.source,
    )
    choice = choose(roster, request, at=at, load=load, turns=turns)
    if choice is None:
        return None
    ring = escalation_ring(roster, choice.pool, request, at=at, first=choice.adviser)
    steps = [Step(adviser_id=a.id, pool=a.pool, contacts=a.contacts) for a in ring]
    state = IncidentRouting(
        incident_id=reported.incident_id,
        role=official.role,
        organisation_code=official.organisation_code,
        urgency=reported.urgency,
        incident_types=list(reported.incident.types),
        deadline_s=deadline_s,
        ring=steps,
        max_level=max(0, len(steps) * rounds - 1),
        level=0,
        assignment_id=derive_id("assignment", reported.incident_id, 0),
        assigned_at=at,
        reported_at=reported.occurred_at,
    )
    return state, choice
