"""Helpers for the notify tests against real servers: events, the stream, metrics, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from typing import Any

from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError
from prometheus_client.parser import text_string_to_metric_families

from contracts.events import (
    AdviserAssigned,
    AssignmentEscalated,
    ContactPoint,
    Event,
    ReminderDue,
    derive_id,
    parse_event,
    utcnow,
)
from contracts.subjects import EVENTS_STREAM, NOTIFY_CONSUMER
from contracts.vocabulary import IncidentType, NotificationChannel, Pool, Role, Urgency
from tests.support.servers import ROOT

ACK_SECRET = "integration-ack-secret"
WEBHOOK_SECRET = "integration-webhook-secret"
INTAKE_URL = "https://weerbaar.test"


def contact(channel: str, address: str) -> ContactPoint:
    return ContactPoint(channel=NotificationChannel(channel), address=address)


def assigned(
    contacts: list[ContactPoint],
    *,
    urgency: Urgency = Urgency.HIGH,
    adviser_id: str = "ngb-01",
    incident_id: uuid.UUID | None = None,
) -> AdviserAssigned:
    incident = incident_id or uuid.uuid4()
    now = utcnow()
    return AdviserAssigned(
        event_id=derive_id("test-assigned", incident),
        incident_id=incident,
        occurred_at=now,
        producer="routing",
        assignment_id=derive_id("test-assignment", incident),
        adviser_id=adviser_id,
        pool=Pool.NGB,
        urgency=urgency,
        ack_deadline=now + timedelta(minutes=15),
        role=Role.MAYOR,
        organisation_code="GM0363",
        incident_types=[IncidentType.THREAT],
        contacts=contacts,
    )


def escalated(previous: AdviserAssigned) -> AssignmentEscalated:
    return AssignmentEscalated(
        event_id=derive_id("test-escalated", previous.assignment_id),
        incident_id=previous.incident_id,
        occurred_at=utcnow(),
        producer="routing",
        previous_assignment_id=previous.assignment_id,
        previous_adviser_id=previous.adviser_id,
        previous_contacts=list(previous.contacts),
        next_adviser_id="ngb-02",
        escalation_level=1,
    )


def reminder(previous: AdviserAssigned, *, stage: int = 1) -> ReminderDue:
    return ReminderDue(
        event_id=derive_id("test-reminder", previous.assignment_id, stage),
        incident_id=previous.incident_id,
        occurred_at=utcnow(),
        producer="routing",
        assignment_id=previous.assignment_id,
        adviser_id=previous.adviser_id,
        recipient="adviser",
        stage=stage,
        contacts=list(previous.contacts),
        role=Role.MAYOR,
        organisation_code="GM0363",
        idle_since=utcnow() - timedelta(hours=4),
    )


async def publish(js: JetStreamContext, event: Event, *, msg_id: str | None = None) -> int:
    """Publish the event on the events stream; its stream sequence."""
    ack = await js.publish(
        event.subject(),
        event.model_dump_json().encode(),
        stream=EVENTS_STREAM,
        headers={"Nats-Msg-Id": msg_id or str(event.event_id)},
    )
    return int(ack.seq)


async def settled(js: JetStreamContext, seq: int) -> bool:
    """Whether notify's consumer has acknowledged (or parked) every message up to stream
    sequence `seq`: none of them will be handled again, so nothing more is sent for it.
    The sentinel for "nothing else arrives", instead of a sleep."""
    info = await js.consumer_info(EVENTS_STREAM, NOTIFY_CONSUMER.durable)
    return info.ack_floor.stream_seq >= seq


async def events_of(js: JetStreamContext, incident_id: uuid.UUID, kind: str) -> list[Event]:
    """Every event of one type and incident in the events stream, in order."""
    found: list[Event] = []
    seq = 1
    subject = f"weerbaar.events.{kind}.{incident_id}"
    while True:
        try:
            raw = await js.get_msg(EVENTS_STREAM, seq=seq, subject=subject, next=True)
        except NotFoundError:
            return found
        found.append(parse_event(raw.data or b""))
        seq = int(raw.seq or seq) + 1


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def notify_cli(nats_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`weerbaar-notify …` as an operator would run it."""
    return subprocess.run(
        [sys.executable, "-m", "notify", *args],
        env={**os.environ, "NATS_URL": nats_url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def dead_letters(nats_url: str) -> list[dict[str, Any]]:
    result = notify_cli(nats_url, "dead-letters", "list", "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
