"""`make run-cluster`: three nats-servers on 127.0.0.1 running
deploy/nats/cluster/loopback.conf (the limits, JetStream settings, users and
permissions of production), each with its own store under .data-cluster/nats/cluster.

prepare.py calls `members` in place of the single embedded server; streams and buckets
are then provisioned with 3 replicas."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = ROOT / "deploy/nats/cluster/loopback.conf"
SIZE = 3


def members(
    store: Path, server: Path, source: str, pick: Callable[[str, int], int]
) -> tuple[list[str], dict[str, str]]:
    """The members' client URLs and one supervisord program per member."""
    names = [f"nats-{n}" for n in range(SIZE)]
    ports = {name: pick(f"NATS_{n}_PORT", 4222 + n) for n, name in enumerate(names)}
    routes = {name: pick(f"NATS_{n}_CLUSTER_PORT", 6222 + n) for n, name in enumerate(names)}
    monitors = {name: pick(f"NATS_{n}_MONITOR_PORT", 8222 + n) for n, name in enumerate(names)}
    route_urls = json.dumps([f"nats://127.0.0.1:{routes[name]}" for name in names])
    programs = {}
    for name in names:
        (store / "cluster" / name).mkdir(parents=True, exist_ok=True)
        variables = {
            "NATS_SERVER_NAME": name,
            "NATS_PORT": str(ports[name]),
            "NATS_MONITOR": f"127.0.0.1:{monitors[name]}",
            "NATS_CLUSTER_PORT": str(routes[name]),
            "NATS_STORE_DIR": str(store / "cluster" / name),
            "NATS_ROUTES": route_urls,
        }
        assigned = " ".join(f"{key}={shlex.quote(value)}" for key, value in variables.items())
        programs[name] = f"set -a && {source}set +a && {assigned} exec {server} -c {LOOPBACK}"
    return [f"nats://127.0.0.1:{ports[name]}" for name in names], programs
