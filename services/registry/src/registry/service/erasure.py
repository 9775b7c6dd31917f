"""Erasing one case's personal data on request: the lookup, the idempotency check, the
publication, the metric and the audit entry."""

from __future__ import annotations

import re
import uuid

from prometheus_client import Counter

from contracts.events import PersonalDataErased
from registry.domain.erasure import erasure
from registry.service.ports import Audit, CaseLookup, Publish
from weerbaar_runtime.auth import Principal

ERASURES = Counter("weerbaar_registry_erasures_requested_total", "Erasures published", ["reason"])


def requester(principal: Principal) -> str:
    """Who asks for an erasure: the caller's subject (the token's `sub`) as an event's
    identifier (64 characters of letters, digits and `._:-`), never a body field."""
    return re.sub(r"[^A-Za-z0-9._:-]", "-", principal.subject)[:64] or principal.role.value


class UnknownIncidentError(Exception):
    """No such incident."""


class IdempotencyConflictError(Exception):
    """The Idempotency-Key was used for an erasure request by another caller."""


async def request_erasure(
    *,
    cases: CaseLookup,
    publish: Publish,
    audit: Audit,
    principal: Principal,
    incident_id: uuid.UUID,
    key: str | None,
    client: str | None,
) -> PersonalDataErased:
    """Publish the erasure of one case's personal data; returns the event. A request
    repeated with its Idempotency-Key publishes the same event (JetStream keeps one);
    `publish` raising means nothing was stored and nothing is recorded. The requester
    is the caller; the key used by another caller is a conflict."""
    requested_by = requester(principal)
    if await cases.incident(incident_id) is None:
        raise UnknownIncidentError(str(incident_id))
    event = erasure(incident_id, requested_by=requested_by, reason="request", key=key)
    earlier = await cases.event(event.event_id)
    if isinstance(earlier, PersonalDataErased) and earlier.requested_by != event.requested_by:
        raise IdempotencyConflictError(str(incident_id))
    await publish(event)
    ERASURES.labels("request").inc()
    await audit.record(
        principal,
        "erasure.request",
        incident_id=str(incident_id),
        detail={"requested_by": requested_by, "event_id": str(event.event_id)},
        client=client,
    )
    return event
