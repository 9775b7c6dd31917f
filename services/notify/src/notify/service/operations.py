"""Operations' use cases: list notify's dead letters, re-drive one or all of them (each
re-drive audited: who, what, when), and notify's status (circuit states, consumer lag).

Notify keeps no database, so its audit trail is a structured log line per re-drive on
the `notify.audit` logger (action, who, what, when, outcome), and the event published
again carries who re-drove it (`Weerbaar-Redriven-By`), so the event stream records it
too."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from notify.domain.operations import CircuitReading, ConsumerLag, DeadLetter, Redriven
from weerbaar_runtime.auth import Principal
from weerbaar_runtime.logging import get_logger

_audit = get_logger("notify.audit")

REDRIVE_ALL_AT_MOST = 500
"""One "re-drive all" handles at most this many; it says when more are left."""


class OperationsUnavailableError(Exception):
    """NATS cannot be reached (or did not answer in time)."""


class UnknownDeadLetterError(Exception):
    """No dead letter of notify's has this sequence."""


class NotRedrivableError(Exception):
    """The dead letter exists but cannot go back (no event subject notify handles)."""


class OperationsPort(Protocol):
    async def dead_letters(self, *, after: int, limit: int | None) -> list[DeadLetter]: ...

    async def redrive(self, seq: int, *, by: str) -> Redriven: ...

    async def consumers(self) -> list[ConsumerLag]: ...


@dataclass(frozen=True, slots=True)
class DeadLetterPage:
    items: list[DeadLetter]
    next_after: int | None
    """Pass as `after` for the next page (None: this was the last)."""


async def dead_letters(*, store: OperationsPort, after: int, limit: int) -> DeadLetterPage:
    found = await store.dead_letters(after=after, limit=limit + 1)
    more = len(found) > limit
    items = found[:limit]
    return DeadLetterPage(items=items, next_after=items[-1].seq if more and items else None)


def _record(principal: Principal, *, now: datetime, seq: int, outcome: str, **what: object) -> None:
    _audit.info(
        "dead letter re-drive",
        audit=True,
        action="dead_letter.redrive",
        actor=principal.subject,
        role=principal.role.value,
        seq=seq,
        outcome=outcome,
        at=now.isoformat(),
        **what,
    )


async def redrive(
    *, store: OperationsPort, principal: Principal, seq: int, now: datetime
) -> Redriven:
    """Re-drive one dead letter; the attempt is audited whatever its outcome."""
    try:
        done = await store.redrive(seq, by=principal.key)
    except UnknownDeadLetterError:
        _record(principal, now=now, seq=seq, outcome="unknown")
        raise
    except NotRedrivableError:
        _record(principal, now=now, seq=seq, outcome="refused")
        raise
    except OperationsUnavailableError:
        _record(principal, now=now, seq=seq, outcome="unavailable")
        raise
    _record(
        principal,
        now=now,
        seq=seq,
        outcome="redriven",
        subject=done.subject,
        stream_seq=done.stream_seq,
    )
    return done


@dataclass(frozen=True, slots=True)
class RedriveAll:
    redriven: list[Redriven] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    more: bool = False
    """More dead letters were left than one request handles."""


async def redrive_all(*, store: OperationsPort, principal: Principal, now: datetime) -> RedriveAll:
    """Every dead letter that failed (not the invalid ones), at most REDRIVE_ALL_AT_MOST."""
    letters = [d for d in await store.dead_letters(after=0, limit=None) if d.redrivable_in_bulk]
    result = RedriveAll(more=len(letters) > REDRIVE_ALL_AT_MOST)
    for letter in letters[:REDRIVE_ALL_AT_MOST]:
        try:
            done = await redrive(store=store, principal=principal, seq=letter.seq, now=now)
        except (UnknownDeadLetterError, NotRedrivableError):
            result.refused.append(letter.seq)
            continue
        result.redriven.append(done)
    return result


@dataclass(frozen=True, slots=True)
class Status:
    circuits: list[CircuitReading]
    consumers: list[ConsumerLag]
    nats: bool
    """Whether NATS answered (without it there is no lag to show)."""


async def status(
    *, store: OperationsPort, circuits: Callable[[], Sequence[CircuitReading]]
) -> Status:
    try:
        consumers = await store.consumers()
        reachable = True
    except OperationsUnavailableError:
        consumers, reachable = [], False
    return Status(circuits=list(circuits()), consumers=consumers, nats=reachable)
