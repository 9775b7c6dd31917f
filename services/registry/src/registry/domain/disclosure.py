"""Statistical disclosure control for aggregate-only callers: the cell-key method.

Every case has a record key, a number in [0, KEY_RANGE) derived from its id with a
keyed hash under the registry's statistics secret (`REGISTRY_STATS_KEY`), so it is
fixed for the case (a rebuild derives the same one) and unknown without the secret.
A cell's key is the sum of its cases' record keys modulo KEY_RANGE; its shown count is
the true count plus the perturbation the table below gives for that count at that key.
The same set of cases therefore always gets the same answer, however it is asked for
(another filter, another grouping, the CSV export), and the difference of two cells
carries the noise of both. Counts whose perturbed value is below SMALL_CELL are shown
as "<5"; shares are computed from perturbed numerators and denominators.

The caller's queries are limited as well (`aggregate_problems`): one value per filter
(no unions of organisations, provinces, roles, ... to difference), and `from`/`to` on
whole days in Dutch time. Operators and coordinators, who see the cases, get exact
figures and no limits. docs/privacy.md describes the method and what it protects.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, time
from typing import Any, Final

from registry.domain.facts import AMSTERDAM, SMALL_CELL, SUPPRESSED

KEY_RANGE: Final = 1 << 16
"""Record keys and cell keys lie in [0, KEY_RANGE)."""

MAX_PERTURBATION: Final = 2
"""A shown count is never more than this away from the true count."""

SLOTS: Final = 20
"""Each row of the table has SLOTS equally likely entries; the cell key picks one."""


def _row(weights: Mapping[int, int]) -> tuple[int, ...]:
    row = tuple(p for p, weight in sorted(weights.items()) for _ in range(weight))
    assert len(row) == SLOTS
    return row


PERTURBATION: Final[Mapping[int, tuple[int, ...]]] = {
    # true count → the perturbation at each slot; a non-empty cell never shows 0
    1: _row({0: 10, 1: 6, 2: 4}),
    2: _row({-1: 4, 0: 10, 1: 4, 2: 2}),
    3: _row({-2: 2, -1: 4, 0: 8, 1: 4, 2: 2}),
}
"""The fixed perturbation table: from 3 on, perturbations -2, -1, 0, +1, +2 with
chances 10%, 20%, 40%, 20%, 10% (mean 0, variance 1.2); below 3 shifted so that the
shown count stays at least 1. Counts from 3 up share the last row."""


def record_key(secret: bytes, case_id: str) -> int:
    """The case's fixed record key."""
    digest = hmac.new(secret, f"cell-key|{case_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") % KEY_RANGE


def perturbed(count: int, key_sum: int) -> int:
    """The count an aggregate-only caller is shown (before "<5"): 0 stays 0."""
    if count <= 0:
        return 0
    row = PERTURBATION[min(count, max(PERTURBATION))]
    return max(1, count + row[(key_sum % KEY_RANGE) * SLOTS // KEY_RANGE])


def shown(count: int) -> int | str:
    """A perturbed count as it is published."""
    return SUPPRESSED if 0 < count < SMALL_CELL else count


def share(numerator: int, denominator: int) -> float | None:
    """A share of perturbed counts: none when the denominator is below the threshold
    or the numerator would reveal a count below it; never above 1."""
    if denominator < SMALL_CELL or 0 < numerator < SMALL_CELL:
        return None
    return round(min(numerator, denominator) / denominator, 3)


LIST_FILTERS: Final = (
    "role",
    "organisation_code",
    "province_code",
    "incident_type",
    "channel",
    "police_status",
    "reason_not_reported",
    "perpetrator_kind",
    "urgency",
    "source",
    "pool",
)


def _whole_day(moment: datetime) -> bool:
    local = moment.astimezone(AMSTERDAM)
    return local.timetz().replace(tzinfo=None) == time(0)


def aggregate_problems(query: Any) -> list[dict[str, str]]:
    """What an aggregate-only caller may not ask: more than one value of a filter (a
    union to difference against one of its parts), or a bound within a day."""
    found = []
    for name in LIST_FILTERS:
        if len(getattr(query, name, None) or []) > 1:
            found.append({"field": name, "message": "one value at most for statistics readers"})
    for name, field in (("from_", "from"), ("to", "to")):
        moment = getattr(query, name, None)
        if moment is not None and not _whole_day(moment):
            found.append(
                {"field": field, "message": "a whole day (midnight in Dutch time) for analysts"}
            )
    return found
