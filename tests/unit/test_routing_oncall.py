"""Who is on call and who would be paged, across daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts.vocabulary import Pool, Role
from routing.domain.assignment import Request, RoundRobin, choose
from routing.domain.oncall import change_points, on_call, pool_duty, preview
from tests.support.events import T0
from tests.support.routing_helpers import (
    AMS,
    adviser,
    conflicted_roster,
    night_roster,
    staffed_roster,
)

# --- who is on call, across daylight saving ---------------------------------------------


@pytest.mark.parametrize(
    ("evening", "until_utc"),
    [
        # 28 to 29 March 2026: 02:00 CET is 03:00 CEST at once (01:00 UTC), so the late
        # shift (to 02:00) ends at 01:00 UTC and the night shift is an hour shorter
        (datetime(2026, 3, 28, 23, 0), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # 24 to 25 October 2026: 02:00 comes twice; the late shift ends at the first
        # (00:00 UTC) and the night shift is an hour longer
        (datetime(2026, 10, 24, 23, 0), datetime(2026, 10, 25, 0, 0, tzinfo=UTC)),
    ],
)
def test_on_call_across_the_daylight_saving_nights(evening: datetime, until_utc: datetime) -> None:
    roster = night_roster()
    at = evening.replace(tzinfo=AMS).astimezone(UTC)
    duty = pool_duty(roster, Pool.NGB, at)
    assert duty.now.primary == ("late",)
    assert duty.until == until_utc  # 02:00 local, whatever its offset
    assert duty.next is not None and duty.next.primary == ("night",)
    assert duty.until - at == timedelta(hours=3)  # 23:00 to 02:00 on the wall clock
    night = pool_duty(roster, Pool.NGB, until_utc)
    assert night.until is not None
    spring = until_utc.month == 3
    assert night.until - until_utc == timedelta(hours=5 if spring else 7)  # 02:00 to 08:00
    # every minute of the weekend the answer equals the roster's own
    for minute in range(0, 48 * 60, 7):
        instant = at + timedelta(minutes=minute)
        found = pool_duty(roster, Pool.NGB, instant, horizon=timedelta(hours=12))
        primaries, backups = roster.on_call(Pool.NGB, instant)
        assert list(found.now.primary) == primaries and list(found.now.backup) == backups
        if found.until is not None:
            assert roster.on_call(Pool.NGB, found.until)[0] != primaries
            before = found.until - timedelta(seconds=1)
            assert roster.on_call(Pool.NGB, before)[0] == primaries
    assert duty.gaps == []


def test_gaps_are_exact_across_the_change() -> None:
    # only a day shift: the nights are gaps, the spring night an hour shorter
    slot = {"days": ["sat", "sun"], "from": "08:00", "to": "20:00", "primary": "day"}
    roster = staffed_roster(
        advisers=[adviser("day", "ngb")],
        pools={},
        shifts={"rotations": [{"pool": "ngb", "start": "2026-01-05", "weeks": [[slot]]}]},
    )
    at = datetime(2026, 3, 28, 12, tzinfo=AMS).astimezone(UTC)
    duty = pool_duty(roster, Pool.NGB, at, horizon=timedelta(days=2))
    night = duty.gaps[0]
    assert night[0] == datetime(2026, 3, 28, 19, 0, tzinfo=UTC)  # 20:00 CET
    assert night[1] == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 CEST
    assert night[1] - night[0] == timedelta(hours=11)
    assert all(start < end for start, end in duty.gaps)
    assert change_points(roster, Pool.NGB, at, at + timedelta(days=2))
    assert {d.pool for d in on_call(roster, at)} == set(Pool)


@pytest.mark.parametrize(
    "local",
    [
        datetime(2026, 3, 29, 1, 30),
        datetime(2026, 3, 29, 3, 30),
        datetime(2026, 10, 25, 2, 30),
        datetime(2026, 10, 25, 12, 0),
    ],
)
def test_the_preview_chooses_who_routing_would(local: datetime) -> None:
    roster = night_roster()
    at = local.replace(tzinfo=AMS).astimezone(UTC)
    request = Request(role=Role.MAYOR, organisation_code="GM0363", province="PV27")
    turns = RoundRobin()
    shown = preview(roster, request, at=at, load={}, turns=turns)
    chosen = choose(roster, request, at=at, load={}, turns=turns)
    assert shown.choice is not None and chosen is not None
    assert shown.choice.adviser.id == chosen.adviser.id == roster.on_call(Pool.NGB, at)[0][0]
    reasons = {c.adviser_id: c.passed_over for c in shown.candidates}
    assert reasons[chosen.adviser.id] == ()
    assert all(r for a, r in reasons.items() if a != chosen.adviser.id)


def test_the_preview_names_why_advisers_are_passed_over() -> None:
    roster = conflicted_roster()
    request = Request(role=Role.MAYOR, organisation_code="GM0363", province="PV27")
    shown = preview(roster, request, at=T0, load={"ngb-1": 10}, turns=RoundRobin())
    reasons = {c.adviser_id: c.passed_over for c in shown.candidates}
    assert "conflict" in reasons["ngb-x"]
    assert "inactive" in reasons["ngb-off"]
    assert "capacity" in reasons["ngb-1"]
    assert shown.choice is not None and shown.choice.adviser.id == "ngb-2"
    assert shown.pools == [Pool.NGB, Pool.BZK]


# --- the numbers to call advisers on (staff data, operators and coordinators) --------


def test_the_on_call_answer_gives_every_adviser_their_number() -> None:
    from routing.entrypoints.api import on_call_out

    roster = staffed_roster()
    data = roster.model_dump(mode="json")
    first = data["advisers"][0]
    first["contacts"] = [
        {"channel": "email", "address": "x@example.nl"},
        {"channel": "sms", "address": "+31600000001"},
        {"channel": "sms", "address": "+31600000002"},
    ]
    answer = on_call_out(type(roster).model_validate(data), T0)
    by_id = {a.adviser_id: a for a in answer.advisers}
    assert set(by_id) == {a["id"] for a in data["advisers"]}
    assert by_id[first["id"]].phone == "+31600000001"  # the first SMS contact
    others = [a for a in answer.advisers if a.adviser_id != first["id"]]
    assert all(a.phone is None for a in others)  # e-mail only: nothing to call
