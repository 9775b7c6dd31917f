"""Intake's settings."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator

from weerbaar_runtime.case_keys import CaseKeySettings
from weerbaar_runtime.secrets import require_strong

DEV_REGISTRATION_ID_KEY = "development-only-registration-id-key"


class IntakeSettings(CaseKeySettings):
    """Environment variables without prefix, as in the README's configuration table."""

    port: int = Field(default=8000, ge=1, le=65535, validation_alias="INTAKE_PORT")
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        validation_alias="INTAKE_PUBLIC_URL",
        description="Base URL of the intake API as clients reach it",
    )
    registry_public_url: str = Field(
        default="http://127.0.0.1:8001",
        validation_alias="REGISTRY_PUBLIC_URL",
        description="Base URL of the registry API, for status links",
    )
    publish_timeout_s: float = Field(default=2.0, gt=0, validation_alias="INTAKE_PUBLISH_TIMEOUT_S")
    publish_retry_s: float = Field(
        default=4.0,
        ge=0,
        validation_alias="INTAKE_PUBLISH_RETRY_S",
        description="How long a write JetStream did not take (no leader for a moment: an "
        "election) is tried again before the answer is a 503",
    )
    max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, validation_alias="INTAKE_MAX_BODY_BYTES"
    )
    retry_after_s: int = Field(default=5, ge=1)
    max_in_flight: int = Field(
        default=64,
        ge=1,
        validation_alias="INTAKE_MAX_IN_FLIGHT",
        description="Write requests handled at once; past it a request waits "
        "INTAKE_ADMISSION_WAIT_S for room, then is answered 503 with Retry-After",
    )
    admission_wait_s: float = Field(default=0.5, ge=0, validation_alias="INTAKE_ADMISSION_WAIT_S")
    registration_id_key: SecretStr = Field(
        default=SecretStr(DEV_REGISTRATION_ID_KEY),
        validation_alias="REGISTRATION_ID_KEY",
        description="Keys the incident ids of registrations, so they cannot be computed "
        "from public facts; set once and never change it (a repeat of a registration would "
        "get a new id)",
    )

    @model_validator(mode="after")
    def _registration_id_key_in_production(self) -> Self:
        key = self.registration_id_key
        if self.environment == "production" and key.get_secret_value() == DEV_REGISTRATION_ID_KEY:
            raise ValueError("production refuses the development REGISTRATION_ID_KEY")
        require_strong(self.environment, "REGISTRATION_ID_KEY", key)
        return self
