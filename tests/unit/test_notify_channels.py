"""Notify's channels and settings, with httpx's mock transport instead of a network."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from contracts.events import derive_id
from contracts.vocabulary import NotificationChannel, Urgency
from notify.adapters.channels.email import EmailChannel
from notify.adapters.channels.sms import Gateway, SmsChannel, fill
from notify.adapters.channels.webhook import WebhookChannel
from notify.domain.circuit import CircuitBreaker, CircuitState
from notify.service.ports import DeliveryError, OutgoingMessage
from notify.settings import NotifySettings, SmsProvider
from tests.support.events import ASSIGNMENT_ID

NOTIFICATION_ID = derive_id("notification", ASSIGNMENT_ID, "page", "sms")


def message(channel: NotificationChannel, to: str, **data: object) -> OutgoingMessage:
    return OutgoingMessage(
        notification_id=NOTIFICATION_ID,
        channel=channel,
        to=to,
        subject="Onderwerp",
        text='Weerbaar: "nieuwe" melding',
        incident_reference="00000000-0000-4000-8000-000000000001",
        data=dict(data),
    )


class Gatekeeper:
    """A mock transport: records requests, answers per host from a list of statuses."""

    def __init__(self, statuses: dict[str, list[int]]) -> None:
        self.statuses = statuses
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answers = self.statuses[request.url.host]
        status = answers.pop(0) if len(answers) > 1 else answers[0]
        if status == 0:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(status, json={})

    def hosts(self) -> list[str]:
        return [r.url.host for r in self.requests]


def gateways(*names: str, threshold: int = 2) -> list[Gateway]:
    return [
        Gateway(
            config=SmsProvider(
                name=name,
                url=f"https://{name}.example/send",
                auth_header=f"X-Api-Key: key-{name}",
            ),
            breaker=CircuitBreaker(failure_threshold=threshold, reset_after_s=60),
        )
        for name in names
    ]


def sms_channel(transport: Gatekeeper, providers: list[Gateway]) -> SmsChannel:
    client = httpx.AsyncClient(transport=httpx.MockTransport(transport))
    return SmsChannel(providers, client=client, sender="Weerbaar", timeout_s=1)


# --- SMS --------------------------------------------------------------------------------


async def test_sms_goes_to_the_first_provider_with_its_template_auth_and_key() -> None:
    transport = Gatekeeper({"alpha.example": [200], "beta.example": [200]})
    receipt = await sms_channel(transport, gateways("alpha", "beta")).send(
        message(NotificationChannel.SMS, "+31600000001")
    )
    assert receipt.provider == "alpha"
    (request,) = transport.requests
    assert request.headers["X-Api-Key"] == "key-alpha"
    assert request.headers["Idempotency-Key"] == str(NOTIFICATION_ID)
    assert json.loads(request.content) == {
        "to": "+31600000001",
        "text": 'Weerbaar: "nieuwe" melding',
        "reference": str(NOTIFICATION_ID),
    }


@pytest.mark.parametrize("failure", [500, 503, 429, 0])
async def test_sms_fails_over_to_the_next_provider(failure: int) -> None:
    transport = Gatekeeper({"alpha.example": [failure], "beta.example": [200]})
    receipt = await sms_channel(transport, gateways("alpha", "beta")).send(
        message(NotificationChannel.SMS, "+31600000001")
    )
    assert receipt.provider == "beta"
    assert transport.hosts() == ["alpha.example", "beta.example"]


async def test_sms_skips_a_provider_whose_circuit_is_open() -> None:
    transport = Gatekeeper({"alpha.example": [500], "beta.example": [200]})
    providers = gateways("alpha", "beta", threshold=2)
    channel = sms_channel(transport, providers)
    for _ in range(2):
        await channel.send(message(NotificationChannel.SMS, "+31600000001"))
    assert providers[0].breaker.state is CircuitState.OPEN
    transport.requests.clear()
    await channel.send(message(NotificationChannel.SMS, "+31600000001"))
    assert transport.hosts() == ["beta.example"]


async def test_sms_with_every_provider_failing_raises_a_safe_error() -> None:
    transport = Gatekeeper({"alpha.example": [500], "beta.example": [0]})
    with pytest.raises(DeliveryError) as failed:
        await sms_channel(transport, gateways("alpha", "beta")).send(
            message(NotificationChannel.SMS, "+31600000001")
        )
    assert failed.value.kind == "AllProvidersFailed"
    assert "+316" not in str(failed.value)


async def test_sms_without_providers_raises() -> None:
    with pytest.raises(DeliveryError, match="NoSmsProvider"):
        await sms_channel(Gatekeeper({}), []).send(message(NotificationChannel.SMS, "+316"))


def test_body_template_fills_strings_and_cannot_break_the_json() -> None:
    template = {"msisdn": "{to}", "parts": [{"body": "{text}"}], "from": "{sender}", "n": 1}
    filled = fill(template, {"to": "+316", "text": '"}, "evil": 1', "sender": "Weerbaar"})
    assert filled == {
        "msisdn": "+316",
        "parts": [{"body": '"}, "evil": 1'}],
        "from": "Weerbaar",
        "n": 1,
    }


# --- webhooks ---------------------------------------------------------------------------


async def test_webhook_is_signed_over_timestamp_and_body() -> None:
    transport = Gatekeeper({"hooks.example": [200]})
    channel = WebhookChannel(
        client=httpx.AsyncClient(transport=httpx.MockTransport(transport)),
        secret=b"s3cret",
        timeout_s=1,
        clock=lambda: 1_800_000_000.7,
    )
    await channel.send(message(NotificationChannel.WEBHOOK, "https://hooks.example/x", a=1, b="é"))
    (request,) = transport.requests
    assert request.headers["Weerbaar-Timestamp"] == "1800000000"
    assert request.headers["Idempotency-Key"] == str(NOTIFICATION_ID)
    assert request.headers["Content-Type"] == "application/json"
    expected = hmac.new(b"s3cret", b"1800000000." + request.content, hashlib.sha256).hexdigest()
    assert request.headers["Weerbaar-Signature"] == f"v1={expected}"
    assert json.loads(request.content) == {"a": 1, "b": "é"}


@pytest.mark.parametrize(
    ("status", "kind"), [(500, "HTTP500"), (404, "HTTP404"), (0, "ConnectError")]
)
async def test_webhook_failures_are_reported_by_kind(status: int, kind: str) -> None:
    transport = Gatekeeper({"hooks.example": [status]})
    channel = WebhookChannel(
        client=httpx.AsyncClient(transport=httpx.MockTransport(transport)),
        secret=b"s",
        timeout_s=1,
    )
    with pytest.raises(DeliveryError) as failed:
        await channel.send(message(NotificationChannel.WEBHOOK, "https://hooks.example/x"))
    assert failed.value.kind == kind


async def test_webhook_refuses_an_address_that_is_not_a_url() -> None:
    channel = WebhookChannel(client=httpx.AsyncClient(), secret=b"s", timeout_s=1)
    with pytest.raises(DeliveryError, match="InvalidWebhookUrl"):
        await channel.send(message(NotificationChannel.WEBHOOK, "ngb-01@ngb.example"))


# --- e-mail -----------------------------------------------------------------------------


def test_email_message_id_derives_from_the_notification_id() -> None:
    channel = EmailChannel(
        NotifySettings(), breaker=CircuitBreaker(failure_threshold=1, reset_after_s=1)
    )
    mail = channel.build(message(NotificationChannel.EMAIL, "a@ngb.example"))
    assert mail["Message-ID"] == f"<{NOTIFICATION_ID}@weerbaar>"
    assert mail["X-Weerbaar-Notification-Id"] == str(NOTIFICATION_ID)
    assert mail["To"] == "a@ngb.example"
    assert mail["Auto-Submitted"] == "auto-generated"


async def test_email_with_an_open_circuit_fails_fast() -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_after_s=60)
    breaker.failure()
    channel = EmailChannel(NotifySettings(), breaker=breaker)
    with pytest.raises(DeliveryError, match="CircuitOpen"):
        await channel.send(message(NotificationChannel.EMAIL, "a@ngb.example"))


# --- settings ---------------------------------------------------------------------------


def test_sms_providers_from_json_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "SMS_PROVIDERS",
        json.dumps(
            [
                {"name": "primary", "url": "https://sms.one/api", "auth_header": "Bearer abc"},
                {"name": "backup", "url": "https://sms.two/api", "body_template": {"m": "{text}"}},
            ]
        ),
    )
    monkeypatch.setenv("NOTIFY_IMPORTANT_URGENCIES", "acute, high")
    settings = NotifySettings()
    assert [p.name for p in settings.sms_providers] == ["primary", "backup"]
    assert settings.sms_providers[0].auth() == {"Authorization": "Bearer abc"}
    assert settings.sms_providers[1].body_template == {"m": "{text}"}
    assert settings.important_urgencies == [Urgency.ACUTE, Urgency.HIGH]
    assert "abc" not in repr(settings)


def test_sms_providers_from_a_yaml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sms.yaml"
    path.write_text(
        "providers:\n  - name: primary\n    url: https://sms.one/api\n    auth_header: 'X-Key: k'\n"
    )
    monkeypatch.setenv("SMS_PROVIDERS_FILE", str(path))
    (provider,) = NotifySettings().sms_providers
    assert provider.auth() == {"X-Key": "k"}


@pytest.mark.parametrize(
    "env",
    [
        {"SMS_PROVIDERS": '[{"name": "Has Spaces", "url": "https://x"}]'},
        {"SMS_PROVIDERS": '[{"name": "a", "url": "ftp://x"}]'},
        {"SMS_PROVIDERS": '[{"name": "a", "url": "https://x"}, {"name": "a", "url": "https://y"}]'},
        {"NOTIFY_MAX_ATTEMPTS": "63"},  # above max_deliver - 2
        {"ENVIRONMENT": "production"},
    ],
)
def test_bad_settings_fail_fast(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError):
        NotifySettings()
