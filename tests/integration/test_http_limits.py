"""A real service process against slow and oversized clients, over raw sockets: the
headers and the body must arrive in time, the headers may be only so large, an idle
kept-alive connection is closed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.servers import ServiceProcess, eventually, free_port

HEADER_TIMEOUT_S = 1.0
BODY_TIMEOUT_S = 1.5
KEEP_ALIVE_S = 1.0


@pytest.fixture(scope="module")
async def intake(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ServiceProcess]:
    """Intake with short limits; no NATS is needed to serve `/healthz`."""
    port = free_port()
    process = ServiceProcess(
        name="intake",
        env={
            "INTAKE_PORT": str(port),
            "NATS_URL": f"nats://127.0.0.1:{free_port()}",
            "HTTP_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S),
            "HTTP_BODY_TIMEOUT_S": str(BODY_TIMEOUT_S),
            "HTTP_KEEP_ALIVE_S": str(KEEP_ALIVE_S),
        },
        log_path=tmp_path_factory.mktemp("limits") / "intake.log",
        port=port,
    ).start()

    async def healthy() -> bool:
        try:
            async with httpx.AsyncClient(timeout=1) as client:
                return (await client.get(f"{process.base_url}/healthz")).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        await eventually(healthy, timeout=30, interval=0.2, what="intake serving")
        yield process
    finally:
        process.stop()


async def _connect(
    process: ServiceProcess,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", process.port)


async def _until_closed(reader: asyncio.StreamReader, timeout: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and how long that took."""
    started = time.monotonic()
    received = b""
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), timeout):
            received += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    return received, time.monotonic() - started


async def test_headers_that_trickle_in_are_cut_off_with_a_408(intake: ServiceProcess) -> None:
    reader, writer = await _connect(intake)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    for _ in range(3):  # a byte now and then keeps nothing alive
        await asyncio.sleep(HEADER_TIMEOUT_S / 3)
        writer.write(b"X")
        await writer.drain()
    received, took = await _until_closed(reader, timeout=HEADER_TIMEOUT_S * 4)
    assert received.startswith(b"HTTP/1.1 408"), received[:200]
    assert took < HEADER_TIMEOUT_S * 3
    writer.close()


async def test_a_body_that_trickles_in_is_cut_off(intake: ServiceProcess) -> None:
    reader, writer = await _connect(intake)
    writer.write(
        b"POST /v1/incidents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n{"
    )
    await writer.drain()
    started = time.monotonic()
    received, _ = await _until_closed(reader, timeout=BODY_TIMEOUT_S * 4)
    assert time.monotonic() - started < BODY_TIMEOUT_S * 3
    assert not received.startswith(b"HTTP/1.1 2"), received[:200]
    writer.close()


async def test_a_400_kb_header_is_refused(intake: ServiceProcess) -> None:
    for token_bytes in (40_000, 400_000):  # one read, and streamed past the buffer
        async with httpx.AsyncClient(timeout=5) as client:
            try:
                response = await client.get(
                    f"{intake.base_url}/healthz",
                    headers={"Authorization": "Bearer " + "a" * token_bytes},
                )
            except httpx.HTTPError:
                continue  # cut off before an answer: refused too
        assert response.status_code in (400, 431), response.status_code
    async with httpx.AsyncClient(timeout=5) as client:
        assert (await client.get(f"{intake.base_url}/healthz")).status_code == 200


async def test_an_idle_kept_alive_connection_is_closed(intake: ServiceProcess) -> None:
    reader, writer = await _connect(intake)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    await asyncio.wait_for(reader.readexactly(length), 5)  # the whole answer, however sent
    rest, took = await _until_closed(reader, timeout=KEEP_ALIVE_S * 5)
    assert rest == b""
    assert took < KEEP_ALIVE_S * 3
    writer.close()
