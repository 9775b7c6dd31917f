"""`weerbaar-provision`: create the streams, buckets and durable consumers, idempotently.

Run once before the services start (``make run`` and the test fixtures do). As the
`provisioner` user it creates what is missing and checks that what exists has the
reviewed settings of `contracts.subjects`; it may not change an existing stream (the
NATS permissions refuse it), so a stream that differs is reported and left alone. A
reviewed change is applied with ``--update`` and the `ops` credentials.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import nats
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.client import JetStreamContext
from nats.js.errors import BucketNotFoundError, NotFoundError

from contracts.subjects import (
    TOPOLOGY,
    BucketSpec,
    ConsumerSpec,
    StreamSpec,
    Topology,
    inbox_prefix,
)

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


class ProvisionError(Exception):
    """The server cannot hold what the system needs."""


async def _ensure_stream(
    js: JetStreamContext, spec: StreamSpec, replicas: int, *, update: bool
) -> str:
    config = stream_config(spec, replicas)
    try:
        info = await js.stream_info(spec.name)
    except NotFoundError:
        info = await js.add_stream(config)
        outcome = "created"
    else:
        drift = stream_drift(config, info.config)
        if not drift:
            outcome = "up to date"
        elif update:
            info = await js.update_stream(config)
            outcome = "updated (" + "; ".join(drift) + ")"
        else:
            raise ProvisionError(
                f"stream {spec.name} differs from its reviewed configuration: "
                + "; ".join(drift)
                + ". Review the change, then run weerbaar-provision --update as ops"
            )
    if spec.schedules and not info.config.allow_msg_schedules:
        # An older server ignores the setting: its schedules would never fire.
        raise ProvisionError(
            f"stream {spec.name} needs message schedules (nats-server 2.12 or later); "
            "this server does not support them"
        )
    return outcome


async def _ensure_bucket(js: JetStreamContext, spec: BucketSpec, replicas: int) -> str:
    try:
        await js.key_value(spec.name)
        return "exists"
    except BucketNotFoundError:
        await js.create_key_value(
            KeyValueConfig(
                bucket=spec.name,
                description=spec.description,
                history=spec.history,
                ttl=spec.ttl_s or None,
                storage=StorageType.FILE,
                replicas=replicas,
            )
        )
        return "created"


async def provision(
    js: JetStreamContext, *, topology: Topology = TOPOLOGY, replicas: int = 1, update: bool = False
) -> list[str]:
    """Create what is missing of `topology` and check what exists (`update`: bring a
    stream that differs to its reviewed configuration); returns one line per item."""
    lines: list[str] = []
    for stream in topology.streams:
        outcome = await _ensure_stream(js, stream, replicas, update=update)
        lines.append(f"stream {stream.name}: {outcome}")
    for bucket in topology.buckets:
        lines.append(f"bucket {bucket.name}: {await _ensure_bucket(js, bucket, replicas)}")
    for consumer in topology.consumers:
        await js.add_consumer(consumer.stream, consumer_config(consumer))
        lines.append(f"consumer {consumer.stream}/{consumer.durable}: ready")
    return lines


async def _run(
    url: str, replicas: int, wait_s: float, user: str | None, password: str | None, update: bool
) -> int:
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        try:
            nc = await nats.connect(
                [server.strip() for server in url.split(",") if server.strip()],
                user=user,
                password=password,
                inbox_prefix=inbox_prefix(user),
                connect_timeout=2,
                max_reconnect_attempts=0,
            )
            break
        except Exception as exc:
            if asyncio.get_running_loop().time() > deadline:
                print(
                    f"weerbaar-provision: cannot reach NATS at {url} ({type(exc).__name__})",
                    file=sys.stderr,
                )
                return 1
            await asyncio.sleep(0.2)
    try:
        for line in await provision(nc.jetstream(), replicas=replicas, update=update):
            print(f"weerbaar-provision: {line}")
    except ProvisionError as exc:
        print(f"weerbaar-provision: {exc}", file=sys.stderr)
        return 1
    finally:
        await nc.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="weerbaar-provision", description=__doc__)
    parser.add_argument(
        "--nats-url",
        default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
        help="a server, or a cluster's servers separated by commas (as the services take it)",
    )
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("NATS_REPLICAS", "1")))
    parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait for NATS")
    parser.add_argument(
        "--update",
        action="store_true",
        help="change existing streams to the reviewed configuration (needs the ops user: "
        "the provisioner may not change a stream)",
    )
    args = parser.parse_args(argv)
    user = os.environ.get("NATS_PROVISION_USER") or os.environ.get("NATS_USER")
    password = os.environ.get("NATS_PROVISION_PASSWORD") or os.environ.get("NATS_PASSWORD")
    return asyncio.run(_run(args.nats_url, args.replicas, args.wait, user, password, args.update))


if __name__ == "__main__":
    raise SystemExit(main())
