"""The registry in the running system: statistics and exports of calls made over
HTTP, an erasure request, and `weerbaar-registry rebuild` against the live stream."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

from tests.support.registry import open_registry, snapshot
from tests.support.servers import ROOT, eventually
from tests.support.system import System, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

NAME = "Canary Registry Official"


def call(n: int) -> dict[str, Any]:
    return {
        "source": "crisis_line",
        "official": {
            "role": "mayor",
            "organisation_code": "GM0363",
            "name": NAME,
            "phone": "+31612345678",
        },
        "incident": {
            "types": ["threat"],
            "channels": ["social_media"],
            "description": f"Canary registry description {n}.",
        },
        "urgency": "high",
        "police": {"status": "aangifte" if n < 5 else "none"},
    }


async def test_statistics_exports_and_erasure(system: System, client: httpx.AsyncClient) -> None:
    ids = []
    for n in range(6):
        response = await client.post(
            f"{system.intake}/v1/incidents", json=call(n), headers={"Idempotency-Key": f"reg-{n}"}
        )
        assert response.status_code == 202
        ids.append(response.json()["incident_id"])
    for incident_id in ids:
        await wait_for_incident(client, system.registry, incident_id, having={"assigned"})

    stats = (await client.get(f"{system.registry}/v1/stats", params={"group_by": "role"})).json()
    assert stats["cells"] == [
        {
            "role": "mayor",
            "count": 6,
            "aangifte_rate": round(5 / 6, 3),
            "police_report_rate": round(5 / 6, 3),
            "escalation_rate": 0.0,
            "repeat_rate": 0.0,
        }
    ]
    exported = await client.get(
        f"{system.registry}/v1/export/stats", params={"group_by": "role", "labels": "nl"}
    )
    assert list(csv.reader(io.StringIO(exported.text)))[1][:2] == ["burgemeester", "6"]

    erased = await client.post(
        f"{system.registry}/v1/incidents/{ids[0]}/erase",
        json={"requested_by": "operator-01"},
        headers={"Idempotency-Key": "erase-e2e"},
    )
    assert erased.status_code == 202
    record = await wait_for_incident(
        client, system.registry, ids[0], having={"personal_data_erased"}
    )
    assert record["official"]["name"] is None and record["description"] is None
    entry = next(e for e in record["timeline"] if e["type"] == "personal_data_erased")
    # who asked is the caller (the test's operator token), not the body's requested_by
    assert entry["requested_by"] == "test-operator" and entry["reason"] == "request"
    again = (await client.get(f"{system.registry}/v1/stats", params={"group_by": "role"})).json()
    assert again == stats
    cases = (await client.get(f"{system.registry}/v1/export/cases")).text
    assert ids[0] in cases and NAME not in cases
    other = (await client.get(f"{system.registry}/v1/incidents/{ids[1]}")).json()
    assert other["official"]["name"] == NAME  # only the one case was erased


async def test_rebuild_from_the_stream_equals_the_live_registry(
    system: System, client: httpx.AsyncClient
) -> None:
    for n in range(3):
        response = await client.post(f"{system.intake}/v1/incidents", json=call(10 + n))
        await wait_for_incident(
            client, system.registry, response.json()["incident_id"], having={"notification_sent"}
        )
    live_url = system.env()["DATABASE_URL"]
    rebuilt_url = f"sqlite+aiosqlite:///{system.workdir / 'rebuilt.db'}"
    assert system.nats is not None

    async with open_registry(live_url) as live:
        previous: dict[str, Any] = {}

        async def settled() -> bool:
            # nothing new for a moment: every event in flight has been projected
            nonlocal previous
            now = await snapshot(live.engine)
            quiet = now == previous
            previous = now
            return quiet

        await eventually(settled, timeout=30, interval=1.0, what="a quiet registry")
        env = {
            **os.environ,
            "NATS_URL": system.nats.url,
            "DATABASE_URL": rebuilt_url,
            "LOG_JSON": "true",
        }
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "registry", "rebuild"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "rebuild: done" in done.stderr
        live_rows = await snapshot(live.engine)
    async with open_registry(rebuilt_url) as rebuilt:
        assert await snapshot(rebuilt.engine) == live_rows
