"""The API's problem answers: 404 (also for another's case), 422 across fields, and
the caller's address for the audit log."""

from __future__ import annotations

import uuid

from fastapi import Request
from pydantic import BaseModel

from registry.domain.disclosure import aggregate_problems
from registry.domain.filters import problems
from weerbaar_runtime.auth import Principal
from weerbaar_runtime.http import ProblemError
from weerbaar_runtime.logging import get_logger

_log = get_logger("registry")


def client(request: Request) -> str | None:
    return request.client.host if request.client else None


def not_found(what: str, ident: uuid.UUID) -> ProblemError:
    return ProblemError(404, "Not found", f"No {what} {ident}.")


def out_of_bounds(principal: Principal, what: str, ident: uuid.UUID) -> ProblemError:
    """Someone else's case: answered exactly like one that does not exist."""
    _log.warning("authorisation refused", role=principal.role.value, reason=f"other {what}")
    return not_found(what, ident)


def invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "Invalid request",
        f"{field}: {message}",
        extra={"errors": [{"field": field, "message": message}]},
    )


def check(query: BaseModel, *, aggregate_only: bool = False) -> None:
    """422 for what is wrong across fields, and (`aggregate_only`) for what a caller
    who sees aggregates only may not ask (`registry.domain.disclosure`)."""
    found = problems(query) + (aggregate_problems(query) if aggregate_only else [])
    if found:
        raise ProblemError(
            422,
            "Invalid request",
            "; ".join(f"{p['field']}: {p['message']}" for p in found),
            extra={"errors": found},
        )
