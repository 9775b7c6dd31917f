"""Form input and registry records for the console's unit tests: a posted form as the
console parses it, the minimum call, and an assigned case as the registry returns it."""

from __future__ import annotations

from typing import Any


def form(**values: str | list[str]) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in values.items()}


MINIMUM = form(
    role="mayor",
    organisation="Amsterdam (GM0363)",
    types=["threat"],
    urgency="high",
    description="Doodsbedreiging onder de livestream.",
)


def case(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "incident_id": "a",
        "status": "assigned",
        "urgency": "normal",
        "reported_at": "2026-11-20T20:00:00+00:00",
        "assignment": {
            "assignment_id": "x",
            "adviser_id": "ngb-01",
            "pool": "ngb",
            "ack_deadline": "2026-11-20T21:00:00+00:00",
            "acknowledged_at": None,
        },
        "timeline": [],
        "personal_data_erased_at": None,
    }
    record.update(changes)
    return record
