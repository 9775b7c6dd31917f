"""The statistics page (analysts, operators, coordinators): the registry's figures as
server-side SVG charts with their tables, and downloads as CSV, SVG and PNG."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from console.adapters.png import chart_png
from console.domain import figures
from console.domain.charts import SUPPRESSED
from console.domain.labels import options
from console.domain.session import Session
from console.domain.statistics import CHART_BY_NAME, CHARTS, StatsFilters, provinces
from console.entrypoints.web import Console
from console.service import oversight

READERS = ("analyst", "operator", "coordinator")
NAME = re.compile(r"^[a-z-]{1,20}$")


def _query(request: Request) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    return values


def install(app: FastAPI, console: Console) -> None:
    console.templates.globals.update(suppressed_text=SUPPRESSED)

    async def views(request: Request) -> tuple[Session, StatsFilters, dict[str, Any]]:
        session = await console.require(request, roles=READERS)
        filters = StatsFilters.from_query(_query(request))
        found = await oversight.statistics(
            registry=console.registry, session=session, filters=filters
        )
        charts = {
            spec.name: figures.chart(spec, found.charts[spec.name], filters, session.language)
            for spec in CHARTS
        }
        charts["bevestiging"] = figures.acknowledgement(found.acknowledgement, session.language)
        return session, filters, {"charts": charts, "overall": figures.overall(found.overall)}

    @app.get("/statistieken", response_class=HTMLResponse)
    async def statistics(request: Request) -> Response:
        session, filters, shown = await views(request)
        language = session.language
        return console.page(
            request,
            session,
            "statistics.html",
            filters=filters,
            provinces=provinces(),
            roles=options("role", language),
            sources=options("source", language),
            order=[
                "maand",
                "bron-maand",
                "functie",
                "soort",
                "kanaal",
                "provincie",
                "politie",
                "reden",
                "aangifte",
                "bevestiging",
                "escalatie",
                "herhaling",
            ],
            nav="stats",
            **shown,
        )

    @app.get("/statistieken/{name}.svg")
    async def chart_svg(request: Request, name: str) -> Response:
        if not NAME.match(name) or (name not in CHART_BY_NAME and name != "bevestiging"):
            return HTMLResponse("", status_code=404)
        session, _, shown = await views(request)
        charts = shown["charts"]
        svg = console.templates.get_template("chart.svg").render(
            console.context(request, session, view=charts[name])
        )
        return Response(
            svg,
            media_type="image/svg+xml",
            headers={"Content-Disposition": f'attachment; filename="weerbaar-{name}.svg"'},
        )

    @app.get("/statistieken/{name}.png")
    async def chart_as_png(request: Request, name: str) -> Response:
        """The chart as PNG, drawn from the same geometry as its SVG (a suppressed cell
        without a bar or a point there too)."""
        if not NAME.match(name) or (name not in CHART_BY_NAME and name != "bevestiging"):
            return HTMLResponse("", status_code=404)
        _, _, shown = await views(request)
        return Response(
            chart_png(shown["charts"][name]),
            media_type="image/png",
            headers={"Content-Disposition": f'attachment; filename="weerbaar-{name}.png"'},
        )

    @app.get("/statistieken/{name}.csv")
    async def chart_csv(request: Request, name: str) -> Response:
        """The registry's `GET /v1/export/stats` for this chart and these filters, as
        the registry wrote it: suppressed the same way, and audited there."""
        session = await console.require(request, roles=READERS)
        if name == "totaal":
            group_by: tuple[str, ...] = ()
        elif NAME.match(name) and name in CHART_BY_NAME:
            group_by = CHART_BY_NAME[name].group_by
        else:
            return HTMLResponse("", status_code=404)
        filters = StatsFilters.from_query(_query(request))
        params = [
            *filters.api_params(),
            *(("group_by", g) for g in group_by),
            ("labels", "nl" if session.language == "nl" else "codes"),
        ]
        body, media_type = await oversight.stats_csv(
            registry=console.registry, session=session, params=params
        )
        return Response(
            body,
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="weerbaar-{name}.csv"'},
        )
