"""What to send to whom: one `Notification` per contact point of the adviser, in the
adviser's order, each with an id that is stable across redeliveries, and the policy
that decides how the channels are used."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from contracts.events import ContactPoint, NotificationPurpose, derive_id
from contracts.vocabulary import NotificationChannel


class Policy(StrEnum):
    """How a dispatch uses an adviser's channels."""

    IMPORTANT = "important"
    """Every channel at once (acute incidents)."""
    DEFAULT = "default"
    """The first channel; the next one only when nothing was delivered after a delay."""


@dataclass(frozen=True, slots=True)
class Notification:
    """One message over one channel to one address."""

    notification_id: uuid.UUID
    channel: NotificationChannel
    address: str
    position: int
    """Its place in the adviser's list of contacts (0 first)."""

    @property
    def idempotency_key(self) -> str:
        """The key a receiver can drop a repeat by (also the e-mail's Message-ID)."""
        return str(self.notification_id)


def notification_id(
    *,
    assignment_id: uuid.UUID,
    purpose: NotificationPurpose,
    channel_key: str,
    stage: str | None = None,
) -> uuid.UUID:
    """The id of one notification: the same for every redelivery of its event."""
    parts: list[object] = ["notification", assignment_id, purpose, channel_key]
    if stage is not None:
        parts.append(stage)
    return derive_id(*parts)


def notifications_for(
    contacts: Sequence[ContactPoint],
    *,
    assignment_id: uuid.UUID,
    purpose: NotificationPurpose,
    stage: str | None = None,
) -> tuple[Notification, ...]:
    """One notification per contact point, in order.

    The first contact on a channel is keyed by the channel alone; a second address on
    the same channel gets a numbered key, so both are delivered and neither repeats."""
    seen: dict[NotificationChannel, int] = {}
    result: list[Notification] = []
    for position, contact in enumerate(contacts):
        count = seen.get(contact.channel, 0) + 1
        seen[contact.channel] = count
        key = contact.channel.value if count == 1 else f"{contact.channel.value}.{count}"
        result.append(
            Notification(
                notification_id=notification_id(
                    assignment_id=assignment_id, purpose=purpose, channel_key=key, stage=stage
                ),
                channel=contact.channel,
                address=contact.address,
                position=position,
            )
        )
    return tuple(result)
