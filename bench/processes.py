"""Server processes for the benchmarks: CPU pinning, process groups, readiness, resident memory.

Free ports come from the tests' one live-server helper (``tests.live``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
from tests.live import free_port

__all__ = ["LOOPBACK", "RssSampler", "ServerProcess", "free_port", "peak_rss_mb", "process_tree", "rss_mb"]

LOOPBACK = "127.0.0.1"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            found.extend(int(child) for child in text.split())
    return found


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (a server may fork workers)."""
    tree, queue = [], [pid]
    while queue:
        current = queue.pop()
        tree.append(current)
        queue.extend(_children(current))
    return tree


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process tree has used so far, from /proc/<pid>/stat."""
    ticks = 0
    for each in process_tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The fields after the command name (which may hold spaces) start at its closing ")".
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, field: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_mb(pid: int) -> float:
    """Resident memory of the process tree now, in MB (10^6 bytes)."""
    return sum(_status_kib(each, "VmRSS") for each in process_tree(pid)) * 1024 / 1e6


def peak_rss_mb(pid: int) -> float:
    """The kernel's high-water mark of resident memory (VmHWM) over the tree's lifetime, in MB."""
    return sum(_status_kib(each, "VmHWM") for each in process_tree(pid)) * 1024 / 1e6


class RssSampler:
    """Samples a process tree's resident memory in a background thread; ``peak_mb`` is the maximum."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, rss_mb(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, rss_mb(self.pid))


class ServerProcess:
    """A server started pinned to one CPU, in its own session so that stopping it stops its workers."""

    def __init__(
        self, name: str, command: list[str], *, cpu: int, env: dict[str, str], log_path: Path, cwd: Path
    ) -> None:
        self.name = name
        self.cpu = cpu
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            ["taskset", "-c", str(cpu), *command],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, url: str, headers: dict[str, str], timeout: float = 60.0) -> None:
        """Poll ``url`` until it answers 200; fail with the log's tail if the server dies or stalls."""
        deadline = time.monotonic() + timeout
        last_error = "no answer"
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                try:
                    response = client.get(url, headers=headers)
                except httpx.TransportError as exc:
                    last_error = repr(exc)
                else:
                    if response.status_code == 200:
                        return
                    last_error = f"HTTP {response.status_code}: {response.text[:300]}"
                time.sleep(0.2)
        self.stop()
        tail = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{self.name} did not become ready ({last_error}); log tail:\n{tail}")

    def settle(self, bound_s: float, interval_s: float = 0.25, idle_share: float = 0.05) -> float:
        """Wait until the server stops using the CPU (less than ``idle_share`` of an interval), at most
        ``bound_s``; returns the seconds waited.

        A server that goes on working on requests whose clients have left (a thread per request, as
        moto's) would otherwise spend the next measurement on the last one's backlog.
        """
        started = time.monotonic()
        before = cpu_seconds(self.pid)
        while time.monotonic() - started < bound_s:
            time.sleep(interval_s)
            now = cpu_seconds(self.pid)
            if now - before < idle_share * interval_s:
                break
            before = now
        return time.monotonic() - started

    def check_alive(self) -> None:
        """Raise with the exit status and the log's tail if the server has exited."""
        code = self.process.poll()
        if code is not None:
            how = f"signal {-code}" if code < 0 else f"status {code}"
            tail = self.log_path.read_text(errors="replace")[-1500:]
            raise RuntimeError(f"{self.name} exited ({how}); log tail:\n{tail}")

    def pause(self) -> None:
        """Freeze the idle server (SIGSTOP) so that it takes no CPU while another one is measured."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the server's process group, then SIGKILL it if it has not exited in ``timeout``."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGCONT)
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self._log.close()
