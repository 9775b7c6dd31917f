"""Erasure of personal data after the retention period (a scheduled job); a request
is `registry.service.erasure`.

Both publish `incident.personal_data_erased`; the projection then nulls the case's
personal fields and scrubs them from the stored events, so the erasure survives a
rebuild from the stream. The statistics read `case_facts`, which holds no personal
data, and do not change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from contracts.events import utcnow
from registry.domain.erasure import RETENTION_REQUESTER, erasure
from registry.service.erasure import ERASURES
from registry.service.ports import ErasableCases, Publish
from weerbaar_runtime.logging import get_logger

_log = get_logger("retention")


class Retention:
    """Finds closed cases past the retention period and asks for their erasure."""

    def __init__(
        self,
        *,
        queries: ErasableCases,
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
