"""Which statistics the monthly summary serves, and which months of a period it gives."""

from __future__ import annotations

from datetime import datetime

from registry.domain.facts import AMSTERDAM
from registry.domain.filters import StatsFilters, StatsQuery, StatsSetsQuery
from registry.domain.summary import SHAPES, Reading, month_code, next_month, reading, shape_for


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMSTERDAM)  # type: ignore[misc]


def test_the_smallest_shape_holding_the_grouping_and_the_filters_serves_it() -> None:
    assert SHAPES[shape_for(["source", "month"], StatsFilters())] == ("source", "role", "province")  # type: ignore[index]
    assert shape_for(["incident_type", "channel"], StatsFilters()) == 1
    assert shape_for([], StatsFilters()) == 0
    assert shape_for(["pool"], StatsFilters(role=["mayor"])) == 2
    assert shape_for(["month"], StatsFilters(province_code=["PV26"])) == 0


def test_a_grouping_or_filter_no_shape_holds_reads_the_cases() -> None:
    assert shape_for(["organisation"], StatsFilters()) is None
    assert shape_for(["role"], StatsFilters(organisation_code=["GM0363"])) is None
    assert shape_for(["incident_type"], StatsFilters(province_code=["PV26"])) is None
    assert shape_for(["urgency"], StatsFilters()) is None


def test_whole_months_come_from_the_summary_and_cut_or_dirty_ones_from_the_cases() -> None:
    everything = reading(StatsFilters(), dirty=[202611])
    assert everything == Reading(low=None, high=None, rest=frozenset({202611}))
    whole = reading(StatsFilters(**{"from": at(2025, 1, 1), "to": at(2026, 1, 1)}), dirty=[])
    assert whole == Reading(low=202501, high=202601, rest=frozenset())
    cut = reading(StatsFilters(**{"from": at(2025, 3, 15), "to": at(2025, 6, 10)}), dirty=[202504])
    assert cut == Reading(low=202503, high=202506, rest=frozenset({202503, 202504, 202506}))


def test_months_are_dutch_calendar_months() -> None:
    assert month_code(datetime.fromisoformat("2025-12-31T23:30:00+00:00")) == 202601
    assert next_month(202512) == 202601
    assert next_month(202503) == 202504


def test_a_query_with_groupings_or_sets_is_served_by_its_filters_alone() -> None:
    sets = StatsSetsQuery.model_validate({"set": ["total", "role"], "province_code": ["PV26"]})
    assert shape_for(["role"], sets) == 0
    query = StatsQuery.model_validate({"group_by": ["incident_type"]})
    assert shape_for(["incident_type"], query) == 1
