"""The one way tests (and the benchmarks) start a real ``cloudca serve``: a free loopback port, its
own data directory (or database), a known admin key, readiness detected by polling the API within
a deadline, never by sleeping a guessed amount.

Used by ``tests/client`` and ``tests/cli`` (``run_server``), ``tests/e2e`` (``LiveServer``) and
``bench`` (``free_port``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import httpx

API_KEY = "test-admin-key-0123456789"
#: The console script installed next to the interpreter running the tests.
CLOUDCA = str(Path(sys.executable).with_name("cloudca"))
STARTUP_SECONDS = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """One ``cloudca serve`` over ``data_dir`` (or ``database_url``). ``start()`` returns once the
    API answers; ``stop()`` sends SIGTERM (then SIGKILL), ``kill()`` SIGKILL at once.

    The server's environment is the test's without its ``CLOUDCA_*`` variables, plus the admin key
    and ``env``; its output goes to ``server-<port>.log`` next to the data directory."""

    def __init__(
        self,
        data_dir: Path,
        api_key: str = API_KEY,
        env: dict[str, str] | None = None,
        *,
        database_url: str = "",
    ) -> None:
        self.data_dir = data_dir
        self.api_key = api_key
        self.database_url = database_url
        self.port = free_port()
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"
        self.startup_seconds = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The API's base URL, ``.../v1``."""
        return f"{self.base_url}/v1"

    def start(self, timeout: float = STARTUP_SECONDS) -> float:
        """Start and wait until a request is served; returns the seconds that took."""
        command = [CLOUDCA, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--data-dir", str(self.data_dir)]
        if self.database_url:
            command += ["--database-url", self.database_url]
        environment = {key: value for key, value in os.environ.items() if not key.startswith("CLOUDCA_")}
        environment.update({"CLOUDCA_API_KEY": self.api_key, **self.env})
        began = time.monotonic()
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
        self.startup_seconds = self._wait_until_ready(began + timeout) - began
        return self.startup_seconds

    def _wait_until_ready(self, deadline: float) -> float:
        assert self.process is not None
        with httpx.Client(timeout=2.0) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"cloudca serve exited early:\n{self.log_tail()}")
                try:
                    response = http.get(f"{self.url}/environments", headers={"MC-Api-Key": self.api_key})
                except httpx.TransportError:
                    time.sleep(0.05)  # polling a condition with a deadline, not waiting for a guess
                    continue
                if response.status_code == 200:
                    return time.monotonic()
                time.sleep(0.05)
        self.kill()
        raise TimeoutError(f"cloudca serve did not answer in time:\n{self.log_tail()}")

    def log_tail(self, size: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-size:] if self.log_path.exists() else ""

    def client(self) -> httpx.Client:
        """An HTTP client on the server's root with the admin key."""
        return httpx.Client(base_url=self.base_url, headers={"MC-Api-Key": self.api_key}, timeout=70.0)

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    @property
    def returncode(self) -> int | None:
        """How the process ended (negative: the signal), or None while it runs."""
        return self.process.poll() if self.process is not None else None

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


@contextmanager
def run_server(data_dir: Path) -> Iterator[LiveServer]:
    """A server with the default admin key until the block ends (the SDK and CLI tests' fixture)."""
    with LiveServer(data_dir) as server:
        yield server
