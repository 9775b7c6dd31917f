"""The erasure event: after the retention period, or on request."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from contracts.events import PersonalDataErased, derive_id, utcnow

RETENTION_REQUESTER = "registry-retention"


def erasure(
    incident_id: uuid.UUID | str,
    *,
    requested_by: str,
    reason: Literal["retention", "request"],
    key: str | None = None,
    now: datetime | None = None,
) -> PersonalDataErased:
    """The erasure event. The retention job's id depends only on the case, so running
    the job twice (or on two replicas) records one erasure; a request's id depends on
    its Idempotency-Key when there is one."""
    if reason == "retention":
        event_id = derive_id("personal_data_erased", incident_id, "retention")
    elif key is not None:
        event_id = derive_id("personal_data_erased", incident_id, "request", key)
    else:
        event_id = uuid.uuid4()
    return PersonalDataErased(
        event_id=event_id,
        occurred_at=now or utcnow(),
        incident_id=uuid.UUID(str(incident_id)),
        producer="registry",
        requested_by=requested_by,
        reason=reason,
    )
