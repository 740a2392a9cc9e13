"""Reading one row the way every domain does: the one a path names, if it is the caller's
environment's (another environment's rows do not exist for the caller: 404), and the one a task
re-checks under its row lock."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.db.base import Base
from cloudca.server.errors import InvalidField, NotFound

Row = TypeVar("Row", bound=Base)


async def in_environment(
    session: AsyncSession, model: type[Row], environment_id: str, entity_id: str, entity_type: str, noun: str
) -> Row:
    """The row with this id (any case), freshly read, if it belongs to the environment; else 404."""
    row: Any = await session.get(model, entity_id.lower(), populate_existing=True)
    if row is None or row.environment_id != environment_id:
        raise NotFound(entity_type, entity_id, f"No {noun} with id {entity_id}")
    return row  # type: ignore[no-any-return]


async def field_row(
    session: AsyncSession, model: type[Row], environment_id: str, row_id: str, field: str, noun: str
) -> Row:
    """The row a request body's ``field`` names, freshly read, if it belongs to the environment;
    else INVALID_FIELD (the body's reference is a bad field, where the path's is a 404)."""
    row: Any = await session.get(model, row_id, populate_existing=True)
    if row is None or row.environment_id != environment_id:
        raise InvalidField(field, row_id, f"no such {noun} in this environment")
    return row  # type: ignore[no-any-return]


async def lock_row(session: AsyncSession, model: type[Row], row_id: str) -> Row | None:
    """The row, freshly read and locked until the transaction ends (``SELECT ... FOR UPDATE``)."""
    query = select(model).where(model.id == row_id).with_for_update()  # type: ignore[attr-defined]
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one_or_none()


async def update_row(
    session: AsyncSession, model: type[Row], row_id: str, *where: Any, **values: Any
) -> bool:
    """``UPDATE`` the row with this id to ``values`` where the ``where`` conditions still hold (a
    task's re-check of what its request checked); whether a row changed. The session's copies are
    left alone: read the row again with ``populate_existing``."""
    column: Any = model.id  # type: ignore[attr-defined]
    result = await session.execute(
        update(model)
        .where(column == row_id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
