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
    public_url: str = Field(default="http://127.0.0.1:8001", validation_alias="REGISTRY_PUBLIC_URL")
    retention_days: int = Field(
        default=1826,
        ge=1,
        le=36500,
        validation_alias="REGISTRY_RETENTION_DAYS",
        description="Personal data of a case closed this long ago is erased (5 years)",
    )
    retention_interval_s: float = Field(
        default=3600.0,
        ge=0,
        validation_alias="REGISTRY_RETENTION_INTERVAL_S",
        description="How often the retention job runs; 0 turns it off",
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)
