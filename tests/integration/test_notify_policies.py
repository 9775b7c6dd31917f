"""Notify's channel policies against real servers (tests.support.notify_process): every
channel at once for an acute page, the next channel after the failover delay
otherwise, and the escalation notice and reminder."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from contracts.events import NotificationSent, derive_id
from contracts.vocabulary import NotificationChannel, Urgency
from tests.support.notify_helpers import (
    assigned,
    contact,
    escalated,
    events_of,
    publish,
    reminder,
    settled,
)
from tests.support.notify_process import MAX_ATTEMPTS, Rig, notify_rig
from tests.support.servers import eventually
from tests.support.system import body_of

pytestmark = pytest.mark.nats


@pytest.fixture(scope="module")
async def rig(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rig]:
    async with notify_rig(tmp_path_factory.mktemp("notify")) as started:
        yield started


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
    seq = await publish(rig.js, event)
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
    await eventually(lambda: settled(rig.js, seq), timeout=15, what="the page settled")
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
        seq = await publish(rig.js, event)
        await eventually(lambda: rig.http.requests(hook), what="the first channel")
        (mail,) = await eventually(
            lambda: rig.mails_for(str(event.assignment_id)), timeout=10, what="the mail"
        )
        (report,) = await eventually(
            lambda: events_of(rig.js, event.incident_id, "notification.sent"), what="report"
        )
        assert isinstance(report, NotificationSent)
        assert report.channel is NotificationChannel.EMAIL
        # Sent by the failover, not by the final attempt (which starts every channel at
        # once whatever the delay): that is what the delay below measures.
        assert report.attempt < MAX_ATTEMPTS
        # The second channel starts once the failover delay (1 s) has passed since the
        # stream stored the event, on the same clock: a loaded machine only delays it.
        assert report.occurred_at.timestamp() - published_at >= 1.0
        # Reported after every send of its attempt had its answer: no webhook request
        # of that attempt is still on its way.
        attempts = len(rig.http.requests(hook))
        assert attempts >= 1
        await eventually(lambda: settled(rig.js, seq), timeout=15, what="the page settled")
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
