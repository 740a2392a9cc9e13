"""The one renderer every command uses: tables for people, JSON for scripts, spinners on stderr."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

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


def _print_table(table: Table) -> None:
    """Print a table to stdout without the padding rich adds after the last column."""
    # Off a terminal a forced table must not be squeezed into rich's default 80 columns.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 250)
    with console.capture() as capture:
        console.print(table)
    sys.stdout.write("\n".join(line.rstrip() for line in capture.get().splitlines()) + "\n")
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


def show_list(items: Sequence[Model], columns: Sequence[Column], output: OutputFormat | None) -> None:
    """Render a list: a table of ``columns``, or the JSON array of full representations."""
    rows = [item.to_wire() for item in items]
    if resolve_format(output) is OutputFormat.json:
        print_json(rows)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for header, _ in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(_cell(_lookup(row, key))) for _, key in columns))
    _print_table(table)


def show_one(item: Model | Mapping[str, Any] | None, output: OutputFormat | None) -> None:
    """Render one entity: ``key  value`` lines, or its JSON object."""
    row = item.to_wire() if isinstance(item, Model) else dict(item or {})
    if resolve_format(output) is OutputFormat.json:
        print_json(row)
        return
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
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
    if console.is_terminal:
        console.print(f"[green]✓[/] {label} done in {time.monotonic() - started:.1f}s")
    return result
