"""What the console shows for each code: the Dutch labels of contracts' vocabulary,
English ones for the English view, and the timeline's entries in words."""

from __future__ import annotations

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
    "assignment_rejected": "Toewijzing geweigerd",
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
        if isinstance(level, int) and level > 0:
            text += f", {'escalatie' if nl else 'escalation'} {level}"
        return text
    if kind in ("notification_sent", "notification_failed") and adviser:
        purpose = entry.get("purpose")
        what = {
            "page": "",
            "escalation": " (escalatiebericht)" if nl else " (escalation notice)",
            "reminder": " (herinnering)" if nl else " (reminder)",
        }.get(str(purpose), "")
        channel = label("notification_channel", str(entry.get("channel")), language)
        return f"{words}{what}: {adviser} via {channel}"
    if kind == "acknowledged" and adviser:
        return f"{words} {'door' if nl else 'by'} {adviser}"
    if kind == "escalated" and entry.get("previous_adviser_id"):
        silent = "reageerde niet" if nl else "did not respond"
        return f"{words}: {entry.get('previous_adviser_id')} {silent}"
    if kind == "action_recorded":
        return f"{words}: {label('action_kind', str(entry.get('kind')), language)}" + (
            f" ({adviser})" if adviser else ""
        )
    if kind == "personal_data_erased" and entry.get("requested_by"):
        return f"{words} ({'gevraagd door' if nl else 'requested by'} {entry.get('requested_by')})"
    if kind == "declined" and adviser:
        return f"{words} {'door' if nl else 'by'} {adviser}"
    return words
