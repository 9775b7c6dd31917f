"""The statistics' facts: bit masks for the multi-valued facts, months, percentiles and
small-cell suppression. Pure functions, no I/O.

Incident types and channels are stored as bit masks: one row per case, so a count by
type is a single scan grouped by mask (a few hundred distinct masks) that is expanded
here, the same SQL on SQLite and PostgreSQL. A bit, once given, never changes: new
codes get new bits at the end.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final, Literal
from zoneinfo import ZoneInfo

from contracts.vocabulary import Channel, IncidentType

AMSTERDAM: Final = ZoneInfo("Europe/Amsterdam")

TYPE_BITS: Final[Mapping[str, int]] = {
    IncidentType.VERBAL_AGGRESSION: 1 << 0,
    IncidentType.THREAT: 1 << 1,
    IncidentType.INTIMIDATION: 1 << 2,
    IncidentType.PHYSICAL_VIOLENCE: 1 << 3,
    IncidentType.PROPERTY_DAMAGE: 1 << 4,
    IncidentType.ONLINE_HARASSMENT: 1 << 5,
    IncidentType.STALKING: 1 << 6,
    IncidentType.DEFAMATION: 1 << 7,
    IncidentType.DISCRIMINATION: 1 << 8,
    IncidentType.UNDERMINING: 1 << 9,
}
"""The bit of each incident type in `types_mask` (append only)."""

CHANNEL_BITS: Final[Mapping[str, int]] = {
    Channel.IN_PERSON: 1 << 0,
    Channel.PHONE: 1 << 1,
    Channel.MAIL_OR_EMAIL: 1 << 2,
    Channel.SOCIAL_MEDIA: 1 << 3,
    Channel.AT_HOME: 1 << 4,
    Channel.PUBLIC_SPACE: 1 << 5,
    Channel.DURING_MEETING: 1 << 6,
}
"""The bit of each channel in `channels_mask` (append only)."""

SMALL_CELL: Final = 5
"""Counts from 1 to SMALL_CELL - 1 are shown as "<5" to callers who see aggregates."""

SUPPRESSED: Final = f"<{SMALL_CELL}"


def to_mask(codes: Iterable[str], bits: Mapping[str, int]) -> int:
    """The bit mask of a set of codes."""
    mask = 0
    for code in codes:
        mask |= bits[str(code)]
    return mask


def from_mask(mask: int, bits: Mapping[str, int]) -> list[str]:
    """The codes set in a mask, in the vocabulary's order."""
    return [str(code) for code, bit in bits.items() if mask & bit]


def month_of(moment: datetime) -> str:
    """The calendar month (`YYYY-MM`) of a moment, in Dutch time."""
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m")


def suppress(count: int, *, enabled: bool) -> int | str:
    """A count as an aggregate-only caller may see it."""
    if enabled and 0 < count < SMALL_CELL:
        return SUPPRESSED
    return count


def rate(numerator: int, denominator: int, *, suppressed: bool) -> float | None:
    """A share rounded to three decimals; None when there is nothing to divide by, or
    (suppressed) when the share would reveal a count below the threshold."""
    if denominator == 0:
        return None
    if suppressed and (denominator < SMALL_CELL or 0 < numerator < SMALL_CELL):
        return None
    return round(numerator / denominator, 3)


def percentile(histogram: Sequence[tuple[int, int]], fraction: float) -> float | None:
    """The percentile (linear interpolation between closest ranks, as PostgreSQL's
    `percentile_cont`) of the values given as sorted (value, how often) pairs."""
    total = sum(n for _, n in histogram)
    if total == 0:
        return None
    position = fraction * (total - 1)
    low_rank, high_rank = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value, n in histogram:
        if low is None and low_rank < seen + n:
            low = value
        if high_rank < seen + n:
            high = value
            break
        seen += n
    assert low is not None and high is not None
    return float(low + (high - low) * (position - low_rank))


Measure = Literal["count", "aangifte", "police_report", "assigned", "escalated", "repeat"]
MEASURES: Final[tuple[Measure, ...]] = (
    "count",
    "aangifte",
    "police_report",
    "assigned",
    "escalated",
    "repeat",
)


# --- codes: the statistics table stores small integers, decoded here --------------------

CODES: Final[Mapping[str, tuple[str, ...]]] = {
    # position + 1 is the stored number; append only, never reorder
    "role": (
        "mayor",
        "alderman",
        "councillor",
        "provincial_councillor",
        "provincial_executive",
        "kings_commissioner",
        "water_board_member",
    ),
    "urgency": ("acute", "high", "normal"),
    "source": ("crisis_line", "municipal_registration", "media_report"),
    "police_status": ("none", "melding", "aangifte"),
    "reason_not_reported": (
        "not_serious_enough",
        "part_of_the_job",
        "nothing_will_be_done",
        "solved_on_the_spot",
        "other",
    ),
    "perpetrator_kind": (
        "individual_citizen",
        "group",
        "fellow_office_holder",
        "on_behalf_of_organisation",
        "unknown",
    ),
    "pool": ("ngb", "wethoudersvereniging", "nvvr", "statenlidnu", "bzk"),
}
"""The stored number of each coded dimension's values."""

_ORGANISATION_BASE: Final = {"GM": 0, "PV": 10000, "WS": 20000}


def encode(dimension: str, value: object) -> int | None:
    """The number `case_facts` stores for a dimension's value (None stays None)."""
    if value is None:
        return None
    text = str(value)
    if dimension in CODES:
        return CODES[dimension].index(text) + 1
    if dimension in ("organisation", "province"):
        return _ORGANISATION_BASE[text[:2]] + int(text[2:])
    if dimension == "month":
        return int(text.replace("-", ""))
    if dimension == "family_targeted":
        return int(bool(value))
    raise KeyError(dimension)


def decode(dimension: str, number: int | None) -> str | bool | None:
    """The value a stored number stands for."""
    if number is None:
        return None
    if dimension in CODES:
        return CODES[dimension][number - 1]
    if dimension in ("organisation", "province"):
        for prefix, base in sorted(_ORGANISATION_BASE.items(), key=lambda kv: -kv[1]):
            if number >= base:
                digits = 2 if prefix == "PV" else 4
                return f"{prefix}{number - base:0{digits}d}"
    if dimension == "month":
        return f"{number // 100:04d}-{number % 100:02d}"
    if dimension == "family_targeted":
        return bool(number)
    raise KeyError(dimension)
