"""The console's view of cases: board order and filters, paging, what a user may do,
what needs doing, who is on call and the timeline's Dutch words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.domain import labels
from console.domain.cases import (
    BoardFilters,
    Capabilities,
    actions,
    board_order,
    needs_doing,
    paging,
    remaining,
)
from console.entrypoints.view import oncall_choices
from contracts.vocabulary import Pool
from registry.domain.timeline import TIMELINE_TYPES
from routing.entrypoints.api import DutyOut, OnCallOut, PoolOnCallOut
from tests.support.console_forms import case


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
        advisers=[],
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
