"""Statistics against a hand-computed expectation, on SQLite and PostgreSQL (the
fixture is described in tests/support/registry_stats.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from contracts.events import (
    derive_id,
)
from registry.domain.disclosure import MAX_PERTURBATION, share
from registry.domain.erasure import erasure
from registry.domain.filters import StatsFilters, StatsQuery
from tests.support.registry import open_registry
from tests.support.registry_stats import fixture


def counts(cells: list[Any]) -> dict[tuple[Any, ...], int]:
    return {c.key: c.count for c in cells}


EXPECTED_COUNTS: dict[tuple[str, ...], dict[tuple[Any, ...], int]] = {
    (): {(): 17},
    ("role",): {("alderman",): 2, ("councillor",): 8, ("mayor",): 7},
    ("incident_type",): {("verbal_aggression",): 8, ("threat",): 12, ("intimidation",): 2},
    ("channel",): {("in_person",): 5, ("phone",): 2, ("social_media",): 7, ("during_meeting",): 3},
    ("organisation",): {("GM0344",): 8, ("GM0363",): 7, ("GM0599",): 2},
    ("province",): {("PV26",): 8, ("PV27",): 7, ("PV28",): 2},
    ("month",): {("2026-10",): 5, ("2026-11",): 12},
    ("urgency",): {("acute",): 2, ("high",): 7, ("normal",): 5, (None,): 3},
    ("source",): {("crisis_line",): 9, ("media_report",): 5, ("municipal_registration",): 3},
    ("police_status",): {("aangifte",): 5, ("melding",): 5, ("none",): 7},
    ("reason_not_reported",): {
        ("not_serious_enough",): 5,
        ("part_of_the_job",): 2,
        (None,): 10,
    },
    ("pool",): {("ngb",): 7, ("nvvr",): 5, ("wethoudersvereniging",): 2, (None,): 3},
    ("role", "month"): {
        ("alderman", "2026-11"): 2,
        ("councillor", "2026-10"): 5,
        ("councillor", "2026-11"): 3,
        ("mayor", "2026-11"): 7,
    },
    ("incident_type", "channel"): {
        ("verbal_aggression", "in_person"): 5,
        ("verbal_aggression", "during_meeting"): 3,
        ("threat", "in_person"): 5,
        ("threat", "social_media"): 7,
        ("intimidation", "phone"): 2,
    },
}


@pytest.fixture
async def registry(registry_database_url: str) -> Any:
    async with open_registry(registry_database_url) as opened:
        await opened.projector.write(fixture())
        yield opened


@pytest.mark.parametrize("group_by", list(EXPECTED_COUNTS), ids=lambda g: "x".join(g) or "all")
async def test_counts_match_the_hand_computed_figures(
    registry: Any, group_by: tuple[str, ...]
) -> None:
    cells = await registry.statistics.cells(StatsFilters(), list(group_by))
    assert counts(cells) == EXPECTED_COUNTS[group_by]


async def test_rates_match_the_hand_computed_figures(registry: Any) -> None:
    cells = {c.key: c for c in await registry.statistics.cells(StatsFilters(), ["role"])}
    mayor = cells[("mayor",)].public(["role"], suppressed=False)
    assert mayor == {
        "role": "mayor",
        "count": 7,
        "aangifte_rate": round(3 / 7, 3),
        "police_report_rate": round(5 / 7, 3),
        "escalation_rate": round(1 / 7, 3),
        "repeat_rate": 0.0,
    }
    councillor = cells[("councillor",)].public(["role"], suppressed=False)
    assert councillor["aangifte_rate"] == 0.0
    assert councillor["police_report_rate"] == round(3 / 8, 3)
    assert councillor["escalation_rate"] == 0.0  # 0 of the 5 routed; registrations aren't


async def test_small_cells_are_suppressed_for_aggregate_readers(registry: Any) -> None:
    cells = {c.key: c for c in await registry.statistics.cells(StatsFilters(), ["role"])}
    shown = {key: c.public(["role"], suppressed=True) for key, c in cells.items()}
    assert shown[("alderman",)] == {
        "role": "alderman",
        "count": "<5",
        "aangifte_rate": None,
        "police_report_rate": None,
        "escalation_rate": None,
        "repeat_rate": None,
    }
    # perturbed by the cell-key method: at most 2 off, shares of perturbed counts
    assert abs(shown[("mayor",)]["count"] - 7) <= MAX_PERTURBATION
    assert abs(shown[("councillor",)]["count"] - 8) <= MAX_PERTURBATION
    # 1 escalation among 7 mayors would reveal a count below 5
    assert shown[("mayor",)]["escalation_rate"] is None
    assert shown[("councillor",)]["aangifte_rate"] == 0.0  # none: nothing to perturb
    every = await registry.statistics.cells(StatsFilters(), ["role", "month"])
    for cell in every:
        public = cell.public(["role", "month"], suppressed=True)
        count, aangifte, police_report, assigned, escalated, repeat = cell.perturbed()
        assert abs(count - cell.count) <= MAX_PERTURBATION and count >= 1
        assert public["count"] == ("<5" if count < 5 else count)
        assert public["aangifte_rate"] == share(aangifte, count)
        assert public["police_report_rate"] == share(police_report, count)
        assert public["escalation_rate"] == share(escalated, assigned)
        assert public["repeat_rate"] == share(repeat, count)
        if cell.count < 5:
            assert public["count"] == "<5" or cell.count + MAX_PERTURBATION >= 5
        assert cell.public(["role", "month"], suppressed=False)["count"] == cell.count


async def test_the_same_cases_get_the_same_perturbed_count(registry: Any) -> None:
    """However the set is asked for: a filter, a grouping, another grouping."""
    by_role = {c.key: c for c in await registry.statistics.cells(StatsFilters(), ["role"])}
    mayors = await registry.statistics.cells(StatsQuery(role=["mayor"]), [])
    amsterdam = await registry.statistics.cells(StatsQuery(organisation_code=["GM0363"]), [])
    by_org = {c.key: c for c in await registry.statistics.cells(StatsFilters(), ["organisation"])}
    assert mayors[0].perturbed() == amsterdam[0].perturbed() == by_role[("mayor",)].perturbed()
    assert by_org[("GM0363",)].perturbed() == by_role[("mayor",)].perturbed()


async def test_acknowledgement_times_by_pool(registry: Any) -> None:
    raw = {
        p["pool"]: p
        for p in await registry.statistics.acknowledgement(StatsFilters(), suppressed=False)
    }
    assert raw["ngb"] == {"pool": "ngb", "acknowledged": 7, "median_s": 240.0, "p90_s": 384.0}
    assert raw["nvvr"]["median_s"] == 600.0 and raw["nvvr"]["acknowledged"] == 3
    assert raw["wethoudersvereniging"]["median_s"] == 60.0
    shown = {
        p["pool"]: p
        for p in await registry.statistics.acknowledgement(StatsFilters(), suppressed=True)
    }
    assert shown["ngb"]["median_s"] == 240.0
    assert shown["nvvr"] == {"pool": "nvvr", "acknowledged": "<5", "median_s": None, "p90_s": None}


async def test_filters_narrow_the_cases(registry: Any) -> None:
    async def total(**filters: Any) -> int:
        query = StatsQuery.model_validate(filters)
        cells = await registry.statistics.cells(query, [])
        return cells[0].count if cells else 0

    assert await total(role=["mayor", "alderman"]) == 9
    assert await total(incident_type=["threat"]) == 12
    assert await total(incident_type=["threat", "intimidation"]) == 14
    assert await total(channel=["during_meeting"]) == 3
    assert await total(organisation_code=["GM0344"]) == 8
    assert await total(province_code=["PV28"]) == 2
    assert await total(urgency=["acute"]) == 2
    assert await total(source=["municipal_registration"]) == 3
    assert await total(police_status=["aangifte"]) == 5
    assert await total(reason_not_reported=["part_of_the_job"]) == 2
    assert await total(pool=["ngb"]) == 7
    assert await total(**{"from": "2026-11-01", "to": "2026-12-01"}) == 12
    # 2026-10-31 23:30 UTC is already November in Amsterdam
    assert await total(**{"from": "2026-10-01", "to": "2026-11-01"}) == 5
    assert await total(role=["mayor"], police_status=["none"]) == 2


async def test_erasure_leaves_the_statistics_as_they_were(registry: Any) -> None:
    groupings = [list(g) for g in EXPECTED_COUNTS]
    before = [await registry.statistics.cells(StatsFilters(), g) for g in groupings]
    ack_before = await registry.statistics.acknowledgement(StatsFilters(), suppressed=False)
    ids = [derive_id("stats-fixture", n) for n in (0, 3, 10, 21)]
    await registry.projector.write(
        [erasure(i, requested_by="registry-retention", reason="retention") for i in ids]
    )
    for incident_id in ids:
        record, _, _ = await registry.queries.incident(incident_id)
        assert record.erased_at is not None and record.official_name is None
    after = [await registry.statistics.cells(StatsFilters(), g) for g in groupings]
    assert after == before
    assert await registry.statistics.acknowledgement(StatsFilters(), suppressed=False) == (
        ack_before
    )
    assert uuid.UUID(str(ids[0]))  # the ids are real incident ids
