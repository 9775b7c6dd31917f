"""The log allowlist: unknown keys redacted, exception messages and tracebacks dropped."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog

from weerbaar_runtime.logging import Throttle, configure_logging, get_logger

SECRET = "Canary de Vries +31600000000"


@pytest.fixture
def lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    stream = io.StringIO()
    configure_logging(service="test", level="DEBUG", json=True, stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    structlog.reset_defaults()
    logging.getLogger().handlers[:] = []


def test_unknown_keys_are_redacted(lines: Callable[[], list[dict[str, Any]]]) -> None:
    get_logger("t").info("reported", incident_id="abc", official_name=SECRET)
    (record,) = lines()
    assert record["incident_id"] == "abc"
    assert record["official_name"] == "[redacted]"


def test_exception_is_type_and_frames_only(lines: Callable[[], list[dict[str, Any]]]) -> None:
    try:
        raise ValueError(SECRET)
    except ValueError as exc:
        get_logger("t").error("failed", exc_info=exc)
    (record,) = lines()
    assert record["error_type"] == "ValueError"
    assert record["frames"]
    assert SECRET not in json.dumps(record)


def test_a_library_traceback_in_the_message_is_dropped(
    lines: Callable[[], list[dict[str, Any]]],
) -> None:
    logging.getLogger("uvicorn.error").error(
        "Exception in ASGI application\nTraceback (most recent call last):\n  ...\nValueError: %s",
        SECRET,
    )
    try:
        raise KeyError(SECRET)
    except KeyError:
        logging.getLogger("some.library").exception("boom")
    records = lines()
    assert len(records) == 2
    assert SECRET not in json.dumps(records)
    assert records[0]["event"] == "Exception in ASGI application"
    assert records[1]["error_type"] == "KeyError"


def test_a_throttled_line_comes_once_an_interval_with_the_count_held_back() -> None:
    now = [0.0]
    throttle = Throttle(60.0, clock=lambda: now[0])
    assert throttle("sms") == 0
    assert throttle("sms") is None
    assert throttle("sms") is None
    assert throttle("webhook") == 0  # each key on its own
    now[0] = 61.0
    assert throttle("sms") == 2
    assert throttle("sms") is None
