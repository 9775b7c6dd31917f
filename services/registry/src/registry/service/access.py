"""Who may do what in the registry, and which cases and registrations a caller sees.

The HTTP routers require these roles; the checks below narrow what a permitted caller
gets: an adviser the cases ever assigned to them, an organisation's system its own
registrations, everyone who does not see the cases themselves suppressed small cells."""

from __future__ import annotations

from collections.abc import Iterable

from contracts.events import AdviserAssigned, Event
from weerbaar_runtime.auth import Access, Principal

CASE_READERS = (Access.OPERATOR, Access.COORDINATOR, Access.ADVISER)
REGISTRATION_READERS = (Access.OPERATOR, Access.COORDINATOR, Access.MUNICIPAL_SYSTEM)
STATISTICS_READERS = (Access.ANALYST, Access.OPERATOR, Access.COORDINATOR)
ERASERS = (Access.OPERATOR, Access.COORDINATOR)
CASE_EXPORTERS = (Access.OPERATOR,)
AUDITORS = (Access.COORDINATOR,)

SEES_CASES = frozenset({Access.OPERATOR, Access.COORDINATOR})


def caller_sees_aggregates_only(principal: Principal) -> bool:
    """Whether small cells must be suppressed for this caller: for everyone but those
    who may see every case anyway."""
    return principal.role not in SEES_CASES


def adviser_scope(principal: Principal) -> str | None:
    """The adviser whose cases alone the caller sees (None: every case)."""
    return principal.adviser_id if principal.role is Access.ADVISER else None


def organisation_scope(principal: Principal) -> str | None:
    """The organisation whose registrations alone the caller sees (None: all)."""
    return principal.organisation_code if principal.role is Access.MUNICIPAL_SYSTEM else None


def may_read_case(principal: Principal, events: Iterable[Event]) -> bool:
    """An adviser reads a case once assigned to it; every other case reader any case."""
    if principal.role is not Access.ADVISER:
        return True
    return any(
        isinstance(e, AdviserAssigned) and e.adviser_id == principal.adviser_id for e in events
    )


def may_read_registration(principal: Principal, organisation_code: str) -> bool:
    """An organisation's system reads only its own organisation's registrations."""
    return (
        principal.role is not Access.MUNICIPAL_SYSTEM
        or organisation_code == principal.organisation_code
    )
