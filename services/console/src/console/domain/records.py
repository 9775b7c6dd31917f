"""Filters of the registrations and audit pages, kept in the URL and handed to the
registry's `GET /v1/registrations` and `GET /v1/audit` as they are."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from console.domain.forms import UUID, organisation_from
from console.domain.statistics import day_or_none, provinces
from contracts.vocabulary import IncidentType, PoliceStatus, Role

CURSOR = re.compile(r"^[A-Za-z0-9_=\-]{1,200}$")
SUBJECT = re.compile(r"^[\w.@:\-]{1,200}$")
AUDIT_ACTIONS = (
    "incident.read",
    "export.cases",
    "export.stats",
    "export.audit",
    "erasure.request",
)
AUDIT_ACTION_NL = {
    "incident.read": "casus gelezen",
    "export.cases": "casussen geëxporteerd",
    "export.stats": "statistiek geëxporteerd",
    "export.audit": "audit geëxporteerd",
    "erasure.request": "wissen gevraagd",
}
PAGE = 50


def _one(query: Mapping[str, Sequence[str]], name: str) -> str:
    return next(iter(query.get(name, ())), "").strip()


@dataclass(frozen=True, slots=True)
class RegistrationFilters:
    role: str | None = None
    organisation_code: str | None = None
    organisation_text: str = ""
    province_code: str | None = None
    incident_type: str | None = None
    police_status: str | None = None
    wants_contact: bool | None = None
    from_: str | None = None
    to: str | None = None
    cursor: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Sequence[str]]) -> RegistrationFilters:
        organisation = organisation_from(_one(query, "organisatie"))
        contact = _one(query, "contact")
        cursor = _one(query, "na")
        return cls(
            role=_one(query, "functie")
            if _one(query, "functie") in {str(r) for r in Role}
            else None,
            organisation_code=organisation.code if organisation else None,
            organisation_text=f"{organisation.name} ({organisation.code})" if organisation else "",
            province_code=_one(query, "provincie")
            if _one(query, "provincie") in dict(provinces())
            else None,
            incident_type=_one(query, "soort")
            if _one(query, "soort") in {str(t) for t in IncidentType}
            else None,
            police_status=_one(query, "politie")
            if _one(query, "politie") in {str(p) for p in PoliceStatus}
            else None,
            wants_contact={"ja": True, "nee": False}.get(contact),
            from_=day_or_none(_one(query, "van")),
            to=day_or_none(_one(query, "tot")),
            cursor=cursor if CURSOR.match(cursor) else None,
        )

    def api_params(self) -> list[tuple[str, str]]:
        params = [
            (name, value)
            for name, value in (
                ("role", self.role),
                ("organisation_code", self.organisation_code),
                ("province_code", self.province_code),
                ("incident_type", self.incident_type),
                ("police_status", self.police_status),
                ("from", self.from_),
                ("to", self.to),
                ("cursor", self.cursor),
            )
            if value
        ]
        if self.wants_contact is not None:
            params.append(("wants_contact", "true" if self.wants_contact else "false"))
        return [*params, ("limit", str(PAGE))]

    def query_string(self, *, cursor: str | None = None) -> str:
        """The page's own query, on the page after `cursor` when given."""
        contact = (
            {True: "ja", False: "nee"}.get(self.wants_contact)
            if self.wants_contact is not None
            else None
        )
        pairs = [
            ("functie", self.role),
            ("organisatie", self.organisation_code),
            ("provincie", self.province_code),
            ("soort", self.incident_type),
            ("politie", self.police_status),
            ("contact", contact),
            ("van", self.from_),
            ("tot", self.to),
            ("na", cursor),
        ]
        return urlencode([(k, v) for k, v in pairs if v])


@dataclass(frozen=True, slots=True)
class AuditFilters:
    subject: str | None = None
    incident_id: str | None = None
    action: str | None = None
    from_: str | None = None
    to: str | None = None
    cursor: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Sequence[str]]) -> AuditFilters:
        subject = _one(query, "persoon")
        case = _one(query, "casus")
        cursor = _one(query, "na")
        return cls(
            subject=subject if SUBJECT.match(subject) else None,
            incident_id=case.lower() if UUID.match(case) else None,
            action=_one(query, "actie") if _one(query, "actie") in AUDIT_ACTIONS else None,
            from_=day_or_none(_one(query, "van")),
            to=day_or_none(_one(query, "tot")),
            cursor=cursor if cursor.isdigit() and len(cursor) <= 18 else None,
        )

    def api_params(self) -> list[tuple[str, str]]:
        paging = [("cursor", self.cursor)] if self.cursor else []
        return [*self.export_params(), *paging, ("limit", str(PAGE))]

    def export_params(self) -> list[tuple[str, str]]:
        """The filters alone, as `GET /v1/export/audit` takes them (no paging)."""
        return [
            (name, value)
            for name, value in (
                ("subject", self.subject),
                ("incident_id", self.incident_id),
                ("action", self.action),
                ("from", self.from_),
                ("to", self.to),
            )
            if value
        ]

    def query_string(self, *, cursor: str | None = None) -> str:
        pairs = [
            ("persoon", self.subject),
            ("casus", self.incident_id),
            ("actie", self.action),
            ("van", self.from_),
            ("tot", self.to),
            ("na", cursor),
        ]
        return urlencode([(k, v) for k, v in pairs if v])
