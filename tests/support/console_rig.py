"""The console browser tests' system and helpers: the demo roster with every NGB case
for ngb-01, browser contexts for a desktop and a phone, axe-core's verdict, a report
by the API and the pages each adviser got."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.auth import OPERATOR
from tests.support.browser import DESKTOP, PHONE, axe_violations, describe, loopback_only, sign_in
from tests.support.servers import ROOT, eventually
from tests.support.system import System, subject_of, wait_for_incident

OPERATOR_NAME = "Sanne Visser, operator"
ADVISER_NAME = "Eva de Boer, adviseur NGB (ngb-01)"
OTHER_ADVISER_NAME = "Lars Jansen, adviseur NGB (ngb-02)"


def roster_with_one_ngb_adviser(tmp: Path) -> Path:
    """The demo roster with ngb-02 inactive: every NGB case goes to ngb-01."""
    data = yaml.safe_load((ROOT / "deploy/config/roster.yaml").read_text())
    for adviser in data["advisers"]:
        if adviser["id"] == "ngb-02":
            adviser["active"] = False
    path = tmp / "roster.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@asynccontextmanager
async def console_system(workdir: Path) -> AsyncIterator[System]:
    """The whole system on the demo roster with ngb-02 inactive."""
    running = System(workdir=workdir, roster=roster_with_one_ngb_adviser(workdir))
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


@asynccontextmanager
async def desktop_context(chromium: Any) -> AsyncIterator[Any]:
    context = await loopback_only(await chromium.new_context(viewport=DESKTOP, locale="nl-NL"))
    try:
        yield context
    finally:
        await context.close()


@asynccontextmanager
async def phone_context(chromium: Any) -> AsyncIterator[Any]:
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
