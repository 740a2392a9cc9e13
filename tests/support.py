"""Test helpers that speak the contract: create an instance and wait for its task, and so on."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from cloudca.server.db import migrate
from cloudca.server.db.engine import Database

BASE = "/v1/services/compute-qc/prod"


#: Databases made here are named ``cloudca_test_<pid>_<random>``: a later run can tell which ones a
#: dead run left behind (its pid is gone) without touching a concurrent run's.
PREFIX = "cloudca_test_"


@contextmanager
def fresh_database(server_url: str, *, migrated: bool = True) -> Iterator[str]:
    """Empty string (SQLite in the data dir), or the URL of a new PostgreSQL database on
    ``server_url``'s server, dropped when the block ends (connections still open are closed).

    ``migrated``: cloned from a template holding the current migrations (cloning is much faster
    than migrating); otherwise empty, for tests of what a first start does.
    """
    if not server_url:
        yield ""
        return
    admin = _dsn(server_url)
    name = f"{PREFIX}{os.getpid()}_{uuid.uuid4().hex[:10]}"
    template = _template(server_url) if migrated else None
    clause = f' TEMPLATE "{template}"' if template else ""
    _run(_execute(admin, f'CREATE DATABASE "{name}"{clause}'))
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _run(_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


_templates: dict[str, str] = {}


def _template(server_url: str) -> str:
    """A database at the newest migration, named after the migrations' content, made once per run
    (under an advisory lock, so concurrent runs make it once). Also sweeps what dead runs left."""
    if server_url in _templates:
        return _templates[server_url]
    versions = Path(migrate.MIGRATIONS) / "versions"
    digest = hashlib.sha256()
    for path in sorted(versions.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    name = f"cloudca_template_{digest.hexdigest()[:16]}"

    async def make() -> None:
        import asyncpg  # type: ignore[import-untyped]

        connection = await asyncpg.connect(_dsn(server_url), timeout=10)
        try:
            await connection.execute("SELECT pg_advisory_lock(7220604399)")
            await _sweep(connection)
            if await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                return
            building = f"{name}_building"
            await connection.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{building}"')
            database = Database(server_url.rsplit("/", 1)[0] + f"/{building}")
            try:
                await migrate.upgrade(database)
            finally:
                await database.dispose()
            # Renamed only once complete: an interrupted build never passes for a template.
            await connection.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            await connection.close()

    _run(make())
    _templates[server_url] = name
    return name


async def _sweep(connection: Any) -> None:
    """Drop the test databases of runs whose process is gone (killed runs cannot clean up)."""
    rows = await connection.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", PREFIX + "%")
    for row in rows:
        pid = row["datname"][len(PREFIX) :].split("_", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            await connection.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dsn(server_url: str) -> str:
    return server_url.replace("postgresql+asyncpg://", "postgresql://")


async def _execute(dsn: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run ``coroutine`` to completion from synchronous code, even inside a running event loop
    (then on a thread of its own)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


class Api:
    """A thin client of the wire contract for tests (the SDK is tested separately)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def task(self, task_id: str, wait: float = 30) -> dict[str, Any]:
        response = await self.http.get(f"/v1/tasks/{task_id}", params={"wait": wait})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def finished(self, response: httpx.Response) -> dict[str, Any]:
        """The ended task of a mutation's answer."""
        assert response.status_code == 200, response.text
        accepted = response.json()
        assert set(accepted) >= {"taskId", "taskStatus"}
        task = await self.task(accepted["taskId"])
        assert task["taskStatus"] in ("SUCCESS", "FAILED"), task
        return task

    async def succeeded(self, response: httpx.Response) -> Any:
        task = await self.finished(response)
        assert task["taskStatus"] == "SUCCESS", task
        return task["result"]

    async def create_instance(self, catalog: dict[str, Any], **fields: Any) -> dict[str, Any]:
        body = {
            "name": fields.pop("name", "test-instance"),
            "templateId": catalog["template"],
            "computeOfferingId": catalog["offering"],
            "networkId": catalog["network"],
            **fields,
        }
        result: dict[str, Any] = await self.succeeded(await self.http.post(f"{BASE}/instances", json=body))
        return result

    async def operation(
        self, instance_id: str, operation: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.http.post(
            f"{BASE}/instances/{instance_id}", params={"operation": operation}, json=body or {}
        )

    async def get_instance(self, instance_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{BASE}/instances/{instance_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The first error object of an error envelope (asserting the envelope's shape)."""
    body = response.json()
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    assert set(error) >= {"code", "errorCode", "message", "context"}
    assert isinstance(error["code"], int) and isinstance(error["errorCode"], str)
    assert isinstance(error["context"], dict)
    return error
