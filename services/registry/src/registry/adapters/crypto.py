"""Personal data at rest: every personal field is sealed on its own with AES-256-GCM.

A sealed value is text, `v1:<key id>:<base64 of nonce and ciphertext>`, so the key it
was sealed with travels with it and keys can be rotated: new values are sealed with
the current key, and any configured key opens the old ones (`weerbaar-registry
rotate-keys` re-seals everything under the current key, after which an old key can be
removed). The associated data binds a value to its row and field, so a sealed value
copied into another row or field does not open.

Sealed in the registry's database: the official's name, phone and e-mail and the
description of the `incidents` table, and inside the stored events the same fields
plus notes, summaries, reasons for reopening, a registration's description and the
advisers' contact addresses. Everything the search and the statistics read stays
plain: none of it is personal.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic_core import to_json

from contracts.events import Event, parse_event
from weerbaar_runtime.sealing import decode_key, path_tree

PREFIX: Final = "v1"
NONCE_BYTES: Final = 12

DEV_KEY_ID: Final = "dev"
DEV_KEY: Final = base64.b64encode(b"weerbaar-dev-registry-key-0000!!").decode()
"""The development key: production refuses to start with it."""

# event type → the paths of its personal fields ("*" walks a list)
PERSONAL_PATHS: Final[Mapping[str, tuple[tuple[str, ...], ...]]] = {
    "incident.reported": (
        ("official", "name"),
        ("official", "phone"),
        ("official", "email"),
        ("incident", "description"),
    ),
    "registration.received": (("incident", "description"),),
    "action.recorded": (("note",),),
    "incident.closed": (("summary",),),
    "incident.reopened": (("reason",),),
    "assignment.requested": (("reason",),),
    "assignment.declined": (("reason",),),
    "adviser.assigned": (("contacts", "*", "address"),),
    "assignment.reminder_due": (("contacts", "*", "address"),),
    "assignment.escalated": (("previous_contacts", "*", "address"),),
}

INCIDENT_COLUMNS: Final = ("official_name", "official_phone", "official_email", "description")
"""The personal columns of `incidents`, sealed."""


class SealError(Exception):
    """A sealed value names a key that is not configured, or does not open."""


class UnknownKeyError(SealError):
    pass


class TamperedError(SealError):
    pass


@dataclass(frozen=True)
class Keyring:
    """The configured keys by id, and which one seals new values."""

    keys: Mapping[str, bytes]
    current: str

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError(f"the current key id {self.current!r} is not among the keys")
        # one cipher object per key: making one costs as much as sealing a value
        object.__setattr__(self, "_ciphers", {kid: AESGCM(k) for kid, k in self.keys.items()})

    @classmethod
    def from_config(cls, keys: Mapping[str, str], current: str) -> Keyring:
        return cls({kid: decode_key(kid, key) for kid, key in keys.items()}, current)

    @classmethod
    def development(cls) -> Keyring:
        return cls.from_config({DEV_KEY_ID: DEV_KEY}, DEV_KEY_ID)

    def seal(self, plain: str | None, context: str) -> str | None:
        """`plain` sealed under the current key for `context` (its row and field)."""
        if plain is None:
            return None
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher(self.current).encrypt(nonce, plain.encode(), context.encode())
        return f"{PREFIX}:{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, value: str | None, context: str) -> str | None:
        """The plain text of a sealed value (a value that is not sealed is returned
        as it is: nothing personal was ever stored plain, but nulls and scrubbed
        values are)."""
        if value is None or not is_sealed(value):
            return value
        _, key_id, body = value.split(":", 2)
        if key_id not in self.keys:
            raise UnknownKeyError(f"no key {key_id!r} is configured")
        raw = base64.b64decode(body)
        try:
            plain = self._cipher(key_id).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()
            )
        except InvalidTag:
            raise TamperedError(f"a value sealed with key {key_id!r} does not open") from None
        return plain.decode()

    def _cipher(self, key_id: str) -> AESGCM:
        ciphers: dict[str, AESGCM] = self._ciphers  # type: ignore[attr-defined]
        return ciphers[key_id]

    def is_current(self, value: str | None) -> bool:
        """Whether the value needs no re-sealing under the current key (a plain value,
        stored before encryption came, does)."""
        return value is None or (is_sealed(value) and key_id_of(value) == self.current)

    def reseal(self, value: str | None, context: str) -> str | None:
        """The value sealed under the current key (unchanged when it already is)."""
        if self.is_current(value):
            return value
        return self.seal(self.open(value, context), context)


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":") and value.count(":") >= 2


def key_id_of(value: str) -> str:
    return value.split(":", 2)[1]


def incident_context(incident_id: str, column: str) -> str:
    return f"incidents/{incident_id}/{column}"


_PATH_TREES: Final = {kind: path_tree(paths) for kind, paths in PERSONAL_PATHS.items()}


def _apply(
    node: Any,
    tree: Mapping[str, Any],
    prefix: str,
    change: Callable[[str | None, str], str | None],
) -> bool:
    """Apply `change(value, context)` to the leaves of `tree` found in `node`; the
    context is `prefix` and the leaf's path, a list item's index standing for "*"."""
    if not isinstance(node, dict):
        return False
    changed = False
    for key, sub in tree.items():
        if key not in node:
            continue
        value = node[key]
        if sub is None:
            new = change(value, prefix + key)
            if new != value:
                node[key] = new
                changed = True
        elif "*" in sub:
            if isinstance(value, list):
                for n, item in enumerate(value):
                    changed |= _apply(item, sub["*"], f"{prefix}{key}/{n}/", change)
        else:
            changed |= _apply(value, sub, f"{prefix}{key}/", change)
    return changed


def _transform(
    data: dict[str, Any], event_id: str, change: Callable[[str | None, str], str | None]
) -> bool:
    """Apply `change(value, context)` to every personal field; whether any changed.
    A field's context is `events/<event id>/<path>`, e.g. `events/…/contacts/0/address`."""
    tree = _PATH_TREES.get(str(data.get("type")))
    if tree is None:
        return False
    return _apply(data, tree, f"events/{event_id}/", change)


def seal_event(event: Event, keyring: Keyring) -> str:
    """The stored payload of an event: its JSON with the personal fields sealed."""
    if event.type not in PERSONAL_PATHS:
        return event.model_dump_json()
    data = event.model_dump(mode="json")
    _transform(data, str(event.event_id), keyring.seal)
    return to_json(data).decode()


def open_event(payload: str, keyring: Keyring) -> Event:
    """The event a stored payload holds, its personal fields opened."""
    if f'"{PREFIX}:' not in payload:  # nothing sealed: nothing personal, or scrubbed
        return parse_event(payload)
    data = json.loads(payload)
    _transform(data, str(data.get("event_id")), keyring.open)
    return parse_event(data)


def reseal_payload(payload: str, keyring: Keyring) -> str | None:
    """The payload with every personal field sealed under the current key, or None when
    it already is."""
    data = json.loads(payload)
    if not _transform(data, str(data.get("event_id")), keyring.reseal):
        return None
    return to_json(data).decode()


def has_personal_data(payload: str) -> bool:
    """Whether a stored payload still holds any personal value (scrubbed ones do not)."""
    data = json.loads(payload)
    found = False

    def look(value: str | None, _context: str) -> str | None:
        nonlocal found
        found = found or value is not None
        return value

    _transform(data, str(data.get("event_id")), look)
    return found
