"""A chart as PNG, drawn with Pillow from the same geometry the SVG template draws
(`console.domain.charts`): the same bars, points, ticks and words, at twice the size,
under a band with the chart's title. A suppressed or missing figure has no bar and no
point here either: only its words. Pillow's wheels carry their own FreeType, so no
system library (cairo or a font) is needed."""

from __future__ import annotations

import io
import math
from itertools import pairwise
from typing import Final

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from console.domain.charts import BarChart, LineChart
from console.domain.figures import ChartView

SCALE: Final = 2
TITLE_BAND: Final = 28.0
"""Height of the title above the chart, in chart units."""
LEGEND_BAND: Final = 24.0
COLOURS: Final = ("#154273", "#8a4b00", "#1d6b33")
GRID, MUTED, INK, ALERT = "#d6d9dc", "#4a4f55", "#16191c", "#a01d23"


def size(view: ChartView) -> tuple[int, int]:
    """The PNG's width and height in pixels."""
    chart = view.bars or view.line
    assert chart is not None
    legend = LEGEND_BAND if view.line and len(view.line.lines) > 1 else 0.0
    return (round(chart.width * SCALE), round((TITLE_BAND + chart.height + legend) * SCALE))


class _Canvas:
    """Drawing in chart units (the SVG's), offset below the title band."""

    def __init__(self, view: ChartView) -> None:
        self.image = Image.new("RGB", size(view), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.font = ImageFont.load_default(12 * SCALE)
        self.title_font = ImageFont.load_default(14 * SCALE)

    def at(self, x: float, y: float) -> tuple[float, float]:
        return (x * SCALE, (y + TITLE_BAND) * SCALE)

    def line(self, points: list[tuple[float, float]], colour: str, width: float) -> None:
        self.draw.line([self.at(x, y) for x, y in points], fill=colour, width=round(width * SCALE))

    def text(self, x: float, y: float, words: str, colour: str, anchor: str = "ls") -> None:
        """Text with its baseline at y, as SVG places it; `anchor` l/m/r + s."""
        self.draw.text(self.at(x, y), words, fill=colour, font=self.font, anchor=anchor)

    def rect(self, x: float, y: float, width: float, height: float, colour: str) -> None:
        x0, y0 = self.at(x, y)
        self.draw.rectangle((x0, y0, x0 + width * SCALE - 1, y0 + height * SCALE - 1), fill=colour)


def _bars(canvas: _Canvas, chart: BarChart) -> None:
    for t in chart.ticks:
        canvas.line([(t.position, 4), (t.position, chart.axis_y)], GRID, 1)
        canvas.text(t.position, chart.axis_y + 15, t.text, MUTED, "ms")
    for b in chart.bars:
        if b.series == 0:
            canvas.text(chart.plot_left - 8, b.label_y + 4, b.label[:30], INK, "rs")
        if b.drawn:
            canvas.rect(b.x, b.y, b.width, b.height, COLOURS[b.series % 3])
        words = b.text + (f" {chart.series[b.series]}" if len(chart.series) > 1 else "")
        canvas.text(b.text_x, b.y + 12, words, ALERT if b.suppressed else INK)
    canvas.line([(chart.plot_left, 4), (chart.plot_left, chart.axis_y)], INK, 1.5)


def _dashed(canvas: _Canvas, points: list[tuple[float, float]], colour: str) -> None:
    """A polyline dashed 6 on, 3 off (the SVG's second series)."""
    for (x0, y0), (x1, y1) in pairwise(points):
        length = math.hypot(x1 - x0, y1 - y0)
        if not length:
            continue
        start = 0.0
        while start < length:
            end = min(start + 6, length)
            a, b = start / length, end / length
            segment = [(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a)]
            segment.append((x0 + (x1 - x0) * b, y0 + (y1 - y0) * b))
            canvas.line(segment, colour, 2.5)
            start += 9


def _lines(canvas: _Canvas, chart: LineChart) -> None:
    right = chart.width - 16
    for t in chart.ticks:
        canvas.line([(48, t.position), (right, t.position)], GRID, 1)
        canvas.text(42, t.position + 4, t.text, MUTED, "rs")
    every = max(1, math.ceil(len(chart.labels) / 12))
    for index, label in enumerate(chart.labels):
        if index % every == 0:
            canvas.text(chart.label_positions[index], chart.baseline + 18, label, MUTED, "ms")
    for series, line in enumerate(chart.lines):
        colour = COLOURS[series % 3]
        runs: list[list[tuple[float, float]]] = [[]]
        for p in line.points:
            if p.y is None:
                runs.append([])
            else:
                runs[-1].append((p.x, p.y))
        for run in (r for r in runs if len(r) > 1):
            if series == 1:
                _dashed(canvas, run, colour)
            else:
                canvas.line(run, colour, 2.5)
        for p in line.points:
            if p.y is not None:
                x, y = canvas.at(p.x, p.y)
                r = 3.5 * SCALE
                canvas.draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
            elif p.suppressed:
                canvas.text(p.x, chart.baseline - 6 - series * 14, p.text, ALERT, "ms")
    canvas.line([(48, chart.baseline), (right, chart.baseline)], INK, 1.5)
    if len(chart.lines) > 1:
        for index, line in enumerate(chart.lines):
            canvas.rect(48 + index * 200, chart.height + 6, 14, 4, COLOURS[index % 3])
            canvas.text(68 + index * 200, chart.height + 12, line.name, INK)


def chart_png(view: ChartView) -> bytes:
    """The chart as PNG, its title and description also in the file's text chunks."""
    canvas = _Canvas(view)
    canvas.draw.text(
        canvas.at(8, -TITLE_BAND / 2), view.title, fill=INK, font=canvas.title_font, anchor="lm"
    )
    if view.bars is not None:
        _bars(canvas, view.bars)
    elif view.line is not None:
        _lines(canvas, view.line)
    info = PngInfo()
    info.add_itxt("Title", view.title)
    info.add_itxt("Description", view.description)
    out = io.BytesIO()
    canvas.image.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()
