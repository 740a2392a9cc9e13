"""Apply the Alembic migrations at start, safely when several processes start together.

On PostgreSQL a transaction-scoped advisory lock serialises concurrent starters: the first one
migrates, the others wait and then find nothing left to do. SQLite serialises writers by itself.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from cloudca.server.db.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"
#: An arbitrary constant naming cloudca's migration lock among PostgreSQL advisory locks.
MIGRATION_LOCK_KEY = 7_220_604_313


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
