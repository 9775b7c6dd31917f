"""Intake's access rules in its service layer: who may act on which case, with an
in-memory lookup; and the one translation of their refusals into problems."""

from __future__ import annotations

import uuid

import pytest

from contracts.events import IncidentReported
from contracts.tokens import AckClaim
from intake.domain.case import Caller
from intake.domain.commands import (
    Acknowledge,
    AssignByHand,
    Decline,
    RecordAction,
    RegisterIncident,
    ReportIncident,
    UpdateDetails,
)
from intake.domain.errors import (
    AlreadyAcknowledgedError,
    CaseNotFoundError,
    NotPermittedError,
    RelatedIncidentError,
    SupersededError,
)
from intake.entrypoints.problems import COMMANDS, Problems
from intake.service.casework import Casework
from intake.service.intake import Intake, RegistrationExistsError
from intake.service.ports import PublishFailedError
from tests.support.events import INCIDENT_ID, assigned, incident_body
from tests.support.fakes import MemoryIdempotencyStore, RecordingPublisher
from tests.support.intake import ID_KEY, SECRET, MemoryIncidentLookup, ack_token, registration_body
from tests.support.sealing import PLAIN
from weerbaar_runtime.http import ProblemError

OPERATOR = Caller(actor="operator")
FIRST = Caller(actor="adviser", adviser_id="ngb-01")
SECOND = Caller(actor="adviser", adviser_id="ngb-02")
STRANGER = Caller(actor="adviser", adviser_id="ngb-09")
MOVED = uuid.UUID("00000000-0000-4000-8000-000000000003")


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def lookup() -> MemoryIncidentLookup:
    """INCIDENT_ID assigned to ngb-01 first, then moved on to ngb-02."""
    lookup = MemoryIncidentLookup()
    lookup.assign(assigned())
    lookup.assign(assigned(adviser_id="ngb-02", assignment_id=MOVED, n=1))
    return lookup


@pytest.fixture
def casework(publisher: RecordingPublisher, lookup: MemoryIncidentLookup) -> Casework:
    intake = Intake(
        publisher=publisher,
        idempotency=MemoryIdempotencyStore(),
        ack_secret=SECRET,
        id_key=ID_KEY,
        sealer=PLAIN,
    )
    return Casework(intake=intake, lookup=lookup)


async def test_an_adviser_never_assigned_the_case_does_not_find_it(
    casework: Casework, publisher: RecordingPublisher
) -> None:
    with pytest.raises(CaseNotFoundError):
        await casework.record_action(
            incident_id=INCIDENT_ID,
            request=RecordAction(kind="contact"),
            caller=STRANGER,
            idempotency_key=None,
        )
    with pytest.raises(CaseNotFoundError):
        await casework.record_action(
            incident_id=uuid.uuid4(),
            request=RecordAction(kind="contact"),
            caller=OPERATOR,
            idempotency_key=None,
        )
    assert publisher.events == []


async def test_an_adviser_assigned_before_records_as_themselves_but_changes_no_facts(
    casework: Casework, publisher: RecordingPublisher
) -> None:
    event = await casework.record_action(
        incident_id=INCIDENT_ID,
        request=RecordAction(kind="contact", adviser_id="ngb-02"),
        caller=FIRST,
        idempotency_key=None,
    )
    assert event.adviser_id == "ngb-01"  # type: ignore[attr-defined]
    with pytest.raises(CaseNotFoundError):
        await casework.update_details(
            incident_id=INCIDENT_ID,
            request=UpdateDetails(urgency="acute"),
            caller=FIRST,
            idempotency_key=None,
        )
    updated = await casework.update_details(
        incident_id=INCIDENT_ID,
        request=UpdateDetails(urgency="acute"),
        caller=SECOND,
        idempotency_key=None,
    )
    assert (updated.updated_by, updated.adviser_id) == ("adviser", "ngb-02")  # type: ignore[attr-defined]
    assert publisher.events == [event, updated]


async def test_only_the_current_adviser_declines_and_not_once_acknowledged(
    casework: Casework, lookup: MemoryIncidentLookup
) -> None:
    with pytest.raises(SupersededError) as superseded:
        await casework.decline(incident_id=INCIDENT_ID, request=Decline(), caller=FIRST)
    assert superseded.value.current is not None
    assert superseded.value.current.assignment_id == MOVED
    declined = await casework.decline(incident_id=INCIDENT_ID, request=Decline(), caller=OPERATOR)
    assert declined.declined_by == "operator"  # type: ignore[attr-defined]
    lookup.acknowledged_ids.add(MOVED)
    with pytest.raises(AlreadyAcknowledgedError):
        await casework.decline(incident_id=INCIDENT_ID, request=Decline(), caller=SECOND)


async def test_an_adviser_acknowledges_only_their_current_assignment(
    casework: Casework,
) -> None:
    with pytest.raises(SupersededError):
        await casework.acknowledge(
            incident_id=INCIDENT_ID, request=Acknowledge(), caller=FIRST, idempotency_key=None
        )
    event = await casework.acknowledge(
        incident_id=INCIDENT_ID, request=Acknowledge(), caller=SECOND, idempotency_key=None
    )
    assert (event.assignment_id, event.adviser_id) == (MOVED, "ngb-02")  # type: ignore[attr-defined]


async def test_a_follow_up_call_names_an_existing_case_not_erased(
    casework: Casework, lookup: MemoryIncidentLookup, publisher: RecordingPublisher
) -> None:
    for related in (uuid.uuid4(), INCIDENT_ID):
        if related == INCIDENT_ID:
            lookup.erased_ids.add(INCIDENT_ID)
        request = ReportIncident.model_validate(incident_body(related_incident_id=str(related)))
        with pytest.raises(RelatedIncidentError):
            await casework.report(request=request, idempotency_key=None)
    assert publisher.events == []
    lookup.erased_ids.clear()
    event = await casework.report(request=request, idempotency_key=None)
    assert isinstance(event, IncidentReported)
    assert event.related_incident_id == INCIDENT_ID


async def test_a_system_registers_for_its_own_organisation_only(
    casework: Casework, publisher: RecordingPublisher
) -> None:
    request = RegisterIncident.model_validate(registration_body())
    with pytest.raises(NotPermittedError, match="another organisation"):
        await casework.register(request=request, organisation_code="GM0014")
    assert publisher.events == []
    registration, _ = await casework.register(request=request, organisation_code="GM0363")
    assert publisher.events == [registration]


async def test_assigning_an_unknown_case_is_not_found(casework: Casework) -> None:
    with pytest.raises(CaseNotFoundError):
        await casework.assign(
            incident_id=INCIDENT_ID,
            request=AssignByHand(adviser_id="ngb-02"),
            requested_by="operator",
            idempotency_key=None,
        )


async def test_a_link_says_where_its_case_stands(
    casework: Casework, lookup: MemoryIncidentLookup
) -> None:
    old = casework.claim(ack_token(assigned().assignment_id))
    current = AckClaim(incident_id=INCIDENT_ID, assignment_id=MOVED, expires_at=old.expires_at)
    assert await casework.link_state(claim=old) == "superseded"
    assert await casework.link_state(claim=current) == "open"
    with pytest.raises(SupersededError):
        await casework.decline_by_link(claim=old)
    lookup.acknowledged_ids.add(MOVED)
    assert await casework.link_state(claim=current) == "acknowledged"
    lookup.closed_ids.add(INCIDENT_ID)
    assert await casework.link_state(claim=current) == "closed"


@pytest.mark.parametrize(
    ("error", "status", "title", "outcome"),
    [
        (RegistrationExistsError(), 409, "Registration exists", "conflict"),
        (SupersededError(None), 409, "Assignment superseded", "superseded"),
        (AlreadyAcknowledgedError(MOVED), 409, "Already acknowledged", "acknowledged"),
        (CaseNotFoundError(INCIDENT_ID), 404, "Not found", "not_found"),
        (RelatedIncidentError(INCIDENT_ID), 422, "Invalid request", "invalid"),
        (PublishFailedError("TimeoutError"), 503, "Service unavailable", "unavailable"),
    ],
)
async def test_each_refusal_answers_one_way_and_is_counted(
    error: Exception, status: int, title: str, outcome: str
) -> None:
    counted = COMMANDS.labels("test", outcome)
    before = counted._value.get()

    async def refused() -> None:
        raise error

    with pytest.raises(ProblemError) as raised:
        await Problems(retry_after_s=7).run("test", refused())
    problem = raised.value
    assert (problem.status, problem.title) == (status, title)
    assert problem.__cause__ is error
    assert counted._value.get() == before + 1
    if status == 503:
        assert problem.headers == {"Retry-After": "7"}
