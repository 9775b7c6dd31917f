"""The vocabulary (docs/domain.md): codes in English, labels in Dutch, the default routing."""

from __future__ import annotations

import pytest

from contracts.vocabulary import (
    ALL_VOCABULARIES,
    DEFAULT_POOL_BY_ROLE,
    FALLBACK_POOL,
    IncidentType,
    Pool,
    Role,
    Status,
    Vocabulary,
)


def test_every_vocabulary_is_listed() -> None:
    assert set(Vocabulary.__subclasses__()) == set(ALL_VOCABULARIES)


@pytest.mark.parametrize("vocabulary", ALL_VOCABULARIES, ids=lambda v: v.__name__)
def test_every_code_has_a_dutch_label(vocabulary: type[Vocabulary]) -> None:
    labels = vocabulary.labels_nl()
    assert set(labels) == {member.value for member in vocabulary}
    for member in vocabulary:
        assert isinstance(member.label_nl, str)
        assert member.label_nl.strip(), f"{vocabulary.__name__}.{member.name} has an empty label"
        assert labels[member.value] == member.label_nl


@pytest.mark.parametrize("vocabulary", ALL_VOCABULARIES, ids=lambda v: v.__name__)
def test_codes_are_english_snake_case(vocabulary: type[Vocabulary]) -> None:
    for member in vocabulary:
        assert member.value == member.value.lower()
        assert " " not in member.value
        assert member.value == str(member)


# docs/domain.md, the role → pool table, row by row.
ROLE_TABLE = [
    ("mayor", "burgemeester", "ngb", "NGB — Nederlands Genootschap van Burgemeesters"),
    ("alderman", "wethouder", "wethoudersvereniging", "Wethoudersvereniging"),
    ("councillor", "raadslid", "nvvr", "NVvR — Nederlandse Vereniging voor Raadsleden"),
    ("provincial_councillor", "Statenlid", "statenlidnu", "StatenlidNu"),
    ("provincial_executive", "gedeputeerde", "bzk", "BZK — Netwerk Weerbaar Bestuur"),
    ("kings_commissioner", "Commissaris van de Koning", "bzk", "BZK — Netwerk Weerbaar Bestuur"),
    ("water_board_member", "waterschapsbestuurder", "bzk", "BZK — Netwerk Weerbaar Bestuur"),
]


@pytest.mark.parametrize(("role", "role_nl", "pool", "pool_nl"), ROLE_TABLE)
def test_default_pool_by_role_is_the_product_table(
    role: str, role_nl: str, pool: str, pool_nl: str
) -> None:
    assert Role(role).label_nl == role_nl
    assert DEFAULT_POOL_BY_ROLE[Role(role)] is Pool(pool)
    assert Pool(pool).label_nl == pool_nl


def test_default_pool_table_has_exactly_the_product_roles() -> None:
    assert {role for role, *_ in ROLE_TABLE} == {r.value for r in Role}
    assert set(DEFAULT_POOL_BY_ROLE) == set(Role)


def test_fallback_pool_is_bzk() -> None:
    assert FALLBACK_POOL is Pool.BZK
    assert FALLBACK_POOL.label_nl == "BZK — Netwerk Weerbaar Bestuur"


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("verbal_aggression", "verbaal geweld"),
        ("threat", "bedreiging"),
        ("intimidation", "intimidatie"),
        ("physical_violence", "fysiek geweld"),
        ("property_damage", "vernieling"),
        ("stalking", "belaging"),
        ("defamation", "zwartmaken"),
        ("undermining", "ondermijning"),
    ],
)
def test_incident_type_labels_follow_the_product_text(code: str, label: str) -> None:
    assert IncidentType(code).label_nl == label


def test_lifecycle_states_are_the_product_ones() -> None:
    assert [s.value for s in Status] == [
        "reported",
        "assigned",
        "acknowledged",
        "in_progress",
        "closed",
    ]
