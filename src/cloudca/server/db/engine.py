"""The engine, sessions and transactions.

Reads use ``Database.session()``, or ``Database.read()`` for a bare connection on hot paths (no
ORM session to set up and tear down: on SQLite that is most of a small read's cost). Writes use
``Database.transaction()``: on SQLite it takes a process-wide lock and begins with ``BEGIN
IMMEDIATE`` so two writers never deadlock on a lock upgrade (SQLite allows one writer at a time
anyway); on PostgreSQL it is a plain transaction and concurrency is left to row locks and
constraints. Helpers never commit: the request or the task that opened the transaction owns it.

On PostgreSQL each process keeps at most ``2 * pool_size`` pooled connections plus one dedicated
connection of the task runner (LISTEN/NOTIFY and its liveness lock, see ``tasks.runner``), so
``processes * (2 * pool_size + 1)`` must stay below the server's ``max_connections``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from cloudca.server.db import sqlite
from cloudca.server.db.inline_reads import InlineReads


class Database:
    """One engine and its session factory; created once per process by ``create_app``."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.is_postgresql = url.startswith("postgresql")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            # SQLite statements run inline on the event loop (see ``db.sqlite`` for why); a pooled
            # connection is then just an open file, so keep enough that requests never queue.
            url = sqlite.inline_url(url)
            kwargs.update(pool_size=32, max_overflow=32)
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _configure_sqlite)
            event.listen(self.engine.sync_engine, "begin", _begin_sqlite)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write_lock = asyncio.Lock()
        #: On a SQLite file: the lean lane's reads straight through sqlite3 (see ``inline_reads``).
        self.inline_reads: InlineReads | None = None
        path = self.engine.url.database
        if self.is_sqlite and path and path != ":memory:" and "mode=memory" not in url:
            self.inline_reads = InlineReads(path, self.engine.dialect)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads; rolled back at the end."""
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for Core reads; its transaction is rolled back at the end."""
        async with self.engine.connect() as connection:
            yield connection

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction, committed when the block ends without error."""
        if self.is_sqlite:
            async with self._write_lock, self.sessions() as session:
                await session.connection(execution_options={"sqlite_immediate": True})
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
        else:
            async with self.sessions() as session, session.begin():
                yield session

    async def dispose(self) -> None:
        if self.inline_reads is not None:
            self.inline_reads.close()
        await self.engine.dispose()

    def driver_dsn(self) -> str:
        """The URL in libpq form (``postgresql://...``), for a connection opened outside the pool
        with the driver itself: LISTEN and session advisory locks need one session for the
        process's lifetime, which a pool cannot promise."""
        url = make_url(self.url).set(drivername="postgresql")
        if "ssl" in url.query:
            # SQLAlchemy's asyncpg dialect takes ``?ssl=require``; a libpq DSN spells it sslmode.
            query = dict(url.query)
            query["sslmode"] = query.pop("ssl")
            url = url.set(query=query)
        return url.render_as_string(hide_password=False)


def _configure_sqlite(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # pysqlite's own transaction handling would emit BEGIN late; SQLAlchemy's "begin" event does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
