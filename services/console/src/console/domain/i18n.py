"""The console speaks Dutch; English is available. Texts are written in Dutch in the
templates; this is their English. A text without a translation stays Dutch."""

from __future__ import annotations

FAULT_WORDS = {
    "oproep aan de adviseur": "page to the adviser",
    "escalatie naar de volgende": "escalation to the next",
    "herinnering": "reminder",
    "onbekend bericht": "unknown message",
    "elke poging mislukt": "every attempt failed",
    "onleesbaar bericht": "unreadable message",
    "mailserver niet bereikbaar": "mail server unreachable",
    "geen antwoord op tijd": "no answer in time",
    "verbinding in storing: niet geprobeerd": "connection failing: not tried",
    "onbekende fout": "unknown error",
    "Sms": "Text message",
    "werkt": "works",
    "wordt opnieuw geprobeerd": "being tried again",
    "storing: niets gaat erheen": "failing: nothing goes there",
    "routering (wie wordt opgeroepen)": "routing (who is paged)",
    "termijnen en herinneringen": "deadlines and reminders",
    "verzending (mail, sms)": "delivery (mail, text)",
    "register (casussen, statistiek)": "registry (cases, statistics)",
}
"""The words of the Storingen page's figures (console.domain.faults)."""

ENGLISH: dict[str, str] = {
    "belt de adviseur": "calls the adviser",
    "in de wachtrij: toewijzen, of naar Bel (Enter belt de adviseur)": "in the queue: "
    "assign, or to Call (Enter calls the adviser)",
    "Download de audit met deze filters (CSV)": "Download the audit with these filters (CSV)",
    "Alle pagina's; de download komt zelf in de audit.": "Every page; the download itself "
    "is recorded in the audit.",
    "audit geëxporteerd": "audit exported",
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
    "Wachtrij": "Queue",
    "Wie heeft dienst": "Who is on call",
    "Statistieken": "Statistics",
    "Registraties": "Registrations",
    "Audit": "Audit",
    "Geen toegang": "No access",
    "Deze pagina is er niet voor uw rol. Wat u wel kunt zien, staat in het menu.": (
        "This page is not for your role. The menu shows what you can see."
    ),
    "Cijfers van de monitor; aantallen onder 5 staan als <5.": (
        "The monitor's figures; counts below 5 are shown as <5."
    ),
    "Jaar": "Year",
    "Van (datum)": "From (date)",
    "Tot (datum)": "Until (date)",
    "Provincie": "Province",
    "Organisatie (naam of code)": "Organisation (name or code)",
    "Bron": "Source",
    "Kerncijfers": "Key figures",
    "Incidenten": "Incidents",
    "Aandeel aangifte": "Share with an aangifte",
    "Aandeel melding of aangifte": "Share reported to the police",
    "Aandeel geëscaleerd": "Share escalated",
    "Aandeel herhaald incident": "Share of repeat incidents",
    "Download CSV": "Download CSV",
    "Download SVG": "Download SVG",
    "Download kerncijfers (CSV)": "Download key figures (CSV)",
    "Grafieken op deze pagina": "Charts on this page",
    "Cijfers": "Figures",
    "Waarde": "Value",
    "Geen gegevens voor deze filters.": "No data for these filters.",
    "Aantallen onder 5 zijn verborgen en zonder staaf getekend.": (
        "Counts below 5 are hidden and drawn without a bar."
    ),
    "Gaten in de dienst": "Gaps in the roster",
    "Geen gaten in de komende 14 dagen.": "No gaps in the coming 14 days.",
    "Nu dienst": "On call now",
    "Achterwacht": "Backup",
    "Daarna": "Then",
    "Coördinator": "Coordinator",
    "Dag": "Day",
    "gat: niemand": "gap: nobody",
    "achterwacht": "backup",
    "Wat nu een mens nodig heeft.": "What needs a person now.",
    "Wat is er": "What is wrong",
    "Actie": "Action",
    "Wijs toe": "Assign",
    "Draag over": "Hand over",
    "Bel": "Call",
    "Niets in de wachtrij: elke open casus heeft iemand.": (
        "Nothing in the queue: every open case has someone."
    ),
    "Volgende pagina": "Next page",
    "Ontvangen": "Received",
    "Wil contact": "Wants contact",
    "wil contact: casus": "wants contact: case",
    "Geen registraties met deze filters.": "No registrations with these filters.",
    "Persoon (account)": "Person (account)",
    "Casusnummer": "Case number",
    "Wat": "What",
    "Wie": "Who",
    "Niets in de audit met deze filters.": "Nothing in the audit with these filters.",
    "Storingen": "Faults",
    "Wat niet is afgeleverd, en of mail en sms nu werken.": (
        "What was not delivered, and whether mail and text messages work now."
    ),
    "Dashboard in Grafana": "Dashboard in Grafana",
    "Nu aandacht nodig": "Needs attention now",
    "Alles werkt: niets blijven hangen, mail en sms gaan door, niemand loopt achter.": (
        "All is well: nothing stuck, mail and text messages go out, nobody is behind."
    ),
    "Niet afgeleverd": "Not delivered",
    "Alles opnieuw versturen": "Send all again",
    "Opnieuw versturen": "Send again",
    "Eerst de oorzaak oplossen (staat de mailserver weer aan?), dan opnieuw versturen. "
    "Wat al was afgeleverd, gaat niet twee keer.": (
        "Fix the cause first (is the mail server back?), then send again. What was "
        "delivered already is not sent twice."
    ),
    "Opnieuw versturen doet beheer.": "Operations sends them again.",
    "Berichten die niet zijn afgeleverd, oudste eerst": "Messages not delivered, oldest first",
    "Sinds": "Since",
    "Waarom": "Why",
    "nr.": "no.",
    "Niets blijven hangen: elk bericht is afgeleverd.": (
        "Nothing stuck: every message was delivered."
    ),
    "Verzending": "Delivery",
    "via": "via",
    "Notify gaf geen antwoord over de verzending.": "Notify did not say how delivery is.",
    "Achterstand per verwerker": "Backlog per consumer",
    "Berichten die op een verwerker wachten": "Messages waiting for a consumer",
    "Verwerker": "Consumer",
    "Wachtend": "Waiting",
    "In behandeling": "In hand",
    "loopt achter": "behind",
    "Geen achterstand te zien: NATS gaf geen antwoord.": "No backlog to show: NATS did not answer.",
    "Opnieuw verstuurd. Het verdwijnt hier; de mail volgt.": (
        "Sent again. It leaves this list; the mail follows."
    ),
    "{count} opnieuw verstuurd.": "{count} sent again.",
    "Dit bericht staat er niet meer: misschien is het al opnieuw verstuurd.": (
        "This message is no longer there: perhaps it was sent again already."
    ),
    "Dit bericht kan niet terug: het is geen oproep, escalatie of herinnering.": (
        "This message cannot go back: it is not a page, an escalation or a reminder."
    ),
    "Notify is nu niet bereikbaar; er is niets verstuurd. Probeer het zo opnieuw.": (
        "Notify cannot be reached; nothing was sent. Try again shortly."
    ),
    "Notify is niet bereikbaar: de storingen zijn nu niet te zien.": (
        "Notify cannot be reached: the faults cannot be shown now."
    ),
    "{channel} via {provider}: storing, niets gaat erheen.": (
        "{channel} via {provider}: failing, nothing goes there."
    ),
    "1 bericht niet afgeleverd: verstuur het opnieuw.": "1 message not delivered: send it again.",
    "{count} berichten niet afgeleverd, over {cases} casus(sen): verstuur ze opnieuw.": (
        "{count} messages not delivered, about {cases} case(s): send them again."
    ),
    "{channel} via {provider}: na storingen, wordt opnieuw geprobeerd.": (
        "{channel} via {provider}: failing before, being tried again."
    ),
    "{what} loopt achter: {count} wachtend.": "{what} is behind: {count} waiting.",
    **FAULT_WORDS,
}


def translate(text: str, language: str) -> str:
    """The text in the user's language."""
    if language == "en":
        return ENGLISH.get(text, text)
    return text
