"""CSV exports: statistics (aggregates, suppressed like the API), cases (operators) and
the audit log (coordinators).

A header row always; with `labels=nl` the headers and the coded values are the Dutch
labels the console shows. Rows are produced one at a time, so a large export streams.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from typing import Any

from contracts.organisations import UnknownOrganisationError, lookup
from contracts.vocabulary import (
    Channel,
    IncidentType,
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
from registry.adapters.db import IncidentRecord
from registry.domain.cells import RATE_COLUMNS, Cell
from registry.domain.filters import Dimension, Labels

HEADERS_NL: dict[str, str] = {
    "role": "functie",
    "incident_type": "soort incident",
    "channel": "kanaal",
    "organisation": "organisatie",
    "province": "provincie",
    "month": "maand",
    "urgency": "urgentie",
    "source": "bron",
    "police_status": "politie",
    "reason_not_reported": "reden geen melding of aangifte",
    "perpetrator_kind": "soort dader",
    "family_targeted": "naasten getroffen",
    "pool": "adviseurspool",
    "count": "aantal",
    "aangifte_rate": "aandeel aangifte",
    "police_report_rate": "aandeel melding of aangifte",
    "escalation_rate": "aandeel geëscaleerd",
    "repeat_rate": "aandeel vervolg op eerder incident",
    "related_incident_id": "vervolg op",
    "incident_id": "incident",
    "status": "status",
    "reported_at": "gemeld op",
    "occurred_at": "voorgevallen op",
    "organisation_code": "organisatie",
    "province_code": "provincie",
    "incident_types": "soort incident",
    "channels": "kanaal",
    "needs": "hulpvragen",
    "adviser_id": "adviseur",
    "acknowledged_at": "bevestigd op",
    "closed_at": "gesloten op",
    "escalations": "escalaties",
    "actions": "acties",
    "erased_at": "persoonsgegevens gewist op",
}

_VOCABULARY: dict[str, type[Vocabulary]] = {
    "role": Role,
    "incident_type": IncidentType,
    "incident_types": IncidentType,
    "channel": Channel,
    "channels": Channel,
    "needs": SupportNeed,
    "urgency": Urgency,
    "source": Source,
    "police_status": PoliceStatus,
    "reason_not_reported": ReasonNotReported,
    "perpetrator_kind": PerpetratorKind,
    "pool": Pool,
    "status": Status,
}
_ORGANISATIONS = {"organisation", "province", "organisation_code", "province_code"}

CASE_COLUMNS = (
    "incident_id",
    "status",
    "source",
    "urgency",
    "reported_at",
    "occurred_at",
    "role",
    "organisation_code",
    "province_code",
    "incident_types",
    "channels",
    "needs",
    "police_status",
    "reason_not_reported",
    "perpetrator_kind",
    "family_targeted",
    "pool",
    "adviser_id",
    "acknowledged_at",
    "closed_at",
    "escalations",
    "actions",
    "erased_at",
    "related_incident_id",
)
"""The case export: the record without its personal data (no name, contact details or
free text); it is still case-level data, for operators only."""


def value(column: str, raw: Any, labels: Labels) -> str:
    """One CSV field."""
    if raw is None:
        return "onbekend" if labels == "nl" else ""
    if isinstance(raw, list):
        return ";".join(value(column, item, labels) for item in raw)
    if isinstance(raw, bool):
        return ("ja" if raw else "nee") if labels == "nl" else str(raw).lower()
    if isinstance(raw, datetime):
        return raw.isoformat()
    if labels == "nl":
        if column in _VOCABULARY:
            return _VOCABULARY[column](raw).label_nl
        if column in _ORGANISATIONS:
            try:
                return lookup(raw).name
            except UnknownOrganisationError:
                return str(raw)
    return str(raw)


def header(columns: Iterable[str], labels: Labels) -> list[str]:
    return [HEADERS_NL.get(c, c) if labels == "nl" else c for c in columns]


def _line(fields: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(fields)
    return buffer.getvalue()


def stats_csv(
    cells: list[Cell], group_by: list[Dimension], *, labels: Labels, suppressed: bool
) -> Iterator[str]:
    """The statistic as CSV: one row per cell, suppressed exactly as the API does."""
    columns = [*group_by, "count", *RATE_COLUMNS]
    yield _line(header(columns, labels))
    for cell in cells:
        shown = cell.public(group_by, suppressed=suppressed)
        fields = [value(d, shown[d], labels) for d in group_by]
        fields.append(str(shown["count"]))
        fields.extend("" if shown[c] is None else str(shown[c]) for c in RATE_COLUMNS)
        yield _line(fields)


async def cases_csv(
    records: AsyncIterator[IncidentRecord], *, labels: Labels
) -> AsyncIterator[str]:
    """The cases as CSV, one row per incident, as they are read."""
    yield _line(header(CASE_COLUMNS, labels))
    async for record in records:
        row = {c: getattr(record, c, None) for c in CASE_COLUMNS}
        row["incident_types"] = record.types
        yield _line([value(c, row[c], labels) for c in CASE_COLUMNS])


AUDIT_COLUMNS = ("id", "at", "subject", "role", "action", "incident_id", "detail", "client")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _text(raw: Any) -> str:
    """A field a spreadsheet shows as text, never runs as a formula."""
    if raw is None:
        return ""
    text = raw.isoformat() if isinstance(raw, datetime) else str(raw)
    return f"'{text}" if text.startswith(_FORMULA) else text


async def audit_csv(entries: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    """The audit log as CSV, newest first; `detail` as JSON."""
    yield _line(list(AUDIT_COLUMNS))
    async for entry in entries:
        detail = entry.get("detail")
        row = {**entry, "detail": json.dumps(detail, sort_keys=True) if detail else None}
        yield _line([_text(row.get(c)) for c in AUDIT_COLUMNS])
