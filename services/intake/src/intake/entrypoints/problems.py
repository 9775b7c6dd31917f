"""The one translation of a refused or failed use case into problem+json, and the
count of every command's outcome."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from prometheus_client import Counter

from intake.domain.errors import (
    AlreadyAcknowledgedError,
    CaseNotFoundError,
    InvalidLinkError,
    NotPermittedError,
    RelatedIncidentError,
    SupersededError,
)
from intake.service.intake import RegistrationExistsError
from intake.service.ports import IdempotencyConflictError, PublishFailedError
from weerbaar_runtime.auth import Principal, forbidden
from weerbaar_runtime.http import ProblemError, problem_doc, unavailable

T = TypeVar("T")

COMMANDS = Counter(
    "weerbaar_intake_commands_total", "Commands handled by intake", ["command", "outcome"]
)

REFUSALS = (
    IdempotencyConflictError,
    SupersededError,
    AlreadyAcknowledgedError,
    InvalidLinkError,
    CaseNotFoundError,
    RelatedIncidentError,
    NotPermittedError,
    PublishFailedError,
)
"""What a use case may raise that is an answer, not a bug."""

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: problem_doc("Idempotency-Key reused with a different body"),
    413: problem_doc("Body too large"),
    415: problem_doc("Body is not JSON"),
    422: problem_doc("Invalid request: the detail names the field"),
    503: problem_doc("Not stored: JetStream unreachable; retry after Retry-After seconds"),
}
NOT_FOUND = problem_doc("No such incident (or not one of the adviser's)")


@dataclass(frozen=True, slots=True)
class Problems:
    retry_after_s: int

    async def run(self, command: str, call: Awaitable[T], principal: Principal | None = None) -> T:
        """Await a use case and count it as an accepted command; a refusal or failure
        is counted under its own outcome and raised as the problem to answer."""
        try:
            result = await call
        except REFUSALS as exc:
            # chained, so a caller can tell the refusals apart by their cause
            raise self.problem(command, exc, principal) from exc
        COMMANDS.labels(command, "accepted").inc()
        return result

    def problem(
        self, command: str, exc: Exception, principal: Principal | None = None
    ) -> ProblemError:
        """The problem answering `exc`, counted as the command's outcome."""
        if isinstance(exc, NotPermittedError) and principal is not None:
            return forbidden(principal, exc.what)
        outcome, problem = self._translate(exc)
        COMMANDS.labels(command, outcome).inc()
        return problem

    def _translate(self, exc: Exception) -> tuple[str, ProblemError]:
        match exc:
            case RegistrationExistsError():
                return "conflict", ProblemError(
                    409,
                    "Registration exists",
                    "This organisation already registered this external_id with different content.",
                )
            case IdempotencyConflictError():
                return "conflict", ProblemError(
                    409,
                    "Idempotency-Key reused",
                    "This Idempotency-Key was used before with a different request body.",
                )
            case SupersededError(current=current):
                return "superseded", ProblemError(
                    409,
                    "Assignment superseded",
                    "This assignment is no longer current: the case was escalated to another "
                    "adviser. Nothing was acknowledged.",
                    extra={
                        "current_assignment_id": str(current.assignment_id) if current else None
                    },
                )
            case AlreadyAcknowledgedError(assignment_id=assignment_id):
                return "acknowledged", ProblemError(
                    409,
                    "Already acknowledged",
                    "The assignment was acknowledged: it can be handed over to another "
                    "adviser (POST /v1/incidents/{id}/assign), not declined.",
                    extra={"current_assignment_id": str(assignment_id)},
                )
            case InvalidLinkError():
                return "invalid_link", ProblemError(
                    403, "Invalid acknowledge link", "The link is invalid or has expired."
                )
            case CaseNotFoundError(incident_id=incident_id):
                return "not_found", ProblemError(404, "Not found", f"No incident {incident_id}.")
            case RelatedIncidentError(incident_id=related):
                return "invalid", ProblemError(
                    422,
                    "Invalid request",
                    f"related_incident_id: no incident {related} (or its data was erased)",
                    extra={
                        "errors": [
                            {
                                "field": "related_incident_id",
                                "message": "no such incident, or its data was erased",
                            }
                        ]
                    },
                )
            case PublishFailedError():
                return "unavailable", self.unavailable()
        raise exc

    def unavailable(self) -> ProblemError:
        """Nothing was stored: JetStream did not confirm it."""
        return unavailable(
            "The event store did not confirm storing the request; nothing was accepted. "
            "Retry with the same Idempotency-Key.",
            retry_after_s=self.retry_after_s,
        )
