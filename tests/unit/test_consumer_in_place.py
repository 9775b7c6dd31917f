"""A handler whose publish failed (an election under way) is tried again in place,
its message kept in progress, not handed back with a nak that a dying consumer leader
may lose."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from contracts.events import Event, IncidentClosed
from weerbaar_runtime import consumer, in_place
from weerbaar_runtime.nats import PublishFailedError


class Message:
    def __init__(self) -> None:
        self.raw_message = SimpleNamespace(
            metadata=SimpleNamespace(num_delivered=1, timestamp=None), subject="s", data=b""
        )
        self.settled: list[str] = []
        self.beats = 0

    async def ack(self) -> None:
        self.settled.append("ack")

    async def nack(self, delay: float | None = None) -> None:
        self.settled.append("nack")

    async def in_progress(self) -> None:
        self.beats += 1


def event() -> Event:
    return IncidentClosed.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "incident_id": str(uuid.uuid4()),
            "occurred_at": "2026-12-02T02:00:00Z",
            "producer": "test",
            "adviser_id": "adviser-1",
        }
    )


async def test_a_failed_publish_is_tried_again_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(in_place, "IN_PROGRESS_EVERY_S", 0.01)
    calls: list[int] = []

    async def handler(_event: Event, attempt: int) -> None:
        calls.append(attempt)
        if len(calls) < 3:
            raise PublishFailedError("TimeoutError")

    msg: Any = Message()
    await consumer.settle(SimpleNamespace(), msg, event(), handler, consumer="test")
    assert calls == [1, 1, 1]  # the same delivery, tried three times
    assert msg.settled == ["ack"]


async def test_in_place_gives_way_to_redelivery_after_its_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(in_place, "RETRY_IN_PLACE_S", 0.3)
    calls = 0

    async def handler(_event: Event, _attempt: int) -> None:
        nonlocal calls
        calls += 1
        raise PublishFailedError("NoRespondersError")

    msg: Any = Message()
    await consumer.settle(SimpleNamespace(), msg, event(), handler, consumer="test")
    assert calls >= 1
    assert msg.settled == ["nack"]


async def test_other_failures_are_handed_back_at_once() -> None:
    calls = 0

    async def handler(_event: Event, _attempt: int) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("a bug")

    msg: Any = Message()
    await consumer.settle(SimpleNamespace(), msg, event(), handler, consumer="test")
    assert calls == 1
    assert msg.settled == ["nack"]


async def test_a_store_that_is_down_never_parks_a_message() -> None:
    async def handler(_event: Event, _attempt: int) -> None:
        raise consumer.UnavailableError("OperationalError")

    msg: Any = Message()
    msg.raw_message.metadata.num_delivered = 50  # far past max_attempts
    await consumer.settle(SimpleNamespace(), msg, event(), handler, consumer="test")
    assert msg.settled == ["nack"]


def test_the_database_not_answering_is_told_from_a_bad_statement() -> None:
    import sqlite3

    import asyncpg
    from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

    from registry.adapters.engine import database_unavailable

    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    assert database_unavailable(locked)
    assert database_unavailable(ConnectionRefusedError())
    assert database_unavailable(asyncpg.exceptions.AdminShutdownError("shutting down"))
    assert database_unavailable(asyncpg.exceptions.ConnectionDoesNotExistError("gone"))
    # SQLAlchemy's asyncpg adapter wraps the driver's error, raised from it
    adapted = RuntimeError("adapted")
    adapted.__cause__ = asyncpg.exceptions.CannotConnectNowError("the system is starting up")
    assert database_unavailable(DBAPIError("connect", {}, adapted))
    duplicate = IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint"))
    assert not database_unavailable(duplicate)
    assert not database_unavailable(ValueError("a bug"))
