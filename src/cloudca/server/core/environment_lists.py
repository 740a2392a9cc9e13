"""A list of an environment's own rows, as most lists of a domain are: the rows whose
``environment_id`` is the caller's environment's, narrowed by the filters the request gave (7.3),
paged in SQL in creation order (``core.listing.page``); and one item of such a list, represented the
same way (``represented``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from cloudca.server.core.listing import ListParams, SortColumns, given, page, page_of

#: A list's represented items and its ``metadata``.
Page = tuple[list[dict[str, Any]], dict[str, Any]]
#: An exact-match filter per column (a column or expression, as ``given`` takes); ``None``: not given.
Filters = Mapping[Any, Any]


def _query(
    model: Any, environment_id: str, filters: Filters, query: Select[*tuple[Any, ...]] | None
) -> Select[*tuple[Any, ...]]:
    base = select(model) if query is None else query
    return given(base.where(model.environment_id == environment_id), filters)


async def environment_entities(
    session: AsyncSession,
    model: Any,
    environment_id: str,
    params: ListParams,
    sort_columns: SortColumns,
    filters: Filters | None = None,
) -> tuple[list[Any], dict[str, Any]]:
    """One page of the environment's rows of ``model`` themselves, and the list's metadata."""
    query = _query(model, environment_id, filters or {}, None)
    return await page_of(session, query, params, sort_columns, (model.created_at, model.id))


def environment_lister(
    model: Any,
    sort_columns: SortColumns,
    represent: Callable[..., dict[str, Any]],
    *,
    query: Callable[[], Select[*tuple[Any, ...]]] | None = None,
    **filter_columns: Any,
) -> Callable[..., Awaitable[Page]]:
    """The list of the environment's rows of ``model`` as a router's lister takes it
    (``lister(session, scope, params, **filters)``); each filter is a keyword of ``filter_columns``
    and matches its column exactly. ``query`` makes the select of a row with what its
    representation joins (default: the row alone); ``represent`` takes such a result row's values."""

    async def lister(session: AsyncSession, scope: Any, params: ListParams, **filters: str | None) -> Page:
        columns = {filter_columns[name]: value for name, value in filters.items()}
        rows_query = _query(model, scope.id, columns, None if query is None else query())
        rows, metadata = await page(session, rows_query, params, sort_columns, (model.created_at, model.id))
        return [represent(*row) for row in rows], metadata

    return lister


async def represented(
    session: AsyncSession, query: Select[*tuple[Any, ...]], represent: Callable[..., dict[str, Any]]
) -> dict[str, Any] | None:
    """The representation of the row ``query`` selects (``represent`` takes its values), if any."""
    row = (await session.execute(query)).first()
    return represent(*row) if row is not None else None
