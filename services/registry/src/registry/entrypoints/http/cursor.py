"""The page cursor: an opaque, URL-safe encoding of where the previous page ended (its
last record's time and id) and of the sort order it belongs to."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import UTC, datetime

from registry.entrypoints.http.problems import invalid


def encode_cursor(sort: str, after: tuple[datetime, str] | None) -> str | None:
    if after is None:
        return None
    raw = f"{sort}|{after[0].isoformat()}|{after[1]}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str | None, sort: str) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        cursor_sort, at, key = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        moment = datetime.fromisoformat(at)
        uuid.UUID(key)
        if moment.tzinfo is not None:
            moment.astimezone(UTC)  # year 1 at +14:00 or year 9999 at -14:00 overflow
    except (binascii.Error, ValueError, UnicodeDecodeError, OverflowError):
        raise invalid("cursor", "not a cursor from a previous page") from None
    if cursor_sort != sort or moment.tzinfo is None:
        raise invalid("cursor", "belongs to another sort order; start again without it")
    return moment, key
