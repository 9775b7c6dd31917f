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
from nats.errors import NoRespondersError
from nats.js.api import (
    DiscardPolicy,
    KeyValueConfig,
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

from contracts.subjects import (
    TOPOLOGY,
    BucketSpec,
    StreamSpec,
    Topology,
    inbox_prefix,
)
from weerbaar_runtime.streams import consumer_config, stream_config, stream_drift


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
        config = KeyValueConfig(
            bucket=spec.name,
            description=spec.description,
            history=spec.history,
            ttl=spec.ttl_s or None,
            storage=StorageType.FILE,
            replicas=replicas,
        )
        if spec.erasable:
            await js.add_stream(erasable_bucket_stream(config))
        else:
            await js.create_key_value(config)
        return "created"


def erasable_bucket_stream(config: KeyValueConfig) -> StreamConfig:
    """The stream of a KV bucket as nats-py makes it, but one whose messages may be
    deleted by sequence (nats-py's buckets deny it): the key store's, so an erasure
    can securely erase a key's message rather than only roll it up."""
    return StreamConfig(
        name=f"KV_{config.bucket}",
        description=config.description,
        subjects=[f"$KV.{config.bucket}.>"],
        allow_direct=False,
        allow_rollup_hdrs=True,
        deny_delete=False,
        deny_purge=False,
        discard=DiscardPolicy.NEW,
        duplicate_window=120.0,
        max_age=config.ttl,
        max_consumers=-1,
        max_msgs=-1,
        max_msgs_per_subject=config.history,
        num_replicas=config.replicas,
        storage=config.storage,
    )


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
        lines = await provision_when_ready(
            nc.jetstream(), replicas=replicas, deadline=deadline, update=update
        )
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
    update: bool = False,
) -> list[str]:
    """`provision`, tried again while JetStream is not ready, until `deadline` (the
    loop's clock); one line on stderr every try says so."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    while True:
        try:
            return await provision(js, topology=topology, replicas=replicas, update=update)
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
