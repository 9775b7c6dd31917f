"""Subject names, streams, key-value buckets and durable consumers: all in one place.

Services bind to what `weerbaar-provision` created and never declare anything.
Every event subject is `weerbaar.events.<event type>.<incident id>`, so a consumer
filters on the type and a single incident's history is addressable by subject.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

SUBJECT_PREFIX = "weerbaar.events"
EVENTS_STREAM = "WEERBAAR_EVENTS"
DEAD_LETTER_STREAM = "WEERBAAR_DEAD_LETTERS"
DEAD_LETTER_PREFIX = "weerbaar.dead"
TIMERS_STREAM = "WEERBAAR_TIMERS"
TIMER_PREFIX = "weerbaar.timers"
TIMER_SCHEDULE_PREFIX = f"{TIMER_PREFIX}.schedule"
"""`weerbaar.timers.schedule.<kind>.<assignment id>.<stage>`: a pending timer, stored as a
JetStream message schedule (one per subject; publishing again replaces it)."""
TIMER_DUE_PREFIX = f"{TIMER_PREFIX}.due"
"""`weerbaar.timers.due.<kind>.<incident id>`: where the server publishes a timer when it
is due; routing's `routing-timers` durable consumes only these."""

CHANGED_PREFIX = "weerbaar.changed"
"""The registry's change feed on core NATS (not JetStream): `weerbaar.changed.<kind>.<id>`."""

IDEMPOTENCY_BUCKET = "weerbaar_idempotency"
KEYS_BUCKET = "weerbaar_keys"
ROUTING_BUCKET = "weerbaar_routing"
NOTIFY_BUCKET = "weerbaar_notify_delivered"
CONSOLE_SESSIONS_BUCKET = "weerbaar_console_sessions"


def event_subject(event_type: str, incident_id: uuid.UUID | str) -> str:
    """The subject of one event of one incident."""
    return f"{SUBJECT_PREFIX}.{event_type}.{incident_id}"


def event_filter(event_type: str) -> str:
    """The subject filter that matches every event of one type."""
    return f"{SUBJECT_PREFIX}.{event_type}.*"


ALL_EVENTS = f"{SUBJECT_PREFIX}.>"


def inbox_prefix(user: str | None) -> str:
    """Where a NATS user receives its replies: `_INBOX_<user>`, so its permissions can
    name its own prefix and no other user can subscribe to its replies (the shared
    `_INBOX` without a user, as in tests and on a server without permissions)."""
    return f"_INBOX_{user}" if user else "_INBOX"


def changed_subject(kind: str, record_id: uuid.UUID | str) -> str:
    """The change-feed subject of one record (`incident` or `registration`)."""
    return f"{CHANGED_PREFIX}.{kind}.{record_id}"


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """A JetStream stream the system needs."""

    name: str
    subjects: tuple[str, ...]
    description: str
    duplicate_window_s: float = 600.0
    max_age_s: float = 0.0
    work_queue: bool = False
    schedules: bool = False
    """Holds JetStream message schedules (`Nats-Schedule`, nats-server 2.12 and later)."""
    deny_delete: bool = False
    """No message can be deleted through the API (once set, the server refuses to unset it)."""
    deny_purge: bool = False
    """The stream cannot be purged (once set, the server refuses to unset it)."""


@dataclass(frozen=True, slots=True)
class ConsumerSpec:
    """A durable pull consumer; `filter_subjects` narrow the stream to what it handles."""

    stream: str
    durable: str
    filter_subjects: tuple[str, ...]
    description: str
    max_deliver: int = -1
    ack_wait_s: float = 30.0
    max_ack_pending: int = 1000


@dataclass(frozen=True, slots=True)
class BucketSpec:
    """A JetStream key-value bucket."""

    name: str
    description: str
    ttl_s: float = 0.0
    history: int = 1
    erasable: bool = False
    """A message may be deleted (securely erased) by its id: the key store's, so an
    erasure leaves no copy of a destroyed key (other buckets deny it, as KV does)."""


@dataclass(frozen=True, slots=True)
class Topology:
    """Everything `weerbaar-provision` creates."""

    streams: tuple[StreamSpec, ...]
    consumers: tuple[ConsumerSpec, ...]
    buckets: tuple[BucketSpec, ...] = field(default=())


ROUTING_CONSUMER = ConsumerSpec(
    stream=EVENTS_STREAM,
    durable="routing",
    filter_subjects=(
        event_filter("incident.reported"),
        event_filter("assignment.acknowledged"),
        event_filter("action.recorded"),
        event_filter("incident.closed"),
        event_filter("incident.reopened"),
        event_filter("notification.failed"),
        event_filter("incident.details_updated"),
        event_filter("assignment.requested"),
        event_filter("assignment.declined"),
    ),
    description="Routing assigns, tracks acknowledgements and activity, escalates, and "
    "handles hand assignments, declines and urgency changes",
    # The handler retries with backoff and parks a message after 10 failed attempts, so
    # the server never gives up on its own (-1); a message takes milliseconds, 30 s
    # covers a stalled process before redelivery; fetches of 64, so 1,000 in hand is a
    # burst's worth without holding work from a second routing process.
    max_deliver=-1,
    ack_wait_s=30.0,
    max_ack_pending=1000,
)
ROUTING_TIMERS_CONSUMER = ConsumerSpec(
    stream=TIMERS_STREAM,
    durable="routing-timers",
    filter_subjects=(
        f"{TIMER_DUE_PREFIX}.>",
        # Timers stored before message schedules, held back by delayed negative
        # acknowledgements: each is rescheduled once on delivery.
        f"{TIMER_PREFIX}.ack.*",
        f"{TIMER_PREFIX}.idle.*",
    ),
    description="Routing's deadlines and reminders, delivered when the server fires them",
    # A fired timer is settled within milliseconds, and one being handled is kept in
    # progress every second; one handed to a routing process that was killed before
    # settling it must come back within the 5 s an escalation may be late, so 3 s (the
    # handling is compare-and-set, so a second delivery changes nothing).
    ack_wait_s=3.0,
    # Only fired timers are delivered, each settled within milliseconds; a pending timer
    # waits in the stream as a schedule and counts against no consumer limit.
    max_ack_pending=1000,
)
NOTIFY_CONSUMER = ConsumerSpec(
    stream=EVENTS_STREAM,
    durable="notify",
    filter_subjects=(
        event_filter("adviser.assigned"),
        event_filter("assignment.escalated"),
        event_filter("assignment.reminder_due"),
    ),
    description="Notify pages the assigned adviser, tells the previous one of an "
    "escalation and sends reminders",
    # A page may wait on a slow SMTP relay or gateway (timeouts of seconds, failover
    # between channels): 30 s before redelivery; notify retries for up to 15 minutes
    # (NOTIFY_MAX_RETRY_S) with at most 60 attempts, so 64 deliveries before the server
    # stops (the handler parks it as a dead letter first); 1,000 in hand.
    max_deliver=64,
    ack_wait_s=30.0,
    max_ack_pending=1000,
)
REGISTRY_CONSUMER = ConsumerSpec(
    stream=EVENTS_STREAM,
    durable="registry",
    filter_subjects=(ALL_EVENTS,),
    description="The registry projects every event into SQL",
    # Up to 512 messages are being projected while the next fetch of 256 waits, each
    # group commit within seconds: 5,000 in hand, 30 s before redelivery, never given
    # up by the server (the handler parks what cannot be projected).
    max_deliver=-1,
    ack_wait_s=30.0,
    max_ack_pending=5000,
)

TOPOLOGY = Topology(
    streams=(
        StreamSpec(
            name=EVENTS_STREAM,
            subjects=(ALL_EVENTS,),
            description="Every event of every incident and registration; kept for replay",
            # The history is the record: nothing may delete or purge it. Erasure shreds a
            # key (the case's data key in the key store) and deletes no message.
            deny_delete=True,
            deny_purge=True,
        ),
        StreamSpec(
            name=TIMERS_STREAM,
            subjects=(f"{TIMER_PREFIX}.>",),
            description="Acknowledgement deadlines and reminders: schedules until due, "
            "then fired timers until handled",
            work_queue=True,
            schedules=True,
        ),
        StreamSpec(
            name=DEAD_LETTER_STREAM,
            subjects=(f"{DEAD_LETTER_PREFIX}.>",),
            description="Messages a consumer gave up on, kept for inspection and re-drive",
        ),
    ),
    consumers=(ROUTING_CONSUMER, ROUTING_TIMERS_CONSUMER, NOTIFY_CONSUMER, REGISTRY_CONSUMER),
    buckets=(
        BucketSpec(
            name=IDEMPOTENCY_BUCKET,
            description="Idempotency-Key → request fingerprint and incident id",
            ttl_s=7 * 24 * 3600.0,
        ),
        BucketSpec(
            name=KEYS_BUCKET,
            description="Each case's data key, wrapped with a key-encryption key; an "
            "erasure destroys it (docs/privacy.md)",
            erasable=True,
        ),
        BucketSpec(name=ROUTING_BUCKET, description="Routing's state per incident"),
        BucketSpec(
            name=NOTIFY_BUCKET,
            description="Notifications already delivered, checked before sending",
            ttl_s=30 * 24 * 3600.0,
        ),
        BucketSpec(
            name=CONSOLE_SESSIONS_BUCKET,
            description="Console sessions by the hash of their cookie; a session unused "
            "this long is gone even if the console never removed it",
            ttl_s=24 * 3600.0,
        ),
    ),
)
