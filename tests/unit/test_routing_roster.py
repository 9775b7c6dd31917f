"""Routing's roster: the shipped roster, routing rules, and shifts across daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts.vocabulary import DEFAULT_POOL_BY_ROLE, Pool, Role, Source
from routing.adapters.roster_file import load_roster
from routing.domain.coverage import coverage_gaps
from routing.domain.roster import Roster
from tests.support.routing_helpers import (
    AMS,
    DEPLOY_ROSTER,
    EVERY_DAY,
    adviser,
    night_roster,
    staffed_roster,
)

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
