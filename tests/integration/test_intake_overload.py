"""Intake under a burst larger than it handles at once: the reports past its in-flight
cap are answered 503 with Retry-After at once instead of queueing, the rest 202, and
nothing is left unanswered. A shed report retried with its Idempotency-Key is taken."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.auth import OPERATOR
from tests.support.load import report_body
from tests.support.servers import NatsServer, ServiceProcess, eventually, free_port

BURST = 120


@pytest.fixture
async def intake(provisioned: NatsServer, tmp_path: Path) -> AsyncIterator[ServiceProcess]:
    port = free_port()
    process = ServiceProcess(
        name="intake",
        env={
            "INTAKE_PORT": str(port),
            "NATS_URL": provisioned.url,
            **provisioned.user_env("intake"),
            "INTAKE_MAX_IN_FLIGHT": "1",
            "INTAKE_ADMISSION_WAIT_S": "0",
            "AUTH_RATE_PER_MINUTE": "100000",
            "AUTH_RATE_PER_ADDRESS_PER_MINUTE": "100000",
            "HTTP_MAX_CONCURRENCY": "1000",
        },
        log_path=tmp_path / "intake.log",
        port=port,
    ).start()

    async def ready() -> bool:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(f"{process.base_url}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        await eventually(ready, timeout=60, interval=0.2, what="intake ready")
        yield process
    finally:
        process.stop()


async def test_a_burst_is_shed_with_503_and_retry_after(intake: ServiceProcess) -> None:
    url = f"{intake.base_url}/v1/incidents"
    keys = [str(uuid.uuid4()) for _ in range(BURST)]
    limits = httpx.Limits(max_connections=BURST, max_keepalive_connections=BURST)
    async with httpx.AsyncClient(timeout=60, headers=OPERATOR, limits=limits) as client:

        async def post(key: str) -> httpx.Response:
            return await client.post(
                url, json=report_body("normal"), headers={"Idempotency-Key": key}
            )

        answers = await asyncio.gather(*(post(key) for key in keys))
        statuses = [a.status_code for a in answers]
        assert set(statuses) <= {202, 503}, statuses
        assert 202 in statuses
        assert 503 in statuses  # 120 at once and one handled at a time: some are shed
        for answer in answers:
            if answer.status_code == 503:
                assert int(answer.headers["Retry-After"]) >= 1
                assert answer.headers["content-type"].startswith("application/problem+json")
        # what was shed did nothing: retried with the same key, one at a time, taken
        shed = [key for key, a in zip(keys, answers, strict=True) if a.status_code == 503]
        for key in shed[:5]:
            assert (await post(key)).status_code == 202
