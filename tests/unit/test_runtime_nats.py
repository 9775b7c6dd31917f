"""The shared NATS helpers that need no server."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from weerbaar_runtime.closing import close_for_good, end_task
from weerbaar_runtime.nats import LazyBucket


class FlakyBroker:
    """Binds a bucket only from the second attempt on, and counts the attempts."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    async def key_value(self, bucket: str, *, declare: bool = True) -> Any:
        self.calls.append((bucket, declare))
        if len(self.calls) == 1:
            raise ConnectionError("not yet")
        return {"bucket": bucket}


async def test_a_lazy_bucket_binds_once_on_first_use_and_retries_a_failed_bind() -> None:
    broker = FlakyBroker()
    bucket = LazyBucket(broker, "weerbaar-test")  # type: ignore[arg-type]
    assert broker.calls == []
    with pytest.raises(ConnectionError):
        await bucket()
    first = await bucket()
    again = await bucket()
    assert first is again
    assert first == {"bucket": "weerbaar-test"}
    assert broker.calls == [("weerbaar-test", False), ("weerbaar-test", False)]


class TimedConnection:
    def __init__(self) -> None:
        self.timeouts: list[float] = []

    def jetstream(self, *, timeout: float) -> TimedConnection:
        self.timeouts.append(timeout)
        return self

    async def key_value(self, bucket: str) -> Any:
        return {"bucket": bucket, "timeout": self.timeouts[-1]}


async def test_a_lazy_bucket_with_a_timeout_binds_through_a_jetstream_context_of_its_own() -> None:
    broker = FlakyBroker()
    broker.connection = TimedConnection()  # type: ignore[attr-defined]
    bucket = LazyBucket(broker, "weerbaar-test", timeout_s=1.0)  # type: ignore[arg-type]
    assert await bucket() == {"bucket": "weerbaar-test", "timeout": 1.0}
    assert broker.calls == []  # not the broker's context, whose timeout is 5 s


class Reconnecting:
    """A client whose reconnect task loses the first cancellation, as nats-py's does on
    Python 3.11 when `wait_for` guards a connection attempt that was refused at once,
    and then goes on retrying; its `close()` never gets an answer."""

    def __init__(self) -> None:
        self.attempts = 0
        self._reconnection_task = asyncio.create_task(self._reconnect())

    async def _reconnect(self) -> None:
        lost = False
        while True:
            try:
                self.attempts += 1
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                if lost:
                    raise
                lost = True
                asyncio.current_task().uncancel()  # type: ignore[union-attr]

    async def close(self) -> None:
        await asyncio.sleep(3600)


async def test_a_connection_still_reconnecting_is_closed_for_good() -> None:
    client = Reconnecting()
    await asyncio.sleep(0.05)
    assert await close_for_good(client) is True
    assert client._reconnection_task.done()
    attempts = client.attempts
    await asyncio.sleep(0.05)
    assert client.attempts == attempts  # no more retries after the close


async def test_ending_a_task_that_is_already_done_or_missing_is_a_no_op() -> None:
    done = asyncio.create_task(asyncio.sleep(0))
    await done
    assert await end_task(done) is True
    assert await end_task(None) is True


def test_a_subject_label_keeps_no_id_so_the_series_stay_bounded() -> None:
    from weerbaar_runtime.metric_labels import subject_pattern

    incident, assignment = uuid.uuid4(), uuid.uuid4()
    assert subject_pattern(f"weerbaar.events.incident.reported.{incident}") == (
        "weerbaar.events.incident.reported.*"
    )
    # a timer's schedule names its assignment before its stage
    assert subject_pattern(f"weerbaar.timers.schedule.ack.{assignment}.2") == (
        "weerbaar.timers.schedule.ack.*.*"
    )
    assert subject_pattern(f"weerbaar.timers.due.ack.{incident}") == "weerbaar.timers.due.ack.*"
    assert subject_pattern("$JS.API.STREAM.INFO.WEERBAAR_EVENTS") == (
        "$JS.API.STREAM.INFO.WEERBAAR_EVENTS"
    )
