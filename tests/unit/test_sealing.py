"""Sealing personal fields with a case's data key: what is sealed, what it is bound to,
and the KEKs that wrap the keys."""

from __future__ import annotations

import base64
import json
import os
import uuid
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from contracts.events import ActionRecorded, AdviserAssigned, IncidentReported, derive_id, utcnow
from weerbaar_runtime.case_keys import CaseKeySettings
from weerbaar_runtime.sealing import (
    DEV_KEK,
    CaseKey,
    KekRing,
    SealError,
    has_sealed,
    is_sealed,
    open_event,
    personal_values,
    seal_event,
)

CASE = uuid.uuid4()


def reported(incident_id: uuid.UUID = CASE) -> IncidentReported:
    return IncidentReported.model_validate(
        {
            "event_id": derive_id("reported", incident_id),
            "incident_id": incident_id,
            "occurred_at": utcnow(),
            "producer": "intake",
            "source": "crisis_line",
            "official": {
                "role": "mayor",
                "organisation_code": "GM0363",
                "name": "Canary Seal Official",
                "phone": "+31612345678",
                "email": "canary.seal@example.nl",
            },
            "incident": {"types": ["threat"], "description": "Canary seal description " * 150},
        }
    )


def kek() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_every_personal_field_is_sealed_and_opens_with_the_case_key() -> None:
    key = CaseKey.new(CASE)
    event = reported()
    sealed = seal_event(event, key)
    text = sealed.model_dump_json()
    assert "Canary" not in text and "+31612345678" not in text
    assert all(
        is_sealed(v) for v in (sealed.official.name, sealed.official.phone, sealed.official.email)
    )
    assert is_sealed(sealed.incident.description)
    assert sealed.official.role == event.official.role  # what routing needs stays plain
    assert has_sealed(sealed) and not has_sealed(event)
    assert open_event(sealed, key) == event
    assert seal_event(sealed, key) == sealed  # never sealed twice


def test_a_sealed_field_is_bound_to_its_case_event_and_field() -> None:
    key = CaseKey.new(CASE)
    sealed = seal_event(reported(), key)
    other = CaseKey.new(CASE)
    with pytest.raises(SealError):
        open_event(sealed, other)
    # the name moved into the phone's place does not open
    data = sealed.model_dump(mode="json")
    data["official"]["phone"] = data["official"]["name"]
    with pytest.raises(SealError):
        open_event(IncidentReported.model_validate(data), key)
    # nor in another event of the same case
    data = sealed.model_dump(mode="json")
    data["event_id"] = str(uuid.uuid4())
    with pytest.raises(SealError):
        open_event(IncidentReported.model_validate(data), key)


def test_without_the_key_the_fields_are_empty_and_the_facts_stay() -> None:
    sealed = seal_event(reported(), CaseKey.new(CASE))
    shredded = open_event(sealed, None)
    assert shredded.official.name is None and shredded.incident.description is None
    assert shredded.official.organisation_code == "GM0363"
    assert shredded.incident.types == sealed.incident.types


def test_events_without_personal_values_need_no_key() -> None:
    action = ActionRecorded(
        event_id=uuid.uuid4(),
        incident_id=CASE,
        occurred_at=utcnow(),
        producer="intake",
        action_id=uuid.uuid4(),
        kind="contact",
    )
    assert not personal_values(action)
    assert personal_values(action.model_copy(update={"note": "Canary note"}))
    assigned = AdviserAssigned.model_validate(
        {
            "event_id": uuid.uuid4(),
            "incident_id": CASE,
            "occurred_at": utcnow(),
            "producer": "routing",
            "assignment_id": uuid.uuid4(),
            "adviser_id": "ngb-01",
            "pool": "ngb",
            "urgency": "high",
            "ack_deadline": utcnow(),
            "role": "mayor",
            "organisation_code": "GM0363",
            "contacts": [{"channel": "email", "address": "ngb-01@ngb.example"}],
        }
    )
    # the advisers' addresses are staff data notify needs: not the case's
    assert not personal_values(assigned)


def test_keks_wrap_by_id_and_rotate() -> None:
    old = KekRing.from_config({"k1": kek()}, "k1")
    key = CaseKey.new(CASE)
    stored = old.wrap(key)
    assert json.loads(stored)["kek"] == "k1" and key.raw not in stored
    both = KekRing({**old.keys, "k2": base64.b64decode(kek())}, "k2")
    rewrapped = both.wrap(both.unwrap(CASE, stored))
    new = KekRing({"k2": both.keys["k2"]}, "k2")
    assert new.unwrap(CASE, rewrapped).raw == key.raw
    with pytest.raises(SealError, match="names no configured KEK"):
        new.unwrap(CASE, stored)
    with pytest.raises(SealError):  # bound to its case
        both.unwrap(uuid.uuid4(), rewrapped)


def test_production_refuses_the_development_kek() -> None:
    strong = SecretStr("s" * 40)
    common: dict[str, Any] = {"environment": "production", "ack_token_secret": strong}
    from weerbaar_runtime.auth import AuthSettings

    auth = AuthSettings(signing_key=strong)
    with pytest.raises(ValidationError, match="development key-encryption key"):
        CaseKeySettings(**common, auth=auth)
    with pytest.raises(ValidationError, match="development key-encryption key"):
        CaseKeySettings(**common, auth=auth, case_keks={"dev": SecretStr(DEV_KEK)})
    with pytest.raises(ValidationError, match="current KEK id"):
        CaseKeySettings(case_keks={"k1": SecretStr(kek())}, case_kek_id="k2")
    taken = CaseKeySettings(
        **common, auth=auth, case_keks={"k1": SecretStr(kek())}, case_kek_id="k1"
    )
    assert taken.kek_ring().current == "k1"
