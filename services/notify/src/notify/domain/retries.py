"""When to send and when to stop trying: which notifications of a dispatch are due, and
after an attempt whether it is done, tried again later, or given up.

A policy decides which notifications are due at a given moment; `next_step` decides
the rest. The final attempt (by count or by time) tries every channel, so a slow
failover never leaves a channel untried.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from notify.domain.notifications import Notification, Policy


@dataclass(frozen=True, slots=True)
class RetryRules:
    """Bounds on trying: attempts and time (from when the event reached the stream)."""

    max_attempts: int
    max_retry_s: float
    base_s: float
    cap_s: float
    failover_delay_s: float


def due(
    notifications: Sequence[Notification],
    *,
    policy: Policy,
    delivered: Collection[uuid.UUID],
    elapsed_s: float,
    failover_delay_s: float,
    final: bool = False,
) -> list[Notification]:
    """The notifications to (re)try now: started and not yet delivered. The final
    attempt starts every channel, so none is given up on without being tried."""
    if is_done(notifications, policy=policy, delivered=delivered):
        return []
    started = (
        len(notifications)
        if final
        else started_count(
            len(notifications), policy=policy, elapsed_s=elapsed_s, delay_s=failover_delay_s
        )
    )
    return [n for n in notifications[:started] if n.notification_id not in delivered]


def is_final(attempt: int, *, elapsed_s: float, rules: RetryRules) -> bool:
    """Whether an attempt that starts now is the last one (by count or by time)."""
    return attempt >= rules.max_attempts or elapsed_s >= rules.max_retry_s


def started_count(total: int, *, policy: Policy, elapsed_s: float, delay_s: float) -> int:
    """How many of the channels, from the first, have been started by now."""
    if policy is Policy.IMPORTANT or total == 0:
        return total
    if delay_s <= 0:
        return total
    return min(total, 1 + math.floor(max(0.0, elapsed_s) / delay_s))


def is_done(
    notifications: Sequence[Notification], *, policy: Policy, delivered: Collection[uuid.UUID]
) -> bool:
    """Important: every channel delivered. Default: any channel delivered."""
    ids = [n.notification_id for n in notifications]
    if policy is Policy.IMPORTANT:
        return all(i in delivered for i in ids)
    return any(i in delivered for i in ids)


def next_start_in(total: int, *, policy: Policy, elapsed_s: float, delay_s: float) -> float | None:
    """Seconds until the next channel starts, or None when every channel has."""
    started = started_count(total, policy=policy, elapsed_s=elapsed_s, delay_s=delay_s)
    if started >= total:
        return None
    return max(0.0, started * delay_s - elapsed_s)


def retry_delay(
    attempt: int, *, base_s: float, cap_s: float, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter: uniform(0, min(cap, base * 2^(attempt-1)))."""
    ceiling = min(cap_s, base_s * 2 ** min(max(attempt, 1) - 1, 30))
    return (rng or random).uniform(0.0, ceiling)


@dataclass(frozen=True, slots=True)
class Done:
    """Nothing left to send."""


@dataclass(frozen=True, slots=True)
class Retry:
    """Try again after `delay_s`."""

    delay_s: float


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Out of attempts or time: report the given notifications as failed."""

    failed: tuple[Notification, ...]


Step = Done | Retry | GiveUp


def next_step(
    notifications: Sequence[Notification],
    *,
    policy: Policy,
    delivered: Collection[uuid.UUID],
    attempt: int,
    elapsed_s: float,
    rules: RetryRules,
    final: bool,
    rng: random.Random | None = None,
) -> Step:
    """After an attempt: done, retry (and when), or, after the final attempt, give up
    on whatever is still undelivered."""
    if is_done(notifications, policy=policy, delivered=delivered):
        return Done()
    if final:
        return GiveUp(failed=tuple(n for n in notifications if n.notification_id not in delivered))
    delay = retry_delay(attempt, base_s=rules.base_s, cap_s=rules.cap_s, rng=rng)
    starting = next_start_in(
        len(notifications), policy=policy, elapsed_s=elapsed_s, delay_s=rules.failover_delay_s
    )
    if starting is not None:
        delay = min(delay, starting)
    # The final try falls at the time bound, not after it.
    return Retry(delay_s=max(0.0, min(delay, rules.max_retry_s - elapsed_s)))
