"""The coordinators' queue: what needs a person now, and why.

From the registry's case list alone, which carries what the queue needs: whether
routing could place the case, whether its last page failed on every channel (and
whose pages failed), how often it escalated, when a person last did something on it.
The registry filters on each of these (`queries`); the queue merges the answers. Pure:
list items in, reasons out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from console.domain.cases import parse_moment

IDLE_AFTER = timedelta(hours=4)
REASONS = ("unroutable", "paging_failed", "escalated", "idle")
REASON_NL = {
    "unroutable": "Niet te routeren: niemand toegewezen",
    "paging_failed": "Pagen mislukt op elk kanaal",
    "escalated": "Meer dan eens geëscaleerd",
    "idle": "Bevestigd, maar lang geen actie",
}
REASON_EN = {
    "unroutable": "Unroutable: nobody assigned",
    "paging_failed": "Paging failed on every channel",
    "escalated": "Escalated more than once",
    "idle": "Acknowledged, no action for long",
}


OPEN = ("reported", "assigned", "acknowledged", "in_progress")
UNACKNOWLEDGED = ("reported", "assigned")


def queries(*, now: datetime, limit: int) -> list[list[tuple[str, str]]]:
    """The registry list queries whose answers together are the queue: one per reason."""
    page = [("limit", str(limit))]
    open_cases = [("status", s) for s in OPEN]
    return [
        [*open_cases, ("unroutable", "true"), *page],
        [*(("status", s) for s in UNACKNOWLEDGED), ("page_failed", "true"), *page],
        [*open_cases, ("min_escalations", "2"), *page],
        [
            ("status", "acknowledged"),
            ("last_activity_before", (now - IDLE_AFTER).isoformat()),
            *page,
        ],
    ]


@dataclass(frozen=True, slots=True)
class QueueItem:
    record: Mapping[str, Any]
    reasons: tuple[str, ...]
    failed: tuple[str, ...] = ()
    idle_hours: int | None = None

    @property
    def incident_id(self) -> str:
        return str(self.record["incident_id"])

    @property
    def needs_assignment(self) -> bool:
        return "unroutable" in self.reasons or "paging_failed" in self.reasons


def classify(item: Mapping[str, Any], *, now: datetime) -> QueueItem | None:
    """Why this case (a list item or the record) is in the queue, or None when not."""
    if item.get("status") == "closed":
        return None
    reasons: list[str] = []
    assignment = item.get("assignment") or {}
    if item.get("unroutable"):
        reasons.append("unroutable")
    failed = tuple(str(a) for a in item.get("failed_advisers") or [])
    if item.get("page_failed") and not assignment.get("acknowledged_at"):
        reasons.append("paging_failed")
    if int(item.get("escalations") or 0) >= 2:
        reasons.append("escalated")
    idle_hours = None
    last = parse_moment(item.get("last_activity_at")) or parse_moment(
        assignment.get("acknowledged_at")
    )
    if item.get("status") == "acknowledged" and last and now - last > IDLE_AFTER:
        reasons.append("idle")
        idle_hours = int((now - last).total_seconds() // 3600)
    if not reasons:
        return None
    return QueueItem(item, tuple(reasons), failed, idle_hours)


def queue(answers: Iterable[Sequence[Mapping[str, Any]]], *, now: datetime) -> list[QueueItem]:
    """The queue from the answers of `queries` (a case may be in several), most
    pressing first: by reason, then oldest report first."""
    merged = {str(item["incident_id"]): item for items in answers for item in items}
    found = [q for item in merged.values() if (q := classify(item, now=now)) is not None]
    return sorted(
        found,
        key=lambda q: (REASONS.index(q.reasons[0]), str(q.record.get("reported_at") or "")),
    )


def counts(found: Sequence[QueueItem]) -> dict[str, int]:
    """How many cases have each reason (a case may have several)."""
    return {reason: sum(1 for q in found if reason in q.reasons) for reason in REASONS}


def reason_text(reason: str, language: str = "nl") -> str:
    return (REASON_NL if language == "nl" else REASON_EN).get(reason, reason)
