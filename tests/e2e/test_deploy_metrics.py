"""Every Weerbaar metric an alert or a dashboard panel names, with its labels, is what
the running services export on /metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.auth import OPS
from tests.support.metric_refs import Exported, expressions, problems
from tests.support.servers import ROOT
from tests.support.system import SERVICES, System, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

NORMAL_DEADLINE_S = 2  # so that the walk-through sees an escalation (and a fired timer)


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    running = System(
        workdir=tmp_path_factory.mktemp("deploy-metrics"),
        roster=ROOT / "deploy/config/roster.yaml",
        env_overrides={"ACK_DEADLINE_NORMAL_S": str(NORMAL_DEADLINE_S)},
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def _exported(system: System) -> Exported:
    async with httpx.AsyncClient(timeout=10, headers=OPS) as ops:
        texts = [
            (await ops.get(f"{system.services[name].base_url}/metrics")).text for name in SERVICES
        ]
    return Exported.parse(texts)


async def test_alerts_and_panels_name_only_exported_metrics_and_labels(
    system: System, client: httpx.AsyncClient
) -> None:
    # A case through its life, so that the labelled metrics have series to check.
    body = {
        "official": {"role": "mayor", "organisation_code": "GM0014"},
        "incident": {"types": ["threat"]},
        "urgency": "high",
    }
    response = await client.post(f"{system.intake}/v1/incidents", json=body)
    assert response.status_code == 202, response.text
    incident_id = response.json()["incident_id"]
    record = await wait_for_incident(
        client, system.registry, incident_id, having={"assigned", "notification_sent"}
    )
    assert record["assignment"]["adviser_id"]
    acked = await client.post(f"{system.intake}/v1/incidents/{incident_id}/acknowledge", json={})
    assert acked.status_code == 202, acked.text
    await wait_for_incident(client, system.registry, incident_id, having={"acknowledged"})
    # A normal case nobody acknowledges is escalated when its deadline timer fires.
    response = await client.post(
        f"{system.intake}/v1/incidents", json={**body, "urgency": "normal"}
    )
    assert response.status_code == 202, response.text
    await wait_for_incident(
        client,
        system.registry,
        response.json()["incident_id"],
        having={"escalated"},
        timeout=NORMAL_DEADLINE_S + 20,
    )
    # A request without a token is refused and counted.
    async with httpx.AsyncClient(timeout=10) as anonymous:
        refused = await anonymous.post(f"{system.intake}/v1/incidents", json=body)
    assert refused.status_code == 401, refused.text

    exported = await _exported(system)
    bad, unverified = problems(exported, expressions())
    assert not bad, "\n".join(bad)
    # Most label references could be checked against real series; those of the
    # escalation, timer and refusal metrics are, after the walk-through above.
    assert len(unverified) <= 12, "\n".join(unverified)
    walked = ("_escalations_total", "_timer_lateness_seconds", "_auth_failures_total")
    assert not [line for line in unverified if any(name in line for name in walked)], unverified

    # The check itself: a planted unknown label and an unknown metric are found.
    planted = [
        ("alert Planted", 'sum(rate(weerbaar_routing_assignments_total{fallbak="true"}[5m]))'),
        ("panel 'Planted'", "sum(weerbaar_routing_nonexistent_total)"),
    ]
    found, _ = problems(exported, planted)
    assert any("no label 'fallbak'" in line for line in found), found
    assert any("weerbaar_routing_nonexistent_total is not exported" in line for line in found)


def _accepted(metrics: str, command: str) -> float:
    name = f'weerbaar_intake_commands_total{{command="{command}",outcome="accepted"}}'
    for line in metrics.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


async def test_each_command_is_counted_once(system: System, client: httpx.AsyncClient) -> None:
    async def counts() -> dict[str, float]:
        async with httpx.AsyncClient(timeout=10, headers=OPS) as ops:
            text = (await ops.get(f"{system.intake}/metrics")).text
        return {c: _accepted(text, c) for c in ("report", "acknowledge", "action", "close")}

    before = await counts()
    body = {
        "official": {"role": "mayor", "organisation_code": "GM0014"},
        "incident": {"types": ["threat"]},
        "urgency": "high",
    }
    response = await client.post(f"{system.intake}/v1/incidents", json=body)
    assert response.status_code == 202, response.text
    incident_id = response.json()["incident_id"]
    await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    base = f"{system.intake}/v1/incidents/{incident_id}"
    assert (await client.post(f"{base}/acknowledge", json={})).status_code == 202
    action = {"kind": "contact", "note": "Teruggebeld."}
    assert (await client.post(f"{base}/actions", json=action)).status_code == 202
    assert (await client.post(f"{base}/close", json={})).status_code == 202
    after = await counts()
    assert {c: after[c] - before[c] for c in before} == {
        "report": 1,
        "acknowledge": 1,
        "action": 1,
        "close": 1,
    }
