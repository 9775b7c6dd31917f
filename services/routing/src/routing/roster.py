"""The roster as validated data: pools, advisers, shifts, overrides and routing rules.

Loaded from YAML into typed models. Every error names the file, the line and the
field, so whoever edits the roster at night sees at once what is wrong.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from contracts.events import ContactPoint, Identifier
from contracts.organisations import OrganisationCode, lookup
from contracts.vocabulary import (
    DEFAULT_POOL_BY_ROLE,
    FALLBACK_POOL,
    IncidentType,
    NotificationChannel,
    Pool,
    Role,
    Source,
    Urgency,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class RosterError(ValueError):
    """The roster file is not valid; the message names the file, line and field."""


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PoolConfig(_Model):
    coordinator: Identifier | None = None


class Adviser(_Model):
    id: Identifier
    pool: Pool
    contacts: Annotated[list[ContactPoint], Field(min_length=1, max_length=10)]
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2}$")]] = Field(
        default_factory=lambda: ["nl"]
    )
    provinces: list[Annotated[str, Field(pattern=r"^PV\d{2}$")]] = Field(
        default_factory=list, description="Provinces covered; empty covers all"
    )
    organisations: list[OrganisationCode] = Field(
        default_factory=list, description="Organisations the adviser is linked to: a conflict"
    )
    capacity: int = Field(default=10, ge=1, le=1000, description="Most open cases at once")
    active: bool = True

    @model_validator(mode="after")
    def _usable_contact(self) -> Self:
        if not any(_usable(c) for c in self.contacts):
            raise ValueError("has no usable contact channel (e-mail, SMS number or https webhook)")
        for code in self.provinces:
            lookup(code)
        return self


def _usable(contact: ContactPoint) -> bool:
    address = contact.address.strip()
    if contact.channel is NotificationChannel.EMAIL:
        return "@" in address and "." in address.split("@")[-1]
    if contact.channel is NotificationChannel.SMS:
        digits = [c for c in address if c.isdigit()]
        return address.startswith("+") and len(digits) >= 8
    return address.startswith("https://") or address.startswith("http://127.0.0.1")


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


OneOrMore = Annotated[list[Identifier], BeforeValidator(_as_list), Field(max_length=20)]


class Slot(_Model):
    """One recurring stretch of on-call duty in local (Amsterdam) wall-clock time.
    `to` at or before `from` runs past midnight into the next day."""

    days: list[Weekday] = Field(min_length=1)
    from_: time = Field(alias="from")
    to: time
    primary: OneOrMore = Field(description="Adviser id(s) taking new cases")
    backup: OneOrMore = Field(default_factory=list, description="Next in line")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def interval_from(self, day: date) -> tuple[datetime, datetime] | None:
        """The slot's wall-clock interval when it starts on `day`, if it runs that day."""
        if Weekday(list(Weekday)[day.weekday()]) not in self.days:
            return None
        start = datetime.combine(day, self.from_)
        end_day = day if self.from_ < self.to else day + timedelta(days=1)
        return start, datetime.combine(end_day, self.to)


class Rotation(_Model):
    """A pool's weekly rotation: week `n` after `start` uses `weeks[n % len(weeks)]`."""

    pool: Pool
    start: date = Field(description="A Monday: the first day of week 0")
    weeks: list[list[Slot]] = Field(min_length=1)

    @model_validator(mode="after")
    def _monday(self) -> Self:
        if self.start.weekday() != 0:
            raise ValueError(f"start {self.start} is not a Monday")
        return self

    def slot_at(self, local: datetime) -> Slot | None:
        """The slot covering this local time. Shifts are wall-clock times, so a night
        across a daylight-saving change is simply an hour shorter or longer: no gap,
        no double cover."""
        wall = local.replace(tzinfo=None)
        for day in (wall.date(), wall.date() - timedelta(days=1)):
            week = self.weeks[((day - self.start).days // 7) % len(self.weeks)]
            for slot in week:
                interval = slot.interval_from(day)
                if interval is not None and interval[0] <= wall < interval[1]:
                    return slot
        return None


class Override(_Model):
    """A one-off change for a date range (local times), e.g. holidays or illness."""

    pool: Pool
    from_: datetime = Field(alias="from")
    to: datetime
    primary: OneOrMore
    backup: OneOrMore = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.local_from() >= self.local_to():
            raise ValueError("'to' must be after 'from'")
        return self

    def local_from(self) -> datetime:
        return _local(self.from_)

    def local_to(self) -> datetime:
        return _local(self.to)


def _local(value: datetime) -> datetime:
    return value.replace(tzinfo=AMSTERDAM) if value.tzinfo is None else value.astimezone(AMSTERDAM)


class Shifts(_Model):
    rotations: list[Rotation] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)


class Match(_Model):
    """Conditions of a routing rule; an absent condition matches anything."""

    role: list[Role] | None = None
    urgency: list[Urgency] | None = None
    types: list[IncidentType] | None = Field(default=None, description="Any of these types")
    source: list[Source] | None = None
    province: list[Annotated[str, Field(pattern=r"^PV\d{2}$")]] | None = None


class Rule(_Model):
    match: Match
    pool: Pool


class Roster(_Model):
    pools: dict[Pool, PoolConfig] = Field(default_factory=dict)
    routing: dict[Role, Pool] = Field(default_factory=lambda: dict(DEFAULT_POOL_BY_ROLE))
    rules: list[Rule] = Field(default_factory=list)
    advisers: list[Adviser] = Field(default_factory=list)
    shifts: Shifts = Field(default_factory=Shifts)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [a.id for a in self.advisers]
        for index, adviser_id in enumerate(ids):
            if adviser_id in ids[:index]:
                raise _FieldError(("advisers", index, "id"), f"duplicate adviser id {adviser_id!r}")
        pool_of = {a.id: a.pool for a in self.advisers}
        for pool, config in self.pools.items():
            where = ("pools", pool.value, "coordinator")
            if config.coordinator and config.coordinator not in pool_of:
                raise _FieldError(where, f"{config.coordinator!r} is not an adviser")
            if config.coordinator and pool_of[config.coordinator] is not pool:
                raise _FieldError(
                    where,
                    f"{config.coordinator!r} is an adviser of pool "
                    f"{pool_of[config.coordinator].value}",
                )
        for r, rotation in enumerate(self.shifts.rotations):
            for w, week in enumerate(rotation.weeks):
                for s, slot in enumerate(week):
                    for field in ("primary", "backup"):
                        for who in getattr(slot, field):
                            if pool_of.get(who) is not rotation.pool:
                                raise _FieldError(
                                    ("shifts", "rotations", r, "weeks", w, s, field),
                                    f"{who!r} is not an adviser of pool {rotation.pool.value}",
                                )
        for o, override in enumerate(self.shifts.overrides):
            for field in ("primary", "backup"):
                for who in getattr(override, field):
                    if pool_of.get(who) is not override.pool:
                        raise _FieldError(
                            ("shifts", "overrides", o, field),
                            f"{who!r} is not an adviser of pool {override.pool.value}",
                        )
            for p, earlier in enumerate(self.shifts.overrides[:o]):
                if earlier.pool is override.pool and (
                    earlier.local_from() < override.local_to()
                    and override.local_from() < earlier.local_to()
                ):
                    raise _FieldError(
                        ("shifts", "overrides", o),
                        f"overlaps override {p} of pool {override.pool.value}",
                    )
        return self

    def adviser(self, adviser_id: str) -> Adviser | None:
        return next((a for a in self.advisers if a.id == adviser_id), None)

    def coordinator(self, pool: Pool) -> Adviser | None:
        config = self.pools.get(pool)
        return self.adviser(config.coordinator) if config and config.coordinator else None

    def default_pool(self, role: Role) -> Pool:
        """The pool that answers for this role when no rule matches."""
        return self.routing.get(role, DEFAULT_POOL_BY_ROLE[role])

    def pool_for(
        self,
        *,
        role: Role,
        urgency: Urgency = Urgency.NORMAL,
        types: list[IncidentType] | None = None,
        source: Source = Source.CRISIS_LINE,
        province: str | None = None,
    ) -> Pool:
        """The first rule that matches wins; otherwise the role's default pool."""
        index = self.matching_rule(
            role=role, urgency=urgency, types=types, source=source, province=province
        )
        return self.rules[index].pool if index is not None else self.default_pool(role)

    def matching_rule(
        self,
        *,
        role: Role,
        urgency: Urgency = Urgency.NORMAL,
        types: list[IncidentType] | None = None,
        source: Source = Source.CRISIS_LINE,
        province: str | None = None,
    ) -> int | None:
        """The index of the first rule that matches, if any."""
        for index, rule in enumerate(self.rules):
            m = rule.match
            if (
                (m.role is None or role in m.role)
                and (m.urgency is None or urgency in m.urgency)
                and (m.types is None or bool(set(m.types) & set(types or [])))
                and (m.source is None or source in m.source)
                and (m.province is None or province in m.province)
            ):
                return index
        return None

    def on_call(self, pool: Pool, at: datetime) -> tuple[list[str], list[str]]:
        """(primaries, backups) of the pool at this instant; overrides win over rotations."""
        local = at.astimezone(AMSTERDAM)
        for override in self.shifts.overrides:
            if override.pool is pool and override.local_from() <= local < override.local_to():
                return list(override.primary), list(override.backup)
        for rotation in self.shifts.rotations:
            if rotation.pool is pool:
                slot = rotation.slot_at(local)
                if slot is not None:
                    return list(slot.primary), list(slot.backup)
        return [], []

    def has_schedule(self, pool: Pool) -> bool:
        return any(r.pool is pool for r in self.shifts.rotations) or any(
            o.pool is pool for o in self.shifts.overrides
        )


FALLBACK = FALLBACK_POOL


class _FieldError(ValueError):
    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def coverage_gaps(
    roster: Roster, *, start: datetime, days: int = 14, step: timedelta = timedelta(minutes=15)
) -> dict[Pool, list[tuple[datetime, datetime]]]:
    """Stretches in the next `days` where a pool has no primary on call (pools with a
    schedule; a pool without any is reported as one gap over the whole period). The
    roster is sampled every `step` on whole steps, and a gap that is open at `start`
    begins where the last shift ended (up to a week back), not at the moment of the
    check."""
    gaps: dict[Pool, list[tuple[datetime, datetime]]] = {}
    seconds = step.total_seconds()
    start = datetime.fromtimestamp(start.timestamp() // seconds * seconds, tz=UTC)
    end = start + timedelta(days=days)
    for pool in Pool:
        found: list[tuple[datetime, datetime]] = []
        instant = start
        open_gap: datetime | None = None
        if not roster.on_call(pool, start)[0]:
            open_gap = _gap_began(roster, pool, start, step)
        while instant < end:
            primaries, _ = roster.on_call(pool, instant)
            if not primaries and open_gap is None:
                open_gap = instant
            elif primaries and open_gap is not None:
                found.append((open_gap, instant))
                open_gap = None
            instant += step
        if open_gap is not None:
            found.append((open_gap, end))
        if found:
            gaps[pool] = found
    return gaps


def _gap_began(roster: Roster, pool: Pool, at: datetime, step: timedelta) -> datetime:
    """When the gap open at `at` began: the end of the last shift with a primary in the
    week before, or `at` itself when there was none."""
    instant, limit = at, at - timedelta(days=7)
    while instant > limit:
        if roster.on_call(pool, instant - step)[0]:
            return instant
        instant -= step
    return at


def describe_gap(start: datetime, end: datetime) -> str:
    """A coverage gap as people on the roster read it: Amsterdam time, to the minute."""
    fmt = "%a %d %b %Y %H:%M"
    local = start.astimezone(AMSTERDAM), end.astimezone(AMSTERDAM)
    return f"{local[0].strftime(fmt)} to {local[1].strftime(fmt)} (Europe/Amsterdam)"


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line (1-based) of the YAML node that `loc` points at, or of its nearest parent."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(
                (
                    (k, v)
                    for k, v in node.value
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part)
                ),
                None,
            )
            if match is None:
                break
            node = match[1]
            line = match[0].start_mark.line + 1
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def load_roster(path: Path) -> Roster:
    """Read and validate a roster file; errors name the file, the line and the field."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
        raw = yaml.safe_load(text) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path}: cannot read ({type(exc).__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        raise RosterError(f"{path}:{where} not valid YAML") from None
    try:
        return Roster.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        context = first.get("ctx", {}).get("error")
        if isinstance(context, _FieldError):
            loc, message = context.loc, context.message
        field = ".".join(str(p) for p in loc) or "(top level)"
        line = _line_of(root, loc)
        raise RosterError(f"{path}:{line}: {field}: {message}") from None
