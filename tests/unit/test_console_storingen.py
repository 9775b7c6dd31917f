"""The Storingen page without servers: ops sees notify's dead letters with their reason
and age, the circuits and the lag, and re-drives one or all (with the form's CSRF
token, through notify's API with their own token); coordinators read it without the
buttons; every other role has no access; notify down is said, not a stack trace."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from console.domain import faults
from console.domain.problems import ApiProblem
from tests.support.console_fakes import FakeNotify, console_app, sign_in_as

CASE = "1c0f7f6e-8d1a-4cbb-9d7b-1b2a3c4d5e6f"
GRAFANA = "https://grafana.example/d/weerbaar-overview"


def dead(seq: int, *, reason: str = "failed", age_s: float = 3 * 3600 + 300) -> dict[str, Any]:
    return {
        "seq": seq,
        "parked_at": (datetime.now(UTC) - timedelta(seconds=age_s)).isoformat(),
        "age_s": age_s,
        "reason": reason,
        "error_type": "SMTPConnectError" if reason == "failed" else "ValidationError",
        "original_subject": f"weerbaar.events.adviser.assigned.{CASE}",
        "event_type": "adviser.assigned",
        "event_id": None,
        "incident_id": CASE,
    }


@pytest.fixture
def notify() -> FakeNotify:
    return FakeNotify([dead(12), dead(15, reason="invalid", age_s=90)])


@pytest.fixture
def client_as() -> Iterator[Callable[..., TestClient]]:
    """Signs in as a development user, against a console whose notify is `notify`."""
    with ExitStack() as stack:

        def signed_in(user: str, notify: FakeNotify, **settings: Any) -> TestClient:
            app = console_app(notify=notify, **settings)
            client = stack.enter_context(TestClient(app, base_url="https://console.test"))
            sign_in_as(client, user)
            return client

        yield signed_in


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="')[1].split('"')[0]


def test_ops_sees_what_failed_how_long_ago_and_what_works(
    client_as: Callable[..., TestClient], notify: FakeNotify
) -> None:
    client = client_as("ops-1", notify, CONSOLE_GRAFANA_URL=GRAFANA)
    assert client.get("/", follow_redirects=False).headers["location"] == "/storingen"
    page = client.get("/storingen")
    assert page.status_code == 200
    html = page.text
    assert '<h1 class="utrecht-heading-1">Storingen</h1>' in html
    assert 'data-seq="12"' in html and "3 u 5 min" in html and "1 min" in html
    assert "mailserver niet bereikbaar" in html and "SMTPConnectError" in html
    assert "onleesbaar bericht" in html and "oproep aan de adviseur" in html
    assert 'data-circuit="smtp" data-state="open"' in html
    assert "storing: niets gaat erheen" in html
    assert 'data-durable="notify"' in html and "loopt achter" in html
    assert f'href="{GRAFANA}"' in html
    # the summary at the top says what needs doing first
    now = html.split('id="kop-nu"')[1].split("</section>")[0]
    assert "E-mail via smtp: storing" in now
    assert "2 berichten niet afgeleverd, over 1 casus(sen)" in now
    assert 'action="/storingen/12/opnieuw"' in html and 'action="/storingen/opnieuw"' in html
    nav = html.split('aria-label="Hoofdmenu"')[1].split("</nav>")[0]
    assert nav.count("wb-nav__link") == 1 and 'href="/storingen"' in nav
    assert all(t == notify.tokens[0] for t in notify.tokens)  # the user's own token


def test_ops_redrives_one_and_all_with_the_forms_token(
    client_as: Callable[..., TestClient], notify: FakeNotify
) -> None:
    client = client_as("ops-1", notify)
    csrf = csrf_of(client.get("/storingen").text)
    assert client.post("/storingen/12/opnieuw", data={"csrf": "guess"}).status_code == 403
    assert notify.redriven == []
    one = client.post("/storingen/12/opnieuw", data={"csrf": csrf}, follow_redirects=False)
    assert one.status_code == 303 and one.headers["location"] == "/storingen?gedaan=een"
    every = client.post("/storingen/opnieuw", data={"csrf": csrf}, follow_redirects=False)
    assert every.headers["location"] == "/storingen?gedaan=alle&aantal=2"
    assert notify.redriven == [12, None]
    assert "2 opnieuw verstuurd." in client.get("/storingen?gedaan=alle&aantal=2").text


def test_a_dead_letter_already_gone_or_notify_down_is_said_in_words(
    client_as: Callable[..., TestClient], notify: FakeNotify
) -> None:
    client = client_as("ops-1", notify)
    csrf = csrf_of(client.get("/storingen").text)
    notify.redrive = _failing(ApiProblem(404, "Not found"))  # type: ignore[method-assign]
    gone = client.post("/storingen/99/opnieuw", data={"csrf": csrf})
    assert gone.status_code == 404 and "misschien is het al opnieuw verstuurd" in gone.text
    notify.problem = ApiProblem(0, "Unreachable")
    down = client.get("/storingen")
    assert down.status_code == 200
    assert "Notify is niet bereikbaar" in down.text and "Traceback" not in down.text
    assert "Alles werkt" not in down.text


def _failing(problem: ApiProblem) -> Any:
    async def redrive(*, token: str, seq: int | None) -> dict[str, Any]:
        raise problem

    return redrive


def test_a_coordinator_reads_it_without_the_buttons(
    client_as: Callable[..., TestClient], notify: FakeNotify
) -> None:
    client = client_as("coordinator-1", notify)
    html = client.get("/storingen").text
    assert 'data-seq="12"' in html and "Opnieuw versturen doet beheer." in html
    assert "/opnieuw" not in html
    nav = html.split('aria-label="Hoofdmenu"')[1].split("</nav>")[0]
    assert 'href="/storingen"' not in nav  # the menu entry is for ops
    csrf = csrf_of(html)
    assert client.post("/storingen/12/opnieuw", data={"csrf": csrf}).status_code == 403
    assert notify.redriven == []


@pytest.mark.parametrize("user", ["analyst-1", "operator-1", "adviser-ngb-01", "system-gm0363"])
def test_other_roles_have_no_access(
    client_as: Callable[..., TestClient], notify: FakeNotify, user: str
) -> None:
    client = client_as(user, notify)
    page = client.get("/storingen")
    assert page.status_code == 403 and "Geen toegang" in page.text
    assert notify.tokens == []


def test_all_well_and_in_english(client_as: Callable[..., TestClient], notify: FakeNotify) -> None:
    notify.letters = []
    notify.status_answer["circuits"] = [{"channel": "email", "provider": "smtp", "state": "closed"}]
    notify.status_answer["consumers"] = []
    client = client_as("ops-1", notify)
    assert "Alles werkt" in client.get("/storingen").text
    csrf = csrf_of(client.get("/storingen").text)
    client.post("/voorkeuren", data={"csrf": csrf, "language": "en", "terug": "/storingen"})
    english = client.get("/storingen").text
    assert "Faults" in english and "All is well" in english and "works" in english


def test_ages_in_words() -> None:
    assert [faults.age_text(s) for s in (None, 20, 300, 3600, 3 * 3600 + 300, 26 * 3600)] == [
        "—",
        "< 1 min",
        "5 min",
        "1 u",
        "3 u 5 min",
        "1 d 2 u",
    ]
