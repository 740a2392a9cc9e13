"""Apply the Alembic migrations at start, safely when several processes start together.

On PostgreSQL a transaction-scoped advisory lock serialises concurrent migrators: the first one
migrates, the others wait and then find nothing left to do. ``exclusive_start`` serialises the
whole start-up (migrations, then the first-start seed and the host records) with a session lock,
so that of several processes starting on an empty database exactly one seeds it and the others
find it seeded. SQLite serialises writers by itself (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from cloudca.server.db.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
#: An arbitrary constant naming cloudca's migration lock among PostgreSQL advisory locks.
MIGRATION_LOCK_KEY = 7_220_604_313
#: Another one for the whole start-up; distinct, because it is held while the migration lock is taken.
START_LOCK_KEY = 7_220_604_314


def alembic_config(connection: Connection | None = None) -> Config:
    # Alembic is imported only when there is something to migrate: it costs a fifth of a second of
    # start-up, and a restart of an up-to-date server has nothing to migrate.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


_REVISION = re.compile(r"^revision(?:: str)? = ['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:: [^=]+)? = ['\"]([^'\"]+)['\"]", re.MULTILINE)


def head_revision() -> str:
    """The newest revision of the migration scripts, read from the files without loading Alembic
    (``tests/unit/test_migrations.py`` checks that Alembic agrees)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text()
        if (revision := _REVISION.search(source)) is not None:
            revisions.add(revision.group(1))
        if (parent := _DOWN_REVISION.search(source)) is not None:
            parents.add(parent.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations must have exactly one head, found {sorted(heads)}")
    return heads.pop()


async def current_revision(database: Database) -> str | None:
    try:
        async with database.engine.connect() as connection:
            return (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except DBAPIError:
        return None  # no alembic_version table yet: an empty database


async def upgrade(database: Database) -> None:
    """Bring the schema to the newest revision."""
    if await current_revision(database) == head_revision():
        return
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
