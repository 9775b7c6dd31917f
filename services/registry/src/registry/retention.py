"""Erasure of personal data: after the retention period (a scheduled job) and on request.

Both publish `incident.personal_data_erased`; the projection then nulls the case's
personal fields and scrubs them from the stored events, so the erasure survives a
rebuild from the stream. The statistics read `case_facts`, which holds no personal
data, and do not change."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Literal

from prometheus_client import Counter

from contracts.events import Event, PersonalDataErased, derive_id, utcnow
from registry.queries import Queries
from weerbaar_runtime.logging import get_logger

_log = get_logger("retention")

RETENTION_REQUESTER = "registry-retention"
ERASURES = Counter("weerbaar_registry_erasures_requested_total", "Erasures published", ["reason"])

Publish = Callable[[Event], Awaitable[None]]


def erasure(
    incident_id: uuid.UUID | str,
    *,
    requested_by: str,
    reason: Literal["retention", "request"],
    key: str | None = None,
    now: datetime | None = None,
) -> PersonalDataErased:
    """The erasure event. The retention job's id depends only on the case, so running
    the job twice (or on two replicas) records one erasure; a request's id depends on
    its Idempotency-Key when there is one."""
    if reason == "retention":
        event_id = derive_id("personal_data_erased", incident_id, "retention")
    elif key is not None:
        event_id = derive_id("personal_data_erased", incident_id, "request", key)
    else:
        event_id = uuid.uuid4()
    return PersonalDataErased(
        event_id=event_id,
        occurred_at=now or utcnow(),
        incident_id=uuid.UUID(str(incident_id)),
        producer="registry",
        requested_by=requested_by,
        reason=reason,
    )


class Retention:
    """Finds closed cases past the retention period and asks for their erasure."""

    def __init__(
        self,
        *,
        queries: Queries,
        publish: Publish,
        retention: timedelta,
        clock: Callable[[], datetime] = utcnow,
        batch: int = 1000,
    ) -> None:
        self._queries = queries
        self._publish = publish
        self._retention = retention
        self._clock = clock
        self._batch = batch

    async def run_once(self) -> int:
        """Publish an erasure for every case due (up to `batch` per run); returns how many."""
        now = self._clock()
        due = await self._queries.erasable(closed_before=now - self._retention, limit=self._batch)
        for incident_id in due:
            await self._publish(
                erasure(incident_id, requested_by=RETENTION_REQUESTER, reason="retention", now=now)
            )
            ERASURES.labels("retention").inc()
        if due:
            _log.info("retention erasures published", count=len(due))
        return len(due)

    async def run_forever(self, *, interval_s: float) -> None:
        while True:
            try:
                await self.run_once()
            except Exception as exc:
                _log.warning("retention run failed", error_type=type(exc).__name__)
            await asyncio.sleep(interval_s)
