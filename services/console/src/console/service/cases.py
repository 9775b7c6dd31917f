"""The case work the pages offer, through the APIs with the user's own token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.domain import forms
from console.domain.cases import BoardFilters, board_order
from console.domain.problems import ApiProblem
from console.domain.session import Session
from console.service.ports import IntakeApi as Intake
from console.service.ports import RegistryApi as Registry
from console.service.ports import RoutingApi as Routing

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Board:
    items: list[Any]
    next_cursor: str | None


async def board(*, registry: Registry, session: Session, filters: BoardFilters) -> Board:
    page = await registry.incidents(
        token=session.access_token, params=[*filters.api_params(), ("limit", str(PAGE_SIZE))]
    )
    return Board(items=board_order(page["items"]), next_cursor=page.get("next_cursor"))


async def my_cases(*, registry: Registry, session: Session) -> list[dict[str, Any]]:
    """An adviser's own cases (the registry gives an adviser nothing else), newest first."""
    page = await registry.incidents(token=session.access_token, params=[("limit", str(PAGE_SIZE))])
    items: list[dict[str, Any]] = page["items"]
    return items


async def new_since(
    *, registry: Registry, session: Session, params: list[tuple[str, str]], shown: set[str]
) -> int:
    """How many cases the list would show now that the page does not."""
    page = await registry.incidents(
        token=session.access_token, params=[*params, ("limit", str(PAGE_SIZE))]
    )
    return sum(1 for item in page["items"] if item["incident_id"] not in shown)


async def summary(
    *, registry: Registry, session: Session, incident_id: str
) -> dict[str, Any] | None:
    """One row of a list, from the case record; None when the user may not see it."""
    try:
        return await registry.incident(token=session.access_token, incident_id=incident_id)
    except ApiProblem as problem:
        if problem.status == 404:
            return None
        raise


async def case(*, registry: Registry, session: Session, incident_id: str) -> dict[str, Any]:
    return await registry.incident(token=session.access_token, incident_id=incident_id)


async def report(
    *, intake: Intake, session: Session, form: forms.FormData, related_supported: bool
) -> tuple[forms.Parsed, dict[str, Any] | None]:
    """Validate the call form and send it with its own idempotency key."""
    parsed = forms.call(form, related_supported=related_supported)
    if parsed.errors:
        return parsed, None
    result = await intake.report(
        token=session.access_token, body=parsed.body, key=forms.first(form, "idempotency_key")
    )
    return parsed, result


async def register(
    *, intake: Intake, session: Session, form: forms.FormData
) -> tuple[forms.Parsed, dict[str, Any] | None]:
    parsed = forms.registration(form)
    if parsed.errors:
        return parsed, None
    result = await intake.register(
        token=session.access_token, body=parsed.body, key=forms.first(form, "idempotency_key")
    )
    return parsed, result


async def command(
    *,
    intake: Intake,
    session: Session,
    incident_id: str,
    name: str,
    parsed: forms.Parsed,
    key: str,
) -> dict[str, Any] | None:
    """acknowledge, actions, close, reopen, details, assign, decline."""
    if parsed.errors:
        return None
    return await intake.command(
        token=session.access_token, incident_id=incident_id, name=name, body=parsed.body, key=key
    )


async def erase(
    *, registry: Registry, session: Session, incident_id: str, key: str
) -> dict[str, Any]:
    return await registry.erase(
        token=session.access_token,
        incident_id=incident_id,
        requested_by=session.user.subject[:64],
        key=key,
    )


async def oncall(*, routing: Routing, session: Session) -> dict[str, Any] | None:
    """Who is on call now; None when routing does not say (yet)."""
    try:
        return await routing.oncall(token=session.access_token)
    except ApiProblem:
        return None


async def preview(
    *, routing: Routing, session: Session, params: list[tuple[str, str]]
) -> dict[str, Any] | None:
    try:
        return await routing.preview(token=session.access_token, params=params)
    except ApiProblem:
        return None
