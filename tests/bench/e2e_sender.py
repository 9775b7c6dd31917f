"""The end-to-end benchmark's load generator: open-loop reports at a fixed rate.

`python -m tests.bench.e2e_sender URL RATE DURATION_S OUT` (the bearer token in
BENCH_TOKEN). One process, one asyncio loop, raw HTTP/1.1 on kept-alive connections
(no HTTP client library: httpx cost ~5 ms of CPU a request). Report n is meant to go
at start + n / RATE; a free connection sends it at that time or, when every
connection is still waiting for an answer, as soon as one is free, and its latency is
counted from the intended time all the same (free of coordinated omission). Each
report carries its own Idempotency-Key. Writes one JSON line per report to OUT
(`[n, intended, answered, status, incident_id, retry_after]`, wall-clock seconds) and,
last, the process's own CPU seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
import uuid
from urllib.parse import urlsplit

BODY = json.dumps(
    {
        "official": {"role": "mayor", "organisation_code": "GM0014"},
        "incident": {"types": ["threat"]},
        "urgency": "normal",
    }
).encode()
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "128"))
TIMEOUT_S = 60.0


def request(host: str, token: str) -> bytes:
    return (
        f"POST /v1/incidents HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nIdempotency-Key: {uuid.uuid4()}\r\n"
        f"Content-Length: {len(BODY)}\r\n\r\n"
    ).encode() + BODY


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


class Sender:
    def __init__(self, url: str, rate: float, duration_s: float, token: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.rate, self.total, self.token = rate, int(rate * duration_s), token
        self.next = 0
        self.start = 0.0
        self.results: list[list[object]] = []

    async def connection(self) -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while self.next < self.total:
            n = self.next
            self.next += 1
            intended = self.start + n / self.rate
            pause = intended - time.time()
            if pause > 0:
                await asyncio.sleep(pause)
            status, incident, retry_after = 0, None, None
            data = request(f"{self.host}:{self.port}", self.token)
            for fresh in (writer is None or writer.is_closing(), True):
                try:
                    if fresh:
                        if writer is not None:
                            writer.close()
                        reader, writer = await asyncio.open_connection(self.host, self.port)
                    assert reader is not None and writer is not None
                    writer.write(data)
                    status, headers, body = await asyncio.wait_for(read_response(reader), TIMEOUT_S)
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    # A kept-alive connection the server closed while idle: once more
                    # on a new one (the same Idempotency-Key, so never a second case).
                    if writer is not None:
                        writer.close()
                    writer = None
                    if fresh or isinstance(exc, TimeoutError):
                        break
                    continue
                if status == 202:
                    incident = json.loads(body)["incident_id"]
                retry_after = headers.get("retry-after")
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    writer = None
                break
            self.results.append([n, intended, time.time(), status, incident, retry_after])
        if writer is not None:
            writer.close()

    async def run(self) -> None:
        self.start = time.time() + 0.2
        await asyncio.gather(*(self.connection() for _ in range(min(CONNECTIONS, self.total))))


def main() -> int:
    url, rate, duration, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    sender = Sender(url, rate, duration, os.environ["BENCH_TOKEN"])
    asyncio.run(sender.run())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(out, "w") as file:
        for row in sender.results:
            file.write(json.dumps(row) + "\n")
        file.write(json.dumps({"cpu_s": usage.ru_utime + usage.ru_stime}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
