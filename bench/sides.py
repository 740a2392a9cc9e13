"""The servers under load, each started pinned on a free port: the reference app, cloudca (on SQLite,
and on PostgreSQL with one and with two processes behind one port), and the peer, moto's EC2 server."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import bodies, bulk_seed, ec2, seeding
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
    #: "cloudca" for the cloud.ca API (cloudca and the reference), "ec2" for EC2's query API (moto).
    api: str = "cloudca"
    #: EC2: the instance the describe-one scenario asks for.
    ec2_instance_id: str = ""
    #: Run after the server stops (dropping a throw-away database).
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def stop(self) -> None:
        self.server.stop()
        for cleanup in self.cleanups:
            cleanup()


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
    work_dir: Path,
    data_dir: Path,
    api_key: str,
    cpu: int,
    name: str,
    *,
    database_url: str = "",
    processes: int = 1,
) -> tuple[ServerProcess, str]:
    """Start ``cloudca serve`` with the instant simulator: on SQLite in ``data_dir`` (the embedded
    default), or on ``database_url`` with ``processes`` workers behind one port."""
    port = free_port()
    env = {**SIMULATOR_CAPACITY, **os.environ, "CLOUDCA_API_KEY": api_key}
    env.pop("CLOUDCA_DATABASE_URL", None)
    command = [*cloudca_command(), "serve", "--host", LOOPBACK, "--port", str(port)]
    command += ["--data-dir", str(data_dir)]
    if database_url:
        command += ["--database-url", database_url, "--workers", str(processes)]
    server = ServerProcess(name, command, cpu=cpu, env=env, log_path=work_dir / f"{name}.log", cwd=work_dir)
    base_url = f"http://{LOOPBACK}:{port}"
    server.wait_ready(f"{base_url}{seeding.SERVICE_PATH}/templates", {"MC-Api-Key": api_key})
    return server, base_url


def first_start(work_dir: Path, data_dir: Path, api_key: str, cpu: int, database_url: str = "") -> Path:
    """Start and stop cloudca once so that it creates its database and seeds its catalog."""
    server, _ = launch_cloudca(
        work_dir, data_dir, api_key, cpu, f"{data_dir.name}-first-start", database_url=database_url
    )
    server.stop()
    return data_dir / bulk_seed.DATABASE_NAME


def start_cloudca(
    work_dir: Path,
    api_key: str,
    cpu: int,
    *,
    create_addresses: int,
    name: str = "cloudca",
    database_url: str = "",
    processes: int = 1,
) -> Side:
    """cloudca with ``SEEDED_INSTANCES`` instances created through its API, and /24 networks added
    directly with room for ``create_addresses`` more; the GET scenarios use the first instance.

    On SQLite in a data dir of its own by default; on ``database_url`` (PostgreSQL) with
    ``processes`` processes behind one port (``cloudca serve --workers``) otherwise."""
    data_dir = work_dir / f"data-{name}"
    database = first_start(work_dir, data_dir, api_key, cpu, database_url)
    url = database_url or f"sqlite+aiosqlite:///{database}"
    asyncio.run(bulk_seed.add_networks(url, create_addresses))
    server, base_url = launch_cloudca(
        work_dir, data_dir, api_key, cpu, name, database_url=database_url, processes=processes
    )
    try:
        with httpx.Client(base_url=base_url, headers={"MC-Api-Key": api_key}, timeout=30) as client:
            catalog = seeding.discover(client)
        created = asyncio.run(seeding.create_instances(base_url, api_key, catalog, SEEDED_INSTANCES))
    except BaseException:
        server.stop()
        raise
    instance_id, task_id = created[0]
    return Side(
        name=name,
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


def start_postgres_cloudca(
    work_dir: Path, api_key: str, cpu: int, *, postgres_url: str, processes: int, create_addresses: int
) -> Side:
    """cloudca on a throw-away database of the PostgreSQL server at ``postgres_url`` (dropped when the
    side stops), ``processes`` processes behind one port, seeded as ``start_cloudca`` seeds."""
    name = f"cloudca-pg{processes}"
    database = f"cloudca_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_postgres_admin(postgres_url, f'CREATE DATABASE "{database}"'))

    def drop() -> None:
        asyncio.run(_postgres_admin(postgres_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))

    try:
        side = start_cloudca(
            work_dir,
            api_key,
            cpu,
            create_addresses=create_addresses,
            name=name,
            database_url=f"{postgres_url.rsplit('/', 1)[0]}/{database}",
            processes=processes,
        )
    except BaseException:
        drop()
        raise
    side.cleanups.append(drop)
    side.notes.append(f"PostgreSQL database {database}, {processes} process(es) on one port")
    return side


async def _postgres_admin(url: str, statement: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(plain, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def start_peer(work_dir: Path, api_key: str, cpu: int) -> Side:
    """moto's EC2 server with 100 instances (``bench/ec2.py``); driven with EC2's query API."""
    server, base_url, instance_id = ec2.start_moto(work_dir, cpu)
    alone = ", ".join(
        f"{key} {seconds * 1000:.0f} ms" for key, seconds in ec2.time_alone(base_url, instance_id).items()
    )
    return Side(
        name="moto",
        server=server,
        base_url=base_url,
        api_key=api_key,
        instance_path="/",
        task_path="",
        network_ids=(),
        create_body_template="",
        list_path="/",
        create_path="/",
        api="ec2",
        ec2_instance_id=instance_id,
        notes=[
            f"moto {_version('moto')}, {ec2.SEEDED_INSTANCES} instances run through RunInstances; "
            f"one call alone at the start: {alone}"
        ],
    )


def restart_peer(side: Side) -> None:
    """Stop moto (and whatever it was still working on) and start it afresh, seeded as at the start."""
    work_dir = side.server.log_path.parent
    cpu = side.server.cpu
    side.server.stop()
    side.server, side.base_url, side.ec2_instance_id = ec2.start_moto(work_dir, cpu)


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"
