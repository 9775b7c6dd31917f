"""A durable pull consumer's loop on nats-py itself.

FastStream's subscriber runs every message through its middleware (logging,
Prometheus), its dependency injection and an anyio task group before the handler
sees it: a tenth to a seventh of a consumer's CPU at 100 incidents/s, for nothing
the settling here does not do itself. The subscriber FastStream knows stays (it is
what the AsyncAPI document is made from, and the broker starts and stops it), but
it starts and stops this loop instead: a prompt fetch (the first message as soon as
it is there, then whatever else is ready), each message handled in a task of its
own, at most `window` at once (the next fetch taken while they are), or, without a
window, a whole fetch handled before the next."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from faststream.nats import NatsBroker
from faststream.nats.message import NatsMessage
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from prometheus_client import Histogram

from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.nats import SHUTDOWN_GRACE_S, fetch_promptly, pull_inbox

_log = get_logger("consumer")

HANDLING = Histogram(
    "weerbaar_message_handling_seconds",
    "From a message's delivery to the service until it is settled (acknowledged, handed "
    "back or parked), by durable consumer",
    ["consumer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

FETCH_WAIT_S = 1.0
"""How long one pull request waits for a first message before it is made again."""
ERROR_PAUSE_S = 0.5
"""The pause after a fetch failed for another reason than finding nothing (the
connection lost, the consumer's leader gone): the client reconnects meanwhile."""


class Settleable(Protocol):
    """A delivered message as the settling functions take it: FastStream's
    `NatsMessage`, or `Delivered`."""

    @property
    def raw_message(self) -> Any: ...

    async def ack(self) -> None: ...

    async def nack(self, delay: float | None = None) -> None: ...

    async def in_progress(self) -> None: ...


class Delivered:
    """One delivered message as the settling functions take it (the same methods as
    FastStream's `NatsMessage`)."""

    __slots__ = ("raw_message",)

    def __init__(self, raw: Msg) -> None:
        self.raw_message = raw

    async def ack(self) -> None:
        await self.raw_message.ack()

    async def nack(self, delay: float | None = None) -> None:
        await self.raw_message.nak(delay=delay)

    async def in_progress(self) -> None:
        await self.raw_message.in_progress()


def delivered_message(broker: NatsBroker) -> NatsMessage:
    """The message a handler was called for, from the broker's context.

    A handler parameter annotated as the message (FastStream's `Context` field) is
    resolved per message in a worker thread, with a task group around it (3.6-6.5 % of
    a consumer's profile samples at 100 incidents/s). Read from the context, the
    handler asks for nothing but the decoded event (routing's timers; the event
    consumers are called by `PullLoop`, with the message)."""
    message: NatsMessage = broker.context.get_local("message")
    return message


class PullLoop:
    """Fetches from one durable consumer and hands each message to `handle`, which
    settles it and never raises."""

    def __init__(
        self,
        broker: NatsBroker,
        *,
        stream: str,
        durable: str,
        handle: Callable[[Delivered], Coroutine[Any, Any, None]],
        batch: int,
        window: int | None,
    ) -> None:
        self._broker = broker
        self._stream = stream
        self._durable = durable
        self._handle = handle
        self._batch = max(1, batch)
        self._window = window
        self._subscription: Any = None
        self._task: asyncio.Task[None] | None = None
        self._handling: set[asyncio.Task[None]] = set()
        self._seconds = HANDLING.labels(durable)

    async def start(self) -> None:
        if self._task is not None:
            return
        js = self._broker.connection.jetstream()
        self._subscription = await js.pull_subscribe_bind(
            durable=self._durable, stream=self._stream, inbox_prefix=pull_inbox(self._broker)
        )
        self._task = asyncio.create_task(self._run(), name=f"pull-{self._durable}")

    async def stop(self) -> None:
        """Stop fetching; what is being handled gets `SHUTDOWN_GRACE_S` to finish and
        is cancelled after (left unacknowledged: JetStream delivers it again)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._handling:
            _, pending = await asyncio.wait(set(self._handling), timeout=SHUTDOWN_GRACE_S)
            for left in pending:
                left.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    async def _run(self) -> None:
        room = asyncio.Semaphore(self._window) if self._window else None
        while True:
            try:
                messages: list[Msg] = await fetch_promptly(
                    self._subscription, self._batch, timeout_s=FETCH_WAIT_S
                )
            except TimeoutError:
                continue
            except (NatsError, OSError) as exc:
                _log.debug("fetch failed", consumer=self._durable, error_type=type(exc).__name__)
                await asyncio.sleep(ERROR_PAUSE_S)
                continue
            if room is None:  # tasks too, so a stop gives them their grace
                if messages:
                    await asyncio.wait([self._spawn(m, None) for m in messages])
                continue
            for message in messages:
                await room.acquire()
                self._spawn(message, room)

    def _spawn(self, message: Msg, room: asyncio.Semaphore | None) -> asyncio.Task[None]:
        task = asyncio.create_task(self._timed(message))
        self._handling.add(task)
        task.add_done_callback(functools.partial(self._handled, room))
        return task

    async def _timed(self, message: Msg) -> None:
        started = time.perf_counter()
        try:
            await self._handle(Delivered(message))
        finally:
            self._seconds.observe(time.perf_counter() - started)

    def _handled(self, room: asyncio.Semaphore | None, task: asyncio.Task[None]) -> None:
        self._handling.discard(task)
        if room is not None:
            room.release()
