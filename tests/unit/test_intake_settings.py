"""Intake's settings reach its use cases through the composition root only."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from intake.bootstrap import build, compose
from intake.domain.errors import InvalidLinkError
from intake.settings import IntakeSettings
from tests.support.events import ASSIGNMENT_ID
from tests.support.intake import SECRET, ack_token
from weerbaar_runtime.settings import DEV_ACK_TOKEN_SECRET


def test_production_refuses_the_development_ack_secret() -> None:
    with pytest.raises(ValidationError, match="development ACK_TOKEN_SECRET"):
        IntakeSettings(environment="production", ack_token_secret=SecretStr(DEV_ACK_TOKEN_SECRET))


def test_links_are_verified_with_the_secret_of_the_settings() -> None:
    settings = IntakeSettings(ack_token_secret=SecretStr(SECRET.decode()))
    casework = compose(settings, build(settings)).casework
    assert casework.claim(ack_token(ASSIGNMENT_ID)).assignment_id == ASSIGNMENT_ID
    development = IntakeSettings(ack_token_secret=SecretStr(DEV_ACK_TOKEN_SECRET))
    with pytest.raises(InvalidLinkError):
        compose(development, build(development)).casework.claim(ack_token(ASSIGNMENT_ID))
