"""Registry's settings."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator

from weerbaar_runtime.case_keys import CaseKeySettings

DEV_STATS_KEY = "weerbaar-development-statistics-key-not-for-production"
"""The development secret of the statistics' record keys (refused in production)."""


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


class RegistrySettings(CaseKeySettings):
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
    stats_summary_interval_s: float = Field(
        default=10.0,
        ge=0,
        validation_alias="REGISTRY_STATS_SUMMARY_INTERVAL_S",
        description="How often the months written since are summarised again for the "
        "statistics; 0 turns the summary off (every statistic reads every case)",
    )
    retention_interval_s: float = Field(
        default=3600.0,
        ge=0,
        validation_alias="REGISTRY_RETENTION_INTERVAL_S",
        description="How often the retention job runs; 0 turns it off",
    )

    stats_key: SecretStr = Field(
        default=SecretStr(DEV_STATS_KEY),
        min_length=32,
        validation_alias="REGISTRY_STATS_KEY",
        description="The secret the statistics' record keys are derived from (the "
        "cell-key method, docs/privacy.md): at least 32 random characters, never changed "
        "(a new one changes every perturbed figure at once)",
    )

    @model_validator(mode="after")
    def _usable_stats_key(self) -> Self:
        if self.environment == "production" and self.stats_key.get_secret_value() == (
            DEV_STATS_KEY
        ):
            raise ValueError("production refuses the development REGISTRY_STATS_KEY")
        return self

    def stats_secret(self) -> bytes:
        """The secret of the statistics' record keys."""
        return self.stats_key.get_secret_value().encode()

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)
