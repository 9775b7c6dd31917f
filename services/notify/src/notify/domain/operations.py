"""What operations see of notify: dead letters, circuit states and consumer lag. Plain
data, no I/O; the clock is passed in."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """What is shown of a dead letter: where it came from and why, never its content."""

    seq: int
    parked_at: datetime | None
    reason: str
    error_type: str
    original_subject: str
    event_type: str | None
    event_id: str | None
    incident_id: str | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["parked_at"] = self.parked_at.isoformat() if self.parked_at else None
        return data

    def age_s(self, now: datetime) -> float | None:
        """Seconds since it was parked (None when the server did not say when)."""
        if self.parked_at is None:
            return None
        return max(0.0, (now - self.parked_at).total_seconds())

    @property
    def redrivable_in_bulk(self) -> bool:
        """A failed delivery may succeed now; an invalid message would only fail again,
        so "re-drive all" leaves it (one by one it can still be re-driven)."""
        return self.reason == "failed"


@dataclass(frozen=True, slots=True)
class Redriven:
    seq: int
    subject: str
    stream_seq: int


@dataclass(frozen=True, slots=True)
class CircuitReading:
    """One provider's circuit breaker now: closed, half_open or open."""

    channel: str
    provider: str
    state: str


@dataclass(frozen=True, slots=True)
class ConsumerLag:
    """A durable consumer's backlog: not yet delivered, and delivered but not acked."""

    stream: str
    durable: str
    num_pending: int
    num_ack_pending: int
    num_redelivered: int
