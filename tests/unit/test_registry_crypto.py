"""Sealing personal values: round trips, keys named in the value, contexts bound,
and settings that refuse what would not work (or the development key in production)."""

from __future__ import annotations

import base64
import json
import os

import pytest
from pydantic import ValidationError

from registry.adapters.crypto import (
    DEV_KEY,
    Keyring,
    TamperedError,
    UnknownKeyError,
    has_personal_data,
    open_event,
    reseal_payload,
    seal_event,
)
from registry.domain.scrub import scrub
from registry.settings import RegistrySettings
from tests.support.events import CANARY_DESCRIPTION, CANARY_NAME, assigned, reported


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_a_sealed_value_names_its_key_and_opens_only_in_its_context() -> None:
    ring = Keyring.from_config({"k1": key()}, "k1")
    sealed = ring.seal(CANARY_NAME, "incidents/1/official_name")
    assert sealed is not None and sealed.startswith("v1:k1:") and CANARY_NAME not in sealed
    assert sealed != ring.seal(CANARY_NAME, "incidents/1/official_name")  # a fresh nonce
    assert ring.open(sealed, "incidents/1/official_name") == CANARY_NAME
    with pytest.raises(TamperedError):
        ring.open(sealed, "incidents/2/official_name")  # copied into another row
    assert ring.seal(None, "x") is None and ring.open(None, "x") is None
    with pytest.raises(UnknownKeyError):
        Keyring.from_config({"k2": key()}, "k2").open(sealed, "incidents/1/official_name")


def test_event_payloads_seal_their_personal_fields_only() -> None:
    ring = Keyring.development()
    event = reported()
    payload = seal_event(event, ring)
    assert CANARY_NAME not in payload and CANARY_DESCRIPTION not in payload
    data = json.loads(payload)
    assert data["official"]["role"] == "mayor" and data["incident"]["types"]
    assert open_event(payload, ring) == event
    assert has_personal_data(payload) and not has_personal_data(seal_event(scrub(event), ring))
    page = seal_event(assigned(), ring)
    assert "@ngb.example" not in page and json.loads(page)["adviser_id"]


def test_resealing_moves_values_to_the_current_key_and_seals_plain_ones() -> None:
    k1 = key()
    old = Keyring.from_config({"k1": k1}, "k1")
    new = Keyring.from_config({"k1": k1, "k2": key()}, "k2")
    payload = seal_event(reported(), old)
    moved = reseal_payload(payload, new)
    assert moved is not None and "v1:k1:" not in moved and "v1:k2:" in moved
    assert reseal_payload(moved, new) is None
    assert open_event(moved, new) == reported()
    plain = reported().model_dump_json()  # stored before encryption came
    sealed = reseal_payload(plain, new)
    assert sealed is not None and CANARY_NAME not in sealed
    assert open_event(sealed, new) == reported()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ENVIRONMENT": "production"}, "development encryption key"),
        ({"REGISTRY_ENCRYPTION_KEYS": '{"k1": "dG9vIHNob3J0"}'}, "32 bytes"),
        ({"REGISTRY_ENCRYPTION_KEYS": json.dumps({"k1": DEV_KEY})}, "current key id"),
        ({"REGISTRY_ENCRYPTION_KEYS": json.dumps({"a:b": DEV_KEY})}, "key id"),
    ],
)
def test_settings_refuse_unusable_keys(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    monkeypatch.setenv("ACK_TOKEN_SECRET", "a-production-ack-token-secret-of-32-bytes")
    monkeypatch.setenv("AUTH_SIGNING_KEY", "a-production-signing-key-of-32-bytes-or-more")
    monkeypatch.setenv("CASE_KEKS", json.dumps({"kek1": key()}))
    monkeypatch.setenv("CASE_KEK_ID", "kek1")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        RegistrySettings()


def test_settings_take_keys_by_id(monkeypatch: pytest.MonkeyPatch) -> None:
    k1, k2 = key(), key()
    monkeypatch.setenv("REGISTRY_ENCRYPTION_KEYS", json.dumps({"k1": k1, "k2": k2}))
    monkeypatch.setenv("REGISTRY_ENCRYPTION_KEY_ID", "k2")
    ring = RegistrySettings().keyring()
    assert ring.current == "k2" and set(ring.keys) == {"k1", "k2"}
