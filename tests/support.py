"""Test helpers that speak the contract: create an instance and wait for its task, and so on."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

BASE = "/v1/services/compute-qc/prod"


def fresh_database_url(server_url: str) -> str:
    """Empty string (SQLite in the data dir), or a new empty PostgreSQL database on ``server_url``."""
    if not server_url:
        return ""
    import asyncio

    import asyncpg  # type: ignore[import-untyped]

    name = f"cloudca_test_{uuid.uuid4().hex[:12]}"
    dsn = server_url.replace("postgresql+asyncpg://", "postgresql://")

    async def create() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create()) if not _loop_running() else None
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _loop_running() -> bool:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


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
