"""Storingen in a real browser against every service as a process: with the mail
server down a page fails on every channel and is parked; ops sees it with its reason
and age, the SMTP circuit not closed, brings the mail server back, re-drives it by
keyboard and the page is delivered. An analyst gets "geen toegang"; the page is
axe-clean and walkable by keyboard."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.support.auth import OPERATOR, OPS
from tests.support.browser import DESKTOP, browser, chromium_missing, loopback_only, sign_in
from tests.support.console_walk import clean, keyboard_walk
from tests.support.servers import ROOT, eventually
from tests.support.system import NOTIFY_GIVES_UP_FAST, System, subject_of, wait_for_incident

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

OPS_NAME = "Jesse Bos, beheer"
ANALYST_NAME = "Ruben Meijer, analist"


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    running = System(
        workdir=tmp_path_factory.mktemp("storingen"),
        roster=ROOT / "deploy/config/roster.yaml",
        env_overrides=NOTIFY_GIVES_UP_FAST,
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def desktop() -> AsyncIterator[Any]:
    async with browser() as chromium:
        context = await loopback_only(await chromium.new_context(viewport=DESKTOP, locale="nl-NL"))
        try:
            yield context
        finally:
            await context.close()


async def notify_dead_letters(system: System) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=10, headers=OPS) as client:
        response = await client.get(f"{system.services['notify'].base_url}/v1/dead-letters")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
def mail_down(system: System) -> Iterator[Callable[[], None]]:
    """The mail server stopped (every channel of a page fails: e-mail only here); the
    function brings it back, and so does the end of the test."""
    assert system.smtp is not None
    port = system.smtp.port
    system.smtp.stop()
    state = {"up": False}

    def back() -> None:
        system.smtp = Controller(system.mailbox, hostname="127.0.0.1", port=port)
        system.smtp.start()
        state["up"] = True

    yield back
    if not state["up"]:
        back()


async def test_ops_redrives_a_failed_page_and_it_is_delivered(
    system: System, desktop: Any, mail_down: Callable[[], None]
) -> None:
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        response = await client.post(
            f"{system.intake}/v1/incidents",
            json={
                "source": "crisis_line",
                "official": {"role": "mayor", "organisation_code": "GM0363"},
                "incident": {"types": ["threat"], "channels": ["social_media"]},
                "urgency": "normal",
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 202, response.text
        incident_id = str(response.json()["incident_id"])
        await wait_for_incident(client, system.registry, incident_id, having={"assigned"})

    async def parked() -> list[dict[str, Any]]:
        return [
            d
            for d in await notify_dead_letters(system)
            if d["incident_id"] == incident_id and d["event_type"] == "adviser.assigned"
        ]

    # the first page parked first; routing's escalations to the next adviser fail too
    letters = await eventually(parked, timeout=60, what="the failed page parked")
    letter = min(letters, key=lambda d: int(d["seq"]))  # the newest are listed first
    assert letter["reason"] == "failed"
    # Whose page it was, from the timeline: by the time the registry is first read the
    # failed page may already have been escalated past, so the record's current
    # assignment can name the next adviser.
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        response = await client.get(f"{system.registry}/v1/incidents/{incident_id}")
    assert response.status_code == 200, response.text
    (assigned,) = [e for e in response.json()["timeline"] if e["event_id"] == letter["event_id"]]
    adviser = assigned["adviser_id"]

    page = await desktop.new_page()
    await sign_in(page, system.console, OPS_NAME)
    assert page.url.endswith("/storingen")
    row = page.locator(f"tr[data-seq='{letter['seq']}']")
    assert await row.count() == 1
    assert "oproep aan de adviseur" in await row.inner_text()
    assert "mailserver niet bereikbaar" in await row.inner_text()
    assert await page.locator("[data-circuit='smtp']").get_attribute("data-state") != "closed"
    await clean(page, "storingen with a dead letter")
    await keyboard_walk(page, "/storingen")

    mail_down()
    # Pages of the escalations failed until just now: the circuit stays open for
    # NOTIFY_CIRCUIT_RESET_S after the last, and a re-drive within it parks again.
    await asyncio.sleep(2 * float(NOTIFY_GIVES_UP_FAST["NOTIFY_CIRCUIT_RESET_S"]) + 1)
    before = len(system.mailbox.messages)
    button = page.locator(f"#opnieuw-{letter['seq']}")
    await button.focus()
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "gedaan=een" in page.url
    assert "Opnieuw verstuurd" in await page.locator("[role=status].wb-flash").inner_text()
    assert await page.locator(f"tr[data-seq='{letter['seq']}']").count() == 0

    def delivered() -> list[Any]:
        return [m for m in system.mailbox.messages[before:] if adviser in m["X-Rcpt-To"]]

    mails = await eventually(delivered, timeout=30, what="the re-driven page delivered")
    subjects = [subject_of(m) for m in mails]
    assert any("nieuwe melding" in s for s in subjects), subjects  # the page itself
    await clean(page, "storingen after a re-drive")
    # the rest (the escalation that failed too) goes back at once
    if await page.locator("#alles-opnieuw").count():
        await page.locator("#alles-opnieuw").focus()
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        assert "gedaan=alle" in page.url


async def test_an_analyst_opening_the_dead_letters_has_no_access(
    system: System, desktop: Any
) -> None:
    page = await desktop.new_page()
    await sign_in(page, system.console, ANALYST_NAME)
    response = await page.goto(f"{system.console}/storingen")
    assert response.status == 403
    assert await page.locator("h1").inner_text() == "Geen toegang"
    await clean(page, "geen toegang")
    async with httpx.AsyncClient(timeout=10) as client:
        refused = await client.post(
            f"{system.services['notify'].base_url}/v1/dead-letters/redrive",
            headers={"Authorization": OPERATOR["Authorization"]},
        )
    assert refused.status_code == 403
