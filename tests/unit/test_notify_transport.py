"""Notify on the way to the adviser: an e-mail's subject, read by every mail server it
passes, names no official (only the urgency and the reference), and production sends
e-mail only over TLS unless told otherwise, refusing to start (exit code 2) without."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.vocabulary import NotificationChannel, Role
from notify.adapters.channels import email as email_channel
from notify.adapters.channels.email import EmailChannel
from notify.domain.circuit import CircuitBreaker
from notify.domain.messages import render
from notify.service.ports import DeliveryError, OutgoingMessage
from notify.settings import NotifySettings
from tests.support.events import ASSIGNMENT_ID, INCIDENT_ID, assigned

# an official of a small gemeente, one of a provincie and one of a waterschap
OFFICIALS = [
    (Role.MAYOR, "GM0088", ("burgemeester", "Schiermonnikoog")),
    (Role.KINGS_COMMISSIONER, "PV27", ("Commissaris", "Noord-Holland")),
    (Role.WATER_BOARD_MEMBER, "WS0155", ("waterschapsbestuurder", "Amstel")),
]


def _page_subject(role: Role, code: str) -> tuple[str, str]:
    rendered = render(
        assigned(role=role, organisation_code=code),
        channel=NotificationChannel.EMAIL,
        notification_id=ASSIGNMENT_ID,
        ack_url="https://weerbaar.example/v1/ack/t",
        case_url="https://weerbaar.example/cases/x",
    )
    return rendered.subject, rendered.text


@pytest.mark.parametrize(("role", "code", "identifying"), OFFICIALS)
def test_a_page_subject_carries_the_urgency_and_the_reference_only(
    role: Role, code: str, identifying: tuple[str, ...]
) -> None:
    subject, body = _page_subject(role, code)
    assert subject == f"[Weerbaar] hoog: nieuwe melding {INCIDENT_ID}"
    for word in identifying:
        assert word.lower() not in subject.lower()
        assert word.lower() in body.lower()  # the adviser still reads who it is


PRODUCTION = {"ENVIRONMENT": "production"} | {
    name: secrets.token_urlsafe(32)
    for name in ("WEBHOOK_SECRET", "ACK_TOKEN_SECRET", "AUTH_SIGNING_KEY")
}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in PRODUCTION.items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"SMTP_STARTTLS": "false", "SMTP_IMPLICIT_TLS": "false"},
        {"SMTP_ALLOW_PLAINTEXT": "false"},
    ],
)
@pytest.mark.usefixtures("production")
def test_production_refuses_plain_smtp(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError, match="production sends e-mail over TLS"):
        NotifySettings()


@pytest.mark.parametrize(
    ("env", "starttls", "implicit"),
    [
        ({"SMTP_STARTTLS": "true"}, True, False),
        ({"SMTP_IMPLICIT_TLS": "true"}, False, True),
        ({"SMTP_ALLOW_PLAINTEXT": "true"}, False, False),  # on purpose
    ],
)
@pytest.mark.usefixtures("production")
def test_production_takes_tls_or_an_explicit_choice_against_it(
    env: dict[str, str], starttls: bool, implicit: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = NotifySettings()
    assert (settings.smtp_starttls, settings.smtp_implicit_tls) == (starttls, implicit)


def test_starttls_and_implicit_tls_together_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_STARTTLS", "true")
    monkeypatch.setenv("SMTP_IMPLICIT_TLS", "true")
    with pytest.raises(ValidationError, match="not both"):
        NotifySettings()


def test_development_still_sends_to_the_local_mailbox_without_tls() -> None:
    settings = NotifySettings()
    assert (settings.smtp_starttls, settings.smtp_implicit_tls) == (False, False)


@pytest.mark.parametrize(
    ("env", "start_tls", "use_tls"),
    [({"SMTP_STARTTLS": "true"}, True, False), ({"SMTP_IMPLICIT_TLS": "true"}, False, True)],
)
async def test_the_email_channel_connects_with_the_tls_it_was_given(
    env: dict[str, str], start_tls: bool, use_tls: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[dict[str, Any]] = []

    class Refusing:
        def __init__(self, **kwargs: Any) -> None:
            made.append(kwargs)

        async def connect(self) -> None:
            raise ConnectionRefusedError

        def close(self) -> None:
            pass

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(email_channel.aiosmtplib, "SMTP", Refusing)
    breaker = CircuitBreaker(failure_threshold=5, reset_after_s=60)
    channel = EmailChannel(NotifySettings(), breaker=breaker)
    message = OutgoingMessage(
        notification_id=ASSIGNMENT_ID,
        channel=NotificationChannel.EMAIL,
        to="adviser@example.nl",
        subject="s",
        text="t",
        incident_reference=str(INCIDENT_ID),
    )
    with pytest.raises(DeliveryError, match="ConnectionRefusedError"):
        await channel.send(message)
    assert (made[0]["start_tls"], made[0]["use_tls"]) == (start_tls, use_tls)


def test_notify_refuses_to_start_in_production_without_tls() -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SMTP_", "NOTIFY_", "WEBHOOK_", "AUTH_", "ACK_"))
    }
    env.update(PRODUCTION, NATS_URL="nats://127.0.0.1:1")
    started = subprocess.run(
        [sys.executable, "-m", "notify"], env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode == 2, started.stderr
    assert "production sends e-mail over TLS" in started.stderr
