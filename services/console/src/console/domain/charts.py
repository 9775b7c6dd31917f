"""Chart geometry for the statistics page: pure numbers in, positions out, drawn as SVG
by the templates (no chart JavaScript).

A figure is what the registry's statistics give: a count, the string "<5" for a
suppressed small cell, or None when there is nothing to show (a share that would give
a small count away, or nothing to divide by). A suppressed or missing figure is never
drawn with a length or a height: its bar has none, its point is left out (the line
breaks there) and its label says "<5" or "n.b.".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Figure = int | float | str | None
Kind = Literal["count", "share", "minutes"]

SUPPRESSED = "<5"
UNKNOWN_NL = "n.b."

# horizontal bars: a label column, the bars, the value after each bar
BAR_WIDTH = 640.0
LABEL_WIDTH = 210.0
VALUE_WIDTH = 70.0
ROW_HEIGHT = 26.0
BAR_THICKNESS = 16.0
TOP = 8.0
AXIS_HEIGHT = 22.0

# lines over months
LINE_WIDTH = 640.0
LINE_HEIGHT = 240.0
LINE_LEFT = 48.0
LINE_RIGHT = 16.0
LINE_TOP = 12.0
LINE_BOTTOM = 40.0


def number(figure: Figure) -> float | None:
    """The figure as a number to draw; None when it must not be drawn."""
    if isinstance(figure, bool) or figure is None or isinstance(figure, str):
        return None
    if isinstance(figure, int | float) and math.isfinite(figure):
        return float(figure)
    return None


def text_of(figure: Figure, kind: Kind = "count") -> str:
    """The figure in words as the table and the chart show it (Dutch number style)."""
    if isinstance(figure, str):
        return figure
    value = number(figure)
    if value is None:
        return UNKNOWN_NL
    if kind == "share":
        return f"{value * 100:.1f}%".replace(".", ",")
    if kind == "minutes":
        return f"{value / 60:.1f} min".replace(".", ",")
    return f"{int(value):,}".replace(",", ".")


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above the value."""
    if value <= 0:
        return 1.0
    power = float(10 ** math.floor(math.log10(value)))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power + 1e-9:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


@dataclass(frozen=True, slots=True)
class Tick:
    value: float
    text: str
    position: float


@dataclass(frozen=True, slots=True)
class Bar:
    key: str
    label: str
    figure: Figure
    text: str
    suppressed: bool
    drawn: bool
    """Whether the bar has a length: never for a suppressed or missing figure."""
    series: int
    x: float
    y: float
    width: float
    height: float
    label_y: float
    text_x: float


@dataclass(frozen=True, slots=True)
class BarChart:
    kind: Kind
    series: tuple[str, ...]
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    maximum: float
    width: float
    height: float
    plot_left: float
    plot_width: float
    axis_y: float


def bar_chart(
    rows: Sequence[tuple[str, str, Sequence[Figure]]],
    *,
    kind: Kind = "count",
    series: Sequence[str] = ("",),
    maximum: float | None = None,
) -> BarChart:
    """Horizontal bars, one group per row (key, label, one figure per series)."""
    values = [v for _, _, figures in rows for v in map(number, figures) if v is not None]
    top = maximum if maximum is not None else nice_ceiling(max(values, default=0.0))
    if kind == "count":
        top = max(top, 4.0)  # whole numbers on every tick
    plot_width = BAR_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    group = ROW_HEIGHT * len(series) + (6.0 if len(series) > 1 else 0.0)
    bars: list[Bar] = []
    for index, (key, label, figures) in enumerate(rows):
        for place, figure in enumerate(figures):
            value = number(figure)
            drawn = value is not None and value > 0
            length = plot_width * min(value, top) / top if value is not None and drawn else 0.0
            y = TOP + index * group + place * ROW_HEIGHT + (ROW_HEIGHT - BAR_THICKNESS) / 2
            bars.append(
                Bar(
                    key=key,
                    label=label,
                    figure=figure,
                    text=text_of(figure, kind),
                    suppressed=figure == SUPPRESSED,
                    drawn=drawn,
                    series=place,
                    x=LABEL_WIDTH,
                    y=round(y, 2),
                    width=round(length, 2),
                    height=BAR_THICKNESS if drawn else 0.0,
                    label_y=round(TOP + index * group + group / 2, 2),
                    text_x=round(LABEL_WIDTH + length + 6, 2),
                )
            )
    axis_y = TOP + group * len(rows) + 2
    ticks = tuple(
        Tick(
            value=top * step / 4,
            text=text_of(top * step / 4 if kind != "count" else int(top * step / 4), kind),
            position=round(LABEL_WIDTH + plot_width * step / 4, 2),
        )
        for step in range(5)
    )
    return BarChart(
        kind=kind,
        series=tuple(series),
        bars=tuple(bars),
        ticks=ticks,
        maximum=top,
        width=BAR_WIDTH,
        height=round(axis_y + AXIS_HEIGHT, 2),
        plot_left=LABEL_WIDTH,
        plot_width=plot_width,
        axis_y=round(axis_y, 2),
    )


@dataclass(frozen=True, slots=True)
class Point:
    label: str
    figure: Figure
    text: str
    suppressed: bool
    drawn: bool
    x: float
    y: float | None
    """None for a suppressed or missing figure: no point, the line breaks."""


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    points: tuple[Point, ...]
    paths: tuple[str, ...]
    """SVG path data, one per unbroken run of drawn points."""


@dataclass(frozen=True, slots=True)
class LineChart:
    labels: tuple[str, ...]
    lines: tuple[Line, ...]
    ticks: tuple[Tick, ...]
    maximum: float
    width: float
    height: float
    baseline: float
    label_positions: tuple[float, ...]


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[Figure]]]) -> LineChart:
    """One line per series over the labels (months), all on one scale."""
    values = [v for _, figures in series for v in map(number, figures) if v is not None]
    top = max(nice_ceiling(max(values, default=0.0)), 4.0)  # whole numbers on every tick
    plot_width = LINE_WIDTH - LINE_LEFT - LINE_RIGHT
    plot_height = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    baseline = LINE_TOP + plot_height
    steps = max(len(labels) - 1, 1)
    xs = tuple(
        round(LINE_LEFT + (plot_width * i / steps if len(labels) > 1 else plot_width / 2), 2)
        for i in range(len(labels))
    )
    lines: list[Line] = []
    for name, figures in series:
        points: list[Point] = []
        for index, label in enumerate(labels):
            figure = figures[index] if index < len(figures) else None
            value = number(figure)
            y = None if value is None else round(baseline - plot_height * value / top, 2)
            points.append(
                Point(
                    label=label,
                    figure=figure,
                    text=text_of(figure),
                    suppressed=figure == SUPPRESSED,
                    drawn=y is not None,
                    x=xs[index],
                    y=y,
                )
            )
        lines.append(Line(name=name, points=tuple(points), paths=_paths(points)))
    ticks = tuple(
        Tick(
            value=top * step / 4,
            text=text_of(int(top * step / 4)),
            position=round(baseline - plot_height * step / 4, 2),
        )
        for step in range(5)
    )
    return LineChart(
        labels=tuple(labels),
        lines=tuple(lines),
        ticks=ticks,
        maximum=top,
        width=LINE_WIDTH,
        height=LINE_HEIGHT,
        baseline=round(baseline, 2),
        label_positions=xs,
    )


def _paths(points: Sequence[Point]) -> tuple[str, ...]:
    runs: list[list[Point]] = [[]]
    for point in points:
        if point.y is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(point)
    return tuple(
        " ".join(f"{'M' if i == 0 else 'L'}{p.x:g},{p.y:g}" for i, p in enumerate(run))
        for run in runs
        if run
    )
