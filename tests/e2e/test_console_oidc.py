"""Production sign-in: the console against a real OpenID Connect provider run by the
test (authorisation code with PKCE), the APIs accepting the forwarded access token
through the provider's JWKS, sign-out, and an expired session sent back to sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.browser import DESKTOP, browser, chromium_missing, loopback_only
from tests.support.oidc import Provider, oidc_provider
from tests.support.servers import ROOT
from tests.support.system import System

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with oidc_provider() as running:
        yield running


@pytest.fixture(scope="module")
async def system(
    tmp_path_factory: pytest.TempPathFactory, provider: Provider
) -> AsyncIterator[System]:
    running = System(
        workdir=tmp_path_factory.mktemp("console-oidc"),
        roster=ROOT / "deploy/config/roster.yaml",
        env_overrides={**provider.env, "CONSOLE_SESSION_IDLE_S": "60"},
    )
    try:
        await running.start()
        yield running
    finally:
        await running.stop()


async def sign_in_at_provider(page: Any, system: System, subject: str) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await page.goto(f"{system.console}/aanmelden")
    await page.get_by_role("button", name="Aanmelden").click()
    await page.get_by_role("button", name=subject).click()
    await page.wait_for_url(f"{system.console}/")
    return requests


async def test_sign_in_through_the_provider_reaches_the_apis_and_sign_out_ends_it(
    system: System, provider: Provider
) -> None:
    async with browser() as chromium:
        context = await loopback_only(await chromium.new_context(viewport=DESKTOP, locale="nl-NL"))
        page = await context.new_page()
        requests = await sign_in_at_provider(page, system, "oidc-operator")
        authorize = next(u for u in requests if "/oauth2/authorize" in u)
        query = parse_qs(urlsplit(authorize).query)
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
        assert query["nonce"] and query["state"]
        # the board is the registry's answer to the forwarded token: the APIs took it
        assert await page.locator("h1").inner_text() == "Meldingen"
        assert "Fleur Hendriks" in await page.locator(".wb-who__name").inner_text()
        await page.goto(f"{system.console}/nieuwe-melding")
        assert await page.locator("#f-role").is_visible()
        # sign out: the session and its token are gone from the console
        await page.get_by_role("button", name="Afmelden").click()
        await page.wait_for_load_state()
        await page.goto(f"{system.console}/")
        assert "/aanmelden" in page.url
        await context.close()


async def test_a_session_the_console_no_longer_holds_is_sent_back_to_sign_in(
    system: System,
) -> None:
    """(The idle and absolute timeouts themselves: tests/unit/test_console.py.)"""
    async with browser() as chromium:
        context = await loopback_only(await chromium.new_context(viewport=DESKTOP, locale="nl-NL"))
        page = await context.new_page()
        await sign_in_at_provider(page, system, "oidc-operator")
        cookies = await context.cookies()
        session = next(c for c in cookies if c["name"] == "weerbaar_session")
        assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
        # a cookie whose session is gone (expired, or signed out elsewhere)
        await context.clear_cookies()
        await context.add_cookies([{**session, "value": "not-a-session-" + "x" * 30}])
        await page.goto(f"{system.console}/nieuwe-melding")
        assert "/aanmelden?terug=/nieuwe-melding" in page.url
        await context.close()
