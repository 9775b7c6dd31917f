"""Personal data at rest, one scheme with the bus: the registry seals what arrived in
the clear under the case's data key, keeps what arrived sealed as it is, opens both
with the same key, and binds every value to its case, event and field."""

from __future__ import annotations

import json
import uuid

import pytest

from registry.adapters.case_keys import CaseKeys
from registry.adapters.crypto import (
    at_rest,
    at_rest_state,
    has_personal_data,
    open_columns,
    open_payload,
)
from registry.domain.scrub import scrub
from tests.support.events import CANARY_DESCRIPTION, CANARY_NAME, assigned, reported
from weerbaar_runtime.sealing import CaseKey, KekRing, SealError, seal_event


def test_what_arrives_in_the_clear_is_sealed_under_the_case_key() -> None:
    event = reported()
    key = CaseKey.new(event.incident_id)
    assert at_rest_state(event) == (False, True)
    stored, payload = at_rest(event, key)
    assert CANARY_NAME not in payload and CANARY_DESCRIPTION not in payload
    data = json.loads(payload)
    assert data["official"]["name"].startswith("s1:") and data["official"]["role"] == "mayor"
    assert at_rest_state(stored) == (True, False)
    assert open_payload(payload, key) == event
    assert has_personal_data(payload) and not has_personal_data(at_rest(scrub(event), key)[1])
    with pytest.raises(SealError):
        at_rest(event, None)  # never stored in the clear


def test_what_arrives_sealed_is_stored_as_it_came() -> None:
    event = reported()
    key = CaseKey.new(event.incident_id)
    sealed = seal_event(event, key)  # as intake publishes it
    stored, payload = at_rest(sealed, key)
    assert stored is sealed and payload == sealed.model_dump_json()
    assert open_payload(payload, key) == event
    # without the key (an erasure destroyed it) the values are empty, never ciphertext
    opened = open_payload(payload, None)
    assert opened.official.name is None and opened.incident.description is None


def test_the_advisers_addresses_are_staff_data_stored_as_they_came() -> None:
    page = assigned()
    assert at_rest_state(page) == (False, False)
    stored, payload = at_rest(page, None)
    assert stored is page and "@ngb.example" in payload


def test_a_value_opens_only_in_its_own_case_and_field() -> None:
    event = reported()
    key = CaseKey.new(event.incident_id)
    _, payload = at_rest(event, key)
    other = CaseKey.new(uuid.uuid4())
    with pytest.raises(SealError):
        open_payload(payload, other)
    data = json.loads(payload)
    data["official"]["phone"] = data["official"]["name"]  # copied into another field
    with pytest.raises(SealError):
        open_payload(json.dumps(data), key)


def test_the_incident_columns_open_as_values_of_the_report() -> None:
    event = reported()
    key = CaseKey.new(event.incident_id)
    stored, _ = at_rest(event, key)
    assert stored.official.name is not None
    columns = {
        "official_name": stored.official.name,
        "official_phone": stored.official.phone,
        "official_email": stored.official.email,
        "description": stored.incident.description,
    }
    case = str(event.incident_id)
    opened = open_columns(case, columns, [str(event.event_id)], key)
    assert opened["official_name"] == CANARY_NAME
    assert open_columns(case, columns, [str(event.event_id)], None)["official_name"] is None
    with pytest.raises(SealError):
        open_columns(case, columns, [str(uuid.uuid4())], key)


def test_the_table_keeps_keys_wrapped_and_unwraps_them_with_any_configured_kek() -> None:
    old = KekRing.from_config({"k1": "a" * 43 + "="}, "k1")
    keys = CaseKeys(old)
    key = CaseKey.new(uuid.uuid4())
    wrapped = keys.wrap(key)
    assert key.raw.hex() not in wrapped and json.loads(wrapped)["kek"] == "k1"
    assert keys.unwrap(key.incident_id, wrapped).raw == key.raw
    with pytest.raises(SealError):
        CaseKeys(KekRing.development()).unwrap(key.incident_id, wrapped)
