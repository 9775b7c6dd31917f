"""The Storingen page's view of notify's answers: what failed, for how long, and
whether delivery works now, in words a person on duty reads at once. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EVENT_TEXT = {
    "adviser.assigned": "oproep aan de adviseur",
    "assignment.escalated": "escalatie naar de volgende",
    "assignment.reminder_due": "herinnering",
}
REASON_TEXT = {
    "failed": "elke poging mislukt",
    "invalid": "onleesbaar bericht",
}
CHANNEL_TEXT = {"email": "E-mail", "sms": "Sms", "webhook": "Webhook"}
STATE_TEXT = {
    "closed": "werkt",
    "half_open": "wordt opnieuw geprobeerd",
    "open": "storing: niets gaat erheen",
}
CONSUMER_TEXT = {
    "routing": "routering (wie wordt opgeroepen)",
    "routing-timers": "termijnen en herinneringen",
    "notify": "verzending (mail, sms)",
    "registry": "register (casussen, statistiek)",
}
BEHIND_AT = 100
"""A consumer with this many messages waiting is behind (a burst settles in seconds)."""


def age_text(seconds: float | None) -> str:
    """`3 min`, `2 u 5 min`, `4 d 1 u` (Dutch); `—` when unknown."""
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    if minutes < 1:
        return "< 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} u {minutes} min" if minutes else f"{hours} u"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} u" if hours else f"{days} d"


def error_text(error_type: str) -> str:
    """The last error, in words where it is a known one."""
    if error_type.startswith("SMTP") or error_type in ("ConnectionRefusedError", "OSError"):
        return "mailserver niet bereikbaar"
    if error_type.startswith("HTTP") and error_type[4:].isdigit():
        return f"ontvanger antwoordde {error_type[4:]}"
    if error_type == "CircuitOpen":
        return "verbinding in storing: niet geprobeerd"
    if error_type in ("TimeoutError", "ReadTimeout", "ConnectTimeout"):
        return "geen antwoord op tijd"
    return "onbekende fout"


@dataclass(frozen=True, slots=True)
class Letter:
    seq: int
    age: str
    parked_at: str | None
    what: str
    reason: str
    error: str
    error_type: str
    incident_id: str | None
    in_bulk: bool


def letters(answer: dict[str, Any]) -> list[Letter]:
    found = []
    for item in answer.get("items") or []:
        if not isinstance(item, dict):
            continue
        event_type = str(item.get("event_type") or "")
        error_type = str(item.get("error_type") or "unknown")
        found.append(
            Letter(
                seq=int(item["seq"]),
                age=age_text(item.get("age_s")),
                parked_at=item.get("parked_at"),
                what=EVENT_TEXT.get(event_type, event_type or "onbekend bericht"),
                reason=REASON_TEXT.get(str(item.get("reason")), str(item.get("reason"))),
                error=error_text(error_type),
                error_type=error_type,
                incident_id=item.get("incident_id"),
                in_bulk=item.get("reason") == "failed",
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class Circuit:
    channel: str
    provider: str
    state: str
    text: str

    @property
    def broken(self) -> bool:
        return self.state != "closed"


@dataclass(frozen=True, slots=True)
class Lag:
    durable: str
    what: str
    pending: int
    in_hand: int

    @property
    def behind(self) -> bool:
        return self.pending >= BEHIND_AT


def circuits(status: dict[str, Any]) -> list[Circuit]:
    return [
        Circuit(
            channel=CHANNEL_TEXT.get(str(c.get("channel")), str(c.get("channel"))),
            provider=str(c.get("provider")),
            state=str(c.get("state")),
            text=STATE_TEXT.get(str(c.get("state")), str(c.get("state"))),
        )
        for c in status.get("circuits") or []
        if isinstance(c, dict)
    ]


def lags(status: dict[str, Any]) -> list[Lag]:
    return [
        Lag(
            durable=str(c.get("durable")),
            what=CONSUMER_TEXT.get(str(c.get("durable")), str(c.get("durable"))),
            pending=int(c.get("num_pending") or 0),
            in_hand=int(c.get("num_ack_pending") or 0),
        )
        for c in status.get("consumers") or []
        if isinstance(c, dict)
    ]


def summary(
    found: list[Letter], circuit_list: list[Circuit], lag_list: list[Lag], *, reachable: bool
) -> list[tuple[str, dict[str, Any]]]:
    """What is wrong now, most urgent first, as (Dutch text with {fields}, fields) so the
    page can translate the text first (empty: nothing is wrong)."""
    wrong: list[tuple[str, dict[str, Any]]] = []
    if not reachable:
        wrong.append(("Notify is niet bereikbaar: de storingen zijn nu niet te zien.", {}))
    for c in circuit_list:
        if c.state == "half_open":
            wrong.append(
                (
                    "{channel} via {provider}: na storingen, wordt opnieuw geprobeerd.",
                    {"channel": c.channel, "provider": c.provider},
                )
            )
        if c.state == "open":
            wrong.append(
                (
                    "{channel} via {provider}: storing, niets gaat erheen.",
                    {"channel": c.channel, "provider": c.provider},
                )
            )
    cases = len({d.incident_id for d in found if d.incident_id})
    if len(found) == 1:
        wrong.append(("1 bericht niet afgeleverd: verstuur het opnieuw.", {}))
    elif found:
        wrong.append(
            (
                "{count} berichten niet afgeleverd, over {cases} casus(sen): verstuur ze opnieuw.",
                {"count": len(found), "cases": cases},
            )
        )
    for lag in lag_list:
        if lag.behind:
            wrong.append(
                ("{what} loopt achter: {count} wachtend.", {"what": lag.what, "count": lag.pending})
            )
    return wrong
