"""The roster in force: its coverage for the next 14 days, and a reload that refuses a
bad roster and keeps the one in force."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from contracts.events import utcnow
from contracts.vocabulary import Pool
from routing.domain.coverage import coverage_gaps, describe_gap
from routing.domain.roster import Roster, RosterError
from routing.service.metrics import COVERAGE_GAP, ROSTER_RELOADS
from routing.service.router import Router
from weerbaar_runtime.logging import get_logger

_log = get_logger("routing")


def report_coverage(
    roster: Roster, *, now: datetime | None = None, quiet: bool = False
) -> dict[Pool, float]:
    """Set the coverage-gap gauge for the next 14 days, and (unless `quiet`) warn about
    every pool without a primary at some moment of them."""
    gaps = coverage_gaps(roster, start=now or utcnow())
    totals: dict[Pool, float] = {}
    for pool in Pool:
        stretches = gaps.get(pool, [])
        totals[pool] = sum((end - start).total_seconds() for start, end in stretches)
        COVERAGE_GAP.labels(pool.value).set(totals[pool])
        if stretches and not quiet:
            start, end = stretches[0]
            _log.warning(
                "roster coverage gap: no primary on call",
                pool=pool.value,
                count=len(stretches),
                reason=f"first gap {describe_gap(start, end)}",
            )
    return totals


def reload_roster(*, router: Router, load: Callable[[], Roster]) -> bool:
    """Put the roster `load` reads in force; a bad one is refused and the one in force
    stays."""
    try:
        roster = load()
    except RosterError as exc:
        ROSTER_RELOADS.labels("refused").inc()
        _log.error("roster refused; the previous roster stays in force", reason=str(exc))
        return False
    router.roster = roster
    ROSTER_RELOADS.labels("loaded").inc()
    _log.info("roster reloaded", count=len(roster.advisers))
    report_coverage(roster)
    return True
