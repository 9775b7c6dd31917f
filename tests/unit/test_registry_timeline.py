"""The registry's timeline names and details, the memo of derived values and the
statistics fact of a fold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.events import Event
from registry.domain.fold import fold
from registry.domain.timeline import TIMELINE_TYPES, timeline_entry
from tests.support.casework_events import one_of_each_event
from tests.support.events import (
    ASSIGNMENT_ID,
    CANARY_DESCRIPTION,
    CANARY_EMAIL,
    CANARY_NAME,
    CANARY_PHONE,
    INCIDENT_ID,
    T0,
    assigned,
    escalated,
    notification_failed,
    notification_sent,
    reported,
)

ID = str(INCIDENT_ID)


# --- timeline ---------------------------------------------------------------------------

PRODUCT_TIMELINE_TYPES = {
    "incident.reported": "reported",
    "adviser.assigned": "assigned",
    "notification.sent": "notification_sent",
    "notification.failed": "notification_failed",
    "assignment.acknowledged": "acknowledged",
    "assignment.escalated": "escalated",
    "action.recorded": "action_recorded",
    "incident.closed": "closed",
    "incident.reopened": "reopened",
}
"""The integration contract (docs/domain.md): the `type` of each timeline item."""


@pytest.mark.parametrize(("event_type", "name"), PRODUCT_TIMELINE_TYPES.items())
def test_timeline_types_are_the_product_names(event_type: str, name: str) -> None:
    assert TIMELINE_TYPES[event_type] == name
    (event,) = [e for e in one_of_each_event() if e.type == event_type]
    entry = timeline_entry(event)
    assert entry["type"] == name
    assert entry["at"] == event.occurred_at.isoformat()
    assert entry["event_id"] == str(event.event_id)
    assert entry["producer"] == event.producer


def test_every_event_type_has_a_timeline_name() -> None:
    for event in one_of_each_event():
        entry = timeline_entry(event)
        assert entry["type"] == TIMELINE_TYPES[event.type]
        assert "." not in entry["type"]


def test_timeline_details() -> None:
    entry = timeline_entry(assigned(at=T0))
    assert entry["adviser_id"] == "ngb-01"
    assert entry["pool"] == "ngb"
    assert entry["assignment_id"] == str(ASSIGNMENT_ID)
    assert entry["ack_deadline"] == (T0 + timedelta(minutes=15)).isoformat()
    assert timeline_entry(notification_sent())["attempt"] == 1
    failed = timeline_entry(notification_failed())
    assert (failed["attempts"], failed["error"]) == (8, "SMTPConnectError")
    assert timeline_entry(escalated())["escalation_level"] == 1


def test_reported_timeline_entry_holds_no_personal_data() -> None:
    entry = timeline_entry(reported(with_canaries=True))
    assert entry["source"] == "crisis_line"
    assert entry["urgency"] == "high"
    text = repr(entry)
    for secret in (CANARY_NAME, CANARY_PHONE, CANARY_EMAIL, CANARY_DESCRIPTION):
        assert secret not in text


def test_derived_values_are_remembered_by_the_event_object_not_its_id() -> None:
    from registry.domain.memo import ByIdentity as _ByIdentity

    calls: list[Event] = []

    def derive(event: Event) -> str:
        calls.append(event)
        return str(event.occurred_at)

    remembered = _ByIdentity(derive, size=2)
    first = reported()
    assert remembered(first) == remembered(first) and len(calls) == 1
    later = first.model_copy(update={"occurred_at": T0 + timedelta(hours=1)})
    assert remembered(later) == str(T0 + timedelta(hours=1)) and len(calls) == 2
    remembered(assigned())  # the oldest (first) is forgotten beyond two
    remembered(first)
    assert len(calls) == 4


def test_an_incident_fact_needs_its_report() -> None:
    from registry.domain.case_facts import incident_fact

    state = fold(ID, [assigned()])
    with pytest.raises(ValueError, match="no report"):
        incident_fact(state)
    assert incident_fact(fold(ID, [reported(), assigned()])).assigned == 1
