"""One process per SQLite database, and the database file readable by its owner only.

SQLite mode is single-process by design: the task runner treats every RUNNING task it finds at
start as its dead predecessor's. A second ``serve`` or ``worker`` on the same file would take the
first one's tasks over and fail them, so the first process holds an OS lock (``flock``) on a file
beside the database for its whole life, and a second one exits at once with a clear message. The
kernel drops the lock when the holder dies, ``kill -9`` included, so a restart never waits.

The data directory is created ``0700`` and the database file ``0600`` (SQLite gives its ``-wal``
and ``-shm`` files the database file's mode): task results and users' data are nobody else's.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

LOCK_SUFFIX = ".lock"


class DatabaseInUse(RuntimeError):
    """Another process already owns this SQLite database."""


@dataclass
class _Held:
    descriptor: int
    users: int = field(default=1)


# Locks this process holds, by database path: several apps in one process (tests) share one.
_held: dict[Path, _Held] = {}


def sqlite_path(database_url: str) -> Path | None:
    """The database file of a SQLite URL (``None`` for other databases and in-memory ones)."""
    if not database_url.startswith("sqlite"):
        return None
    database = make_url(database_url).database
    if not database or database == ":memory:" or "mode=memory" in database_url:
        return None
    return Path(database).resolve()


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory readable by its owner only (an existing one is left as it is)."""
    if not data_dir.exists():
        data_dir.mkdir(parents=True, mode=0o700)
        data_dir.chmod(0o700)  # mkdir's mode is filtered by the umask


def claim(database_url: str) -> Path | None:
    """Take this process's ownership of a SQLite database (nothing for PostgreSQL); make its file
    owner-only. Raises ``DatabaseInUse`` when another process has it. Pair with ``release``."""
    path = sqlite_path(database_url)
    if path is None:
        return None
    held = _held.get(path)
    if held is not None:
        held.users += 1
        return path
    lock_path = path.with_name(path.name + LOCK_SUFFIX)
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(descriptor)
        raise DatabaseInUse(
            f"cloudca: another cloudca process (pid {owner}) already uses the database {path}. "
            "SQLite allows one process per data directory; stop that one, or use PostgreSQL "
            "(CLOUDCA_DATABASE_URL) to run several."
        ) from None
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
    _held[path] = _Held(descriptor)
    # Created owner-only before SQLite first opens it; an existing file is tightened.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).chmod(0o600)
    return path


def release(path: Path | None) -> None:
    held = _held.get(path) if path is not None else None
    if held is None or path is None:
        return
    held.users -= 1
    if held.users == 0:
        del _held[path]
        os.close(held.descriptor)  # closing drops the lock
