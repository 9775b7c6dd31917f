"""The registry benchmark's synthetic stream: incidents with realistic distributions
of roles, types, channels, police reports, assignments, escalations and closures."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.events import (
    ActionRecorded,
    AdviserAssigned,
    AssignmentAcknowledged,
    AssignmentEscalated,
    ContactPoint,
    Event,
    IncidentClosed,
    IncidentFacts,
    IncidentReported,
    NotificationFailed,
    NotificationSent,
    Official,
    Police,
    RegistrationReceived,
    derive_id,
)
from contracts.organisations import OrganisationKind, all_organisations
from contracts.vocabulary import (
    DEFAULT_POOL_BY_ROLE,
    Channel,
    IncidentType,
    NotificationChannel,
    PerpetratorKind,
    PoliceStatus,
    Pool,
    ReasonNotReported,
    Role,
    Source,
    SupportNeed,
    Urgency,
)

START = datetime(2024, 12, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
ROLE_WEIGHTS = {
    Role.COUNCILLOR: 46,
    Role.ALDERMAN: 20,
    Role.MAYOR: 14,
    Role.PROVINCIAL_COUNCILLOR: 9,
    Role.PROVINCIAL_EXECUTIVE: 3,
    Role.KINGS_COMMISSIONER: 1,
    Role.WATER_BOARD_MEMBER: 7,
}
TYPE_WEIGHTS = {
    IncidentType.VERBAL_AGGRESSION: 35,
    IncidentType.THREAT: 25,
    IncidentType.INTIMIDATION: 20,
    IncidentType.ONLINE_HARASSMENT: 30,
    IncidentType.PROPERTY_DAMAGE: 5,
    IncidentType.PHYSICAL_VIOLENCE: 3,
    IncidentType.STALKING: 4,
    IncidentType.DEFAMATION: 8,
    IncidentType.DISCRIMINATION: 4,
    IncidentType.UNDERMINING: 2,
}
CHANNEL_WEIGHTS = {
    Channel.SOCIAL_MEDIA: 40,
    Channel.IN_PERSON: 20,
    Channel.MAIL_OR_EMAIL: 15,
    Channel.PHONE: 10,
    Channel.PUBLIC_SPACE: 10,
    Channel.AT_HOME: 5,
    Channel.DURING_MEETING: 10,
}
REASON_WEIGHTS = {
    ReasonNotReported.PART_OF_THE_JOB: 35,
    ReasonNotReported.NOT_SERIOUS_ENOUGH: 30,
    ReasonNotReported.NOTHING_WILL_BE_DONE: 20,
    ReasonNotReported.SOLVED_ON_THE_SPOT: 10,
    ReasonNotReported.OTHER: 5,
}
PERPETRATOR_WEIGHTS = {
    PerpetratorKind.INDIVIDUAL_CITIZEN: 70,
    PerpetratorKind.GROUP: 10,
    PerpetratorKind.FELLOW_OFFICE_HOLDER: 5,
    PerpetratorKind.ON_BEHALF_OF_ORGANISATION: 3,
    PerpetratorKind.UNKNOWN: 12,
}
GEMEENTE_ROLES = {Role.MAYOR, Role.ALDERMAN, Role.COUNCILLOR}
PROVINCE_ROLES = {Role.PROVINCIAL_COUNCILLOR, Role.PROVINCIAL_EXECUTIVE, Role.KINGS_COMMISSIONER}
BIG_FOUR = ["GM0363", "GM0599", "GM0518", "GM0344"]


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _some(rng: random.Random, weights: dict[Any, int], most: int) -> list[Any]:
    count = rng.choices(range(1, most + 1), weights=[70, 25, 5][:most])[0]
    chosen: list[Any] = []
    while len(chosen) < count:
        item = _pick(rng, weights)
        if item not in chosen:
            chosen.append(item)
    return chosen


class Organisations:
    """Gemeenten weighted roughly by population (the four big cities first, a Zipf-like
    tail in a fixed shuffled order), provincies and waterschappen evenly."""

    def __init__(self, rng: random.Random) -> None:
        everything = all_organisations().values()
        gemeenten = sorted(o.code for o in everything if o.kind is OrganisationKind.GEMEENTE)
        rest = [c for c in gemeenten if c not in BIG_FOUR]
        rng.shuffle(rest)
        self.gemeenten = BIG_FOUR + rest
        self.gemeente_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(self.gemeenten))]
        self.provincies = sorted(o.code for o in everything if o.kind is OrganisationKind.PROVINCIE)
        self.waterschappen = sorted(
            o.code for o in everything if o.kind is OrganisationKind.WATERSCHAP
        )

    def pick(self, rng: random.Random, role: Role) -> str:
        if role in GEMEENTE_ROLES:
            return rng.choices(self.gemeenten, weights=self.gemeente_weights)[0]
        if role in PROVINCE_ROLES:
            return rng.choice(self.provincies)
        return rng.choice(self.waterschappen)


def incident_events(rng: random.Random, orgs: Organisations, n: int, at: datetime) -> list[Event]:
    """One incident's events, as the services would publish them."""
    incident_id = derive_id("bench-incident", n)

    def env(kind: str, when: datetime, producer: str, k: int = 0) -> dict[str, Any]:
        return {
            "event_id": derive_id("bench", kind, n, k),
            "occurred_at": when,
            "incident_id": incident_id,
            "producer": producer,
        }

    role: Role = _pick(rng, ROLE_WEIGHTS)
    organisation = orgs.pick(rng, role)
    source = rng.choices(
        [Source.CRISIS_LINE, Source.MEDIA_REPORT, Source.MUNICIPAL_REGISTRATION], [75, 10, 15]
    )[0]
    urgency = rng.choices([Urgency.ACUTE, Urgency.HIGH, Urgency.NORMAL], [5, 25, 70])[0]
    police_status = rng.choices(
        [PoliceStatus.NONE, PoliceStatus.MELDING, PoliceStatus.AANGIFTE], [60, 25, 15]
    )[0]
    police = Police(
        status=police_status,
        reason_not_reported=_pick(rng, REASON_WEIGHTS)
        if police_status is PoliceStatus.NONE
        else None,
    )
    facts = IncidentFacts(
        types=_some(rng, TYPE_WEIGHTS, 3),
        channels=_some(rng, CHANNEL_WEIGHTS, 2),
        occurred_at=at - timedelta(hours=rng.uniform(0, 48)),
        description="Bedreiging na de raadsvergadering.",
    )
    perpetrator = _pick(rng, PERPETRATOR_WEIGHTS)
    family = rng.choices([True, False, None], [15, 70, 15])[0]
    events: list[Event] = []
    if source is Source.MUNICIPAL_REGISTRATION:
        events.append(
            RegistrationReceived(
                **env("registration", at, "intake"),
                external_id=f"REG-{n}",
                organisation_code=organisation,
                role=role,
                incident=facts.model_copy(update={"description": None}),
                police=police,
                perpetrator_kind=perpetrator,
                family_targeted=family,
                wants_contact=True,
            )
        )
    events.append(
        IncidentReported(
            **env("reported", at, "intake"),
            source=source,
            official=Official(
                role=role,
                organisation_code=organisation,
                name="A. de Vries",
                phone="+31612345678",
                email="a@example.nl",
            ),
            incident=facts,
            urgency=urgency,
            needs=[SupportNeed.SECURITY, SupportNeed.REPORTING_ADVICE][: rng.randint(1, 2)],
            police=police,
            perpetrator_kind=perpetrator,
            family_targeted=family,
            registration_id=incident_id if source is Source.MUNICIPAL_REGISTRATION else None,
        )
    )
    pool = DEFAULT_POOL_BY_ROLE[role]
    deadline_s = {Urgency.ACUTE: 300, Urgency.HIGH: 900, Urgency.NORMAL: 3600}[urgency]
    now = at + timedelta(seconds=rng.uniform(0.05, 1.0))
    level = 0
    while True:
        assignment_id = derive_id("bench-assignment", n, level)
        adviser = f"{(Pool.BZK if level else pool).value}-{rng.randint(1, 12):02d}"
        events.append(
            AdviserAssigned(
                **env("assigned", now, "routing", level),
                assignment_id=assignment_id,
                adviser_id=adviser,
                pool=Pool.BZK if level else pool,
                urgency=urgency,
                ack_deadline=now + timedelta(seconds=deadline_s),
                escalation_level=level,
                role=role,
                organisation_code=organisation,
                incident_types=facts.types,
                contacts=[
                    ContactPoint(channel=NotificationChannel.EMAIL, address=f"{adviser}@x.nl")
                ],
            )
        )
        sent = now + timedelta(seconds=rng.uniform(0.05, 2.0))
        failed = rng.random() < 0.02
        common = {
            "notification_id": derive_id("bench-notification", assignment_id),
            "assignment_id": assignment_id,
            "adviser_id": adviser,
            "channel": NotificationChannel.EMAIL,
        }
        if failed:
            events.append(
                NotificationFailed(
                    **env("failed", sent, "notify", level), **common, attempts=8, error="SMTP"
                )
            )
        else:
            events.append(
                NotificationSent(**env("sent", sent, "notify", level), **common, attempt=1)
            )
        if level == 0 and (failed or rng.random() < 0.07):
            now = now + timedelta(seconds=deadline_s)
            events.append(
                AssignmentEscalated(
                    **env("escalated", now, "routing"),
                    previous_assignment_id=assignment_id,
                    previous_adviser_id=adviser,
                    escalation_level=1,
                )
            )
            level = 1
            continue
        break
    if rng.random() < 0.97:
        ack_at = now + timedelta(seconds=min(deadline_s, rng.lognormvariate(5.0, 0.9)))
        events.append(
            AssignmentAcknowledged(
                **env("acknowledged", ack_at, "intake"),
                assignment_id=assignment_id,
                adviser_id=adviser,
            )
        )
        later = ack_at
        for k in range(rng.choices([0, 1, 2], [30, 50, 20])[0]):
            later += timedelta(hours=rng.uniform(1, 72))
            events.append(
                ActionRecorded(
                    **env("action", later, "intake", k),
                    action_id=derive_id("bench-action", n, k),
                    kind=SupportNeed.SECURITY,
                    note="Woningscan aangevraagd.",
                    adviser_id=adviser,
                )
            )
        if rng.random() < 0.85:
            events.append(
                IncidentClosed(
                    **env("closed", later + timedelta(days=rng.uniform(1, 30)), "intake"),
                    summary="Afgerond.",
                    adviser_id=adviser,
                )
            )
    return events
