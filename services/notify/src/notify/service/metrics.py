"""Notify's Prometheus metrics. Labels are channels, configured provider names,
purposes and outcomes: never an address, a name or anything else personal."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import Counter, Gauge, Histogram

from notify.domain.circuit import CircuitState

ATTEMPTS = Counter(
    "weerbaar_notify_attempts_total",
    "Send attempts per channel and provider (outcome: delivered, failed, circuit_open)",
    ["channel", "provider", "outcome"],
)
DELIVERIES = Counter(
    "weerbaar_notify_deliveries_total",
    "Notifications delivered",
    ["channel", "provider", "purpose"],
)
GAVE_UP = Counter(
    "weerbaar_notify_failures_total",
    "Notifications given up after every attempt (notification.failed published)",
    ["channel", "purpose"],
)
RETRIES = Counter(
    "weerbaar_notify_retries_total",
    "Retries scheduled for a notification that was not delivered",
    ["channel"],
)
DEAD_LETTERS = Counter(
    "weerbaar_notify_dead_letters_total",
    "Events parked as dead letters after their notifications failed",
    ["purpose"],
)
ALREADY_DELIVERED = Counter(
    "weerbaar_notify_already_delivered_total",
    "Redelivered events whose notification was already delivered, so not sent again",
    ["channel"],
)
SEND_SECONDS = Histogram(
    "weerbaar_notify_delivery_seconds",
    "Time one send to a provider took",
    ["channel", "provider"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LATENCY = Histogram(
    "weerbaar_notify_latency_seconds",
    "From the event that asked for a notification to its delivery",
    ["channel", "purpose"],
    buckets=(0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900),
)
CIRCUIT_STATE = Gauge(
    "weerbaar_notify_circuit_state",
    "Circuit breaker per provider: 0 closed, 1 half-open, 2 open",
    ["channel", "provider"],
)
CIRCUIT_OPENED = Counter(
    "weerbaar_notify_circuit_opened_total",
    "Times a provider's circuit opened",
    ["channel", "provider"],
)

_STATE_VALUE = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}


def circuit_watcher(channel: str, provider: str) -> Callable[[CircuitState], None]:
    """A breaker's on_change callback that keeps the gauge (and the open count) current."""

    def on_change(state: CircuitState) -> None:
        CIRCUIT_STATE.labels(channel, provider).set(_STATE_VALUE[state])
        if state is CircuitState.OPEN:
            CIRCUIT_OPENED.labels(channel, provider).inc()

    return on_change
