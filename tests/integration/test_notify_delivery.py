"""Notify as a process against real servers on loopback: nats-server, aiosmtpd for mail,
and a recording HTTP server as the SMS gateways and the webhook receiver."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import httpx
import nats
import pytest
from aiosmtpd.controller import Controller
from nats.js.client import JetStreamContext

from contracts.events import NotificationFailed, NotificationSent, derive_id
from contracts.tokens import verify_ack_token
from contracts.vocabulary import NotificationChannel, Urgency
from tests.support.auth import OPS
from tests.support.http_receiver import HttpReceiver
from tests.support.notify_helpers import (
    ACK_SECRET,
    INTAKE_URL,
    WEBHOOK_SECRET,
    assigned,
    contact,
    dead_letters,
    escalated,
    events_of,
    metric,
    notify_cli,
    publish,
    reminder,
)
from tests.support.servers import NatsServer, ServiceProcess, eventually, free_port, provision
from tests.support.system import RecordingHandler, body_of

pytestmark = pytest.mark.nats

MAX_ATTEMPTS = 8


@dataclass
class Rig:
    nats: NatsServer
    js: JetStreamContext
    smtp_port: int
    mailbox: RecordingHandler
    smtp: Controller | None
    http: HttpReceiver
    notify: ServiceProcess

    def smtp_down(self) -> None:
        assert self.smtp
        self.smtp.stop()
        self.smtp = None

    def smtp_up(self) -> None:
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=self.smtp_port)
        self.smtp.start()

    async def metrics(self) -> str:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(f"{self.notify.base_url}/metrics", headers=OPS)).text

    def mails_for(self, assignment_text: str) -> list[Message]:
        return self.mailbox.mentioning(assignment_text)


@pytest.fixture(scope="module")
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def rig(
    tmp_path_factory: pytest.TempPathFactory, receiver: HttpReceiver
) -> AsyncIterator[Rig]:
    workdir: Path = tmp_path_factory.mktemp("notify")
    server = NatsServer(store_dir=workdir / "nats").start()
    await provision(server.url)
    nc = await nats.connect(server.url)
    mailbox = RecordingHandler()
    port = free_port()
    providers = [
        {
            "name": "alpha",
            "url": receiver.url("/sms/alpha"),
            "auth_header": "Authorization: Bearer alpha-token",
        },
        {
            "name": "beta",
            "url": receiver.url("/sms/beta"),
            "body_template": {"recipient": "{to}", "message": {"body": "{text}"}},
        },
    ]
    notify = ServiceProcess(
        name="notify",
        env={
            "NATS_URL": server.url,
            "NOTIFY_PORT": str(free_port()),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_TIMEOUT_S": "2",
            "SMS_PROVIDERS": json.dumps(providers),
            "SMS_TIMEOUT_S": "2",
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
            "WEBHOOK_TIMEOUT_S": "2",
            "ACK_TOKEN_SECRET": ACK_SECRET,
            "INTAKE_PUBLIC_URL": INTAKE_URL,
            "NOTIFY_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            "NOTIFY_MAX_RETRY_S": "30",
            "NOTIFY_RETRY_BASE_S": "0.1",
            "NOTIFY_RETRY_CAP_S": "0.5",
            "NOTIFY_FAILOVER_DELAY_S": "1",
            "NOTIFY_CIRCUIT_FAILURES": "5",
            "NOTIFY_CIRCUIT_RESET_S": "0.5",
            "LOG_JSON": "true",
        },
        log_path=workdir / "notify.log",
        port=0,
    )
    notify.port = int(notify.env["NOTIFY_PORT"])
    rig = Rig(
        nats=server,
        js=nc.jetstream(),
        smtp_port=port,
        mailbox=mailbox,
        smtp=None,
        http=receiver,
        notify=notify,
    )
    rig.smtp_up()
    notify.start()
    try:
        async with httpx.AsyncClient(timeout=2) as client:

            async def ready() -> bool:
                try:
                    return (await client.get(f"{notify.base_url}/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, timeout=30, interval=0.1, what="notify ready")
        yield rig
    finally:
        notify.stop()
        await nc.close()
        if rig.smtp:
            rig.smtp.stop()
        server.stop()


def _the(items: list[object], kind: type) -> list[object]:
    return [item for item in items if isinstance(item, kind)]


async def test_smtp_down_for_a_while_then_up_delivers_the_mail_once(rig: Rig) -> None:
    rig.smtp_down()
    event = assigned([contact("email", "ngb-01@ngb.example")])
    failed_before = metric(
        await rig.metrics(), "weerbaar_notify_attempts_total", channel="email", outcome="failed"
    )
    await publish(rig.js, event)

    async def failing() -> bool:
        text = await rig.metrics()
        failed = metric(text, "weerbaar_notify_attempts_total", channel="email", outcome="failed")
        return failed - failed_before >= 2

    await eventually(failing, timeout=15, what="two failed SMTP attempts")
    rig.smtp_up()
    mails = await eventually(
        lambda: rig.mails_for(str(event.assignment_id)), timeout=15, what="the page"
    )
    await asyncio.sleep(1.0)  # a repeat would arrive by now
    mails = rig.mails_for(str(event.assignment_id))
    assert len(mails) == 1
    notification_id = derive_id("notification", event.assignment_id, "page", "email")
    assert mails[0]["Message-ID"] == f"<{notification_id}@weerbaar>"
    sent = await eventually(
        lambda: events_of(rig.js, event.incident_id, "notification.sent"), what="sent event"
    )
    (report,) = sent
    assert isinstance(report, NotificationSent)
    assert report.notification_id == notification_id
    assert report.attempt >= 2  # it took retries
    assert report.provider == "smtp"


async def test_first_sms_provider_failing_the_second_delivers_each_once(rig: Rig) -> None:
    rig.http.fail("/sms/alpha", 500)
    try:
        events = [assigned([contact("sms", f"+3161234560{n}")]) for n in range(6)]
        for event in events:
            await publish(rig.js, event)
        keys = {str(derive_id("notification", e.assignment_id, "page", "sms")): e for e in events}

        def beta_keys() -> list[str]:
            return [r.header("Idempotency-Key") or "" for r in rig.http.requests("/sms/beta")]

        await eventually(lambda: set(keys) <= set(beta_keys()), timeout=15, what="six SMS")
        await asyncio.sleep(1.0)
        delivered = [k for k in beta_keys() if k in keys]
        assert sorted(delivered) == sorted(keys)  # each exactly once
        alpha = [r for r in rig.http.requests("/sms/alpha") if r.header("Idempotency-Key") in keys]
        assert alpha, "the first provider was tried"
        assert {r.header("Authorization") for r in alpha} == {"Bearer alpha-token"}

        # The body follows the provider's template: the number and the text, nothing else.
        for request in rig.http.requests("/sms/beta"):
            key = request.header("Idempotency-Key")
            if key not in keys:
                continue
            event = keys[key]
            body = request.json()
            assert set(body) == {"recipient", "message"}
            assert body["recipient"] == event.contacts[0].address
            text = body["message"]["body"]
            match = re.fullmatch(
                r"Weerbaar: nieuwe melding, urgentie hoog\. Ref ([0-9a-f-]{36})\. "
                r"Bevestig: https://weerbaar\.test/v1/ack/([A-Za-z0-9_.-]+)",
                text,
            )
            assert match, text
            assert match.group(1) == str(event.incident_id)
            claim = verify_ack_token(match.group(2), secret=ACK_SECRET.encode())
            assert claim.incident_id == event.incident_id
            assert claim.assignment_id == event.assignment_id
            assert claim.expires_at > event.ack_deadline  # the grace period

        (report,) = await eventually(
            lambda: events_of(rig.js, events[0].incident_id, "notification.sent"),
            what="sent event",
        )
        assert isinstance(report, NotificationSent)
        assert report.provider == "beta"
        assert report.channel is NotificationChannel.SMS
        text = await rig.metrics()
        assert metric(text, "weerbaar_notify_circuit_opened_total", provider="alpha") >= 1
        assert (
            metric(text, "weerbaar_notify_attempts_total", provider="alpha", outcome="failed") >= 5
        )
        assert metric(text, "weerbaar_notify_deliveries_total", provider="beta") >= 6
    finally:
        rig.http.heal("/sms/alpha")


async def test_every_attempt_failing_reports_failed_parks_and_redrive_delivers(rig: Rig) -> None:
    path = "/hook/always-failing"
    rig.http.fail(path, 503)
    event = assigned([contact("webhook", rig.http.url(path))])
    await publish(rig.js, event)
    failed = await eventually(
        lambda: events_of(rig.js, event.incident_id, "notification.failed"),
        timeout=30,
        what="notification.failed",
    )
    (report,) = failed
    assert isinstance(report, NotificationFailed)
    assert report.channel is NotificationChannel.WEBHOOK
    assert report.attempts == MAX_ATTEMPTS
    assert report.error == "HTTP503"
    assert len(rig.http.requests(path)) == MAX_ATTEMPTS

    async def parked() -> list[dict[str, object]]:
        letters = await asyncio.to_thread(dead_letters, rig.nats.url)
        return [d for d in letters if d["incident_id"] == str(event.incident_id)]

    (letter,) = await eventually(parked, timeout=15, what="the dead letter")
    assert letter["reason"] == "failed"
    assert letter["error_type"] == "HTTP503"
    assert letter["event_type"] == "adviser.assigned"

    rig.http.heal(path)
    healed_at = time.time()
    result = await asyncio.to_thread(
        notify_cli, rig.nats.url, "dead-letters", "redrive", str(letter["seq"])
    )
    assert result.returncode == 0, result.stderr
    assert f"redriven {letter['seq']}" in result.stdout

    def after_heal() -> list[object]:
        return [r for r in rig.http.requests(path) if r.at >= healed_at]

    await eventually(after_heal, timeout=15, what="the re-driven webhook")
    await asyncio.sleep(1.0)
    assert len(after_heal()) == 1
    keys = {r.header("Idempotency-Key") for r in rig.http.requests(path)}
    assert keys == {str(report.notification_id)}  # every attempt, one idempotency key
    sent = await eventually(
        lambda: events_of(rig.js, event.incident_id, "notification.sent"), what="sent"
    )
    assert [s.notification_id for s in sent] == [report.notification_id]  # type: ignore[attr-defined]
    assert await parked() == []
    text = await rig.metrics()
    assert metric(text, "weerbaar_notify_dead_letters_total", purpose="page") >= 1
    assert metric(text, "weerbaar_notify_failures_total", channel="webhook") >= 1


def verify_weerbaar_webhook(
    secret: bytes, headers: dict[str, str], body: bytes, *, now: float, tolerance_s: int = 300
) -> bool:
    """docs/webhooks.md, as a receiver writes it."""
    timestamp = headers.get("Weerbaar-Timestamp", "")
    signature = headers.get("Weerbaar-Signature", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance_s:
        return False
    expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(
        hmac.compare_digest(part.strip().removeprefix("v1="), expected)
        for part in signature.split(",")
        if part.strip().startswith("v1=")
    )


async def test_webhook_signature_verifies_with_the_documented_recipe(rig: Rig) -> None:
    path = "/hook/municipality"
    event = assigned([contact("webhook", rig.http.url(path))], urgency=Urgency.NORMAL)
    await publish(rig.js, event)
    (request,) = await eventually(lambda: rig.http.requests(path), what="the webhook")
    headers = {k.title(): v for k, v in request.headers.items()}
    secret = WEBHOOK_SECRET.encode()
    now = time.time()
    assert verify_weerbaar_webhook(secret, headers, request.body, now=now)
    assert request.header("Content-Type") == "application/json"
    assert request.header("Idempotency-Key") == str(
        derive_id("notification", event.assignment_id, "page", "webhook")
    )
    payload = request.json()
    assert payload["type"] == "weerbaar.page"
    assert payload["incident_id"] == str(event.incident_id)
    assert payload["ack_url"].startswith(f"{INTAKE_URL}/v1/ack/")

    changed = request.body.replace(b'"normal"', b'"acute"')
    assert changed != request.body
    assert not verify_weerbaar_webhook(secret, headers, changed, now=now)
    assert not verify_weerbaar_webhook(secret, headers, request.body, now=now + 301)
    assert not verify_weerbaar_webhook(b"another secret", headers, request.body, now=now)
    replayed = {**headers, "Weerbaar-Timestamp": str(int(now))}
    if replayed["Weerbaar-Timestamp"] != headers["Weerbaar-Timestamp"]:
        assert not verify_weerbaar_webhook(secret, replayed, request.body, now=now)


async def test_important_policy_uses_every_channel_at_once(rig: Rig) -> None:
    hook = "/hook/acute"
    event = assigned(
        [
            contact("email", "acute@ngb.example"),
            contact("sms", "+31600000001"),
            contact("webhook", rig.http.url(hook)),
        ],
        urgency=Urgency.ACUTE,
    )
    started = time.monotonic()
    await publish(rig.js, event)
    await eventually(lambda: rig.mails_for(str(event.assignment_id)), what="the mail")
    await eventually(lambda: rig.http.requests(hook), what="the webhook")
    sms_key = str(derive_id("notification", event.assignment_id, "page", "sms"))
    sms = await eventually(
        lambda: [
            r
            for r in rig.http.requests()
            if r.path.startswith("/sms/") and r.header("Idempotency-Key") == sms_key
        ],
        what="the SMS",
    )
    assert time.monotonic() - started < 1.0  # not after the failover delay
    await asyncio.sleep(0.5)
    assert len(rig.mails_for(str(event.assignment_id))) == 1
    assert len(rig.http.requests(hook)) == 1
    assert len(sms) == 1


async def test_default_policy_moves_to_the_next_channel_after_the_delay(rig: Rig) -> None:
    hook = "/hook/unreachable"
    rig.http.fail(hook, 502)
    try:
        event = assigned(
            [contact("webhook", rig.http.url(hook)), contact("email", "second@ngb.example")]
        )
        published_at = time.time()  # the stream stores the event after this
        await publish(rig.js, event)
        await eventually(lambda: rig.http.requests(hook), what="the first channel")
        (mail,) = await eventually(
            lambda: rig.mails_for(str(event.assignment_id)), timeout=10, what="the mail"
        )
        (report,) = await eventually(
            lambda: events_of(rig.js, event.incident_id, "notification.sent"), what="report"
        )
        assert isinstance(report, NotificationSent)
        assert report.channel is NotificationChannel.EMAIL
        # The second channel starts once the failover delay (1 s) has passed since the
        # stream stored the event, on the same clock: a loaded machine only delays it.
        assert report.occurred_at.timestamp() - published_at >= 1.0
        # Reported after every send of its attempt had its answer: no webhook request
        # of that attempt is still on its way.
        attempts = len(rig.http.requests(hook))
        assert attempts >= 1
        await asyncio.sleep(1.5)
        assert len(rig.http.requests(hook)) == attempts  # delivered: the first stops too
        assert len(rig.mails_for(str(event.assignment_id))) == 1
        assert "second@ngb.example" in mail["X-Rcpt-To"]
    finally:
        rig.http.heal(hook)


async def test_escalation_notice_and_reminder_reach_the_adviser(rig: Rig) -> None:
    page = assigned([contact("email", "previous@ngb.example")])
    await publish(rig.js, page)
    await eventually(lambda: rig.mails_for(str(page.assignment_id)), what="the page")
    await publish(rig.js, escalated(page))
    await publish(rig.js, reminder(page))

    def subjects() -> list[str]:
        return sorted(
            str(m["Subject"])
            for m in rig.mailbox.to("previous@ngb.example")
            if str(page.incident_id) in body_of(m)
        )

    await eventually(lambda: len(subjects()) == 3, what="page, notice and reminder")
    assert any("overgedragen" in s for s in subjects())
    assert any("Herinnering" in s for s in subjects())

    async def reports() -> list[object] | None:
        sent = await events_of(rig.js, page.incident_id, "notification.sent")
        return sent if len(sent) == 3 else None

    sent = await eventually(reports, what="three reports")
    assert sorted(s.purpose for s in sent) == ["escalation_notice", "page", "reminder"]  # type: ignore[attr-defined]


async def test_a_redelivered_assignment_is_not_sent_again(rig: Rig) -> None:
    event = assigned([contact("email", "once@ngb.example")])
    await publish(rig.js, event)
    await eventually(lambda: rig.mails_for(str(event.assignment_id)), what="the page")
    skipped_before = metric(await rig.metrics(), "weerbaar_notify_already_delivered_total")
    # The same event again, as JetStream would redeliver it (another stream message).
    await publish(rig.js, event, msg_id=f"again-{event.event_id}")

    async def skipped() -> bool:
        text = await rig.metrics()
        return metric(text, "weerbaar_notify_already_delivered_total") > skipped_before

    await eventually(skipped, what="the repeat to be recognised")
    assert len(rig.mails_for(str(event.assignment_id))) == 1
