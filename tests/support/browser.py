"""A real browser for the console tests: Debian's chromium driven by Playwright, and
axe-core (vendored, pinned in services/console/vendor.lock.json) run inside it."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.support.servers import ROOT

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "tests/support/vendor/axe-core/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


async def loopback_only(context: Any) -> Any:
    """Requests to anything but this machine are refused (a page of the test's identity
    provider links a stylesheet on the internet)."""

    async def route(handle: Any) -> None:
        host = handle.request.url.split("/")[2].split(":")[0]
        if host in ("127.0.0.1", "localhost"):
            await handle.continue_()
        else:
            await handle.abort()

    await context.route("**/*", route)
    return context


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does in CI)"
    return None


@asynccontextmanager
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


async def axe_violations(page: Any, *, context: str | None = None) -> list[dict[str, Any]]:
    """What axe-core finds against WCAG 2.0, 2.1 and 2.2, levels A and AA. Injected
    through the DevTools protocol, which the page's CSP does not govern."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    result = await page.evaluate(
        """async ([context, tags]) => {
            const found = await axe.run(context ? document.querySelector(context) : document,
                {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return found.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }""",
        [context, WCAG_TAGS],
    )
    return list(result)


def describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, indent=2, ensure_ascii=False)


async def sign_in(page: Any, console: str, name: str) -> None:
    """Sign in on the development sign-in page as the user shown as `name`."""
    await page.goto(f"{console}/aanmelden")
    async with page.expect_navigation():
        await page.get_by_role("button", name=name).click()
    await page.wait_for_load_state()


class KeyCounter:
    """Presses keys on a page, counting every key that is not the call's own text."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.keys = 0
        self.typed = 0

    async def press(self, *keys: str) -> None:
        for key in keys:
            await self.page.keyboard.press(key)
            self.keys += 1

    async def type(self, text: str) -> None:
        await self.page.keyboard.type(text)
        self.typed += len(text)
