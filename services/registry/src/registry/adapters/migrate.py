"""Running the Alembic migrations from the service: `upgrade head` on start."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

_LOCK_ID = 0x5745_4552  # "WEER": one registry replica migrates at a time


def alembic_config() -> Config:
    """The migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", "registry:migrations")
    return config


def _upgrade(connection: Connection, revision: str, stats_key: bytes | None) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    config.attributes["stats_key"] = stats_key
    command.upgrade(config, revision)


async def upgrade(
    engine: AsyncEngine, revision: str = "head", *, stats_key: bytes | None = None
) -> None:
    """Bring the database to `revision`, in one transaction where the database allows;
    `stats_key` derives the record keys of existing cases (migration 0006)."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        await conn.run_sync(_upgrade, revision, stats_key)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(read)
