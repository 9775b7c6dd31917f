"""The Dutch texts of every purpose and channel, and what they must never carry."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from contracts.events import AdviserAssigned, ContactPoint, derive_id
from contracts.vocabulary import NotificationChannel
from notify.domain.links import Links
from notify.domain.messages import NoticeEvent, render
from tests.support.events import (
    ASSIGNMENT_ID,
    CANARY_DESCRIPTION,
    CANARY_EMAIL,
    CANARY_NAME,
    CANARY_PHONE,
    INCIDENT_ID,
    assigned,
    escalated,
    reminder_due,
)

LINKS = Links(
    intake_public_url="https://weerbaar.example",
    registry_public_url="https://registry.weerbaar.example",
    secret=b"unit",
    grace=timedelta(hours=24),
)
CASE_URL = f"https://registry.weerbaar.example/v1/incidents/{INCIDENT_ID}"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TOKEN = r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"


def render_for(event: NoticeEvent, channel: NotificationChannel):  # type: ignore[no-untyped-def]
    ack_url = None
    if isinstance(event, AdviserAssigned):
        ack_url = LINKS.ack_url(
            incident_id=event.incident_id,
            assignment_id=event.assignment_id,
            ack_deadline=event.ack_deadline,
        )
    return render(
        event,
        channel=channel,
        notification_id=derive_id("n", channel.value),
        ack_url=ack_url,
        case_url=LINKS.case_url(incident_id=event.incident_id),
    )


def notice() -> NoticeEvent:
    return escalated().model_copy(
        update={
            "previous_contacts": [
                ContactPoint(channel=NotificationChannel.EMAIL, address="a@ngb.example")
            ]
        }
    )


# The whole SMS, pinned: fixed Dutch text, the urgency, the reference and a link.
SMS_SHAPES = {
    "page": rf"Weerbaar: nieuwe melding, urgentie hoog\. Ref ({UUID})\. "
    rf"Bevestig: https://weerbaar\.example/v1/ack/{TOKEN}",
    "escalation_notice": rf"Weerbaar: melding ({UUID}) is overgedragen aan een andere adviseur\. "
    r"U hoeft niets te doen\.",
    "reminder": rf"Weerbaar: herinnering, melding ({UUID}) wacht op een actie\. "
    rf"https://registry\.weerbaar\.example/v1/incidents/({UUID})",
}


@pytest.mark.parametrize(
    ("purpose", "event"),
    [("page", assigned()), ("escalation_notice", notice()), ("reminder", reminder_due())],
)
def test_an_sms_is_fixed_text_the_reference_and_a_link_only(
    purpose: str, event: NoticeEvent
) -> None:
    rendered = render_for(event, NotificationChannel.SMS)
    match = re.fullmatch(SMS_SHAPES[purpose], rendered.text)
    assert match, rendered.text
    assert set(match.groups()) == {str(INCIDENT_ID)}
    assert rendered.subject == ""
    assert rendered.data == {}
    for forbidden in ("burgemeester", "Amsterdam", "bedreiging", "ngb-01"):
        assert forbidden not in rendered.text


@pytest.mark.parametrize("event", [assigned(), notice(), reminder_due()])
@pytest.mark.parametrize("channel", list(NotificationChannel))
def test_no_message_carries_personal_data_of_the_official(
    event: NoticeEvent, channel: NotificationChannel
) -> None:
    rendered = render_for(event, channel)
    everything = rendered.subject + rendered.text + json.dumps(rendered.data)
    for canary in (CANARY_NAME, CANARY_PHONE, CANARY_EMAIL, CANARY_DESCRIPTION, "description"):
        assert canary not in everything


def test_the_escalation_notice_email_says_the_case_moved_on() -> None:
    rendered = render_for(notice(), NotificationChannel.EMAIL)
    assert rendered.subject == f"[Weerbaar] Melding {INCIDENT_ID} is overgedragen"
    assert "er is niet op tijd bevestigd" in rendered.text
    assert str(ASSIGNMENT_ID) in rendered.text
    assert "/v1/ack/" not in rendered.text


def test_the_reminder_email_links_the_case_and_differs_for_the_coordinator() -> None:
    adviser = render_for(reminder_due(), NotificationChannel.EMAIL)
    coordinator = render_for(
        reminder_due().model_copy(update={"recipient": "coordinator"}), NotificationChannel.EMAIL
    )
    assert adviser.subject.startswith("[Weerbaar] Herinnering")
    assert CASE_URL in adviser.text
    assert "Beste adviseur" in adviser.text
    assert "Beste coördinator" in coordinator.text
    assert "20-11-2026 17:15" in adviser.text  # T0 - 4h is 16:15 UTC, 17:15 in Amsterdam


def test_the_webhook_body_is_structured_and_carries_the_links() -> None:
    rendered = render_for(assigned(), NotificationChannel.WEBHOOK)
    data = rendered.data
    assert data["type"] == "weerbaar.page"
    assert data["purpose"] == "page"
    assert data["incident_id"] == str(INCIDENT_ID)
    assert data["assignment_id"] == str(ASSIGNMENT_ID)
    assert data["notification_id"] == str(derive_id("n", "webhook"))
    assert data["urgency"] == "high"
    assert data["ack_url"].startswith("https://weerbaar.example/v1/ack/")
    assert data["text"] == rendered.text
    assert json.loads(json.dumps(data)) == data
    reminder = render_for(reminder_due(), NotificationChannel.WEBHOOK).data
    assert reminder["case_url"] == CASE_URL
    assert reminder["stage"] == 1
