"""The queue's filters of `GET /v1/incidents` (SQLite and PostgreSQL): unroutable, last
page failed on every channel, a minimum of escalations, no activity since a moment;
the list items carry what the queue shows; bad values are a 422 problem; the
migration gives open cases their facts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from contracts.events import AssignmentEscalated, Event, derive_id
from registry.adapters.migrate import alembic_config, upgrade
from tests.support import auth
from tests.support.casework_events import action, unroutable
from tests.support.events import (
    T0,
    acknowledged,
    assigned,
    notification_failed,
    notification_sent,
    reported,
)
from tests.support.registry import open_registry
from tests.support.registry_api import Publisher, registry_app

HOUR = timedelta(hours=1)


def case(name: str, events: list[Event]) -> list[Event]:
    """The events as one case of their own (ids derived from `name`)."""
    incident = derive_id("queue-case", name)
    out = []
    for n, e in enumerate(events):
        update: dict[str, Any] = {"incident_id": incident, "event_id": derive_id(name, n)}
        out.append(e.model_copy(update=update))
    return out


def page(assignment: uuid.UUID, adviser: str, *, ok: bool, at: Any) -> Event:
    e = (notification_sent if ok else notification_failed)(at=at)
    return e.model_copy(update={"assignment_id": assignment, "adviser_id": adviser})


def escalation(level: int, at: Any) -> Event:
    return AssignmentEscalated.model_validate(
        {
            "event_id": uuid.uuid4(),
            "incident_id": uuid.uuid4(),
            "occurred_at": at,
            "producer": "routing",
            "previous_assignment_id": uuid.uuid4(),
            "previous_adviser_id": "ngb-01",
            "reason": "notification_failed",
            "escalation_level": level,
        }
    )


A1, A2, A3 = (derive_id("assignment", n) for n in range(3))
CASES = {
    "nobody": case("nobody", [reported(at=T0), unroutable(at=T0 + timedelta(seconds=1))]),
    "placed_later": case(
        "placed_later",
        [reported(at=T0), unroutable(at=T0 + HOUR), assigned(at=T0 + 2 * HOUR, assignment_id=A1)],
    ),
    "mail_down": case(
        "mail_down",
        [
            reported(at=T0),
            assigned(at=T0, assignment_id=A1, adviser_id="ngb-01"),
            page(A1, "ngb-01", ok=False, at=T0 + HOUR),
            escalation(1, T0 + HOUR),
            assigned(at=T0 + HOUR, assignment_id=A2, adviser_id="ngb-02", n=1),
            page(A2, "ngb-02", ok=False, at=T0 + 2 * HOUR),
            escalation(2, T0 + 2 * HOUR),
            assigned(at=T0 + 2 * HOUR, assignment_id=A3, adviser_id="ngb-03", n=2),
        ],
    ),
    "second_reached": case(
        "second_reached",
        [
            reported(at=T0),
            assigned(at=T0, assignment_id=A1, adviser_id="ngb-01"),
            page(A1, "ngb-01", ok=False, at=T0 + HOUR),
            escalation(1, T0 + HOUR),
            assigned(at=T0 + HOUR, assignment_id=A2, adviser_id="ngb-02", n=1),
            page(A2, "ngb-02", ok=True, at=T0 + HOUR),
        ],
    ),
    "idle": case(
        "idle",
        [reported(at=T0), assigned(at=T0), acknowledged(at=T0 + HOUR)],
    ),
    "busy": case(
        "busy",
        [
            reported(at=T0),
            assigned(at=T0),
            acknowledged(at=T0 + HOUR),
            action(at=T0 + 6 * HOUR),
        ],
    ),
}
ID = {name: str(events[0].incident_id) for name, events in CASES.items()}


@pytest.fixture
async def api(registry_database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    async with open_registry(registry_database_url) as registry:
        await registry.projector.write([e for events in CASES.values() for e in events])
        app = registry_app(registry, Publisher(registry))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://registry.test",
            headers=auth.COORDINATOR,
        ) as client:
            yield client, registry


async def found(client: httpx.AsyncClient, **params: Any) -> dict[str, dict[str, Any]]:
    answer = await client.get("/v1/incidents", params=params)
    assert answer.status_code == 200, answer.text
    return {item["incident_id"]: item for item in answer.json()["items"]}


def names(items: dict[str, Any]) -> set[str]:
    return {name for name, ident in ID.items() if ident in items}


async def test_each_filter_finds_its_cases(api: Any) -> None:
    client, _ = api
    assert names(await found(client, unroutable="true")) == {"nobody"}
    assert names(await found(client, unroutable="false")) == set(ID) - {"nobody"}
    assert names(await found(client, page_failed="true")) == {"mail_down"}
    assert names(await found(client, min_escalations=2)) == {"mail_down"}
    assert names(await found(client, min_escalations=1)) == {"mail_down", "second_reached"}
    before = (T0 + 2 * HOUR).isoformat()
    idle = await found(client, last_activity_before=before, status="acknowledged")
    assert names(idle) == {"idle"}
    # an action counts as activity, a page or an escalation does not
    assert "busy" not in names(await found(client, last_activity_before=before))
    assert "mail_down" in names(await found(client, last_activity_before=before))


async def test_the_items_carry_what_the_queue_shows(api: Any) -> None:
    client, _ = api
    items = await found(client, limit=50)
    mail_down = items[ID["mail_down"]]
    assert mail_down["page_failed"] is True
    assert mail_down["failed_advisers"] == ["ngb-01", "ngb-02"]
    assert mail_down["escalations"] == 2
    assert mail_down["status"] == "assigned"
    assert items[ID["second_reached"]]["failed_advisers"] == ["ngb-01"]
    assert items[ID["second_reached"]]["page_failed"] is False
    assert items[ID["nobody"]]["unroutable"] is True
    assert items[ID["nobody"]]["assignment"] is None
    assert items[ID["placed_later"]]["unroutable"] is False
    idle = items[ID["idle"]]
    assert idle["status"] == "acknowledged"
    assert idle["last_activity_at"].startswith((T0 + HOUR).strftime("%Y-%m-%dT%H:%M"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("unroutable", "yes"),
        ("unroutable", "1"),
        ("page_failed", "maybe"),
        ("min_escalations", "0"),
        ("min_escalations", "2.0"),
        ("min_escalations", " 2"),
        ("min_escalations", "101"),
        ("last_activity_before", "gisteren"),
        ("last_activity_before", "2026-12-01T08:00"),
    ],
)
async def test_a_bad_value_is_a_problem_naming_the_field(api: Any, name: str, value: str) -> None:
    client, _ = api
    answer = await client.get("/v1/incidents", params={name: value})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert name in answer.text


async def test_the_migration_gives_open_cases_their_facts(api: Any) -> None:
    client, registry = api
    before = await found(client, limit=50)

    def downgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")

    async with registry.engine.begin() as conn:
        await conn.run_sync(downgrade)
        columns = (await conn.execute(text("SELECT * FROM incidents LIMIT 1"))).keys()
        assert "page_failed" not in list(columns)
    await upgrade(registry.engine)
    assert await found(client, limit=50) == before
