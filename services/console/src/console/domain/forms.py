"""The console's forms as data: what the user typed becomes an API request body, or a
list of errors in Dutch, each naming the field it belongs to (for the error summary)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from contracts.organisations import Organisation, all_organisations
from contracts.vocabulary import (
    Channel,
    IncidentType,
    PerpetratorKind,
    PoliceStatus,
    ReasonNotReported,
    Role,
    SupportNeed,
    Urgency,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
CODE_IN_TEXT = re.compile(r"\b(GM\d{4}|PV\d{2}|WS\d{4})\b", re.IGNORECASE)
MOMENT_FORMATS = ("%d-%m-%Y %H:%M", "%d-%m-%Y %H.%M", "%Y-%m-%dT%H:%M", "%d-%m-%Y")

FormData = Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One mistake: the field's id (the summary links to it) and what to do about it."""

    field: str
    message: str


@dataclass(slots=True)
class Parsed:
    """The request body to send, or the errors to show (never both)."""

    body: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    def fail(self, name: str, message: str) -> None:
        self.errors.append(FieldError(name, message))


def first(form: FormData, name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def many(form: FormData, name: str) -> list[str]:
    return [v for v in (form.get(name) or []) if v]


def organisation_from(text: str) -> Organisation | None:
    """The organisation a user chose: its code, its exact name, or "Name (CODE)"."""
    if not text:
        return None
    found = all_organisations()
    code = CODE_IN_TEXT.search(text)
    if code and code.group(1).upper() in found:
        return found[code.group(1).upper()]
    lowered = text.casefold()
    matches = [o for o in found.values() if o.name.casefold() == lowered]
    return matches[0] if len(matches) == 1 else None


def organisation_label(organisation: Organisation) -> str:
    return f"{organisation.name} ({organisation.code})"


def moment_from(text: str) -> datetime | None:
    """A date and time as the Dutch write it, in Dutch time; None when it is not one."""
    for pattern in MOMENT_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=AMSTERDAM)
        except ValueError:
            continue
    return None


def normalise_phone(text: str) -> str:
    compact = re.sub(r"[\s()-]", "", text)
    if compact.startswith("06") and len(compact) == 10:
        return "+31" + compact[1:]
    return compact


def _choices(
    parsed: Parsed, form: FormData, name: str, allowed: set[str], message: str
) -> list[str]:
    chosen = many(form, name)
    if any(value not in allowed for value in chosen):
        parsed.fail(f"f-{name}", message)
        return []
    return chosen


def _codes(vocabulary: Any) -> set[str]:
    return {str(m) for m in vocabulary}


def _official(parsed: Parsed, form: FormData, *, contact_required: bool) -> dict[str, Any]:
    official: dict[str, Any] = {}
    role = first(form, "role")
    if role not in _codes(Role):
        parsed.fail("f-role", "Kies de functie van de beller.")
    else:
        official["role"] = role
    organisation = organisation_from(first(form, "organisation"))
    if organisation is None:
        parsed.fail(
            "f-organisation",
            "Kies de organisatie uit de lijst: typ de naam of de code, bijvoorbeeld GM0363.",
        )
    else:
        official["organisation_code"] = organisation.code
    name, phone, email = first(form, "name"), first(form, "phone"), first(form, "email")
    if len(name) > 200:
        parsed.fail("f-name", "Een naam is hoogstens 200 tekens.")
    elif name:
        official["name"] = name
    if phone:
        if not PHONE.match(phone):
            parsed.fail("f-phone", "Vul het telefoonnummer in als 0612345678 of +31612345678.")
        else:
            official["phone"] = normalise_phone(phone)
    if email:
        if not EMAIL.match(email) or len(email) > 254:
            parsed.fail("f-email", "Vul een e-mailadres in als naam@voorbeeld.nl.")
        else:
            official["email"] = email
    if contact_required and not (phone or email):
        parsed.fail("f-phone", "Vul een telefoonnummer of e-mailadres in: de beller wil contact.")
    return official


def _incident(parsed: Parsed, form: FormData, *, description_allowed: bool) -> dict[str, Any]:
    incident: dict[str, Any] = {}
    types = _choices(parsed, form, "types", _codes(IncidentType), "Kies een soort uit de lijst.")
    if not types and not any(e.field == "f-types" for e in parsed.errors):
        parsed.fail("f-types", "Kies minstens één soort incident.")
    incident["types"] = types
    incident["channels"] = _choices(
        parsed, form, "channels", _codes(Channel), "Kies een kanaal uit de lijst."
    )
    when = first(form, "occurred_at")
    if when:
        moment = moment_from(when)
        if moment is None:
            parsed.fail("f-occurred_at", "Vul datum en tijd in als 20-11-2026 21:15.")
        else:
            incident["occurred_at"] = moment.isoformat()
    description = first(form, "description")
    if description and description_allowed:
        if len(description) > 4000:
            parsed.fail("f-description", "Een omschrijving is hoogstens 4000 tekens.")
        else:
            incident["description"] = description
    return incident


def _police(parsed: Parsed, form: FormData) -> dict[str, Any]:
    status = first(form, "police_status") or "none"
    if status not in _codes(PoliceStatus):
        parsed.fail("f-police_status", "Kies of er een melding of aangifte is gedaan.")
        return {}
    police: dict[str, Any] = {"status": status}
    reason = first(form, "reason_not_reported")
    if reason:
        if reason not in _codes(ReasonNotReported):
            parsed.fail("f-reason_not_reported", "Kies een reden uit de lijst.")
        elif status != "none":
            parsed.fail(
                "f-reason_not_reported",
                "Een reden waarom er geen melding is gedaan past alleen bij 'geen'.",
            )
        else:
            police["reason_not_reported"] = reason
    return police


def _perpetrator(parsed: Parsed, form: FormData, body: dict[str, Any]) -> None:
    kind = first(form, "perpetrator_kind")
    if kind:
        if kind not in _codes(PerpetratorKind):
            parsed.fail("f-perpetrator_kind", "Kies een soort dader uit de lijst.")
        else:
            body["perpetrator_kind"] = kind
    family = first(form, "family_targeted")
    if family in ("yes", "no"):
        body["family_targeted"] = family == "yes"


def call(form: FormData, *, related_supported: bool) -> Parsed:
    """The call form (and the outreach after a media report) → `POST /v1/incidents`."""
    parsed = Parsed()
    source = first(form, "source") or "crisis_line"
    if source not in ("crisis_line", "media_report"):
        parsed.fail("f-source", "Kies of dit een oproep of een mediabericht is.")
    official = _official(parsed, form, contact_required=False)
    incident = _incident(parsed, form, description_allowed=True)
    urgency = first(form, "urgency")
    if urgency not in _codes(Urgency):
        parsed.fail("f-urgency", "Kies de urgentie: acuut, hoog of normaal.")
    needs = _choices(parsed, form, "needs", _codes(SupportNeed), "Kies een behoefte uit de lijst.")
    police = _police(parsed, form)
    body: dict[str, Any] = {
        "source": source,
        "official": official,
        "incident": incident,
        "urgency": urgency,
        "needs": needs,
        "police": police,
    }
    _perpetrator(parsed, form, body)
    related = first(form, "related_incident_id")
    if related and related_supported:
        if not UUID.match(related):
            parsed.fail("f-related_incident_id", "Dit is geen casusnummer.")
        else:
            body["related_incident_id"] = related
    if not parsed.errors:
        parsed.body = body
    return parsed


def registration(form: FormData) -> Parsed:
    """A registration by the organisation itself → `POST /v1/registrations`."""
    parsed = Parsed()
    external_id = first(form, "external_id")
    if not re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", external_id):
        parsed.fail(
            "f-external_id",
            "Vul het eigen registratienummer in (letters, cijfers, punt, streep; hoogstens 64).",
        )
    wants_contact = first(form, "wants_contact") == "yes"
    official = _official(parsed, form, contact_required=wants_contact)
    if not wants_contact:
        for name in ("name", "phone", "email"):
            if first(form, name):
                parsed.fail(
                    f"f-{name}",
                    "Naam en contactgegevens alleen als de bestuurder contact wil.",
                )
                official.pop(name, None)
    incident = _incident(parsed, form, description_allowed=wants_contact)
    if first(form, "description") and not wants_contact:
        parsed.fail("f-description", "Een omschrijving alleen als de bestuurder contact wil.")
    organisation_code = official.pop("organisation_code", None)
    body: dict[str, Any] = {
        "external_id": external_id,
        "organisation_code": organisation_code,
        "official": official,
        "incident": incident,
        "police": _police(parsed, form),
        "wants_contact": wants_contact,
    }
    _perpetrator(parsed, form, body)
    if not parsed.errors:
        parsed.body = body
    return parsed
