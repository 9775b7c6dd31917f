"""Sealing personal fields with a case's data key (crypto-shredding).

Every case (an incident, or a registration) has its own data key: 32 random bytes,
made by the first producer that seals a field of the case and kept, wrapped with a
key-encryption key (KEK), in the key store (`weerbaar_runtime.keystore`). A personal
field travels the bus as `s1:<base64 of nonce and ciphertext>` (the contracts'
`Sealed` text): AES-256-GCM under the case's data key, with associated data that
binds it to the case, the event, its type and the field's path, so a sealed value
copied into another event or field does not open. The text names no key: the case's
id is the key's name. Destroying the data key (an erasure) makes every copy of the
case's sealed fields, wherever it is kept, ciphertext without a key.

A KEK wraps a data key with AES-256-GCM too (associated data: the case's id). Several
KEKs may be configured, by id; the current one wraps new keys and `rotate-keys`
re-wraps the others, so a KEK can be removed without touching an event or a row.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contracts.events import Event

PREFIX: Final = "s1:"
NONCE_BYTES: Final = 12
KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")

DEV_KEK_ID: Final = "dev"
DEV_KEK: Final = base64.b64encode(b"weerbaar-dev-case-kek-000000000!").decode()
"""The development KEK: production refuses to start with it."""

# event type → the paths of the case's personal fields ("*" walks a list). The
# advisers' contact addresses (staff data, for notify to page) are not among them.
CASE_PERSONAL_PATHS: Final[Mapping[str, tuple[tuple[str, ...], ...]]] = {
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
}

Change = Callable[[Any, str], Any]
E = TypeVar("E", bound=Event)


class SealError(Exception):
    """A sealed value or a wrapped key does not open."""


def decode_key(key_id: str, encoded: str) -> bytes:
    """A key from its configured base64 text: 32 bytes (AES-256)."""
    if not KEY_ID.match(key_id):
        raise ValueError(f"key id {key_id!r}: letters, digits, '.', '_' or '-', at most 32")
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"key {key_id!r} is not base64") from None
    if len(raw) != 32:
        raise ValueError(f"key {key_id!r} must be 32 bytes (base64 of 32 random bytes)")
    return raw


def path_tree(paths: tuple[tuple[str, ...], ...]) -> dict[str, Any]:
    """The paths as a tree: a leaf is None, the items of a list are under "*"."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = None
    return tree


def apply_paths(node: Any, tree: Mapping[str, Any], prefix: str, change: Change) -> bool:
    """Apply `change(value, context)` to the leaves of `tree` found in `node`; the
    context is `prefix` and the leaf's path, a list item's index standing for "*".
    Whether any value changed."""
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
                    changed |= apply_paths(item, sub["*"], f"{prefix}{key}/{n}/", change)
        else:
            changed |= apply_paths(value, sub, f"{prefix}{key}/", change)
    return changed


_TREES: Final = {kind: path_tree(paths) for kind, paths in CASE_PERSONAL_PATHS.items()}


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


class CaseKey:
    """One case's data key."""

    def __init__(self, incident_id: uuid.UUID | str, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a data key is 32 bytes")
        self.incident_id = str(incident_id)
        self.raw = key
        self._cipher = AESGCM(key)

    @classmethod
    def new(cls, incident_id: uuid.UUID | str) -> CaseKey:
        return cls(incident_id, os.urandom(32))

    def seal(self, plain: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher.encrypt(nonce, plain.encode(), context.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def open(self, value: str, context: str) -> str:
        try:
            raw = base64.b64decode(value[len(PREFIX) :], validate=True)
            plain = self._cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (InvalidTag, binascii.Error, ValueError):
            raise SealError(f"a sealed field of case {self.incident_id} does not open") from None
        return plain.decode()


@dataclass(frozen=True)
class KekRing:
    """The configured key-encryption keys by id, and which one wraps new data keys."""

    keys: Mapping[str, bytes]
    current: str

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValueError(f"the current KEK id {self.current!r} is not among the KEKs")

    @classmethod
    def from_config(cls, keys: Mapping[str, str], current: str) -> KekRing:
        return cls({kid: decode_key(kid, key) for kid, key in keys.items()}, current)

    @classmethod
    def development(cls) -> KekRing:
        return cls.from_config({DEV_KEK_ID: DEV_KEK}, DEV_KEK_ID)

    def wrap(self, key: CaseKey) -> bytes:
        """The stored form of a data key: JSON naming the KEK, and the wrapped key."""
        nonce = os.urandom(NONCE_BYTES)
        aad = f"weerbaar-case-key/{key.incident_id}".encode()
        wrapped = AESGCM(self.keys[self.current]).encrypt(nonce, key.raw, aad)
        body = base64.b64encode(nonce + wrapped).decode()
        return json.dumps({"kek": self.current, "key": body}).encode()

    def kek_of(self, stored: bytes) -> str:
        return str(json.loads(stored)["kek"])

    def unwrap(self, incident_id: uuid.UUID | str, stored: bytes) -> CaseKey:
        try:
            data = json.loads(stored)
            kek = self.keys[data["kek"]]
            raw = base64.b64decode(data["key"], validate=True)
            aad = f"weerbaar-case-key/{incident_id}".encode()
            key = AESGCM(kek).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
        except KeyError:
            raise SealError(f"the data key of case {incident_id} names no configured KEK") from None
        except (InvalidTag, binascii.Error, ValueError, TypeError):
            raise SealError(f"the data key of case {incident_id} does not unwrap") from None
        return CaseKey(incident_id, key)


def transform(data: dict[str, Any], change: Change) -> bool:
    """Apply `change(value, context)` to every personal field of an event's dumped
    form (its context: case, event, type and path); whether any value changed."""
    tree = _TREES.get(str(data.get("type")))
    if tree is None:
        return False
    prefix = f"{data.get('incident_id')}/{data.get('event_id')}/{data.get('type')}/"
    return apply_paths(data, tree, prefix, change)


def personal_values(event: Event) -> bool:
    """Whether the event carries a personal value (sealed or not)."""
    if event.type not in _TREES:
        return False
    found = False

    def look(value: Any, _context: str) -> Any:
        nonlocal found
        found = found or value is not None
        return value

    transform(event.model_dump(mode="json"), look)
    return found


def seal_event(event: E, key: CaseKey) -> E:
    """The event with every personal field sealed under its case's data key."""

    def seal(value: Any, context: str) -> Any:
        return value if value is None or is_sealed(value) else key.seal(str(value), context)

    data = event.model_dump(mode="json")
    if not transform(data, seal):
        return event
    return type(event).model_validate(data)


def open_event(event: E, key: CaseKey | None) -> E:
    """The event with its sealed fields opened; without a key (it was destroyed by an
    erasure) they are empty."""

    def open_(value: Any, context: str) -> Any:
        if not is_sealed(value):
            return value
        return None if key is None else key.open(value, context)

    data = event.model_dump(mode="json")
    if not transform(data, open_):
        return event
    return type(event).model_validate(data)


def has_sealed(event: Event) -> bool:
    """Whether any personal field of the event is sealed."""
    if event.type not in _TREES:
        return False
    found = False

    def look(value: Any, _context: str) -> Any:
        nonlocal found
        found = found or is_sealed(value)
        return value

    transform(event.model_dump(mode="json"), look)
    return found
