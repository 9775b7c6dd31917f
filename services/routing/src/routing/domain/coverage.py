"""Coverage gaps: the stretches of the next days without a primary on call. No I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.vocabulary import Pool
from routing.domain.roster import AMSTERDAM, Roster


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
