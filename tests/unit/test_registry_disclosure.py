"""The cell-key method's parts: record keys, the perturbation table, the limits on what
an aggregate-only caller may ask."""

from __future__ import annotations

from datetime import UTC, datetime
from statistics import mean, pvariance

import pytest

from registry.domain.disclosure import (
    KEY_RANGE,
    MAX_PERTURBATION,
    PERTURBATION,
    SLOTS,
    aggregate_problems,
    perturbed,
    record_key,
    share,
    shown,
)
from registry.domain.filters import StatsQuery


def test_record_keys_are_fixed_keyed_and_in_range() -> None:
    secret = b"s" * 32
    keys = [record_key(secret, f"case-{n}") for n in range(2000)]
    assert keys == [record_key(secret, f"case-{n}") for n in range(2000)]
    assert all(0 <= k < KEY_RANGE for k in keys)
    assert len(set(keys)) > 1900
    assert record_key(b"t" * 32, "case-1") != record_key(secret, "case-1")


def test_the_table_is_bounded_unbiased_from_three_and_never_shows_zero() -> None:
    for count, row in PERTURBATION.items():
        assert len(row) == SLOTS
        assert all(abs(p) <= MAX_PERTURBATION for p in row)
        assert all(count + p >= 1 for p in row)
    assert mean(PERTURBATION[3]) == 0
    assert pvariance(PERTURBATION[3]) == pytest.approx(1.2)
    for count in range(0, 40):
        for key in range(0, KEY_RANGE, 97):
            value = perturbed(count, key)
            assert abs(value - count) <= MAX_PERTURBATION
            assert (value == 0) == (count == 0)
    assert perturbed(7, 12345) == perturbed(7, 12345 + KEY_RANGE)  # the key is taken mod


def test_every_slot_is_reached_by_the_cell_keys() -> None:
    found = {perturbed(10, key) for key in range(KEY_RANGE)}
    assert found == {8, 9, 10, 11, 12}


def test_shown_counts_and_shares() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 9)] == [0, "<5", "<5", 5, 9]
    assert share(3, 9) is None  # would reveal a count below 5
    assert share(0, 9) == 0.0
    assert share(5, 4) is None
    assert share(12, 10) == 1.0  # never above 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"organisation_code": ["GM0599", "GM0363"]}, "organisation_code"),
        ({"province_code": ["PV27", "PV28"]}, "province_code"),
        ({"role": ["mayor", "alderman"]}, "role"),
        ({"police_status": ["aangifte", "melding"]}, "police_status"),
        ({"to": "2026-11-10T13:00:00Z"}, "to"),
        ({"from": "2026-11-01T00:00:00Z"}, "from"),  # 01:00 in Amsterdam
    ],
)
def test_what_an_analyst_may_not_ask(params: dict[str, object], field: str) -> None:
    found = aggregate_problems(StatsQuery.model_validate(params))
    assert [p["field"] for p in found] == [field]


def test_what_an_analyst_may_ask() -> None:
    query = StatsQuery.model_validate(
        {
            "organisation_code": ["GM0599"],
            "role": ["alderman"],
            "from": "2026-10-01",
            "to": datetime(2026, 10, 31, 23, tzinfo=UTC).isoformat(),  # midnight in Amsterdam
        }
    )
    assert aggregate_problems(query) == []
