"""The console in a real browser (Debian's chromium through Playwright) against every
service as a process: an operator's keyboard-only call, an adviser on a phone, live
updates, accessibility (axe-core, WCAG 2.0/2.1/2.2 A and AA) and the security headers."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
import yaml

from console.adapters.changes import CHANGE_FEED, parse
from contracts.feed import RecordChanged
from contracts.subjects import changed_subject
from tests.support.auth import OPERATOR
from tests.support.browser import (
    DESKTOP,
    PHONE,
    KeyCounter,
    axe_violations,
    browser,
    chromium_missing,
    describe,
    loopback_only,
    sign_in,
)
from tests.support.servers import ROOT, eventually
from tests.support.system import System, subject_of, wait_for_incident

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

OPERATOR_NAME = "Sanne Visser, operator"
ADVISER_NAME = "Eva de Boer, adviseur NGB (ngb-01)"
OTHER_ADVISER_NAME = "Lars Jansen, adviseur NGB (ngb-02)"
FIGURES: dict[str, Any] = {}


def roster_with_one_ngb_adviser(tmp: Path) -> Path:
    """The demo roster with ngb-02 inactive: every NGB case goes to ngb-01."""
    data = yaml.safe_load((ROOT / "deploy/config/roster.yaml").read_text())
    for adviser in data["advisers"]:
        if adviser["id"] == "ngb-02":
            adviser["active"] = False
    path = tmp / "roster.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    workdir = tmp_path_factory.mktemp("console")
    running = System(workdir=workdir, roster=roster_with_one_ngb_adviser(workdir))
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Any]:
    async with browser() as launched:
        yield launched


@pytest.fixture
async def desktop(chromium: Any) -> AsyncIterator[Any]:
    context = await loopback_only(await chromium.new_context(viewport=DESKTOP, locale="nl-NL"))
    try:
        yield context
    finally:
        await context.close()


@pytest.fixture
async def phone(chromium: Any) -> AsyncIterator[Any]:
    context = await loopback_only(
        await chromium.new_context(
            viewport=PHONE, locale="nl-NL", is_mobile=True, has_touch=True, device_scale_factor=2
        )
    )
    try:
        yield context
    finally:
        await context.close()


async def clean(page: Any, what: str) -> None:
    found = await axe_violations(page)
    assert found == [], f"axe-core on {what}:\n{describe(found)}"


async def focus_on(page: Any, element_id: str) -> None:
    """Wait until the focus is on this element (the console's CSP forbids the string
    evaluation `wait_for_function` uses)."""

    async def there() -> bool:
        return bool(
            await page.evaluate("document.activeElement && document.activeElement.id") == element_id
        )

    await eventually(there, timeout=10, what=f"the focus on #{element_id}")


async def report_by_api(system: System, **changes: Any) -> str:
    body: dict[str, Any] = {
        "source": "crisis_line",
        "official": {
            "role": "mayor",
            "organisation_code": "GM0363",
            "name": "B. Jansen",
            "phone": "+31611112222",
        },
        "incident": {
            "types": ["intimidation"],
            "channels": ["at_home"],
            "description": "Iemand stond 's nachts bij het huis.",
        },
        "urgency": "high",
        **changes,
    }
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        response = await client.post(
            f"{system.intake}/v1/incidents",
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    assert response.status_code == 202, response.text
    return str(response.json()["incident_id"])


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


async def test_another_advisers_case_is_not_found(system: System, desktop: Any) -> None:
    incident_id = await report_by_api(system)
    page = await desktop.new_page()
    await sign_in(page, system.console, OTHER_ADVISER_NAME)
    response = await page.goto(f"{system.console}/casus/{incident_id}")
    assert response.status == 404
    assert "Niet gevonden" in await page.locator("h1").inner_text()
    await clean(page, "not found")


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


def roster_addresses() -> dict[str, str]:
    """Each adviser's e-mail address in the demo roster."""
    data = yaml.safe_load((ROOT / "deploy/config/roster.yaml").read_text())
    return {
        a["id"]: c["address"]
        for a in data["advisers"]
        for c in a["contacts"]
        if c["channel"] == "email"
    }


def mails_to(system: System, adviser: str, incident_id: str, subject_has: str) -> int:
    address = roster_addresses()[adviser]
    return sum(
        1
        for m in system.mailbox.mentioning(incident_id)
        if address in m["X-Rcpt-To"] and subject_has in subject_of(m)
    )


async def assigned_elsewhere(system: System, incident_id: str, previous: str) -> str:
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:

        async def moved() -> str | None:
            record = (await client.get(f"{system.registry}/v1/incidents/{incident_id}")).json()
            adviser = (record.get("assignment") or {}).get("adviser_id")
            return adviser if adviser not in (None, previous) else None

        found: str = await eventually(moved, timeout=20, what="the next adviser")
        return found


async def paged_case(system: System) -> tuple[str, str]:
    """A new case and the adviser paged for it."""
    incident_id = await report_by_api(system)
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        record = await wait_for_incident(
            client, system.registry, incident_id, having={"notification_sent"}
        )
    return incident_id, record["assignment"]["adviser_id"]


async def advisers_new_case(system: System, context: Any) -> tuple[str, Any]:
    """A new case paged to ngb-01, open on ngb-01's own case page."""
    incident_id, adviser = await paged_case(system)
    assert adviser == "ngb-01"
    page = await context.new_page()
    await sign_in(page, system.console, ADVISER_NAME)
    await page.goto(f"{system.console}/casus/{incident_id}")
    return incident_id, page


async def submit_by_keyboard(page: Any, button: str) -> None:
    async with page.expect_navigation():
        await page.locator(button).focus()
        await page.keyboard.press("Enter")


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
