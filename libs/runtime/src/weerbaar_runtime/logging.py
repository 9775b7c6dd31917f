"""Structured logs that cannot carry personal data.

Only allow-listed keys pass; every other key's value is replaced. Exceptions are
logged as their type and frames, never their message, which often holds the data.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog

ALLOWED_KEYS = frozenset(
    {
        "event",
        "level",
        "timestamp",
        "logger",
        "component",
        "service",
        "version",
        "incident_id",
        "event_id",
        "event_type",
        "assignment_id",
        "notification_id",
        "registration_id",
        "adviser_id",
        "pool",
        "urgency",
        "status",
        "channel",
        "role",
        "count",
        "batch_size",
        "duration_ms",
        "attempt",
        "attempts",
        "delay_s",
        "error_type",
        "frames",
        "stream",
        "consumer",
        "subject_type",
        "host",
        "port",
        "url",
        "method",
        "path",
        "status_code",
        "reason",
        "environment",
        "database",
        "mailbox",
        "escalation_level",
        # notify: configured provider names, the notification's purpose, circuit state
        "provider",
        "purpose",
        "circuit",
        # a throttled line: how many like it were held back since the last one
        "held_back",
    }
)
REDACTED = "[redacted]"


def redact_unknown_keys(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Replace the value of every key that is not on the allowlist."""
    for key in list(event_dict):
        if key not in ALLOWED_KEYS:
            event_dict[key] = REDACTED
    return event_dict


def _frames(tb: Any) -> list[str]:
    return [f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_tb(tb)][-8:]


def exception_without_message(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Turn `exc_info` into the exception's type and frames, dropping its message."""
    exc_info = event_dict.pop("exc_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if exc_info and exc_info[0] is not None:
        event_dict["error_type"] = exc_info[0].__name__
        event_dict["frames"] = _frames(exc_info[2])
    return event_dict


def _stdlib_record_without_message(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    record = event_dict.get("_record")
    if record is not None and record.exc_info:
        event_dict["exc_info"] = record.exc_info
        record.exc_info = None
        record.exc_text = None
    event_dict.pop("_record", None)
    event_dict.pop("_from_structlog", None)
    # Some libraries put a formatted traceback, messages included, into the text.
    message = event_dict.get("event")
    if isinstance(message, str) and "Traceback (most recent call last)" in message:
        event_dict["event"] = message.split("Traceback (most recent call last)")[0].strip() or (
            "error (traceback omitted)"
        )
    return event_dict


def configure_logging(
    *, service: str, level: str = "INFO", json: bool = True, stream: TextIO | None = None
) -> None:
    """Configure structlog and the standard library to write allow-listed records."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    tail: Iterable[Any] = (
        exception_without_message,
        redact_unknown_keys,
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(),
    )
    structlog.configure(
        processors=[*shared, *tail],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[_stdlib_record_without_message, *tail],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "nats"):
        named = logging.getLogger(name)
        named.handlers[:] = []
        named.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    """A structlog logger bound to a component name."""
    return structlog.get_logger(component=name)


class Throttle:
    """At most one log line per key per `interval_s`, for a condition that may hold for
    every message (a channel nobody configured, a pool with nobody fully available):
    `throttle(key)` is None while lines are held back, else how many were since the last
    one (log it as `held_back`). The metrics still count every occurrence."""

    def __init__(self, interval_s: float = 60.0, clock: Any = time.monotonic) -> None:
        self._interval_s = interval_s
        self._clock = clock
        self._last: dict[Any, tuple[float, int]] = {}

    def __call__(self, key: Any) -> int | None:
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last[0] < self._interval_s:
            self._last[key] = (last[0], last[1] + 1)
            return None
        self._last[key] = (now, 0)
        return 0 if last is None else last[1]
