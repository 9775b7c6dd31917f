"""FastStream's NATS metrics with each subject reduced to its pattern."""

from __future__ import annotations

from typing import Any

from faststream.nats.prometheus import NatsPrometheusMiddleware
from faststream.nats.prometheus.provider import (
    BatchNatsMetricsSettingsProvider,
    NatsMetricsSettingsProvider,
)

_PREFIXES = ("weerbaar.events.", "weerbaar.timers.", "weerbaar.dead.", "weerbaar.changed.")


def subject_pattern(subject: str) -> str:
    """A subject as a metric label: the token at its end (an incident id, a timer's
    stage) and every id-shaped token before it (a timer's assignment id) become `*`,
    so the number of series stays bounded (and no id reaches a label)."""
    head, _, last = subject.rpartition(".")
    if not (head.startswith(_PREFIXES) and last):
        return subject
    return (
        ".".join("*" if len(t) == 36 and t.count("-") == 4 else t for t in head.split(".")) + ".*"
    )


class _Bounded:
    """What both of FastStream's providers (one message, a batch) report, with each
    subject as its pattern."""

    def get_consume_attrs_from_message(self, msg: Any) -> Any:
        attrs = super().get_consume_attrs_from_message(msg)  # type: ignore[misc]
        attrs["destination_name"] = subject_pattern(attrs["destination_name"])
        return attrs

    def get_publish_destination_name_from_cmd(self, cmd: Any) -> str:
        return subject_pattern(super().get_publish_destination_name_from_cmd(cmd))  # type: ignore[misc]


class _BoundedProvider(_Bounded, NatsMetricsSettingsProvider):
    pass


class _BoundedBatchProvider(_Bounded, BatchNatsMetricsSettingsProvider):
    pass


def _bounded_provider(msg: Any) -> Any:
    if isinstance(msg, list | tuple):
        return _BoundedBatchProvider()
    return _BoundedProvider()


class BoundedNatsPrometheusMiddleware(NatsPrometheusMiddleware):
    """FastStream's NATS metrics with subjects reduced to their pattern."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._settings_provider_factory = _bounded_provider
