"""Notify: the Dutch e-mail text of a page (the Notifier: test_notify_service.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.events import AdviserAssigned
from contracts.tokens import verify_ack_token
from contracts.vocabulary import NotificationChannel, Role
from notify.domain.links import Links
from notify.domain.messages import render
from routing.adapters.roster_file import load_roster
from routing.service.router import Router
from routing.settings import RoutingSettings
from tests.support.events import (
    ASSIGNMENT_ID,
    CANARY_DESCRIPTION,
    CANARY_EMAIL,
    CANARY_NAME,
    CANARY_PHONE,
    INCIDENT_ID,
    assigned,
    reported,
)
from tests.support.fakes import MemoryStateStore, RecordingPublisher, RecordingScheduler

INTAKE_URL = "https://weerbaar.example/"
ACK_PREFIX = "https://weerbaar.example/v1/ack/"
ACK_SECRET = b"unit-ack-secret"
DEPLOY_ROSTER = Path(__file__).resolve().parents[2] / "deploy" / "config" / "roster.yaml"
CANARIES = (CANARY_NAME, CANARY_PHONE, CANARY_EMAIL, CANARY_DESCRIPTION)


# --- the e-mail of a page ---------------------------------------------------------------


def render_email(event: AdviserAssigned, *, intake_public_url: str) -> tuple[str, str]:
    links = Links(
        intake_public_url=intake_public_url,
        registry_public_url="https://registry.weerbaar.example",
        secret=ACK_SECRET,
        grace=timedelta(hours=24),
    )
    rendered = render(
        event,
        channel=NotificationChannel.EMAIL,
        notification_id=event.assignment_id,
        ack_url=links.ack_url(
            incident_id=event.incident_id,
            assignment_id=event.assignment_id,
            ack_deadline=event.ack_deadline,
        ),
        case_url=links.case_url(incident_id=event.incident_id),
    )
    return rendered.subject, rendered.text


def test_email_names_the_case_in_dutch() -> None:
    subject, body = render_email(assigned(), intake_public_url=INTAKE_URL)
    text = subject + body
    assert str(INCIDENT_ID) in body
    assert str(ASSIGNMENT_ID) in body
    assert "burgemeester" in text
    assert "Amsterdam" in text
    assert "hoog" in text
    assert "bedreiging" in body
    (link,) = [word for word in body.split() if word.startswith(ACK_PREFIX)]
    claim = verify_ack_token(
        link.removeprefix(ACK_PREFIX), secret=ACK_SECRET, now=assigned().ack_deadline
    )
    assert (claim.incident_id, claim.assignment_id) == (INCIDENT_ID, ASSIGNMENT_ID)
    assert claim.expires_at == assigned().ack_deadline + timedelta(hours=24)
    assert "//v1" not in body
    # T0 + 15 minutes is 20:30 UTC, 21:30 in Amsterdam in November.
    assert "20-11-2026 21:30" in body
    # the subject, read by every mail server on the way: the urgency and the reference
    assert subject == f"[Weerbaar] hoog: nieuwe melding {INCIDENT_ID}"


@pytest.mark.parametrize(
    ("role", "code", "role_nl", "organisation"),
    [
        (Role.KINGS_COMMISSIONER, "PV27", "Commissaris van de Koning", "Noord-Holland"),
        (
            Role.WATER_BOARD_MEMBER,
            "WS0155",
            "waterschapsbestuurder",
            "Waterschap Amstel, Gooi en Vecht",
        ),
    ],
)
def test_email_for_provincie_and_waterschap(
    role: Role, code: str, role_nl: str, organisation: str
) -> None:
    subject, body = render_email(
        assigned(role=role, organisation_code=code), intake_public_url=INTAKE_URL
    )
    assert role_nl not in subject
    assert organisation not in subject
    assert role_nl in body
    assert organisation in body


def test_email_without_incident_types_says_unknown() -> None:
    event = assigned().model_copy(update={"incident_types": []})
    _, body = render_email(event, intake_public_url=INTAKE_URL)
    assert "onbekend" in body


async def _assignment_for_a_canary_report() -> tuple[AdviserAssigned, str]:
    report = reported(with_canaries=True)
    publisher = RecordingPublisher()

    router = Router(
        roster=load_roster(DEPLOY_ROSTER),
        settings=RoutingSettings(),
        state=MemoryStateStore(),  # type: ignore[arg-type]
        publish=publisher,
        schedule=RecordingScheduler(),
    )
    await router.handle(report, attempt=1)
    (event,) = publisher.events
    assert isinstance(event, AdviserAssigned)
    return event, report.model_dump_json()


async def test_email_never_carries_personal_data_of_the_official() -> None:
    event, report_json = await _assignment_for_a_canary_report()
    for canary in CANARIES:
        assert canary in report_json  # the canaries really were in the report
    subject, body = render_email(event, intake_public_url=INTAKE_URL)
    for canary in CANARIES:
        assert canary not in subject
        assert canary not in body
        assert canary not in event.model_dump_json()


def test_an_assignment_cannot_carry_personal_data() -> None:
    fields = set(AdviserAssigned.model_fields)
    assert not fields & {"official", "name", "phone", "email", "description", "incident"}
    data = json.loads(assigned().model_dump_json())
    data["official"] = {"name": CANARY_NAME}
    with pytest.raises(ValidationError):
        AdviserAssigned.model_validate(data)
