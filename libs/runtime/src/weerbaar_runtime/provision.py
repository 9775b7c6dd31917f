"""`weerbaar-provision`: create the streams, buckets and durable consumers, idempotently.

Run once before the services start (``make run`` and the test fixtures do); running
it again brings an existing deployment to the configuration in `contracts.subjects`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import nats
from nats.errors import NoRespondersError
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.client import JetStreamContext
from nats.js.errors import (
    APIError,
    BucketNotFoundError,
    NoStreamResponseError,
    NotFoundError,
    ServiceUnavailableError,
)

from contracts.subjects import TOPOLOGY, BucketSpec, ConsumerSpec, StreamSpec, Topology


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
    )


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


async def _ensure_stream(js: JetStreamContext, spec: StreamSpec, replicas: int) -> str:
    config = stream_config(spec, replicas)
    try:
        await js.stream_info(spec.name)
    except NotFoundError:
        info = await js.add_stream(config)
        outcome = "created"
    else:
        info = await js.update_stream(config)
        outcome = "up to date"
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
    js: JetStreamContext, *, topology: Topology = TOPOLOGY, replicas: int = 1
) -> list[str]:
    """Create or update everything in `topology`; returns one line per item."""
    lines: list[str] = []
    for stream in topology.streams:
        lines.append(f"stream {stream.name}: {await _ensure_stream(js, stream, replicas)}")
    for bucket in topology.buckets:
        lines.append(f"bucket {bucket.name}: {await _ensure_bucket(js, bucket, replicas)}")
    for consumer in topology.consumers:
        await js.add_consumer(consumer.stream, consumer_config(consumer))
        lines.append(f"consumer {consumer.stream}/{consumer.durable}: ready")
    return lines


async def _run(
    url: str, replicas: int, wait_s: float, user: str | None, password: str | None
) -> int:
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        try:
            nc = await nats.connect(
                [server.strip() for server in url.split(",") if server.strip()],
                user=user,
                password=password,
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
        lines = await provision_when_ready(nc.jetstream(), replicas=replicas, deadline=deadline)
    except ProvisionError as exc:
        print(f"weerbaar-provision: {exc}", file=sys.stderr)
        return 1
    finally:
        await nc.close()
    for line in lines:
        print(f"weerbaar-provision: {line}")
    return 0


NO_SUITABLE_PEERS = 10005
"""JetStream's error code when too few members are known yet to place R3."""


def not_ready(exc: Exception) -> bool:
    """What JetStream answers while it is not ready: on a cluster's first start, before
    its meta leader is elected and every peer known, or while a member catches up."""
    if isinstance(exc, ServiceUnavailableError | NoRespondersError | NoStreamResponseError):
        return True
    if isinstance(exc, APIError):
        return exc.err_code == NO_SUITABLE_PEERS
    return isinstance(exc, TimeoutError)


async def provision_when_ready(
    js: JetStreamContext,
    *,
    replicas: int,
    deadline: float,
    pause_s: float = 1.0,
    topology: Topology = TOPOLOGY,
) -> list[str]:
    """`provision`, tried again while JetStream is not ready, until `deadline` (the
    loop's clock); one line on stderr every try says so."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    while True:
        try:
            return await provision(js, topology=topology, replicas=replicas)
        except Exception as exc:
            if not not_ready(exc):
                raise
            waited = loop.time() - began
            if loop.time() + pause_s > deadline:
                raise ProvisionError(
                    f"JetStream not ready after {waited:.0f} s ({type(exc).__name__})"
                ) from exc
            print(
                f"weerbaar-provision: waiting for JetStream ({type(exc).__name__}, "
                f"{waited:.0f} s so far)",
                file=sys.stderr,
                flush=True,
            )
            await asyncio.sleep(pause_s)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="weerbaar-provision", description=__doc__)
    parser.add_argument(
        "--nats-url",
        default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
        help="a server, or a cluster's servers separated by commas (as the services take it)",
    )
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("NATS_REPLICAS", "1")))
    parser.add_argument(
        "--wait",
        type=float,
        default=30.0,
        help="seconds to wait for NATS, and for its JetStream to be ready",
    )
    args = parser.parse_args(argv)
    user = os.environ.get("NATS_PROVISION_USER") or os.environ.get("NATS_USER")
    password = os.environ.get("NATS_PROVISION_PASSWORD") or os.environ.get("NATS_PASSWORD")
    return asyncio.run(_run(args.nats_url, args.replicas, args.wait, user, password))


if __name__ == "__main__":
    raise SystemExit(main())
