"""The Dutch notification texts. No description and no name of the official, ever.

Every purpose (page, escalation notice, reminder) has an e-mail (subject and body),
an SMS and a webhook body. An SMS carries nothing beyond fixed text, the urgency, the
incident reference and a link: a text message lands on a lock screen.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, StrictUndefined, Template

from contracts.events import (
    AdviserAssigned,
    AssignmentEscalated,
    NotificationPurpose,
    ReminderDue,
)
from contracts.organisations import lookup
from contracts.vocabulary import NotificationChannel

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CRISIS_LINE = "070-37 38 314"

_env = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)  # noqa: S701 - plain text, not HTML

NoticeEvent = AdviserAssigned | AssignmentEscalated | ReminderDue


@dataclass(frozen=True, slots=True)
class Rendered:
    """One message, ready for a channel: e-mail uses subject and text, SMS the text,
    a webhook the data."""

    subject: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Templates:
    subject: Template
    body: Template
    sms: Template


_PAGE = Templates(
    # The subject is read by every mail server on the way (and shown on a locked
    # phone): the urgency and the reference only. Who and where are in the body.
    subject=_env.from_string("[Weerbaar] {{ urgency }}: nieuwe melding {{ incident_id }}"),
    body=_env.from_string(
        """Beste adviseur,

Er is een nieuwe melding voor u bij het Ondersteuningsteam Weerbaar Bestuur.

  Referentie:   {{ incident_id }}
  Urgentie:     {{ urgency }}
  Functie:      {{ role }}
  Organisatie:  {{ organisation }}
  Soort:        {{ types }}
  Bevestig vóór {{ deadline }} (Nederlandse tijd).

Bevestig dat u de melding oppakt:
  {{ ack_url }}
  (toewijzing {{ assignment_id }})

Wordt er niet op tijd bevestigd, dan gaat de melding naar de volgende adviseur.
De details van de melding staan in het dossier; dit bericht bevat bewust geen
persoonsgegevens.

Crisislijn Weerbaar Bestuur: {{ crisis_line }}
"""
    ),
    sms=_env.from_string(
        "Weerbaar: nieuwe melding, urgentie {{ urgency }}. Ref {{ incident_id }}. "
        "Bevestig: {{ ack_url }}"
    ),
)

_ESCALATION_NOTICE = Templates(
    subject=_env.from_string("[Weerbaar] Melding {{ incident_id }} is overgedragen"),
    body=_env.from_string(
        """Beste adviseur,

De melding met referentie {{ incident_id }} is overgedragen aan een andere
adviseur: {{ reason }}.

  Referentie:   {{ incident_id }}
  (toewijzing {{ assignment_id }}, escalatie {{ escalation_level }})

U hoeft voor deze melding niets meer te doen; de link om te bevestigen werkt niet
meer. Neem contact op met de crisislijn als u de melding toch al had opgepakt.

Crisislijn Weerbaar Bestuur: {{ crisis_line }}
"""
    ),
    sms=_env.from_string(
        "Weerbaar: melding {{ incident_id }} is overgedragen aan een andere adviseur. "
        "U hoeft niets te doen."
    ),
)

_REMINDER = Templates(
    subject=_env.from_string(
        "[Weerbaar] Herinnering: melding {{ incident_id }} wacht op een actie"
    ),
    body=_env.from_string(
        """Beste {{ addressee }},

{{ opening }}

  Referentie:   {{ incident_id }}
  Functie:      {{ role }}
  Organisatie:  {{ organisation }}
  Geen actie sinds {{ idle_since }} (Nederlandse tijd).
  (toewijzing {{ assignment_id }}, herinnering {{ stage }})

Het dossier:
  {{ case_url }}

Leg een actie vast of sluit de melding als er niets meer te doen is.

Crisislijn Weerbaar Bestuur: {{ crisis_line }}
"""
    ),
    sms=_env.from_string(
        "Weerbaar: herinnering, melding {{ incident_id }} wacht op een actie. {{ case_url }}"
    ),
)

_TEMPLATES: dict[NotificationPurpose, Templates] = {
    "page": _PAGE,
    "escalation_notice": _ESCALATION_NOTICE,
    "reminder": _REMINDER,
}

_ESCALATION_REASONS = {
    "ack_deadline_passed": "er is niet op tijd bevestigd",
    "notification_failed": "u was niet bereikbaar via de ingestelde kanalen",
    "declined": "u heeft aangegeven de melding niet te kunnen oppakken",
    "reassigned": "de crisislijn heeft de melding aan een collega toegewezen",
}


def purpose_of(event: NoticeEvent) -> NotificationPurpose:
    """Why this event is sent."""
    if isinstance(event, AdviserAssigned):
        return "page"
    if isinstance(event, AssignmentEscalated):
        return "escalation_notice"
    return "reminder"


def _local(moment: datetime) -> str:
    return moment.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def _fields(event: NoticeEvent, *, ack_url: str | None, case_url: str) -> dict[str, Any]:
    common: dict[str, Any] = {
        "incident_id": str(event.incident_id),
        "crisis_line": CRISIS_LINE,
        "case_url": case_url,
    }
    if isinstance(event, AdviserAssigned):
        return {
            **common,
            "assignment_id": str(event.assignment_id),
            "urgency": event.urgency.label_nl,
            "role": event.role.label_nl,
            "organisation": lookup(event.organisation_code).name,
            "types": ", ".join(t.label_nl for t in event.incident_types) or "onbekend",
            "deadline": _local(event.ack_deadline),
            "ack_url": ack_url or case_url,
        }
    if isinstance(event, AssignmentEscalated):
        return {
            **common,
            "assignment_id": str(event.previous_assignment_id),
            "escalation_level": event.escalation_level,
            "reason": _ESCALATION_REASONS[event.reason],
        }
    coordinator = event.recipient == "coordinator"
    return {
        **common,
        "assignment_id": str(event.assignment_id),
        "role": event.role.label_nl,
        "organisation": lookup(event.organisation_code).name,
        "idle_since": _local(event.idle_since),
        "stage": event.stage,
        "addressee": "coördinator" if coordinator else "adviseur",
        "opening": (
            "Een melding in uw pool wacht al te lang op een vervolgactie."
            if coordinator
            else "U heeft deze melding bevestigd, maar er is nog geen vervolgactie vastgelegd."
        ),
    }


def _webhook_data(
    event: NoticeEvent,
    *,
    purpose: NotificationPurpose,
    notification_id: uuid.UUID,
    text: str,
    ack_url: str | None,
    case_url: str,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": f"weerbaar.{purpose}",
        "version": 1,
        "notification_id": str(notification_id),
        "purpose": purpose,
        "incident_id": str(event.incident_id),
        "text": text,
    }
    if isinstance(event, AdviserAssigned):
        data.update(
            assignment_id=str(event.assignment_id),
            adviser_id=event.adviser_id,
            urgency=event.urgency.value,
            role=event.role.value,
            organisation_code=event.organisation_code,
            incident_types=[t.value for t in event.incident_types],
            ack_deadline=event.ack_deadline.isoformat(),
            ack_url=ack_url,
        )
    elif isinstance(event, AssignmentEscalated):
        data.update(
            assignment_id=str(event.previous_assignment_id),
            adviser_id=event.previous_adviser_id,
            escalation_level=event.escalation_level,
            reason=event.reason,
        )
    else:
        data.update(
            assignment_id=str(event.assignment_id),
            adviser_id=event.adviser_id,
            recipient=event.recipient,
            stage=event.stage,
            role=event.role.value,
            organisation_code=event.organisation_code,
            idle_since=event.idle_since.isoformat(),
            case_url=case_url,
        )
    return data


def render(
    event: NoticeEvent,
    *,
    channel: NotificationChannel,
    notification_id: uuid.UUID,
    ack_url: str | None,
    case_url: str,
) -> Rendered:
    """The message for one channel. `ack_url` is the signed acknowledge link of a page."""
    purpose = purpose_of(event)
    templates = _TEMPLATES[purpose]
    fields = _fields(event, ack_url=ack_url, case_url=case_url)
    sms = templates.sms.render(**fields)
    if channel is NotificationChannel.SMS:
        return Rendered(subject="", text=sms)
    if channel is NotificationChannel.WEBHOOK:
        return Rendered(
            subject="",
            text=sms,
            data=_webhook_data(
                event,
                purpose=purpose,
                notification_id=notification_id,
                text=sms,
                ack_url=ack_url,
                case_url=case_url,
            ),
        )
    return Rendered(
        subject=templates.subject.render(**fields), text=templates.body.render(**fields)
    )
