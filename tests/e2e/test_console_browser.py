"""The console in a real browser (Debian's chromium through Playwright) against every
service as a process: an operator's keyboard-only call, the call form's errors and its
112 instruction, a double-clicked send and the board's banner for new reports. Case
work in the browser is in test_console_browser_casework.py, every page's accessibility
(axe-core, WCAG 2.0/2.1/2.2 A and AA) and personal data in test_console_browser_access.py."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.auth import OPERATOR
from tests.support.browser import KeyCounter, browser, chromium_missing, sign_in
from tests.support.console_rig import (
    OPERATOR_NAME,
    clean,
    console_system,
    desktop_context,
    focus_on,
    report_by_api,
)
from tests.support.servers import eventually
from tests.support.system import System, wait_for_incident

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]


FIGURES: dict[str, Any] = {}


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with console_system(tmp_path_factory.mktemp("console")) as running:
        yield running


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Any]:
    async with browser() as launched:
        yield launched


@pytest.fixture
async def desktop(chromium: Any) -> AsyncIterator[Any]:
    async with desktop_context(chromium) as context:
        yield context


async def test_operator_logs_the_mayor_call_by_keyboard_alone(system: System, desktop: Any) -> None:
    page = await desktop.new_page()
    await sign_in(page, system.console, OPERATOR_NAME)
    await clean(page, "the board")
    keys = KeyCounter(page)
    started = time.monotonic()
    await keys.press("n")  # the board's shortcut for a new report
    await page.wait_for_url("**/nieuwe-melding")
    await focus_on(page, "f-role")
    await keys.press("b")  # burgemeester
    await keys.press("Tab")
    await keys.type("amst")
    await keys.press("Tab")  # takes the highlighted Amsterdam (GM0363) and moves on
    await keys.type("A. de Vries")
    await keys.press("Tab")
    await keys.type("+31612345678")
    await keys.press("Tab")
    await keys.type("a@example.nl")
    await keys.press("Tab")  # incident types
    await keys.press("b", "Space", "o", "Space")  # bedreiging, online intimidatie
    await keys.press("Tab")  # channels
    await keys.press("s", "Space")  # sociale media
    await keys.press("Tab")
    await keys.type("20-11-2026 21:15")
    await keys.press("Tab")
    await keys.type("Death threat posted under the council livestream.")
    await keys.press("Tab")  # urgency
    await keys.press("h")  # hoog
    await keys.press("Tab")  # needs
    await keys.press("b", "Space", "a", "Space")  # beveiliging, advies over melding of aangifte
    await keys.press("Tab")  # police: geen
    await keys.press("Tab")
    await keys.press("h")  # hoort bij het werk
    sent_at = time.monotonic()
    await keys.press("Control+Enter")
    await page.wait_for_url("**/casus/**")
    await page.locator("#kop-paging", has_text="Gepaged").wait_for(timeout=20_000)
    paged_at = time.monotonic()
    incident_id = page.url.split("/casus/")[1].split("?")[0]
    FIGURES.update(
        keys=keys.keys,
        typed=keys.typed,
        first_key_to_paged_s=paged_at - started,
        send_to_paged_s=paged_at - sent_at,
    )
    print(f"\nconsole keyboard call: {FIGURES}")
    assert keys.keys < 30
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        record = await wait_for_incident(
            client, system.registry, incident_id, having={"notification_sent"}
        )
    assert record["official"]["role"] == "mayor"
    assert record["official"]["organisation_code"] == "GM0363"
    assert record["official"]["name"] == "A. de Vries"
    assert set(record["types"]) == {"threat", "online_harassment"}
    assert record["channels"] == ["social_media"]
    assert record["urgency"] == "high"
    assert set(record["needs"]) == {"security", "reporting_advice"}
    police = {k: v for k, v in record["police"].items() if v is not None}
    assert police == {"status": "none", "reason_not_reported": "part_of_the_job"}
    assert record["occurred_at"].startswith("2026-11-20T20:15:00")
    await clean(page, "the case page after sending")


async def test_the_form_shows_its_errors_and_the_summary_takes_focus(
    system: System, desktop: Any
) -> None:
    page = await desktop.new_page()
    await sign_in(page, system.console, OPERATOR_NAME)
    await page.goto(f"{system.console}/nieuwe-melding")
    await page.locator("#f-organisation").fill("Atlantis")
    await page.locator("#f-phone").fill("bel me")
    async with page.expect_navigation():
        await page.keyboard.press("Control+Enter")
    assert await page.evaluate("document.activeElement.id") == "foutoverzicht"
    summary = page.locator("#foutoverzicht")
    for text in ("functie", "organisatie", "telefoonnummer", "soort incident"):
        assert text in (await summary.inner_text()).lower()
    await page.locator("#foutoverzicht a[href='#f-organisation']").click()
    assert await page.evaluate("document.activeElement.id") == "f-organisation"
    assert await page.locator("#f-organisation").get_attribute("aria-invalid") == "true"
    await clean(page, "the call form showing its errors")


async def test_acute_shows_the_112_instruction_at_once(system: System, desktop: Any) -> None:
    page = await desktop.new_page()
    await sign_in(page, system.console, OPERATOR_NAME)
    await page.goto(f"{system.console}/nieuwe-melding")
    alert = page.locator("#acuut-112")
    assert await alert.is_hidden()
    await page.locator("#f-urgency-acute").check()
    assert await alert.is_visible()
    assert "112" in await alert.inner_text()
    await clean(page, "the call form with the 112 instruction")


async def test_a_double_clicked_send_makes_one_incident(system: System, desktop: Any) -> None:
    page = await desktop.new_page()
    await sign_in(page, system.console, OPERATOR_NAME)
    await page.goto(f"{system.console}/nieuwe-melding")
    await page.locator("#f-role").select_option("alderman")
    await page.locator("#f-organisation").fill("Utrecht (GM0344)")
    await page.locator("#f-types-stalking").check()
    marker = f"dubbelklik-{uuid.uuid4().hex[:8]}"
    await page.locator("#f-description").fill(marker)
    await page.locator("[data-submit]").dblclick()
    await page.wait_for_url("**/casus/**")
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:

        async def ours() -> list[dict[str, Any]]:
            listed = (
                await client.get(
                    f"{system.registry}/v1/incidents", params={"role": "alderman", "limit": 100}
                )
            ).json()
            found = []
            for item in listed["items"]:
                record = (
                    await client.get(f"{system.registry}/v1/incidents/{item['incident_id']}")
                ).json()
                if record.get("description") == marker:
                    found.append(record)
            return found

        first = await eventually(ours, timeout=15, what="the incident")
        await page.wait_for_timeout(1500)  # a second incident would have been projected by now
        assert len(await ours()) == len(first) == 1


async def test_the_board_announces_new_reports_behind_a_banner(
    system: System, desktop: Any
) -> None:
    page = await desktop.new_page()
    await sign_in(page, system.console, OPERATOR_NAME)
    await page.locator("[data-row-link]").first.wait_for()
    first_before = await page.locator("[data-row-link]").first.get_attribute("id")
    await page.keyboard.press("j")
    focused = await page.evaluate("document.activeElement.id")
    await report_by_api(system)
    await report_by_api(system)
    banner = page.locator("#nieuw-banner button")
    await banner.wait_for(timeout=20_000)

    async def says_two() -> bool:
        return "2 nieuwe meldingen" in await banner.inner_text()

    await eventually(says_two, timeout=20, what="the banner counting both")
    assert await page.locator("[data-row-link]").first.get_attribute("id") == first_before
    assert await page.evaluate("document.activeElement.id") == focused  # nothing moved
    await clean(page, "the board with its banner")
