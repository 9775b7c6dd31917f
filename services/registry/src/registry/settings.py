"""Registry's settings."""

from __future__ import annotations

from pydantic import Field, field_validator

from contracts.runtime.settings import ServiceSettings


def async_database_url(url: str) -> str:
    """Accept plain SQLAlchemy or libpq-style URLs and pick the async driver."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


class RegistrySettings(ServiceSettings):
    port: int = Field(default=8001, ge=1, le=65535, validation_alias="REGISTRY_PORT")
    database_url: str = Field(
        default="sqlite+aiosqlite:///.data/registry.db", validation_alias="DATABASE_URL"
    )
    batch_max: int = Field(default=500, ge=1, le=10000, validation_alias="REGISTRY_BATCH_MAX")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)
