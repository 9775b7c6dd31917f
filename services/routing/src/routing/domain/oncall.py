"""Who is on call, and who would be paged: the roster read, never changed. No I/O.

Duty changes only where a slot or an override starts or ends, so those instants
(each wall-clock time taken in Europe/Amsterdam, both readings of an hour that
occurs twice) are the only ones looked at: the answer is exact, and a night across
a daylight-saving change is as long as the clock says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from contracts.vocabulary import Pool
from routing.domain.assignment import (
    Choice,
    Request,
    RoundRobin,
    choose,
    conflicted,
    covers,
    on_shift,
    pools_for,
)
from routing.domain.roster import AMSTERDAM, Roster

HORIZON = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Duty:
    """Who is on call in a pool: the advisers taking new cases, then the backups."""

    primary: tuple[str, ...]
    backup: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PoolDuty:
    pool: Pool
    now: Duty
    until: datetime | None
    """When the duty of now ends (None: not within the horizon)."""
    next: Duty | None
    gaps: list[tuple[datetime, datetime]] = field(default_factory=list)
    """Stretches within the horizon without a primary."""


def duty(roster: Roster, pool: Pool, at: datetime) -> Duty:
    """The pool's duty at this instant (active advisers only)."""
    primaries, backups = on_shift(roster, pool, at)
    return Duty(tuple(a.id for a in primaries), tuple(a.id for a in backups))


def _instants(day: datetime, moment: time) -> list[datetime]:
    wall = datetime.combine(day.date(), moment)
    return [wall.replace(tzinfo=AMSTERDAM, fold=fold).astimezone(UTC) for fold in (0, 1)]


def change_points(roster: Roster, pool: Pool, start: datetime, end: datetime) -> list[datetime]:
    """Every instant in (start, end] at which the pool's duty may change."""
    found: set[datetime] = set()
    first = start.astimezone(AMSTERDAM) - timedelta(days=1)
    days = [first + timedelta(days=n) for n in range((end - start).days + 3)]
    for rotation in roster.shifts.rotations:
        if rotation.pool is not pool:
            continue
        moments = {s.from_ for week in rotation.weeks for s in week} | {
            s.to for week in rotation.weeks for s in week
        }
        for day in days:
            for moment in moments:
                found.update(_instants(day, moment))
    for override in roster.shifts.overrides:
        if override.pool is pool:
            found.update(
                (override.local_from().astimezone(UTC), override.local_to().astimezone(UTC))
            )
    return sorted(t for t in found if start < t <= end)


def segments(
    roster: Roster, pool: Pool, start: datetime, end: datetime
) -> list[tuple[datetime, Duty]]:
    """The pool's duty from `start` to `end` as (from when, duty) pairs, each a change."""
    result = [(start, duty(roster, pool, start))]
    for instant in change_points(roster, pool, start, end):
        current = duty(roster, pool, instant)
        if instant < end and current != result[-1][1]:
            result.append((instant, current))
    return result


def pool_duty(roster: Roster, pool: Pool, at: datetime, horizon: timedelta = HORIZON) -> PoolDuty:
    end = at + horizon
    parts = segments(roster, pool, at, end)
    gaps: list[tuple[datetime, datetime]] = []
    for index, (begin, current) in enumerate(parts):
        finish = parts[index + 1][0] if index + 1 < len(parts) else end
        if not current.primary:
            if gaps and gaps[-1][1] == begin:
                gaps[-1] = (gaps[-1][0], finish)
            else:
                gaps.append((begin, finish))
    following = parts[1] if len(parts) > 1 else None
    return PoolDuty(
        pool=pool,
        now=parts[0][1],
        until=following[0] if following else None,
        next=following[1] if following else None,
        gaps=gaps,
    )


def on_call(roster: Roster, at: datetime) -> list[PoolDuty]:
    """Every pool's duty now, until when, the next change and the gaps to come."""
    return [pool_duty(roster, pool, at) for pool in Pool]


@dataclass(frozen=True, slots=True)
class Candidate:
    adviser_id: str
    pool: Pool
    on_call: str | None
    """primary, backup, coordinator, or None (off duty)."""
    open_cases: int
    capacity: int
    passed_over: tuple[str, ...]
    """Why not this one: inactive, off_duty, conflict, province, capacity."""


@dataclass(frozen=True, slots=True)
class Preview:
    rule: int | None
    pools: list[Pool]
    choice: Choice | None
    candidates: list[Candidate]


def preview(
    roster: Roster,
    request: Request,
    *,
    at: datetime,
    load: Mapping[str, int],
    turns: RoundRobin,
) -> Preview:
    """Who would be paged for these facts now, and why the others would not: the same
    policy as an assignment, on a copy of the turns, so nothing is taken."""
    pools = pools_for(roster, request)
    choice = choose(roster, request, at=at, load=load, turns=turns.copy())
    candidates: list[Candidate] = []
    for pool in pools:
        primaries, backups = on_shift(roster, pool, at)
        coordinator = roster.coordinator(pool)
        for adviser in (a for a in roster.advisers if a.pool is pool):
            duty_of = (
                "primary"
                if adviser in primaries
                else "backup"
                if adviser in backups
                else "coordinator"
                if coordinator is not None and adviser.id == coordinator.id
                else None
            )
            reasons: list[str] = []
            if not adviser.active:
                reasons.append("inactive")
            if duty_of is None:
                reasons.append("off_duty")
            if conflicted(adviser, request):
                reasons.append("conflict")
            if not covers(adviser, request):
                reasons.append("province")
            if load.get(adviser.id, 0) >= adviser.capacity:
                reasons.append("capacity")
            chosen = choice is not None and choice.adviser.id == adviser.id
            candidates.append(
                Candidate(
                    adviser_id=adviser.id,
                    pool=pool,
                    on_call=duty_of,
                    open_cases=load.get(adviser.id, 0),
                    capacity=adviser.capacity,
                    passed_over=() if chosen else tuple(reasons or ["not_next"]),
                )
            )
    rule = roster.matching_rule(
        role=request.role,
        urgency=request.urgency,
        types=list(request.types),
        source=request.source,
        province=request.province,
    )
    return Preview(rule=rule, pools=pools, choice=choice, candidates=candidates)
