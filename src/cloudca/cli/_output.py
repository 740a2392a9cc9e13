"""The one renderer every command uses: tables for people, JSON for scripts, spinners on stderr."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from cloudca.cli.exit_codes import ExitCode
from cloudca.client import AsyncTask, Task
from cloudca.client._models import Model

__all__ = ["Column", "OutputFormat", "show_list", "show_one", "show_task", "wait_with_spinner"]

T = TypeVar("T")

#: A table column: header and the wire key whose value it shows.
Column = tuple[str, str]


class OutputFormat(StrEnum):
    """``--output`` values."""

    table = "table"
    json = "json"


def resolve_format(output: OutputFormat | None) -> OutputFormat:
    """Tables on a terminal, JSON when stdout is piped, unless ``--output`` says otherwise."""
    if output is not None:
        return output
    return OutputFormat.table if sys.stdout.isatty() else OutputFormat.json


#: Padding at the end of a line, also when style codes follow it (a bold last header).
_TRAILING_SPACE = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$")
#: How many characters of an id a table shows (``docker ps`` style); ``--wide`` shows them whole.
SHORT_ID = 8
#: A name column keeps at least this much room (or its longest name's) before others wrap.
MAX_NAME_WIDTH = 36
#: ``--wide``: no width limit at all, so nothing is shortened or wrapped.
_UNLIMITED = 100_000


def _table_width(wide: bool) -> int | None:
    """The width tables are fitted to: the terminal's (or ``COLUMNS``), unlimited with ``--wide``."""
    if wide:
        return _UNLIMITED
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns)
    # Off a terminal a forced table must not be squeezed into rich's default 80 columns.
    return None if sys.stdout.isatty() else 250


def _print_table(table: Table, wide: bool = False) -> None:
    """Print a table to stdout without the padding rich adds after the last column."""
    console = Console(highlight=False, width=_table_width(wide))
    with console.capture() as capture:
        console.print(table)
    lines = (_TRAILING_SPACE.sub(r"\1", line) for line in capture.get().splitlines())
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def stderr() -> Console:
    """Console for progress and errors."""
    return Console(stderr=True, highlight=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_cell(item) if not isinstance(item, Mapping) else json.dumps(item) for item in value)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _lookup(row: Mapping[str, Any], key: str) -> Any:
    """``row[key]``, where a dotted key (``serviceConnection.serviceCode``) reaches into objects."""
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def print_json(payload: Any) -> None:
    """Pretty JSON on stdout (keys in the server's order)."""
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _is_id(key: str) -> bool:
    return key == "id" or key.endswith("Id")


def show_list(
    items: Sequence[Model], columns: Sequence[Column], output: OutputFormat | None, *, wide: bool = False
) -> None:
    """Render a list: a table of ``columns``, or the JSON array of full representations.

    Tables fit the terminal: ids are shortened to their first 8 characters (any unique prefix is
    accepted back, as by ``docker``), other cells wrap between words and a word too long for its
    column ends in an ellipsis rather than being split. ``wide`` shows everything whole."""
    rows = [item.to_wire() for item in items]
    if resolve_format(output) is OutputFormat.json:
        print_json(rows)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for header, key in columns:
        if _is_id(key):
            table.add_column(header, no_wrap=True, min_width=SHORT_ID if not wide else None)
        elif key == "name":
            # What people look for first: keep it whole up to a point, let the others wrap.
            longest = max((len(_cell(row.get("name"))) for row in rows), default=0)
            table.add_column(header, overflow="ellipsis", min_width=min(longest, MAX_NAME_WIDTH))
        else:
            table.add_column(header, overflow="ellipsis")
    for row in rows:
        cells = []
        for _, key in columns:
            value = _cell(_lookup(row, key))
            cells.append(Text(value if wide or not _is_id(key) else value[:SHORT_ID]))
        table.add_row(*cells)
    _print_table(table, wide)


def show_one(item: Model | Mapping[str, Any] | None, output: OutputFormat | None) -> None:
    """Render one entity: ``key  value`` lines, or its JSON object."""
    row = item.to_wire() if isinstance(item, Model) else dict(item or {})
    if resolve_format(output) is OutputFormat.json:
        print_json(row)
        return
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")  # one value per line: a long id may fold, but is never cut
    for key, value in row.items():
        table.add_row(key, Text(_cell(value)))
    _print_table(table)


def show_task(task: Task[Any] | AsyncTask[Any], output: OutputFormat | None) -> None:
    """Render a task that was not waited for: its id (table) or ``{taskId, taskStatus}`` (JSON)."""
    if resolve_format(output) is OutputFormat.json:
        print_json({"taskId": task.id, "taskStatus": task.status.value})
    else:
        sys.stdout.write(task.id + "\n")


def wait_with_spinner(task: Task[T], label: str, timeout: float) -> T:
    """Wait for ``task`` showing a spinner and the elapsed time on stderr (when it is a terminal)."""
    console = stderr()
    started = time.monotonic()
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            progress.add_task(f"{label} (task {task.id})", total=None)
            result = task.wait(timeout)
    except KeyboardInterrupt:
        # The spinner line (and the task id in it) is gone: say where the task stands and how to
        # pick it up again, since it keeps running on the server.
        console.print(
            f"Interrupted: stopped waiting, but the task is still running on the server.\n"
            f"  task: {task.id}\n  follow it with: cloudca tasks wait {task.id}",
            markup=False,
        )
        raise SystemExit(ExitCode.INTERRUPTED) from None
    if console.is_terminal:
        console.print(f"[green]✓[/] {label} done in {time.monotonic() - started:.1f}s")
    return result
