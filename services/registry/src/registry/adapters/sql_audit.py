"""The audit log: every read of a case, every export and every erasure request, with
who (subject and role), what (the action and the incident, or the export and its
filters), when and from where (the client address).

Append-only: this module only inserts and reads, and the migration adds a trigger
that refuses UPDATE and DELETE. A row is written before the data leaves: a read that
cannot be recorded is not answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.events import utcnow
from registry.adapters.db import AuditRecord
from registry.domain.filters import AuditFilters, AuditQuery
from weerbaar_runtime.auth import Principal

_AUDIT: Table = AuditRecord.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: list[dict[str, Any]]
    next_after: int | None


class AuditLog:
    """Writes and reads the audit log."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(
        self,
        principal: Principal,
        action: str,
        *,
        incident_id: str | None = None,
        detail: dict[str, Any] | None = None,
        client: str | None = None,
        at: datetime | None = None,
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(_AUDIT).values(
                    at=at or utcnow(),
                    subject=principal.subject[:200],
                    role=principal.role.value,
                    action=action,
                    incident_id=incident_id,
                    detail=detail,
                    client=(client or None) and client[:64],
                )
            )

    async def page(self, query: AuditQuery, *, after: int | None) -> AuditPage:
        """Entries newest first; `after` is the id the previous page ended with."""
        rows = await self._rows(query, after=after, limit=query.limit + 1)
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        return AuditPage(rows, rows[-1]["id"] if more and rows else None)

    async def stream(
        self, filters: AuditFilters, *, chunk: int = 1000
    ) -> AsyncIterator[dict[str, Any]]:
        """Every matching entry, newest first, read a chunk at a time (for the export)."""
        after: int | None = None
        while True:
            rows = await self._rows(filters, after=after, limit=chunk)
            for row in rows:
                yield row
            if len(rows) < chunk:
                return
            after = rows[-1]["id"]

    async def _rows(
        self, filters: AuditFilters, *, after: int | None, limit: int
    ) -> list[dict[str, Any]]:
        stmt = _where(select(_AUDIT), filters)
        if after is not None:
            stmt = stmt.where(_AUDIT.c.id < after)
        stmt = stmt.order_by(_AUDIT.c.id.desc()).limit(limit)
        async with self._engine.connect() as conn:
            return [dict(row._mapping) for row in await conn.execute(stmt)]


def _where(stmt: Select[Any], filters: AuditFilters) -> Select[Any]:
    if filters.subject is not None:
        stmt = stmt.where(_AUDIT.c.subject == filters.subject)
    if filters.action:
        stmt = stmt.where(_AUDIT.c.action.in_(filters.action))
    if filters.incident_id is not None:
        stmt = stmt.where(_AUDIT.c.incident_id == filters.incident_id.lower())
    if filters.from_ is not None:
        stmt = stmt.where(_AUDIT.c.at >= filters.from_)
    if filters.to is not None:
        stmt = stmt.where(_AUDIT.c.at < filters.to)
    return stmt
