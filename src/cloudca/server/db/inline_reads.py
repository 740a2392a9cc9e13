"""The hottest reads on SQLite, straight through ``sqlite3``: SQLAlchemy compiles them, once.

Why: on a local SQLite file a point read takes microseconds, while SQLAlchemy's execution layer
(pool checkout, execution context, result metadata) costs about a hundred per statement. For the
few statements of the lean lane (``api.fastlane``) this module runs SQLAlchemy's own compiled SQL
on one dedicated ``sqlite3`` connection and applies the same bind and result processors, so rows
come back exactly as ``Connection.execute`` would return them.

Safe because it only reads, on the event loop's thread (``check_same_thread`` is off only because
the loop may be created on another thread than the one that opened the connection), inside an
explicit read transaction (``snapshot``) so a multi-statement read sees one state of the database.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import CompoundSelect, Select

Processor = Callable[[Any], Any] | None
Statement = Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]
#: More distinct statements than the lane has means something built statements per call.
MAX_STATEMENTS = 64


class _Compiled:
    """One statement as SQLite runs it: the SQL, where each parameter goes, how values convert."""

    def __init__(self, statement: Statement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.names: Sequence[str] = tuple(compiled.positiontup or ())
        self.expanding = {name for name in self.names if f"__[POSTCOMPILE_{name}]" in self.sql}
        # The processors SQLAlchemy itself applies, asked for through the public type API
        # (``dialect_impl``): the dialect's form of each type converts values both ways.
        self.bind: dict[str, Processor] = {}
        for parameter, name in compiled.bind_names.items():
            processor = parameter.type.dialect_impl(dialect).bind_processor(dialect)
            if callable(processor):
                self.bind[name] = processor
        columns = statement.selected_columns
        results = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]
        #: Only the columns that need converting (booleans from 0/1, dates and JSON from text).
        self.processors = [(index, processor) for index, processor in enumerate(results) if processor]
        self.row: Any = collections.namedtuple("Row", [column.key for column in columns], rename=True)  # type: ignore[misc]
        self._expanded: dict[tuple[int, ...], str] = {}

    def prepare(self, params: dict[str, Any]) -> tuple[str, list[Any]]:
        values: list[Any] = []
        sizes: list[int] = []
        for name in self.names:
            value = params[name]
            processor = self.bind.get(name)
            if name in self.expanding:
                items = [processor(item) if processor else item for item in value]
                values.extend(items)
                sizes.append(len(items))
            else:
                values.append(processor(value) if processor else value)
        if not self.expanding:
            return self.sql, values
        key = tuple(sizes)
        sql = self._expanded.get(key)
        if sql is None:
            sql = self.sql
            for name, size in zip((n for n in self.names if n in self.expanding), sizes, strict=True):
                # An empty list matches nothing, as SQLAlchemy renders it.
                marks = ", ".join("?" * size) if size else "SELECT 1 WHERE 1 != 1"
                sql = sql.replace(f"__[POSTCOMPILE_{name}]", marks, 1)
            self._expanded[key] = sql
        return sql, values

    def convert(self, raw: Sequence[tuple[Any, ...]]) -> list[Any]:
        make = self.row._make
        processors = self.processors
        if not processors:
            return [make(row) for row in raw]
        converted = []
        for row in raw:
            values = list(row)
            for index, processor in processors:
                values[index] = processor(values[index])
            converted.append(make(values))
        return converted


class InlineResult:
    """The part of SQLAlchemy's ``Result`` that the hot read paths use."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def scalar_one_or_none(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        if len(self._rows) != 1:
            raise ValueError(f"expected one row, got {len(self._rows)}")
        return self._rows[0][0]


class InlineReads:
    """Executes prepared selects on a read-only ``sqlite3`` connection of its own."""

    def __init__(self, path: str, dialect: Dialect) -> None:
        self._path = path
        self._dialect = dialect
        self._connection: sqlite3.Connection | None = None
        self._compiled: dict[int, tuple[Statement, _Compiled]] = {}

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA query_only=ON")
            connection.execute("PRAGMA busy_timeout=10000")
            self._connection = connection
        return self._connection

    @contextmanager
    def snapshot(self) -> Iterator[InlineReads]:
        """One read transaction: the statements inside see one state of the database."""
        connection = self._open()
        connection.execute("BEGIN")
        try:
            yield self
        finally:
            connection.execute("COMMIT")

    async def execute(self, statement: Statement, params: dict[str, Any] | None = None) -> InlineResult:
        # Keyed by identity (the entry keeps the statement alive, so an id is never reused):
        # statements built once, as module constants, are compiled once.
        entry = self._compiled.get(id(statement))
        if entry is None:
            if len(self._compiled) >= MAX_STATEMENTS:
                self._compiled.clear()
            entry = (statement, _Compiled(statement, self._dialect))
            self._compiled[id(statement)] = entry
        compiled = entry[1]
        sql, values = compiled.prepare(params or {})
        return InlineResult(compiled.convert(self._open().execute(sql, values).fetchall()))

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
