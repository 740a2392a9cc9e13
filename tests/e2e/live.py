"""A real ``cloudca serve`` process for end-to-end tests: free loopback port, its own data dir."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

#: The console script installed next to the interpreter running the tests.
CLOUDCA = str(Path(sys.executable).with_name("cloudca"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """Start with ``start()`` (returns once the API answers, within ``timeout``), stop with ``stop()``
    or ``kill()`` (SIGKILL)."""

    def __init__(self, data_dir: Path, api_key: str, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.api_key = api_key
        self.port = free_port()
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 30.0) -> float:
        """Start and wait until a request is served; returns the seconds that took."""
        environment = {**os.environ, "CLOUDCA_API_KEY": self.api_key, **self.env}
        began = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [CLOUDCA, "serve", "--port", str(self.port), "--data-dir", str(self.data_dir)],
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = began + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"cloudca serve exited early:\n{self.log_path.read_text()}")
            try:
                response = httpx.get(
                    f"{self.url}/environments", headers={"MC-Api-Key": self.api_key}, timeout=1
                )
            except httpx.TransportError:
                time.sleep(0.05)  # polling a condition with a deadline, not waiting for a guess
                continue
            if response.status_code == 200:
                return time.monotonic() - began
        self.kill()
        raise TimeoutError(f"cloudca serve did not answer within {timeout} s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
