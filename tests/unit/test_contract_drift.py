"""What schemathesis found where the schema and the behaviour disagreed: a 405 that
named one method of a path with two, a number taken for a boolean, and organisation
codes that matched the pattern but did not exist."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError

from contracts.events import Police
from contracts.organisations import OrganisationCode, all_organisations
from intake.domain.commands import RegisterIncident, ReportIncident
from weerbaar_runtime.http import install_problem_handlers

REPORT: dict[str, Any] = {
    "official": {"role": "mayor", "organisation_code": "GM0363"},
    "incident": {"types": ["threat"]},
}


def test_a_405_names_every_method_of_the_path() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/v1/ack/{token}")
    async def page(token: str) -> str:
        return token

    @app.post("/v1/ack/{token}")
    async def acknowledge(token: str) -> str:
        return token

    client = TestClient(app)
    for method in ("OPTIONS", "PATCH", "DELETE"):
        answer = client.request(method, "/v1/ack/t")
        assert answer.status_code == 405
        assert answer.headers["allow"] == "GET, POST"
        assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
def test_booleans_are_strict(value: object) -> None:
    with pytest.raises(ValidationError):
        ReportIncident.model_validate({**REPORT, "police": {"vpt_flag": value}})
    with pytest.raises(ValidationError):
        ReportIncident.model_validate({**REPORT, "family_targeted": value})
    with pytest.raises(ValidationError):
        Police.model_validate({"status": "aangifte", "organisation_address_used": value})
    registration = {
        "official": {"role": "mayor", "organisation_code": "GM0363"},
        "role": "mayor",
        "incident": {"types": ["threat"]},
        "wants_contact": value,
    }
    with pytest.raises(ValidationError) as refused:
        RegisterIncident.model_validate(registration)
    assert ("wants_contact",) in [error["loc"] for error in refused.value.errors()]


def test_a_real_boolean_is_taken() -> None:
    command = ReportIncident.model_validate({**REPORT, "police": {"vpt_flag": False}})
    assert command.police.vpt_flag is False


def test_the_schema_lists_exactly_the_codes_that_are_accepted() -> None:
    schema = TypeAdapter(OrganisationCode).json_schema()
    assert set(schema["enum"]) == set(all_organisations())
    assert "GM0000" not in schema["enum"]
    with pytest.raises(ValidationError):
        TypeAdapter(OrganisationCode).validate_python("GM0000")
    for code in schema["enum"]:
        TypeAdapter(OrganisationCode).validate_python(code)
    official = ReportIncident.model_json_schema()["$defs"]["Official"]
    assert official["properties"]["organisation_code"]["enum"] == schema["enum"]
