"""The roster file: every error names the file, the line and the field."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from routing.adapters.roster_file import load_roster
from routing.domain.roster import RosterError


@pytest.fixture
def write_roster(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "roster.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


def test_unknown_pool_names_file_line_and_field(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(
        """
        advisers:
          - id: a-1
            pool: ngb
            contacts: [{channel: email, address: a-1@example.nl}]
          - id: a-2
            pool: vng
            contacts: [{channel: email, address: a-2@example.nl}]
        """
    )
    with pytest.raises(RosterError) as error:
        load_roster(path)
    message = str(error.value)
    assert message.startswith(f"{path}:6:")
    assert "advisers.1.pool" in message


def test_adviser_without_a_usable_channel_is_an_error(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(
        """
        advisers:
          - id: a-1
            pool: ngb
            contacts:
              - {channel: sms, address: "call me"}
              - {channel: webhook, address: "ftp://example.nl/hook"}
        """
    )
    with pytest.raises(RosterError, match="no usable contact channel") as error:
        load_roster(path)
    assert f"{path}:2:" in str(error.value)
    assert "advisers.0" in str(error.value)


def test_overlapping_overrides_are_an_error(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(
        """
        advisers:
          - {id: a, pool: ngb, contacts: [{channel: email, address: a@example.nl}]}
          - {id: b, pool: ngb, contacts: [{channel: email, address: b@example.nl}]}
        shifts:
          overrides:
            - {pool: ngb, from: "2026-12-24T18:00", to: "2026-12-26T09:00", primary: a}
            - {pool: ngb, from: "2026-12-25T18:00", to: "2026-12-27T09:00", primary: b}
        """
    )
    with pytest.raises(RosterError, match="overlaps override 0") as error:
        load_roster(path)
    assert f"{path}:7:" in str(error.value)
    assert "shifts.overrides.1" in str(error.value)


def test_unknown_organisation_code_is_an_error(write_roster: Callable[[str], Path]) -> None:
    path = write_roster(
        """
        advisers:
          - id: a
            pool: ngb
            contacts: [{channel: email, address: a@example.nl}]
            organisations: [GM0363, GM9999]
        """
    )
    with pytest.raises(RosterError, match="GM9999") as error:
        load_roster(path)
    assert "advisers.0.organisations.1" in str(error.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("advisers: [", "not valid YAML"),
        (
            "advisers:\n  - {id: a, pool: ngb, contacts: [{channel: email, address: a@x.nl}]}\n"
            "  - {id: a, pool: ngb, contacts: [{channel: email, address: b@x.nl}]}\n",
            "duplicate adviser id",
        ),
        (
            "pools: {ngb: {coordinator: nobody}}\n",
            "pools.ngb.coordinator",
        ),
    ],
)
def test_other_roster_errors(write_roster: Callable[[str], Path], text: str, expected: str) -> None:
    with pytest.raises(RosterError, match=expected):
        load_roster(write_roster(text))


def test_a_file_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "roster.yaml"
    path.write_bytes(b"advisers:\n  - id: \xff\xfe\n")
    with pytest.raises(RosterError) as error:
        load_roster(path)
    assert str(path) in str(error.value)
