"""The in-flight cap on write requests: past it a request waits a moment, then is
answered 503 with Retry-After; reads are never shed."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from weerbaar_runtime.admission import AdmissionLimit


class Held:
    """An ASGI app whose writes are held until released; it counts those inside."""

    def __init__(self) -> None:
        self.inside = 0
        self.release = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["method"] == "POST":
            self.inside += 1
            await self.release.wait()
        await send({"type": "http.response.start", "status": 202, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


async def test_a_burst_past_the_cap_is_shed_with_retry_after() -> None:
    held = Held()
    app = AdmissionLimit(held, service="test", max_in_flight=2, wait_s=0.05, retry_after_s=3)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        posts = [asyncio.create_task(client.post("/v1/incidents", json={})) for _ in range(10)]
        # eight are answered while the two being handled are still held (a generous
        # bound: a loaded machine is slow, not wrong)
        for _ in range(3000):
            if sum(1 for p in posts if p.done()) >= 8:
                break
            await asyncio.sleep(0.01)
        assert held.inside == 2
        read = await client.get("/v1/incidents/x")  # reads pass while writes are full
        assert read.status_code == 202
        held.release.set()
        answers = [await p for p in posts]
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [202] * 2 + [503] * 8
    for answer in answers:
        if answer.status_code == 503:
            assert answer.headers["Retry-After"] == "3"
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["status"] == 503


async def test_room_is_given_back_after_a_request() -> None:
    held = Held()
    held.release.set()
    app = AdmissionLimit(held, service="test", max_in_flight=1, wait_s=0, retry_after_s=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for _ in range(5):
            assert (await client.post("/v1/incidents", json={})).status_code == 202
