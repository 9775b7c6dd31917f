"""A call logged at intake, as the end-to-end tests make one."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.system import System


def incident_body(
    role: str = "mayor", organisation: str = "GM0363", **changes: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "crisis_line",
        "official": {
            "role": role,
            "organisation_code": organisation,
            "name": "A. de Vries",
            "phone": "+31612345678",
            "email": "a@example.nl",
        },
        "incident": {
            "types": ["threat", "online_harassment"],
            "channels": ["social_media"],
            "occurred_at": "2026-11-20T21:15:00+01:00",
            "description": "Death threat posted under the council livestream.",
        },
        "urgency": "high",
        "needs": ["security", "reporting_advice"],
        "police": {"status": "none", "reason_not_reported": "part_of_the_job"},
    }
    body.update(changes)
    return body


async def report(
    client: httpx.AsyncClient, system: System, body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await client.post(f"{system.intake}/v1/incidents", json=body, headers=headers)
