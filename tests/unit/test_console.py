"""The console's domain and its HTTP layer without servers: forms, board order, paging,
what a user may do, sessions, the change hub, CSRF and the security headers."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import shutil
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from console.adapters.changes import CHANGE_FEED, ChangeHub, parse
from console.adapters.sessions import MemorySessionStore
from console.bootstrap import create_app
from console.domain import caseforms, forms, labels
from console.domain.cases import (
    BoardFilters,
    Capabilities,
    actions,
    board_order,
    needs_doing,
    paging,
    remaining,
)
from console.domain.session import Session, User, safe_return_path, start
from console.entrypoints.events import stream
from console.entrypoints.view import oncall_choices
from console.settings import ConsoleSettings
from contracts.feed import RecordChanged
from contracts.subjects import CHANGED_PREFIX, changed_subject
from contracts.vocabulary import Pool
from intake.domain.commands import AssignByHand, UpdateDetails
from registry.domain.timeline import TIMELINE_TYPES
from routing.entrypoints.api import DutyOut, OnCallOut, PoolOnCallOut
from tests.support.servers import ROOT


def _vendor_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "console_vendor", ROOT / "services/console/vendor.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["console_vendor"] = module
    spec.loader.exec_module(module)
    return module


vendor = _vendor_module()


def form(**values: str | list[str]) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in values.items()}


MINIMUM = form(
    role="mayor",
    organisation="Amsterdam (GM0363)",
    types=["threat"],
    urgency="high",
    description="Doodsbedreiging onder de livestream.",
)


def test_the_vendored_files_match_their_lock() -> None:
    assert vendor.verify() == []


def test_a_changed_vendored_file_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = json.loads(vendor.LOCK.read_text())
    entry = lock["packages"][2]["files"][0]
    copy = tmp_path / "htmx.min.js"
    shutil.copyfile(ROOT / entry["to"], copy)
    copy.write_text(copy.read_text() + "\n// planted")
    entry["to"] = str(copy)
    planted = tmp_path / "vendor.lock.json"
    planted.write_text(json.dumps(lock))
    monkeypatch.setattr(vendor, "LOCK", planted)
    assert vendor.verify() == [str(copy)]


def test_every_vendored_package_names_its_licence_and_ships_it() -> None:
    lock = json.loads(vendor.LOCK.read_text())
    for entry in lock["packages"]:
        assert entry["license"] in {"EUPL-1.2", "0BSD", "MPL-2.0"}
        assert any("LICENSE" in f["to"] for f in entry["files"]), entry["package"]
        assert entry["integrity"].startswith("sha512-")


def test_the_minimum_call_becomes_the_api_body() -> None:
    parsed = forms.call(MINIMUM, related_supported=False)
    assert parsed.errors == []
    assert parsed.body["official"] == {"role": "mayor", "organisation_code": "GM0363"}
    assert parsed.body["incident"]["types"] == ["threat"]
    assert parsed.body["urgency"] == "high"
    assert parsed.body["police"] == {"status": "none"}


def test_a_wrong_call_names_each_field_in_dutch() -> None:
    parsed = forms.call(
        form(organisation="Atlantis", phone="bel me", occurred_at="gisteren"),
        related_supported=False,
    )
    fields = {e.field for e in parsed.errors}
    assert fields == {
        "f-role",
        "f-organisation",
        "f-phone",
        "f-types",
        "f-urgency",
        "f-occurred_at",
    }
    assert parsed.body == {}
    assert all(e.message.endswith(".") for e in parsed.errors)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("GM0363", "GM0363"),
        ("Amsterdam (GM0363)", "GM0363"),
        ("amsterdam", "GM0363"),
        ("Groningen", None),
        ("Groningen (PV20)", "PV20"),
        ("", None),
        ("Atlantis", None),
    ],
)
def test_an_organisation_is_found_by_name_or_code(typed: str, code: str | None) -> None:
    found = forms.organisation_from(typed)
    assert (found.code if found else None) == code


def test_dutch_input_is_normalised() -> None:
    parsed = forms.call(
        {**MINIMUM, **form(phone="06 1234 5678", occurred_at="20-11-2026 21:15")},
        related_supported=False,
    )
    assert parsed.body["official"]["phone"] == "+31612345678"
    assert parsed.body["incident"]["occurred_at"] == "2026-11-20T21:15:00+01:00"


def test_a_follow_up_is_linked_only_when_the_api_takes_it() -> None:
    related = {**MINIMUM, **form(related_incident_id="6427fe6e-7d2c-58e0-86de-854a68c25687")}
    assert "related_incident_id" not in forms.call(related, related_supported=False).body
    assert forms.call(related, related_supported=True).body["related_incident_id"]


def test_a_registration_takes_contact_details_only_when_contact_is_wanted() -> None:
    base = form(
        external_id="AMS-1",
        organisation="GM0363",
        role="councillor",
        types=["verbal_aggression"],
        name="C. Smit",
    )
    refused = forms.registration({**base, **form(wants_contact="no")})
    assert {e.field for e in refused.errors} == {"f-name"}
    wanted = forms.registration({**base, **form(wants_contact="yes", phone="0612345678")})
    assert wanted.errors == []
    assert wanted.body["wants_contact"] is True
    assert wanted.body["organisation_code"] == "GM0363"


def case(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "incident_id": "a",
        "status": "assigned",
        "urgency": "normal",
        "reported_at": "2026-11-20T20:00:00+00:00",
        "assignment": {
            "assignment_id": "x",
            "adviser_id": "ngb-01",
            "pool": "ngb",
            "ack_deadline": "2026-11-20T21:00:00+00:00",
            "acknowledged_at": None,
        },
        "timeline": [],
        "personal_data_erased_at": None,
    }
    record.update(changes)
    return record


def test_the_board_puts_cases_without_an_adviser_first_then_urgency() -> None:
    items = [
        case(incident_id="normal"),
        case(incident_id="acute", urgency="acute"),
        case(incident_id="nobody", assignment=None, status="reported"),
    ]
    assert [i["incident_id"] for i in board_order(items)] == ["nobody", "acute", "normal"]


def test_board_filters_survive_the_url_and_drop_nonsense() -> None:
    filters = BoardFilters.from_query({"urgency": ["acute", "bogus"], "role": ["mayor"]})
    assert filters.urgency == ("acute",)
    assert filters.shows_only_open
    assert BoardFilters.from_query({"status": ["alle"]}).status == ()
    assert "urgency=acute" in filters.query_string()


def test_paging_follows_the_timeline_of_the_current_assignment() -> None:
    assert paging(case()).state == "waiting"
    sent = {
        "type": "notification_sent",
        "assignment_id": "x",
        "purpose": "page",
        "adviser_id": "ngb-01",
        "channel": "email",
        "at": "2026-11-20T20:00:01+00:00",
    }
    assert paging(case(timeline=[sent])).state == "paged"
    other = {**sent, "assignment_id": "old"}
    assert paging(case(timeline=[other])).state == "waiting"
    acknowledged = case(assignment={**case()["assignment"], "acknowledged_at": "t"})
    assert paging(acknowledged).state == "acknowledged"
    assert paging(case(assignment=None)).state == "unassigned"


def test_what_a_user_may_do() -> None:
    none = Capabilities()
    adviser = actions(case(), role="adviser", adviser_id="ngb-01", capabilities=none)
    assert adviser.acknowledge and adviser.record_action and adviser.close
    assert not adviser.erase and not adviser.decline  # not offered by the API it talks to
    offered = Capabilities(decline=True, assign=True, details=True)
    mine = actions(case(), role="adviser", adviser_id="ngb-01", capabilities=offered)
    assert mine.decline and mine.update_details and not mine.assign  # the desk assigns
    desk_now = actions(case(), role="operator", adviser_id=None, capabilities=offered)
    assert desk_now.decline and desk_now.assign  # on the adviser's behalf; hand over
    other = actions(case(), role="adviser", adviser_id="ngb-02", capabilities=none)
    assert not other.acknowledge and not other.close
    desk = actions(case(status="closed"), role="operator", adviser_id=None, capabilities=none)
    assert desk.reopen and desk.erase and not desk.close


def test_what_needs_doing_on_an_advisers_list() -> None:
    now = datetime(2026, 11, 20, 20, 50, tzinfo=UTC)
    assert needs_doing(case(), adviser_id="ngb-01", now=now) == "Nog niet bevestigd (nog 10 min)"
    idle = case(
        status="acknowledged",
        assignment={**case()["assignment"], "acknowledged_at": "2026-11-20T10:00:00+00:00"},
    )
    assert needs_doing(idle, adviser_id="ngb-01", now=now) == "Al 10 uur geen actie"
    assert needs_doing(case(), adviser_id="ngb-02", now=now) is None
    assert remaining(now - timedelta(minutes=3), now) == "3 min te laat"


def test_a_session_ends_when_idle_or_old() -> None:
    user = User("operator-1", "operator", "Sanne")
    session = start(user, access_token="t", now=1000.0)
    assert not session.expired(1000.0 + 60, idle_s=1800, absolute_s=43200)
    assert session.expired(1000.0 + 1801, idle_s=1800, absolute_s=43200)
    busy = session.touched(1000.0 + 43000)
    assert busy.expired(1000.0 + 43201, idle_s=1800, absolute_s=43200)
    assert Session.from_dict(json.loads(json.dumps(session.to_dict()))) == session


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/casus/1", "/casus/1"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\\evil", "/"),
        (None, "/"),
    ],
)
def test_only_local_paths_are_returned_to(given: str | None, kept: str) -> None:
    assert safe_return_path(given) == kept


def test_the_change_feed_carries_ids_only_and_gaps_reload() -> None:
    record = uuid.uuid4()
    change = RecordChanged(
        kind="incident", id=record, event_types=["adviser.assigned"], version=3
    ).model_dump_json()
    subject = changed_subject("incident", record)
    assert parse(subject, change.encode()) == ("incident", str(record), 3, ("adviser.assigned",))
    assert subject.startswith(CHANGED_PREFIX) and f"{CHANGED_PREFIX}.>" == CHANGE_FEED
    # a payload on another record's subject, or not a RecordChanged, is ignored
    assert parse(changed_subject("incident", uuid.uuid4()), change.encode()) is None
    assert parse(subject, b'{"version": 3, "types": ["assigned"]}') is None
    assert parse("weerbaar.events.incident.reported.abc", b"{}") is None
    hub = ChangeHub(queue_size=2)
    seen = hub.last_id
    assert hub.current(seen)
    slow = hub.listen()
    for n in range(3):
        hub.publish("incident", f"id-{n}", n, ())
    assert not hub.current(seen)
    assert hub.listeners == 0  # the slow browser was let go; it reconnects and reloads
    assert slow.get_nowait() is None


async def test_a_browser_that_missed_a_change_is_told_to_reload() -> None:
    hub = ChangeHub()
    before = hub.last_id
    hub.publish("incident", "x", 1, ())
    closing = asyncio.Event()

    async def alive() -> bool:
        return True

    events = stream(hub, last_event_id=before, since=None, closing=closing, alive=alive)
    assert await anext(events) == b"retry: 2000\n\n"
    assert b"event: reload" in await anext(events)
    hub.close()
    rest = [chunk async for chunk in events]
    assert rest == []


@pytest.fixture
def app() -> Any:
    settings = ConsoleSettings(_env_file=None)  # type: ignore[call-arg]
    return create_app(settings, store=MemorySessionStore(), connect=False)


def signed_in(client: TestClient) -> str:
    page = client.get("/aanmelden")
    token = page.cookies.get("weerbaar_sign_in") or client.cookies.get("weerbaar_sign_in")
    response = client.post(
        "/aanmelden",
        data={"sign_in_token": token, "user": "operator-1", "return_to": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    return cookie


def test_the_session_cookie_is_opaque_httponly_secure_and_strict(app: Any) -> None:
    with TestClient(app, base_url="https://console.test") as client:
        cookie = signed_in(client)
    assert cookie.startswith("weerbaar_session=")
    for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    assert "." not in value and len(value) >= 40  # no token, no data: an id


def test_a_form_without_its_csrf_token_is_refused(app: Any) -> None:
    with TestClient(app, base_url="https://console.test") as client:
        signed_in(client)
        page = client.get("/nieuwe-melding")
        assert page.status_code == 200
        refused = client.post("/nieuwe-melding", data=MINIMUM | form(csrf="guess"))
        assert refused.status_code == 403
        assert "verlopen" in refused.text
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        other_site = client.post(
            "/nieuwe-melding", data={"csrf": csrf}, headers={"Origin": "https://evil.example"}
        )
        assert other_site.status_code == 403
        checked = client.post("/nieuwe-melding", data={"csrf": csrf})
        assert checked.status_code == 422  # through the check; the form itself is empty
        assert "foutoverzicht" in checked.text


def test_sign_in_needs_the_sign_in_pages_own_token(app: Any) -> None:
    with TestClient(app, base_url="https://console.test") as client:
        response = client.post("/aanmelden", data={"user": "operator-1"})
    assert response.status_code == 403


def test_every_page_has_the_security_headers(app: Any) -> None:
    with TestClient(app, base_url="https://console.test") as client:
        signed_in(client)
        for path in (
            "/aanmelden",
            "/nieuwe-melding",
            "/sneltoetsen",
            "/toegankelijkheid",
            "/niet-bestaand",
        ):
            response = client.get(path)
            csp = response.headers["content-security-policy"]
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["x-frame-options"] == "DENY"
        assert client.get("/static/weerbaar.css").headers["cache-control"] == "no-cache"
        assert client.get("/metrics").status_code == 401


def test_no_template_has_inline_script_or_style() -> None:
    templates = ROOT / "services/console/src/console/templates"
    for path in templates.glob("*.html"):
        text = path.read_text()
        assert "<script>" not in text and " style=" not in text and " on" + "click=" not in text
        assert "<script src=" in text or "<script" not in text, path


def test_sign_out_purges_the_session_and_its_token(app: Any) -> None:
    store: MemorySessionStore = app.state.console.store
    with TestClient(app, base_url="https://console.test") as client:
        signed_in(client)
        assert len(store.data) == 1
        (stored,) = store.data.values()
        assert stored["access_token"]
        page = client.get("/sneltoetsen")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        out = client.post("/afmelden", data={"csrf": csrf}, follow_redirects=False)
        assert out.status_code == 303
        assert store.data == {}
        again = client.get("/nieuwe-melding", follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"].startswith("/aanmelden")


def test_an_expired_session_goes_back_to_sign_in(app: Any) -> None:
    store: MemorySessionStore = app.state.console.store
    with TestClient(app, base_url="https://console.test") as client:
        signed_in(client)
        for value in store.data.values():
            value["last_seen_at"] = time.time() - 3600
        response = client.get("/casus/6427fe6e-7d2c-58e0-86de-854a68c25687", follow_redirects=False)
    assert response.status_code == 303
    expected = "/aanmelden?terug=/casus/6427fe6e-7d2c-58e0-86de-854a68c25687"
    assert response.headers["location"] == expected
    assert store.data == {}


def test_facts_send_only_what_changed_and_the_police_facts_whole() -> None:
    record = {
        "urgency": "normal",
        "types": ["threat"],
        "police": {"status": "melding", "reason_not_reported": None, "vpt_flag": None},
    }
    form = {k: list(v) for k, v in caseforms.facts_values(record).items()}
    assert caseforms.details(form, record).errors[0].field == "f-police_status"  # nothing
    form.update(police_status=["aangifte"], vpt_flag=["yes"])
    body = caseforms.details(form, record).body
    assert body == {"police": {"status": "aangifte", "vpt_flag": True}}
    UpdateDetails.model_validate(body)  # what intake takes
    form.update(urgency=["acute"], types=["threat", "stalking"])
    changed = caseforms.details(form, record).body
    assert changed is not None and changed["urgency"] == "acute"
    assert changed["types"] == ["threat", "stalking"]
    form.update(reason_not_reported=["part_of_the_job"])  # left from before: dropped
    assert caseforms.details(form, record).body == changed
    form.update(police_status=["none"], reason_not_reported=["not_serious_enough"])
    police = (caseforms.details(form, record).body or {})["police"]
    assert police == {
        "status": "none",
        "reason_not_reported": "not_serious_enough",
        "vpt_flag": True,
    }


def test_a_hand_assignment_names_the_adviser_and_optionally_why() -> None:
    body = caseforms.assignment({"adviser_id": ["ngb-02"], "reason": [""]}).body
    assert body == {"adviser_id": "ngb-02"}
    AssignByHand.model_validate(body)
    other = caseforms.assignment({"adviser_id": ["ngb-02"], "other_adviser_id": ["ngb-07"]})
    assert other.body == {"adviser_id": "ngb-07"}
    assert caseforms.assignment({"adviser_id": ["not ok!"]}).errors[0].field == "f-adviser_id"


def test_who_is_on_call_comes_from_routings_own_answer() -> None:
    answer = OnCallOut(
        at=datetime(2026, 12, 1, tzinfo=UTC),
        pools=[
            PoolOnCallOut(
                pool=Pool.NGB,
                pool_name="NGB",
                now=DutyOut(primary=["ngb-01"], backup=["ngb-02"]),
                until=None,
                next=None,
                coordinator="ngb-coord",
                gaps=[],
            )
        ],
    ).model_dump(mode="json", by_alias=True)
    assert [code for code, _ in oncall_choices(answer)] == ["ngb-01", "ngb-02", "ngb-coord"]
    assert "achterwacht" in dict(oncall_choices(answer))["ngb-02"]
    assert oncall_choices(None) == []


def test_every_timeline_entry_the_registry_writes_has_dutch_words() -> None:
    for kind in TIMELINE_TYPES.values():
        assert kind in labels.TIMELINE_NL and kind in labels.TIMELINE_EN
    refused = {"type": "assignment_rejected", "adviser_id": "ngb-09", "reason": "inactive_adviser"}
    assert labels.timeline_text(refused) == (
        "Toewijzing niet gelukt: ngb-09, deze adviseur is niet actief"
    )
    for reason in ("unknown_adviser", "inactive_adviser", "conflict_of_interest"):
        assert reason not in labels.timeline_text({**refused, "reason": reason})
    facts = {
        "type": "details_updated",
        "changes": {"police": {"status": "aangifte", "vpt_flag": True}, "urgency": "acute"},
    }
    assert (
        labels.timeline_text(facts) == "Feiten bijgewerkt: politie: aangifte, VPT; urgentie: acuut"
    )
    declined = {"type": "declined", "adviser_id": "ngb-01", "declined_by": "operator"}
    assert labels.timeline_text(declined).startswith("Geweigerd door ngb-01")


def test_the_console_root_is_the_board_not_the_services_index(app: Any) -> None:
    client = TestClient(app)
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (302, 303, 307)  # off to sign in, never JSON
    assert client.get("/healthz").json() == {"status": "ok"}
