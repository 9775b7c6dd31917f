"""Intake: input schemas and the use cases, with in-memory ports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.events import IncidentReported, RegistrationReceived, derive_id
from contracts.vocabulary import Role, Source, Urgency
from intake.ports import IdempotencyConflictError, InvalidLinkError, SupersededError
from intake.schemas import (
    Acknowledge,
    CloseIncident,
    RecordAction,
    RegisterIncident,
    ReopenIncident,
    ReportIncident,
)
from intake.service import Intake, fingerprint
from tests.support.events import INCIDENT_ID, assigned, incident_body
from tests.support.fakes import (
    ConflictingIdempotencyStore,
    MemoryIdempotencyStore,
    RecordingPublisher,
)


def registration_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": "AGR-2026-0042",
        "organisation_code": "GM0363",
        "official": {"role": "alderman"},
        "incident": {
            "types": ["verbal_aggression"],
            "channels": ["during_meeting"],
            "occurred_at": "2026-11-20T21:15:00+01:00",
        },
        "police": {"status": "melding"},
        "perpetrator_kind": "individual_citizen",
        "family_targeted": False,
        "wants_contact": False,
    }
    body.update(overrides)
    return body


def contact_body(**overrides: Any) -> dict[str, Any]:
    body = registration_body(
        official={
            "role": "alderman",
            "name": "B. Jansen",
            "phone": "+31687654321",
            "email": "b.jansen@example.nl",
        },
        wants_contact=True,
    )
    body["incident"]["description"] = "Scheldpartij na de raadsvergadering."
    body.update(overrides)
    return body


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def store() -> MemoryIdempotencyStore:
    return MemoryIdempotencyStore()


@pytest.fixture
def intake(publisher: RecordingPublisher, store: MemoryIdempotencyStore) -> Intake:
    return Intake(publisher=publisher, idempotency=store)


# --- RegisterIncident -------------------------------------------------------------------


def test_registration_without_contact_validates() -> None:
    request = RegisterIncident.model_validate(registration_body())
    assert request.official.role is Role.ALDERMAN
    assert request.wants_contact is False


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "B. Jansen"), ("phone", "+31687654321"), ("email", "b.jansen@example.nl")],
)
def test_registration_refuses_personal_data_without_wants_contact(field: str, value: str) -> None:
    body = registration_body(official={"role": "alderman", field: value})
    with pytest.raises(ValidationError, match=rf"official\.{field}: .*only when wants_contact"):
        RegisterIncident.model_validate(body)


def test_registration_refuses_a_description_without_wants_contact() -> None:
    body = registration_body()
    body["incident"]["description"] = "Scheldpartij."
    with pytest.raises(ValidationError, match=r"incident\.description"):
        RegisterIncident.model_validate(body)


def test_wants_contact_requires_a_phone_or_email() -> None:
    body = registration_body(official={"role": "alderman", "name": "B. Jansen"}, wants_contact=True)
    with pytest.raises(ValidationError, match="phone number or an e-mail"):
        RegisterIncident.model_validate(body)


@pytest.mark.parametrize(
    "official",
    [
        {"role": "alderman", "phone": "+31687654321"},
        {"role": "alderman", "email": "b.jansen@example.nl"},
        {"role": "alderman", "name": "B. Jansen", "phone": "+31687654321"},
    ],
)
def test_wants_contact_with_one_contact_validates(official: dict[str, str]) -> None:
    request = RegisterIncident.model_validate(
        registration_body(official=official, wants_contact=True)
    )
    assert request.wants_contact is True


@pytest.mark.parametrize(
    "overrides",
    [
        {"external_id": ""},
        {"external_id": "x" * 65},
        {"external_id": "has spaces"},
        {"organisation_code": "GM9999"},
        {"surprise": 1},
        {"official": {"role": "alderman", "organisation_code": "GM0363"}},
    ],
)
def test_registration_refuses_bad_input(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RegisterIncident.model_validate(registration_body(**overrides))


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
    one = Intake(publisher=RecordingPublisher(), idempotency=store)
    two = Intake(publisher=RecordingPublisher(), idempotency=store)
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
    intake = Intake(publisher=publisher, idempotency=ConflictingIdempotencyStore())
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


# --- register ---------------------------------------------------------------------------


async def test_registration_without_contact_feeds_statistics_only(
    intake: Intake, publisher: RecordingPublisher
) -> None:
    request = RegisterIncident.model_validate(registration_body())
    registration, outreach = await intake.register(request=request)
    assert outreach is None
    assert publisher.events == [registration]
    assert isinstance(registration, RegistrationReceived)
    assert registration.wants_contact is False
    assert registration.role is Role.ALDERMAN
    assert registration.external_id == "AGR-2026-0042"


async def test_registration_id_derives_from_organisation_and_external_id() -> None:
    request = RegisterIncident.model_validate(registration_body())
    expected = derive_id("registration", "GM0363", "AGR-2026-0042")
    # Two instances with separate stores: nothing but the registration itself decides.
    ids = []
    for _ in range(2):
        intake = Intake(publisher=RecordingPublisher(), idempotency=MemoryIdempotencyStore())
        registration, _outreach = await intake.register(request=request)
        ids.append((registration.incident_id, registration.event_id))
    assert ids[0] == ids[1]
    assert ids[0][0] == expected


async def test_repeated_registration_is_the_same_registration(intake: Intake) -> None:
    request = RegisterIncident.model_validate(registration_body())
    first, _ = await intake.register(request=request)
    again, _ = await intake.register(request=request)
    assert (again.incident_id, again.event_id) == (first.incident_id, first.event_id)


@pytest.mark.parametrize(
    "overrides", [{"external_id": "AGR-2026-0043"}, {"organisation_code": "GM0014"}]
)
async def test_other_registration_gets_another_id(
    intake: Intake, overrides: dict[str, str]
) -> None:
    first, _ = await intake.register(request=RegisterIncident.model_validate(registration_body()))
    other, _ = await intake.register(
        request=RegisterIncident.model_validate(registration_body(**overrides))
    )
    assert other.incident_id != first.incident_id


async def test_changed_body_under_the_same_external_id_is_a_conflict(intake: Intake) -> None:
    await intake.register(request=RegisterIncident.model_validate(registration_body()))
    changed = RegisterIncident.model_validate(registration_body(family_targeted=True))
    with pytest.raises(IdempotencyConflictError):
        await intake.register(request=changed)


async def test_wants_contact_becomes_an_outreach_incident(
    intake: Intake, publisher: RecordingPublisher
) -> None:
    request = RegisterIncident.model_validate(contact_body())
    registration, outreach = await intake.register(request=request)
    assert outreach is not None
    assert publisher.events == [registration, outreach]
    assert isinstance(outreach, IncidentReported)
    assert outreach.source is Source.MUNICIPAL_REGISTRATION
    assert outreach.registration_id == registration.incident_id
    assert outreach.incident_id == registration.incident_id
    assert outreach.causation_id == registration.event_id
    assert outreach.official.role is Role.ALDERMAN
    assert outreach.official.organisation_code == "GM0363"
    assert outreach.official.name == "B. Jansen"
    assert outreach.official.phone == "+31687654321"
    assert outreach.official.email == "b.jansen@example.nl"
    assert outreach.incident.description == "Scheldpartij na de raadsvergadering."
    assert outreach.police == request.police
    assert outreach.perpetrator_kind == request.perpetrator_kind


async def test_registration_event_carries_no_personal_data(intake: Intake) -> None:
    registration, _ = await intake.register(request=RegisterIncident.model_validate(contact_body()))
    assert registration.wants_contact is True
    assert registration.incident.description is None
    raw = registration.model_dump_json()
    for secret in ("B. Jansen", "+31687654321", "b.jansen@example.nl", "Scheldpartij"):
        assert secret not in raw


async def test_repeated_outreach_registration_gives_the_same_outreach(intake: Intake) -> None:
    request = RegisterIncident.model_validate(contact_body())
    _, first = await intake.register(request=request)
    _, again = await intake.register(request=request)
    assert first is not None
    assert again is not None
    assert (again.incident_id, again.event_id) == (first.incident_id, first.event_id)


# --- acknowledging -------------------------------------------------------------------------


SECRET = b"test-ack-secret"


def _token(
    assignment_id: uuid.UUID, *, minutes: int = 30, incident_id: uuid.UUID = INCIDENT_ID
) -> str:
    from contracts.tokens import sign_ack_token

    return sign_ack_token(
        secret=SECRET,
        incident_id=incident_id,
        assignment_id=assignment_id,
        expires_at=datetime.now(UTC) + timedelta(minutes=minutes),
    )


@pytest.fixture
def acking() -> tuple[Intake, RecordingPublisher]:
    publisher = RecordingPublisher()
    return Intake(
        publisher=publisher, idempotency=MemoryIdempotencyStore(), ack_secret=SECRET
    ), publisher


async def test_acknowledging_twice_is_the_same_event(
    acking: tuple[Intake, RecordingPublisher],
) -> None:
    intake, publisher = acking
    current = assigned()
    first = await intake.acknowledge(
        incident_id=INCIDENT_ID,
        request=Acknowledge(token=_token(current.assignment_id)),
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
            request=Acknowledge(token=_token(old)),
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
        "expired": _token(current.assignment_id, minutes=-1),
        "forged": _token(current.assignment_id)[:-4] + "AAAA",
        "other_incident": _token(current.assignment_id, incident_id=uuid.uuid4()),
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
