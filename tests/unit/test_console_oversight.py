"""The oversight pages without servers: the statistics page's SVG drawn from a fixture
data set (every bar, point and label against the figures, suppressed cells included),
the downloads, the queue's reasons, the week on call and who may open what."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from console.domain import duty, queue
from console.domain.charts import BAR_WIDTH, LABEL_WIDTH, VALUE_WIDTH
from tests.support.console_fakes import STATS, FakeRegistry, FakeRouting, console_app, sign_in_as

PLOT = BAR_WIDTH - LABEL_WIDTH - VALUE_WIDTH
CASE = "1c0f7f6e-8d1a-4cbb-9d7b-1b2a3c4d5e6f"


def svgs(html: str) -> dict[str, ET.Element]:
    found = {}
    for chunk in re.findall(r"<svg .*?</svg>", html, flags=re.S):
        element = ET.fromstring(chunk)
        found[element.attrib["data-chart"]] = element
    return found


@pytest.fixture
def analyst() -> Any:
    registry = FakeRegistry()
    with TestClient(console_app(registry), base_url="https://console.test") as client:
        sign_in_as(client, "analyst-1")
        yield client, registry


def test_every_bar_and_label_of_the_page_matches_the_registry_figures(analyst: Any) -> None:
    client, _ = analyst
    page = client.get("/statistieken?jaar=2026&provincie=PV27")
    assert page.status_code == 200
    charts = svgs(page.text)
    for name, dimension in (
        ("functie", "role"),
        ("soort", "incident_type"),
        ("provincie", "province"),
        ("kanaal", "channel"),
    ):
        svg = charts[name]
        assert svg.attrib["role"] == "img"
        assert svg.find("title") is not None and svg.find("desc") is not None
        cells = STATS[(dimension,)]
        numbers = [c["count"] for c in cells if isinstance(c["count"], int)]
        top = {40: 50, 30: 50, 22: 25, 20: 20}[max(numbers)]
        bars = {r.attrib["data-bar"]: r for r in svg.iter("rect") if "data-bar" in r.attrib}
        texts = {
            t.attrib["data-label"]: t.text for t in svg.iter("text") if "data-label" in t.attrib
        }
        for cell in cells:
            code = str(cell[dimension])
            if cell["count"] == "<5":
                assert code not in bars, f"{name}: {code} is suppressed yet drawn"
                assert texts[code] == "<5"
            else:
                width = float(bars[code].attrib["width"])
                assert width == pytest.approx(PLOT * cell["count"] / top, abs=0.01)
                assert float(bars[code].attrib["height"]) > 0
                assert texts[code] == str(cell["count"])
        assert set(texts) == {str(c[dimension]) for c in cells}


def test_the_trend_has_a_point_per_month_and_none_for_a_suppressed_one(analyst: Any) -> None:
    client, _ = analyst
    charts = svgs(client.get("/statistieken?jaar=2026").text)
    svg = charts["maand"]
    points = {c.attrib["data-point"]: c.attrib["data-value"] for c in svg.iter("circle")}
    assert points["jan 2026"] == "12" and points["apr 2026"] == "9" and points["mrt 2026"] == "0"
    assert "feb 2026" not in points and len(points) == 11
    hidden = [t for t in svg.iter("text") if t.attrib.get("data-point-label") == "feb 2026"]
    assert [t.text for t in hidden] == ["<5"]
    both = charts["bron-maand"]
    series = {
        (c.attrib["data-series"], c.attrib["data-point"]): c.attrib["data-value"]
        for c in both.iter("circle")
    }
    assert series[("0", "jan 2026")] == "10"  # crisis line
    assert ("1", "jan 2026") not in series  # registrations in January: "<5"
    assert series[("1", "mrt 2026")] == "6"


def test_the_table_beside_each_chart_shows_the_same_figures(analyst: Any) -> None:
    client, _ = analyst
    html = client.get("/statistieken").text
    table = html.split('data-table="functie"')[1].split("</table>")[0]
    cells = re.findall(
        r'<th class="utrecht-table__header-cell" scope="row">(.*?)</th><td[^>]*>(.*?)</td>', table
    )
    assert cells == [("burgemeester", "40"), ("wethouder", "&lt;5"), ("raadslid", "13")]
    ack = html.split('data-table="bevestiging"')[1].split("</table>")[0]
    assert "2,0 min" in ack and "10,0 min" in ack and ack.count("&lt;5") == 2


def test_the_filters_reach_the_registry_and_the_csv_is_its_export(analyst: Any) -> None:
    client, registry = analyst
    client.get("/statistieken?jaar=2025&provincie=PV27&bron=crisis_line&functie=mayor")
    expected = [
        ("from", "2025-01-01"),
        ("to", "2026-01-01"),
        ("role", "mayor"),
        ("province_code", "PV27"),
        ("source", "crisis_line"),
    ]
    assert all(params[:5] == expected for _, params in registry.calls)
    response = client.get("/statistieken/functie.csv?jaar=2025&provincie=PV27")
    assert response.status_code == 200
    assert response.content == b"functie;aantal\r\nburgemeester;40\r\n"
    assert "attachment" in response.headers["content-disposition"]
    assert registry.calls[-1] == (
        "/v1/export/stats",
        [
            ("from", "2025-01-01"),
            ("to", "2026-01-01"),
            ("province_code", "PV27"),
            ("group_by", "role"),
            ("labels", "nl"),
        ],
    )
    svg = client.get("/statistieken/provincie.svg?jaar=2025")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    ET.fromstring(svg.text.split("?>", 1)[1])


def test_an_analyst_sees_only_statistics(analyst: Any) -> None:
    client, _ = analyst
    assert client.get("/", follow_redirects=False).headers["location"] == "/statistieken"
    for path in (f"/casus/{CASE}", "/audit", "/wachtrij", "/dienst", "/registraties"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Geen toegang" in response.text
    nav = client.get("/statistieken").text.split('aria-label="Hoofdmenu"')[1].split("</nav>")[0]
    assert re.findall(r'class="wb-nav__link" href="([^"]+)"', nav) == ["/statistieken"]


def test_each_role_gets_its_own_menu() -> None:
    with TestClient(console_app(), base_url="https://console.test") as client:
        sign_in_as(client, "coordinator-1")
        html = client.get("/sneltoetsen").text
    nav = html.split('aria-label="Hoofdmenu"')[1].split("</nav>")[0]
    assert re.findall(r'class="wb-nav__link" href="([^"]+)"', nav) == [
        "/",
        "/nieuwe-melding",
        "/wachtrij",
        "/dienst",
        "/statistieken",
        "/registraties",
        "/audit",
    ]


NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def summary(**changes: Any) -> dict[str, Any]:
    return {
        "incident_id": CASE,
        "status": "assigned",
        "escalations": 0,
        "urgency": "high",
        "reported_at": "2026-12-01T10:00:00+00:00",
        "types": ["threat"],
        "official": {"role": "mayor", "organisation_code": "GM0363"},
        "assignment": {
            "assignment_id": "a1",
            "adviser_id": "ngb-01",
            "pool": "ngb",
            "acknowledged_at": None,
            "ack_deadline": None,
        },
        **changes,
    }


def test_the_queue_says_why_each_case_needs_a_person() -> None:
    unroutable = summary(assignment=None, status="reported", unroutable=True)
    assert queue.classify(unroutable, now=NOW).reasons == ("unroutable",)  # type: ignore[union-attr]
    assert queue.classify(summary(assignment=None, status="reported"), now=NOW) is None
    failed = summary(escalations=2, page_failed=True, failed_advisers=["ngb-02"])
    found = queue.classify(failed, now=NOW)
    assert found is not None and found.reasons == ("paging_failed", "escalated")
    assert found.failed == ("ngb-02",)
    delivered = summary(escalations=1, page_failed=False, failed_advisers=["ngb-02"])
    assert queue.classify(delivered, now=NOW) is None
    acknowledged = summary(
        status="acknowledged",
        assignment={
            **summary()["assignment"],
            "acknowledged_at": (NOW - timedelta(hours=5)).isoformat(),
        },
        last_activity_at=(NOW - timedelta(hours=5)).isoformat(),
    )
    idle = queue.classify(acknowledged, now=NOW)
    assert idle is not None and idle.reasons == ("idle",) and idle.idle_hours == 5
    assert queue.classify({**acknowledged, "last_activity_at": NOW.isoformat()}, now=NOW) is None
    assert queue.classify(summary(status="in_progress"), now=NOW) is None


def test_the_queue_is_one_registry_query_a_reason_merged() -> None:
    asked = queue.queries(now=NOW, limit=200)
    assert [dict(q).get("unroutable") for q in asked] == ["true", None, None, None]
    assert ("page_failed", "true") in asked[1] and ("status", "acknowledged") not in asked[1]
    assert ("min_escalations", "2") in asked[2]
    assert dict(asked[3])["last_activity_before"] == (NOW - timedelta(hours=4)).isoformat()
    both = summary(incident_id="c2", escalations=3, page_failed=True, failed_advisers=["ngb-01"])
    merged = queue.queue([[both], [both], [summary()]], now=NOW)
    assert [q.reasons for q in merged] == [("paging_failed", "escalated")]


def answer(at: str, until: str | None, primary: list[str]) -> dict[str, Any]:
    return {
        "at": at,
        "pools": [
            {
                "pool": "ngb",
                "pool_name": "NGB",
                "until": until,
                "now": {"primary": primary, "backup": ["ngb-02"]},
                "next": None,
                "coordinator": "ngb-c",
                "gaps": [],
            }
        ],
    }


def test_the_week_on_call_follows_each_change_routing_names() -> None:
    start = duty.hour_start(date(2026, 12, 1), 0)
    at8, at20 = duty.hour_start(date(2026, 12, 1), 8), duty.hour_start(date(2026, 12, 1), 20)
    end = start + timedelta(days=1)
    readings = [
        (start, answer(start.isoformat(), at8.isoformat(), [])),
        (at8, answer(at8.isoformat(), at20.isoformat(), ["ngb-01"])),
        (at20, answer(at20.isoformat(), None, [])),
    ]
    assert duty.next_reading(readings[0][1], start, end) == at8
    assert duty.next_reading(readings[2][1], at20, end) == end
    (day,) = duty.week(duty.stretches(readings, end)["ngb"], date(2026, 12, 1), days=1)
    assert [(c.first_hour, c.hours, c.primary, c.gap) for c in day.cells] == [
        (0, 8, (), True),
        (8, 12, ("ngb-01",), False),
        (20, 4, (), True),
    ]
    assert day.name == "dinsdag 1-12"


def test_the_on_call_page_reads_the_week_and_shows_the_gaps() -> None:
    routing = FakeRouting(
        {
            None: {
                "at": NOW.isoformat(),
                "pools": [
                    {
                        "pool": "ngb",
                        "pool_name": "NGB — burgemeesters",
                        "until": None,
                        "next": None,
                        "now": {"primary": ["ngb-01"], "backup": []},
                        "coordinator": "ngb-c",
                        "gaps": [
                            {"from": "2026-12-02T19:00:00+00:00", "to": "2026-12-03T07:00:00+00:00"}
                        ],
                    }
                ],
            }
        }
    )
    with TestClient(console_app(routing=routing), base_url="https://console.test") as client:
        sign_in_as(client, "operator-1")
        html = client.get("/dienst").text
    assert "Gaten in de dienst" in html and "wo 02-12 20:00" in html
    assert (
        html.count('scope="row"') == 7
        and html.count('class="utrecht-table__header-cell wb-week__hour"') == 24
    )
    assert len(routing.asked) == 2  # now, and the week (nothing changes within it)
