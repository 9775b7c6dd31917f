"""The console's forms as API bodies: the call, a registration, changed facts and a
hand assignment, with Dutch input normalised and each wrong field named in Dutch."""

from __future__ import annotations

import pytest

from console.domain import caseforms, forms
from intake.domain.commands import AssignByHand, UpdateDetails
from tests.support.console_forms import MINIMUM, form


def test_the_minimum_call_becomes_the_api_body() -> None:
    parsed = forms.call(MINIMUM, related_supported=False)
    assert parsed.errors == []
    assert parsed.body["official"] == {"role": "mayor", "organisation_code": "GM0363"}
    assert parsed.body["incident"]["types"] == ["threat"]
    assert parsed.body["urgency"] == "high"
    assert parsed.body["police"] == {"status": "none"}


def test_a_wrong_call_names_each_field_in_dutch() -> None:
    parsed = forms.call(
        form(organisation="Atlantis", phone="bel me", occurred_at="gisteren"),
        related_supported=False,
    )
    fields = {e.field for e in parsed.errors}
    assert fields == {
        "f-role",
        "f-organisation",
        "f-phone",
        "f-types",
        "f-urgency",
        "f-occurred_at",
    }
    assert parsed.body == {}
    assert all(e.message.endswith(".") for e in parsed.errors)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("GM0363", "GM0363"),
        ("Amsterdam (GM0363)", "GM0363"),
        ("amsterdam", "GM0363"),
        ("Groningen", None),
        ("Groningen (PV20)", "PV20"),
        ("", None),
        ("Atlantis", None),
    ],
)
def test_an_organisation_is_found_by_name_or_code(typed: str, code: str | None) -> None:
    found = forms.organisation_from(typed)
    assert (found.code if found else None) == code


def test_dutch_input_is_normalised() -> None:
    parsed = forms.call(
        {**MINIMUM, **form(phone="06 1234 5678", occurred_at="20-11-2026 21:15")},
        related_supported=False,
    )
    assert parsed.body["official"]["phone"] == "+31612345678"
    assert parsed.body["incident"]["occurred_at"] == "2026-11-20T21:15:00+01:00"


def test_a_follow_up_is_linked_only_when_the_api_takes_it() -> None:
    related = {**MINIMUM, **form(related_incident_id="6427fe6e-7d2c-58e0-86de-854a68c25687")}
    assert "related_incident_id" not in forms.call(related, related_supported=False).body
    assert forms.call(related, related_supported=True).body["related_incident_id"]


def test_a_registration_takes_contact_details_only_when_contact_is_wanted() -> None:
    base = form(
        external_id="AMS-1",
        organisation="GM0363",
        role="councillor",
        types=["verbal_aggression"],
        name="C. Smit",
    )
    refused = forms.registration({**base, **form(wants_contact="no")})
    assert {e.field for e in refused.errors} == {"f-name"}
    wanted = forms.registration({**base, **form(wants_contact="yes", phone="0612345678")})
    assert wanted.errors == []
    assert wanted.body["wants_contact"] is True
    assert wanted.body["organisation_code"] == "GM0363"


def test_facts_send_only_what_changed_and_the_police_facts_whole() -> None:
    record = {
        "urgency": "normal",
        "types": ["threat"],
        "police": {"status": "melding", "reason_not_reported": None, "vpt_flag": None},
    }
    form = {k: list(v) for k, v in caseforms.facts_values(record).items()}
    assert caseforms.details(form, record).errors[0].field == "f-police_status"  # nothing
    form.update(police_status=["aangifte"], vpt_flag=["yes"])
    body = caseforms.details(form, record).body
    assert body == {"police": {"status": "aangifte", "vpt_flag": True}}
    UpdateDetails.model_validate(body)  # what intake takes
    form.update(urgency=["acute"], types=["threat", "stalking"])
    changed = caseforms.details(form, record).body
    assert changed is not None and changed["urgency"] == "acute"
    assert changed["types"] == ["threat", "stalking"]
    form.update(reason_not_reported=["part_of_the_job"])  # left from before: dropped
    assert caseforms.details(form, record).body == changed
    form.update(police_status=["none"], reason_not_reported=["not_serious_enough"])
    police = (caseforms.details(form, record).body or {})["police"]
    assert police == {
        "status": "none",
        "reason_not_reported": "not_serious_enough",
        "vpt_flag": True,
    }


def test_a_hand_assignment_names_the_adviser_and_optionally_why() -> None:
    body = caseforms.assignment({"adviser_id": ["ngb-02"], "reason": [""]}).body
    assert body == {"adviser_id": "ngb-02"}
    AssignByHand.model_validate(body)
    other = caseforms.assignment({"adviser_id": ["ngb-02"], "other_adviser_id": ["ngb-07"]})
    assert other.body == {"adviser_id": "ngb-07"}
    assert caseforms.assignment({"adviser_id": ["not ok!"]}).errors[0].field == "f-adviser_id"
