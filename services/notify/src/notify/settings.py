"""Notify's settings: channels, providers, policies, retries and circuit breakers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from contracts.subjects import NOTIFY_CONSUMER
from contracts.vocabulary import Urgency
from weerbaar_runtime.secrets import require_strong
from weerbaar_runtime.settings import ServiceSettings

DEFAULT_SMS_BODY: dict[str, Any] = {
    "to": "{to}",
    "text": "{text}",
    "reference": "{idempotency_key}",
}
DEVELOPMENT_WEBHOOK_SECRET = "development-only-webhook-secret"  # noqa: S105 - refused in production


class SmsProvider(BaseModel):
    """One SMS gateway that takes a JSON POST. Providers are tried in the order given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")] = Field(
        description="Short name; a metric label, so never anything personal"
    )
    url: Annotated[str, Field(pattern=r"^https?://")]
    auth_header: SecretStr | None = Field(
        default=None,
        description="`Header-Name: value` sent with every request (a bare value means "
        "`Authorization: value`)",
    )
    body_template: dict[str, Any] = Field(
        default_factory=lambda: dict(DEFAULT_SMS_BODY),
        description="JSON body; in its strings {to}, {text}, {idempotency_key}, "
        "{incident_reference} and {sender} are replaced",
    )

    def auth(self) -> dict[str, str]:
        """The authentication header, if any."""
        if self.auth_header is None:
            return {}
        raw = self.auth_header.get_secret_value()
        name, sep, value = raw.partition(":")
        if not sep:
            return {"Authorization": raw.strip()}
        return {name.strip(): value.strip()}


class NotifySettings(ServiceSettings):
    port: int = Field(default=8003, ge=1, le=65535, validation_alias="NOTIFY_PORT")

    # e-mail
    smtp_host: str = Field(default="127.0.0.1", validation_alias="SMTP_HOST")
    smtp_port: int = Field(default=8025, ge=1, le=65535, validation_alias="SMTP_PORT")
    smtp_user: str | None = Field(default=None, validation_alias="SMTP_USER")
    smtp_password: SecretStr | None = Field(default=None, validation_alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=False, validation_alias="SMTP_STARTTLS")
    smtp_implicit_tls: bool = Field(default=False, validation_alias="SMTP_IMPLICIT_TLS")
    smtp_allow_plaintext: bool = Field(default=False, validation_alias="SMTP_ALLOW_PLAINTEXT")
    """Production sends mail only over TLS (STARTTLS or implicit) unless this says
    otherwise, e.g. for a relay on the same host."""
    smtp_timeout_s: float = Field(default=10.0, gt=0, validation_alias="SMTP_TIMEOUT_S")
    smtp_sessions: int = Field(default=8, ge=1, le=64, validation_alias="SMTP_SESSIONS")
    """SMTP sessions kept open and reused, each sending one mail at a time."""
    smtp_session_idle_s: float = Field(default=30.0, gt=0, validation_alias="SMTP_SESSION_IDLE_S")
    """A session idle this long is closed rather than reused."""
    mail_from: str = Field(
        default="Weerbaar <noreply@weerbaar.example>", validation_alias="MAIL_FROM"
    )

    # SMS
    sms_providers: list[SmsProvider] = Field(default_factory=list, validation_alias="SMS_PROVIDERS")
    sms_providers_file: Path | None = Field(default=None, validation_alias="SMS_PROVIDERS_FILE")
    sms_sender: str = Field(default="Weerbaar", max_length=11, validation_alias="SMS_SENDER")
    sms_timeout_s: float = Field(default=5.0, gt=0, validation_alias="SMS_TIMEOUT_S")

    # webhooks
    webhook_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_WEBHOOK_SECRET), validation_alias="WEBHOOK_SECRET"
    )
    webhook_timeout_s: float = Field(default=5.0, gt=0, validation_alias="WEBHOOK_TIMEOUT_S")

    # links in messages
    intake_public_url: str = Field(
        default="http://127.0.0.1:8000", validation_alias="INTAKE_PUBLIC_URL"
    )
    registry_public_url: str = Field(
        default="http://127.0.0.1:8001", validation_alias="REGISTRY_PUBLIC_URL"
    )
    ack_link_grace_s: float = Field(
        default=24 * 3600.0, ge=0, validation_alias="NOTIFY_ACK_LINK_GRACE_S"
    )

    # policies
    important_urgencies: Annotated[list[Urgency], NoDecode] = Field(
        default_factory=lambda: [Urgency.ACUTE], validation_alias="NOTIFY_IMPORTANT_URGENCIES"
    )
    failover_delay_s: float = Field(default=60.0, ge=0, validation_alias="NOTIFY_FAILOVER_DELAY_S")

    # retries: the window is time (max_retry_s, 15 minutes), which outlasts an outage of
    # minutes and is as long as a high-urgency deadline; an acute case is escalated by
    # its own deadline first, any other one by `notification.failed` when it ends.
    # max_attempts only stops a page failing at once (say, an open circuit) from being
    # tried without end: at the 60 s backoff cap 60 attempts take far longer than 15
    # minutes, so it is the time bound that ends trying.
    max_attempts: int = Field(
        default=60,
        ge=1,
        le=NOTIFY_CONSUMER.max_deliver - 2,
        validation_alias="NOTIFY_MAX_ATTEMPTS",
    )
    max_retry_s: float = Field(default=900.0, gt=0, validation_alias="NOTIFY_MAX_RETRY_S")
    retry_base_s: float = Field(default=1.0, gt=0, validation_alias="NOTIFY_RETRY_BASE_S")
    retry_cap_s: float = Field(default=60.0, gt=0, validation_alias="NOTIFY_RETRY_CAP_S")
    concurrency: int = Field(default=32, ge=1, le=256, validation_alias="NOTIFY_CONCURRENCY")

    # circuit breakers (one per SMTP server and per SMS provider)
    circuit_failure_threshold: int = Field(
        default=5, ge=1, validation_alias="NOTIFY_CIRCUIT_FAILURES"
    )
    circuit_reset_s: float = Field(default=30.0, gt=0, validation_alias="NOTIFY_CIRCUIT_RESET_S")

    publish_timeout_s: float = Field(default=5.0, gt=0)

    @field_validator("important_urgencies", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _load_and_check(self) -> Self:
        if self.sms_providers_file is not None:
            text = self.sms_providers_file.read_text()
            loaded = (
                json.loads(text)
                if self.sms_providers_file.suffix == ".json"
                else yaml.safe_load(text)
            )
            if isinstance(loaded, dict):
                loaded = loaded.get("providers", [])
            providers = [SmsProvider.model_validate(item) for item in loaded or []]
            object.__setattr__(self, "sms_providers", [*self.sms_providers, *providers])
        names = [provider.name for provider in self.sms_providers]
        if len(names) != len(set(names)):
            raise ValueError("SMS provider names must be unique")
        if (
            self.environment == "production"
            and self.webhook_secret.get_secret_value() == DEVELOPMENT_WEBHOOK_SECRET
        ):
            raise ValueError("set WEBHOOK_SECRET in production")
        require_strong(self.environment, "WEBHOOK_SECRET", self.webhook_secret)
        if self.smtp_starttls and self.smtp_implicit_tls:
            raise ValueError("set SMTP_STARTTLS or SMTP_IMPLICIT_TLS, not both")
        if (
            self.environment == "production"
            and not (self.smtp_starttls or self.smtp_implicit_tls)
            and not self.smtp_allow_plaintext
        ):
            raise ValueError(
                "production sends e-mail over TLS: set SMTP_STARTTLS=true (port 587) or "
                "SMTP_IMPLICIT_TLS=true (port 465), or SMTP_ALLOW_PLAINTEXT=true to send "
                "in the clear on purpose"
            )
        return self
