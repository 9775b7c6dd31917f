"""Closing a NATS connection for good, even one that is still trying to reconnect.

nats-py reconnects in a task of its own. On Python 3.11 a cancellation of that task can
be lost: `asyncio.wait_for` swallows it when the connection attempt it guards fails in
the same step (a refused connection fails at once), and the reconnect loop then goes on
trying every `reconnect_time_wait`. At the end of `asyncio.run` the loop cancels every
task once and waits for them, so a lost cancellation keeps the process alive after a
SIGTERM, for as long as the server stays away. Here the connection is closed, and its
reconnect task cancelled again until it has really ended.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

CLOSE_WITHIN_S = 1.0
"""How long `close()` may take (it waits for a server that may not answer)."""
CANCEL_TRIES = 20
"""How often the reconnect task is cancelled, `CANCEL_PAUSE_S` apart, before giving up."""
CANCEL_PAUSE_S = 0.25


async def close_for_good(connection: Any) -> bool:
    """Close `connection` (a nats-py client) and end its reconnect task; True when no
    task of it is left running."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(CLOSE_WITHIN_S):
            await connection.close()
    return await end_task(getattr(connection, "_reconnection_task", None))


async def end_task(task: asyncio.Task[Any] | None) -> bool:
    """Cancel `task` until it is done (a cancellation it lost is asked for again)."""
    for _ in range(CANCEL_TRIES):
        if task is None or task.done():
            return True
        task.cancel()
        await asyncio.wait({task}, timeout=CANCEL_PAUSE_S)
    return task is None or task.done()
