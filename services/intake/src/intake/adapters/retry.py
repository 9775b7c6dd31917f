"""Riding over a JetStream leader election: a write that failed because the stream or
bucket had no leader for a moment is tried again, within a budget, before the caller
is told to come back later (a 503).

Trying again is safe: an event carries its id as `Nats-Msg-Id` (a repeat within the
duplicate window is dropped by the stream), and an idempotency claim that did land
is found again on the next try (the key exists with the same fingerprint).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.nats import PublishFailedError

_log = get_logger("intake")

T = TypeVar("T")

PAUSES_S = (0.05, 0.1, 0.2, 0.4)
"""Between tries that failed at once (no responders); the last one repeats."""

MIN_TRY_S = 0.1
"""A try with less time than this left in the budget is not made."""


async def within(
    budget_s: float,
    attempt: Callable[[float], Awaitable[T]],
    *,
    timeout_s: float,
    what: str,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """`attempt(timeout)` until it succeeds or `budget_s` (from now) is spent, then its
    last PublishFailedError. The first try gets `timeout_s`, a later one what is left
    of the budget if that is less; with no budget there is one try."""
    deadline = clock() + budget_s
    tries = 0
    timeout = timeout_s
    while True:
        try:
            return await attempt(timeout)
        except PublishFailedError as exc:
            pause = PAUSES_S[min(tries, len(PAUSES_S) - 1)]
            tries += 1
            timeout = min(timeout_s, deadline - clock() - pause)
            if timeout < MIN_TRY_S:
                _log.warning(
                    "jetstream write failed", reason=what, error_type=str(exc), tries=tries
                )
                raise
        await sleep(pause)
