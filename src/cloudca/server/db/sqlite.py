"""An asyncio SQLAlchemy dialect for SQLite that runs each statement inline, on the event loop.

Why: aiosqlite hands every call (execute, fetch, close, commit) to a thread of its own and back.
On a local SQLite file a statement takes microseconds, while each hand-off costs hundreds of
microseconds and several context switches; a GET of one instance paid about 30 of them. Running the
statements inline removes that cost. It is safe here because the server is one process on SQLite:
writers are serialised by ``Database.transaction()``'s lock before they begin, and WAL readers never
wait for a writer, so a statement never blocks on a lock it cannot get at once.

The dialect is aiosqlite's own (same SQL, same type handling); only the DBAPI adapter differs.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection, AsyncAdapt_dbapi_cursor
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi, SQLiteDialect_aiosqlite
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.pool import AsyncAdaptedQueuePool, Pool, StaticPool
from sqlalchemy.util import immutabledict
from sqlalchemy.util.concurrency import await_

DRIVER = "cloudca_inline"


async def _settled() -> None:
    return None


class InlineCursor(AsyncAdapt_dbapi_cursor):
    """A DBAPI cursor over a ``sqlite3`` cursor; no awaiting, no thread."""

    __slots__ = ()
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = self._connection.cursor()
        self._soft_closed_memoized = immutabledict()
        self._rows = collections.deque()

    @property
    def _sqlite(self) -> sqlite3.Cursor:
        # The base class types the cursor as an asyncio DBAPI's; here it is sqlite3's own.
        return cast(sqlite3.Cursor, self._cursor)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        # SQLAlchemy's AsyncConnection insists that an async driver awaited something; one
        # greenlet round trip on a finished coroutine satisfies it without leaving the thread.
        await_(_settled())
        cursor = self._sqlite
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            self._rows = collections.deque(cursor.fetchall())
        return self

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._sqlite.executemany(operation, seq_of_parameters)
        return self

    def close(self) -> None:
        self._rows.clear()
        self._sqlite.close()

    async def _async_soft_close(self) -> None:
        return

    def nextset(self) -> None:
        return None

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        count = self._cursor.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(count, len(self._rows)))]

    def fetchall(self) -> Sequence[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows


class InlineConnection(AsyncAdapt_dbapi_connection):
    __slots__ = ()
    _cursor_cls = InlineCursor

    @property
    def isolation_level(self) -> str | None:
        level: str | None = self._connection.isolation_level
        return level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection.isolation_level = value

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._connection.create_function(*args, **kwargs)

    @property
    def _sqlite(self) -> sqlite3.Connection:
        return cast(sqlite3.Connection, self._connection)

    def rollback(self) -> None:
        self._sqlite.rollback()

    def commit(self) -> None:
        self._sqlite.commit()

    def close(self) -> None:
        self._sqlite.close()


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self) -> None:
        # aiosqlite re-exports sqlite3's exceptions; sqlite3 itself serves the same purpose here.
        super().__init__(sqlite3, sqlite3)
        self.has_stop = False

    def connect(self, *args: Any, **kwargs: Any) -> InlineConnection:  # type: ignore[override]
        kwargs.pop("async_creator_fn", None)
        return InlineConnection(self, sqlite3.connect(*args, **kwargs))


class SQLiteDialect_inline(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True
    has_terminate = False
    supports_server_side_cursors = False

    @classmethod
    def import_dbapi(cls) -> InlineDBAPI:
        return InlineDBAPI()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[Pool]:
        return AsyncAdaptedQueuePool if cls._is_url_file_db(url) else StaticPool

    def retrieve_dbapi_version(self, dbapi: Any) -> Any:
        return None


def inline_url(url: str) -> str:
    """The same SQLite database, on this dialect (``sqlite://`` and ``sqlite+aiosqlite://`` alike)."""
    parsed = make_url(url)
    return parsed.set(drivername=f"sqlite+{DRIVER}").render_as_string(hide_password=False)


registry.register(f"sqlite.{DRIVER}", __name__, "SQLiteDialect_inline")
