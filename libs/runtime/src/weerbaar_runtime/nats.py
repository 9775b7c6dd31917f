"""The NATS connection every service makes, bound to its own credentials."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable
from typing import Any

from faststream.nats import NatsBroker
from faststream.nats.security import NatsUserPassword
from nats.errors import Error as NatsError
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue
from prometheus_client import REGISTRY, Counter

from contracts.events import Event
from contracts.subjects import EVENTS_STREAM, event_filter, inbox_prefix
from weerbaar_runtime.closing import close_for_good
from weerbaar_runtime.logging import get_logger
from weerbaar_runtime.metric_labels import BoundedNatsPrometheusMiddleware
from weerbaar_runtime.settings import ServiceSettings

_log = get_logger("nats")


async def _error_cb(exc: Exception) -> None:
    kind = type(exc).__name__
    if "permission" in str(exc).lower():
        _log.error("nats permission violation", error_type=kind, reason="permissions")
    else:
        _log.warning("nats connection error", error_type=kind)


_stopping = False  # set when the service closes its own connection on shutdown


async def _disconnected_cb() -> None:
    if _stopping:
        _log.info("nats connection closed")
    else:
        _log.warning("nats disconnected")


async def _reconnected_cb() -> None:
    _log.info("nats reconnected")


PING_INTERVAL_S = 1
"""The client pings its server every second..."""
MAX_OUTSTANDING_PINGS = 2
"""...and drops the connection when three in a row went unanswered: a member that is
frozen (SIGSTOP, a stalled VM) or cut off without a FIN is left for another within
about 3 s instead of nats-py's default 240 s (120 s pings, 2 outstanding), while the
kernel would keep the dead connection open and every request on it would time out."""


SHUTDOWN_GRACE_S = 5.0
"""How long a stopping service waits for its handlers in flight to finish (FastStream's
`graceful_timeout`, 15 s unless told), and then for the connection to drain: a handler
cut short is not acknowledged, so JetStream hands its message out again."""


def build_broker(settings: ServiceSettings, *, service: str, **options: Any) -> NatsBroker:
    """A FastStream NATS broker: nothing connects until it is started.

    Reconnecting goes to the next server of `NATS_URL` at once; a server tried less
    than `reconnect_time_wait` (1 s) ago is waited for, so a whole cluster coming back
    is found within a second; connecting to one that accepts but never answers (frozen)
    gives up after `NATS_CONNECT_TIMEOUT_S`."""
    security = None
    if settings.nats_user and settings.nats_password:
        security = NatsUserPassword(
            username=settings.nats_user, password=settings.nats_password.get_secret_value()
        )
    return NatsBroker(
        settings.nats_servers(),
        security=security,
        name=f"weerbaar-{service}",
        inbox_prefix=inbox_prefix(settings.nats_user),
        connect_timeout=int(max(1, settings.nats_connect_timeout_s)),
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        ping_interval=PING_INTERVAL_S,
        max_outstanding_pings=MAX_OUTSTANDING_PINGS,
        error_cb=_error_cb,
        disconnected_cb=_disconnected_cb,
        reconnected_cb=_reconnected_cb,
        middlewares=[
            BoundedNatsPrometheusMiddleware(registry=REGISTRY, app_name=f"weerbaar_{service}")
        ],
        logger=None,
        graceful_timeout=SHUTDOWN_GRACE_S,
        **options,
    )


def pull_inbox(broker: NatsBroker) -> bytes:
    """The delivery prefix of a pull subscriber: the broker's own inbox prefix (FastStream
    passes nats-py's default `_INBOX.` to each pull subscription unless told)."""
    prefix = broker._connection_kwargs.get("inbox_prefix") or "_INBOX"
    return (prefix.encode() if isinstance(prefix, str) else bytes(prefix)) + b"."


class PublishFailedError(Exception):
    """The event could not be stored in JetStream (unreachable, timed out, refused)."""


PUBLISHED = Counter(
    "weerbaar_published_total",
    "Messages stored in JetStream by the service, by stream",
    ["stream"],
)


async def publish_stored(
    broker: NatsBroker,
    subject: str,
    payload: bytes,
    *,
    stream: str,
    headers: dict[str, str],
    timeout_s: float,
) -> None:
    """Store one message in a stream on nats-py itself; returns only after JetStream's
    PubAck (FastStream's publish ran its middleware around every one, which cost more
    than the publish). `PublishFailedError` when it was not stored."""
    try:
        js = _contexts.get((id(broker.connection), timeout_s))
        if js is None or js._nc is not broker.connection:
            js = broker.connection.jetstream(timeout=timeout_s)
            _contexts[(id(broker.connection), timeout_s)] = js
        await js.publish(subject, payload, stream=stream, headers=headers)
    except (NatsError, TimeoutError, OSError) as exc:
        raise PublishFailedError(type(exc).__name__) from exc
    PUBLISHED.labels(stream).inc()


_contexts: dict[tuple[int, float], JetStreamContext] = {}


async def publish_event(broker: NatsBroker, event: Event, *, timeout_s: float = 5.0) -> None:
    """Store one event in the events stream; returns only after JetStream's PubAck.

    `Nats-Msg-Id` is the event id, so a repeated publish within the stream's duplicate
    window is dropped by JetStream itself."""
    await publish_stored(
        broker,
        event.subject(),
        event.model_dump_json().encode(),
        stream=EVENTS_STREAM,
        headers={"Nats-Msg-Id": event.msg_id(), "content-type": "application/json"},
        timeout_s=timeout_s,
    )


class LazyBucket:
    """A JetStream KV bucket bound on first use, once the broker is connected: a
    service starts before NATS is reachable (or its bucket provisioned) and binds the
    bucket when it first needs it; a failed bind is tried again on the next use.

    `timeout_s`: how long each read or write waits for JetStream (else the broker's
    JetStream default of 5 s)."""

    def __init__(self, broker: NatsBroker, name: str, *, timeout_s: float | None = None) -> None:
        self._broker = broker
        self.name = name
        self.timeout_s = timeout_s
        self._kv: KeyValue | None = None

    async def __call__(self) -> KeyValue:
        if self._kv is None:
            if self.timeout_s is None:
                self._kv = await self._broker.key_value(self.name, declare=False)
            else:
                js = self._broker.connection.jetstream(timeout=self.timeout_s)
                self._kv = await js.key_value(self.name)
        return self._kv


async def start_with_retry(broker: NatsBroker, *, what: str, delay_s: float = 1.0) -> None:
    """Start the broker (connect and bind subscribers), retrying until it works."""
    while True:
        try:
            await broker.start()
            deliver_promptly(broker)
            _log.info("broker started", reason=what)
            return
        except Exception as exc:
            _log.warning("broker not started, retrying", error_type=type(exc).__name__, reason=what)
            with contextlib.suppress(Exception):
                await broker.stop()
            await asyncio.sleep(delay_s)


def document_publishers(broker: NatsBroker, events: Iterable[type[Event]]) -> None:
    """Declare what a service publishes, for its AsyncAPI document.

    Events are published on their own subjects (`Event.subject()`); these declarations
    carry the subject pattern and the payload schema."""
    for event in events:
        broker.publisher(
            event_filter(event.TYPE),
            schema=event,
            title=event.TYPE,
            description=(event.__doc__ or event.TYPE).split("\n")[0],
        )


async def _take_available(subscription: Any, limit: int, timeout_s: float) -> list[Any]:
    """Whatever the consumer has ready now, up to `limit`, without waiting for more."""
    await subscription._nc.publish(
        subscription._nms,
        json.dumps({"batch": limit, "no_wait": True}).encode(),
        subscription._deliver,
    )
    messages: list[Any] = []
    while len(messages) < limit:
        try:
            message = await subscription._sub.next_msg(timeout=timeout_s)
        except (TimeoutError, NatsError):
            break
        status = JetStreamContext.is_status_msg(message)
        if status == "100":  # idle heartbeat
            continue
        if status:  # 404 no more messages, 408 request expired
            break
        messages.append(message)
    return messages


async def fetch_promptly(
    subscription: Any,
    batch: int,
    *,
    timeout_s: float | None,
    heartbeat: float | None = None,
    fetch_one: Any = None,
) -> list[Any]:
    """From a pull subscription: the first message as soon as there is one (waiting up
    to `timeout_s`), then whatever else is ready at once, up to `batch` in all."""
    fetch = fetch_one or subscription.fetch
    first = list(await fetch(batch=1, timeout=timeout_s, heartbeat=heartbeat))
    if batch > 1 and first:
        first += await _take_available(subscription, batch - 1, timeout_s=1.0)
    return first


def deliver_promptly(broker: NatsBroker) -> None:
    """Make every pull subscriber of the broker hand over a message as soon as it arrives.

    A batch fetch (`fetch(batch=n)`) may hold an open pull request until n messages came
    or it expired, depending on how the server treats it; here a fetch is
    `fetch_promptly`: a lone event goes straight through, and a burst is still handled
    in batches."""
    for subscriber in broker.subscribers:
        subscription = getattr(subscriber, "subscription", None)
        original = getattr(subscription, "fetch", None)
        if subscription is None or original is None or getattr(original, "_prompt", False):
            continue
        if not hasattr(subscription, "_nms"):
            continue

        async def fetch(
            batch: int = 1,
            timeout: float | None = 5,  # noqa: ASYNC109 - nats-py's fetch signature
            heartbeat: float | None = None,
            *,
            _subscription: Any = subscription,
            _original: Any = original,
        ) -> list[Any]:
            return await fetch_promptly(
                _subscription, batch, timeout_s=timeout, heartbeat=heartbeat, fetch_one=_original
            )

        fetch._prompt = True  # type: ignore[attr-defined]
        subscription.fetch = fetch


async def stop_quietly(broker: NatsBroker, *, within_s: float = 2 * SHUTDOWN_GRACE_S) -> None:
    """Stop the broker on shutdown: in-flight messages are left unacknowledged (JetStream
    redelivers them); a NATS that is already gone is no reason to fail the shutdown, nor
    to hang it (a drain that waits for a server that will not answer is cut short, and a
    connection still reconnecting is closed for good, see `weerbaar_runtime.closing`)."""
    global _stopping
    _stopping = True
    try:
        async with asyncio.timeout(within_s):
            await broker.stop()
    except TimeoutError:
        _log.warning("broker stop cut short", after_s=within_s)
    except Exception as exc:
        _log.warning("broker stopped uncleanly", error_type=type(exc).__name__)
    connection = broker._connection
    if connection is not None and not await close_for_good(connection):
        _log.warning("nats reconnect task did not end")
