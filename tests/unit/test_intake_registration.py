"""Intake: registrations from an organisation's own protocol (the input schema and
the use case), with in-memory ports."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from contracts.events import IncidentReported, RegistrationReceived, derive_id
from contracts.vocabulary import Role, Source
from intake.domain.commands import RegisterIncident
from intake.domain.registration import registration_id
from intake.service.intake import Intake
from intake.service.ports import IdempotencyConflictError
from tests.support.fakes import MemoryIdempotencyStore, RecordingPublisher
from tests.support.intake import ID_KEY, SECRET, contact_body, registration_body
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
    """...keyed with REGISTRATION_ID_KEY: the public facts alone do not give it."""
    request = RegisterIncident.model_validate(registration_body())
    expected = registration_id(request, key=ID_KEY)
    assert expected != derive_id("registration", "GM0363", "AGR-2026-0042")
    assert expected != registration_id(request, key=b"another-key-of-at-least-32-bytes!")
    # Two instances with separate stores: nothing but the registration itself decides.
    ids = []
    for _ in range(2):
        intake = Intake(
            publisher=RecordingPublisher(),
            idempotency=MemoryIdempotencyStore(),
            ack_secret=SECRET,
            id_key=ID_KEY,
            sealer=PLAIN,
        )
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
