"""What the console shows for each code: the Dutch labels of contracts' vocabulary,
English ones for the English view, and the timeline's entries in words."""

from __future__ import annotations

from console.domain.phrases import (
    ACTORS,
    ESCALATIONS,
    FACTS_NL,
    HANDED_OVER,
    PASSED_OVER,
    REJECTIONS,
)
from contracts.vocabulary import (
    Channel,
    IncidentType,
    NotificationChannel,
    PerpetratorKind,
    PoliceStatus,
    Pool,
    ReasonNotReported,
    Role,
    Source,
    Status,
    SupportNeed,
    Urgency,
    Vocabulary,
)

VOCABULARIES: dict[str, type[Vocabulary]] = {
    "role": Role,
    "pool": Pool,
    "incident_type": IncidentType,
    "channel": Channel,
    "urgency": Urgency,
    "need": SupportNeed,
    "police_status": PoliceStatus,
    "reason_not_reported": ReasonNotReported,
    "source": Source,
    "perpetrator_kind": PerpetratorKind,
    "status": Status,
    "notification_channel": NotificationChannel,
}

ACTION_KINDS_NL: dict[str, str] = {
    **SupportNeed.labels_nl(),
    "contact": "contact opgenomen",
    "other": "anders",
}

_ENGLISH: dict[str, dict[str, str]] = {
    "role": {
        "mayor": "mayor",
        "alderman": "alderman",
        "councillor": "councillor",
        "provincial_councillor": "provincial councillor",
        "provincial_executive": "provincial executive",
        "kings_commissioner": "King's Commissioner",
        "water_board_member": "water board member",
    },
    "status": {
        "reported": "reported",
        "assigned": "assigned",
        "acknowledged": "acknowledged",
        "in_progress": "in progress",
        "closed": "closed",
    },
    "urgency": {"acute": "acute", "high": "high", "normal": "normal"},
}

TIMELINE_NL: dict[str, str] = {
    "reported": "Gemeld",
    "assigned": "Toegewezen",
    "notification_sent": "Gepaged",
    "notification_failed": "Pagen mislukt",
    "acknowledged": "Bevestigd",
    "escalated": "Geëscaleerd",
    "action_recorded": "Actie vastgelegd",
    "closed": "Afgesloten",
    "reopened": "Heropend",
    "unroutable": "Niemand beschikbaar",
    "reminder_due": "Herinnering",
    "personal_data_erased": "Persoonsgegevens gewist",
    "details_updated": "Feiten bijgewerkt",
    "declined": "Geweigerd",
    "assignment_requested": "Toewijzing gevraagd",
    "assignment_rejected": "Toewijzing niet gelukt",
    "deadline_shortened": "Termijn korter",
    "registration_received": "Registratie ontvangen",
}

TIMELINE_EN: dict[str, str] = {
    "reported": "Reported",
    "assigned": "Assigned",
    "notification_sent": "Paged",
    "notification_failed": "Paging failed",
    "acknowledged": "Acknowledged",
    "escalated": "Escalated",
    "action_recorded": "Action recorded",
    "closed": "Closed",
    "reopened": "Reopened",
    "unroutable": "Nobody available",
    "reminder_due": "Reminder",
    "personal_data_erased": "Personal data erased",
    "details_updated": "Facts updated",
    "declined": "Declined",
    "assignment_requested": "Assignment requested",
    "assignment_rejected": "Assignment refused",
    "deadline_shortened": "Deadline shortened",
    "registration_received": "Registration received",
}


def label(vocabulary: str, code: str | None, language: str = "nl") -> str:
    """The label of one code; an unknown code is shown as it is."""
    if code is None:
        return "—"
    if vocabulary == "action_kind":
        return ACTION_KINDS_NL.get(code, code) if language == "nl" else code.replace("_", " ")
    if language == "en":
        return _ENGLISH.get(vocabulary, {}).get(code, code.replace("_", " "))
    kind = VOCABULARIES.get(vocabulary)
    if kind is None:
        return code
    return kind.labels_nl().get(code, code)


def options(vocabulary: str, language: str = "nl") -> list[tuple[str, str]]:
    """Every (code, label) of a vocabulary, in the vocabulary's own order."""
    if vocabulary == "action_kind":
        return [(code, label("action_kind", code, language)) for code in ACTION_KINDS_NL]
    return [(str(m), label(vocabulary, str(m), language)) for m in VOCABULARIES[vocabulary]]


def timeline_label(entry_type: str, language: str = "nl") -> str:
    """The words for one kind of timeline entry."""
    table = TIMELINE_EN if language == "en" else TIMELINE_NL
    return table.get(entry_type, entry_type.replace("_", " "))


def organisation_name(code: str | None) -> str:
    """The organisation's name for its code (the code itself when it is unknown)."""
    if not code:
        return "—"
    from contracts.organisations import all_organisations

    found = all_organisations().get(code)
    return found.name if found else code


def types_text(types: list[str] | None, language: str = "nl") -> str:
    return ", ".join(label("incident_type", t, language) for t in types or []) or "—"


def timeline_text(entry: dict[str, object], language: str = "nl") -> str:
    """One timeline entry as a sentence: what happened, and who or how."""
    kind = str(entry.get("type", ""))
    words = timeline_label(kind, language)
    adviser = entry.get("adviser_id")
    nl = language != "en"
    if kind == "assigned" and adviser:
        pool = label("pool", str(entry.get("pool")), language) if entry.get("pool") else ""
        level = entry.get("escalation_level")
        text = f"{words}: {adviser}" + (f" ({pool})" if pool else "")
        if entry.get("by_hand"):
            text += ", met de hand" if nl else ", by hand"
        if isinstance(level, int) and level > 0:
            text += f", {'escalatie' if nl else 'escalation'} {level}"
        return text
    if kind in ("notification_sent", "notification_failed") and adviser:
        purpose = entry.get("purpose")
        what = {
            "page": "",
            "escalation_notice": " (bericht: casus gaat naar een ander)"
            if nl
            else " (notice: the case moved on)",
            "reminder": " (herinnering)" if nl else " (reminder)",
        }.get(str(purpose), "")
        channel = label("notification_channel", str(entry.get("channel")), language)
        return f"{words}{what}: {adviser} via {channel}"
    if kind == "acknowledged" and adviser:
        return f"{words} {'door' if nl else 'by'} {adviser}"
    if kind == "escalated" and entry.get("previous_adviser_id"):
        previous = entry.get("previous_adviser_id")
        if entry.get("reason") == "reassigned":
            return f"{HANDED_OVER[0 if nl else 1]} {'van' if nl else 'from'} {previous}"
        why = ESCALATIONS.get(str(entry.get("reason")), ESCALATIONS["ack_deadline_passed"])
        return f"{words}: {previous} {why[0 if nl else 1]}"
    if kind == "action_recorded":
        return f"{words}: {label('action_kind', str(entry.get('kind')), language)}" + (
            f" ({adviser})" if adviser else ""
        )
    if kind == "personal_data_erased" and entry.get("requested_by"):
        return f"{words} ({'gevraagd door' if nl else 'requested by'} {entry.get('requested_by')})"
    pick = 0 if nl else 1
    if kind == "declined" and adviser:
        who = ACTORS.get(str(entry.get("declined_by")), ("", ""))[pick]
        text = f"{words} {'door' if nl else 'by'} {adviser}"
        by_other = entry.get("declined_by") in ("operator", "coordinator")
        return text + (
            f" ({'namens de adviseur, door' if nl else 'on their behalf, by'} {who})"
            if by_other
            else ""
        )
    if kind == "assignment_requested" and adviser:
        who = ACTORS.get(str(entry.get("requested_by")), ("", ""))[pick]
        return f"{words}: {adviser}" + (f" ({'door' if nl else 'by'} {who})" if who else "")
    if kind == "assignment_rejected":
        reason = str(entry.get("reason"))
        because = REJECTIONS.get(reason, (reason.replace("_", " "),) * 2)[pick]
        return f"{words}: {adviser}, {because}" if adviser else f"{words}: {because}"
    if kind == "details_updated":
        return f"{words}: {changes_text(entry.get('changes'), language)}"
    if kind == "deadline_shortened":
        urgency = label("urgency", str(entry.get("urgency")), language)
        return f"{words} ({'urgentie' if nl else 'urgency'} {urgency})"
    return words


def passed_over_text(reasons: object, language: str = "nl") -> str:
    """Why routing would not page this adviser, in words."""
    pick = 0 if language != "en" else 1
    found = reasons if isinstance(reasons, list) else []
    return ", ".join(PASSED_OVER.get(str(r), (str(r), str(r)))[pick] for r in found)


def changes_text(changes: object, language: str = "nl") -> str:
    """The facts an update changed, in words: "politie: aangifte, VPT; urgentie: acuut"."""
    if not isinstance(changes, dict) or not changes:
        return "geen wijziging" if language != "en" else "no change"
    pick = 0 if language != "en" else 1
    parts = []
    for key, value in changes.items():
        name = str(key)
        if name == "police" and isinstance(value, dict):
            text = police_text(value, language)
        elif isinstance(value, list):
            vocabulary = {"types": "incident_type", "channels": "channel", "needs": "need"}
            text = ", ".join(label(vocabulary.get(name, name), str(v), language) for v in value)
        elif isinstance(value, bool):
            text = ("ja" if value else "nee") if pick == 0 else ("yes" if value else "no")
        else:
            text = label(name, str(value), language)
        parts.append(f"{FACTS_NL.get(name, (name, name))[pick]}: {text}")
    return "; ".join(parts)


def police_text(police: dict[str, object], language: str = "nl") -> str:
    """The police facts in words: "aangifte, VPT, domicilie gekozen"."""
    nl = language != "en"
    words = [label("police_status", str(police.get("status") or "none"), language)]
    if police.get("reason_not_reported"):
        words.append(label("reason_not_reported", str(police["reason_not_reported"]), language))
    flags = {
        "vpt_flag": ("VPT", "VPT"),
        "organisation_address_used": ("domicilie gekozen", "organisation's address used"),
        "reported_by_organisation": ("gemeld door de organisatie", "reported by the organisation"),
    }
    for flag, (yes_nl, yes_en) in flags.items():
        value = police.get(flag)
        if value is True:
            words.append(yes_nl if nl else yes_en)
        elif value is False and flag == "vpt_flag":
            words.append("zonder VPT" if nl else "without VPT")
    return ", ".join(words)
