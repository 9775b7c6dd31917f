"""Refusals of the APIs, in words a user can act on: never a stack trace, never the
API's English."""

from __future__ import annotations

from dataclasses import dataclass, field

API_FIELD_TO_FORM: dict[str, str] = {
    "official.role": "f-role",
    "official.organisation_code": "f-organisation",
    "organisation_code": "f-organisation",
    "official.name": "f-name",
    "official.phone": "f-phone",
    "official.email": "f-email",
    "official": "f-phone",
    "incident.types": "f-types",
    "incident.channels": "f-channels",
    "incident.occurred_at": "f-occurred_at",
    "incident.description": "f-description",
    "urgency": "f-urgency",
    "needs": "f-needs",
    "police": "f-police_status",
    "police.status": "f-police_status",
    "police.reason_not_reported": "f-reason_not_reported",
    "related_incident_id": "f-related_incident_id",
    "external_id": "f-external_id",
    "kind": "f-kind",
    "note": "f-note",
    "summary": "f-summary",
    "reason": "f-reason",
    "adviser_id": "f-adviser_id",
}


@dataclass(eq=False)
class ApiProblem(Exception):
    """An API said no (or could not be reached: status 0)."""

    status: int
    title: str = ""
    detail: str = ""
    errors: tuple[tuple[str, str], ...] = field(default=())
    retry_after: int | None = None

    @property
    def route_missing(self) -> bool:
        """A 404 for the path itself (a command this API does not offer yet), not for a case."""
        return self.status in (404, 405) and self.detail in ("Not Found", "Method Not Allowed")


def user_message(problem: ApiProblem, language: str = "nl") -> str:
    """One sentence for the top of the page."""
    nl = language != "en"
    status = problem.status
    if status == 0 or status == 503 or status >= 500:
        return (
            "De dienst is nu niet bereikbaar; er is niets verloren of dubbel verwerkt. "
            "Probeer het zo opnieuw: hetzelfde formulier maakt nooit een tweede melding."
            if nl
            else "The service cannot be reached; nothing was lost or done twice. "
            "Try again shortly: the same form never makes a second report."
        )
    if status == 401:
        return "Uw sessie is verlopen. Meld u opnieuw aan." if nl else "Your session ended."
    if status == 403:
        return "Dit mag niet met uw rol." if nl else "Your role may not do this."
    if status == 404:
        if problem.route_missing:
            return (
                "Deze handeling is nog niet beschikbaar."
                if nl
                else "This action is not available yet."
            )
        return "Niet gevonden." if nl else "Not found."
    if status == 409:
        if "superseded" in problem.title.lower():
            return (
                "Deze toewijzing is niet meer actueel: de casus is intussen doorgezet naar "
                "een andere adviseur. Er is niets gedaan."
                if nl
                else "This assignment was superseded; nothing was done."
            )
        if "already acknowledged" in problem.title.lower():
            return (
                "De casus is al bevestigd: weigeren kan niet meer, overdragen wel."
                if nl
                else "The case was acknowledged: it can be handed over, not declined."
            )
        return (
            "Dit formulier is al eens verstuurd met andere inhoud. Kijk bij Meldingen of het "
            "is aangekomen; verstuur opnieuw om het als nieuw te versturen."
            if nl
            else "This form was sent before with other content."
        )
    if status == 413:
        return "Dat is te veel tekst in één keer." if nl else "That is too much text."
    if status == 422:
        return "Niet alles is goed ingevuld." if nl else "Not everything is filled in correctly."
    if status == 429:
        wait = problem.retry_after or 5
        return (
            f"Te veel verzoeken achter elkaar. Probeer het over {wait} seconden opnieuw."
            if nl
            else f"Too many requests. Try again in {wait} seconds."
        )
    return "Dat lukte niet." if nl else "That did not work."


def field_errors(problem: ApiProblem) -> list[tuple[str, str]]:
    """The API's field errors as (form field id, Dutch message)."""
    found = []
    for api_field, _message in problem.errors:
        form_field = API_FIELD_TO_FORM.get(api_field)
        if form_field is None:
            prefix = next((k for k in API_FIELD_TO_FORM if api_field.startswith(k + ".")), None)
            form_field = API_FIELD_TO_FORM.get(prefix or "", "f-form")
        found.append((form_field, "Dit veld is niet goed ingevuld."))
    return found
