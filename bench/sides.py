"""The two servers under load: the reference app and cloudca, each started pinned on a free port."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import bodies, bulk_seed, seeding
from bench.processes import LOOPBACK, ServerProcess, free_port

REPO = Path(__file__).resolve().parent.parent
SEEDED_INSTANCES = 100
LIST_PAGE = f"{seeding.SERVICE_PATH}/instances?page_size=100"


@dataclass
class Side:
    """A running server and the paths each scenario sends to it."""

    name: str
    server: ServerProcess
    base_url: str
    api_key: str
    instance_path: str
    task_path: str
    network_ids: tuple[str, ...]
    create_body_template: str
    list_path: str = LIST_PAGE
    create_path: str = f"{seeding.SERVICE_PATH}/instances"
    notes: list[str] = field(default_factory=list)

    def stop(self) -> None:
        self.server.stop()


def _uvicorn_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "bench.reference_app:app",
        "--host", LOOPBACK, "--port", str(port),
        "--loop", "uvloop", "--http", "httptools",
        "--no-access-log", "--no-server-header", "--log-level", "warning",
    ]  # fmt: skip


def start_reference(work_dir: Path, api_key: str, cpu: int, *, name: str = "reference") -> Side:
    """The bare ASGI reference (``bench/reference_app.py``) on uvicorn with uvloop and httptools."""
    port = free_port()
    env = {**os.environ, "BENCH_API_KEY": api_key, "PYTHONPATH": str(REPO)}
    server = ServerProcess(
        name, _uvicorn_command(port), cpu=cpu, env=env, log_path=work_dir / f"{name}.log", cwd=REPO
    )
    base_url = f"http://{LOOPBACK}:{port}"
    instance = bodies.instance()
    server.wait_ready(f"{base_url}{LIST_PAGE}", {"MC-Api-Key": api_key})
    network_id = str(instance["networkId"])
    body = (
        f'{{"name":"bench","templateId":"{instance["templateId"]}",'
        f'"computeOfferingId":"{instance["computeOfferingId"]}","networkId":"{{networkId}}"}}'
    )
    return Side(
        name=name,
        server=server,
        base_url=base_url,
        api_key=api_key,
        instance_path=f"{seeding.SERVICE_PATH}/instances/{instance['id']}",
        task_path=f"/v1/tasks/{bodies.task_id()}",
        network_ids=(network_id,),
        create_body_template=body,
    )


def cloudca_command() -> list[str]:
    """The ``cloudca`` entry point of this interpreter's environment, else the one on PATH."""
    beside = Path(sys.executable).parent / "cloudca"
    found = str(beside) if beside.exists() else shutil.which("cloudca")
    if not found:
        raise RuntimeError("the cloudca command is not installed: pip install -e '.[bench]'")
    return [found]


# Room on the simulator's hosts for every instance a run creates (its defaults hold a few hundred).
SIMULATOR_CAPACITY = {
    "CLOUDCA_SIMULATOR_LATENCY": "instant",
    "CLOUDCA_SIMULATOR_HOST_CPUS": "250000",
    "CLOUDCA_SIMULATOR_HOST_MEMORY_MB": "2000000000",
}


def launch_cloudca(
    work_dir: Path, data_dir: Path, api_key: str, cpu: int, name: str
) -> tuple[ServerProcess, str]:
    """Start ``cloudca serve`` on the embedded default (SQLite in ``data_dir``, instant simulator)."""
    port = free_port()
    env = {**SIMULATOR_CAPACITY, **os.environ, "CLOUDCA_API_KEY": api_key}
    command = [*cloudca_command(), "serve", "--host", LOOPBACK, "--port", str(port)]
    command += ["--data-dir", str(data_dir)]
    server = ServerProcess(name, command, cpu=cpu, env=env, log_path=work_dir / f"{name}.log", cwd=work_dir)
    base_url = f"http://{LOOPBACK}:{port}"
    server.wait_ready(f"{base_url}{seeding.SERVICE_PATH}/templates", {"MC-Api-Key": api_key})
    return server, base_url


def first_start(work_dir: Path, data_dir: Path, api_key: str, cpu: int) -> Path:
    """Start and stop cloudca once so that it creates its database and seeds its catalog."""
    server, _ = launch_cloudca(work_dir, data_dir, api_key, cpu, f"{data_dir.name}-first-start")
    server.stop()
    return data_dir / bulk_seed.DATABASE_NAME


def start_cloudca(work_dir: Path, api_key: str, cpu: int, *, create_addresses: int) -> Side:
    """cloudca with ``SEEDED_INSTANCES`` instances created through its API, and /24 networks added
    directly with room for ``create_addresses`` more; the GET scenarios use the first instance."""
    data_dir = work_dir / "data"
    bulk_seed.add_networks(first_start(work_dir, data_dir, api_key, cpu), create_addresses)
    server, base_url = launch_cloudca(work_dir, data_dir, api_key, cpu, "cloudca")
    try:
        with httpx.Client(base_url=base_url, headers={"MC-Api-Key": api_key}, timeout=30) as client:
            catalog = seeding.discover(client)
        created = asyncio.run(seeding.create_instances(base_url, api_key, catalog, SEEDED_INSTANCES))
    except BaseException:
        server.stop()
        raise
    instance_id, task_id = created[0]
    return Side(
        name="cloudca",
        server=server,
        base_url=base_url,
        api_key=api_key,
        instance_path=f"{seeding.SERVICE_PATH}/instances/{instance_id}",
        task_path=f"/v1/tasks/{task_id}",
        network_ids=catalog.network_ids,
        create_body_template=catalog.create_body_template(),
        notes=[f"{len(catalog.network_ids)} networks, {catalog.addresses} private addresses"],
    )


def start_large_cloudca(work_dir: Path, api_key: str, cpu: int, *, instances: int) -> Side:
    """cloudca over a database holding ``instances`` instances, inserted while it was stopped."""
    data_dir = work_dir / "data-large"
    database = first_start(work_dir, data_dir, api_key, cpu)
    started = time.monotonic()
    bulk_seed.seed(database, instances)
    seeded_s = time.monotonic() - started
    started = time.monotonic()
    server, base_url = launch_cloudca(work_dir, data_dir, api_key, cpu, "cloudca-large")
    return Side(
        name="cloudca",
        server=server,
        base_url=base_url,
        api_key=api_key,
        instance_path="",
        task_path="",
        network_ids=(),
        create_body_template="",
        notes=[
            f"{instances} instances inserted directly in {seeded_s:.1f} s; "
            f"cloudca was ready {time.monotonic() - started:.1f} s after its start"
        ],
    )
