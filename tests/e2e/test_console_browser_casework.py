"""Case work in the console in a real browser against every service as a process: a
case page that updates live, an adviser on a phone who takes a case, acts and closes
it, another adviser's case, a decline, a handover by the desk and an aangifte."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.auth import OPERATOR
from tests.support.browser import browser, chromium_missing, sign_in
from tests.support.console_rig import (
    ADVISER_NAME,
    OPERATOR_NAME,
    OTHER_ADVISER_NAME,
    advisers_new_case,
    assigned_elsewhere,
    clean,
    console_system,
    desktop_context,
    focus_on,
    mails_to,
    paged_case,
    phone_context,
    report_by_api,
    submit_by_keyboard,
)
from tests.support.servers import eventually
from tests.support.system import System, wait_for_incident

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    async with console_system(tmp_path_factory.mktemp("console-casework")) as running:
        yield running


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Any]:
    async with browser() as launched:
        yield launched


@pytest.fixture
async def desktop(chromium: Any) -> AsyncIterator[Any]:
    async with desktop_context(chromium) as context:
        yield context


@pytest.fixture
async def phone(chromium: Any) -> AsyncIterator[Any]:
    async with phone_context(chromium) as context:
        yield context


async def test_the_case_page_updates_live_and_keeps_focus(system: System, desktop: Any) -> None:
    incident_id = await report_by_api(system)
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        await wait_for_incident(client, system.registry, incident_id, having={"notification_sent"})
    page = await desktop.new_page()
    await sign_in(page, system.console, OPERATOR_NAME)
    await page.goto(f"{system.console}/casus/{incident_id}")
    await page.locator("#f-note").focus()
    await page.keyboard.type("half getypt")
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        response = await client.post(
            f"{system.intake}/v1/incidents/{incident_id}/acknowledge", json={}
        )
        assert response.status_code == 202
    await page.locator("#kop-paging", has_text="Bevestigd").wait_for(timeout=20_000)
    assert await page.evaluate("document.activeElement.id") == "f-note"
    assert await page.locator("#f-note").input_value() == "half getypt"
    await eventually(
        lambda: page.locator("#wb-announcer").inner_text(),
        timeout=5,
        what="the announcement in the polite live region",
    )
    await clean(page, "the case page after a live update")


async def test_an_adviser_on_a_phone_takes_the_case_acts_and_closes(
    system: System, phone: Any
) -> None:
    page = await phone.new_page()
    await sign_in(page, system.console, ADVISER_NAME)
    await page.wait_for_url("**/mijn-casussen")
    await clean(page, "my cases (phone)")
    incident_id = await report_by_api(system)
    banner = page.locator("#nieuw-banner button")
    await banner.wait_for(timeout=20_000)  # appeared without a reload
    assert "nieuwe casus" in (await banner.inner_text())
    await clean(page, "my cases with the new-case banner")
    await banner.click()
    link = page.locator(f"#link-{incident_id}")
    await link.wait_for()
    await focus_on(page, f"link-{incident_id}")
    await clean(page, "my cases after showing the new case")
    await link.click()
    await page.wait_for_url(f"**/casus/{incident_id}")
    await clean(page, "the case page (phone)")
    button = page.locator("#knop-bevestigen")
    box = await button.bounding_box()
    assert box and box["height"] >= 24 and box["width"] >= 24
    await button.click()
    await page.locator("#kop-paging", has_text="Bevestigd").wait_for(timeout=20_000)
    await page.locator("#f-kind").select_option("security")
    await page.locator("#f-note").fill("Woningscan aangevraagd.")
    await page.get_by_role("button", name="Leg actie vast").click()
    await page.locator("#tijdlijn li[data-type='action_recorded']").wait_for(timeout=20_000)
    await page.locator("#f-summary").fill("Beveiliging geregeld.")
    await page.get_by_role("button", name="Sluit de casus af").click()
    await page.locator("#tijdlijn li[data-type='closed']").wait_for(timeout=20_000)
    types = await page.locator("#tijdlijn li").evaluate_all(
        "items => items.map(i => i.dataset.type)"
    )
    for step in (
        "reported",
        "assigned",
        "notification_sent",
        "acknowledged",
        "action_recorded",
        "closed",
    ):
        assert step in types, types
    await clean(page, "the closed case (phone)")


async def test_another_advisers_case_is_not_found(system: System, desktop: Any) -> None:
    incident_id = await report_by_api(system)
    page = await desktop.new_page()
    await sign_in(page, system.console, OTHER_ADVISER_NAME)
    response = await page.goto(f"{system.console}/casus/{incident_id}")
    assert response.status == 404
    assert "Niet gevonden" in await page.locator("h1").inner_text()
    await clean(page, "not found")


async def test_an_adviser_declines_and_the_next_adviser_is_paged(
    system: System, desktop: Any
) -> None:
    incident_id, page = await advisers_new_case(system, desktop)
    await page.locator("#f-decline_reason").fill("Ik zit in de auto.")
    await submit_by_keyboard(page, "#knop-weigeren")
    declined = page.locator("#tijdlijn li[data-type='declined']")
    await declined.wait_for(timeout=20_000)
    assert "Geweigerd door ngb-01" in await declined.inner_text()
    assert "Ik zit in de auto." in await declined.inner_text()
    following = await assigned_elsewhere(system, incident_id, "ngb-01")
    await eventually(
        lambda: mails_to(system, following, incident_id, "nieuwe melding"),
        timeout=20,
        what=f"the page to {following}",
    )
    await page.locator(
        "#tijdlijn li[data-type='assigned']", has_text=f"Toegewezen: {following}"
    ).wait_for(timeout=20_000)
    # no longer ngb-01's to decline: the actions follow the change (their own swap)
    await page.locator("#knop-weigeren").wait_for(state="detached", timeout=20_000)
    await clean(page, "the case page after a decline")


async def test_the_desk_hands_a_case_over_and_a_refusal_reads_in_dutch(
    system: System, desktop: Any
) -> None:
    incident_id, previous = await paged_case(system)
    page = await desktop.new_page()
    await sign_in(page, system.console, OPERATOR_NAME)
    await page.goto(f"{system.console}/casus/{incident_id}")
    on_call = await page.locator("#nu-dienst").inner_text()
    assert "ngb-01" in on_call and "ngb-coord" in on_call, on_call
    await clean(page, "the case page with the handover form")
    # ngb-02 is inactive in this roster: routing refuses, and the timeline says why
    await page.locator("#f-other_adviser_id").fill("ngb-02")
    await submit_by_keyboard(page, "#knop-toewijzen")
    refused = page.locator("#tijdlijn li[data-type='assignment_rejected']")
    await refused.wait_for(timeout=20_000)
    assert "ngb-02, deze adviseur is niet actief" in await refused.inner_text()
    await page.locator("#f-adviser_id").select_option("ngb-coord")
    await page.locator("#f-reason").fill("Collega neemt het over.")
    await submit_by_keyboard(page, "#knop-toewijzen")
    await page.locator(
        "#tijdlijn li[data-type='escalated']", has_text=f"Overgedragen van {previous}"
    ).wait_for(timeout=20_000)
    await eventually(
        lambda: mails_to(system, "ngb-coord", incident_id, "nieuwe melding"),
        timeout=20,
        what="the page to ngb-coord",
    )
    await eventually(
        lambda: mails_to(system, previous, incident_id, "overgedragen"),
        timeout=20,
        what=f"the notice to {previous}",
    )
    await page.locator("#paging-status", has_text="ngb-coord").wait_for(timeout=20_000)
    await clean(page, "the case page after the handover")


async def test_an_adviser_records_an_aangifte_with_vpt(system: System, phone: Any) -> None:
    incident_id, page = await advisers_new_case(system, phone)
    await page.locator("#f-police_status").select_option("aangifte")
    await page.locator("#f-vpt_flag").select_option("yes")
    await submit_by_keyboard(page, "#knop-feiten")
    updated = page.locator("#tijdlijn li[data-type='details_updated']")
    await updated.wait_for(timeout=20_000)
    text = await updated.inner_text()
    assert "politie: aangifte" in text and "VPT" in text, text
    await page.locator("#politie", has_text="VPT").wait_for(timeout=20_000)
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        record = (await client.get(f"{system.registry}/v1/incidents/{incident_id}")).json()
    assert record["police"]["status"] == "aangifte" and record["police"]["vpt_flag"] is True
    assert record["types"] == ["intimidation"] and record["urgency"] == "high"  # unchanged
    await clean(page, "the case page after recording an aangifte (phone)")
