"""The words of the timeline's sentences and of routing's reasons: (Dutch, English)
for each code."""

from __future__ import annotations

ESCALATIONS: dict[str, tuple[str, str]] = {
    "ack_deadline_passed": ("bevestigde niet op tijd", "did not acknowledge in time"),
    "notification_failed": ("was niet te bereiken", "could not be reached"),
    "declined": ("weigerde", "declined"),
}

HANDED_OVER = ("Overgedragen", "Handed over")

REJECTIONS: dict[str, tuple[str, str]] = {
    "unknown_adviser": ("deze adviseur is onbekend", "unknown adviser"),
    "inactive_adviser": ("deze adviseur is niet actief", "the adviser is not active"),
    "conflict_of_interest": (
        "deze adviseur heeft een belangenconflict met de organisatie",
        "conflict of interest with the organisation",
    ),
    "already_assigned": ("de casus ligt al bij deze adviseur", "already assigned to this adviser"),
    "incident_closed": ("de casus is afgesloten", "the case is closed"),
}

ACTORS: dict[str, tuple[str, str]] = {
    "adviser": ("de adviseur", "the adviser"),
    "link": ("de adviseur, via de link in de page", "the adviser, by the link in the page"),
    "operator": ("de centralist", "the operator"),
    "coordinator": ("de coördinator", "the coordinator"),
}

FACTS_NL: dict[str, tuple[str, str]] = {
    "police": ("politie", "police"),
    "types": ("soort", "type"),
    "channels": ("kanaal", "channel"),
    "needs": ("nodig", "needs"),
    "perpetrator_kind": ("dader", "perpetrator"),
    "family_targeted": ("familie", "family"),
    "urgency": ("urgentie", "urgency"),
}

PASSED_OVER: dict[str, tuple[str, str]] = {
    "inactive": ("niet actief", "inactive"),
    "off_duty": ("geen dienst", "off duty"),
    "conflict": ("belangenconflict", "conflict of interest"),
    "province": ("andere provincie", "another province"),
    "capacity": ("vol", "full"),
    "not_next": ("een ander gaat voor", "another comes first"),
}
