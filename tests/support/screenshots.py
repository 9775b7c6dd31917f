"""`make screenshots`: every console page, desktop and the adviser's pages at phone
width, against the whole system started as in the end-to-end tests, with fictional
demo cases. Writes PNGs into the folder given (docs/console/)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiosmtpd.controller import Controller

from intake.domain.commands import ReportIncident
from tests.support.auth import OPERATOR
from tests.support.browser import (
    DESKTOP,
    PHONE,
    browser,
    chromium_missing,
    loopback_only,
    sign_in,
)
from tests.support.servers import ROOT
from tests.support.system import NOTIFY_GIVES_UP_FAST, System, wait_for_incident

DEMO = [
    {
        "official": {
            "role": "councillor",
            "organisation_code": "GM0599",
            "name": "R. Bakker",
            "phone": "+31687654321",
        },
        "incident": {
            "types": ["online_harassment", "defamation"],
            "channels": ["social_media"],
            "description": "Een reeks berichten met haar adres erin.",
        },
        "urgency": "normal",
        "needs": ["online_first_aid"],
    },
    {
        "official": {"role": "alderman", "organisation_code": "GM0344", "name": "T. Visser"},
        "incident": {
            "types": ["property_damage"],
            "channels": ["at_home"],
            "description": "Een steen door het raam, 's nachts.",
        },
        "urgency": "high",
        "needs": ["security", "aftercare"],
    },
    {
        "official": {
            "role": "water_board_member",
            "organisation_code": "WS0155",
            "name": "M. de Graaf",
        },
        "incident": {"types": ["intimidation"], "channels": ["during_meeting"]},
        "urgency": "normal",
    },
]
GRAFANA = "http://127.0.0.1:3000/d/weerbaar-overview"
MAYOR: dict[str, Any] = ReportIncident.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


async def report(client: httpx.AsyncClient, system: System, body: dict[str, Any]) -> str:
    response = await client.post(
        f"{system.intake}/v1/incidents",
        json={"source": "crisis_line", **body},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    response.raise_for_status()
    return str(response.json()["incident_id"])


async def shoot(page: Any, out: Path, name: str) -> None:
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    print(f"screenshots: {out / name}.png")


async def main(out: Path) -> int:
    missing = chromium_missing()
    if missing:
        print(f"screenshots: {missing}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        roster = yaml.safe_load((ROOT / "deploy/config/roster.yaml").read_text())
        for adviser in roster["advisers"]:
            if adviser["id"] == "ngb-02":
                adviser["active"] = False  # every NGB case to ngb-01, whose pages we show
            if adviser["id"] in ("bzk-01", "bzk-02", "bzk-coord"):
                adviser["active"] = False  # the water-board case is unroutable: the queue
        (work / "roster.yaml").write_text(yaml.safe_dump(roster))
        system = System(
            workdir=work,
            roster=work / "roster.yaml",
            env_overrides={**NOTIFY_GIVES_UP_FAST, "CONSOLE_GRAFANA_URL": GRAFANA},
        )
        try:
            await system.start()
            await take(system, out)
        finally:
            await system.stop()
    return 0


async def take(system: System, out: Path) -> None:
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        for body in DEMO:
            await report(client, system, body)
        mayor = await report(client, system, MAYOR)
        await wait_for_incident(client, system.registry, mayor, having={"notification_sent"})
    async with browser() as chromium:
        desk = await loopback_only(await chromium.new_context(viewport=DESKTOP, locale="nl-NL"))
        page = await desk.new_page()
        await page.goto(f"{system.console}/aanmelden")
        await shoot(page, out, "sign-in")
        await sign_in(page, system.console, "Sanne Visser, operator")
        await shoot(page, out, "board")
        await page.goto(f"{system.console}/nieuwe-melding")
        await page.locator("#f-role").select_option("mayor")
        await page.locator("#f-organisation").fill("amst")
        await shoot(page, out, "new-report-organisation")
        await page.keyboard.press("Escape")
        await page.locator("#f-urgency-acute").check()
        await shoot(page, out, "new-report-acute")
        await page.goto(f"{system.console}/nieuwe-melding")
        await page.locator("#f-phone").fill("bel me")
        async with page.expect_navigation():
            await page.keyboard.press("Control+Enter")
        await shoot(page, out, "new-report-errors")
        await page.goto(f"{system.console}/casus/{mayor}")
        await shoot(page, out, "case-paged")
        await page.locator("#acties").screenshot(path=str(out / "case-actions.png"))
        await page.goto(f"{system.console}/nieuwe-melding")
        await page.locator("#f-role").select_option("mayor")
        await page.locator("#f-organisation").fill("Amsterdam (GM0363)")
        await page.locator("#f-types-threat").check()
        await page.locator("#voorvertoning-wie").wait_for(timeout=10_000)
        await shoot(page, out, "new-report-preview")
        await page.goto(f"{system.console}/casus/{mayor}/wissen")
        await shoot(page, out, "erase-confirmation")
        await page.goto(f"{system.console}/sneltoetsen")
        await shoot(page, out, "shortcuts")
        await page.goto(f"{system.console}/toegankelijkheid")
        await shoot(page, out, "accessibility-statement")
        await page.goto(f"{system.console}/dienst")
        await shoot(page, out, "on-call")
        await page.goto(f"{system.console}/registraties")
        await shoot(page, out, "registrations")
        await desk.close()
        desk = await loopback_only(await chromium.new_context(viewport=DESKTOP, locale="nl-NL"))
        page = await desk.new_page()
        await sign_in(page, system.console, "Noor Smit, coördinator")
        await page.goto(f"{system.console}/wachtrij")
        await shoot(page, out, "queue")
        await page.goto(f"{system.console}/audit")
        await shoot(page, out, "audit")
        await page.goto(f"{system.console}/statistieken")  # a coordinator sees every count
        chart = page.locator("#grafiek-functie-blok")
        await chart.screenshot(path=str(out / "statistics-chart.png"))
        await desk.close()
        desk = await loopback_only(await chromium.new_context(viewport=DESKTOP, locale="nl-NL"))
        page = await desk.new_page()
        await sign_in(page, system.console, "Ruben Meijer, analist")
        await page.goto(f"{system.console}/statistieken")
        await shoot(page, out, "statistics")
        await desk.close()
        await faults(system, chromium, out)

        phone = await loopback_only(
            await chromium.new_context(
                viewport=PHONE,
                locale="nl-NL",
                is_mobile=True,
                has_touch=True,
                device_scale_factor=2,
            )
        )
        page = await phone.new_page()
        await sign_in(page, system.console, "Eva de Boer, adviseur NGB (ngb-01)")
        await shoot(page, out, "phone-my-cases")
        await page.goto(f"{system.console}/casus/{mayor}")
        await shoot(page, out, "phone-case")
        await page.locator("#knop-bevestigen").click()
        await page.locator("#kop-paging", has_text="Bevestigd").wait_for(timeout=20_000)
        await shoot(page, out, "phone-case-acknowledged")
        await page.locator("#f-police_status").select_option("aangifte")
        await page.locator("#f-vpt_flag").select_option("yes")
        async with page.expect_navigation():
            await page.locator("#knop-feiten").click()
        await page.locator("#tijdlijn li[data-type='details_updated']").wait_for(timeout=20_000)
        await shoot(page, out, "phone-case-aangifte")
        await phone.close()


async def faults(system: System, chromium: Any, out: Path) -> None:
    """Storingen as ops sees it at night: the mail server down, a page parked."""
    assert system.smtp is not None
    system.smtp.stop()
    async with httpx.AsyncClient(timeout=10, headers=OPERATOR) as client:
        failing = await report(client, system, DEMO[0])
        await wait_for_incident(client, system.registry, failing, having={"notification_failed"})
    desk = await loopback_only(await chromium.new_context(viewport=DESKTOP, locale="nl-NL"))
    page = await desk.new_page()
    await sign_in(page, system.console, "Jesse Bos, beheer")
    for _ in range(100):  # parked a moment after notification.failed
        if await page.locator("tr[data-seq]").count():
            break
        await page.wait_for_timeout(200)
        await page.reload()
    await shoot(page, out, "faults")
    await desk.close()
    system.smtp = Controller(system.mailbox, hostname="127.0.0.1", port=system.smtp.port)
    system.smtp.start()


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/console"))))
