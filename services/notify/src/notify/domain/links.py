"""The links in a message: the signed acknowledge link of a page, the case in the
registry. The token is `contracts.tokens.sign_ack_token`; intake verifies it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.tokens import sign_ack_token


@dataclass(frozen=True, slots=True)
class Links:
    intake_public_url: str
    registry_public_url: str
    secret: bytes
    grace: timedelta

    def ack_url(
        self, *, incident_id: uuid.UUID, assignment_id: uuid.UUID, ack_deadline: datetime
    ) -> str:
        """`{INTAKE_PUBLIC_URL}/v1/ack/{token}`, valid until the deadline plus the grace."""
        token = sign_ack_token(
            secret=self.secret,
            incident_id=incident_id,
            assignment_id=assignment_id,
            expires_at=ack_deadline + self.grace,
        )
        return f"{self.intake_public_url.rstrip('/')}/v1/ack/{token}"

    def case_url(self, *, incident_id: uuid.UUID) -> str:
        return f"{self.registry_public_url.rstrip('/')}/v1/incidents/{incident_id}"
