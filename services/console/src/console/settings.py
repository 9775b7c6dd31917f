"""The console's settings, from the environment (the README's configuration table)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from weerbaar_runtime.settings import ServiceSettings


class ConsoleSettings(ServiceSettings):
    """Environment variables without prefix, validated at startup."""

    port: int = Field(default=8004, ge=1, le=65535, validation_alias="CONSOLE_PORT")
    public_url: str = Field(
        default="http://127.0.0.1:8004",
        validation_alias="CONSOLE_PUBLIC_URL",
        description="The console's address as browsers reach it (OIDC redirects)",
    )
    intake_url: str = Field(default="http://127.0.0.1:8000", validation_alias="INTAKE_URL")
    registry_url: str = Field(default="http://127.0.0.1:8001", validation_alias="REGISTRY_URL")
    routing_url: str = Field(default="http://127.0.0.1:8002", validation_alias="ROUTING_URL")
    notify_url: str = Field(default="http://127.0.0.1:8003", validation_alias="NOTIFY_URL")
    grafana_url: str | None = Field(
        default=None,
        validation_alias="CONSOLE_GRAFANA_URL",
        description="The Grafana dashboard the Storingen page links to (none: no link)",
    )
    api_timeout_s: float = Field(default=5.0, gt=0, validation_alias="CONSOLE_API_TIMEOUT_S")

    sign_in: Literal["development", "oidc"] = Field(
        default="development",
        validation_alias="CONSOLE_SIGN_IN",
        description="development: a page listing make run's users; oidc: the identity provider",
    )
    session_idle_s: int = Field(default=30 * 60, ge=60, validation_alias="CONSOLE_SESSION_IDLE_S")
    session_absolute_s: int = Field(
        default=12 * 3600, ge=300, validation_alias="CONSOLE_SESSION_ABSOLUTE_S"
    )

    oidc_issuer: str | None = Field(default=None, validation_alias="OIDC_ISSUER")
    oidc_client_id: str | None = Field(default=None, validation_alias="OIDC_CLIENT_ID")
    oidc_client_secret: SecretStr | None = Field(
        default=None, validation_alias="OIDC_CLIENT_SECRET"
    )
    oidc_scope: str = Field(default="openid profile", validation_alias="OIDC_SCOPE")

    @model_validator(mode="after")
    def _production_signs_in_through_the_identity_provider(self) -> Self:
        if self.environment == "production" and self.sign_in != "oidc":
            raise ValueError("production needs CONSOLE_SIGN_IN=oidc (no development sign-in)")
        if self.sign_in == "oidc" and not (self.oidc_issuer and self.oidc_client_id):
            raise ValueError("CONSOLE_SIGN_IN=oidc needs OIDC_ISSUER and OIDC_CLIENT_ID")
        if self.environment == "production" and not self.public_url.startswith("https://"):
            raise ValueError("production needs an https:// CONSOLE_PUBLIC_URL")
        if self.session_idle_s > self.session_absolute_s:
            raise ValueError("CONSOLE_SESSION_IDLE_S must not exceed CONSOLE_SESSION_ABSOLUTE_S")
        return self
