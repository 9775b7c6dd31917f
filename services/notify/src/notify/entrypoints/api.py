"""Notify's HTTP API for operations: the dead letters (list, re-drive one or all) and
notify's status (circuit states of the SMTP server and SMS gateways, consumer lag).
Reading is for ops and coordinators, re-driving for ops only; every re-drive is
audited (notify.service.operations)."""

from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from contracts.events import utcnow
from notify.domain.operations import CircuitReading, DeadLetter, Redriven
from notify.service import operations
from weerbaar_runtime.auth import Access, Principal, Security
from weerbaar_runtime.http import ProblemError, problem_doc, unavailable


class DeadLetterOut(BaseModel):
    seq: int = Field(description="Its sequence on WEERBAAR_DEAD_LETTERS (what a re-drive names)")
    parked_at: datetime | None
    age_s: float | None = Field(description="Seconds since it was parked")
    reason: str = Field(description="failed (every attempt failed) or invalid (unreadable)")
    error_type: str = Field(description="The last error, e.g. SMTPConnectError or HTTP503")
    original_subject: str
    event_type: str | None
    event_id: str | None
    incident_id: str | None


class DeadLettersOut(BaseModel):
    at: datetime
    items: list[DeadLetterOut] = Field(description="Oldest first")
    next_after: int | None = Field(description="`after` for the next page (null: the last)")


class RedrivenOut(BaseModel):
    seq: int
    subject: str = Field(description="The subject its event was published on again")
    stream_seq: int = Field(description="The event's new sequence on WEERBAAR_EVENTS")


class RedriveAllOut(BaseModel):
    redriven: list[RedrivenOut]
    refused: list[int] = Field(description="Dead letters that could not go back")
    more: bool = Field(description="More failed dead letters are left: re-drive again")


class CircuitOut(BaseModel):
    channel: str
    provider: str
    state: str = Field(description="closed, half_open or open")


class ConsumerOut(BaseModel):
    stream: str
    durable: str
    num_pending: int = Field(description="Messages not yet delivered to the consumer")
    num_ack_pending: int = Field(description="Delivered, not yet acknowledged")
    num_redelivered: int


class StatusOut(BaseModel):
    at: datetime
    nats: bool = Field(description="Whether NATS answered (false: no consumer lag)")
    circuits: list[CircuitOut]
    consumers: list[ConsumerOut]


def _letter(letter: DeadLetter, now: datetime) -> DeadLetterOut:
    return DeadLetterOut(**letter.as_dict(), age_s=letter.age_s(now))


def _redriven(done: Redriven) -> RedrivenOut:
    return RedrivenOut(seq=done.seq, subject=done.subject, stream_seq=done.stream_seq)


def _unavailable() -> ProblemError:
    return unavailable("NATS cannot be reached; try again shortly.")


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_doc("No dead letter of notify's has this sequence")
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: problem_doc("NATS cannot be reached")}


def build_router(
    store: operations.OperationsPort,
    circuits: Callable[[], Sequence[CircuitReading]],
    security: Security,
) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["operations"])
    readers = security.allow(Access.OPS, Access.COORDINATOR, what="read notify's operations")
    redrivers = security.allow(Access.OPS, what="re-drive dead letters")
    Reader = Annotated[Principal, Depends(readers)]
    Redriver = Annotated[Principal, Depends(redrivers)]

    @router.get("/dead-letters", responses=UNAVAILABLE)
    async def list_dead_letters(
        principal: Reader,
        after: Annotated[int, Query(ge=0, description="The `next_after` of the page before")] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> DeadLettersOut:
        """Notify's dead letters, oldest first, with why and how long ago (never their
        content: addresses stay in the stream)."""
        now = utcnow()
        try:
            page = await operations.dead_letters(store=store, after=after, limit=limit)
        except operations.OperationsUnavailableError:
            raise _unavailable() from None
        return DeadLettersOut(
            at=now, items=[_letter(d, now) for d in page.items], next_after=page.next_after
        )

    @router.post(
        "/dead-letters/redrive",
        responses=UNAVAILABLE,
        summary="Re-drive every failed dead letter",
    )
    async def redrive_all(principal: Redriver) -> RedriveAllOut:
        """Publish every dead letter that failed (not the invalid ones) again on its
        original subject; what was delivered before is not sent twice. Audited."""
        try:
            done = await operations.redrive_all(store=store, principal=principal, now=utcnow())
        except operations.OperationsUnavailableError:
            raise _unavailable() from None
        return RedriveAllOut(
            redriven=[_redriven(d) for d in done.redriven], refused=done.refused, more=done.more
        )

    @router.post(
        "/dead-letters/{seq}/redrive",
        responses={
            **NOT_FOUND,
            **UNAVAILABLE,
            409: problem_doc("The dead letter has no event notify handles to go back to"),
        },
        summary="Re-drive one dead letter",
    )
    async def redrive_one(principal: Redriver, seq: Annotated[int, Path(ge=1)]) -> RedrivenOut:
        """Publish the dead letter's event again on its original subject, then delete the
        dead letter. Audited."""
        try:
            done = await operations.redrive(store=store, principal=principal, seq=seq, now=utcnow())
        except operations.UnknownDeadLetterError:
            raise ProblemError(404, "Not found", f"No dead letter {seq}.") from None
        except operations.NotRedrivableError as exc:
            raise ProblemError(409, "Conflict", str(exc)) from None
        except operations.OperationsUnavailableError:
            raise _unavailable() from None
        return _redriven(done)

    @router.get("/status")
    async def notify_status(principal: Reader) -> StatusOut:
        """The circuit breaker of each provider (SMTP server, SMS gateways) and the lag
        of every durable consumer."""
        found = await operations.status(store=store, circuits=circuits)
        return StatusOut(
            at=utcnow(),
            nats=found.nats,
            circuits=[CircuitOut(**asdict(c)) for c in found.circuits],
            consumers=[ConsumerOut(**asdict(c)) for c in found.consumers],
        )

    return router
