"""Routing: the roster and its schedule, the assignment policy, and the Router."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.events import (
    AdviserAssigned,
    AssignmentEscalated,
    IncidentUnroutable,
    ReminderDue,
    derive_id,
)
from contracts.vocabulary import DEFAULT_POOL_BY_ROLE, Pool, Role, Source, Urgency
from routing.domain import Request, RoundRobin, choose, conflicted, on_shift, pools_for
from routing.roster import Roster, RosterError, coverage_gaps, load_roster
from routing.service import Router, Timer
from routing.settings import RoutingSettings
from routing.timers import schedule_headers
from tests.support.casework_events import action, closed
from tests.support.events import INCIDENT_ID, acknowledged, notification_failed, reported
from tests.support.fakes import MemoryStateStore, RecordingPublisher, RecordingScheduler

REPO = Path(__file__).resolve().parents[2]
DEPLOY_ROSTER = REPO / "deploy" / "config" / "roster.yaml"
AMS = ZoneInfo("Europe/Amsterdam")
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def adviser(adviser_id: str, pool: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": adviser_id,
        "pool": pool,
        "contacts": [{"channel": "email", "address": f"{adviser_id}@example.nl"}],
        **extra,
    }


def always(
    pool: str, primary: str | list[str], backup: str | list[str] | None = None
) -> dict[str, Any]:
    slot: dict[str, Any] = {"days": EVERY_DAY, "from": "00:00", "to": "00:00", "primary": primary}
    if backup:
        slot["backup"] = backup
    return {"pool": pool, "start": "2026-01-05", "weeks": [[slot]]}


def staffed_roster(**changes: Any) -> Roster:
    """Every pool with a primary, a backup and a coordinator, on call around the clock."""
    data: dict[str, Any] = {"pools": {}, "advisers": [], "shifts": {"rotations": []}}
    for pool in Pool:
        p = pool.value
        data["pools"][p] = {"coordinator": f"{p}-coord"}
        data["advisers"] += [adviser(f"{p}-1", p), adviser(f"{p}-2", p), adviser(f"{p}-coord", p)]
        data["shifts"]["rotations"].append(always(p, f"{p}-1", f"{p}-2"))
    data.update(changes)
    return Roster.model_validate(data)


@pytest.fixture
def write_roster(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "roster.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


# --- the shipped roster -------------------------------------------------------------------


def test_deploy_roster_loads_with_full_coverage() -> None:
    roster = load_roster(DEPLOY_ROSTER)
    assert roster.routing == DEFAULT_POOL_BY_ROLE
    assert {a.pool for a in roster.advisers} == set(Pool)
    assert coverage_gaps(roster, start=datetime(2026, 12, 20, tzinfo=UTC)) == {}
    for pool in Pool:
        assert roster.coordinator(pool) is not None


@pytest.mark.parametrize("role", list(Role))
def test_each_role_routes_to_its_pool(role: Role) -> None:
    roster = load_roster(DEPLOY_ROSTER)
    assert roster.pool_for(role=role) is DEFAULT_POOL_BY_ROLE[role]


def test_rules_are_ordered_and_first_match_wins() -> None:
    roster = staffed_roster(
        rules=[
            {"match": {"source": ["media_report"]}, "pool": "bzk"},
            {"match": {"types": ["undermining"], "province": ["PV27"]}, "pool": "ngb"},
            {"match": {"types": ["undermining"]}, "pool": "nvvr"},
        ]
    )
    assert roster.pool_for(role=Role.ALDERMAN, source=Source.MEDIA_REPORT) is Pool.BZK
    from contracts.vocabulary import IncidentType

    undermining = [IncidentType.UNDERMINING]
    assert roster.pool_for(role=Role.ALDERMAN, types=undermining, province="PV27") is Pool.NGB
    assert roster.pool_for(role=Role.ALDERMAN, types=undermining, province="PV28") is Pool.NVVR
    assert roster.pool_for(role=Role.ALDERMAN) is Pool.WETHOUDERSVERENIGING


# --- shifts across daylight saving ----------------------------------------------------------


def night_roster() -> Roster:
    slots = [
        {"days": EVERY_DAY, "from": "22:00", "to": "02:00", "primary": "late", "backup": "day"},
        {"days": EVERY_DAY, "from": "02:00", "to": "08:00", "primary": "night", "backup": "late"},
        {"days": EVERY_DAY, "from": "08:00", "to": "22:00", "primary": "day", "backup": "night"},
    ]
    return Roster.model_validate(
        {
            "advisers": [adviser(a, "ngb") for a in ("late", "night", "day")],
            "shifts": {"rotations": [{"pool": "ngb", "start": "2026-01-05", "weeks": [slots]}]},
        }
    )


@pytest.mark.parametrize(
    ("local", "fold", "expected"),
    [
        # 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist and is read
        # with the offset before the change (01:30 UTC), which is 03:30 CEST.
        (datetime(2026, 3, 29, 1, 30), 0, "late"),
        (datetime(2026, 3, 29, 2, 30), 0, "night"),
        (datetime(2026, 3, 29, 3, 30), 0, "night"),
        # 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
        (datetime(2026, 10, 25, 1, 30), 0, "late"),
        (datetime(2026, 10, 25, 2, 30), 0, "night"),
        (datetime(2026, 10, 25, 2, 30), 1, "night"),
        (datetime(2026, 10, 25, 3, 30), 0, "night"),
    ],
)
def test_who_is_on_call_on_the_daylight_saving_nights(
    local: datetime, fold: int, expected: str
) -> None:
    instant = local.replace(tzinfo=AMS, fold=fold)
    primaries, _ = night_roster().on_call(Pool.NGB, instant)
    assert primaries == [expected]


@pytest.mark.parametrize(
    ("night", "night_shift_hours"),
    [(datetime(2026, 3, 28, 12), 5), (datetime(2026, 10, 24, 12), 7)],
)
def test_no_gap_and_no_double_cover_across_the_change(
    night: datetime, night_shift_hours: int
) -> None:
    roster = night_roster()
    start = night.replace(tzinfo=AMS).astimezone(UTC)
    minutes: dict[str, int] = {}
    for minute in range(48 * 60):
        primaries, _ = roster.on_call(Pool.NGB, start + timedelta(minutes=minute))
        assert len(primaries) == 1, start + timedelta(minutes=minute)
        minutes[primaries[0]] = minutes.get(primaries[0], 0) + 1
    # Two nights: the one with the change is an hour shorter (spring) or longer (autumn).
    assert minutes["night"] == (6 + night_shift_hours) * 60
    assert sum(minutes.values()) == 48 * 60
    assert Pool.NGB not in coverage_gaps(roster, start=start, days=2)


def test_weekly_rotation_and_overrides() -> None:
    roster = Roster.model_validate(
        {
            "advisers": [adviser(a, "ngb") for a in ("a", "b", "c")],
            "shifts": {
                "rotations": [
                    {
                        "pool": "ngb",
                        "start": "2026-01-05",
                        "weeks": [
                            [{"days": EVERY_DAY, "from": "00:00", "to": "00:00", "primary": "a"}],
                            [{"days": EVERY_DAY, "from": "00:00", "to": "00:00", "primary": "b"}],
                        ],
                    }
                ],
                "overrides": [
                    {
                        "pool": "ngb",
                        "from": "2026-01-14T18:00",
                        "to": "2026-01-15T09:00",
                        "primary": "c",
                    }
                ],
            },
        }
    )

    def primary(y: int, m: int, d: int, h: int) -> str:
        return roster.on_call(Pool.NGB, datetime(y, m, d, h, tzinfo=AMS))[0][0]

    assert primary(2026, 1, 5, 0) == "a"  # week 0 starts Monday 00:00
    assert primary(2026, 1, 11, 23) == "a"
    assert primary(2026, 1, 12, 0) == "b"  # week 1
    assert primary(2026, 1, 14, 19) == "c"  # the override
    assert primary(2026, 1, 15, 9) == "b"
    assert primary(2026, 1, 19, 12) == "a"  # the cycle repeats


# --- roster validation -----------------------------------------------------------------------


def test_unknown_pool_names_file_line_and_field(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(
        """
        advisers:
          - id: a-1
            pool: ngb
            contacts: [{channel: email, address: a-1@example.nl}]
          - id: a-2
            pool: vng
            contacts: [{channel: email, address: a-2@example.nl}]
        """
    )
    with pytest.raises(RosterError) as error:
        load_roster(path)
    message = str(error.value)
    assert message.startswith(f"{path}:6:")
    assert "advisers.1.pool" in message


def test_adviser_without_a_usable_channel_is_an_error(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(
        """
        advisers:
          - id: a-1
            pool: ngb
            contacts:
              - {channel: sms, address: "call me"}
              - {channel: webhook, address: "ftp://example.nl/hook"}
        """
    )
    with pytest.raises(RosterError, match="no usable contact channel") as error:
        load_roster(path)
    assert f"{path}:2:" in str(error.value)
    assert "advisers.0" in str(error.value)


def test_overlapping_overrides_are_an_error(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(
        """
        advisers:
          - {id: a, pool: ngb, contacts: [{channel: email, address: a@example.nl}]}
          - {id: b, pool: ngb, contacts: [{channel: email, address: b@example.nl}]}
        shifts:
          overrides:
            - {pool: ngb, from: "2026-12-24T18:00", to: "2026-12-26T09:00", primary: a}
            - {pool: ngb, from: "2026-12-25T18:00", to: "2026-12-27T09:00", primary: b}
        """
    )
    with pytest.raises(RosterError, match="overlaps override 0") as error:
        load_roster(path)
    assert f"{path}:7:" in str(error.value)
    assert "shifts.overrides.1" in str(error.value)


def test_unknown_organisation_code_is_an_error(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(
        """
        advisers:
          - id: a
            pool: ngb
            contacts: [{channel: email, address: a@example.nl}]
            organisations: [GM0363, GM9999]
        """
    )
    with pytest.raises(RosterError, match="GM9999") as error:
        load_roster(path)
    assert "advisers.0.organisations.1" in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("advisers: [", "not valid YAML"),
        (
            "advisers:\n  - {id: a, pool: ngb, contacts: [{channel: email, address: a@x.nl}]}\n"
            "  - {id: a, pool: ngb, contacts: [{channel: email, address: b@x.nl}]}\n",
            "duplicate adviser id",
        ),
        (
            "pools: {ngb: {coordinator: nobody}}\n",
            "pools.ngb.coordinator",
        ),
    ],
)
def test_other_roster_errors(write_roster: Callable[[str], Path], text: str, expected: str) -> None:
    with pytest.raises(RosterError, match=expected):
        load_roster(write_roster(text))


def test_a_file_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_bytes(b"advisers:\n  - id: \xff\xfe\n")
    with pytest.raises(RosterError) as error:
        load_roster(path)
    assert str(path) in str(error.value)


def test_coverage_gap_is_reported() -> None:
    roster = Roster.model_validate(
        {
            "advisers": [adviser("a", "ngb")],
            "shifts": {
                "rotations": [
                    {
                        "pool": "ngb",
                        "start": "2026-01-05",
                        "weeks": [
                            [
                                {
                                    "days": ["mon", "tue", "wed", "thu", "fri"],
                                    "from": "08:00",
                                    "to": "18:00",
                                    "primary": "a",
                                }
                            ]
                        ],
                    }
                ]
            },
        }
    )
    gaps = coverage_gaps(roster, start=datetime(2026, 11, 30, 12, tzinfo=AMS))
    assert Pool.NGB in gaps
    first_start, first_end = gaps[Pool.NGB][0]
    assert first_start.astimezone(AMS).hour == 18
    assert first_end.astimezone(AMS).hour == 8


# --- the policy --------------------------------------------------------------------------------


NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def request_for(role: Role = Role.MAYOR, organisation: str = "GM0363") -> Request:
    return Request(role=role, organisation_code=organisation, province="PV27")


def test_primary_first_then_backup_then_bzk_then_coordinators() -> None:
    roster = staffed_roster()
    turns = RoundRobin()
    choice = choose(roster, request_for(), at=NOW, load={}, turns=turns)
    assert choice is not None
    assert (choice.pool, choice.adviser.id) == (Pool.NGB, "ngb-1")
    assert not choice.fallback
    full = {"ngb-1": 10}
    choice = choose(roster, request_for(), at=NOW, load=full, turns=turns)
    assert choice is not None
    assert choice.adviser.id == "ngb-2"
    full = {"ngb-1": 10, "ngb-2": 10}
    choice = choose(roster, request_for(), at=NOW, load=full, turns=turns)
    assert choice is not None
    assert (choice.pool, choice.adviser.id) == (Pool.BZK, "bzk-1")
    assert choice.fallback
    everyone_full = {a.id: 10 for a in roster.advisers}
    choice = choose(roster, request_for(), at=NOW, load=everyone_full, turns=turns)
    assert choice is not None
    assert choice.relaxed == "capacity"


def test_conflicted_adviser_is_never_chosen() -> None:
    roster = staffed_roster()
    data = roster.model_dump(by_alias=True, mode="json")
    for a in data["advisers"]:
        a["organisations"] = ["GM0363"]
    conflicted_everywhere = Roster.model_validate(data)
    assert choose(conflicted_everywhere, request_for(), at=NOW, load={}, turns=RoundRobin()) is None


def test_least_open_cases_then_round_robin() -> None:
    roster = staffed_roster(
        shifts={"rotations": [always("ngb", ["ngb-1", "ngb-2"])]},
    )
    turns = RoundRobin()
    picks = [
        choose(roster, request_for(), at=NOW, load={}, turns=turns).adviser.id  # type: ignore[union-attr]
        for _ in range(4)
    ]
    assert picks == ["ngb-1", "ngb-2", "ngb-1", "ngb-2"]
    busier = choose(roster, request_for(), at=NOW, load={"ngb-1": 3, "ngb-2": 1}, turns=turns)
    assert busier is not None
    assert busier.adviser.id == "ngb-2"


ids = st.sampled_from(["a", "b", "c", "d", "e"])


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Roster, Request, dict[str, int]]:
    advisers = []
    rotations = []
    for pool in (Pool.NGB, Pool.BZK):
        names = [f"{pool.value}-{n}" for n in draw(st.lists(ids, unique=True, max_size=4))]
        for name in names:
            advisers.append(
                adviser(
                    name,
                    pool.value,
                    capacity=draw(st.integers(1, 3)),
                    organisations=["GM0363"] if draw(st.booleans()) else [],
                    active=draw(st.booleans()) or True,
                )
            )
        if names and draw(st.booleans()):
            on = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
            off = [n for n in names if n not in on]
            rotations.append(always(pool.value, on, off[:1] or None))
    roster = Roster.model_validate({"advisers": advisers, "shifts": {"rotations": rotations}})
    load = {a["id"]: draw(st.integers(0, 4)) for a in advisers}
    return roster, request_for(), load


def _eligible(
    roster: Roster, request: Request, load: dict[str, int], *, capacity: bool
) -> list[str]:
    found = []
    for pool in pools_for(roster, request):
        primaries, backups = on_shift(roster, pool, NOW)
        for a in primaries + backups:
            if not conflicted(a, request) and (not capacity or load.get(a.id, 0) < a.capacity):
                found.append(a.id)
    return found


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_policy_properties(scenario: tuple[Roster, Request, dict[str, int]]) -> None:
    roster, request, load = scenario
    choice = choose(roster, request, at=NOW, load=load, turns=RoundRobin())
    fully_available = _eligible(roster, request, load, capacity=True)
    on_shift_unconflicted = _eligible(roster, request, load, capacity=False)
    if choice is not None:
        assert not conflicted(choice.adviser, request)
    if fully_available:
        # Never off shift, over capacity or conflicted when an alternative exists.
        assert choice is not None
        assert choice.adviser.id in fully_available
        assert choice.relaxed is None
    if on_shift_unconflicted:
        assert choice is not None  # someone can take it, so someone gets it
    again = choose(roster, request, at=NOW, load=load, turns=RoundRobin())
    assert (again.adviser.id if again else None) == (choice.adviser.id if choice else None)


# --- the Router ------------------------------------------------------------------------------


def router_with(
    roster: Roster | None = None, **settings_changes: Any
) -> tuple[Router, RecordingPublisher, RecordingScheduler, MemoryStateStore]:
    publisher, scheduler, state = RecordingPublisher(), RecordingScheduler(), MemoryStateStore()
    router = Router(
        roster=roster or staffed_roster(),
        settings=RoutingSettings(**settings_changes),
        state=state,  # type: ignore[arg-type]
        publish=publisher,
        schedule=scheduler,
    )
    return router, publisher, scheduler, state


def of_type(events: list[Any], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


async def test_assigns_and_schedules_the_deadline() -> None:
    router, publisher, scheduler, _ = router_with(ACK_DEADLINE_HIGH_S=900)
    await router.handle(reported(), attempt=1)
    (assigned,) = of_type(publisher.events, AdviserAssigned)
    assert (assigned.pool, assigned.adviser_id, assigned.escalation_level) == (Pool.NGB, "ngb-1", 0)
    assert assigned.assignment_id == derive_id("assignment", INCIDENT_ID, 0)
    (timer,) = scheduler.timers
    assert timer.kind == "ack"
    assert timer.due_at == assigned.ack_deadline
    assert (assigned.ack_deadline - assigned.occurred_at).total_seconds() == 900


async def test_redelivered_report_publishes_the_identical_assignment() -> None:
    router, publisher, scheduler, _ = router_with(
        staffed_roster(shifts={"rotations": [always("ngb", ["ngb-1", "ngb-2"])]})
    )
    await router.handle(reported(), attempt=1)
    await router.handle(reported(), attempt=2)
    first, second = of_type(publisher.events, AdviserAssigned)
    assert first == second
    assert scheduler.timers[0] == scheduler.timers[1]


async def test_escalation_chain_backup_coordinator_bzk_coordinator_then_exhausted() -> None:
    router, publisher, scheduler, state = router_with(ESCALATION_ROUNDS=1)
    await router.handle(reported(), attempt=1)
    paged = []
    for _ in range(4):
        timer = scheduler.timers[-1]
        await router.fire(timer)
        paged.append(of_type(publisher.events, AdviserAssigned)[-1].adviser_id)
    assert paged == ["ngb-2", "ngb-coord", "bzk-coord", "bzk-coord"]
    escalations = of_type(publisher.events, AssignmentEscalated)
    assert [e.previous_adviser_id for e in escalations] == ["ngb-1", "ngb-2", "ngb-coord"]
    assert escalations[0].previous_contacts[0].address == "ngb-1@example.nl"
    (unroutable,) = of_type(publisher.events, IncidentUnroutable)
    assert "exhausted" in unroutable.reason
    assert state.records[INCIDENT_ID][0].exhausted


async def test_a_stale_timer_does_nothing() -> None:
    router, publisher, scheduler, _ = router_with()
    await router.handle(reported(), attempt=1)
    first_timer = scheduler.timers[0]
    await router.fire(first_timer)
    published = {e.event_id: e for e in publisher.events}
    await router.fire(first_timer)  # redelivered or duplicated: the assignment moved on
    # Nothing new: at most the same events again, the same ids (JetStream keeps one), in
    # case a crash came between claiming the move and publishing it.
    assert {e.event_id: e.type for e in publisher.events} == {
        i: e.type for i, e in published.items()
    }


async def test_acknowledgement_stops_the_chain_and_schedules_the_idle_reminder() -> None:
    router, publisher, scheduler, state = router_with()
    await router.handle(reported(), attempt=1)
    ack_timer = scheduler.timers[0]
    ack = acknowledged().model_copy(update={"assignment_id": ack_timer.assignment_id})
    await router.handle(ack, attempt=1)
    assert state.records[INCIDENT_ID][0].acknowledged_at == ack.occurred_at
    await router.fire(ack_timer)
    assert of_type(publisher.events, AssignmentEscalated) == []
    assert scheduler.timers[-1].kind == "idle"


async def test_acknowledging_a_superseded_assignment_does_not_stop_the_new_one() -> None:
    router, _, scheduler, state = router_with()
    await router.handle(reported(), attempt=1)
    first = scheduler.timers[0]
    await router.fire(first)
    stale = acknowledged().model_copy(update={"assignment_id": first.assignment_id})
    await router.handle(stale, attempt=1)
    assert state.records[INCIDENT_ID][0].acknowledged_at is None


async def test_snapshot_survives_a_roster_change() -> None:
    router, publisher, scheduler, _ = router_with()
    await router.handle(reported(), attempt=1)
    router.roster = staffed_roster(shifts={"rotations": [always("ngb", "ngb-coord", "ngb-1")]})
    await router.fire(scheduler.timers[-1])
    assert of_type(publisher.events, AdviserAssigned)[-1].adviser_id == "ngb-2"


async def test_a_failed_page_escalates_at_once() -> None:
    router, publisher, _, _ = router_with()
    await router.handle(reported(), attempt=1)
    assigned = of_type(publisher.events, AdviserAssigned)[0]
    failed = notification_failed().model_copy(update={"assignment_id": assigned.assignment_id})
    await router.handle(failed, attempt=1)
    (escalated,) = of_type(publisher.events, AssignmentEscalated)
    assert escalated.reason == "notification_failed"


async def test_idle_case_reminds_the_adviser_then_the_coordinator() -> None:
    router, publisher, scheduler, state = router_with(IDLE_REMINDER_S=0.001)
    await router.handle(reported(), attempt=1)
    assignment_id = scheduler.timers[0].assignment_id
    now = datetime.now(UTC)
    await router.handle(
        acknowledged(at=now).model_copy(update={"assignment_id": assignment_id}), attempt=1
    )
    idle = scheduler.timers[-1]
    assert await router.fire(idle) is None
    await router.fire(scheduler.timers[-1])
    reminders = of_type(publisher.events, ReminderDue)
    assert [(r.recipient, r.adviser_id, r.stage) for r in reminders] == [
        ("adviser", "ngb-1", 1),
        ("coordinator", "ngb-coord", 2),
    ]
    assert state.records[INCIDENT_ID][0].reminders == 2


async def test_activity_moves_the_reminder_and_closing_stops_it() -> None:
    router, publisher, scheduler, _ = router_with(IDLE_REMINDER_S=3600)
    await router.handle(reported(), attempt=1)
    assignment_id = scheduler.timers[0].assignment_id
    acked_at = datetime.now(UTC) - timedelta(hours=2)
    await router.handle(
        acknowledged(at=acked_at).model_copy(update={"assignment_id": assignment_id}), attempt=1
    )
    await router.handle(action(at=datetime.now(UTC) - timedelta(minutes=1)), attempt=1)
    later = await router.fire(scheduler.timers[-1].model_copy(update={"due_at": acked_at}))
    assert later is not None
    assert later > datetime.now(UTC) + timedelta(minutes=55)
    await router.handle(closed(at=datetime.now(UTC)), attempt=1)
    assert await router.fire(scheduler.timers[-1]) is None
    assert of_type(publisher.events, ReminderDue) == []


async def test_media_report_gets_the_outreach_deadline() -> None:
    router, publisher, _, _ = router_with(ACK_DEADLINE_OUTREACH_S=7200)
    report = reported().model_copy(update={"source": Source.MEDIA_REPORT, "urgency": Urgency.ACUTE})
    await router.handle(report, attempt=1)
    (assigned,) = of_type(publisher.events, AdviserAssigned)
    assert (assigned.ack_deadline - assigned.occurred_at).total_seconds() == 7200


async def test_nobody_at_all_is_unroutable() -> None:
    router, publisher, scheduler, _ = router_with(Roster.model_validate({"advisers": []}))
    await router.handle(reported(), attempt=1)
    (event,) = publisher.events
    assert isinstance(event, IncidentUnroutable)
    assert scheduler.timers == []


async def test_open_cases_are_counted_and_released() -> None:
    router, _, scheduler, _ = router_with()
    await router.handle(reported(), attempt=1)
    assert router.open_cases() == {"ngb-1": 1}
    await router.fire(scheduler.timers[-1])
    assert router.open_cases() == {"ngb-1": 0, "ngb-2": 1}
    await router.handle(closed(), attempt=1)
    assert router.open_cases()["ngb-2"] == 0


def test_timer_identity() -> None:
    timer = Timer(kind="ack", incident_id=INCIDENT_ID, assignment_id=uuid.uuid4(), due_at=NOW)
    assert timer.subject == f"weerbaar.timers.due.ack.{INCIDENT_ID}"
    assert timer.schedule_subject == f"weerbaar.timers.schedule.ack.{timer.assignment_id}.1"
    assert timer.msg_id.startswith("timer:ack:")
    # The same timer due at another moment is another message (a new schedule replaces
    # the pending one on the same subject); the same timer again is the same message.
    earlier = timer.model_copy(update={"due_at": NOW - timedelta(minutes=5)})
    assert earlier.schedule_subject == timer.schedule_subject
    assert earlier.msg_id != timer.msg_id
    assert timer.model_copy().msg_id == timer.msg_id


def test_a_timer_is_scheduled_for_its_due_time_in_utc() -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    due = datetime(2026, 3, 29, 3, 0, 0, 250_000, tzinfo=amsterdam)
    timer = Timer(kind="idle", incident_id=INCIDENT_ID, assignment_id=uuid.uuid4(), due_at=due)
    headers = schedule_headers(timer)
    assert headers["Nats-Schedule"] == "@at 2026-03-29T01:00:00.250Z"
    assert headers["Nats-Schedule-Target"] == timer.subject
    assert headers["Nats-Msg-Id"] == timer.msg_id
