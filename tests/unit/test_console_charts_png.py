"""The charts as PNG: a valid image of the model's size, every drawn bar of the SVG at
its place in the PNG, and no bar where a cell is suppressed ("<5") or missing."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from console.adapters.png import COLOURS, SCALE, TITLE_BAND
from console.domain.charts import LABEL_WIDTH
from tests.support.console_fakes import FakeRegistry, console_app, sign_in_as

QUERY = "jaar=2026&provincie=PV27"


@pytest.fixture(scope="module")
def analyst() -> Any:
    with TestClient(console_app(FakeRegistry()), base_url="https://console.test") as client:
        sign_in_as(client, "analyst-1")
        yield client


def svg_of(client: TestClient, name: str) -> ET.Element:
    answer = client.get(f"/statistieken/{name}.svg?{QUERY}")
    assert answer.status_code == 200
    return ET.fromstring(re.sub(r"^<\?xml[^>]*>\s*", "", answer.text.strip()))


def png_of(client: TestClient, name: str) -> Image.Image:
    answer = client.get(f"/statistieken/{name}.png?{QUERY}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["content-disposition"] == f'attachment; filename="weerbaar-{name}.png"'
    assert answer.content.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(answer.content))
    image.verify()  # a whole, valid PNG
    image = Image.open(io.BytesIO(answer.content))
    assert image.format == "PNG"
    return image.convert("RGB")


def pixel(image: Image.Image, x: float, y: float) -> tuple[int, int, int]:
    at = (round(x * SCALE), round((y + TITLE_BAND) * SCALE))
    found: tuple[int, int, int] = image.getpixel(at)  # type: ignore[assignment]
    return found


def rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


NS = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("name", ["functie", "soort", "provincie", "kanaal", "bevestiging"])
def test_every_bar_of_the_svg_is_in_the_png_and_no_suppressed_one(analyst: Any, name: str) -> None:
    svg = svg_of(analyst, name)
    image = png_of(analyst, name)
    width, height = float(svg.attrib["width"]), float(svg.attrib["height"])
    assert image.size == (round(width * SCALE), round((height + TITLE_BAND) * SCALE))
    bars = [r for r in svg.iter(f"{NS}rect") if "data-bar" in r.attrib]
    for bar in bars:
        x, y = float(bar.attrib["x"]), float(bar.attrib["y"])
        w, h = float(bar.attrib["width"]), float(bar.attrib["height"])
        colour = rgb(bar.attrib["fill"])
        for fx, fy in ((0.5, 0.5), (0.1, 0.2), (0.9, 0.8)):
            assert pixel(image, x + w * fx, y + h * fy) == colour, (name, bar.attrib)
        assert pixel(image, x + w + 3, y + h / 2) == (255, 255, 255)  # it ends where it should
    drawn = {(r.attrib["data-bar"], r.attrib["data-series"]) for r in bars}
    words = [t for t in svg.iter(f"{NS}text") if "data-label" in t.attrib]
    hidden = [t for t in words if (t.attrib["data-label"], t.attrib["data-series"]) not in drawn]
    if name in ("functie", "soort", "provincie"):
        assert any((t.text or "").startswith("<5") for t in hidden)
    for label in hidden:
        row = float(label.attrib["y"]) - 12 + 8  # the middle of where its bar would be
        for x in range(int(LABEL_WIDTH) + 2, int(float(label.attrib["x"])) - 1):
            assert pixel(image, x, row) not in {rgb(c) for c in COLOURS}, (name, label.text)


def test_the_trend_in_png_has_the_size_of_its_svg(analyst: Any) -> None:
    for name in ("maand", "bron-maand"):
        svg = svg_of(analyst, name)
        image = png_of(analyst, name)
        width, height = float(svg.attrib["width"]), float(svg.attrib["height"])
        assert image.size == (round(width * SCALE), round((height + TITLE_BAND) * SCALE))
        on_top = {  # where two points meet, the later series is drawn over
            (float(c.attrib["cx"]), float(c.attrib["cy"])): rgb(c.attrib["fill"])
            for c in svg.iter(f"{NS}circle")
        }
        assert on_top
        for (cx, cy), colour in on_top.items():
            # 2.5 above the centre: inside the point, off the axis a zero sits on
            assert pixel(image, cx, cy - 2.5) == colour


def test_an_unknown_chart_has_no_png(analyst: Any) -> None:
    assert analyst.get("/statistieken/niets.png").status_code == 404
    assert analyst.get("/statistieken/../x.png").status_code == 404
