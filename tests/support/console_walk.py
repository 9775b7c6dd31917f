"""Checks shared by the console's browser tests of its oversight pages: axe-core clean,
a keyboard-only walk, waiting for the focus."""

from __future__ import annotations

from typing import Any

from tests.support.browser import axe_violations, describe
from tests.support.servers import eventually

FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex='0']"


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


async def keyboard_walk(page: Any, path: str) -> int:
    """The skip link comes first; Tab then reaches every control in page order, each
    with a visible focus ring, until the focus leaves the page. How many it reached."""
    first = await page.evaluate(f"document.querySelector(`{FOCUSABLE}`).getAttribute('href')")
    assert first == "#inhoud", path
    await page.evaluate("document.querySelector('.wb-skip-link').focus()")
    expected = await page.evaluate(
        f"""Array.from(document.querySelectorAll(`{FOCUSABLE}`))
            .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length)
            .length"""
    )
    reached = 0
    for _ in range(expected + 5):
        state = await page.evaluate(
            """() => { const e = document.activeElement; const s = getComputedStyle(e);
                return {key: e.outerHTML.slice(0, 120), ring: s.outlineStyle !== 'none'
                        && s.outlineWidth !== '0px'}; }"""
        )
        assert state["ring"], (path, state["key"])
        reached += 1
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement === document.body"):
            break
    assert reached >= expected, (path, reached, expected)
    return reached
