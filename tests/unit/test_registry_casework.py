"""The registry's fold of case work: facts that change, hand assignment, decline,
shortened deadlines and follow-up calls."""

from __future__ import annotations

import uuid
from datetime import timedelta

from contracts.events import AssignmentEscalated, IncidentReported
from registry.domain.case_facts import incident_fact
from registry.domain.facts import encode
from registry.domain.fold import fold
from registry.domain.timeline import timeline
from tests.support.casework_events import deadline_shortened, details_updated
from tests.support.events import ASSIGNMENT_ID, INCIDENT_ID, T0, assigned, envelope, reported

ID = str(INCIDENT_ID)


def test_an_aangifte_after_the_call_is_what_the_statistics_count() -> None:
    report = reported(at=T0)
    later = details_updated(
        at=T0 + timedelta(days=2),
        police={"status": "aangifte", "vpt_flag": True, "reported_by_organisation": True},
        urgency="acute",
        types=["stalking"],
    )
    before = fold(ID, [report])
    state = fold(ID, [later, report])  # in any order
    v = state.details
    assert v is not None
    assert (v.police_status, v.reason_not_reported) == ("aangifte", None)
    assert v.police_vpt_flag is True and v.police_reported_by_organisation is True
    assert (v.urgency, v.types) == ("acute", ("stalking",))
    fact = incident_fact(state).dimensions
    assert (fact.aangifte, fact.police_report) == (1, 1)
    assert fact.urgency == encode("urgency", "acute")
    assert fact.reported_at == incident_fact(before).dimensions.reported_at
    assert incident_fact(before).dimensions.aangifte == 0


def test_the_timeline_shows_only_the_facts_that_changed() -> None:
    report = reported(at=T0)
    first = details_updated(at=T0 + timedelta(hours=1), urgency="high", needs=["legal_aid"])
    second = details_updated(at=T0 + timedelta(hours=2), n=1, urgency="acute")
    entries = [e for e in timeline([second, report, first]) if e["type"] == "details_updated"]
    assert [e["changes"] for e in entries] == [{"needs": ["legal_aid"]}, {"urgency": "acute"}]
    assert entries[0]["updated_by"] == "operator"


def test_a_handover_is_no_escalation_and_a_shortened_deadline_shows() -> None:
    handover = AssignmentEscalated(
        **envelope("handover", at=T0 + timedelta(seconds=5), producer="routing"),
        previous_assignment_id=ASSIGNMENT_ID,
        previous_adviser_id="ngb-01",
        next_adviser_id="ngb-02",
        reason="reassigned",
        escalation_level=1,
    )
    shortened = deadline_shortened(at=T0 + timedelta(seconds=2))
    state = fold(ID, [reported(at=T0), assigned(at=T0 + timedelta(seconds=1)), shortened])
    assert state.ack_deadline == shortened.ack_deadline
    with_handover = fold(ID, [reported(at=T0), assigned(at=T0), handover])
    assert with_handover.escalations == 0
    assert incident_fact(with_handover).escalated == 0


def test_a_follow_up_call_counts_as_a_repeat() -> None:
    earlier = uuid.uuid4()
    report = reported(at=T0)
    follow_up = IncidentReported.model_validate(
        {**report.model_dump(), "related_incident_id": earlier}
    )
    state = fold(ID, [follow_up])
    assert state.details is not None
    assert state.details.related_incident_id == str(earlier)
    assert incident_fact(state).dimensions.repeat == 1
    assert incident_fact(fold(ID, [report])).dimensions.repeat == 0
    (entry,) = timeline([follow_up])
    assert entry["related_incident_id"] == str(earlier)
