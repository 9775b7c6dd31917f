"""The small HTML pages behind the acknowledge link in a notification (Dutch)."""

from __future__ import annotations

import uuid
from html import escape

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5}button{font-size:1.2rem;padding:.7rem 1.4rem;border-radius:.4rem;"
    "border:0;background:#0b5394;color:#fff;cursor:pointer}button:focus{outline:3px solid #f1c232}"
    "button.secondary{background:#fff;color:#0b5394;border:2px solid #0b5394}"
    ".ref{font-family:monospace}"
)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · Weerbaar</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}"
        "<p><small>Crisislijn Weerbaar Bestuur: 070-37 38 314</small></p></body></html>"
    )


def confirm(incident_id: uuid.UUID, token: str) -> str:
    return _page(
        "Melding bevestigen",
        f'<p>Melding <span class="ref">{escape(str(incident_id))}</span>.</p>'
        "<p>Bevestig dat u deze melding oppakt. De details staan in het dossier.</p>"
        # No absolute action: the forms post back to where the page was served, so the
        # link works behind a path prefix (https://host/intake/v1/ack/…) too.
        '<form method="post">'
        '<button type="submit" autofocus>Ik pak deze melding op</button></form>'
        "<p>Kunt u deze melding nu niet oppakken? Dan gaat ze meteen naar de volgende "
        "adviseur.</p>"
        f'<form method="post" action="{escape(token)}/decline">'
        '<button type="submit" class="secondary">Ik kan deze melding niet oppakken</button>'
        "</form>",
    )


def declined(incident_id: uuid.UUID) -> str:
    return _page(
        "Doorgezet",
        f'<p>U heeft melding <span class="ref">{escape(str(incident_id))}</span> niet '
        "aangenomen. Ze gaat nu naar de volgende adviseur; u hoeft niets meer te doen.</p>",
    )


def already_acknowledged() -> str:
    return _page(
        "Al bevestigd",
        "<p>Deze melding is al bevestigd en kan niet meer worden afgewezen. Moet een collega "
        "haar overnemen, neem dan contact op met de crisislijn.</p>",
    )


def acknowledged(incident_id: uuid.UUID, *, earlier: bool = False) -> str:
    when = "al eerder bevestigd" if earlier else "bevestigd"
    return _page(
        "Al bevestigd" if earlier else "Bevestigd",
        f'<p>U heeft melding <span class="ref">{escape(str(incident_id))}</span> {when}. '
        "Er wordt niet verder geëscaleerd. De details staan in het dossier.</p>",
    )


def closed(incident_id: uuid.UUID) -> str:
    return _page(
        "Melding afgesloten",
        f'<p>Melding <span class="ref">{escape(str(incident_id))}</span> is afgesloten; '
        "er is niets meer te bevestigen. Moet ze weer worden geopend, neem dan contact op "
        "met de crisislijn.</p>",
    )


def superseded() -> str:
    return _page(
        "Niet meer aan u toegewezen",
        "<p>Deze melding is inmiddels doorgezet naar een andere adviseur, omdat er niet op "
        "tijd werd bevestigd. Er is niets bevestigd. Neem bij twijfel contact op met de "
        "crisislijn.</p>",
    )


def invalid_link() -> str:
    return _page(
        "Ongeldige link",
        "<p>Deze bevestigingslink is ongeldig of verlopen. Neem contact op met de crisislijn.</p>",
    )


def failed(status: int) -> str:
    return _page(
        "Niet gelukt",
        f"<p>De bevestiging is niet opgeslagen (fout {status}). Probeer het zo opnieuw.</p>",
    )
