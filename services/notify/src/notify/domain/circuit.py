"""A circuit breaker per provider: stop calling a provider that keeps failing, and try
it again (one probe at a time) after a while. Plain state, the clock injected."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class CircuitState(StrEnum):
    CLOSED = "closed"
    HALF_OPEN = "half_open"
    OPEN = "open"


class CircuitBreaker:
    """Closed → open after `failure_threshold` failures in a row; open → half-open after
    `reset_after_s`, when one probe is let through: its success closes the circuit,
    its failure opens it again. A probe that never reports back (its task was cancelled)
    is given up on after another `reset_after_s`."""

    def __init__(
        self,
        *,
        failure_threshold: int,
        reset_after_s: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[CircuitState], None] | None = None,
    ) -> None:
        self._threshold = max(1, failure_threshold)
        self._reset_after_s = reset_after_s
        self._clock = clock
        self._on_change = on_change
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_started_at: float | None = None
        if on_change is not None:
            on_change(self._state)

    @property
    def state(self) -> CircuitState:
        if (
            self._state is CircuitState.OPEN
            and self._clock() - self._opened_at >= self._reset_after_s
        ):
            self._set(CircuitState.HALF_OPEN)
        return self._state

    def allow(self) -> bool:
        """Whether a call may go through now (a half-open circuit lets one probe in)."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.OPEN:
            return False
        now = self._clock()
        if self._probe_started_at is not None and now - self._probe_started_at < (
            self._reset_after_s
        ):
            return False
        self._probe_started_at = now
        return True

    def success(self) -> None:
        self._failures = 0
        self._probe_started_at = None
        if self._state is not CircuitState.CLOSED:
            self._set(CircuitState.CLOSED)

    def failure(self) -> None:
        self._probe_started_at = None
        if self._state is CircuitState.HALF_OPEN:
            self._open()
            return
        self._failures += 1
        if self._state is CircuitState.CLOSED and self._failures >= self._threshold:
            self._open()

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._set(CircuitState.OPEN)

    def _set(self, state: CircuitState) -> None:
        if state is self._state:
            return
        self._state = state
        if self._on_change is not None:
            self._on_change(state)
