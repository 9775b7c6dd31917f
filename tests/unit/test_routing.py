"""Routing: roster loading, the choice policy, and the Router with in-memory ports."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from contracts.events import AdviserAssigned, IncidentUnroutable, derive_id
from contracts.vocabulary import DEFAULT_POOL_BY_ROLE, Pool, Role, Urgency
from routing.domain import RoundRobin, choose
from routing.roster import Roster, RosterError, load_roster
from routing.service import Router
from routing.settings import RoutingSettings
from tests.unit._helpers import INCIDENT_ID, RecordingPublisher, acknowledged, assigned, reported

REPO = Path(__file__).resolve().parents[2]
DEPLOY_ROSTER = REPO / "deploy" / "config" / "roster.yaml"


def _adviser(adviser_id: str, pool: str, *, active: bool = True) -> dict[str, object]:
    return {
        "id": adviser_id,
        "pool": pool,
        "active": active,
        "contacts": [{"channel": "email", "address": f"{adviser_id}@example.nl"}],
    }


def roster_of(*advisers: dict[str, object], coordinators: dict[str, str] | None = None) -> Roster:
    return Roster.model_validate(
        {
            "pools": {pool: {"coordinator": c} for pool, c in (coordinators or {}).items()},
            "advisers": list(advisers),
        }
    )


@pytest.fixture
def write_roster(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "roster.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


# --- the shipped roster -----------------------------------------------------------------


def test_deploy_roster_loads() -> None:
    roster = load_roster(DEPLOY_ROSTER)
    assert roster.routing == DEFAULT_POOL_BY_ROLE
    assert {a.pool for a in roster.advisers} == set(Pool)
    for pool in Pool:
        assert len(roster.first_line(pool)) >= 2, pool
        coordinator = roster.pools[pool].coordinator
        assert coordinator not in {a.id for a in roster.first_line(pool)}


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_routes_to_its_pool(role: Role) -> None:
    roster = load_roster(DEPLOY_ROSTER)
    choice = choose(roster, role, RoundRobin())
    assert choice is not None
    assert choice.pool is DEFAULT_POOL_BY_ROLE[role]
    assert choice.adviser.pool is choice.pool
    assert choice.adviser.id != roster.pools[choice.pool].coordinator


def test_missing_routing_rows_fall_back_to_the_default_table() -> None:
    roster = Roster.model_validate({"routing": {"mayor": "bzk"}})
    assert roster.pool_for(Role.MAYOR) is Pool.BZK
    assert roster.pool_for(Role.ALDERMAN) is Pool.WETHOUDERSVERENIGING


# --- choose -----------------------------------------------------------------------------


def test_round_robin_alternates_within_a_pool() -> None:
    roster = load_roster(DEPLOY_ROSTER)
    turns = RoundRobin()
    picked = [choose(roster, Role.MAYOR, turns) for _ in range(4)]
    assert [c.adviser.id for c in picked if c] == ["ngb-01", "ngb-02", "ngb-01", "ngb-02"]


def test_round_robin_turns_are_kept_per_pool() -> None:
    roster = load_roster(DEPLOY_ROSTER)
    turns = RoundRobin()
    first_mayor = choose(roster, Role.MAYOR, turns)
    first_alderman = choose(roster, Role.ALDERMAN, turns)
    second_mayor = choose(roster, Role.MAYOR, turns)
    assert first_mayor and first_alderman and second_mayor
    assert first_alderman.adviser.id == "wv-01"
    assert (first_mayor.adviser.id, second_mayor.adviser.id) == ("ngb-01", "ngb-02")


def test_roles_sharing_a_pool_share_its_turns() -> None:
    roster = load_roster(DEPLOY_ROSTER)
    turns = RoundRobin()
    picks = [
        choose(roster, role, turns)
        for role in (Role.PROVINCIAL_EXECUTIVE, Role.KINGS_COMMISSIONER, Role.WATER_BOARD_MEMBER)
    ]
    assert [c.adviser.id for c in picks if c] == ["bzk-01", "bzk-02", "bzk-01"]


@pytest.mark.parametrize(
    ("ngb_advisers", "coordinators"),
    [
        ([], {}),
        ([_adviser("ngb-01", "ngb", active=False)], {}),
        ([_adviser("ngb-coord", "ngb")], {"ngb": "ngb-coord"}),
    ],
    ids=["empty", "inactive", "coordinator-only"],
)
def test_pool_without_first_line_falls_back_to_bzk(
    ngb_advisers: list[dict[str, object]], coordinators: dict[str, str]
) -> None:
    roster = roster_of(*ngb_advisers, _adviser("bzk-01", "bzk"), coordinators=coordinators)
    choice = choose(roster, Role.MAYOR, RoundRobin())
    assert choice is not None
    assert choice.pool is Pool.BZK
    assert choice.adviser.id == "bzk-01"


def test_inactive_advisers_are_skipped_in_turn() -> None:
    roster = roster_of(
        _adviser("ngb-01", "ngb"),
        _adviser("ngb-02", "ngb", active=False),
        _adviser("ngb-03", "ngb"),
    )
    turns = RoundRobin()
    picks = [choose(roster, Role.MAYOR, turns) for _ in range(3)]
    assert [c.adviser.id for c in picks if c] == ["ngb-01", "ngb-03", "ngb-01"]


def test_nobody_at_all_chooses_nothing() -> None:
    roster = roster_of(
        _adviser("ngb-01", "ngb", active=False),
        _adviser("bzk-coord", "bzk"),
        coordinators={"bzk": "bzk-coord"},
    )
    for role in Role:
        assert choose(roster, role, RoundRobin()) is None


def test_a_bzk_role_with_empty_bzk_does_not_try_bzk_twice() -> None:
    roster = roster_of(_adviser("ngb-01", "ngb"))
    assert choose(roster, Role.WATER_BOARD_MEMBER, RoundRobin()) is None


# --- roster errors ----------------------------------------------------------------------


def test_unknown_pool_is_named(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(
        """
        advisers:
          - id: x-01
            pool: atlantis
            contacts: [{channel: email, address: x-01@example.nl}]
        """
    )
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert str(path) in str(info.value)
    assert "advisers.0.pool" in str(info.value)


def test_unknown_pool_in_routing_is_named(write_roster: Callable[[str], Path]) -> None:
    path = write_roster("routing:\n  mayor: atlantis\n")
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert str(path) in str(info.value)
    assert "routing.mayor" in str(info.value)


def test_unknown_pool_in_pools_is_named(write_roster: Callable[[str], Path]) -> None:
    path = write_roster("pools:\n  atlantis: {}\n")
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert str(path) in str(info.value)
    assert "pools.atlantis" in str(info.value)


def test_duplicate_adviser_id_is_named(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(
        """
        advisers:
          - id: ngb-01
            pool: ngb
            contacts: [{channel: email, address: a@example.nl}]
          - id: ngb-01
            pool: bzk
            contacts: [{channel: email, address: b@example.nl}]
        """
    )
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert str(path) in str(info.value)
    assert "advisers" in str(info.value)
    assert "duplicate id 'ngb-01'" in str(info.value)


@pytest.mark.parametrize("contacts", ["", "    contacts: []\n"], ids=["missing", "empty"])
def test_adviser_without_contacts_is_named(
    write_roster: Callable[[str], Path], contacts: str
) -> None:
    path = write_roster("advisers:\n  - id: ngb-01\n    pool: ngb\n" + contacts)
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert str(path) in str(info.value)
    assert "advisers.0.contacts" in str(info.value)


def test_unknown_coordinator_is_named(write_roster: Callable[[str], Path]) -> None:
    path = write_roster("pools:\n  ngb:\n    coordinator: nobody\n")
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert str(path) in str(info.value)
    assert "pools.ngb.coordinator" in str(info.value)


def test_unknown_field_is_named(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(
        """
        advisers:
          - id: ngb-01
            pool: ngb
            phone: "+31600000000"
            contacts: [{channel: email, address: a@example.nl}]
        """
    )
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert "advisers.0.phone" in str(info.value)


@pytest.mark.parametrize(
    "text", ["advisers: [\n  - id: a\n", "pools: {ngb: [}\n", "a: b: c\n"], ids=range(3)
)
def test_bad_yaml_names_the_file(write_roster: Callable[[str], Path], text: str) -> None:
    path = write_roster(text)
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert str(path) in str(info.value)
    assert "not valid YAML" in str(info.value)
    assert "line" in str(info.value)


def test_yaml_that_is_not_a_mapping_is_refused(write_roster: Callable[[str], Path]) -> None:
    path = write_roster("- ngb-01\n- ngb-02\n")
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert str(path) in str(info.value)
    assert "(top level)" in str(info.value)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert str(path) in str(info.value)


def test_file_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_bytes(b"advisers:\n  - id: \xff\xfe\n")
    with pytest.raises(RosterError) as info:
        load_roster(path)
    assert str(path) in str(info.value)


# --- Router -----------------------------------------------------------------------------


class MemoryAssignmentState:
    """The KV adapter's semantics in memory: one record per incident, first write wins."""

    def __init__(self) -> None:
        self.records: dict[str, AdviserAssigned] = {}

    async def get(self, incident_id: str) -> AdviserAssigned | None:
        return self.records.get(incident_id)

    async def create(self, incident_id: str, assigned: AdviserAssigned) -> AdviserAssigned:
        return self.records.setdefault(incident_id, assigned)


def make_router(roster: Roster) -> tuple[Router, MemoryAssignmentState, RecordingPublisher]:
    state = MemoryAssignmentState()
    publisher = RecordingPublisher()
    router = Router(
        roster=roster,
        settings=RoutingSettings.model_construct(),  # defaults, no environment
        state=state,
        publish=publisher,
    )
    return router, state, publisher


@pytest.mark.parametrize(
    ("urgency", "minutes"), [(Urgency.ACUTE, 5), (Urgency.HIGH, 15), (Urgency.NORMAL, 60)]
)
async def test_router_assigns_with_the_deadline_for_the_urgency(
    urgency: Urgency, minutes: int
) -> None:
    router, state, publisher = make_router(load_roster(DEPLOY_ROSTER))
    report = reported(urgency=urgency)
    await router.handle(report, attempt=1)
    (event,) = publisher.events
    assert isinstance(event, AdviserAssigned)
    assert event.incident_id == report.incident_id
    assert event.causation_id == report.event_id
    assert event.producer == "routing"
    assert event.adviser_id == "ngb-01"
    assert event.pool is Pool.NGB
    assert event.urgency is urgency
    assert event.role is Role.MAYOR
    assert event.organisation_code == "GM0363"
    assert event.incident_types == report.incident.types
    assert event.escalation_level == 0
    assert event.ack_deadline - event.occurred_at == timedelta(minutes=minutes)
    assert [c.address for c in event.contacts] == ["ngb-01@ngb.example"]
    assert state.records[str(report.incident_id)] == event


async def test_redelivered_report_publishes_the_identical_assignment() -> None:
    router, _state, publisher = make_router(load_roster(DEPLOY_ROSTER))
    report = reported()
    await router.handle(report, attempt=1)
    await router.handle(report, attempt=2)
    await router.handle(report, attempt=3)
    first, *repeats = publisher.events
    assert isinstance(first, AdviserAssigned)
    assert first.event_id == derive_id("adviser.assigned", report.incident_id, 0)
    for repeat in repeats:
        assert repeat == first  # same event id, same adviser, same deadline
    # Round robin was not advanced by the repeats: the next incident gets the next adviser.
    other = reported(incident_id=derive_id("another incident"))
    await router.handle(other, attempt=1)
    assert isinstance(publisher.events[-1], AdviserAssigned)
    assert publisher.events[-1].adviser_id == "ngb-02"


async def test_redelivery_keeps_the_stored_assignment_even_when_round_robin_moved_on() -> None:
    router, _state, publisher = make_router(load_roster(DEPLOY_ROSTER))
    report = reported()
    await router.handle(report, attempt=1)
    # Other incidents advance the NGB turn; round robin would now pick ngb-02.
    await router.handle(reported(incident_id=derive_id("other", 1)), attempt=1)
    await router.handle(reported(incident_id=derive_id("other", 2)), attempt=1)
    await router.handle(reported(incident_id=derive_id("other", 3)), attempt=1)
    await router.handle(report, attempt=2)
    first, *_, repeat = publisher.events
    assert isinstance(repeat, AdviserAssigned)
    assert repeat == first
    assert repeat.adviser_id == "ngb-01"


async def test_redelivery_after_a_restart_republishes_the_stored_assignment() -> None:
    roster = load_roster(DEPLOY_ROSTER)
    router, state, publisher = make_router(roster)
    report = reported()
    await router.handle(reported(incident_id=derive_id("other", 1)), attempt=1)
    await router.handle(report, attempt=1)  # ngb-02
    restarted = Router(
        roster=roster,
        settings=RoutingSettings.model_construct(),
        state=state,  # the KV bucket survives the restart, the turns do not
        publish=publisher,
    )
    await restarted.handle(report, attempt=2)
    assert publisher.events[-1] == publisher.events[1]
    assert isinstance(publisher.events[-1], AdviserAssigned)
    assert publisher.events[-1].adviser_id == "ngb-02"


async def test_router_falls_back_to_bzk() -> None:
    router, _state, publisher = make_router(roster_of(_adviser("bzk-01", "bzk")))
    await router.handle(reported(role=Role.COUNCILLOR), attempt=1)
    (event,) = publisher.events
    assert isinstance(event, AdviserAssigned)
    assert event.pool is Pool.BZK
    assert event.adviser_id == "bzk-01"
    assert event.role is Role.COUNCILLOR


async def test_nobody_at_all_publishes_unroutable() -> None:
    router, state, publisher = make_router(roster_of(_adviser("ngb-01", "ngb", active=False)))
    report = reported()
    await router.handle(report, attempt=1)
    await router.handle(report, attempt=2)
    first, again = publisher.events
    assert isinstance(first, IncidentUnroutable)
    assert first.incident_id == INCIDENT_ID
    assert first.causation_id == report.event_id
    assert first.pool is Pool.NGB
    assert again.event_id == first.event_id
    assert state.records == {}


async def test_router_ignores_other_events() -> None:
    router, state, publisher = make_router(load_roster(DEPLOY_ROSTER))
    await router.handle(assigned(), attempt=1)
    await router.handle(acknowledged(), attempt=1)
    assert publisher.events == []
    assert state.records == {}


async def test_assignment_carries_no_personal_data_of_the_official() -> None:
    router, _state, publisher = make_router(load_roster(DEPLOY_ROSTER))
    report = reported(with_canaries=True)
    await router.handle(report, attempt=1)
    raw = publisher.events[0].model_dump_json()
    official = report.official
    for secret in (official.name, official.phone, official.email, report.incident.description):
        assert secret
        assert secret not in raw
