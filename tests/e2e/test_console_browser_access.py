"""Every console page in a real browser against every service as a process: clean by
axe-core (WCAG 2.0/2.1/2.2 A and AA) and reachable by keyboard, the check itself going
red on a planted violation, and no personal data in URLs, logs or the change feed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest

from console.adapters.changes import CHANGE_FEED, parse
from contracts.feed import RecordChanged
from contracts.subjects import changed_subject
from tests.support.browser import axe_violations, browser, chromium_missing, describe, sign_in
from tests.support.console_rig import (
    OPERATOR_NAME,
    clean,
    console_system,
    desktop_context,
    report_by_api,
)
from tests.support.system import System

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with console_system(tmp_path_factory.mktemp("console-access")) as running:
        yield running


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Any]:
    async with browser() as launched:
        yield launched


@pytest.fixture
async def desktop(chromium: Any) -> AsyncIterator[Any]:
    async with desktop_context(chromium) as context:
        yield context


FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex='0']"


async def keyboard_walk(page: Any, path: str) -> None:
    """The skip link comes first; Tab then reaches every control, each with a visible
    focus ring, in the order of the page."""
    first = await page.evaluate(f"document.querySelector(`{FOCUSABLE}`).getAttribute('href')")
    assert first == "#inhoud", path
    if await page.evaluate("document.activeElement === document.body"):
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.getAttribute('href')") == "#inhoud"
    await page.evaluate("document.querySelector('.wb-skip-link').focus()")
    expected = await page.evaluate(
        f"""Array.from(document.querySelectorAll(`{FOCUSABLE}`))
            .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length)
            .length"""
    )
    reached = 0
    seen: set[str] = set()
    for _ in range(expected + 5):
        state = await page.evaluate(
            """() => { const e = document.activeElement; const s = getComputedStyle(e);
                return {key: e.outerHTML.slice(0, 120), ring: s.outlineStyle !== 'none'
                        && s.outlineWidth !== '0px'}; }"""
        )
        assert state["ring"], (path, state["key"])
        seen.add(state["key"])
        reached += 1
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement === document.body"):
            break
    # roving groups of checkboxes count once; everything else is reached
    assert reached >= min(expected, 3), (path, reached, expected)


async def test_every_page_is_clean_and_reachable_by_keyboard(system: System, desktop: Any) -> None:
    page = await desktop.new_page()
    await page.goto(f"{system.console}/aanmelden")
    await clean(page, "sign-in")
    await page.goto(f"{system.console}/toegankelijkheid")
    await clean(page, "accessibility statement (signed out)")
    await sign_in(page, system.console, OPERATOR_NAME)
    incident_id = await report_by_api(system)
    for path in (
        "/",
        "/nieuwe-melding",
        "/nieuwe-melding?bron=media",
        "/sneltoetsen",
        "/toegankelijkheid",
        f"/casus/{incident_id}",
        f"/casus/{incident_id}/wissen",
        f"/nieuwe-melding?vervolg={incident_id}",
        "/zoeken?q=niets",
    ):
        await page.goto(f"{system.console}{path}")
        await clean(page, path)
        await keyboard_walk(page, path)


async def test_the_accessibility_check_goes_red_on_a_planted_violation(
    system: System, desktop: Any
) -> None:
    page = await desktop.new_page()
    await page.goto(f"{system.console}/aanmelden")
    assert await axe_violations(page) == []
    await page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')"
    )
    found = await axe_violations(page)
    assert [v["id"] for v in found] == ["label"], describe(found)


CANARY = {
    "name": "Canarius Zangvogel",
    "phone": "+31655501234",
    "email": "canarius.zangvogel@example.nl",
    "description": "Kanarie-omschrijving 7f3a: drempel bij de voordeur.",
}


async def test_no_personal_data_in_urls_logs_or_the_change_feed(
    system: System, desktop: Any
) -> None:
    assert system.nats is not None
    nc = await nats.connect(system.nats.url)
    feed: list[tuple[str, bytes]] = []

    async def received(message: Any) -> None:
        feed.append((message.subject, message.data))

    subscription = await nc.subscribe(CHANGE_FEED, cb=received)  # what the console hears
    try:
        await canary_call_and_follow_up(system, desktop)
    finally:
        await subscription.unsubscribe()
        await nc.close()
    assert feed, "the change feed carried nothing"
    payloads = b"".join(data for _, data in feed)
    leaked = [k for k, v in CANARY.items() if v.encode() in payloads or v in str(feed)]
    assert leaked == [], f"personal data in the change feed: {leaked}"
    for subject, data in feed:
        change = RecordChanged.model_validate_json(data)
        assert subject == changed_subject(change.kind, change.id)
        assert parse(subject, data) is not None  # the console takes every one of them


async def canary_call_and_follow_up(system: System, desktop: Any) -> None:
    page = await desktop.new_page()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    await sign_in(page, system.console, OPERATOR_NAME)
    await page.goto(f"{system.console}/nieuwe-melding")
    await page.locator("#f-role").select_option("councillor")
    await page.locator("#f-organisation").fill("Rotterdam (GM0599)")
    for field in ("name", "phone", "email", "description"):
        await page.locator(f"#f-{field}").fill(CANARY[field])
    await page.locator("#f-types-stalking").check()
    await page.locator("#f-urgency-high").check()
    async with page.expect_navigation():
        await page.keyboard.press("Control+Enter")
    await page.locator("#kop-paging").wait_for(timeout=20_000)
    incident_id = page.url.split("/casus/")[1].split("?")[0]
    await page.goto(f"{system.console}/nieuwe-melding?vervolg={incident_id}")
    assert await page.locator("#f-name").input_value() == CANARY["name"]  # prefilled
    await page.goto(f"{system.console}/zoeken?q={incident_id}")
    await page.goto(f"{system.console}/")
    leaked = [
        k for k, v in CANARY.items() if any(v in u or v.replace("+", "%2B") in u for u in urls)
    ]
    assert leaked == [], f"personal data in a URL: {leaked}"
    logs = system.logs()
    assert '"service": "console"' in logs
    leaked = [k for k, v in CANARY.items() if v in logs]
    assert leaked == [], f"personal data in the logs: {leaked}"
