"""Who acted comes from the credential, not the body; a link token is verified before
anything is looked up; registration ids are keyed."""

from __future__ import annotations

import base64
import uuid

import pytest
from pydantic import SecretStr, ValidationError

from intake.domain.case import Caller
from intake.domain.commands import Acknowledge, CloseIncident, RecordAction, RegisterIncident
from intake.domain.errors import InvalidLinkError
from intake.domain.registration import public_registration_id, registration_id
from intake.service.casework import Casework
from intake.service.intake import Intake
from intake.settings import DEV_REGISTRATION_ID_KEY, IntakeSettings
from tests.support.events import INCIDENT_ID, assigned
from tests.support.fakes import MemoryIdempotencyStore, RecordingPublisher
from tests.support.intake import ID_KEY, SECRET, MemoryIncidentLookup, ack_token, registration_body
from tests.support.sealing import PLAIN
from weerbaar_runtime.auth import AuthSettings

OPERATOR = Caller(actor="operator")
ADVISER = Caller(actor="adviser", adviser_id="ngb-01")
MISSING = uuid.UUID("00000000-0000-4000-8000-0000000000ff")


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def lookup() -> MemoryIncidentLookup:
    """INCIDENT_ID, assigned to ngb-01."""
    lookup = MemoryIncidentLookup()
    lookup.assign(assigned())
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


# --- who acted ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "stored"), [(ADVISER, "ngb-01"), (OPERATOR, None)], ids=["adviser", "operator"]
)
async def test_an_acknowledgement_names_the_caller_not_the_body(
    casework: Casework, caller: Caller, stored: str | None
) -> None:
    event = await casework.acknowledge(
        incident_id=INCIDENT_ID,
        request=Acknowledge(adviser_id="someone-else"),
        caller=caller,
        idempotency_key=None,
    )
    assert event.adviser_id == stored  # type: ignore[attr-defined]


async def test_a_link_acknowledgement_names_the_adviser_of_its_assignment(
    casework: Casework,
) -> None:
    token = ack_token(assigned().assignment_id)
    event = await casework.acknowledge(
        incident_id=INCIDENT_ID,
        request=Acknowledge(token=token, adviser_id="someone-else"),
        caller=None,
        idempotency_key=None,
    )
    assert event.adviser_id == "ngb-01"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("caller", "stored"), [(ADVISER, "ngb-01"), (OPERATOR, None)], ids=["adviser", "operator"]
)
async def test_actions_and_closing_name_the_caller_not_the_body(
    casework: Casework, caller: Caller, stored: str | None
) -> None:
    action = await casework.record_action(
        incident_id=INCIDENT_ID,
        request=RecordAction(kind="contact", adviser_id="someone-else"),
        caller=caller,
        idempotency_key=None,
    )
    closed = await casework.close(
        incident_id=INCIDENT_ID,
        request=CloseIncident(adviser_id="someone-else"),
        caller=caller,
        idempotency_key=None,
    )
    assert (action.adviser_id, closed.adviser_id) == (stored, stored)  # type: ignore[attr-defined]


# --- link tokens before lookups -----------------------------------------------------------


@pytest.mark.parametrize("incident_id", [INCIDENT_ID, MISSING], ids=["existing", "missing"])
async def test_a_junk_token_is_refused_the_same_for_any_incident(
    casework: Casework, publisher: RecordingPublisher, incident_id: uuid.UUID
) -> None:
    with pytest.raises(InvalidLinkError):
        await casework.acknowledge(
            incident_id=incident_id,
            request=Acknowledge(token="x" * 40),
            caller=None,
            idempotency_key=None,
        )
    assert publisher.events == []


async def test_a_token_for_another_incident_is_refused_before_any_lookup(
    casework: Casework,
) -> None:
    token = ack_token(assigned().assignment_id, incident_id=INCIDENT_ID)
    with pytest.raises(InvalidLinkError):
        await casework.acknowledge(
            incident_id=MISSING, request=Acknowledge(token=token), caller=None, idempotency_key=None
        )


# --- keyed registration ids ---------------------------------------------------------------


async def test_registration_ids_are_keyed_and_an_earlier_one_keeps_its_id(
    casework: Casework, lookup: MemoryIncidentLookup
) -> None:
    request = RegisterIncident.model_validate(registration_body())
    new, _ = await casework.register(request=request, organisation_code="GM0363")
    assert new.incident_id == registration_id(request, key=ID_KEY)
    assert new.incident_id != public_registration_id(request)
    # stored before the ids were keyed: a repeat is still the same registration
    lookup.registrations.add(public_registration_id(request))
    again, _ = await casework.register(request=request, organisation_code="GM0363")
    assert again.incident_id == public_registration_id(request)


def test_production_refuses_the_development_or_a_short_registration_id_key() -> None:
    strong = "s" * 40
    common = {
        "environment": "production",
        "ack_token_secret": SecretStr(strong),
        "auth": AuthSettings(signing_key=SecretStr(strong)),
        "case_keks": {"kek1": SecretStr(base64.b64encode(b"k" * 32).decode())},
        "case_kek_id": "kek1",
    }
    with pytest.raises(ValidationError, match="development REGISTRATION_ID_KEY"):
        IntakeSettings(**common, registration_id_key=SecretStr(DEV_REGISTRATION_ID_KEY))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="REGISTRATION_ID_KEY: production needs"):
        IntakeSettings(**common, registration_id_key=SecretStr("eight-by"))  # type: ignore[arg-type]
