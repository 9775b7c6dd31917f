"""The oversight pages per role in a real browser against every service as a process:
an analyst filters the statistics and downloads the registry's own CSV, and gets "geen
toegang" elsewhere; every new page is axe-clean and walkable by keyboard."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.auth import ANALYST, COORDINATOR, OPERATOR
from tests.support.browser import DESKTOP, browser, chromium_missing, loopback_only, sign_in
from tests.support.console_walk import clean, keyboard_walk
from tests.support.servers import ROOT
from tests.support.system import System, wait_for_incident

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

ANALYST_NAME = "Ruben Meijer, analist"
COORDINATOR_NAME = "Noor Smit, coördinator"
OPERATOR_NAME = "Sanne Visser, operator"


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    running = System(
        workdir=tmp_path_factory.mktemp("oversight-pages"),
        roster=ROOT / "deploy/config/roster.yaml",
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


@pytest.fixture(scope="module")
async def cases(system: System) -> list[str]:
    """Mayors of Amsterdam (Noord-Holland) and Rotterdam (Zuid-Holland), and a
    registration that asked for contact."""
    found = []
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        for organisation in ("GM0363", "GM0363", "GM0599"):
            response = await client.post(
                f"{system.intake}/v1/incidents",
                json={
                    "source": "crisis_line",
                    "official": {"role": "mayor", "organisation_code": organisation},
                    "incident": {"types": ["threat"], "channels": ["social_media"]},
                    "urgency": "normal",
                },
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            assert response.status_code == 202, response.text
            found.append(str(response.json()["incident_id"]))
        for incident_id in found:
            await wait_for_incident(client, system.registry, incident_id, having={"assigned"})
    return found


@pytest.fixture
async def desktop() -> AsyncIterator[Any]:
    async with browser() as chromium:
        context = await loopback_only(
            await chromium.new_context(viewport=DESKTOP, locale="nl-NL", accept_downloads=True)
        )
        try:
            yield context
        finally:
            await context.close()


async def test_an_analyst_filters_to_a_province_and_a_year_and_downloads_the_csv(
    system: System, desktop: Any, cases: list[str], tmp_path: Path
) -> None:
    year = str(datetime.now(UTC).year)
    page = await desktop.new_page()
    await sign_in(page, system.console, ANALYST_NAME)
    assert page.url.endswith("/statistieken")
    await page.locator("#filter-jaar").select_option(year)
    await page.locator("#filter-provincie").select_option("PV27")
    async with page.expect_navigation():
        await page.locator("#knop-filters").press("Enter")
    assert "jaar=" + year in page.url and "provincie=PV27" in page.url
    await clean(page, "the statistics, filtered")
    # two cases in Noord-Holland: an analyst sees "<5", and no bar for it
    mayors = page.locator("svg[data-chart='functie'] [data-label='mayor']")
    assert await mayors.text_content() == "<5"
    assert await page.locator("svg[data-chart='functie'] rect[data-bar='mayor']").count() == 0
    link = page.locator("a[href^='/statistieken/functie.csv']")
    async with page.expect_download() as waiting:
        await link.click()
    download = await waiting.value
    saved = tmp_path / "functie.csv"
    await download.save_as(saved)
    params = [
        ("from", f"{year}-01-01"),
        ("to", f"{int(year) + 1}-01-01"),
        ("province_code", "PV27"),
        ("group_by", "role"),
        ("labels", "nl"),
    ]
    async with httpx.AsyncClient(timeout=10, headers=ANALYST) as client:
        expected = await client.get(f"{system.registry}/v1/export/stats", params=params)
    assert expected.status_code == 200
    assert saved.read_bytes() == expected.content
    assert "<5" in expected.text


async def test_an_analyst_opening_a_case_or_the_audit_has_no_access(
    system: System, desktop: Any, cases: list[str]
) -> None:
    page = await desktop.new_page()
    await sign_in(page, system.console, ANALYST_NAME)
    for path in (f"/casus/{cases[0]}", "/audit", "/wachtrij", "/registraties", "/dienst"):
        response = await page.goto(f"{system.console}{path}")
        assert response.status == 403, path
        assert await page.locator("h1").inner_text() == "Geen toegang", path
    await clean(page, "geen toegang")
    links = await page.locator("nav.wb-nav a.wb-nav__link").all_inner_texts()
    assert links == ["Statistieken"]


async def test_every_new_page_is_clean_and_reachable_by_keyboard(
    system: System, desktop: Any, cases: list[str]
) -> None:
    page = await desktop.new_page()
    await sign_in(page, system.console, COORDINATOR_NAME)
    for path in (
        "/wachtrij",
        "/dienst",
        "/statistieken",
        "/statistieken?jaar=2026&provincie=PV28",
        "/registraties",
        "/registraties?contact=ja",
        "/audit",
        f"/audit?casus={cases[0]}",
    ):
        await page.goto(f"{system.console}{path}")
        await clean(page, path)
        await keyboard_walk(page, path)
    await page.goto(f"{system.console}/casus/{cases[0]}")
    await page.goto(f"{system.console}/audit?casus={cases[0]}")
    assert "casus gelezen" in await page.locator("table[data-audit]").inner_text()
    # English too
    await page.goto(f"{system.console}/statistieken")
    await page.locator("footer button[name=language]").click()
    await page.wait_for_load_state()
    assert await page.locator("html").get_attribute("lang") == "en"
    assert await page.locator("h1").inner_text() == "Statistics"
    await clean(page, "statistics in English")
    await page.locator("footer button[name=language]").click()


async def test_the_operator_sees_registrations_and_a_wanted_contact_links_to_its_case(
    system: System, desktop: Any, cases: list[str]
) -> None:
    from tests.support.auth import system as organisation_system

    body = {
        "external_id": f"reg-{uuid.uuid4().hex[:8]}",
        "organisation_code": "GM0363",
        "official": {"role": "alderman", "phone": "+31612340000"},
        "incident": {"types": ["intimidation"], "channels": ["at_home"]},
        "police": {"status": "none"},
        "wants_contact": True,
    }
    async with httpx.AsyncClient(timeout=10, headers=organisation_system("GM0363")) as client:
        response = await client.post(
            f"{system.intake}/v1/registrations",
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    assert response.status_code == 202, response.text
    registration_id = str(response.json().get("registration_id") or response.json()["incident_id"])
    page = await desktop.new_page()
    await sign_in(page, system.console, OPERATOR_NAME)
    row = page.locator(f"tr[data-registration='{registration_id}']")
    for _ in range(40):
        await page.goto(f"{system.console}/registraties?contact=ja")
        if await row.count():
            break
        await page.wait_for_timeout(250)
    link = row.locator("a", has_text="wil contact")
    assert await link.get_attribute("href") == f"/casus/{registration_id}"
    await clean(page, "registrations")


async def test_a_coordinator_downloads_the_audit_and_the_download_is_audited(
    system: System, desktop: Any, cases: list[str], tmp_path: Path
) -> None:
    page = await desktop.new_page()
    await sign_in(page, system.console, COORDINATOR_NAME)
    await page.goto(f"{system.console}/casus/{cases[1]}")  # a read, audited
    await page.goto(f"{system.console}/audit?casus={cases[1]}")
    await clean(page, "the audit with its download")
    async with page.expect_download() as waiting:
        await page.locator("#audit-download").click()
    saved = tmp_path / "audit.csv"
    await (await waiting.value).save_as(saved)
    table = [line.split(",") for line in saved.read_text().splitlines()]
    assert table[0][:5] == ["id", "at", "subject", "role", "action"]
    reads = [row for row in table[1:] if row[4] == "incident.read"]
    assert reads and all(row[5] == cases[1] for row in reads)
    async with httpx.AsyncClient(timeout=10, headers=COORDINATOR) as client:
        log = await client.get(
            f"{system.registry}/v1/audit", params={"action": "export.audit", "limit": 1}
        )
    entry = log.json()["items"][0]
    assert entry["role"] == "coordinator" and entry["detail"] == {"incident_id": cases[1]}
