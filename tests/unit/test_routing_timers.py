"""A timer's identity, the message schedule it becomes, and how soon a failed one is
tried again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from routing.adapters.timers import schedule_headers
from routing.domain.timers import Timer
from routing.entrypoints.timers import retry_delay_s
from tests.support.events import INCIDENT_ID

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_timer_identity() -> None:
    timer = Timer(kind="ack", incident_id=INCIDENT_ID, assignment_id=uuid.uuid4(), due_at=NOW)
    assert timer.subject == f"weerbaar.timers.due.ack.{INCIDENT_ID}"
    assert timer.schedule_subject == f"weerbaar.timers.schedule.ack.{timer.assignment_id}.1"
    assert timer.msg_id.startswith("timer:ack:")
    # The same timer due at another moment is another message (a new schedule replaces
    # the pending one on the same subject); the same timer again is the same message.
    earlier = timer.model_copy(update={"due_at": NOW - timedelta(minutes=5)})
    assert earlier.schedule_subject == timer.schedule_subject
    assert earlier.msg_id != timer.msg_id
    assert timer.model_copy().msg_id == timer.msg_id


def test_a_timer_is_scheduled_for_its_due_time_in_utc() -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    due = datetime(2026, 3, 29, 3, 0, 0, 250_000, tzinfo=amsterdam)
    timer = Timer(kind="idle", incident_id=INCIDENT_ID, assignment_id=uuid.uuid4(), due_at=due)
    headers = schedule_headers(timer)
    assert headers["Nats-Schedule"] == "@at 2026-03-29T01:00:00.250Z"
    assert headers["Nats-Schedule-Target"] == timer.subject
    assert headers["Nats-Msg-Id"] == timer.msg_id


def test_a_failed_timer_is_tried_again_within_two_seconds_however_often_it_failed() -> None:
    delays = [retry_delay_s(attempt) for attempt in range(1, 50) for _ in range(20)]
    assert all(0 <= d <= 2.0 for d in delays)
    assert max(delays) > 1.0  # it does back off
