"""The synchronous client."""

# Generated from _async_client.py by scripts/generate_sync_sdk.py: edit the source, then run it.

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack

import httpx

from cloudca.client._base import BaseClient, Call, snapshot_from_envelope
from cloudca.client._config import ClientOptions
from cloudca.client._environment import EnvironmentClient
from cloudca.client._models import ServiceConnection
from cloudca.client._resources._admin_requests import AdminRequests
from cloudca.client._resources._base import ReadOnly
from cloudca.client._resources.admin import Environments, Tasks
from cloudca.client._resources.teams import Organizations, Users
from cloudca.client._task import Task

__all__ = ["Client"]

T = TypeVar("T")


class Client(BaseClient):
    """Talks to a cloudca (or cloud.ca) API.

    >>> with Client(api_url="http://127.0.0.1:8080/v1", api_key="...") as client:
    ...     prod = client.environment("compute-qc", "prod")
    ...     instance = prod.instances.create(name="web", ..., wait=True)

    ``transport`` replaces httpx's network transport (e.g. ``httpx.MockTransport`` in tests).
    """

    def __init__(
        self, *, transport: httpx.BaseTransport | None = None, **options: Unpack[ClientOptions]
    ) -> None:
        super().__init__(**options)
        self._http = httpx.Client(transport=transport, **self._client_options())
        self.tasks = Tasks(self)
        self.environments = Environments(self)
        self.service_connections = ReadOnly(self, AdminRequests("services/connections", ServiceConnection))
        self.organizations = Organizations(self)
        self.users = Users(self)

    def environment(self, service: str | None = None, environment: str | None = None) -> EnvironmentClient:
        """The compute resources of ``/v1/services/{service}/{environment}``.

        Either name defaults to the configured one (argument, ``CLOUDCA_SERVICE`` /
        ``CLOUDCA_ENVIRONMENT``, or the profile).
        """
        return EnvironmentClient(self, *self._environment_path(service, environment))

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _execute(self, call: Call[Any]) -> Any:
        """Send ``call`` (retrying where that is safe) and return its raw payload."""
        call = call.keyed()
        attempt = 0
        while True:
            try:
                response = self._http.request(call.method, call.path, **self._request_kwargs(call))
            except httpx.HTTPError as exc:
                delay = self._retry_delay(call, attempt, exc, 0)
                if delay is None:
                    raise self._transport_error(exc, call) from exc
            else:
                delay = self._retry_delay(call, attempt, None, response.status_code)
                if delay is None:
                    return self._read(call, response)
            attempt += 1
            time.sleep(delay)

    def _fetch(self, call: Call[T]) -> T:
        """Send a synchronous call and parse its payload."""
        return call.parse(self._execute(call))

    def _start(self, call: Call[T]) -> Task[T]:
        """Send a mutation and return the handle of the task it started."""
        return Task(self, snapshot_from_envelope(self._execute(call)), call.parse)
