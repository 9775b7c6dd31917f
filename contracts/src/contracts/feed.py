"""The registry's change feed: a hint for live views that a record changed.

Published on core NATS after the registry committed, so a view that refetches on a
message reads at least that version. It carries no personal data: the record's id,
the event types just projected and the record's new version.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RecordChanged(BaseModel):
    """One record of the registry changed (on `weerbaar.changed.<kind>.<id>`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["incident", "registration"]
    id: uuid.UUID = Field(description="The incident or registration id")
    event_types: list[str] = Field(
        description="The event types just projected into it", examples=[["adviser.assigned"]]
    )
    version: int = Field(ge=1, description="The record's version now: its number of events")
