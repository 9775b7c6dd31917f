"""The console without servers for its oversight pages: fixed answers in place of the
registry and routing APIs, and a development sign-in as any of its users."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from console.adapters.sessions import MemorySessionStore
from console.bootstrap import create_app
from console.domain.problems import ApiProblem
from console.settings import ConsoleSettings

# A fixture data set as the registry answers an analyst (small cells suppressed)
STATS: dict[tuple[str, ...], list[dict[str, Any]]] = {
    (): [
        {
            "count": 57,
            "aangifte_rate": 0.3,
            "police_report_rate": 0.5,
            "escalation_rate": 0.1,
            "repeat_rate": None,
        }
    ],
    ("role",): [
        {"role": "mayor", "count": 40, "aangifte_rate": 0.25, "repeat_rate": 0.1},
        {"role": "alderman", "count": "<5", "aangifte_rate": None, "repeat_rate": None},
        {"role": "councillor", "count": 13, "aangifte_rate": 0.0, "repeat_rate": None},
    ],
    ("incident_type",): [
        {"incident_type": "threat", "count": 30},
        {"incident_type": "intimidation", "count": "<5"},
    ],
    ("channel",): [{"channel": "social_media", "count": 22}],
    ("province",): [{"province": "PV27", "count": 20}, {"province": "PV26", "count": "<5"}],
    ("month",): [
        {"month": "2026-01", "count": 12},
        {"month": "2026-02", "count": "<5"},
        {"month": "2026-04", "count": 9},
    ],
    ("source", "month"): [
        {"source": "crisis_line", "month": "2026-01", "count": 10},
        {"source": "municipal_registration", "month": "2026-01", "count": "<5"},
        {"source": "municipal_registration", "month": "2026-03", "count": 6},
    ],
    ("police_status",): [{"police_status": "none", "count": 30}],
    ("reason_not_reported",): [],
    ("pool",): [{"pool": "ngb", "count": 40, "escalation_rate": 0.125}],
}
ACKNOWLEDGEMENT = {
    "suppressed_below": 5,
    "pools": [
        {"pool": "ngb", "acknowledged": 30, "median_s": 120.0, "p90_s": 600.0},
        {"pool": "nvvr", "acknowledged": "<5", "median_s": None, "p90_s": None},
    ],
}


class FakeRegistry:
    """Answers the registry's reads from fixed data, remembering every request."""

    def __init__(self, incidents: list[dict[str, Any]] | None = None) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []
        self.items = incidents or []
        self.records: dict[str, dict[str, Any]] = {}

    async def get(self, path: str, *, token: str, params: Any = None) -> dict[str, Any]:
        params = list(params or [])
        self.calls.append((path, params))
        if path == "/v1/stats":
            group = tuple(v for k, v in params if k == "group_by")
            return {"group_by": list(group), "suppressed_below": 5, "cells": STATS[group]}
        if path == "/v1/stats/sets":
            groups = [tuple(v.split(",")) if v != "total" else () for k, v in params if k == "set"]
            return {
                "sets": [
                    {"group_by": list(g), "suppressed_below": 5, "cells": STATS[g]} for g in groups
                ]
            }
        if path == "/v1/stats/acknowledgement":
            return ACKNOWLEDGEMENT
        return {"items": [], "next_cursor": None}

    async def export_stats(self, *, token: str, params: Any) -> tuple[bytes, str]:
        self.calls.append(("/v1/export/stats", list(params)))
        return b"functie;aantal\r\nburgemeester;40\r\n", "text/csv; charset=utf-8"

    async def export_audit(self, *, token: str, params: Any) -> tuple[bytes, str]:
        self.calls.append(("/v1/export/audit", list(params)))
        return b"id,at,subject\r\n1,2026-12-01,coord-1\r\n", "text/csv; charset=utf-8"

    async def incidents(self, *, token: str, params: Any) -> dict[str, Any]:
        self.calls.append(("/v1/incidents", list(params)))
        return {"items": self.items, "next_cursor": None}

    async def incident(self, *, token: str, incident_id: str) -> dict[str, Any]:
        self.calls.append((f"/v1/incidents/{incident_id}", []))
        return self.records[incident_id]


class FakeRouting:
    def __init__(self, answers: dict[str | None, dict[str, Any]] | None = None) -> None:
        self.answers = answers or {}
        self.asked: list[str | None] = []

    async def oncall(self, *, token: str, at: str | None = None) -> dict[str, Any]:
        self.asked.append(at)
        return self.answers.get(at) or self.answers[None]


class FakeNotify:
    """Notify's operations API as the console sees it; `problem` makes every call fail."""

    def __init__(self, letters: list[dict[str, Any]] | None = None) -> None:
        self.letters = letters or []
        self.status_answer: dict[str, Any] = {
            "nats": True,
            "circuits": [
                {"channel": "email", "provider": "smtp", "state": "open"},
                {"channel": "sms", "provider": "alpha", "state": "closed"},
            ],
            "consumers": [
                {
                    "stream": "WEERBAAR_EVENTS",
                    "durable": "routing",
                    "num_pending": 0,
                    "num_ack_pending": 0,
                },
                {
                    "stream": "WEERBAAR_EVENTS",
                    "durable": "notify",
                    "num_pending": 250,
                    "num_ack_pending": 12,
                },
            ],
        }
        self.problem: ApiProblem | None = None
        self.redriven: list[int | None] = []
        self.tokens: list[str] = []

    def _check(self, token: str) -> None:
        self.tokens.append(token)
        if self.problem is not None:
            raise self.problem

    async def dead_letters(self, *, token: str, after: int = 0) -> dict[str, Any]:
        self._check(token)
        return {"items": [d for d in self.letters if d["seq"] > after], "next_after": None}

    async def status(self, *, token: str) -> dict[str, Any]:
        self._check(token)
        return self.status_answer

    async def redrive(self, *, token: str, seq: int | None) -> dict[str, Any]:
        self._check(token)
        self.redriven.append(seq)
        return {"redriven": [{"seq": d["seq"]} for d in self.letters]} if seq is None else {}


def console_app(
    registry: Any = None, routing: Any = None, notify: Any = None, **settings_values: Any
) -> Any:
    settings = ConsoleSettings(_env_file=None, **settings_values)  # type: ignore[call-arg]
    app = create_app(settings, store=MemorySessionStore(), connect=False)
    if registry is not None:
        app.state.console.registry = registry
    if routing is not None:
        app.state.console.routing = routing
    if notify is not None:
        app.state.console.notify = notify
    return app


def sign_in_as(client: TestClient, user: str) -> None:
    """Sign in on the development page as `operator-1`, `analyst-1`, `coordinator-1`..."""
    client.get("/aanmelden")
    token = client.cookies.get("weerbaar_sign_in")
    response = client.post(
        "/aanmelden",
        data={"sign_in_token": token, "user": user, "return_to": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
