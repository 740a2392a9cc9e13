"""The list parameters a service receives (API-CONTRACT 7), already parsed by the edge (``api.paging``),
and ``page``, which pages and sorts a list's query in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import ColumnElement, Select

from cloudca.server.errors import InvalidQueryParameter


@dataclass(frozen=True)
class ListParams:
    page_number: int = 1
    page_size: int | None = None
    sort_by: str | None = None
    descending: bool = False

    @property
    def offset(self) -> int:
        return (self.page_number - 1) * (self.page_size or 0)

    def metadata(self, record_count: int) -> dict[str, Any]:
        meta: dict[str, Any] = {"recordCount": record_count}
        if self.page_size is not None:
            meta["pageSize"] = self.page_size
            meta["pageCurrent"] = self.page_number
        if self.sort_by is not None:
            meta["sortField"] = self.sort_by
            meta["sortOrder"] = "DESC" if self.descending else "ASC"
        return meta


def check_sort_field(params: ListParams, fields: Iterable[str]) -> None:
    if params.sort_by is not None and params.sort_by not in set(fields):
        raise InvalidQueryParameter("sort_by", params.sort_by, "not a sortable field of this representation")


#: A column, or an expression over the query's tables.
Sortable = ColumnElement[Any] | QueryableAttribute[Any]
#: A representation's sortable fields (7.2: top-level scalars, exact spelling) and the SQL each sorts by.
SortColumns = Mapping[str, Sortable]


def as_text(column: Sortable) -> ColumnElement[str]:
    """A number the wire shows as a string (ports, rule numbers: 8.24) sorts as that string."""
    return cast(column, String)


def sort_order(sortable: Sortable, descending: bool) -> list[ColumnElement[Any]]:
    """The ORDER BY terms of one sorted field: strings case-insensitively, absent values last
    (first when descending), the same on SQLite and PostgreSQL (whose NULL orders differ)."""
    column = sortable if isinstance(sortable, ColumnElement) else sortable.expression
    key: ColumnElement[Any] = func.lower(column) if isinstance(column.type, String) else column
    absent = column.is_(None)
    if descending:
        return [absent.desc(), key.desc()]
    return [absent.asc(), key.asc()]


def given(query: Select[*tuple[Any, ...]], filters: Mapping[Sortable, Any]) -> Select[*tuple[Any, ...]]:
    """``query`` narrowed by each exact-match filter the request gave (7.3; ``None``: not given)."""
    return query.where(*(column == value for column, value in filters.items() if value is not None))


async def page(
    session: AsyncSession | AsyncConnection,
    query: Select[*tuple[Any, ...]],
    params: ListParams,
    sort_columns: SortColumns,
    order: Sequence[Sortable],
) -> tuple[Sequence[Row[*tuple[Any, ...]]], dict[str, Any]]:
    """One page of ``query``'s rows and the list's metadata, both in SQL: the count of every row the
    filters match, then ``LIMIT``/``OFFSET`` in the sort field's order, ties (and no ``sort_by``) in
    ``order`` (creation order: deterministic, 7.2)."""
    check_sort_field(params, sort_columns)
    total = (
        await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
    ).scalar_one()
    terms: list[Sortable] = list(order)
    if params.sort_by is not None:
        terms = [*sort_order(sort_columns[params.sort_by], params.descending), *terms]
    query = query.order_by(None).order_by(*terms)
    if params.page_size is not None:
        query = query.limit(params.page_size).offset(params.offset)
    rows = (await session.execute(query)).all()
    return rows, params.metadata(total)


async def page_of(
    session: AsyncSession | AsyncConnection,
    query: Select[*tuple[Any, ...]],
    params: ListParams,
    sort_columns: SortColumns,
    order: Sequence[Sortable],
) -> tuple[list[Any], dict[str, Any]]:
    """``page`` of a query that selects one entity: the entities themselves."""
    rows, metadata = await page(session, query, params, sort_columns, order)
    return [row[0] for row in rows], metadata
