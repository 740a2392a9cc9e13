"""The inline SQLite dialect (``db.sqlite``) subclasses SQLAlchemy's asyncio DBAPI adapters and sets
their private attributes, and the inline reads (``db.inline_reads``) rely on how the SQLite compiler
renders an expanding ``IN``; ``pyproject.toml`` pins SQLAlchemy below the next minor release for it.
This test names each internal it relies on, so that a SQLAlchemy that moved one fails here, loudly
and by name, rather than somewhere deep in a request."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from sqlalchemy import column, select
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection, AsyncAdapt_dbapi_cursor
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi, SQLiteDialect_aiosqlite
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.util import concurrency

#: What ``db.sqlite`` touches that SQLAlchemy does not document (class, attribute).
INTERNALS = [
    (AsyncAdapt_dbapi_cursor, "_awaitable_cursor_close"),
    (AsyncAdapt_dbapi_cursor, "_async_soft_close"),
    (AsyncAdapt_dbapi_cursor, "_adapt_connection"),
    (AsyncAdapt_dbapi_cursor, "_connection"),
    (AsyncAdapt_dbapi_cursor, "_cursor"),
    (AsyncAdapt_dbapi_cursor, "_rows"),
    (AsyncAdapt_dbapi_cursor, "_soft_closed_memoized"),
    (AsyncAdapt_dbapi_connection, "_cursor_cls"),
    (AsyncAdapt_dbapi_connection, "_connection"),
    (SQLiteDialect_pysqlite, "_is_url_file_db"),
]


def _has(cls: type, name: str) -> bool:
    return hasattr(cls, name) or any(name in getattr(base, "__slots__", ()) for base in cls.__mro__)


@pytest.mark.parametrize(("cls", "name"), INTERNALS, ids=[f"{c.__name__}.{n}" for c, n in INTERNALS])
def test_the_adapter_internals_of_the_inline_dialect_exist(cls: type, name: str) -> None:
    assert _has(cls, name), (
        f"SQLAlchemy {version('sqlalchemy')} no longer has {cls.__name__}.{name}, which "
        "cloudca.server.db.sqlite relies on: adapt that module before raising the pin in pyproject.toml"
    )


def test_the_other_entry_points_of_the_inline_dialect_exist() -> None:
    assert callable(concurrency.await_)
    assert hasattr(AsyncAdapt_aiosqlite_dbapi, "connect")
    assert SQLiteDialect_aiosqlite.driver == "aiosqlite"


def test_sqlalchemy_is_within_the_pinned_range() -> None:
    major, minor = (int(part) for part in version("sqlalchemy").split(".")[:2])
    assert (2, 0) <= (major, minor) < (2, 2), "pyproject.toml pins sqlalchemy>=2.0.30,<2.2"


def test_an_expanding_in_renders_the_marker_the_inline_reads_replace() -> None:
    """``db.inline_reads`` replaces ``__[POSTCOMPILE_<name>]`` with as many ``?`` as values, and
    reads the compiler's ``positiontup`` and ``bind_names`` to place and convert them."""
    compiled = select(column("a")).where(column("a").in_([1, 2])).compile(dialect=SQLiteDialect_aiosqlite())
    names = tuple(compiled.positiontup or ())
    assert len(names) == 1
    assert f"__[POSTCOMPILE_{names[0]}]" in str(compiled), str(compiled)
    assert set(compiled.bind_names.values()) == set(names)
