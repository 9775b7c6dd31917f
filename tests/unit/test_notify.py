"""Notify: the Dutch e-mail text and the Notifier with in-memory ports."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.events import (
    AdviserAssigned,
    ContactPoint,
    NotificationFailed,
    NotificationSent,
    derive_id,
)
from contracts.vocabulary import NotificationChannel, Role, Urgency
from notify.messages import render_email
from notify.service import Notifier
from routing.roster import load_roster
from routing.service import Router
from routing.settings import RoutingSettings
from tests.unit._helpers import (
    ASSIGNMENT_ID,
    CANARY_DESCRIPTION,
    CANARY_EMAIL,
    CANARY_NAME,
    CANARY_PHONE,
    INCIDENT_ID,
    RecordingPublisher,
    assigned,
    reported,
)

INTAKE_URL = "https://weerbaar.example/"
ACK_URL = f"https://weerbaar.example/v1/incidents/{INCIDENT_ID}/acknowledge"
DEPLOY_ROSTER = Path(__file__).resolve().parents[2] / "deploy" / "config" / "roster.yaml"
CANARIES = (CANARY_NAME, CANARY_PHONE, CANARY_EMAIL, CANARY_DESCRIPTION)


# --- render_email -----------------------------------------------------------------------


def test_email_names_the_case_in_dutch() -> None:
    subject, body = render_email(assigned(), intake_public_url=INTAKE_URL)
    text = subject + body
    assert str(INCIDENT_ID) in body
    assert str(ASSIGNMENT_ID) in body
    assert "burgemeester" in text
    assert "Amsterdam" in text
    assert "hoog" in text
    assert "bedreiging" in body
    assert ACK_URL in body
    assert "//v1" not in body
    # T0 + 15 minutes is 20:30 UTC, 21:30 in Amsterdam in November.
    assert "20-11-2026 21:30" in subject
    assert subject.startswith("[Weerbaar] hoog: burgemeester Amsterdam")


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
    assert role_nl in subject
    assert role_nl in body
    assert organisation in body


def test_email_without_incident_types_says_unknown() -> None:
    event = assigned().model_copy(update={"incident_types": []})
    _, body = render_email(event, intake_public_url=INTAKE_URL)
    assert "onbekend" in body


async def _assignment_for_a_canary_report() -> tuple[AdviserAssigned, str]:
    report = reported(with_canaries=True)
    publisher = RecordingPublisher()

    class State:
        async def get(self, incident_id: str) -> AdviserAssigned | None:
            return None

        async def create(self, incident_id: str, assigned: AdviserAssigned) -> AdviserAssigned:
            return assigned

    router = Router(
        roster=load_roster(DEPLOY_ROSTER),
        settings=RoutingSettings.model_construct(),
        state=State(),
        publish=publisher,
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


# --- Notifier ---------------------------------------------------------------------------


class Mailer:
    def __init__(self, failures: int = 0) -> None:
        self.sent: list[dict[str, object]] = []
        self.failures = failures

    async def send(self, *, notification_id: uuid.UUID, to: str, subject: str, body: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("smtp down for a.de.vries@example.nl")
        self.sent.append({"notification_id": notification_id, "to": to, "subject": subject})


class DeliveredLog:
    def __init__(self) -> None:
        self.delivered: set[uuid.UUID] = set()

    async def was_delivered(self, notification_id: uuid.UUID) -> bool:
        return notification_id in self.delivered

    async def record(self, notification_id: uuid.UUID) -> None:
        self.delivered.add(notification_id)


MAX_ATTEMPTS = 3
NOTIFICATION_ID = derive_id("notification", ASSIGNMENT_ID, "email")


def make_notifier(
    mailer: Mailer, delivered: DeliveredLog | None = None
) -> tuple[Notifier, RecordingPublisher, DeliveredLog]:
    publisher = RecordingPublisher()
    log = delivered if delivered is not None else DeliveredLog()
    notifier = Notifier(
        mailer=mailer,
        delivered=log,
        publish=publisher,
        intake_public_url=INTAKE_URL,
        max_attempts=MAX_ATTEMPTS,
    )
    return notifier, publisher, log


async def test_notifier_sends_once_and_reports_it() -> None:
    mailer = Mailer()
    notifier, publisher, log = make_notifier(mailer)
    event = assigned()
    await notifier.handle(event, attempt=1)
    (sent,) = mailer.sent
    assert sent["to"] == "ngb-01@ngb.example"
    assert sent["notification_id"] == NOTIFICATION_ID
    assert log.delivered == {NOTIFICATION_ID}
    (published,) = publisher.events
    assert isinstance(published, NotificationSent)
    assert published.notification_id == NOTIFICATION_ID
    assert published.assignment_id == ASSIGNMENT_ID
    assert published.incident_id == INCIDENT_ID
    assert published.causation_id == event.event_id
    assert published.adviser_id == "ngb-01"
    assert published.channel is NotificationChannel.EMAIL
    assert published.attempt == 1
    assert published.producer == "notify"


async def test_redelivered_assignment_is_not_sent_again_but_reported_again() -> None:
    mailer = Mailer()
    notifier, publisher, _log = make_notifier(mailer)
    event = assigned()
    await notifier.handle(event, attempt=1)
    await notifier.handle(event, attempt=2)
    assert len(mailer.sent) == 1
    first, again = publisher.events
    assert isinstance(again, NotificationSent)
    assert again.event_id == first.event_id
    assert again.notification_id == first.notification_id


async def test_delivered_log_is_shared_across_instances() -> None:
    """A restarted notify (same KV bucket) does not page again."""
    log = DeliveredLog()
    first_mailer, second_mailer = Mailer(), Mailer()
    first, first_publisher, _ = make_notifier(first_mailer, log)
    second, second_publisher, _ = make_notifier(second_mailer, log)
    await first.handle(assigned(), attempt=1)
    await second.handle(assigned(), attempt=2)
    assert len(first_mailer.sent) == 1
    assert second_mailer.sent == []
    assert second_publisher.events[0].event_id == first_publisher.events[0].event_id


async def test_another_assignment_is_sent_again() -> None:
    mailer = Mailer()
    notifier, publisher, _ = make_notifier(mailer)
    await notifier.handle(assigned(), attempt=1)
    escalated = assigned(adviser_id="ngb-02", assignment_id=derive_id("assignment", 1), n=1)
    await notifier.handle(escalated, attempt=1)
    assert [m["to"] for m in mailer.sent] == ["ngb-01@ngb.example", "ngb-02@ngb.example"]
    assert publisher.events[0].event_id != publisher.events[1].event_id


@pytest.mark.parametrize("attempt", range(1, MAX_ATTEMPTS))
async def test_failure_below_max_attempts_raises_for_a_retry(attempt: int) -> None:
    notifier, publisher, log = make_notifier(Mailer(failures=1))
    with pytest.raises(ConnectionRefusedError):
        await notifier.handle(assigned(), attempt=attempt)
    assert publisher.events == []
    assert log.delivered == set()


@pytest.mark.parametrize("attempt", [MAX_ATTEMPTS, MAX_ATTEMPTS + 1])
async def test_failure_at_max_attempts_reports_failed_and_does_not_raise(attempt: int) -> None:
    notifier, publisher, log = make_notifier(Mailer(failures=1))
    await notifier.handle(assigned(), attempt=attempt)
    (failed,) = publisher.events
    assert isinstance(failed, NotificationFailed)
    assert failed.notification_id == NOTIFICATION_ID
    assert failed.attempts == attempt
    assert failed.error == "ConnectionRefusedError"
    assert "example.nl" not in failed.model_dump_json()  # the message is never reported
    assert failed.event_id == derive_id("notification.failed", NOTIFICATION_ID)
    assert log.delivered == set()


async def test_retry_after_a_failure_sends_and_reports_the_attempt() -> None:
    mailer = Mailer(failures=1)
    notifier, publisher, _ = make_notifier(mailer)
    with pytest.raises(ConnectionRefusedError):
        await notifier.handle(assigned(), attempt=1)
    await notifier.handle(assigned(), attempt=2)
    assert len(mailer.sent) == 1
    (sent,) = publisher.events
    assert isinstance(sent, NotificationSent)
    assert sent.attempt == 2


async def test_adviser_without_email_is_reported_failed() -> None:
    mailer = Mailer()
    notifier, publisher, _ = make_notifier(mailer)
    sms_only = assigned(
        contacts=[ContactPoint(channel=NotificationChannel.SMS, address="+31600000000")]
    )
    await notifier.handle(sms_only, attempt=1)
    assert mailer.sent == []
    (failed,) = publisher.events
    assert isinstance(failed, NotificationFailed)
    assert failed.error == "NoEmailChannel"


async def test_first_email_contact_is_used() -> None:
    mailer = Mailer()
    notifier, _, _ = make_notifier(mailer)
    event = assigned(
        contacts=[
            ContactPoint(channel=NotificationChannel.SMS, address="+31600000000"),
            ContactPoint(channel=NotificationChannel.EMAIL, address="first@ngb.example"),
            ContactPoint(channel=NotificationChannel.EMAIL, address="second@ngb.example"),
        ]
    )
    await notifier.handle(event, attempt=1)
    assert [m["to"] for m in mailer.sent] == ["first@ngb.example"]


async def test_notifier_ignores_other_events() -> None:
    mailer = Mailer()
    notifier, publisher, _ = make_notifier(mailer)
    await notifier.handle(reported(urgency=Urgency.ACUTE), attempt=1)
    assert mailer.sent == []
    assert publisher.events == []
