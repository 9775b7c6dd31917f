"""The console speaks Dutch; English is available. Texts are written in Dutch in the
templates; this is their English. A text without a translation stays Dutch."""

from __future__ import annotations

ENGLISH: dict[str, str] = {
    "Naar de inhoud": "Skip to content",
    "Crisislijn": "Crisis line",
    "Afmelden": "Sign out",
    "Hoofdmenu": "Main menu",
    "Meldingen": "Reports",
    "Nieuwe melding": "New report",
    "Mijn casussen": "My cases",
    "Registratie": "Registration",
    "Zoek casusnummer of organisatie": "Search case number or organisation",
    "Casusnummer of organisatie": "Case number or organisation",
    "Zoek": "Search",
    "Toegankelijkheidsverklaring": "Accessibility statement",
    "Sneltoetsen": "Keyboard shortcuts",
    "verplicht": "required",
    "Status": "Status",
    "Urgentie": "Urgency",
    "Functie": "Office",
    "Toon": "Show",
    "alle": "all",
    "open": "open",
    "Melding": "Report",
    "Soort": "Type",
    "Adviseur": "Adviser",
    "Bevestigen": "Acknowledge",
    "Escalatie": "Escalation",
    "niemand": "nobody",
    "geen": "none",
    "Casus": "Case",
    "Gegevens": "Details",
    "Tijdlijn": "Timeline",
    "Organisatie": "Organisation",
    "Naam": "Name",
    "Telefoon": "Phone",
    "E-mail": "E-mail",
    "Wanneer": "When",
    "Politie": "Police",
    "Verstuur melding": "Send report",
    "Wie belt": "Who is calling",
    "Wat is er gebeurd": "What happened",
    "Wat is er nodig": "What is needed",
    "Wie wordt gepaged": "Who will be paged",
    "Aanmelden": "Sign in",
    "Aanmelden bij Weerbaar": "Sign in to Weerbaar",
    "Niet gevonden": "Not found",
    "Dat lukte niet": "That did not work",
    "Naar het begin": "Home",
    "Bevestigd": "Acknowledged",
    "Actie vastleggen": "Record an action",
    "Afsluiten": "Close",
    "Heropenen": "Reopen",
    "Weigeren": "Decline",
    "Feiten bijwerken": "Update the facts",
    "Toewijzen of overdragen": "Assign or hand over",
    "Vervolgmelding": "Follow-up call",
    "Terug naar de lijst": "Back to the list",
    "Leg actie vast": "Record action",
    "Sluit de casus af": "Close the case",
    "Bevestigen: ik neem de casus": "Acknowledge: I take the case",
    "Zet sneltoetsen uit": "Turn shortcuts off",
    "Zet sneltoetsen aan": "Turn shortcuts on",
}


def translate(text: str, language: str) -> str:
    """The text in the user's language."""
    if language == "en":
        return ENGLISH.get(text, text)
    return text
