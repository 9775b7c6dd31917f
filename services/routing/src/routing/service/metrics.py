"""Routing's statistics, counted by the use cases."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ASSIGNMENTS = Counter(
    "weerbaar_routing_assignments_total",
    "First assignments: fallback is true when the role's own pool had nobody and the "
    "fallback pool (BZK) took it; relaxed says which rule was relaxed (capacity, "
    "coordinator) or no",
    ["pool", "urgency", "fallback", "relaxed"],
)
UNROUTABLE = Counter("weerbaar_routing_unroutable_total", "Incidents nobody could be assigned to")
ESCALATIONS = Counter(
    "weerbaar_routing_escalations_total", "Assignments escalated", ["pool", "reason"]
)
HAND_ASSIGNMENTS = Counter(
    "weerbaar_routing_hand_assignments_total", "Hand assignments by outcome", ["outcome"]
)
DEADLINES_SHORTENED = Counter(
    "weerbaar_routing_deadlines_shortened_total", "Deadlines shortened by a raised urgency"
)
REMINDERS = Counter("weerbaar_routing_reminders_total", "Idle-case reminders", ["recipient"])
TIME_TO_ACK = Histogram(
    "weerbaar_routing_time_to_acknowledge_seconds",
    "From first assignment to acknowledgement",
    ["pool", "urgency"],
    buckets=(5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200),
)
OPEN_UNACKNOWLEDGED = Gauge(
    "weerbaar_routing_open_unacknowledged", "Assigned incidents nobody has acknowledged yet"
)
COVERAGE_GAP = Gauge(
    "weerbaar_routing_coverage_gap_seconds",
    "Seconds in the next 14 days without a primary on call",
    ["pool"],
)
ROSTER_RELOADS = Counter("weerbaar_routing_roster_reloads_total", "Roster reloads", ["outcome"])
