"""Writes that a unique constraint may refuse: the database settles a race between two requests
that both passed their checks, and the loser gets the contract's error instead of a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.errors import ServiceError


@asynccontextmanager
async def refused_as(session: AsyncSession, error: ServiceError) -> AsyncIterator[None]:
    """Run the block's writes in a savepoint and flush them; a constraint refusing them raises
    ``error`` and leaves the rest of the transaction as it was."""
    try:
        async with session.begin_nested():
            yield
            await session.flush()
    except IntegrityError as exc:
        raise error from exc
