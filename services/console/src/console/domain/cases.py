"""Cases as the console shows them: board order, deadlines in words, what was paged,
what a user may do next, and what needs doing on an adviser's own list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from contracts.vocabulary import IncidentType, Role, Status, Urgency

URGENCY_RANK = {"acute": 0, "high": 1, "normal": 2}
OPEN_STATUSES = ("reported", "assigned", "acknowledged", "in_progress")
IDLE_AFTER = timedelta(hours=4)

BOARD_FILTERS: dict[str, set[str]] = {
    "status": {str(s) for s in Status},
    "urgency": {str(u) for u in Urgency},
    "role": {str(r) for r in Role},
    "incident_type": {str(t) for t in IncidentType},
}


@dataclass(frozen=True, slots=True)
class BoardFilters:
    """What the board shows; kept in the URL so it survives a visit to a case."""

    status: tuple[str, ...] = OPEN_STATUSES
    urgency: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    incident_type: tuple[str, ...] = ()
    organisation_code: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Sequence[str]]) -> BoardFilters:
        """Unknown values are dropped (a hand-edited URL never breaks the board)."""
        chosen = {
            name: tuple(v for v in query.get(name, ()) if v in allowed)
            for name, allowed in BOARD_FILTERS.items()
        }
        if not chosen["status"] and "status" not in query:
            chosen["status"] = OPEN_STATUSES
        organisation = next(iter(query.get("organisation_code", ())), None)
        return cls(**chosen, organisation_code=organisation or None)

    def api_params(self) -> list[tuple[str, str]]:
        """The registry's `GET /v1/incidents` query for these filters."""
        params = [(name, value) for name in BOARD_FILTERS for value in getattr(self, name)]
        if self.organisation_code:
            params.append(("organisation_code", self.organisation_code))
        return params

    def query_string(self) -> str:
        """For links back to the board with the same filters."""
        return urlencode(self.api_params())

    @property
    def shows_only_open(self) -> bool:
        return set(self.status) == set(OPEN_STATUSES)


def board_order(items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Cases without an adviser first (nobody is on them), then by urgency, then the
    nearest acknowledgement deadline, then newest."""

    def key(item: Mapping[str, Any]) -> tuple[int, int, str, str]:
        assignment = item.get("assignment")
        unassigned = 0 if assignment is None and item.get("status") != "closed" else 1
        deadline = (assignment or {}).get("ack_deadline") or "9999"
        waiting = deadline if assignment and not assignment.get("acknowledged_at") else "9999"
        reported = str(item.get("reported_at") or "")
        newest_first = "".join(chr(0x10FFFF - ord(c)) for c in reported)
        return (unassigned, URGENCY_RANK.get(str(item.get("urgency")), 3), waiting, newest_first)

    return sorted(items, key=key)


def parse_moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def remaining(deadline: datetime, now: datetime, language: str = "nl") -> str:
    """How long until the deadline, in words ("nog 12 min", "3 min te laat")."""
    seconds = int((deadline - now).total_seconds())
    late = seconds < 0
    minutes = abs(seconds) // 60
    if minutes >= 120:
        amount = f"{minutes // 60} u" if language == "nl" else f"{minutes // 60} h"
    elif minutes >= 1:
        amount = f"{minutes} min"
    else:
        amount = f"{abs(seconds)} s"
    if language == "en":
        return f"{amount} overdue" if late else f"{amount} left"
    return f"{amount} te laat" if late else f"nog {amount}"


@dataclass(frozen=True, slots=True)
class Paging:
    """What the case page says about the current assignment's page."""

    state: str  # "waiting" | "paged" | "failed" | "acknowledged" | "unassigned"
    adviser_id: str | None = None
    channel: str | None = None
    at: str | None = None


def paging(record: Mapping[str, Any]) -> Paging:
    """Whether the current adviser was paged and has acknowledged, from the timeline."""
    assignment = record.get("assignment")
    if not assignment:
        return Paging("unassigned")
    if assignment.get("acknowledged_at"):
        return Paging("acknowledged", assignment["adviser_id"], at=assignment["acknowledged_at"])
    current = assignment.get("assignment_id")
    state = Paging("waiting", assignment["adviser_id"])
    for entry in record.get("timeline", []):
        if entry.get("assignment_id") != current or entry.get("purpose", "page") != "page":
            continue
        if entry["type"] == "notification_sent":
            state = Paging("paged", entry.get("adviser_id"), entry.get("channel"), entry.get("at"))
        elif entry["type"] == "notification_failed" and state.state != "paged":
            state = Paging("failed", entry.get("adviser_id"), entry.get("channel"), entry.get("at"))
    return state


@dataclass(frozen=True, slots=True)
class Capabilities:
    """The case-work commands the APIs offer, read from their OpenAPI documents: an API
    of an older version simply offers fewer actions."""

    details: bool = False
    assign: bool = False
    decline: bool = False
    oncall: bool = False
    preview: bool = False
    related: bool = False


@dataclass(frozen=True, slots=True)
class Actions:
    """What this user may do on this case now."""

    acknowledge: bool
    decline: bool
    record_action: bool
    update_details: bool
    assign: bool
    close: bool
    reopen: bool
    erase: bool
    follow_up: bool


def actions(
    record: Mapping[str, Any], *, role: str, adviser_id: str | None, capabilities: Capabilities
) -> Actions:
    """The APIs decide in the end; this only leaves out what would surely be refused."""
    status = record.get("status")
    closed = status == "closed"
    assignment = record.get("assignment") or {}
    mine_now = role == "adviser" and assignment.get("adviser_id") == adviser_id
    desk = role in ("operator", "coordinator")
    unacknowledged = bool(assignment) and not assignment.get("acknowledged_at")
    erased = record.get("personal_data_erased_at") is not None
    return Actions(
        acknowledge=not closed and unacknowledged and (desk or mine_now),
        decline=capabilities.decline and not closed and unacknowledged and (desk or mine_now),
        record_action=not closed and (desk or mine_now),
        update_details=capabilities.details and not closed and (desk or mine_now),
        assign=capabilities.assign and not closed and desk,
        close=not closed and (desk or mine_now),
        reopen=closed and (desk or role == "adviser"),
        erase=desk and not erased,
        follow_up=desk and not erased,
    )


def needs_doing(
    item: Mapping[str, Any], *, adviser_id: str | None, now: datetime, language: str = "nl"
) -> str | None:
    """What an adviser must do about one of their cases, or None."""
    assignment = item.get("assignment") or {}
    if item.get("status") == "closed" or assignment.get("adviser_id") != adviser_id:
        return None
    if not assignment.get("acknowledged_at"):
        deadline = parse_moment(assignment.get("ack_deadline"))
        when = f" ({remaining(deadline, now, language)})" if deadline else ""
        return ("Nog niet bevestigd" if language == "nl" else "Not yet acknowledged") + when
    acknowledged = parse_moment(assignment["acknowledged_at"])
    if item.get("status") == "acknowledged" and acknowledged and now - acknowledged > IDLE_AFTER:
        hours = int((now - acknowledged).total_seconds() // 3600)
        if language == "en":
            return f"No action for {hours} h"
        return f"Al {hours} uur geen actie"
    return None
