"""Administration (contract 3) and tasks, asynchronously: endpoints under ``/v1`` itself."""

# The async API mirrors the sync one: ``timeout`` bounds a task wait made of server long-polls.
# ruff: noqa: ASYNC109

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cloudca.client._async_task import AsyncTask
from cloudca.client._base import DEFAULT_TASK_TIMEOUT, raw_parser, snapshot_from_envelope
from cloudca.client._models import Environment
from cloudca.client._resources._admin_requests import AsyncAdminCollection, admin_body

if TYPE_CHECKING:
    from cloudca.client._async_client import AsyncClient

__all__ = ["AsyncEnvironments", "AsyncTasks"]


class AsyncEnvironments(AsyncAdminCollection[Environment]):
    """Environments (contract 3.3)."""

    _collection = "environments"
    _model = Environment

    async def create(
        self,
        name: str,
        description: str,
        service_connection_id: str,
        *,
        organization_id: str | None = None,
        membership: str | None = None,
        roles: Sequence[Mapping[str, Any]] | None = None,
    ) -> Environment:
        """Create an environment of a service connection."""
        body = admin_body(
            {"name": name, "description": description, "membership": membership},
            references={"service_connection": service_connection_id, "organization": organization_id},
            roles=roles,
        )
        return await self._client._fetch(self._requests.create(body))

    async def update(
        self,
        environment_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        membership: str | None = None,
        roles: Sequence[Mapping[str, Any]] | None = None,
    ) -> Environment:
        """Change an environment; listed roles get their user lists replaced."""
        body = admin_body({"name": name, "description": description, "membership": membership}, roles=roles)
        return await self._client._fetch(self._requests.update(environment_id, body))

    async def delete(self, environment_id: str) -> None:
        """Delete an environment and everything in it."""
        await self._client._fetch(self._requests.delete(environment_id))


class AsyncTasks:
    """Tasks (contract 2.3)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get(self, task_id: str) -> AsyncTask[Any]:
        """The task's current status; its result stays raw JSON (the task's type is not known)."""
        payload = await self._client._execute(self._client._task_call(task_id, 0))
        return AsyncTask(self._client, snapshot_from_envelope(payload), raw_parser)

    async def wait(self, task_id: str, timeout: float = DEFAULT_TASK_TIMEOUT) -> Any:
        """Wait for a task to end and return its raw result."""
        return await (await self.get(task_id)).wait(timeout)
