"""Administration (contract 3) and tasks: synchronous endpoints under ``/v1`` itself."""

# The async API mirrors the sync one: ``timeout`` bounds a task wait made of server long-polls.
# ruff: noqa: ASYNC109

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from cloudca.client._base import (
    DEFAULT_TASK_TIMEOUT,
    Call,
    list_parser,
    model_parser,
    raw_parser,
    snapshot_from_envelope,
)
from cloudca.client._models import Environment, Model
from cloudca.client._resources._base import pick_reference, wire_body, wire_query
from cloudca.client._task import AsyncTask, Task

if TYPE_CHECKING:
    from cloudca.client._async_client import AsyncClient
    from cloudca.client._client import Client

__all__ = [
    "AdminRequests",
    "AsyncEnvironments",
    "AsyncReadOnly",
    "AsyncTasks",
    "Environments",
    "ReadOnly",
    "Tasks",
    "environment_body",
]

M = TypeVar("M", bound=Model)


class AdminRequests(Generic[M]):
    """Calls on ``/v1/{collection}`` (synchronous ``data`` envelopes, no tasks)."""

    def __init__(self, collection: str, model: type[M]) -> None:
        self.collection = collection
        self.model = model

    def list(self, params: Mapping[str, Any]) -> Call[list[M]]:
        """``GET`` the collection."""
        return Call("GET", self.collection, list_parser(self.model), params=wire_query(params))

    def get(self, entity_id: str) -> Call[M]:
        """``GET`` one entity."""
        return Call("GET", f"{self.collection}/{entity_id}", model_parser(self.model))

    def create(self, body: Mapping[str, Any]) -> Call[M]:
        """``POST`` the collection; the answer is the created entity."""
        return Call("POST", self.collection, model_parser(self.model), body=body)

    def update(self, entity_id: str, body: Mapping[str, Any]) -> Call[M]:
        """``PUT`` the item; the answer is the updated entity."""
        return Call("PUT", f"{self.collection}/{entity_id}", model_parser(self.model), body=body)

    def delete(self, entity_id: str) -> Call[None]:
        """``DELETE`` the item (204)."""
        return Call("DELETE", f"{self.collection}/{entity_id}", lambda _: None, expect="empty")


def environment_body(
    *,
    name: str | None,
    description: str | None,
    service_connection_id: str | None = None,
    organization_id: str | None = None,
    membership: str | None = None,
    roles: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Body of an environment create or update (contract 3.3)."""
    body = wire_body({"name": name, "description": description, "membership": membership})
    if service_connection_id:
        body["serviceConnection"] = {"id": service_connection_id}
    if organization_id:
        body["organization"] = {"id": organization_id}
    if roles is not None:
        body["roles"] = [dict(role) for role in roles]
    return body


class ReadOnly(Generic[M]):
    """An administration collection that is only read (service connections, organizations, users)."""

    def __init__(self, client: Client, requests: AdminRequests[M]) -> None:
        self._client = client
        self._requests = requests

    def list(self, **params: str | int | bool | None) -> list[M]:
        """List entities; keyword arguments become query parameters."""
        return self._client._fetch(self._requests.list(params))

    def get(self, entity_id: str) -> M:
        """Retrieve one entity by id."""
        return self._client._fetch(self._requests.get(entity_id))

    def resolve(self, reference: str) -> str:
        """The id of the entity whose id or unique name is ``reference``."""
        return pick_reference(self._requests.collection, reference, self.list())


class Environments(ReadOnly[Environment]):
    """Environments (contract 3.3)."""

    def __init__(self, client: Client) -> None:
        super().__init__(client, AdminRequests("environments", Environment))

    def create(
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
        body = environment_body(
            name=name,
            description=description,
            service_connection_id=service_connection_id,
            organization_id=organization_id,
            membership=membership,
            roles=roles,
        )
        return self._client._fetch(self._requests.create(body))

    def update(
        self,
        environment_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        membership: str | None = None,
        roles: Sequence[Mapping[str, Any]] | None = None,
    ) -> Environment:
        """Change an environment; listed roles get their user lists replaced."""
        body = environment_body(name=name, description=description, membership=membership, roles=roles)
        return self._client._fetch(self._requests.update(environment_id, body))

    def delete(self, environment_id: str) -> None:
        """Delete an environment and everything in it."""
        self._client._fetch(self._requests.delete(environment_id))


class Tasks:
    """Tasks (contract 2.3)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get(self, task_id: str) -> Task[Any]:
        """The task's current status; its result stays raw JSON (the task's type is not known)."""
        payload = self._client._execute(self._client._task_call(task_id, 0))
        return Task(self._client, snapshot_from_envelope(payload), raw_parser)

    def wait(self, task_id: str, timeout: float = DEFAULT_TASK_TIMEOUT) -> Any:
        """Wait for a task to end and return its raw result."""
        return self.get(task_id).wait(timeout)


class AsyncReadOnly(Generic[M]):
    """Async twin of :class:`ReadOnly`."""

    def __init__(self, client: AsyncClient, requests: AdminRequests[M]) -> None:
        self._client = client
        self._requests = requests

    async def list(self, **params: str | int | bool | None) -> list[M]:
        """List entities; keyword arguments become query parameters."""
        return await self._client._fetch(self._requests.list(params))

    async def get(self, entity_id: str) -> M:
        """Retrieve one entity by id."""
        return await self._client._fetch(self._requests.get(entity_id))

    async def resolve(self, reference: str) -> str:
        """The id of the entity whose id or unique name is ``reference``."""
        return pick_reference(self._requests.collection, reference, await self.list())


class AsyncEnvironments(AsyncReadOnly[Environment]):
    """Async twin of :class:`Environments`."""

    def __init__(self, client: AsyncClient) -> None:
        super().__init__(client, AdminRequests("environments", Environment))

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
        body = environment_body(
            name=name,
            description=description,
            service_connection_id=service_connection_id,
            organization_id=organization_id,
            membership=membership,
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
        body = environment_body(name=name, description=description, membership=membership, roles=roles)
        return await self._client._fetch(self._requests.update(environment_id, body))

    async def delete(self, environment_id: str) -> None:
        """Delete an environment and everything in it."""
        await self._client._fetch(self._requests.delete(environment_id))


class AsyncTasks:
    """Async twin of :class:`Tasks`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get(self, task_id: str) -> AsyncTask[Any]:
        """The task's current status; its result stays raw JSON."""
        payload = await self._client._execute(self._client._task_call(task_id, 0))
        return AsyncTask(self._client, snapshot_from_envelope(payload), raw_parser)

    async def wait(self, task_id: str, timeout: float = DEFAULT_TASK_TIMEOUT) -> Any:
        """Wait for a task to end and return its raw result."""
        return await (await self.get(task_id)).wait(timeout)
