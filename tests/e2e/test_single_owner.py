"""One process per SQLite data directory: a second ``serve`` or ``worker`` exits at once, with a
message that says why, instead of taking the first one's tasks over. And the data directory and
database file are the owner's only.

Issue 10, "Why": a second process on one SQLite data directory took the first one's tasks over
and failed them; the database file was 0644."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live import CLOUDCA, LiveServer

API_KEY = "owner-admin-key-0123456789abcdefghijklmnopqrstuvwxyz"

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("CLOUDCA_TEST_DATABASE_URL")), reason="SQLite only (the PostgreSQL pass skips it)"
)


@contextmanager
def _running(data_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(data_dir, API_KEY)
    server.start(timeout=180)  # a loaded machine starts slowly; bounded all the same
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["worker"]])
def test_a_second_process_on_the_data_directory_exits_at_once(tmp_path: Path, command: list[str]) -> None:
    data_dir = tmp_path / "data"
    with _running(data_dir):
        environment = {key: value for key, value in os.environ.items() if not key.startswith("CLOUDCA_")}
        second = subprocess.run(
            [CLOUDCA, *command, "--data-dir", str(data_dir)],
            env=environment,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 1
        message = second.stderr.decode()
        assert "another cloudca process" in message and "one process per data directory" in message
        assert "Traceback" not in message


def test_the_data_directory_and_database_are_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"  # created by the server
    with _running(data_dir):
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        for path in data_dir.iterdir():
            if path.name.startswith("cloudca.db"):
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
