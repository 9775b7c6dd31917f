"""Re-wrapping every case's data key under the current KEK (`weerbaar-registry
rotate-keys`): no event, no row and no sealed field changes, only the wrapped keys in
the key store. Configure the new KEK beside the old ones (`CASE_KEKS`), make it current
(`CASE_KEK_ID`), restart intake and the registry (new keys are then wrapped with it),
run this; afterwards the old KEK can be removed from the configuration.

It walks the bucket's stream by sequence in windows (reads and compare-and-set writes
in flight together), so it may run while the services do: a key erased or re-wrapped
meanwhile is left as it is now.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from nats.js.client import JetStreamContext
from nats.js.errors import APIError, KeyWrongLastSequenceError, NotFoundError

from contracts.subjects import KEYS_BUCKET
from weerbaar_runtime.keystore import KEYS_STREAM
from weerbaar_runtime.sealing import KekRing

PREFIX = f"$KV.{KEYS_BUCKET}."


@dataclass
class Rewrapped:
    checked: int = 0
    rewrapped: int = 0
    skipped: int = 0  # erased or re-wrapped meanwhile


async def rewrap_keys(
    js: JetStreamContext,
    keks: KekRing,
    *,
    window: int = 256,
    out: TextIO = sys.stderr,
    report_every_s: float = 2.0,
) -> Rewrapped:
    """Re-wrap every data key not wrapped with the current KEK; progress on `out`."""
    started = time.monotonic()
    kv = await js.key_value(KEYS_BUCKET)
    info = await js.stream_info(KEYS_STREAM)
    first, last = info.state.first_seq, info.state.last_seq
    print(
        f"rotate-keys: re-wrapping {info.state.messages} data keys under KEK {keks.current!r}",
        file=out,
        flush=True,
    )
    done = Rewrapped()

    async def read(seq: int) -> Any:
        try:
            return await js.get_msg(KEYS_STREAM, seq=seq)
        except (NotFoundError, APIError):
            return None  # replaced by a later revision, or erased

    async def rewrap(msg: Any) -> None:
        name = str(msg.subject).removeprefix(PREFIX)
        key = keks.unwrap(name, msg.data)
        try:
            await kv.update(name, keks.wrap(key), last=msg.seq)
            done.rewrapped += 1
        except KeyWrongLastSequenceError:
            done.skipped += 1

    next_report = time.monotonic() + report_every_s
    for start in range(first, last + 1, window):
        found = await asyncio.gather(
            *(read(s) for s in range(start, min(start + window, last + 1)))
        )
        keys = [m for m in found if m is not None and m.data and m.subject.startswith(PREFIX)]
        done.checked += len(keys)
        await asyncio.gather(*(rewrap(m) for m in keys if keks.kek_of(m.data) != keks.current))
        if time.monotonic() >= next_report:
            print(
                f"rotate-keys: {done.checked} keys checked, {done.rewrapped} re-wrapped "
                f"(sequence {min(start + window - 1, last)}/{last})",
                file=out,
                flush=True,
            )
            next_report = time.monotonic() + report_every_s
    print(
        f"rotate-keys: done, {done.rewrapped} of {done.checked} data keys re-wrapped"
        + (f", {done.skipped} changed meanwhile" if done.skipped else "")
        + f" in {time.monotonic() - started:.1f}s",
        file=out,
        flush=True,
    )
    return done
