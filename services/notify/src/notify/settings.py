"""Notify's settings."""

from __future__ import annotations

from pydantic import Field, SecretStr

from contracts.runtime.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    port: int = Field(default=8003, ge=1, le=65535, validation_alias="NOTIFY_PORT")
    smtp_host: str = Field(default="127.0.0.1", validation_alias="SMTP_HOST")
    smtp_port: int = Field(default=8025, ge=1, le=65535, validation_alias="SMTP_PORT")
    smtp_user: str | None = Field(default=None, validation_alias="SMTP_USER")
    smtp_password: SecretStr | None = Field(default=None, validation_alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=False, validation_alias="SMTP_STARTTLS")
    smtp_timeout_s: float = Field(default=10.0, gt=0, validation_alias="SMTP_TIMEOUT_S")
    mail_from: str = Field(
        default="Weerbaar <noreply@weerbaar.example>", validation_alias="MAIL_FROM"
    )
    intake_public_url: str = Field(
        default="http://127.0.0.1:8000", validation_alias="INTAKE_PUBLIC_URL"
    )
    max_attempts: int = Field(default=8, ge=1, le=100, validation_alias="NOTIFY_MAX_ATTEMPTS")
    publish_timeout_s: float = Field(default=5.0, gt=0)
