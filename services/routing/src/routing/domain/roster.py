"""The roster as validated data: pools, advisers, shifts and routing rules, and who
is on call at an instant. No I/O: `routing.adapters.roster_file` reads the YAML and
names the file, the line and the field of the first error it finds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from contracts.events import ContactPoint, Identifier
from contracts.organisations import OrganisationCode, lookup
from contracts.vocabulary import (
    DEFAULT_POOL_BY_ROLE,
    IncidentType,
    NotificationChannel,
    Pool,
    Role,
    Source,
    Urgency,
)
from routing.domain.shifts import AMSTERDAM, Model, Shifts

__all__ = ["AMSTERDAM", "Adviser", "Match", "PoolConfig", "Roster", "RosterError", "Rule"]


class RosterError(ValueError):
    """The roster file is not valid; the message names the file, line and field."""


class RosterFieldError(ValueError):
    """A rule across fields is broken; `loc` is where, as pydantic's error locations."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


class PoolConfig(Model):
    coordinator: Identifier | None = None


class Adviser(Model):
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


class Match(Model):
    """Conditions of a routing rule; an absent condition matches anything."""

    role: list[Role] | None = None
    urgency: list[Urgency] | None = None
    types: list[IncidentType] | None = Field(default=None, description="Any of these types")
    source: list[Source] | None = None
    province: list[Annotated[str, Field(pattern=r"^PV\d{2}$")]] | None = None


class Rule(Model):
    match: Match
    pool: Pool


class Roster(Model):
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
                raise RosterFieldError(
                    ("advisers", index, "id"), f"duplicate adviser id {adviser_id!r}"
                )
        pool_of = {a.id: a.pool for a in self.advisers}
        for pool, config in self.pools.items():
            where = ("pools", pool.value, "coordinator")
            if config.coordinator and config.coordinator not in pool_of:
                raise RosterFieldError(where, f"{config.coordinator!r} is not an adviser")
            if config.coordinator and pool_of[config.coordinator] is not pool:
                raise RosterFieldError(
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
                                raise RosterFieldError(
                                    ("shifts", "rotations", r, "weeks", w, s, field),
                                    f"{who!r} is not an adviser of pool {rotation.pool.value}",
                                )
        for o, override in enumerate(self.shifts.overrides):
            for field in ("primary", "backup"):
                for who in getattr(override, field):
                    if pool_of.get(who) is not override.pool:
                        raise RosterFieldError(
                            ("shifts", "overrides", o, field),
                            f"{who!r} is not an adviser of pool {override.pool.value}",
                        )
            for p, earlier in enumerate(self.shifts.overrides[:o]):
                if earlier.pool is override.pool and (
                    earlier.local_from() < override.local_to()
                    and override.local_from() < earlier.local_to()
                ):
                    raise RosterFieldError(
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
