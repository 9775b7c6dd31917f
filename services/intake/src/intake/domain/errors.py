"""Why a command is refused; the HTTP layer answers each in one way."""

from __future__ import annotations

import uuid

from contracts.events import AdviserAssigned


class CaseNotFoundError(Exception):
    """No such incident, or not one this adviser may see (so ids cannot be probed)."""

    def __init__(self, incident_id: uuid.UUID) -> None:
        super().__init__("not found")
        self.incident_id = incident_id


class RelatedIncidentError(Exception):
    """The earlier case a follow-up call names does not exist, or its data was erased."""

    def __init__(self, incident_id: uuid.UUID) -> None:
        super().__init__("no related incident")
        self.incident_id = incident_id


class NotPermittedError(Exception):
    """The caller may not do this at all (`what` says what, for the refusal)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class SupersededError(Exception):
    """The assignment named is no longer the incident's current one."""

    def __init__(self, current: AdviserAssigned | None) -> None:
        super().__init__("superseded")
        self.current = current


class InvalidLinkError(Exception):
    """The acknowledge token is forged, expired or for another incident."""


class AlreadyAcknowledgedError(Exception):
    """The assignment was acknowledged: it can be handed over, not declined."""

    def __init__(self, assignment_id: uuid.UUID) -> None:
        super().__init__("acknowledged")
        self.assignment_id = assignment_id
