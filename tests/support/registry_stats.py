"""The registry statistics tests' fixture, hand-computed.

The fixture (17 cases):
- 7 mayors of Amsterdam (GM0363, PV27), November 2026, threat via social media,
  high, crisis line; police 3 aangifte, 2 melding, 2 none (part of the job); all
  routed to NGB, 1 escalated; acknowledged after 60, 120, …, 420 s.
- 5 councillors of Utrecht (GM0344, PV26), October 2026, verbal aggression and
  threat in person, normal, media report; police none (not serious enough); routed
  to NVvR; 3 acknowledged after 600 s, 2 not.
- 2 aldermen of Rotterdam (GM0599, PV28), intimidation by phone, acute, crisis
  line, both aangifte; acknowledged after 30 and 90 s. One was reported at
  2026-10-31 23:30 UTC: 00:30 on 1 November in Amsterdam, so November.
- 3 registrations without contact: councillors of Utrecht, November 2026, verbal
  aggression during a meeting, melding.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.events import (
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentEscalated,
    ContactPoint,
    Event,
    IncidentFacts,
    IncidentReported,
    Official,
    Police,
    RegistrationReceived,
    derive_id,
)
from contracts.vocabulary import NotificationChannel, Pool

NOV = datetime(2026, 11, 10, 12, tzinfo=UTC)
OCT = datetime(2026, 10, 12, 12, tzinfo=UTC)


def incident(
    n: int,
    *,
    role: str,
    org: str,
    at: datetime,
    types: list[str],
    channels: list[str],
    urgency: str,
    source: str,
    police: dict[str, Any],
    pool: Pool,
    ack_after_s: int | None,
    escalated: bool = False,
) -> list[Event]:
    incident_id = derive_id("stats-fixture", n)

    def env(kind: str, when: datetime) -> dict[str, Any]:
        return {
            "event_id": derive_id("stats-fixture", kind, n),
            "incident_id": incident_id,
            "occurred_at": when,
            "producer": "test",
        }

    assignment_id = derive_id("stats-assignment", n)
    events: list[Event] = [
        IncidentReported(
            **env("reported", at),
            source=source,
            official=Official(role=role, organisation_code=org, name=f"Naam {n}"),
            incident=IncidentFacts(types=types, channels=channels, description="Tekst."),
            urgency=urgency,
            police=Police(**police),
        ),
        AdviserAssigned(
            **env("assigned", at + timedelta(seconds=1)),
            assignment_id=assignment_id,
            adviser_id=f"{pool.value}-1",
            pool=pool,
            urgency=urgency,
            ack_deadline=at + timedelta(minutes=15),
            role=role,
            organisation_code=org,
            contacts=[ContactPoint(channel=NotificationChannel.EMAIL, address="a@b.nl")],
        ),
    ]
    if escalated:
        events.append(
            AssignmentEscalated(
                **env("escalated", at + timedelta(seconds=2)),
                previous_assignment_id=assignment_id,
                previous_adviser_id=f"{pool.value}-1",
                escalation_level=1,
            )
        )
    if ack_after_s is not None:
        events.append(
            AssignmentAcknowledged(
                **env("acknowledged", at + timedelta(seconds=ack_after_s)),
                assignment_id=assignment_id,
            )
        )
    return events


def fixture() -> list[Event]:
    events: list[Event] = []
    mayor_police = [{"status": "aangifte"}] * 3 + [{"status": "melding"}] * 2
    mayor_police += [{"status": "none", "reason_not_reported": "part_of_the_job"}] * 2
    for i in range(7):
        events += incident(
            i,
            role="mayor",
            org="GM0363",
            at=NOV + timedelta(hours=i),
            types=["threat"],
            channels=["social_media"],
            urgency="high",
            source="crisis_line",
            police=mayor_police[i],
            pool=Pool.NGB,
            ack_after_s=60 * (i + 1),
            escalated=i == 0,
        )
    for i in range(5):
        events += incident(
            10 + i,
            role="councillor",
            org="GM0344",
            at=OCT + timedelta(hours=i),
            types=["verbal_aggression", "threat"],
            channels=["in_person"],
            urgency="normal",
            source="media_report",
            police={"status": "none", "reason_not_reported": "not_serious_enough"},
            pool=Pool.NVVR,
            ack_after_s=600 if i < 3 else None,
        )
    for i, at in enumerate([NOV, datetime(2026, 10, 31, 23, 30, tzinfo=UTC)]):
        events += incident(
            20 + i,
            role="alderman",
            org="GM0599",
            at=at,
            types=["intimidation"],
            channels=["phone"],
            urgency="acute",
            source="crisis_line",
            police={"status": "aangifte"},
            pool=Pool.WETHOUDERSVERENIGING,
            ack_after_s=30 + 60 * i,
        )
    for i in range(3):
        events.append(
            RegistrationReceived(
                event_id=derive_id("stats-registration", i),
                incident_id=derive_id("stats-registration-id", i),
                occurred_at=NOV + timedelta(days=1, hours=i),
                producer="test",
                external_id=f"UTR-{i}",
                organisation_code="GM0344",
                role="councillor",
                incident=IncidentFacts(types=["verbal_aggression"], channels=["during_meeting"]),
                police=Police(status="melding"),
            )
        )
    return events
