"""The reviewed settings of every stream and consumer, as JetStream configurations,
and how an existing stream differs from them (what `weerbaar-provision` checks)."""

from __future__ import annotations

from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)

from contracts.subjects import ConsumerSpec, StreamSpec

_REVIEWED = (
    "subjects",
    "retention",
    "storage",
    "num_replicas",
    "duplicate_window",
    "max_age",
    "allow_direct",
    "allow_msg_schedules",
    "deny_delete",
    "deny_purge",
    "max_msgs",
    "max_bytes",
    "max_msgs_per_subject",
    "max_msg_size",
    "discard",
    "sealed",
)
"""The settings `stream_config` states, compared with an existing stream's."""
_UNSET = ("mirror", "sources", "republish", "subject_transform", "placement")
"""Settings a reviewed stream never has: any of them copies or redirects its messages."""


def stream_config(spec: StreamSpec, replicas: int) -> StreamConfig:
    """The JetStream configuration of one stream."""
    return StreamConfig(
        name=spec.name,
        description=spec.description,
        subjects=list(spec.subjects),
        retention=RetentionPolicy.WORK_QUEUE if spec.work_queue else RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=spec.duplicate_window_s,
        max_age=spec.max_age_s,
        allow_direct=True,
        allow_msg_schedules=True if spec.schedules else None,
        deny_delete=spec.deny_delete,
        deny_purge=spec.deny_purge,
        # the limits, stated so that a stream cut down to a few messages is noticed
        max_msgs=-1,
        max_bytes=-1,
        max_msgs_per_subject=-1,
        max_msg_size=-1,
        discard=DiscardPolicy.OLD,
        sealed=False,
    )


def stream_drift(wanted: StreamConfig, actual: StreamConfig) -> list[str]:
    """How an existing stream differs from its reviewed configuration, one line a setting."""
    have, want = actual.as_dict(), wanted.as_dict()
    drift = [
        f"{key}: {have.get(key)!r}, reviewed {value!r}"
        for key in _REVIEWED
        if have.get(key) != (value := want.get(key))
    ]
    return drift + [f"{key}: {have[key]!r}, reviewed none" for key in _UNSET if have.get(key)]


def consumer_config(spec: ConsumerSpec) -> ConsumerConfig:
    """The JetStream configuration of one durable pull consumer."""
    filters = list(spec.filter_subjects)
    return ConsumerConfig(
        name=spec.durable,
        durable_name=spec.durable,
        description=spec.description,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=spec.ack_wait_s,
        max_deliver=spec.max_deliver,
        max_ack_pending=spec.max_ack_pending,
        filter_subject=filters[0] if len(filters) == 1 else None,
        filter_subjects=filters if len(filters) > 1 else None,
    )
