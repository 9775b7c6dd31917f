"""The registry's pure pieces: codes and masks, months, percentiles, suppression,
scrubbing, the erasure in the fold, query validation, CSV values."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.events import Event, IncidentReported
from contracts.organisations import all_organisations
from contracts.vocabulary import (
    Channel,
    IncidentType,
    PerpetratorKind,
    PoliceStatus,
    Pool,
    ReasonNotReported,
    Role,
    Source,
    Urgency,
)
from registry.domain.facts import (
    CHANNEL_BITS,
    CODES,
    SUPPRESSED,
    TYPE_BITS,
    decode,
    encode,
    from_mask,
    month_of,
    percentile,
    rate,
    suppress,
    to_mask,
)
from registry.domain.filters import StatsQuery, problems
from registry.domain.fold import PERSONAL_VALUES, fold
from registry.domain.scrub import scrub
from registry.domain.timeline import timeline_entry
from registry.entrypoints.http.csv_export import value
from tests.support.casework_events import (
    action,
    closed,
    one_of_each_event,
    personal_data_erased,
    reopened,
)
from tests.support.events import (
    CANARY_DESCRIPTION,
    CANARY_EMAIL,
    CANARY_NAME,
    CANARY_PHONE,
    INCIDENT_ID,
    T0,
    reported,
)

VOCABULARY_OF = {
    "role": Role,
    "urgency": Urgency,
    "source": Source,
    "police_status": PoliceStatus,
    "reason_not_reported": ReasonNotReported,
    "perpetrator_kind": PerpetratorKind,
    "pool": Pool,
}


@pytest.mark.parametrize("dimension", list(VOCABULARY_OF))
def test_every_code_has_a_stored_number_and_back(dimension: str) -> None:
    vocabulary = VOCABULARY_OF[dimension]
    assert set(CODES[dimension]) == {str(m) for m in vocabulary}
    numbers = {encode(dimension, m) for m in vocabulary}
    assert len(numbers) == len(vocabulary) and 0 not in numbers
    for member in vocabulary:
        assert decode(dimension, encode(dimension, member)) == str(member)


def test_every_organisation_and_province_round_trips() -> None:
    numbers = set()
    for code, organisation in all_organisations().items():
        number = encode("organisation", code)
        assert number is not None and -32768 < number < 32768  # a SMALLINT
        assert decode("organisation", number) == code
        numbers.add(number)
        if organisation.province_code:
            assert decode("province", encode("province", organisation.province_code)) == (
                organisation.province_code
            )
    assert len(numbers) == len(all_organisations())


def test_months_booleans_and_none() -> None:
    assert encode("month", "2026-11") == 202611 and decode("month", 202611) == "2026-11"
    assert decode("family_targeted", encode("family_targeted", True)) is True
    assert decode("family_targeted", encode("family_targeted", False)) is False
    assert encode("urgency", None) is None and decode("pool", None) is None


def test_every_type_and_channel_has_its_own_bit() -> None:
    assert set(TYPE_BITS) == {str(t) for t in IncidentType}
    assert set(CHANNEL_BITS) == {str(c) for c in Channel}
    for bits in (TYPE_BITS, CHANNEL_BITS):
        values = list(bits.values())
        assert len(set(values)) == len(values)
        assert all(v & (v - 1) == 0 for v in values)


@given(st.sets(st.sampled_from(list(IncidentType))))
def test_masks_round_trip(types: set[IncidentType]) -> None:
    assert set(from_mask(to_mask(types, TYPE_BITS), TYPE_BITS)) == {str(t) for t in types}


@pytest.mark.parametrize(
    ("moment", "month"),
    [
        (datetime(2026, 10, 31, 22, 59, tzinfo=UTC), "2026-10"),  # 23:59 CET
        (datetime(2026, 10, 31, 23, 0, tzinfo=UTC), "2026-11"),  # midnight CET
        (datetime(2026, 6, 30, 21, 59, tzinfo=UTC), "2026-06"),  # 23:59 CEST
        (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), "2026-07"),  # midnight CEST
    ],
)
def test_months_are_dutch_calendar_months(moment: datetime, month: str) -> None:
    assert month_of(moment) == month


def percentile_of_list(values: list[int], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@settings(max_examples=200, derandomize=True, database=None)
@given(
    st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=60),
    st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]),
)
def test_percentile_of_a_histogram_is_the_interpolated_percentile(
    values: list[int], fraction: float
) -> None:
    histogram = sorted((v, values.count(v)) for v in set(values))
    assert percentile(histogram, fraction) == pytest.approx(percentile_of_list(values, fraction))


def test_percentile_of_nothing() -> None:
    assert percentile([], 0.5) is None
    assert percentile([(60, 1), (120, 1)], 0.5) == 90.0


@pytest.mark.parametrize(
    ("count", "shown"), [(0, 0), (1, SUPPRESSED), (4, SUPPRESSED), (5, 5), (1000, 1000)]
)
def test_counts_below_five_are_suppressed(count: int, shown: Any) -> None:
    assert suppress(count, enabled=True) == shown
    assert suppress(count, enabled=False) == count


@pytest.mark.parametrize(
    ("numerator", "denominator", "suppressed", "expected"),
    [
        (3, 7, False, 0.429),
        (3, 7, True, None),  # 3 would be revealed
        (5, 7, True, 0.714),
        (0, 8, True, 0.0),
        (2, 3, True, None),  # the cell itself is small
        (0, 0, False, None),
    ],
)
def test_rates(numerator: int, denominator: int, suppressed: bool, expected: Any) -> None:
    assert rate(numerator, denominator, suppressed=suppressed) == expected


# --- erasure in the projection ---------------------------------------------------------

CANARIES = (CANARY_NAME, CANARY_PHONE, CANARY_EMAIL, CANARY_DESCRIPTION)


@pytest.mark.parametrize("event", one_of_each_event(), ids=lambda e: e.type)
def test_scrub_leaves_no_personal_data_and_the_rest_alone(event: Event) -> None:
    scrubbed = scrub(event)
    text = scrubbed.model_dump_json()
    for canary in (
        *CANARIES,
        "Woningscan",
        "Afgerond.",
        "Nieuwe dreiging.",
        "Collega neemt het over.",
        "Ik zit in de auto.",
    ):
        assert canary not in text
    assert type(scrubbed) is type(event)
    assert scrubbed.event_id == event.event_id and scrubbed.occurred_at == event.occurred_at
    if isinstance(event, IncidentReported):
        assert scrubbed.official.role is event.official.role  # type: ignore[attr-defined]
        assert scrubbed.incident.types == event.incident.types  # type: ignore[attr-defined]


def test_an_erased_case_keeps_everything_but_its_personal_data() -> None:
    events = [
        reported(at=T0),
        action(at=T0 + timedelta(hours=1)),
        closed(at=T0 + timedelta(days=1)),
    ]
    erased_at = T0 + timedelta(days=2)
    plain = fold(str(INCIDENT_ID), events)
    erased = fold(str(INCIDENT_ID), [personal_data_erased(at=erased_at), *events])
    assert plain.details is not None and erased.details is not None
    assert plain.details.official_name == CANARY_NAME
    for key in PERSONAL_VALUES:
        assert getattr(erased.details, key) is None
    assert erased.erased_at == erased_at
    assert erased.status == plain.status
    # everything else is as it was: the details but the personal ones, the lifecycle
    personal = {key: getattr(plain.details, key) for key in PERSONAL_VALUES}
    assert replace(erased.details, **personal) == plain.details
    assert replace(erased, details=plain.details, erased_at=None) == plain


def test_the_first_erasure_is_the_moment_of_erasure() -> None:
    first = personal_data_erased(at=T0 + timedelta(days=1), n=1)
    second = personal_data_erased(at=T0 + timedelta(days=3), n=2, reason="retention")
    events = [reported(at=T0), reopened(at=T0 + timedelta(hours=2)), second, first]
    random.Random(3).shuffle(events)
    assert fold(str(INCIDENT_ID), events).erased_at == T0 + timedelta(days=1)


def test_the_erasure_in_the_timeline_says_who_and_why() -> None:
    entry = timeline_entry(personal_data_erased(at=T0, requested_by="op-7", reason="request"))
    assert entry["type"] == "personal_data_erased"
    assert (entry["requested_by"], entry["reason"], entry["at"]) == (
        "op-7",
        "request",
        T0.isoformat(),
    )


# --- validation and CSV values ---------------------------------------------------------


def test_cross_field_problems_name_their_field() -> None:
    query = StatsQuery.model_validate(
        {"from": "2026-12-01", "to": "2026-11-01", "group_by": ["role", "role"]}
    )
    assert {p["field"] for p in problems(query)} == {"to", "group_by"}
    assert problems(StatsQuery.model_validate({"from": "2026-11-01", "to": "2026-12-01"})) == []


def test_a_date_is_midnight_in_the_netherlands() -> None:
    query = StatsQuery.model_validate({"from": "2026-07-01"})
    assert query.from_ == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("column", "raw", "labels", "shown"),
    [
        ("role", "mayor", "nl", "burgemeester"),
        ("role", "mayor", "codes", "mayor"),
        ("organisation", "GM0363", "nl", "Amsterdam"),
        ("province_code", "PV27", "nl", "Noord-Holland"),
        ("family_targeted", True, "nl", "ja"),
        ("family_targeted", False, "codes", "false"),
        ("incident_types", ["threat", "stalking"], "nl", "bedreiging;belaging"),
        ("urgency", None, "nl", "onbekend"),
        ("urgency", None, "codes", ""),
        ("pool", "nvvr", "nl", "NVvR — Nederlandse Vereniging voor Raadsleden"),
    ],
)
def test_csv_values(column: str, raw: Any, labels: Any, shown: str) -> None:
    assert value(column, raw, labels) == shown
