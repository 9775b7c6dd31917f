"""The coordinators', analysts' and operators' overviews, read through the APIs with the
user's own token: who is on call, the queue, the statistics, registrations, the audit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from console.domain import duty, queue
from console.domain.problems import ApiProblem
from console.domain.session import Session
from console.domain.statistics import CHARTS, StatsFilters
from console.service.ports import RegistryApi as Registry
from console.service.ports import RoutingApi as Routing

QUEUE_LIMIT = 200
READINGS_AT_MOST = 200


@dataclass(frozen=True, slots=True)
class OnCall:
    answer: dict[str, Any]
    stretches: dict[str, list[duty.Stretch]]
    week_start: datetime
    week_end: datetime


async def on_call(*, routing: Routing, session: Session, now: datetime, days: int = 7) -> OnCall:
    """Routing's answer now, and its duty over the coming days: asked again at each
    moment some pool's duty changes (routing says when), so the week is exact."""
    start_day = now.astimezone(duty.AMSTERDAM).date()
    start = duty.hour_start(start_day, 0)
    end = start + timedelta(days=days)
    answer = await routing.oncall(token=session.access_token)
    readings: list[tuple[datetime, dict[str, Any]]] = []
    at = start
    while at < end and len(readings) < READINGS_AT_MOST:
        reading = await routing.oncall(token=session.access_token, at=at.isoformat())
        readings.append((at, reading))
        at = duty.next_reading(reading, at, end)
    return OnCall(answer, duty.stretches(readings, end), start, end)


async def queue_items(
    *, registry: Registry, session: Session, now: datetime
) -> list[queue.QueueItem]:
    """The open cases that need a person: the registry's list, filtered once per reason
    (at most `QUEUE_LIMIT` a reason). No record is read, so nothing is audited."""
    pages = await asyncio.gather(
        *(
            registry.incidents(token=session.access_token, params=params)
            for params in queue.queries(now=now, limit=QUEUE_LIMIT)
        )
    )
    return queue.queue((page["items"] for page in pages), now=now)


async def queue_item(
    *, registry: Registry, session: Session, incident_id: str, now: datetime
) -> queue.QueueItem | None:
    """One row of the queue again (after a change), or None when it left the queue."""
    try:
        record = await registry.incident(token=session.access_token, incident_id=incident_id)
    except ApiProblem as problem:
        if problem.status == 404:
            return None
        raise
    return queue.classify(record, now=now)


@dataclass(frozen=True, slots=True)
class Figures:
    overall: dict[str, Any]
    charts: dict[str, dict[str, Any]]
    acknowledgement: dict[str, Any]


def stats_sets() -> list[str]:
    """The `set`s of `GET /v1/stats/sets` the statistics page asks for: the overall
    figures, then each chart's grouping once."""
    return ["total", *(",".join(g) for g in sorted({chart.group_by for chart in CHARTS}))]


async def statistics(*, registry: Registry, session: Session, filters: StatsFilters) -> Figures:
    """Every chart's figures for these filters, asked of the registry at once: every
    grouping in one call (the registry reads the cases once per family of groupings),
    the acknowledgement times beside it."""
    params = filters.api_params()
    token = session.access_token
    sets = stats_sets()
    figures, acknowledgement = await asyncio.gather(
        registry.get("/v1/stats/sets", token=token, params=[*params, *(("set", s) for s in sets)]),
        registry.get("/v1/stats/acknowledgement", token=token, params=params),
    )
    by_set = dict(zip(sets, figures["sets"], strict=True))
    return Figures(
        overall=by_set["total"],
        acknowledgement=acknowledgement,
        charts={chart.name: by_set[",".join(chart.group_by)] for chart in CHARTS},
    )


async def stats_csv(
    *, registry: Registry, session: Session, params: list[tuple[str, str]]
) -> tuple[bytes, str]:
    return await registry.export_stats(token=session.access_token, params=params)


async def registrations(
    *, registry: Registry, session: Session, params: list[tuple[str, str]]
) -> dict[str, Any]:
    return await registry.get("/v1/registrations", token=session.access_token, params=params)


async def audit(
    *, registry: Registry, session: Session, params: list[tuple[str, str]]
) -> dict[str, Any]:
    return await registry.get("/v1/audit", token=session.access_token, params=params)


async def audit_csv(
    *, registry: Registry, session: Session, params: list[tuple[str, str]]
) -> tuple[bytes, str]:
    """The audit log as the registry exports it (which records the export itself)."""
    return await registry.export_audit(token=session.access_token, params=params)
