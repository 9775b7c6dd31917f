"""Routing's assignment policy: who gets the case, and its properties over random rosters."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.vocabulary import Pool, Role
from routing.domain.assignment import Request, RoundRobin, choose, conflicted, on_shift, pools_for
from routing.domain.roster import Roster
from tests.support.routing_helpers import adviser, always, staffed_roster

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
    pools: dict[str, dict[str, str]] = {}
    for pool in (Pool.NGB, Pool.BZK):
        names = [f"{pool.value}-{n}" for n in draw(st.lists(ids, unique=True, max_size=4))]
        for name in names:
            advisers.append(
                adviser(
                    name,
                    pool.value,
                    capacity=draw(st.integers(1, 3)),
                    organisations=["GM0363"] if draw(st.booleans()) else [],
                    active=draw(st.booleans()),
                )
            )
        if names and draw(st.booleans()):
            # a coordinator (active or not) the policy falls back on when nobody is on call
            pools[pool.value] = {"coordinator": draw(st.sampled_from(names))}
        if names and draw(st.booleans()):
            on = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
            off = [n for n in names if n not in on]
            rotations.append(always(pool.value, on, off[:1] or None))
    roster = Roster.model_validate(
        {"pools": pools, "advisers": advisers, "shifts": {"rotations": rotations}}
    )
    load = {a["id"]: draw(st.integers(0, 4)) for a in advisers}
    return roster, request_for(), load


def _eligible(
    roster: Roster, request: Request, load: dict[str, int], *, capacity: bool
) -> list[str]:
    """Who may take the case: on shift, active, not conflicted (and, with `capacity`,
    under capacity). The rule is stated here, not left to `on_shift`."""
    found = []
    for pool in pools_for(roster, request):
        primaries, backups = on_shift(roster, pool, NOW)
        for a in primaries + backups:
            if (
                a.active
                and not conflicted(a, request)
                and (not capacity or load.get(a.id, 0) < a.capacity)
            ):
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
        # An inactive adviser is never assigned, not even when nobody else is there.
        assert roster.adviser(choice.adviser.id).active  # type: ignore[union-attr]
    if fully_available:
        # Never off shift, over capacity or conflicted when an alternative exists.
        assert choice is not None
        assert choice.adviser.id in fully_available
        assert choice.relaxed is None
    if on_shift_unconflicted:
        assert choice is not None  # someone can take it, so someone gets it
    again = choose(roster, request, at=NOW, load=load, turns=RoundRobin())
    assert (again.adviser.id if again else None) == (choice.adviser.id if choice else None)
