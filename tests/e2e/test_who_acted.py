"""Who acted comes from the credential: every command of intake, sent with a body naming
someone else, against the running system; the stored event names the caller (or the
body is refused). A junk link token answers the same whether the incident exists."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support import auth
from tests.support.stored import last_stored
from tests.support.system import System, ack_token, wait_for_incident

pytestmark = [pytest.mark.e2e, pytest.mark.nats]

OTHER = "someone-else"


async def case(system: System) -> tuple[str, str, str]:
    """A fresh case assigned by routing: its id, its adviser and the assignment."""
    async with httpx.AsyncClient(timeout=10, headers=auth.OPERATOR) as client:
        response = await client.post(
            f"{system.intake}/v1/incidents",
            json={
                "official": {"role": "mayor", "organisation_code": "GM0014"},
                "incident": {"types": ["threat"]},
            },
        )
        assert response.status_code == 202, response.text
        incident_id = str(response.json()["incident_id"])
        record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    assignment = record["assignment"]
    return incident_id, assignment["adviser_id"], assignment["assignment_id"]


async def command(
    system: System,
    incident_id: str,
    name: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            f"{system.intake}/v1/incidents/{incident_id}/{name}", json=body, headers=headers
        )


async def test_an_adviser_acknowledging_as_someone_else_is_stored_as_themselves(
    system: System,
) -> None:
    incident_id, adviser, _ = await case(system)
    ack = await command(
        system, incident_id, "acknowledge", {"adviser_id": OTHER}, auth.adviser(adviser)
    )
    assert ack.status_code == 202, ack.text
    stored = await last_stored(system, "assignment.acknowledged", incident_id)
    assert stored["adviser_id"] == adviser


async def test_an_operator_acknowledging_names_no_adviser(system: System) -> None:
    incident_id, _, _ = await case(system)
    ack = await command(system, incident_id, "acknowledge", {"adviser_id": OTHER}, auth.OPERATOR)
    assert ack.status_code == 202, ack.text
    stored = await last_stored(system, "assignment.acknowledged", incident_id)
    assert stored["adviser_id"] is None


async def test_a_link_acknowledging_names_the_adviser_the_link_was_sent_to(
    system: System,
) -> None:
    incident_id, adviser, assignment_id = await case(system)
    token = ack_token(incident_id, assignment_id)
    ack = await command(system, incident_id, "acknowledge", {"token": token, "adviser_id": OTHER})
    assert ack.status_code == 202, ack.text
    stored = await last_stored(system, "assignment.acknowledged", incident_id)
    assert stored["adviser_id"] == adviser


async def test_actions_and_closing_name_the_caller(system: System) -> None:
    incident_id, adviser, _ = await case(system)
    for headers, expected in ((auth.adviser(adviser), adviser), (auth.OPERATOR, None)):
        action = await command(
            system, incident_id, "actions", {"kind": "contact", "adviser_id": OTHER}, headers
        )
        assert action.status_code == 202, action.text
        stored = await last_stored(system, "action.recorded", incident_id)
        assert stored["event_id"] == action.json()["event_id"]
        assert stored["adviser_id"] == expected
    closed = await command(
        system, incident_id, "close", {"adviser_id": OTHER}, auth.adviser(adviser)
    )
    assert closed.status_code == 202, closed.text
    assert (await last_stored(system, "incident.closed", incident_id))["adviser_id"] == adviser


async def test_commands_without_an_actor_field_refuse_one_and_store_the_caller(
    system: System,
) -> None:
    incident_id, adviser, _ = await case(system)
    refused = {
        "details": {"urgency": "acute", "updated_by": "coordinator", "adviser_id": OTHER},
        "reopen": {"adviser_id": OTHER},
        "assign": {"adviser_id": "ngb-02", "requested_by": "coordinator"},
        "decline": {"declined_by": "link", "adviser_id": OTHER},
    }
    for name, body in refused.items():
        response = await command(system, incident_id, name, body, auth.OPERATOR)
        assert response.status_code == 422, (name, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    details = await command(
        system, incident_id, "details", {"urgency": "acute"}, auth.adviser(adviser)
    )
    assert details.status_code == 202, details.text
    stored = await last_stored(system, "incident.details_updated", incident_id)
    assert (stored["updated_by"], stored["adviser_id"]) == ("adviser", adviser)
    declined = await command(system, incident_id, "decline", {}, auth.OPERATOR)
    assert declined.status_code == 202, declined.text
    stored = await last_stored(system, "assignment.declined", incident_id)
    assert (stored["declined_by"], stored["adviser_id"]) == ("operator", adviser)
    assigned = await command(system, incident_id, "assign", {"adviser_id": "ngb-02"}, auth.OPERATOR)
    assert assigned.status_code == 202, assigned.text
    stored = await last_stored(system, "assignment.requested", incident_id)
    assert stored["requested_by"] == "operator"


async def test_a_junk_link_token_answers_the_same_for_an_existing_and_a_missing_case(
    system: System,
) -> None:
    incident_id, _, _ = await case(system)
    answers = []
    for target in (incident_id, str(uuid.uuid4())):
        response = await command(system, target, "acknowledge", {"token": "j" * 40})
        body = response.json()
        body.pop("instance", None)
        answers.append((response.status_code, body))
    assert answers[0] == answers[1]
    assert answers[0][0] == 403
