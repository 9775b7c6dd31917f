"""weerbaar-token mints what the services accept, and never silently with the dev key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from weerbaar_runtime.auth import Access, Authenticator, AuthSettings
from weerbaar_runtime.mint import main

KEY = "a-production-signing-key-of-32-characters"


def test_a_minted_ops_token_is_accepted_by_a_service_with_the_same_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTH_SIGNING_KEY", KEY)
    assert main(["--role", "ops", "--subject", "prometheus", "--days", "30"]) == 0
    token = capsys.readouterr().out.strip()
    principal = Authenticator(AuthSettings(signing_key=SecretStr(KEY))).verify(token)
    assert principal.role is Access.OPS
    assert principal.subject == "prometheus"


def test_the_key_can_come_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    argv = ["--role", "adviser", "--subject", "a", "--claim", "adviser_id=ngb-01"]
    assert main([*argv, "--key-file", str(key_file)]) == 0
    token = capsys.readouterr().out.strip()
    principal = Authenticator(AuthSettings(signing_key=SecretStr(KEY))).verify(token)
    assert principal.role is Access.ADVISER


def test_without_a_key_it_refuses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AUTH_SIGNING_KEY", raising=False)
    assert main(["--role", "ops", "--subject", "prometheus"]) == 2
    assert "no signing key" in capsys.readouterr().err


def test_a_bad_claim_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--role", "ops", "--subject", "p", "--claim", "oops", "--development"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
