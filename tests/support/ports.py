"""Ports for the servers the tests start."""

from __future__ import annotations

import itertools
import os
import secrets
import socket

PORTS_FROM, PORTS_PER_PROCESS, PORT_SLOTS = 10_000, 2_000, 11
"""Ports are handed out below the kernel's ephemeral range (32768 and up), where no
outgoing connection takes one, in a slice of their own per pytest-xdist worker."""
_offsets = itertools.count(secrets.randbelow(PORTS_PER_PROCESS))


def free_port() -> int:
    """A port nobody listens on now, never handed out twice by this process (until its
    slice wraps around) and never by another worker of the same run: the kernel's own
    pick (bind to 0) can give two workers the same port before either listens on it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    slot = int(worker[2:]) % (PORT_SLOTS - 1) + 1 if worker.startswith("gw") else 0
    low = PORTS_FROM + slot * PORTS_PER_PROCESS
    for _ in range(PORTS_PER_PROCESS):
        port = low + next(_offsets) % PORTS_PER_PROCESS
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {low}-{low + PORTS_PER_PROCESS - 1}")
