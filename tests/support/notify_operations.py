"""A stand-in for notify's JetStream operations (notify.service.operations.OperationsPort)
and the app that serves notify's operations API over it, for the unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from notify.domain.operations import CircuitReading, ConsumerLag, DeadLetter, Redriven
from notify.entrypoints.api import build_router
from notify.service import operations
from notify.settings import NotifySettings
from weerbaar_runtime.bootstrap import Service, service_app
from weerbaar_runtime.nats import build_broker

PARKED = datetime.now(UTC) - timedelta(minutes=42)


def letter(seq: int, *, reason: str = "failed", incident: str | None = None) -> DeadLetter:
    return DeadLetter(
        seq=seq,
        parked_at=PARKED,
        reason=reason,
        error_type="SMTPConnectError" if reason == "failed" else "ValidationError",
        original_subject=f"weerbaar.events.adviser.assigned.{incident or seq}",
        event_type="adviser.assigned",
        event_id=None,
        incident_id=incident,
    )


@dataclass
class FakeOperations:
    letters: list[DeadLetter] = field(default_factory=list)
    down: bool = False
    redriven: list[tuple[int, str]] = field(default_factory=list)
    unredrivable: set[int] = field(default_factory=set)

    def _check(self) -> None:
        if self.down:
            raise operations.OperationsUnavailableError

    async def dead_letters(self, *, after: int, limit: int | None) -> list[DeadLetter]:
        self._check()
        found = [d for d in self.letters if d.seq > after]
        return found if limit is None else found[:limit]

    async def redrive(self, seq: int, *, by: str) -> Redriven:
        self._check()
        found = next((d for d in self.letters if d.seq == seq), None)
        if found is None:
            raise operations.UnknownDeadLetterError(f"no dead letter {seq}")
        if seq in self.unredrivable:
            raise operations.NotRedrivableError(f"dead letter {seq} is not an event notify handles")
        self.letters.remove(found)
        self.redriven.append((seq, by))
        return Redriven(seq=seq, subject=found.original_subject, stream_seq=1000 + seq)

    async def consumers(self) -> list[ConsumerLag]:
        self._check()
        return [
            ConsumerLag("WEERBAAR_EVENTS", "routing", 0, 0, 0),
            ConsumerLag("WEERBAAR_EVENTS", "notify", 3, 1, 2),
        ]


def circuits() -> list[CircuitReading]:
    return [CircuitReading("email", "smtp", "open"), CircuitReading("sms", "alpha", "closed")]


def operations_app(store: FakeOperations) -> FastAPI:
    settings = NotifySettings(_env_file=None)  # type: ignore[call-arg]
    return service_app(
        settings,
        Service(
            name="notify",
            title="Weerbaar notify",
            summary="test",
            broker=build_broker(settings, service="notify"),
            routers=[lambda security: build_router(store, circuits, security)],
        ),
    )


class AuditRecorder:
    """Takes the place of notify.service.operations' audit logger."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def info(self, event: str, **values: Any) -> None:
        self.records.append({"event": event, **values})
