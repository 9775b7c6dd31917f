"""Intake: reporting, the follow-up commands and acknowledging, with in-memory ports."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from contracts.events import IncidentReported
from contracts.vocabulary import Source, Urgency
from intake.domain.commands import (
    Acknowledge,
    CloseIncident,
    RecordAction,
    RegisterIncident,
    ReopenIncident,
    ReportIncident,
)
from intake.domain.errors import InvalidLinkError, SupersededError
from intake.service.intake import Intake, fingerprint
from intake.service.ports import IdempotencyConflictError
from tests.support.events import INCIDENT_ID, assigned, incident_body
from tests.support.fakes import (
    ConflictingIdempotencyStore,
    MemoryIdempotencyStore,
    RecordingPublisher,
)
from tests.support.intake import ID_KEY, SECRET, ack_token, registration_body
from tests.support.sealing import PLAIN


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def store() -> MemoryIdempotencyStore:
    return MemoryIdempotencyStore()


@pytest.fixture
def intake(publisher: RecordingPublisher, store: MemoryIdempotencyStore) -> Intake:
    return Intake(
        publisher=publisher,
        idempotency=store,
        ack_secret=SECRET,
        id_key=ID_KEY,
        sealer=PLAIN,
    )


# --- report_incident --------------------------------------------------------------------


def _report(**overrides: Any) -> ReportIncident:
    return ReportIncident.model_validate(incident_body(**overrides))


async def test_report_publishes_one_incident_reported(
    intake: Intake, publisher: RecordingPublisher
) -> None:
    request = _report()
    event = await intake.report_incident(request=request, idempotency_key="key-1")
    assert publisher.events == [event]
    assert isinstance(event, IncidentReported)
    assert event.producer == "intake"
    assert event.source is Source.CRISIS_LINE
    assert event.official == request.official
    assert event.incident == request.incident
    assert event.urgency is Urgency.HIGH
    assert event.occurred_at.utcoffset() is not None


async def test_same_key_and_body_give_the_same_ids(intake: Intake) -> None:
    first = await intake.report_incident(request=_report(), idempotency_key="key-1")
    again = await intake.report_incident(request=_report(), idempotency_key="key-1")
    assert again.incident_id == first.incident_id
    assert again.event_id == first.event_id


async def test_same_key_same_ids_across_instances() -> None:
    """The ids come from the stored seed, not from anything in the process."""
    store = MemoryIdempotencyStore()
    one = Intake(
        publisher=RecordingPublisher(),
        idempotency=store,
        ack_secret=SECRET,
        id_key=ID_KEY,
        sealer=PLAIN,
    )
    two = Intake(
        publisher=RecordingPublisher(),
        idempotency=store,
        ack_secret=SECRET,
        id_key=ID_KEY,
        sealer=PLAIN,
    )
    first = await one.report_incident(request=_report(), idempotency_key="key-1")
    again = await two.report_incident(request=_report(), idempotency_key="key-1")
    assert (again.incident_id, again.event_id) == (first.incident_id, first.event_id)


async def test_different_keys_give_different_ids(intake: Intake) -> None:
    first = await intake.report_incident(request=_report(), idempotency_key="key-1")
    other = await intake.report_incident(request=_report(), idempotency_key="key-2")
    assert other.incident_id != first.incident_id
    assert other.event_id != first.event_id


async def test_no_key_gives_a_new_incident_every_time(intake: Intake) -> None:
    first = await intake.report_incident(request=_report(), idempotency_key=None)
    other = await intake.report_incident(request=_report(), idempotency_key=None)
    assert other.incident_id != first.incident_id


async def test_same_key_other_body_is_a_conflict(
    intake: Intake, publisher: RecordingPublisher
) -> None:
    await intake.report_incident(request=_report(), idempotency_key="key-1")
    with pytest.raises(IdempotencyConflictError):
        await intake.report_incident(request=_report(urgency="acute"), idempotency_key="key-1")
    assert len(publisher.events) == 1


async def test_a_conflict_from_the_store_propagates_and_nothing_is_published() -> None:
    publisher = RecordingPublisher()
    intake = Intake(
        publisher=publisher,
        idempotency=ConflictingIdempotencyStore(),
        ack_secret=SECRET,
        id_key=ID_KEY,
        sealer=PLAIN,
    )
    with pytest.raises(IdempotencyConflictError):
        await intake.report_incident(request=_report(), idempotency_key="key-1")
    with pytest.raises(IdempotencyConflictError):
        await intake.register(request=RegisterIncident.model_validate(registration_body()))
    with pytest.raises(IdempotencyConflictError):
        await intake.acknowledge(
            incident_id=INCIDENT_ID, request=Acknowledge(), current=None, idempotency_key="key-1"
        )
    assert publisher.events == []


async def test_the_store_key_does_not_reveal_the_client_key(
    intake: Intake, store: MemoryIdempotencyStore
) -> None:
    await intake.report_incident(request=_report(), idempotency_key="client-secret-key")
    (key,) = store.records
    assert "client-secret-key" not in key


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    body = incident_body()
    reordered = dict(reversed(list(body.items())))
    assert fingerprint("incidents", ReportIncident.model_validate(body)) == fingerprint(
        "incidents", ReportIncident.model_validate(reordered)
    )
    assert fingerprint("incidents", _report()) != fingerprint("incidents", _report(urgency="acute"))
    assert fingerprint("incidents", _report()) != fingerprint("close", _report())


# --- follow-up commands -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "request_model", "event_type"),
    [
        ("record_action", RecordAction(kind="security"), "action.recorded"),
        ("close", CloseIncident(summary="Afgerond."), "incident.closed"),
        ("reopen", ReopenIncident(reason="Nieuwe dreiging."), "incident.reopened"),
    ],
)
async def test_follow_up_commands_are_idempotent_per_incident(
    intake: Intake, method: str, request_model: Any, event_type: str
) -> None:
    use_case = getattr(intake, method)
    first = await use_case(incident_id=INCIDENT_ID, request=request_model, idempotency_key="k")
    again = await use_case(incident_id=INCIDENT_ID, request=request_model, idempotency_key="k")
    other = await use_case(incident_id=INCIDENT_ID, request=request_model, idempotency_key="k2")
    elsewhere_id = uuid.UUID(int=INCIDENT_ID.int + 1)
    elsewhere = await use_case(incident_id=elsewhere_id, request=request_model, idempotency_key="k")
    assert first.type == event_type
    assert first.incident_id == INCIDENT_ID
    assert again.event_id == first.event_id
    assert other.event_id != first.event_id
    assert elsewhere.event_id != first.event_id
    assert elsewhere.incident_id == elsewhere_id


# --- acknowledging -------------------------------------------------------------------------


@pytest.fixture
def acking() -> tuple[Intake, RecordingPublisher]:
    publisher = RecordingPublisher()
    return Intake(
        publisher=publisher,
        idempotency=MemoryIdempotencyStore(),
        ack_secret=SECRET,
        id_key=ID_KEY,
        sealer=PLAIN,
    ), publisher


async def test_acknowledging_twice_is_the_same_event(
    acking: tuple[Intake, RecordingPublisher],
) -> None:
    intake, publisher = acking
    current = assigned()
    first = await intake.acknowledge(
        incident_id=INCIDENT_ID,
        request=Acknowledge(token=ack_token(current.assignment_id)),
        current=current,
        idempotency_key=None,
    )
    second = await intake.acknowledge(
        incident_id=INCIDENT_ID, request=Acknowledge(), current=current, idempotency_key=None
    )
    assert first.event_id == second.event_id
    assert first.assignment_id == current.assignment_id  # type: ignore[attr-defined]
    assert first.adviser_id == current.adviser_id  # type: ignore[attr-defined]
    assert len(publisher.events) == 2  # JetStream drops the repeat by its Nats-Msg-Id


async def test_a_superseded_assignment_is_refused(
    acking: tuple[Intake, RecordingPublisher],
) -> None:
    intake, publisher = acking
    old = uuid.uuid4()
    with pytest.raises(SupersededError):
        await intake.acknowledge(
            incident_id=INCIDENT_ID,
            request=Acknowledge(token=ack_token(old)),
            current=assigned(),
            idempotency_key=None,
        )
    with pytest.raises(SupersededError):
        await intake.acknowledge(
            incident_id=INCIDENT_ID,
            request=Acknowledge(assignment_id=old),
            current=assigned(),
            idempotency_key=None,
        )
    assert publisher.events == []


@pytest.mark.parametrize("problem", ["expired", "forged", "other_incident", "garbage"])
async def test_a_bad_link_is_refused(
    acking: tuple[Intake, RecordingPublisher], problem: str
) -> None:
    intake, publisher = acking
    current = assigned()
    token = {
        "expired": ack_token(current.assignment_id, minutes=-1),
        "forged": ack_token(current.assignment_id)[:-4] + "AAAA",
        "other_incident": ack_token(current.assignment_id, incident_id=uuid.uuid4()),
        "garbage": "not-a-token-at-all",
    }[problem]
    with pytest.raises(InvalidLinkError):
        await intake.acknowledge(
            incident_id=INCIDENT_ID,
            request=Acknowledge(token=token),
            current=current,
            idempotency_key=None,
        )
    assert publisher.events == []
