"""On-call shifts in local (Amsterdam) wall-clock time: weekly rotations and one-off
overrides. No I/O."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from contracts.events import Identifier
from contracts.vocabulary import Pool

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class Model(BaseModel):
    """The roster's models: frozen, and nothing the model does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


OneOrMore = Annotated[list[Identifier], BeforeValidator(_as_list), Field(max_length=20)]


class Slot(Model):
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


class Rotation(Model):
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


class Override(Model):
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


class Shifts(Model):
    rotations: list[Rotation] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)
