"""The load generator: wrk, pinned to one CPU, driven by the Lua scripts in ``bench/lua``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LUA_DIR = Path(__file__).parent / "lua"
RESULT_MARKER = "BENCH_RESULT "
# Far above what one core can serve in a run; it only bounds a runaway loop.
MAX_REQUESTS_PER_SECOND = 200_000


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed no result."""


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package first when it is missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise WrkError("wrk is not installed: run `apt-get update && apt-get install -y wrk` as root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, env=env, timeout=600)
    found = shutil.which("wrk")
    if not found:
        raise WrkError("apt-get installed wrk but it is not on PATH")
    return found


@dataclass(frozen=True)
class WrkResult:
    """One wrk run as the Lua ``done()`` callback reported it."""

    requests: int
    duration_s: float
    bytes: int
    errors: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    successes: int
    failures: int
    last_task_id: str
    capped: bool

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def successes_per_second(self) -> float:
        return self.successes / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def _script(name: str, directory: Path) -> Path:
    """``common.lua`` followed by the scenario's script, as one file for ``wrk -s``."""
    path = directory / f"{name}.lua"
    common = (LUA_DIR / "common.lua").read_text()
    path.write_text(common + "\n" + (LUA_DIR / f"{name}.lua").read_text())
    return path


def _parse(output: str, max_requests: int) -> WrkResult:
    for line in output.splitlines():
        if line.startswith(RESULT_MARKER):
            raw = json.loads(line[len(RESULT_MARKER) :])
            latency = raw["latency_us"]
            return WrkResult(
                requests=raw["requests"],
                duration_s=raw["duration_us"] / 1e6,
                bytes=raw["bytes"],
                errors=raw["errors"],
                p50_ms=latency["p50"] / 1000,
                p90_ms=latency["p90"] / 1000,
                p99_ms=latency["p99"] / 1000,
                max_ms=latency["max"] / 1000,
                mean_ms=latency["mean"] / 1000,
                successes=raw["successes"],
                failures=raw["failures"],
                last_task_id=raw["last_task_id"],
                capped=raw["requests"] >= max_requests,
            )
    raise WrkError(f"wrk printed no result line:\n{output[-2000:]}")


def run(
    url: str,
    script: str,
    script_args: list[str],
    *,
    api_key: str,
    connections: int,
    duration_s: float,
    cpu: int,
    request_timeout_s: float = 10.0,
) -> WrkResult:
    """Run wrk once with one thread pinned to ``cpu``; bounded by ``duration_s`` and a request count."""
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise WrkError(f"refusing to load a non-loopback address: {url}")
    max_requests = int(MAX_REQUESTS_PER_SECOND * max(duration_s, 1))
    seconds = max(1, round(duration_s))
    with tempfile.TemporaryDirectory(prefix="cloudca-bench-lua-") as directory:
        command = [
            "taskset", "-c", str(cpu), ensure_wrk(),
            "-t1", f"-c{connections}", f"-d{seconds}s", f"--timeout={request_timeout_s:g}s",
            "-H", f"MC-Api-Key: {api_key}",
            "-s", str(_script(script, Path(directory))),
            url, "--", str(max_requests), *script_args,
        ]  # fmt: skip
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=seconds + request_timeout_s + 30
            )
        except subprocess.TimeoutExpired as exc:
            raise WrkError(f"wrk did not stop within its bound: {' '.join(command)}") from exc
    if completed.returncode != 0:
        raise WrkError(f"wrk exited {completed.returncode}: {completed.stderr[-2000:]}")
    return _parse(completed.stdout, max_requests)
