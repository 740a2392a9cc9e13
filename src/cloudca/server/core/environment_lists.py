"""A list of an environment's own rows, as most lists of a domain are: the rows whose
``environment_id`` is the caller's environment's, narrowed by the filters the request gave (7.3),
paged in SQL in creation order (``core.listing.page``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from cloudca.server.core.listing import ListParams, Sortable, SortColumns, given, page, page_of

#: A list's represented items and its ``metadata``.
Page = tuple[list[dict[str, Any]], dict[str, Any]]
#: An exact-match filter per column (a column or expression, as ``given`` takes); ``None``: not given.
Filters = Mapping[Any, Any]


def _query(
    model: Any, environment_id: str, filters: Filters, query: Select[*tuple[Any, ...]] | None
) -> Select[*tuple[Any, ...]]:
    base = select(model) if query is None else query
    return given(base.where(model.environment_id == environment_id), filters)


async def environment_page(
    session: AsyncSession,
    model: Any,
    environment_id: str,
    params: ListParams,
    sort_columns: SortColumns,
    filters: Filters,
    *,
    query: Select[*tuple[Any, ...]],
) -> tuple[Sequence[Row[*tuple[Any, ...]]], dict[str, Any]]:
    """One page of ``query`` (``model``'s rows with what their representation joins) over the
    environment's rows of ``model``, and the list's metadata."""
    order: Sequence[Sortable] = (model.created_at, model.id)
    return await page(session, _query(model, environment_id, filters, query), params, sort_columns, order)


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
    model: Any, sort_columns: SortColumns, represent: Callable[[Any], dict[str, Any]], **filter_columns: Any
) -> Callable[..., Awaitable[Page]]:
    """The list of the environment's rows of ``model``, each represented by the row alone, as a
    router's lister takes it (``lister(session, scope, params, **filters)``); each filter is a
    keyword of ``filter_columns`` and matches its column exactly."""

    async def lister(session: AsyncSession, scope: Any, params: ListParams, **filters: str | None) -> Page:
        given = {filter_columns[name]: value for name, value in filters.items()}
        items, metadata = await environment_entities(session, model, scope.id, params, sort_columns, given)
        return [represent(item) for item in items], metadata

    return lister
