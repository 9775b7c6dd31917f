"""Who is on call, as the console shows it: routing's `GET /v1/oncall` answers, read
at each moment the duty changes, become per pool a list of stretches and a week of
days by hours. Pure: the answers come in, the tables go out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEEKDAYS_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Stretch:
    """One pool's duty from `start` until `end`."""

    start: datetime
    end: datetime
    primary: tuple[str, ...]
    backup: tuple[str, ...]

    @property
    def gap(self) -> bool:
        return not self.primary


def _duty(value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    duty: Mapping[str, Any] = value if isinstance(value, Mapping) else {}
    return (
        tuple(str(a) for a in duty.get("primary") or []),
        tuple(str(a) for a in duty.get("backup") or []),
    )


def next_reading(answer: Mapping[str, Any], after: datetime, end: datetime) -> datetime:
    """When to ask routing again: the earliest change of any pool after this moment."""
    changes = [
        t
        for pool in answer.get("pools") or []
        if isinstance(pool, Mapping) and (t := moment(pool.get("until"))) is not None and t > after
    ]
    return min([*changes, end])


def stretches(
    readings: Sequence[tuple[datetime, Mapping[str, Any]]], end: datetime
) -> dict[str, list[Stretch]]:
    """Per pool, its duty from the first reading to `end`, from routing's answers read at
    those moments (each answer says the duty then and until when it holds)."""
    found: dict[str, list[Stretch]] = {}
    for index, (at, answer) in enumerate(readings):
        finish = readings[index + 1][0] if index + 1 < len(readings) else end
        for pool in answer.get("pools") or []:
            if not isinstance(pool, Mapping):
                continue
            primary, backup = _duty(pool.get("now"))
            kept = found.setdefault(str(pool.get("pool")), [])
            if kept and kept[-1].primary == primary and kept[-1].backup == backup:
                kept[-1] = Stretch(kept[-1].start, finish, primary, backup)
            else:
                kept.append(Stretch(at, finish, primary, backup))
    return found


def duty_at(pool: Sequence[Stretch], at: datetime) -> Stretch | None:
    for stretch in pool:
        if stretch.start <= at < stretch.end:
            return stretch
    return None


@dataclass(frozen=True, slots=True)
class Cell:
    """Consecutive hours of one day with the same duty (at each hour's start)."""

    first_hour: int
    hours: int
    primary: tuple[str, ...]
    backup: tuple[str, ...]
    known: bool

    @property
    def gap(self) -> bool:
        return self.known and not self.primary

    @property
    def span(self) -> str:
        return f"{self.first_hour:02d}:00\u2013{self.first_hour + self.hours:02d}:00"


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    name: str
    cells: tuple[Cell, ...]


def hour_start(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=AMSTERDAM).astimezone(UTC)


def week(pool: Sequence[Stretch], first: date, *, days: int = 7, language: str = "nl") -> list[Day]:
    """Days by hours: each row a day, its hours merged where the duty stays the same.
    An hour outside what was read is shown as unknown, never as a gap."""
    names = WEEKDAYS_NL if language == "nl" else WEEKDAYS_EN
    found: list[Day] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        cells: list[Cell] = []
        for hour in range(24):
            stretch = duty_at(pool, hour_start(day, hour))
            primary = stretch.primary if stretch else ()
            backup = stretch.backup if stretch else ()
            known = stretch is not None
            last = cells[-1] if cells else None
            if last and (last.primary, last.backup, last.known) == (primary, backup, known):
                cells[-1] = Cell(last.first_hour, last.hours + 1, primary, backup, known)
            else:
                cells.append(Cell(hour, 1, primary, backup, known))
        found.append(Day(day, f"{names[day.weekday()]} {day.day}-{day.month}", tuple(cells)))
    return found


def local(value: datetime | None) -> str:
    """A moment as Dutch wall-clock time (`ma 14-12 08:00`)."""
    if value is None:
        return "—"
    shown = value.astimezone(AMSTERDAM)
    return f"{WEEKDAYS_NL[shown.weekday()][:2]} {shown.day:02d}-{shown.month:02d} {shown:%H:%M}"


def gaps(pool: Mapping[str, Any]) -> list[tuple[datetime, datetime]]:
    """The pool's coverage gaps of the next 14 days, from routing's answer."""
    found: list[tuple[datetime, datetime]] = []
    for gap in pool.get("gaps") or []:
        if isinstance(gap, Mapping):
            start, end = moment(gap.get("from")), moment(gap.get("to"))
            if start and end:
                found.append((start, end))
    return found
