"""The statistics page: its filters (kept in the URL, handed to the registry as they
are), which charts it shows, and the rows of each chart from the registry's cells."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from urllib.parse import urlencode

from console.domain import labels
from console.domain.charts import Figure, Kind
from console.domain.forms import organisation_from
from contracts.organisations import OrganisationKind, all_organisations
from contracts.vocabulary import Role, Source

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DUTCH_DAY = re.compile(r"^\d{2}-\d{2}-\d{4}$")
YEAR = re.compile(r"^20\d{2}$")
VOCABULARY_OF = {
    "role": "role",
    "incident_type": "incident_type",
    "channel": "channel",
    "police_status": "police_status",
    "reason_not_reported": "reason_not_reported",
    "source": "source",
    "pool": "pool",
    "urgency": "urgency",
}


def provinces() -> list[tuple[str, str]]:
    """(code, name) of the twelve provinces, by name."""
    found = [
        (o.code, o.name)
        for o in all_organisations().values()
        if o.kind is OrganisationKind.PROVINCIE
    ]
    return sorted(found, key=lambda item: item[1])


def day_or_none(value: str) -> str | None:
    """A day as `YYYY-MM-DD`, from that or the Dutch `DD-MM-YYYY`; None otherwise."""
    if DUTCH_DAY.match(value):
        value = f"{value[6:10]}-{value[3:5]}-{value[0:2]}"
    if not DAY.match(value):
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class StatsFilters:
    """Period (a year, or from and to), office, province, organisation and source."""

    year: str | None = None
    from_: str | None = None
    to: str | None = None
    role: str | None = None
    province_code: str | None = None
    organisation_code: str | None = None
    organisation_text: str = ""
    source: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Sequence[str]]) -> StatsFilters:
        """Unknown values are dropped, so a hand-edited URL never breaks the page."""

        def one(name: str) -> str:
            return next(iter(query.get(name, ())), "").strip()

        year = one("jaar") if YEAR.match(one("jaar")) else None
        role = one("functie") if one("functie") in {str(r) for r in Role} else None
        source = one("bron") if one("bron") in {str(s) for s in Source} else None
        province = one("provincie") if one("provincie") in dict(provinces()) else None
        organisation = organisation_from(one("organisatie"))
        return cls(
            year=year,
            from_=day_or_none(one("van")),
            to=day_or_none(one("tot")),
            role=role,
            province_code=province,
            organisation_code=organisation.code if organisation else None,
            organisation_text=f"{organisation.name} ({organisation.code})" if organisation else "",
            source=source,
        )

    def api_params(self) -> list[tuple[str, str]]:
        """The registry's statistics query for these filters: an explicit from or to
        wins over the year."""
        params: list[tuple[str, str]] = []
        start = self.from_ or (f"{self.year}-01-01" if self.year else None)
        end = self.to or (f"{int(self.year) + 1}-01-01" if self.year else None)
        if start:
            params.append(("from", start))
        if end:
            params.append(("to", end))
        for name, value in (
            ("role", self.role),
            ("province_code", self.province_code),
            ("organisation_code", self.organisation_code),
            ("source", self.source),
        ):
            if value:
                params.append((name, value))
        return params

    def query_string(self) -> str:
        """The page's own query for these filters (for links and downloads)."""
        pairs = [
            ("jaar", self.year),
            ("van", self.from_),
            ("tot", self.to),
            ("functie", self.role),
            ("provincie", self.province_code),
            ("organisatie", self.organisation_code),
            ("bron", self.source),
        ]
        return urlencode([(k, v) for k, v in pairs if v])

    def months(self) -> list[str] | None:
        """Every month of the period, when the period is known."""
        start = self.from_ or (f"{self.year}-01-01" if self.year else None)
        end = self.to or (f"{int(self.year) + 1}-01-01" if self.year else None)
        if not start or not end:
            return None
        return month_range(start[:7], _month_before(end))


def _month_before(day: str) -> str:
    """The last month a period ending (exclusively) at this day includes."""
    year, month, dom = int(day[:4]), int(day[5:7]), int(day[8:10])
    if dom > 1:
        return f"{year:04d}-{month:02d}"
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every `YYYY-MM` from first to last, both included (at most ten years)."""
    year, month = int(first[:4]), int(first[5:7])
    found: list[str] = []
    while f"{year:04d}-{month:02d}" <= last and len(found) < 120:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


Measure = Literal["count", "aangifte_rate", "police_report_rate", "escalation_rate", "repeat_rate"]


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """One chart: what it is called, what the registry groups by, what it measures."""

    name: str
    title: str
    group_by: tuple[str, ...]
    measure: Measure = "count"
    kind: Kind = "count"
    shape: Literal["bars", "line"] = "bars"


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec("maand", "Incidenten per maand", ("month",), shape="line"),
    ChartSpec(
        "bron-maand", "Registraties en crisislijn naast elkaar", ("source", "month"), shape="line"
    ),
    ChartSpec("functie", "Incidenten per functie", ("role",)),
    ChartSpec("soort", "Incidenten per soort", ("incident_type",)),
    ChartSpec("kanaal", "Incidenten per kanaal", ("channel",)),
    ChartSpec("provincie", "Incidenten per provincie", ("province",)),
    ChartSpec("politie", "Melding of aangifte bij de politie", ("police_status",)),
    ChartSpec("reden", "Waarom geen melding of aangifte", ("reason_not_reported",)),
    ChartSpec("aangifte", "Aandeel aangifte per functie", ("role",), "aangifte_rate", "share"),
    ChartSpec("escalatie", "Aandeel geëscaleerd per pool", ("pool",), "escalation_rate", "share"),
    ChartSpec(
        "herhaling", "Aandeel herhaald incident per functie", ("role",), "repeat_rate", "share"
    ),
)
CHART_BY_NAME = {chart.name: chart for chart in CHARTS}


def value_label(dimension: str, code: Any, language: str = "nl") -> str:
    """A dimension's value in words."""
    if code is None:
        return "onbekend" if language == "nl" else "unknown"
    if dimension in ("province", "organisation"):
        return labels.organisation_name(str(code))
    if dimension == "family_targeted":
        yes = code is True or code == "true"
        return ("ja" if yes else "nee") if language == "nl" else ("yes" if yes else "no")
    if dimension == "pool":  # the association's short name: "NGB", not its full name
        return labels.label("pool", str(code), language).split(" — ")[0]
    if dimension in VOCABULARY_OF:
        return labels.label(VOCABULARY_OF[dimension], str(code), language)
    return str(code)


def _order(dimension: str, codes: list[Any], language: str) -> list[Any]:
    if dimension in VOCABULARY_OF:
        known = [code for code, _ in labels.options(VOCABULARY_OF[dimension], language)]
        return sorted(codes, key=lambda c: (known.index(c) if c in known else len(known), str(c)))
    if dimension in ("province", "organisation"):
        return sorted(codes, key=lambda c: (c is None, value_label(dimension, c, language)))
    return sorted(codes, key=lambda c: (c is None, str(c)))


def rows(
    cells: Sequence[Mapping[str, Any]], dimension: str, measure: Measure, language: str = "nl"
) -> list[tuple[str, str, list[Figure]]]:
    """(code, label, [figure]) per value of one dimension, in a sensible order."""
    by_code = {cell.get(dimension): cell.get(measure) for cell in cells}
    ordered = _order(dimension, list(by_code), language)
    return [
        ("" if c is None else str(c), value_label(dimension, c, language), [by_code[c]])
        for c in ordered
    ]


def month_series(
    cells: Sequence[Mapping[str, Any]],
    *,
    split: str | None,
    months: Sequence[str] | None,
    language: str = "nl",
) -> tuple[list[str], list[tuple[str, list[Figure]]]]:
    """Months and one series per value of `split` (or one series when None); a month
    without a cell is a month without cases: 0."""
    seen = sorted({str(c["month"]) for c in cells if c.get("month")})
    labels_ = list(months) if months else (month_range(seen[0], seen[-1]) if seen else [])
    groups = (
        [None] if split is None else _order(split, list({c.get(split) for c in cells}), language)
    )
    if split == "source":  # the comparison always shows both sources, even when empty
        groups = [g for g in ("crisis_line", "municipal_registration") if g not in groups] + groups
        groups = _order(split, groups, language)
    series: list[tuple[str, list[Figure]]] = []
    for group in groups:
        found = {
            str(c["month"]): c.get("count")
            for c in cells
            if c.get("month") and (split is None or c.get(split) == group)
        }
        name = "Incidenten" if split is None else value_label(split, group, language)
        series.append((name, [found.get(month, 0) for month in labels_]))
    return labels_, series


def month_label(month: str) -> str:
    """`2026-03` as `mrt 2026`."""
    names = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
    return f"{names[int(month[5:7]) - 1]} {month[:4]}"


def acknowledgement_rows(
    pools: Sequence[Mapping[str, Any]], language: str = "nl"
) -> list[tuple[str, str, list[Figure]]]:
    """(pool, label, [median, p90]) in seconds; a suppressed pool shows "<5"."""
    found: list[tuple[str, str, list[Figure]]] = []
    for pool in pools:
        hidden = pool.get("acknowledged") == "<5"
        figures: list[Figure] = (
            ["<5", "<5"] if hidden else [pool.get("median_s"), pool.get("p90_s")]
        )
        found.append((str(pool["pool"]), value_label("pool", pool["pool"], language), figures))
    return [
        row
        for code in _order("pool", [r[0] for r in found], language)
        for row in found
        if row[0] == code
    ]
