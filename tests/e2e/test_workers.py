"""``cloudca serve --workers N``: N processes on one port on PostgreSQL; refused on SQLite.

Readiness is detected by polling the API (bounded in time), never by fixed sleeps.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import free_port
from tests.support import fresh_database

CLOUDCA = str(Path(sys.executable).with_name("cloudca"))
API_KEY = "workers-admin-key-0123456789abcdefghijklmnop"
STARTUP_SECONDS = 60.0


def _environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CLOUDCA_")}
    return {**environment, "CLOUDCA_API_KEY": API_KEY, "CLOUDCA_LOG_LEVEL": "warning"}


def test_more_than_one_worker_on_sqlite_is_refused(tmp_path: Path) -> None:
    completed = subprocess.run(
        [CLOUDCA, "serve", "--workers", "2", "--data-dir", str(tmp_path / "data")],
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode != 0
    assert "--workers > 1 needs PostgreSQL" in completed.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was created


@pytest.fixture
def postgres_database() -> Iterator[str]:
    url = os.environ.get("CLOUDCA_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip(
            "needs PostgreSQL: set CLOUDCA_TEST_DATABASE_URL (scripts/test does in its PostgreSQL pass)"
        )
    with fresh_database(url) as database_url:
        yield database_url


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _listening_processes(port: int, pids: list[int]) -> set[int]:
    """The processes among ``pids`` that hold a listening socket on ``port`` (from /proc)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(fields[9])
    listening = set()
    for pid in pids:
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = str(descriptor.readlink())
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                listening.add(pid)
    return listening


@pytest.mark.postgres
def test_two_workers_serve_one_port_and_stop_together(tmp_path: Path, postgres_database: str) -> None:
    port = free_port()
    command = [CLOUDCA, "serve", "--workers", "2", "--port", str(port), "--data-dir", str(tmp_path)]
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*command, "--database-url", postgres_database],
            env=_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        workers: set[int] = set()
        with httpx.Client(timeout=STARTUP_SECONDS, headers={"MC-Api-Key": API_KEY}) as client:
            while len(workers) < 2 and time.monotonic() < deadline:
                assert server.poll() is None, log_path.read_text()
                workers = _listening_processes(port, _children(server.pid))
                time.sleep(0.1)  # polling a condition with a deadline
            assert len(workers) == 2, log_path.read_text()
            # A worker listens before its app has started: early connections wait, none is refused.
            statuses = [client.get(f"http://127.0.0.1:{port}/v1/environments").status_code for _ in range(20)]
        assert statuses == [200] * 20
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
