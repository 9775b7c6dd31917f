"""Operations on JetStream through notify's own connection: its dead letters
(notify.adapters.deadletters) and the lag of every durable consumer of the topology,
read with `$JS.API.CONSUMER.LIST.<stream>` (one request per stream, and no right to
bind another service's durable)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from faststream.nats import NatsBroker
from nats.errors import Error as NatsError
from nats.js.client import JetStreamContext

from contracts.subjects import TOPOLOGY
from notify.adapters.deadletters import DeadLetterError, DeadLetters, UnknownDeadLetterError
from notify.domain.operations import ConsumerLag, DeadLetter, Redriven
from notify.service import operations
from weerbaar_runtime.logging import get_logger

_log = get_logger("notify.operations")
T = TypeVar("T")


class JetStreamOperations:
    """`notify.service.operations.OperationsPort` on the broker's connection."""

    def __init__(self, broker: NatsBroker, *, timeout_s: float = 5.0) -> None:
        self._broker = broker
        self._timeout_s = timeout_s

    def _js(self) -> JetStreamContext:
        try:
            nc = self._broker.connection
        except Exception:  # faststream: not started yet
            raise operations.OperationsUnavailableError from None
        if nc is None or not nc.is_connected:
            raise operations.OperationsUnavailableError
        return nc.jetstream(timeout=self._timeout_s)

    async def _call(self, work: Callable[[JetStreamContext], Awaitable[T]]) -> T:
        js = self._js()
        try:
            return await work(js)
        except UnknownDeadLetterError as exc:
            raise operations.UnknownDeadLetterError(str(exc)) from None
        except DeadLetterError as exc:
            raise operations.NotRedrivableError(str(exc)) from None
        except (NatsError, TimeoutError, OSError) as exc:
            _log.warning("nats did not answer", error_type=type(exc).__name__)
            raise operations.OperationsUnavailableError from None

    async def dead_letters(self, *, after: int, limit: int | None) -> list[DeadLetter]:
        return await self._call(lambda js: DeadLetters(js).list(after=after, limit=limit))

    async def redrive(self, seq: int, *, by: str) -> Redriven:
        return await self._call(lambda js: DeadLetters(js).redrive(seq, by=by))

    async def consumers(self) -> list[ConsumerLag]:
        async def read(js: JetStreamContext) -> list[ConsumerLag]:
            wanted = {(c.stream, c.durable) for c in TOPOLOGY.consumers}
            found: list[ConsumerLag] = []
            for stream in sorted({c.stream for c in TOPOLOGY.consumers}):
                for info in await js.consumers_info(stream):
                    name = info.name or (info.config.durable_name if info.config else None)
                    if (stream, name) not in wanted or name is None:
                        continue
                    found.append(
                        ConsumerLag(
                            stream=stream,
                            durable=name,
                            num_pending=int(info.num_pending or 0),
                            num_ack_pending=int(info.num_ack_pending or 0),
                            num_redelivered=int(info.num_redelivered or 0),
                        )
                    )
            order = [(c.stream, c.durable) for c in TOPOLOGY.consumers]
            return sorted(found, key=lambda lag: order.index((lag.stream, lag.durable)))

        return await self._call(read)
