"""The shipped reference list of Dutch public bodies (CBS codes)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from contracts.organisations import (
    OrganisationCode,
    OrganisationKind,
    UnknownOrganisationError,
    all_organisations,
    lookup,
)


class Holder(BaseModel):
    code: OrganisationCode


def _of_kind(kind: OrganisationKind) -> list[str]:
    return [code for code, org in all_organisations().items() if org.kind is kind]


@pytest.mark.parametrize(
    ("kind", "count", "prefix"),
    [
        (OrganisationKind.GEMEENTE, 342, "GM"),
        (OrganisationKind.PROVINCIE, 12, "PV"),
        (OrganisationKind.WATERSCHAP, 21, "WS"),
    ],
)
def test_counts_and_prefixes(kind: OrganisationKind, count: int, prefix: str) -> None:
    codes = _of_kind(kind)
    assert len(codes) == count
    assert all(code.startswith(prefix) for code in codes)


def test_no_code_is_shipped_twice() -> None:
    assert len(all_organisations()) == 342 + 12 + 21


def test_amsterdam() -> None:
    amsterdam = lookup("GM0363")
    assert amsterdam.name == "Amsterdam"
    assert amsterdam.kind is OrganisationKind.GEMEENTE
    assert amsterdam.province_code == "PV27"
    assert lookup("PV27").kind is OrganisationKind.PROVINCIE


def test_every_gemeente_lies_in_a_shipped_provincie() -> None:
    provincies = set(_of_kind(OrganisationKind.PROVINCIE))
    for code in _of_kind(OrganisationKind.GEMEENTE):
        assert lookup(code).province_code in provincies, code


def test_provincies_are_their_own_province_and_waterschappen_have_none() -> None:
    for code in _of_kind(OrganisationKind.PROVINCIE):
        assert lookup(code).province_code == code
    for code in _of_kind(OrganisationKind.WATERSCHAP):
        assert lookup(code).province_code is None


def test_every_organisation_has_a_name() -> None:
    assert all(org.name.strip() for org in all_organisations().values())


@pytest.mark.parametrize("code", ["GM9999", "PV99", "WS9999", "", "Amsterdam"])
def test_unknown_code_raises(code: str) -> None:
    with pytest.raises(UnknownOrganisationError, match="unknown organisation code"):
        lookup(code)


def test_unknown_organisation_error_is_a_value_error() -> None:
    assert issubclass(UnknownOrganisationError, ValueError)


@pytest.mark.parametrize("code", ["GM0363", "PV27", "WS0155"])
def test_annotated_type_accepts_known_codes(code: str) -> None:
    assert Holder(code=code).code == code


@pytest.mark.parametrize(
    "code",
    [
        "GM9999",  # well formed, not a gemeente
        "PV99",
        "gm0363",  # lower case
        "GM363",  # too short
        "GM03630",  # too long
        "XX0363",  # unknown prefix
        " GM0363",
        "GM0363\n",
        "",
    ],
)
def test_annotated_type_rejects_unknown_and_malformed_codes(code: str) -> None:
    with pytest.raises(ValidationError):
        Holder(code=code)


def test_annotated_type_rejects_non_strings() -> None:
    with pytest.raises(ValidationError):
        Holder.model_validate({"code": 363})
