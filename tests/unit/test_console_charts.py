"""The statistics charts' geometry: every bar and point follows its figure, and a
suppressed or missing figure is never drawn with a length or a height."""

from __future__ import annotations

import pytest

from console.domain.charts import (
    BAR_WIDTH,
    LABEL_WIDTH,
    VALUE_WIDTH,
    bar_chart,
    line_chart,
    nice_ceiling,
    text_of,
)
from console.domain.statistics import StatsFilters, month_range, month_series, rows

PLOT = BAR_WIDTH - LABEL_WIDTH - VALUE_WIDTH


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (1, 1), (3, 5), (40, 50), (101, 200), (0.3, 0.5), (7.5, 10)]
)
def test_the_scale_ends_at_a_round_number(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == pytest.approx(ceiling)


def test_every_bar_is_as_long_as_its_count_and_a_suppressed_one_has_no_length() -> None:
    figures = [
        ("mayor", "burgemeester", [40]),
        ("alderman", "wethouder", ["<5"]),
        ("councillor", "raadslid", [13]),
        ("other", "onbekend", [None]),
    ]
    chart = bar_chart(figures)
    assert chart.maximum == 50
    by_key = {bar.key: bar for bar in chart.bars}
    assert by_key["mayor"].width == pytest.approx(PLOT * 40 / 50, abs=0.01)
    assert by_key["councillor"].width == pytest.approx(PLOT * 13 / 50, abs=0.01)
    for key in ("alderman", "other"):
        assert by_key[key].drawn is False
        assert by_key[key].width == 0 and by_key[key].height == 0
    assert by_key["alderman"].text == "<5" and by_key["alderman"].suppressed
    assert by_key["other"].text == "n.b." and not by_key["other"].suppressed
    assert [b.label for b in chart.bars] == ["burgemeester", "wethouder", "raadslid", "onbekend"]
    assert [b.text for b in chart.bars] == ["40", "<5", "13", "n.b."]
    # each bar sits on its own row, in the order given
    assert [b.y for b in chart.bars] == sorted(b.y for b in chart.bars)


def test_shares_are_drawn_against_one_whole() -> None:
    chart = bar_chart([("a", "A", [0.25]), ("b", "B", [None])], kind="share", maximum=1.0)
    assert chart.bars[0].width == pytest.approx(PLOT * 0.25, abs=0.01)
    assert chart.bars[0].text == "25,0%"
    assert chart.bars[1].width == 0 and chart.bars[1].text == "n.b."
    assert [t.text for t in chart.ticks] == ["0,0%", "25,0%", "50,0%", "75,0%", "100,0%"]


def test_two_series_per_row_for_the_acknowledgement_times() -> None:
    chart = bar_chart(
        [("ngb", "NGB", [120.0, 600.0]), ("nvvr", "NVvR", ["<5", "<5"])],
        kind="minutes",
        series=("mediaan", "90e percentiel"),
    )
    ngb = [b for b in chart.bars if b.key == "ngb"]
    assert [b.text for b in ngb] == ["2,0 min", "10,0 min"]
    assert ngb[1].width == pytest.approx(PLOT * 600 / 1000, abs=0.01)
    hidden = [b for b in chart.bars if b.key == "nvvr"]
    assert all(not b.drawn and b.width == 0 and b.text == "<5" for b in hidden)


def test_a_line_breaks_at_a_suppressed_month_and_has_no_point_there() -> None:
    chart = line_chart(["jan", "feb", "mrt", "apr"], [("Incidenten", [12, "<5", 0, 9])])
    (line,) = chart.lines
    assert chart.maximum == 20
    points = {p.label: p for p in line.points}
    assert points["feb"].y is None and not points["feb"].drawn and points["feb"].text == "<5"
    assert points["mrt"].y == chart.baseline  # no cases that month: on the baseline
    height = chart.baseline - 12  # LINE_TOP
    assert points["jan"].y == pytest.approx(chart.baseline - height * 12 / 20, abs=0.01)
    assert points["apr"].y == pytest.approx(chart.baseline - height * 9 / 20, abs=0.01)
    assert len(line.paths) == 2  # jan alone, then mrt-apr
    assert line.paths[1].startswith("M") and "L" in line.paths[1]


def test_numbers_read_the_dutch_way() -> None:
    assert text_of(12345) == "12.345"
    assert text_of("<5") == "<5"
    assert text_of(None) == "n.b."
    assert text_of(90.0, "minutes") == "1,5 min"


def test_months_between_and_the_period_of_a_year() -> None:
    assert month_range("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    year = StatsFilters.from_query({"jaar": ["2026"]})
    assert year.api_params() == [("from", "2026-01-01"), ("to", "2027-01-01")]
    assert year.months() == [f"2026-{m:02d}" for m in range(1, 13)]
    explicit = StatsFilters.from_query({"jaar": ["2026"], "van": ["2026-03-01"]})
    assert explicit.api_params()[0] == ("from", "2026-03-01")


def test_filters_drop_what_the_registry_would_refuse() -> None:
    filters = StatsFilters.from_query(
        {
            "jaar": ["19"],
            "functie": ["king"],
            "provincie": ["PV27"],
            "bron": ["crisis_line"],
            "organisatie": ["Amsterdam (GM0363)"],
            "van": ["2026-02-30"],
        }
    )
    assert filters.api_params() == [
        ("province_code", "PV27"),
        ("organisation_code", "GM0363"),
        ("source", "crisis_line"),
    ]
    assert "organisatie=GM0363" in filters.query_string()


def test_rows_follow_the_vocabulary_and_sources_are_compared_month_by_month() -> None:
    found = rows(
        [{"role": "councillor", "count": 3}, {"role": "mayor", "count": "<5"}], "role", "count"
    )
    assert [(c, f) for c, _, f in found] == [("mayor", ["<5"]), ("councillor", [3])]
    months, series = month_series(
        [{"source": "municipal_registration", "month": "2026-02", "count": 6}],
        split="source",
        months=["2026-01", "2026-02"],
    )
    assert months == ["2026-01", "2026-02"]
    assert series == [("crisislijn", [0, 0]), ("registratie door de organisatie", [0, 6])]
