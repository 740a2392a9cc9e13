"""``python -m bench.scale_out``: does a second process on PostgreSQL add throughput?

One run measures, side by side, real ``cloudca serve`` processes with the simulator driver
(instant latency, so the control plane is what is measured):

- 1 process on SQLite (the default deployment),
- 1 process on PostgreSQL,
- 2 processes on PostgreSQL, requests spread over both (as a load balancer would).

Two workloads, each bounded in count and in time: **create** (POST an instance, then long-poll its
task until it ends) and **lifecycle** (create -> stop -> start -> destroy with purge, each step
waited for). Throughput counts completed operations per second of wall time at a fixed number of
concurrent clients; latency percentiles are per completed operation. Every side gets a fresh
database. Results go to ``bench/results/scale-out-<date>.json`` and ``.md``.

This module is separate from the wrk-based harness (``python -m bench``): that one measures the
HTTP edge of one process; this one measures task throughput across processes, which needs
task-aware clients rather than a fixed request script.

Failed operations are counted and reported with their reasons. (The simulator keeps its machines
in each process's memory; on PostgreSQL it runs in shared mode and leaves the comparisons with
other processes' machines to the database, so those partial books cause no failures.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.processes import free_port

RESULTS = Path(__file__).resolve().parent / "results"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CLOUDCA = str(Path(sys.executable).with_name("cloudca"))
API_KEY = "bench-scale-out-key-0123456789abcdefghijklmnop"
BASE = "/v1/services/compute-qc/prod"
STARTUP_SECONDS = 60.0
TASK_WAIT_SECONDS = 30


@dataclass(frozen=True)
class Side:
    label: str
    database: str  # "sqlite" or "postgresql"
    processes: int


SIDES = (
    Side("SQLite, 1 process", "sqlite", 1),
    Side("PostgreSQL, 1 process", "postgresql", 1),
    Side("PostgreSQL, 2 processes", "postgresql", 2),
)


@dataclass
class Result:
    side: str
    workload: str
    processes: int
    completed: int = 0
    failed: int = 0
    seconds: float = 0.0
    per_second: float = 0.0
    p50_ms: float | None = None
    p95_ms: float | None = None
    #: Why operations failed, with how often.
    failures: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list, repr=False)

    def finish(self, seconds: float) -> None:
        self.seconds = round(seconds, 3)
        self.per_second = round(self.completed / seconds, 2) if seconds > 0 else 0.0
        if self.latencies_ms:
            ordered = sorted(self.latencies_ms)
            self.p50_ms = round(statistics.median(ordered), 1)
            self.p95_ms = round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1)


# -- databases and processes -------------------------------------------------------------------


@contextlib.contextmanager
def _database(side: Side, postgres_url: str, workdir: Path) -> Iterator[str]:
    """The URL of a fresh database for one side, dropped afterwards (PostgreSQL)."""
    if side.database == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        return
    name = f"cloudca_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def _servers(side: Side, database_url: str, workdir: Path) -> Iterator[list[str]]:
    """``side.processes`` servers on one database, started together; yields their base URLs."""
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("CLOUDCA_")},
        "CLOUDCA_API_KEY": API_KEY,
        "CLOUDCA_DATABASE_URL": database_url,
        "CLOUDCA_SIMULATOR_LATENCY": "instant",
        # Enough room that capacity never refuses a create during the bench.
        "CLOUDCA_SIMULATOR_HOSTS_PER_ZONE": "32",
        "CLOUDCA_LOG_LEVEL": "warning",
    }
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for index in range(side.processes):
            port = free_port()
            log = (workdir / f"server-{index}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [CLOUDCA, "serve", "--port", str(port), "--data-dir", str(workdir / f"data-{index}")],
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for process, url in zip(processes, urls, strict=True):
            _wait_ready(process, url)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _wait_ready(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(timeout=2.0, headers={"MC-Api-Key": API_KEY}) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"cloudca serve exited with {process.returncode}")
            try:
                if client.get(f"{url}/v1/environments").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # readiness poll, bounded by the deadline
    raise TimeoutError(f"cloudca serve at {url} did not answer within {STARTUP_SECONDS} s")


# -- workloads -----------------------------------------------------------------------------------


class Clients:
    """One HTTP client per server; each call goes to the next server in turn (a load balancer)."""

    def __init__(self, urls: list[str]) -> None:
        self._clients = [
            httpx.AsyncClient(
                base_url=url,
                headers={"MC-Api-Key": API_KEY},
                timeout=TASK_WAIT_SECONDS + 10,
                limits=httpx.Limits(max_connections=64),
            )
            for url in urls
        ]
        self._turn = 0

    def next(self) -> httpx.AsyncClient:
        self._turn = (self._turn + 1) % len(self._clients)
        return self._clients[self._turn]

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()

    async def run_task(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Send a mutation and long-poll its task (on the next server). Returns the ended task;
        raises ``Failed`` naming the reason otherwise."""
        response = await self.next().request(method, path, **kwargs)
        if response.status_code != 200:
            errors = response.json().get("errors") or [{}]
            raise Failed(f"{method} -> {response.status_code} {errors[0].get('errorCode')}")
        task_id = response.json()["taskId"]
        for _ in range(4):
            polled = await self.next().get(f"/v1/tasks/{task_id}", params={"wait": TASK_WAIT_SECONDS})
            body: dict[str, Any] = polled.json()
            if body.get("taskStatus") == "SUCCESS":
                return body
            if body.get("taskStatus") == "FAILED":
                problem = body["result"]["errors"][0]
                raise Failed(f"{method} task FAILED {problem['errorCode']}: {problem['message'][:160]}")
        raise Failed(f"{method} task still PENDING")


class Failed(Exception):
    """An operation of the workload did not complete; the message says which step and why."""


def _create_body(index: int) -> dict[str, Any]:
    # Ids of the first-start seed (derived from names; see cloudca.server.bootstrap.seeded_id).
    from cloudca.server.bootstrap import seeded_id

    network = "Web-prod-VPC" if index % 2 else "DB-prod-VPC"
    return {
        "name": f"bench-{index}",
        "templateId": seeded_id("template", "CentOS 6.8 PV"),
        "computeOfferingId": seeded_id("computeOffering", "1vCPU.512MB"),
        "networkId": seeded_id("network", network),
    }


async def _create(clients: Clients, index: int) -> str:
    task = await clients.run_task("POST", f"{BASE}/instances", json=_create_body(index))
    instance_id: str = task["result"]["id"]
    return instance_id


async def _lifecycle(clients: Clients, index: int) -> None:
    instance_id = await _create(clients, index)
    item = f"{BASE}/instances/{instance_id}"
    for operation in ("stop", "start"):
        await clients.run_task("POST", item, params={"operation": operation}, json={})
    await clients.run_task("DELETE", item, json={"purgeImmediately": True})


async def _measure(
    side: Side, workload: str, urls: list[str], count: int, concurrency: int, bound_seconds: float
) -> Result:
    """``count`` operations, ``concurrency`` at a time, stopped after ``bound_seconds`` at most."""
    result = Result(side=side.label, workload=workload, processes=side.processes)
    clients = Clients(urls)
    semaphore = asyncio.Semaphore(concurrency)
    offset = 0 if workload == "create" else 1_000_000

    async def one(index: int) -> None:
        async with semaphore:
            began = time.perf_counter()
            try:
                if workload == "create":
                    await _create(clients, offset + index)
                else:
                    await _lifecycle(clients, offset + index)
            except (Failed, httpx.HTTPError) as exc:
                result.failed += 1
                result.failures[_UUID.sub("<id>", str(exc) or type(exc).__name__)] += 1
            else:
                result.completed += 1
                result.latencies_ms.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    try:
        async with asyncio.timeout(bound_seconds):
            await asyncio.gather(*(one(index) for index in range(count)))
    except TimeoutError:
        pass  # what completed within the bound counts
    finally:
        result.finish(time.perf_counter() - began)
        await clients.close()
    return result


# -- the run and its report ----------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    postgres_url: str
    creates: int
    lifecycles: int
    concurrency: int
    timeout: float


def run(options: Options) -> list[Result]:
    results: list[Result] = []
    for side in SIDES:
        with tempfile.TemporaryDirectory(prefix="cloudca-bench-") as tmp:
            workdir = Path(tmp)
            with _database(side, options.postgres_url, workdir) as url, _servers(side, url, workdir) as urls:
                for workload, count in (("create", options.creates), ("lifecycle", options.lifecycles)):
                    result = asyncio.run(
                        _measure(side, workload, urls, count, options.concurrency, options.timeout)
                    )
                    print(
                        f"{side.label:26} {workload:9} {result.per_second:8.2f}/s "
                        f"p50 {result.p50_ms} ms p95 {result.p95_ms} ms "
                        f"({result.completed} done, {result.failed} failed, {result.seconds} s)"
                        + (f" failures: {dict(result.failures)}" if result.failures else ""),
                        flush=True,
                    )
                    results.append(result)
    return results


def _row(result: Result) -> dict[str, Any]:
    row = asdict(result)
    del row["latencies_ms"]
    row["failures"] = dict(result.failures)
    return row


def markdown(record: dict[str, Any]) -> str:
    lines = [
        f"# Scale-out benchmark, {record['date']}",
        "",
        f"Machine: {record['machine']['cpus']} CPUs, Python {record['machine']['python']}, "
        f"{record['machine']['platform']}. Simulator driver, instant latency. "
        f"{record['options']['concurrency']} concurrent clients; at most {record['options']['creates']} "
        f"creates and {record['options']['lifecycles']} lifecycles per side, each bounded to "
        f"{record['options']['timeout']} s. A create ends when its task has ended (long-poll); a lifecycle "
        "is create, stop, start, destroy with purge, each waited for. Requests alternate between the "
        "side's processes.",
        "",
        "| Side | Workload | ops/s | p50 ms | p95 ms | done | failed | seconds |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in record["results"]:
        lines.append(
            f"| {row['side']} | {row['workload']} | {row['per_second']:.2f} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['completed']} | {row['failed']} | {row['seconds']} |"
        )
    failures = [row for row in record["results"] if row["failures"]]
    if failures:
        lines += ["", "Failures:", ""]
        for row in failures:
            for reason, count in row["failures"].items():
                lines.append(f"- {row['side']}, {row['workload']}: {count} x {reason}")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_out", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CLOUDCA_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server on which throw-away databases may be created",
    )
    parser.add_argument("--creates", type=int, default=200, help="creates per side [200]")
    parser.add_argument("--lifecycles", type=int, default=60, help="lifecycles per side [60]")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients [16]")
    parser.add_argument("--timeout", type=float, default=120.0, help="bound of each measurement, s [120]")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results directory [bench/results]")
    arguments = parser.parse_args(argv)
    options = Options(
        postgres_url=arguments.postgres_url,
        creates=arguments.creates,
        lifecycles=arguments.lifecycles,
        concurrency=arguments.concurrency,
        timeout=arguments.timeout,
    )
    results = run(options)
    today = datetime.date.today().isoformat()
    record = {
        "date": today,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "options": {key: value for key, value in asdict(options).items() if key != "postgres_url"},
        "results": [_row(result) for result in results],
    }
    arguments.output.mkdir(parents=True, exist_ok=True)
    (arguments.output / f"scale-out-{today}.json").write_text(json.dumps(record, indent=2) + "\n")
    (arguments.output / f"scale-out-{today}.md").write_text(markdown(record))
    print(f"wrote {arguments.output / f'scale-out-{today}'}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
