"""The case page's forms: an action, a text (close, reopen, decline), changed facts, a
hand assignment; each becomes an API request body or errors naming their field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from console.domain.forms import FormData, Parsed, _choices, _codes, _police, first
from console.domain.labels import ACTION_KINDS_NL
from contracts.vocabulary import IncidentType, Urgency


def action(form: FormData) -> Parsed:
    """Record an action → `POST /v1/incidents/{id}/actions`."""
    parsed = Parsed()
    kind = first(form, "kind")
    if kind not in ACTION_KINDS_NL:
        parsed.fail("f-kind", "Kies wat er is gedaan.")
    body: dict[str, Any] = {"kind": kind}
    note = first(form, "note")
    if len(note) > 4000:
        parsed.fail("f-note", "Een notitie is hoogstens 4000 tekens.")
    elif note:
        body["note"] = note
    if not parsed.errors:
        parsed.body = body
    return parsed


def text_only(form: FormData, name: str, api_name: str, *, required: bool = False) -> Parsed:
    """A form with one optional (or required) text: close, reopen, decline, assign's reason."""
    parsed = Parsed()
    text = first(form, name)
    if len(text) > 4000:
        parsed.fail(f"f-{name}", "Hoogstens 4000 tekens.")
    elif required and not text:
        parsed.fail(f"f-{name}", "Vul dit in.")
    else:
        parsed.body = {api_name: text} if text else {}
    return parsed


POLICE_FLAGS = ("vpt_flag", "organisation_address_used", "reported_by_organisation")


def facts_values(record: Mapping[str, Any]) -> FormData:
    """The facts form filled in with the facts as they stand."""
    police = record.get("police") or {}
    values: dict[str, list[str]] = {
        "police_status": [str(police.get("status") or "none")],
        "reason_not_reported": [str(police.get("reason_not_reported") or "")],
        "urgency": [str(record.get("urgency") or "")],
        "types": [str(t) for t in record.get("types") or []],
    }
    for flag in POLICE_FLAGS:
        value = police.get(flag)
        values[flag] = ["" if value is None else "yes" if value else "no"]
    return values


def details(form: FormData, record: Mapping[str, Any]) -> Parsed:
    """Facts that changed → `POST /v1/incidents/{id}/details`: only what differs from the
    record; `police` goes as a whole (the API replaces the police facts with it)."""
    parsed = Parsed()
    body: dict[str, Any] = {}
    made = first(form, "police_status") not in ("", "none")
    # a reason why no report was made goes once a melding or aangifte is (the form
    # still shows the old reason when only the status was changed)
    police = _police(parsed, {**form, "reason_not_reported": []} if made else form)
    for flag in POLICE_FLAGS:
        value = first(form, flag)
        if value in ("yes", "no"):
            police[flag] = value == "yes"
    current = {k: v for k, v in (record.get("police") or {}).items() if v is not None}
    if police and police != current:
        body["police"] = police
    urgency = first(form, "urgency")
    if urgency not in _codes(Urgency):
        parsed.fail("f-urgency", "Kies de urgentie: acuut, hoog of normaal.")
    elif urgency != record.get("urgency"):
        body["urgency"] = urgency
    types = _choices(
        parsed, form, "types", _codes(IncidentType), "Kies een soort incident uit de lijst."
    )
    if not types and not parsed.errors:
        parsed.fail("f-types", "Kies minstens één soort incident.")
    elif types and set(types) != set(record.get("types") or []):
        body["types"] = types
    if not body and not parsed.errors:
        parsed.fail("f-police_status", "Er is niets veranderd: pas aan wat er anders is.")
    if not parsed.errors:
        parsed.body = body
    return parsed


def assignment(form: FormData) -> Parsed:
    """Assign by hand or hand over → `POST /v1/incidents/{id}/assign`. Routing checks
    the adviser (known, active, no conflict) and the timeline shows a refusal."""
    parsed = Parsed()
    adviser = first(form, "other_adviser_id") or first(form, "adviser_id")
    if not re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", adviser):
        parsed.fail("f-adviser_id", "Kies de adviseur die de casus krijgt.")
    reason = first(form, "reason")
    if len(reason) > 200:
        parsed.fail("f-reason", "Hoogstens 200 tekens.")
    if not parsed.errors:
        parsed.body = {"adviser_id": adviser, **({"reason": reason} if reason else {})}
    return parsed
