"""The coordinators' queue in a real browser against every service as a process: an
unroutable case appears live and is assigned by keyboard; who is on call, with a gap."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.auth import COORDINATOR, OPERATOR
from tests.support.browser import DESKTOP, browser, chromium_missing, loopback_only, sign_in
from tests.support.console_walk import clean, focus_on, keyboard_walk
from tests.support.servers import eventually
from tests.support.system import System, wait_for_incident

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

COORDINATOR_NAME = "Noor Smit, coördinator"
# NGB around the clock, NVvR only in the day (a gap every night), no BZK adviser at
# all: a water-board member's case is unroutable.
ROSTER = """
pools:
  ngb: {coordinator: ngb-c}
  nvvr: {coordinator: nvvr-c}
advisers:
  - {id: ngb-p, pool: ngb, contacts: [{channel: email, address: ngb-p@ngb.example}]}
  - {id: ngb-c, pool: ngb, contacts: [{channel: email, address: ngb-c@ngb.example}]}
  - {id: nvvr-p, pool: nvvr, contacts: [{channel: email, address: nvvr-p@nvvr.example}]}
  - {id: nvvr-c, pool: nvvr, contacts: [{channel: email, address: nvvr-c@nvvr.example}]}
shifts:
  rotations:
    - pool: ngb
      start: 2026-01-05
      weeks: [[{days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "00:00",
                primary: ngb-p}]]
    - pool: nvvr
      start: 2026-01-05
      weeks: [[{days: [mon, tue, wed, thu, fri, sat, sun], from: "08:00", to: "20:00",
                primary: nvvr-p}]]
"""


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    workdir = tmp_path_factory.mktemp("oversight-queue")
    roster = workdir / "roster.yaml"
    roster.write_text(ROSTER)
    running = System(workdir=workdir, roster=roster)
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


async def report_water_board_case(system: System) -> str:
    body = {
        "source": "crisis_line",
        "official": {"role": "water_board_member", "organisation_code": "WS0155"},
        "incident": {"types": ["intimidation"], "channels": ["during_meeting"]},
        "urgency": "high",
    }
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        response = await client.post(
            f"{system.intake}/v1/incidents",
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    assert response.status_code == 202, response.text
    return str(response.json()["incident_id"])


async def test_a_coordinator_sees_an_unroutable_case_arrive_and_assigns_it_by_keyboard(
    system: System, desktop: Any
) -> None:
    page = await desktop.new_page()
    await sign_in(page, system.console, COORDINATOR_NAME)
    await page.goto(f"{system.console}/wachtrij")
    await clean(page, "the empty queue")
    incident_id = await report_water_board_case(system)
    banner = page.locator("#nieuw-banner button")
    await banner.wait_for(timeout=20_000)
    assert "1 nieuwe in de wachtrij" in await banner.inner_text()
    await clean(page, "the queue with its banner")
    await page.keyboard.press("b")  # the banner's key
    await page.keyboard.press("Enter")
    await focus_on(page, f"link-{incident_id}")  # the list is shown, the first case has focus
    row = page.locator(f"#rij-{incident_id}")
    assert "Niet te routeren" in await row.inner_text()
    await page.keyboard.press("t")  # the row's own action: assign
    await focus_on(page, f"toewijzen-{incident_id}")
    await page.keyboard.type("nvvr")  # the select jumps to the NVvR adviser on call
    chosen = await page.locator(f"#toewijzen-{incident_id}").input_value()
    assert chosen in ("nvvr-p", "nvvr-c")  # in the day nvvr-p, at night its coordinator
    await page.keyboard.press("Tab")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "De toewijzing is gevraagd" in await page.locator("main").inner_text()
    async with httpx.AsyncClient(timeout=10, headers=COORDINATOR) as client:
        record = await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    assert record["assignment"]["adviser_id"] == chosen

    async def gone() -> bool:
        await page.reload()
        return await page.locator(f"#rij-{incident_id}").count() == 0

    await eventually(gone, timeout=20, what="the case leaving the queue")
    await clean(page, "the queue after the assignment")


async def test_who_is_on_call_shows_the_nightly_gap_as_a_readable_week(
    system: System, desktop: Any
) -> None:
    page = await desktop.new_page()
    await sign_in(page, system.console, COORDINATOR_NAME)
    await page.goto(f"{system.console}/dienst")
    assert "Gaten in de dienst" in await page.locator("main").inner_text()
    nvvr = page.locator("#week-nvvr").locator("xpath=..")
    assert await nvvr.locator("tbody tr").count() == 7
    assert await nvvr.locator("thead th").count() == 25  # the day, then 24 hours
    days = await nvvr.locator("tbody tr").all_inner_texts()
    assert all("08:00\u201320:00" in day and "nvvr-p" in day for day in days[1:]), days
    assert all("gat: niemand" in day for day in days), days
    ngb = await page.locator("#week-ngb").locator("xpath=..").locator("tbody").inner_text()
    assert "gat" not in ngb
    await clean(page, "who is on call")
    await keyboard_walk(page, "/dienst")
