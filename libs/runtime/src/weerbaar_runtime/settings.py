"""Settings every service shares; each service extends them with its own."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from weerbaar_runtime.auth import DEV_SIGNING_KEY, AuthSettings
from weerbaar_runtime.secrets import require_strong

DEV_ACK_TOKEN_SECRET = "development-only-ack-token-secret"  # noqa: S105


class ServiceSettings(BaseSettings):
    """Read from the environment (and `.env`), validated at startup."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    environment: Literal["development", "production"] = "development"
    nats_url: str = Field(
        default="nats://127.0.0.1:4222", description="NATS server(s), comma separated"
    )
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    nats_connect_timeout_s: float = Field(default=2.0, gt=0)
    log_level: str = "INFO"
    log_json: bool = True
    ack_token_secret: SecretStr = Field(
        default=SecretStr(DEV_ACK_TOKEN_SECRET),
        description="Shared by notify (signs acknowledge links) and intake (verifies them)",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    http_header_timeout_s: float = Field(
        default=10.0, gt=0, description="A request's line and headers must arrive within this"
    )
    http_body_timeout_s: float = Field(
        default=30.0, gt=0, description="A request's body must arrive within this"
    )
    http_keep_alive_s: float = Field(
        default=5.0, gt=0, description="An idle kept-alive connection is closed after this"
    )
    http_max_header_bytes: int = Field(
        default=32 * 1024, ge=4096, description="Request line and headers together (431 above)"
    )
    http_max_concurrency: int = Field(
        default=1000, ge=1, description="Open connections and requests in flight (503 above)"
    )
    auth: AuthSettings = Field(
        default_factory=AuthSettings,
        description="Token verification (AUTH_* variables); the service's own, so a "
        "service built with production settings never verifies with development keys",
    )

    @model_validator(mode="after")
    def _no_development_secrets_in_production(self) -> Self:
        if (
            self.environment == "production"
            and self.ack_token_secret.get_secret_value() == DEV_ACK_TOKEN_SECRET
        ):
            raise ValueError("production refuses the development ACK_TOKEN_SECRET")
        if (
            self.environment == "production"
            and self.auth.jwks_url is None
            and self.auth.signing_key.get_secret_value() == DEV_SIGNING_KEY
        ):
            raise ValueError(
                "production refuses the development signing key: set AUTH_JWKS_URL "
                "or AUTH_SIGNING_KEY"
            )
        require_strong(self.environment, "ACK_TOKEN_SECRET", self.ack_token_secret)
        if self.auth.jwks_url is None:
            require_strong(self.environment, "AUTH_SIGNING_KEY", self.auth.signing_key)
        return self

    def nats_servers(self) -> list[str]:
        """The NATS servers to connect to."""
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]


def use_make_run(user: str, *, data: str = ".data") -> str | None:
    """For the command-line tools: when NATS_URL is not set and this checkout's `make run`
    has written its files, point NATS_URL, NATS_USER and NATS_PASSWORD (when unset) at
    make run's server as `user`, and DATABASE_URL at its database. Returns the URL used,
    or None when there is nothing to use."""
    import os
    import shlex
    from pathlib import Path

    def read(path: Path) -> dict[str, str]:
        values: dict[str, str] = {}
        for line in path.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and name.strip() and not name.startswith("#"):
                parts = shlex.split(value, comments=False) or [""]
                values[name.strip()] = parts[0]
        return values

    dev_env, credentials = Path(data, "dev.env"), Path(data, "nats", "credentials.env")
    if "NATS_URL" in os.environ or not dev_env.exists():
        return None
    env = read(dev_env)
    if not env.get("NATS_URL"):
        return None
    os.environ["NATS_URL"] = env["NATS_URL"]
    if env.get("DATABASE_URL"):
        os.environ.setdefault("DATABASE_URL", env["DATABASE_URL"])
    if "NATS_USER" not in os.environ and credentials.exists():
        password = read(credentials).get(f"NATS_{user.upper()}_PASSWORD")
        if password:
            os.environ["NATS_USER"] = user
            os.environ["NATS_PASSWORD"] = password
    return env["NATS_URL"]
