"""Notify's circuit breaker per provider: closed, open, half-open with one probe."""

from __future__ import annotations

from notify.domain.circuit import CircuitBreaker, CircuitState


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, changes: list[CircuitState] | None = None) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=3,
        reset_after_s=30,
        clock=clock,
        on_change=changes.append if changes is not None else None,
    )


def test_circuit_opens_after_consecutive_failures_only() -> None:
    clock = Clock()
    circuit = breaker(clock)
    circuit.failure()
    circuit.failure()
    circuit.success()  # resets the count
    circuit.failure()
    circuit.failure()
    assert circuit.state is CircuitState.CLOSED
    circuit.failure()
    assert circuit.state is CircuitState.OPEN
    assert not circuit.allow()


def test_circuit_half_opens_after_the_reset_time_and_lets_one_probe_in() -> None:
    clock = Clock()
    changes: list[CircuitState] = []
    circuit = breaker(clock, changes)
    for _ in range(3):
        circuit.failure()
    clock.now += 29
    assert not circuit.allow()
    clock.now += 1
    assert circuit.allow()  # the probe
    assert circuit.state is CircuitState.HALF_OPEN
    assert not circuit.allow()  # only one at a time
    circuit.success()
    assert circuit.state is CircuitState.CLOSED
    assert circuit.allow()
    assert changes == [
        CircuitState.CLOSED,
        CircuitState.OPEN,
        CircuitState.HALF_OPEN,
        CircuitState.CLOSED,
    ]


def test_a_failed_probe_opens_the_circuit_again() -> None:
    clock = Clock()
    circuit = breaker(clock)
    for _ in range(3):
        circuit.failure()
    clock.now += 30
    assert circuit.allow()
    circuit.failure()
    assert circuit.state is CircuitState.OPEN
    clock.now += 29
    assert not circuit.allow()


def test_a_probe_that_never_reports_back_is_given_up_on() -> None:
    clock = Clock()
    circuit = breaker(clock)
    for _ in range(3):
        circuit.failure()
    clock.now += 30
    assert circuit.allow()
    clock.now += 10
    assert not circuit.allow()
    clock.now += 20
    assert circuit.allow()
