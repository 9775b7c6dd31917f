"""The audit log on SQLite and PostgreSQL: pages newest first with filters, and a
database that refuses to change or delete an entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from registry.domain.filters import AuditQuery
from tests.support.events import T0
from tests.support.registry import open_registry
from weerbaar_runtime.auth import Access, Principal

OPERATOR = Principal(subject="operator-1", role=Access.OPERATOR)
ANALYST = Principal(subject="analyst-1", role=Access.ANALYST)
CASE = "00000000-0000-4000-8000-000000000001"


async def test_entries_page_newest_first_and_filter(registry_database_url: str) -> None:
    async with open_registry(registry_database_url) as registry:
        audit = registry.audit
        for n in range(5):
            await audit.record(
                OPERATOR,
                "incident.read",
                incident_id=CASE,
                client="10.0.0.7",
                at=T0 + timedelta(minutes=n),
            )
        await audit.record(
            ANALYST,
            "export.stats",
            detail={"group_by": ["role"]},
            client="10.0.0.8",
            at=T0 + timedelta(minutes=10),
        )
        first = await audit.page(AuditQuery(limit=4), after=None)
        assert [e["action"] for e in first.items] == ["export.stats"] + ["incident.read"] * 3
        assert first.items[0]["detail"] == {"group_by": ["role"]}
        assert first.items[0]["at"] == T0 + timedelta(minutes=10)
        assert first.next_after is not None
        rest = await audit.page(AuditQuery(limit=4), after=first.next_after)
        assert len(rest.items) == 2 and rest.next_after is None
        ids = [e["id"] for e in first.items + rest.items]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6
        mine = await audit.page(AuditQuery(subject="operator-1"), after=None)
        assert {e["subject"] for e in mine.items} == {"operator-1"} and len(mine.items) == 5
        exports = await audit.page(AuditQuery(action=["export.stats"]), after=None)
        assert [e["role"] for e in exports.items] == ["analyst"]
        window = AuditQuery.model_validate(
            {"from": T0 + timedelta(minutes=1), "to": T0 + timedelta(minutes=3)}
        )
        assert len((await audit.page(window, after=None)).items) == 2
        case = await audit.page(AuditQuery(incident_id=CASE), after=None)
        assert len(case.items) == 5


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET subject = 'someone-else'", "DELETE FROM audit_log"],
)
async def test_the_database_refuses_to_change_the_log(
    registry_database_url: str, statement: str
) -> None:
    async with open_registry(registry_database_url) as registry:
        await registry.audit.record(OPERATOR, "incident.read", incident_id=CASE)
        with pytest.raises(DBAPIError, match="append-only"):
            async with registry.engine.begin() as conn:
                await conn.execute(text(statement))
        page = await registry.audit.page(AuditQuery(), after=None)
        assert [e["subject"] for e in page.items] == ["operator-1"]
