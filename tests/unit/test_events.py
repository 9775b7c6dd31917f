"""Event models, the envelope, and the §6 incident body as the intake schema sees it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.events import (
    EVENT_TYPES,
    SCHEMA_VERSION,
    Event,
    IncidentReported,
    Official,
    Police,
    derive_id,
    parse_event,
)
from contracts.subjects import event_subject
from contracts.vocabulary import (
    PoliceStatus,
    ReasonNotReported,
    Role,
    Source,
    SupportNeed,
    Urgency,
)
from intake.domain.commands import ReportIncident
from tests.support.casework_events import one_of_each_event
from tests.support.events import INCIDENT_ID, MINIMAL_INCIDENT_BODY, incident_body

# --- the §6 body ------------------------------------------------------------------------


def test_minimal_product_body_validates() -> None:
    request = ReportIncident.model_validate(MINIMAL_INCIDENT_BODY)
    assert request.source is Source.CRISIS_LINE
    assert request.official.role is Role.MAYOR
    assert request.official.organisation_code == "GM0363"
    assert request.official.name == "A. de Vries"
    assert [t.value for t in request.incident.types] == ["threat", "online_harassment"]
    assert request.incident.occurred_at is not None
    assert request.incident.occurred_at.utcoffset() is not None
    assert request.urgency is Urgency.HIGH
    assert request.needs == [SupportNeed.SECURITY, SupportNeed.REPORTING_ADVICE]
    assert request.police.status is PoliceStatus.NONE
    assert request.police.reason_not_reported is ReasonNotReported.PART_OF_THE_JOB


def test_minimal_product_body_validates_from_json() -> None:
    request = ReportIncident.model_validate_json(json.dumps(MINIMAL_INCIDENT_BODY))
    assert request == ReportIncident.model_validate(MINIMAL_INCIDENT_BODY)


def test_schema_example_is_the_product_body() -> None:
    examples = ReportIncident.model_json_schema()["examples"]
    assert examples == [MINIMAL_INCIDENT_BODY]


def test_only_types_are_required_in_the_incident() -> None:
    body = {
        "official": {"role": "councillor", "organisation_code": "GM0014"},
        "incident": {"types": ["intimidation"]},
    }
    request = ReportIncident.model_validate(body)
    assert request.source is Source.CRISIS_LINE
    assert request.urgency is Urgency.NORMAL
    assert request.police.status is PoliceStatus.NONE


def test_municipal_registration_is_not_a_report_source() -> None:
    with pytest.raises(ValidationError):
        ReportIncident.model_validate(incident_body(source="municipal_registration"))


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    body = incident_body()
    target = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return body


@pytest.mark.parametrize(
    "path",
    [
        ("shoe_size",),
        ("official", "shoe_size"),
        ("incident", "shoe_size"),
        ("police", "shoe_size"),
    ],
    ids=".".join,
)
def test_extra_fields_are_refused(path: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        ReportIncident.model_validate(_with(path, 42))
    assert info.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("official", "name"), "x" * 201),
        (("official", "name"), ""),
        (("official", "phone"), "+31" + "6" * 20),
        (("official", "phone"), "call me"),
        (("official", "email"), "a" * 250 + "@example.nl"),
        (("official", "email"), "not-an-address"),
        (("incident", "description"), "x" * 4001),
        (("incident", "description"), ""),
        (("incident", "types"), []),
        (("incident", "types"), ["threat"] * 11),
        (("incident", "types"), ["gossip"]),
        (("needs",), ["security"] * 10),
        (("incident", "occurred_at"), "2026-11-20T21:15:00"),  # no time zone
        (("official", "role"), "king"),
        (("urgency",), "whenever"),
    ],
    ids=lambda v: ".".join(v) if isinstance(v, tuple) else None,
)
def test_bounded_and_closed_values_are_refused(path: tuple[str, ...], value: Any) -> None:
    with pytest.raises(ValidationError):
        ReportIncident.model_validate(_with(path, value))


def test_bounds_are_inclusive() -> None:
    body = _with(("official", "name"), "x" * 200)
    body["incident"]["description"] = "x" * 4000
    request = ReportIncident.model_validate(body)
    assert request.official.name is not None
    assert len(request.official.name) == 200


@pytest.mark.parametrize(
    ("status", "reason", "ok"),
    [
        ("none", "part_of_the_job", True),
        ("none", None, True),
        ("melding", None, True),
        ("aangifte", None, True),
        ("melding", "not_serious_enough", False),
        ("aangifte", "other", False),
    ],
)
def test_police_reason_only_with_status_none(status: str, reason: str | None, ok: bool) -> None:
    data = {"status": status, "reason_not_reported": reason}
    if ok:
        assert Police.model_validate(data).status.value == status
    else:
        with pytest.raises(ValidationError, match="only allowed when status is 'none'"):
            Police.model_validate(data)


def test_police_reason_rule_applies_inside_the_body() -> None:
    body = _with(("police",), {"status": "aangifte", "reason_not_reported": "part_of_the_job"})
    with pytest.raises(ValidationError):
        ReportIncident.model_validate(body)


def test_models_are_frozen() -> None:
    official = Official(role=Role.MAYOR, organisation_code="GM0363")
    with pytest.raises(ValidationError):
        official.name = "changed"  # type: ignore[misc]


# --- parse_event ------------------------------------------------------------------------

EXAMPLES = one_of_each_event()


def test_examples_cover_every_event_type() -> None:
    assert sorted(type(e).__name__ for e in EXAMPLES) == sorted(t.__name__ for t in EVENT_TYPES)
    assert len({e.type for e in EXAMPLES}) == len(EVENT_TYPES)


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.type)
@pytest.mark.parametrize("form", ["bytes", "str", "dict"])
def test_parse_event_round_trips(event: Event, form: str) -> None:
    raw: bytes | str | dict[str, Any]
    if form == "bytes":
        raw = event.model_dump_json().encode()
    elif form == "str":
        raw = event.model_dump_json()
    else:
        raw = json.loads(event.model_dump_json())
    parsed = parse_event(raw)
    assert type(parsed) is type(event)
    assert parsed == event
    assert parsed.model_dump_json() == event.model_dump_json()


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.type)
def test_envelope(event: Event) -> None:
    data = json.loads(event.model_dump_json())
    for key in (
        "event_id",
        "type",
        "schema_version",
        "occurred_at",
        "incident_id",
        "causation_id",
        "producer",
    ):
        assert key in data
    assert data["type"] == type(event).TYPE
    assert data["schema_version"] == SCHEMA_VERSION
    assert event.subject() == event_subject(event.type, event.incident_id)
    assert event.subject() == f"weerbaar.events.{event.type}.{INCIDENT_ID}"
    assert event.msg_id() == str(event.event_id)


def test_parse_event_refuses_an_unknown_type() -> None:
    data = json.loads(EXAMPLES[0].model_dump_json())
    data["type"] = "incident.vanished"
    with pytest.raises(ValidationError):
        parse_event(data)


def test_parse_event_refuses_extra_fields() -> None:
    data = json.loads(EXAMPLES[0].model_dump_json())
    data["surprise"] = True
    with pytest.raises(ValidationError):
        parse_event(data)


def test_parse_event_refuses_a_naive_timestamp() -> None:
    data = json.loads(EXAMPLES[0].model_dump_json())
    data["occurred_at"] = "2026-11-20T20:15:00"
    with pytest.raises(ValidationError):
        parse_event(data)


def test_event_type_cannot_be_overridden() -> None:
    data = json.loads(EXAMPLES[0].model_dump_json())
    data["type"] = "incident.closed"
    with pytest.raises(ValidationError):
        IncidentReported.model_validate(data)


# --- derive_id --------------------------------------------------------------------------


def test_derive_id_is_stable() -> None:
    assert derive_id("incident", "seed") == derive_id("incident", "seed")
    assert derive_id("a", 1, INCIDENT_ID) == derive_id("a", "1", str(INCIDENT_ID))
    assert derive_id("incident", "seed").version == 5


def test_derive_id_is_pinned() -> None:
    """Ids already in the stream must be derivable again after any upgrade."""
    assert derive_id("incident", "seed") == uuid.UUID("78fd238d-678e-5011-a876-79cbf2684c86")


def test_derive_id_depends_on_every_part_and_its_boundaries() -> None:
    ids = {
        derive_id("incident", "seed"),
        derive_id("incident", "seed2"),
        derive_id("incident.reported", "seed"),
        derive_id("ab", "c"),
        derive_id("a", "bc"),
        derive_id("abc"),
    }
    assert len(ids) == 6
