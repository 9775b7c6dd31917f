"""The monthly summary of the statistics: which reads it can serve, and for which months.

`case_facts` holds a row per case; a statistic sums rows. For a few fixed sets of
dimensions (the shapes) the registry also keeps those sums per calendar month, so a
statistic over whole months adds up a few thousand summary rows instead of scanning
a million cases. Every write of a case's facts marks its month dirty; a dirty month is
read from `case_facts` until the summary of it is computed again, so the answer is
always the one `case_facts` alone gives, to the last digit (and so to the
perturbation, which is computed from the same sums).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from registry.domain.facts import AMSTERDAM, MEASURES
from registry.domain.filters import DIMENSION_OF_FILTER, Dimension, StatsFilters

SHAPES: tuple[tuple[Dimension, ...], ...] = (
    ("source", "role", "province"),
    ("incident_type", "channel"),
    ("role", "province", "police_status", "reason_not_reported", "pool"),
)
"""The summarised dimension sets (the month is always there): the statistics page's
three families of charts, and the filters the page offers that keep their size down
(a million cases over 25 months: about 200, 1,700 and 800 rows a month). Their
position is their number in `stats_summary.shape`: a new shape goes at the end."""
WIDTH = max(len(shape) for shape in SHAPES)
"""Dimension columns of `stats_summary` (`d0`…): the widest shape's."""

SUMS: tuple[str, ...] = (
    "n",
    *(f"sum_{m}" for m in MEASURES[1:]),
    "keys",
    *(f"keys_{m}" for m in MEASURES[1:]),
)
"""The summed columns, in the order a statistic's read gives them: the count, each
measure, the cell keys, and the cell keys of each measure's cases."""

_PERIOD = frozenset({"from_", "to"})


def narrowing(filters: StatsFilters) -> list[tuple[str, Any]]:
    """The filters set other than the period, by field name: only those of
    `StatsFilters` (a query that extends it, with its groupings or sets, brings more
    fields that filter nothing)."""
    values = ((name, getattr(filters, name)) for name in StatsFilters.model_fields)
    return [
        (name, value)
        for name, value in values
        if value is not None and value != [] and name not in _PERIOD
    ]


def filtered_dimensions(filters: StatsFilters) -> set[str] | None:
    """The dimensions a filter narrows (None: a filter no summary can apply, such as
    one organisation)."""
    found = {DIMENSION_OF_FILTER.get(name, name) for name, _ in narrowing(filters)}
    return found if found <= _SUMMARISED else None


_SUMMARISED = frozenset(d for shape in SHAPES for d in shape)


def shape_for(grouping: Sequence[Dimension], filters: StatsFilters) -> int | None:
    """The number of the first shape holding every dimension of the grouping and of
    the filters (the smallest first: only the overall figures fit more than one), or
    None. The month needs no shape: the summary is by month."""
    narrowed = filtered_dimensions(filters)
    if narrowed is None:
        return None
    wanted = {d for d in grouping if d != "month"} | narrowed
    return next((i for i, shape in enumerate(SHAPES) if wanted <= set(shape)), None)


def month_start(month: int) -> datetime:
    """The first moment of a month (`YYYYMM`), Dutch time."""
    return datetime(month // 100, month % 100, 1, tzinfo=AMSTERDAM)


def next_month(month: int) -> int:
    year, number = divmod(month, 100)
    return year * 100 + number + 1 if number < 12 else (year + 1) * 100 + 1


def month_code(moment: datetime) -> int:
    """The month (`YYYYMM`, as `case_facts.month` holds it) of a moment, Dutch time."""
    local = moment.astimezone(AMSTERDAM)
    return local.year * 100 + local.month


@dataclass(frozen=True, slots=True)
class Reading:
    """How a statistic is read: the months from `low` (inclusive) to `high` (exclusive;
    None: unbounded) from the summary, except the `rest`, which come from `case_facts`
    with the period's own bounds (months changed since their summary, and the months
    the period cuts)."""

    low: int | None
    high: int | None
    rest: frozenset[int]


def reading(filters: StatsFilters, *, dirty: Iterable[int]) -> Reading:
    rest = set(dirty)
    for moment in (filters.from_, filters.to):
        if moment is not None and month_start(month_code(moment)) != moment:
            rest.add(month_code(moment))
    return Reading(
        low=None if filters.from_ is None else month_code(filters.from_),
        high=None if filters.to is None else month_code(filters.to),
        rest=frozenset(rest),
    )
