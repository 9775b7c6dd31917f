"""Personal data at rest: sealed under the case's own data key, as on the bus.

There is one scheme (`weerbaar_runtime.sealing`): every personal field is an `s1:`
value, AES-256-GCM under its case's data key, bound to the case, the event, its type
and the field's path. Intake seals a case's fields before they reach NATS; the
registry stores the events as they arrive, without opening them, and seals with the
same key whatever personal field reached it in the clear (an older producer's
events). The advisers' contact addresses are staff data, in the clear on the bus
(notify pages them) and at rest alike: the same addresses are in the roster's
configuration. The personal columns of `incidents` are copies of the report's sealed
values, bound to the report. The registry keeps each case's data key, wrapped with a
key-encryption key, in its `case_keys` table; opening a value needs that row and a
configured KEK, and an erasure deletes the row (and the key store's copy). Everything
the search and the statistics read stays plain: none of it is personal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from pydantic_core import to_json

from contracts.events import Event, parse_event
from weerbaar_runtime.sealing import (
    CASE_PERSONAL_PATHS,
    CaseKey,
    SealError,
    is_sealed,
    transform,
)

AT_REST_PATHS: Final = CASE_PERSONAL_PATHS
"""The fields sealed at rest: the case's personal fields, as on the bus."""
if any("*" in path for paths in AT_REST_PATHS.values() for path in paths):
    raise RuntimeError("at_rest_state reads plain attributes: a list path needs walking")

INCIDENT_COLUMNS: Final = ("official_name", "official_phone", "official_email", "description")
"""The personal columns of `incidents`: the report's sealed values."""

COLUMN_PATHS: Final = {
    "official_name": "official/name",
    "official_phone": "official/phone",
    "official_email": "official/email",
    "description": "incident/description",
}


def at_rest_state(event: Event) -> tuple[bool, bool]:
    """Whether the event holds sealed personal values, and whether it holds any in the
    clear (to be sealed at rest). Read from the model's attributes: no dump."""
    paths = AT_REST_PATHS.get(event.type)
    if not paths:
        return False, False
    sealed = plain = False
    for path in paths:
        value: Any = event
        for part in path:
            value = getattr(value, part, None)
            if value is None:
                break
        if value is None:
            continue
        if is_sealed(value):
            sealed = True
        else:
            plain = True
    return sealed, plain


def at_rest(event: Event, key: CaseKey | None, *, plain: bool | None = None) -> tuple[Event, str]:
    """The event as stored, and its payload: every personal value sealed under the
    case's data key (values already sealed stay as they are); `plain`, when known,
    says whether it holds any in the clear."""
    if not (at_rest_state(event)[1] if plain is None else plain):
        return event, event.model_dump_json()
    if key is None:
        raise SealError(f"case {event.incident_id} has values to seal and no data key")

    def seal(value: Any, context: str) -> Any:
        return value if value is None or is_sealed(value) else key.seal(str(value), context)

    data = event.model_dump(mode="json")
    transform(data, seal)
    return parse_event(data), to_json(data).decode()


def open_payload(payload: str, key: CaseKey | None) -> Event:
    """The event a stored payload holds, its sealed values opened (empty without a key:
    an erasure destroyed it)."""
    if '"s1:' not in payload:  # nothing sealed: nothing personal, or scrubbed
        return parse_event(payload)
    data = json.loads(payload)

    def open_(value: Any, context: str) -> Any:
        if not is_sealed(value):
            return value
        return None if key is None else key.open(value, context)

    transform(data, open_)
    return parse_event(data)


def open_columns(
    incident_id: str,
    values: Mapping[str, str | None],
    reported_event_ids: Iterable[str],
    key: CaseKey | None,
) -> dict[str, str | None]:
    """The incident's personal columns opened: each is a sealed value of its report
    (one of `reported_event_ids`, the case's `incident.reported` events)."""
    reports = list(reported_event_ids)
    opened: dict[str, str | None] = {}
    for column in INCIDENT_COLUMNS:
        value = values.get(column)
        if not is_sealed(value):
            opened[column] = value
            continue
        opened[column] = None
        if key is None:
            continue
        for event_id in reports:
            context = f"{incident_id}/{event_id}/incident.reported/{COLUMN_PATHS[column]}"
            try:
                opened[column] = key.open(str(value), context)
                break
            except SealError:
                continue
        else:
            raise SealError(f"a personal column of case {incident_id} does not open")
    return opened


def has_personal_data(payload: str) -> bool:
    """Whether a stored payload still holds a personal value (scrubbed ones do not)."""
    data = json.loads(payload)
    found = False

    def look(value: Any, _context: str) -> Any:
        nonlocal found
        found = found or value is not None
        return value

    transform(data, look)
    return found


__all__ = [
    "AT_REST_PATHS",
    "INCIDENT_COLUMNS",
    "SealError",
    "at_rest",
    "at_rest_state",
    "has_personal_data",
    "open_columns",
    "open_payload",
]
