"""The Dutch public bodies (CBS codes) as shipped data: gemeenten, provincies, waterschappen."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import AfterValidator, Field


class OrganisationKind(StrEnum):
    """The kind of public body."""

    GEMEENTE = "gemeente"
    PROVINCIE = "provincie"
    WATERSCHAP = "waterschap"


@dataclass(frozen=True, slots=True)
class Organisation:
    """One public body; `province_code` is set for gemeenten and provincies."""

    code: str
    name: str
    kind: OrganisationKind
    province_code: str | None


class UnknownOrganisationError(ValueError):
    """Raised for a code that is not in the shipped reference list."""


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("contracts").joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def all_organisations() -> dict[str, Organisation]:
    """Every organisation by code, loaded once from the package data."""
    found: dict[str, Organisation] = {}
    for row in _rows("provincies.csv"):
        found[row["code"]] = Organisation(
            row["code"], row["name"], OrganisationKind.PROVINCIE, row["code"]
        )
    for row in _rows("gemeenten.csv"):
        found[row["code"]] = Organisation(
            row["code"], row["name"], OrganisationKind.GEMEENTE, row["province_code"]
        )
    for row in _rows("waterschappen.csv"):
        found[row["code"]] = Organisation(
            row["code"], row["name"], OrganisationKind.WATERSCHAP, None
        )
    return found


def lookup(code: str) -> Organisation:
    """The organisation with this code (`GM0363` → Amsterdam); unknown codes raise."""
    try:
        return all_organisations()[code]
    except KeyError:
        raise UnknownOrganisationError(f"unknown organisation code {code!r}") from None


def _known_code(code: str) -> str:
    lookup(code)
    return code


OrganisationCode = Annotated[
    str,
    Field(
        pattern=r"^(GM\d{4}|PV\d{2}|WS\d{4})$",
        description="CBS code of a gemeente (GM0363), provincie (PV27) or waterschap "
        "(WS0155): one of the codes of the shipped reference list (the enum), which is "
        "what the service accepts",
        examples=["GM0363"],
        json_schema_extra={"enum": sorted(all_organisations())},
    ),
    AfterValidator(_known_code),
]
"""A code that must name an organisation in the shipped reference list; the JSON schema
lists those codes, so that a client (or a fuzzer) knows which ones exist."""
