"""Notify as a process against real servers (tests.support.notify_process): a mail
once after the SMTP server comes back, SMS failover between gateways, giving up and
re-driving, and no second page for a redelivered event. The policies are in
test_notify_policies.py, the webhook signature in test_notify_webhooks.py."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import pytest

from contracts.events import NotificationFailed, NotificationSent, derive_id
from contracts.tokens import verify_ack_token
from contracts.vocabulary import NotificationChannel
from tests.support.notify_helpers import (
    ACK_SECRET,
    assigned,
    contact,
    dead_letters,
    events_of,
    metric,
    notify_cli,
    publish,
    settled,
)
from tests.support.notify_process import MAX_ATTEMPTS, Rig, notify_rig
from tests.support.servers import eventually

pytestmark = pytest.mark.nats


@pytest.fixture(scope="module")
async def rig(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rig]:
    async with notify_rig(tmp_path_factory.mktemp("notify")) as started:
        yield started


async def test_smtp_down_for_a_while_then_up_delivers_the_mail_once(rig: Rig) -> None:
    rig.smtp_down()
    event = assigned([contact("email", "ngb-01@ngb.example")])
    failed_before = metric(
        await rig.metrics(), "weerbaar_notify_attempts_total", channel="email", outcome="failed"
    )
    seq = await publish(rig.js, event)

    async def failing() -> bool:
        text = await rig.metrics()
        failed = metric(text, "weerbaar_notify_attempts_total", channel="email", outcome="failed")
        return failed - failed_before >= 2

    await eventually(failing, timeout=15, what="two failed SMTP attempts")
    rig.smtp_up()
    mails = await eventually(
        lambda: rig.mails_for(str(event.assignment_id)), timeout=15, what="the page"
    )
    # Acknowledged: the event is not handled again, so a repeat would have been sent.
    await eventually(lambda: settled(rig.js, seq), timeout=15, what="the page settled")
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
        seqs = [await publish(rig.js, event) for event in events]
        keys = {str(derive_id("notification", e.assignment_id, "page", "sms")): e for e in events}

        def beta_keys() -> list[str]:
            return [r.header("Idempotency-Key") or "" for r in rig.http.requests("/sms/beta")]

        await eventually(lambda: set(keys) <= set(beta_keys()), timeout=15, what="six SMS")
        await eventually(lambda: settled(rig.js, max(seqs)), timeout=15, what="six settled")
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
    redriven = re.search(r"stream sequence (\d+)", result.stdout)
    assert redriven, result.stdout

    def after_heal() -> list[object]:
        return [r for r in rig.http.requests(path) if r.at >= healed_at]

    await eventually(after_heal, timeout=15, what="the re-driven webhook")
    await eventually(
        lambda: settled(rig.js, int(redriven.group(1))), timeout=15, what="re-drive settled"
    )
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
