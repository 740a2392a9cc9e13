"""Apply the Alembic migrations at start, safely when several processes start together.

On PostgreSQL a transaction-scoped advisory lock serialises concurrent migrators: the first one
migrates, the others wait and then find nothing left to do. ``exclusive_start`` serialises the
whole start-up (migrations, then the first-start seed and the host records) with a session lock,
so that of several processes starting on an empty database exactly one seeds it and the others
find it seeded. SQLite serialises writers by itself (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from cloudca.server.db.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"
#: An arbitrary constant naming cloudca's migration lock among PostgreSQL advisory locks.
MIGRATION_LOCK_KEY = 7_220_604_313
#: Another one for the whole start-up; distinct, because it is held while the migration lock is taken.
START_LOCK_KEY = 7_220_604_314


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    command.upgrade(alembic_config(connection), "head")


async def upgrade(database: Database) -> None:
    """Bring the schema to the newest revision."""
    async with database.engine.begin() as connection:
        await connection.run_sync(_upgrade)


@asynccontextmanager
async def exclusive_start(database: Database) -> AsyncIterator[None]:
    """Hold the start-up lock (PostgreSQL) for the block: one process at a time migrates and seeds.

    A session lock on a connection of its own, because the block runs several transactions; if the
    process dies, PostgreSQL releases it with the connection.
    """
    if not database.is_postgresql:
        yield
        return
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": START_LOCK_KEY})
        await connection.commit()
        try:
            yield
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": START_LOCK_KEY})
            await connection.commit()
