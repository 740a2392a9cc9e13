"""The access revision: one counter that moves with every change to who may do what.

Every process keeps what it resolved from API keys (callers, environment scopes) and reads this
counter at the start of every request: when it moved, the process forgets everything it resolved.
So a revocation, a removed membership or a deleted environment holds in every process from the
moment its transaction commits, for one primary-key read per request (migration ``12a_teams``).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.models import AccessRevision
from cloudca.server.db.engine import Database

# Built once: read on every request. The table holds one row, so no WHERE (and no bound value:
# ``inline_reads`` binds only named parameters).
_READ = select(AccessRevision.revision)
_BUMP = (
    update(AccessRevision)
    .where(AccessRevision.id == 1)
    .values(revision=AccessRevision.revision + 1)
    .execution_options(synchronize_session=False)
)


async def current(database: Database) -> int:
    """The committed revision (on SQLite through ``inline_reads``: microseconds, no pool)."""
    inline = database.inline_reads
    if inline is not None:
        value = (await inline.execute(_READ)).scalar_one_or_none()
    else:
        async with database.read() as connection:
            value = (await connection.execute(_READ)).scalar_one_or_none()
    return int(value or 0)


async def bump(session: AsyncSession) -> None:
    """Move the revision inside the caller's transaction: call it from every write that changes
    keys, users, organizations, environments, roles or memberships."""
    await session.execute(_BUMP)
