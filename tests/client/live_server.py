"""Start a real ``cloudca serve`` on a free loopback port for the SDK and CLI tests.

Used by ``tests/client/conftest.py`` and ``tests/cli/conftest.py``. The server runs with a temporary
data directory and a known admin key; readiness is detected by polling the API (bounded in time and
attempts), never by sleeping a fixed amount.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

API_KEY = "test-admin-key-0123456789"
STARTUP_SECONDS = 60.0
MAX_PROBES = 2000


@dataclass(frozen=True)
class LiveServer:
    """A running server: where it listens and the key that works."""

    url: str
    api_key: str
    data_dir: Path


def server_available() -> bool:
    """Whether the server package is importable yet (it is written in parallel with the SDK)."""
    try:
        return importlib.util.find_spec("cloudca.server.app") is not None
    except ModuleNotFoundError:
        return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(port: int, data_dir: Path) -> list[str]:
    script = Path(sys.executable).with_name("cloudca")
    prefix = (
        [str(script)] if script.exists() else [sys.executable, "-c", "from cloudca.cli import main; main()"]
    )
    return [*prefix, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]


@contextmanager
def run_server(data_dir: Path) -> Iterator[LiveServer]:
    """Run ``cloudca serve`` until the block ends; fail clearly if it does not come up."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CLOUDCA_")}
    env["CLOUDCA_API_KEY"] = API_KEY
    log = data_dir / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            _command(port, data_dir), env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            url = f"http://127.0.0.1:{port}/v1"
            _wait_until_ready(process, url, log)
            yield LiveServer(url=url, api_key=API_KEY, data_dir=data_dir)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(timeout=2.0) as http:
        for _ in range(MAX_PROBES):
            if process.poll() is not None:
                raise RuntimeError(
                    f"cloudca serve exited with {process.returncode}:\n{log.read_text()[-4000:]}"
                )
            if time.monotonic() > deadline:
                break
            try:
                response = http.get(f"{url}/environments", headers={"MC-Api-Key": API_KEY})
            except httpx.TransportError:
                # Not listening yet: probe again shortly (a poll interval, bounded by the deadline).
                time.sleep(0.05)
                continue
            if response.status_code == 200:
                return
            time.sleep(0.05)
    raise RuntimeError(f"cloudca serve did not answer within {STARTUP_SECONDS}s:\n{log.read_text()[-4000:]}")
