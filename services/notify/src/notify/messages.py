"""The Dutch notification texts. No description and no name of the official, ever."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from jinja2 import Environment, StrictUndefined

from contracts.events import AdviserAssigned
from contracts.organisations import lookup

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

_env = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)  # noqa: S701 - plain-text mail

SUBJECT = _env.from_string(
    "[Weerbaar] {{ urgency }}: {{ role }} {{ organisation }} — bevestig vóór {{ deadline }}"
)
BODY = _env.from_string(
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

Crisislijn Weerbaar Bestuur: 070-37 38 314
"""
)


def render_email(assigned: AdviserAssigned, *, intake_public_url: str) -> tuple[str, str]:
    """Subject and plain-text body of the e-mail that pages the assigned adviser."""
    fields = {
        "incident_id": str(assigned.incident_id),
        "assignment_id": str(assigned.assignment_id),
        "urgency": assigned.urgency.label_nl,
        "role": assigned.role.label_nl,
        "organisation": lookup(assigned.organisation_code).name,
        "types": ", ".join(t.label_nl for t in assigned.incident_types) or "onbekend",
        "deadline": assigned.ack_deadline.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M"),
        "ack_url": (
            f"{intake_public_url.rstrip('/')}/v1/incidents/{assigned.incident_id}/acknowledge"
        ),
    }
    return SUBJECT.render(**fields), BODY.render(**fields)
