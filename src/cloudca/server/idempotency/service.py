"""Recording and finding the answers of idempotent requests (the rules are in ``api.idempotency``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Delete, delete, select, update
from sqlalchemy.exc import IntegrityError

from cloudca.server.db.base import utcnow
from cloudca.server.db.engine import Database
from cloudca.server.idempotency.models import IdempotencyKey

#: How long an answer is kept and replayed (Stripe's 24 hours).
RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class Recorded:
    fingerprint: str
    #: ``None``: the first request with this key is still being answered.
    status_code: int | None
    response: bytes | None


async def claim(database: Database, owner: str, key: str, fingerprint: str) -> Recorded | None:
    """Reserve ``key`` for a first request (``None``), or return what it already holds. A key
    older than the retention is forgotten and reserved anew. The primary key decides between
    concurrent first requests, in every process."""
    now = utcnow()
    for _ in range(2):
        async with database.session() as session:
            row = (
                await session.execute(
                    select(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
                )
            ).scalar_one_or_none()
        if row is not None and row.created_at >= now - RETENTION:
            return Recorded(row.fingerprint, row.status_code, row.response)
        try:
            async with database.transaction() as session:
                if row is not None:
                    await session.execute(_delete(owner, key, created_before=now - RETENTION))
                session.add(IdempotencyKey(owner=owner, key=key, fingerprint=fingerprint, created_at=now))
        except IntegrityError:
            continue  # a concurrent first request won: read what it holds
        return None
    return Recorded(fingerprint, None, None)


async def record(database: Database, owner: str, key: str, status_code: int, response: bytes) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
            .values(status_code=status_code, response=response)
        )


async def forget(database: Database, owner: str, key: str) -> None:
    """Drop a reservation whose request failed on the server's side: a retry may run again."""
    async with database.transaction() as session:
        await session.execute(_delete(owner, key))


async def purge_expired(database: Database) -> int:
    async with database.transaction() as session:
        result = await session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - RETENTION)
        )
    return int(getattr(result, "rowcount", 0) or 0)


def _delete(owner: str, key: str, *, created_before: datetime | None = None) -> Delete:
    statement = delete(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
    if created_before is not None:
        statement = statement.where(IdempotencyKey.created_at < created_before)
    return statement
