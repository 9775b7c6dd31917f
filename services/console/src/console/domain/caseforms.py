"""The case page's forms: an action, a text (close, reopen, decline), changed facts, a
hand assignment; each becomes an API request body or errors naming their field."""

from __future__ import annotations

import re
from typing import Any

from console.domain.forms import FormData, Parsed, _codes, _perpetrator, _police, first
from console.domain.labels import ACTION_KINDS_NL
from contracts.vocabulary import Urgency


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


def details(form: FormData) -> Parsed:
    """Facts that changed → `POST /v1/incidents/{id}/details` (only what was filled in)."""
    parsed = Parsed()
    body: dict[str, Any] = {}
    police = _police(parsed, form) if first(form, "police_status") else {}
    for flag in ("vpt_flag", "organisation_address_used", "reported_by_organisation"):
        value = first(form, flag)
        if value in ("yes", "no"):
            police[flag] = value == "yes"
    if police:
        police.setdefault("status", first(form, "police_status") or "none")
        body["police"] = police
    urgency = first(form, "urgency")
    if urgency:
        if urgency not in _codes(Urgency):
            parsed.fail("f-urgency", "Kies de urgentie: acuut, hoog of normaal.")
        else:
            body["urgency"] = urgency
    _perpetrator(parsed, form, body)
    if not body and not parsed.errors:
        parsed.fail("f-police_status", "Er is niets veranderd: vul in wat er anders is.")
    if not parsed.errors:
        parsed.body = body
    return parsed


def assignment(form: FormData, known_advisers: set[str] | None) -> Parsed:
    """Assign by hand or hand over → `POST /v1/incidents/{id}/assign`."""
    parsed = Parsed()
    adviser = first(form, "adviser_id")
    if not re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", adviser) or (
        known_advisers is not None and adviser not in known_advisers
    ):
        parsed.fail("f-adviser_id", "Kies de adviseur die de casus krijgt.")
    reason = first(form, "reason")
    if not reason:
        parsed.fail("f-reason", "Zeg waarom: dat komt in de tijdlijn.")
    if not parsed.errors:
        parsed.body = {"adviser_id": adviser, "reason": reason}
    return parsed
