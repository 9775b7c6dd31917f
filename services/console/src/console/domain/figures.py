"""One chart of the statistics page, ready to draw: its geometry, its words (title and
description for `role="img"`) and the data table shown beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from console.domain.charts import BarChart, Figure, LineChart, bar_chart, line_chart, text_of
from console.domain.statistics import (
    ChartSpec,
    StatsFilters,
    acknowledgement_rows,
    month_label,
    month_series,
    rows,
)

SERIES_ACK = ("mediaan", "90e percentiel")


@dataclass(frozen=True, slots=True)
class ChartView:
    name: str
    title: str
    description: str
    bars: BarChart | None
    line: LineChart | None
    columns: tuple[str, ...]
    table: tuple[tuple[str, tuple[str, ...]], ...]
    suppressed: bool
    """Whether any cell of it is shown as "<5"."""


def _describe(title: str, table: Sequence[tuple[str, Sequence[str]]], shape: str) -> str:
    if not table:
        return f"{title}: geen gegevens voor deze filters."
    parts = "; ".join(f"{label}: {', '.join(values)}" for label, values in table[:24])
    more = f"; en {len(table) - 24} meer in de tabel" if len(table) > 24 else ""
    kind = "Lijndiagram" if shape == "line" else "Staafdiagram"
    return f"{kind}, {title.lower()}. {parts}{more}."


def chart(
    spec: ChartSpec, answer: Mapping[str, Any], filters: StatsFilters, language: str = "nl"
) -> ChartView:
    """The chart of one statistic from the registry's answer for it."""
    cells: Sequence[Mapping[str, Any]] = answer.get("cells") or []
    if spec.shape == "line":
        split = spec.group_by[0] if len(spec.group_by) == 2 else None
        months, series = month_series(
            cells, split=split, months=filters.months(), language=language
        )
        labels = [month_label(m) for m in months]
        drawn = line_chart(labels, series)
        table = tuple(
            (label, tuple(text_of(figures[i]) for _, figures in series))
            for i, label in enumerate(labels)
        )
        flat: list[Figure] = [f for _, figures in series for f in figures]
        return ChartView(
            name=spec.name,
            title=spec.title,
            description=_describe(spec.title, table, "line"),
            bars=None,
            line=drawn,
            columns=tuple(name for name, _ in series),
            table=table,
            suppressed="<5" in flat,
        )
    found = rows(cells, spec.group_by[0], spec.measure, language)
    bars = bar_chart(found, kind=spec.kind, maximum=1.0 if spec.kind == "share" else None)
    table = tuple(
        (label, tuple(text_of(f, spec.kind) for f in figures)) for _, label, figures in found
    )
    return ChartView(
        name=spec.name,
        title=spec.title,
        description=_describe(spec.title, table, "bars"),
        bars=bars,
        line=None,
        columns=("aantal",) if spec.kind == "count" else ("aandeel",),
        table=table,
        suppressed=any(b.suppressed for b in bars.bars),
    )


def acknowledgement(answer: Mapping[str, Any], language: str = "nl") -> ChartView:
    """Time from report to acknowledgement by pool: median and 90th percentile."""
    found = acknowledgement_rows(answer.get("pools") or [], language)
    bars = bar_chart(found, kind="minutes", series=SERIES_ACK)
    table = tuple(
        (label, tuple(text_of(f, "minutes") for f in figures)) for _, label, figures in found
    )
    title = "Tijd tot bevestiging per pool"
    return ChartView(
        name="bevestiging",
        title=title,
        description=_describe(title, table, "bars"),
        bars=bars,
        line=None,
        columns=SERIES_ACK,
        table=table,
        suppressed=any(b.suppressed for b in bars.bars),
    )


def overall(answer: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The key figures of the whole selection, in words."""
    cells: Sequence[Mapping[str, Any]] = answer.get("cells") or []
    cell: Mapping[str, Any] = cells[0] if cells else {"count": 0}
    return [
        ("Incidenten", text_of(cell.get("count"))),
        ("Aandeel aangifte", text_of(cell.get("aangifte_rate"), "share")),
        ("Aandeel melding of aangifte", text_of(cell.get("police_report_rate"), "share")),
        ("Aandeel geëscaleerd", text_of(cell.get("escalation_rate"), "share")),
        ("Aandeel herhaald incident", text_of(cell.get("repeat_rate"), "share")),
    ]
