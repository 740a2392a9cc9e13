"""The asynchronous client (same API as :class:`~cloudca.Client`, awaited)."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack

import httpx

from cloudca.client._async_environment import AsyncEnvironmentClient
from cloudca.client._async_task import AsyncTask
from cloudca.client._base import BaseClient, Call, snapshot_from_envelope
from cloudca.client._config import ClientOptions
from cloudca.client._models import ServiceConnection
from cloudca.client._resources._admin_requests import AdminRequests
from cloudca.client._resources._base import AsyncReadOnly
from cloudca.client._resources.async_admin import AsyncEnvironments, AsyncTasks
from cloudca.client._resources.async_teams import AsyncOrganizations, AsyncUsers

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient(BaseClient):
    """Talks to a cloudca (or cloud.ca) API.

    >>> async with AsyncClient(api_url="http://127.0.0.1:8080/v1", api_key="...") as client:
    ...     prod = client.environment("compute-qc", "prod")
    ...     instance = await prod.instances.create(name="web", ..., wait=True)

    ``transport`` replaces httpx's network transport (e.g. ``httpx.MockTransport`` in tests).
    """

    def __init__(
        self, *, transport: httpx.AsyncBaseTransport | None = None, **options: Unpack[ClientOptions]
    ) -> None:
        super().__init__(**options)
        self._http = httpx.AsyncClient(transport=transport, **self._client_options())
        self.tasks = AsyncTasks(self)
        self.environments = AsyncEnvironments(self)
        self.service_connections = AsyncReadOnly(
            self, AdminRequests("services/connections", ServiceConnection)
        )
        self.organizations = AsyncOrganizations(self)
        self.users = AsyncUsers(self)

    def environment(
        self, service: str | None = None, environment: str | None = None
    ) -> AsyncEnvironmentClient:
        """The compute resources of ``/v1/services/{service}/{environment}``.

        Either name defaults to the configured one (argument, ``CLOUDCA_SERVICE`` /
        ``CLOUDCA_ENVIRONMENT``, or the profile).
        """
        return AsyncEnvironmentClient(self, *self._environment_path(service, environment))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _execute(self, call: Call[Any]) -> Any:
        """Send ``call`` (retrying where that is safe) and return its raw payload."""
        call = call.keyed()
        attempt = 0
        while True:
            try:
                response = await self._http.request(call.method, call.path, **self._request_kwargs(call))
            except httpx.HTTPError as exc:
                delay = self._retry_delay(call, attempt, exc, 0)
                if delay is None:
                    raise self._transport_error(exc, call) from exc
            else:
                delay = self._retry_delay(call, attempt, None, response.status_code)
                if delay is None:
                    return self._read(call, response)
            attempt += 1
            await asyncio.sleep(delay)

    async def _fetch(self, call: Call[T]) -> T:
        """Send a synchronous call and parse its payload."""
        return call.parse(await self._execute(call))

    async def _start(self, call: Call[T]) -> AsyncTask[T]:
        """Send a mutation and return the handle of the task it started."""
        return AsyncTask(self, snapshot_from_envelope(await self._execute(call)), call.parse)
