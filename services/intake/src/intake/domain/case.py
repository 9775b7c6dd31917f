"""A case as intake sees it: its facts for routing, and who acts on it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from contracts.events import IncidentDetailsUpdated
from contracts.vocabulary import IncidentType, Role, Source, Urgency

PRODUCER = "intake"

Actor = Literal["operator", "coordinator", "adviser"]
"""Who works on a case."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who works on a case: an operator, a coordinator, or an adviser (with their id)."""

    actor: Actor
    adviser_id: str | None = None

    @property
    def is_adviser(self) -> bool:
        return self.actor == "adviser"


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What routing needs to know of a case to assign it by hand."""

    role: Role
    organisation_code: str
    urgency: Urgency
    types: list[IncidentType]
    source: Source

    def updated(self, update: IncidentDetailsUpdated) -> CaseFacts:
        return replace(
            self,
            urgency=update.urgency or self.urgency,
            types=list(update.types) if update.types is not None else self.types,
        )
