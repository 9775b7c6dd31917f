"""What one event asks notify to send: a `Dispatch` of notifications to one adviser,
with the policy for using the adviser's channels. Events that are not for notify plan
nothing."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from contracts.events import (
    AdviserAssigned,
    AssignmentEscalated,
    Event,
    NotificationPurpose,
    ReminderDue,
)
from contracts.vocabulary import Urgency
from notify.domain.messages import NoticeEvent, purpose_of
from notify.domain.notifications import Notification, Policy, notifications_for


@dataclass(frozen=True, slots=True)
class Dispatch:
    """Everything one event asks notify to send."""

    event: NoticeEvent
    purpose: NotificationPurpose
    policy: Policy
    assignment_id: uuid.UUID
    adviser_id: str
    notifications: tuple[Notification, ...]


def plan(event: Event, *, important_urgencies: Collection[Urgency]) -> Dispatch | None:
    """What to send for this event (None: nothing, it is not for notify)."""
    if isinstance(event, AdviserAssigned):
        policy = Policy.IMPORTANT if event.urgency in important_urgencies else Policy.DEFAULT
        return _dispatch(event, event.assignment_id, event.adviser_id, policy)
    if isinstance(event, AssignmentEscalated):
        return _dispatch(
            event, event.previous_assignment_id, event.previous_adviser_id, Policy.DEFAULT
        )
    if isinstance(event, ReminderDue):
        stage = str(event.stage) if event.recipient == "adviser" else f"{event.stage}.coord"
        return _dispatch(event, event.assignment_id, event.adviser_id, Policy.DEFAULT, stage=stage)
    return None


def _dispatch(
    event: NoticeEvent,
    assignment_id: uuid.UUID,
    adviser_id: str,
    policy: Policy,
    *,
    stage: str | None = None,
) -> Dispatch:
    contacts = event.previous_contacts if isinstance(event, AssignmentEscalated) else event.contacts
    purpose = purpose_of(event)
    return Dispatch(
        event=event,
        purpose=purpose,
        policy=policy,
        assignment_id=assignment_id,
        adviser_id=adviser_id,
        notifications=notifications_for(
            contacts, assignment_id=assignment_id, purpose=purpose, stage=stage
        ),
    )
