"""API keys, several per user (a cloudca extension under ``/v1/users/{id}/apikeys``).

A key is shown once, when it is created; only its SHA-256 digest is stored. Revoking it moves
the access revision in the same transaction, so every process refuses it from that commit on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access import revision
from cloudca.server.access.models import ApiKey, User
from cloudca.server.access.service import generate_api_key, hash_api_key
from cloudca.server.db.base import iso, new_id, utcnow
from cloudca.server.errors import NotFound


def represent(row: ApiKey) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "userId": row.user_id,
        "creationDate": iso(row.created_at),
    }
    if row.last_used_at is not None:
        body["lastUsed"] = iso(row.last_used_at)
    return body


async def create(session: AsyncSession, user: User, name: str | None) -> dict[str, Any]:
    """The new key's representation with its secret (``apiKey``): the only time it is shown."""
    secret = generate_api_key()
    row = ApiKey(id=new_id(), user_id=user.id, name=name or "", key_hash=hash_api_key(secret))
    session.add(row)
    await session.flush()
    return {**represent(row), "apiKey": secret}


async def get_key(session: AsyncSession, user: User, key_id: str) -> ApiKey:
    row = await session.get(ApiKey, key_id.lower())
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound("apikeys", key_id)
    return row


async def revoke(session: AsyncSession, row: ApiKey) -> None:
    row.revoked_at = utcnow()
    await session.flush()
    await revision.bump(session)
