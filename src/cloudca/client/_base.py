"""What ``Client`` and ``AsyncClient`` share: request descriptions, envelopes, errors, retry policy.

A resource method never talks HTTP itself. It returns a :class:`Call` — verb, path, query, body and a
parser for the payload — and the sync or async client executes it. So the wire format is written once,
and the two clients differ only in how they wait for I/O.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Literal, TypeVar, Unpack

import httpx

from cloudca import __version__
from cloudca.client._config import ClientConfig, ClientOptions, load_config
from cloudca.client._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    TransportError,
    api_error_for,
)
from cloudca.client._models import Model, TaskStatus

logger = logging.getLogger("cloudca.client")

T = TypeVar("T")
M = TypeVar("M", bound=Model)

#: Longest ``?wait=`` the server honours on ``GET /v1/tasks/{id}`` (seconds).
MAX_SERVER_WAIT = 60
#: Default bound on ``Task.wait()``.
DEFAULT_TASK_TIMEOUT = 600.0

# Statuses after which a GET may be repeated: the gateway or server was momentarily unavailable.
_RETRYABLE_STATUSES = frozenset({502, 503, 504})

Expect = Literal["data", "task", "empty"]


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API request and how to read its answer.

    ``expect`` names the envelope: ``data`` (``{"data": ...}``), ``task`` (``{"taskId", "taskStatus"}``)
    or ``empty`` (administration deletes, 204). ``parse`` turns the ``data`` payload, or the task's
    ``result``, into the typed value.
    """

    method: str
    path: str
    parse: Callable[[Any], T]
    expect: Expect = "data"
    params: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    # Extra seconds the server may legitimately hold the request (task long-poll).
    hold: float = 0.0
    #: Sent as ``Idempotency-Key`` on every attempt of a mutation (``keyed`` draws one).
    idempotency_key: str | None = None

    @property
    def idempotent(self) -> bool:
        """Reads, and mutations that carry an idempotency key (the server answers a repeat with
        the first answer), may be retried after any transport failure; other mutations only if
        never sent."""
        return self.method == "GET" or self.idempotency_key is not None

    def keyed(self) -> Call[T]:
        """This call with an idempotency key if it is a mutation: one key for all its attempts,
        so a retry after a lost answer cannot run the mutation twice."""
        if self.idempotent:
            return self
        return replace(self, idempotency_key=uuid.uuid4().hex)


def model_parser(model: type[M]) -> Callable[[Any], M]:
    """Parser for one representation."""
    return model.model_validate


def list_parser(model: type[M]) -> Callable[[Any], list[M]]:
    """Parser for a list representation."""

    def parse(payload: Any) -> list[M]:
        return [model.model_validate(item) for item in payload or []]

    return parse


def optional_parser(model: type[M]) -> Callable[[Any], M | None]:
    """Parser for task results that may be empty (deletes that return no representation)."""

    def parse(payload: Any) -> M | None:
        return model.model_validate(payload) if isinstance(payload, Mapping) and payload else None

    return parse


def raw_parser(payload: Any) -> Any:
    """Parser that keeps the JSON as it is."""
    return payload


@dataclass(frozen=True)
class TaskSnapshot:
    """A task as last seen: status, creation time, raw ``result``."""

    id: str
    status: TaskStatus
    created: str | None = None
    result: Any = None


def snapshot_from_envelope(payload: Mapping[str, Any]) -> TaskSnapshot:
    """Read a task from a mutation's envelope or ``GET /v1/tasks/{id}`` (both shapes, contract 2.3)."""
    data = payload.get("data") if isinstance(payload.get("data"), Mapping) else {}
    assert isinstance(data, Mapping)
    task_id = payload.get("taskId") or data.get("id")
    status = payload.get("taskStatus") or data.get("status") or TaskStatus.PENDING
    if not task_id:
        raise APIError(200, [{"message": "Response carries no taskId", "context": dict(payload)}])
    if "result" in payload:
        result = payload["result"]
    elif "result" in data:
        result = data["result"]
    elif str(status).upper() == TaskStatus.SUCCESS and "taskStatus" in payload:
        # A mutation answered SUCCESS at once puts the result in `data` (contract 2.2).
        result = payload.get("data")
    else:
        result = None
    return TaskSnapshot(
        id=str(task_id),
        status=TaskStatus(str(status).upper()),
        created=str(data["created"]) if data.get("created") else None,
        result=result,
    )


def task_errors(snapshot: TaskSnapshot) -> list[dict[str, Any]]:
    """The error objects of a FAILED task (``result.errors``)."""
    result = snapshot.result
    errors = result.get("errors") if isinstance(result, Mapping) else None
    return [dict(error) for error in errors] if isinstance(errors, list) else []


class BaseClient:
    """Configuration, request building and response reading common to both clients."""

    def __init__(self, **options: Unpack[ClientOptions]) -> None:
        self.config: ClientConfig = load_config(**options)

    @property
    def api_url(self) -> str:
        """Base URL of the API, ending in ``/v1``."""
        return self.config.api_url

    def _client_options(self) -> dict[str, Any]:
        return {
            "base_url": self.config.api_url + "/",
            "headers": {
                "MC-Api-Key": self.config.api_key,
                "Accept": "application/json",
                "User-Agent": f"cloudca-python/{__version__}",
            },
            "timeout": httpx.Timeout(self.config.timeout),
        }

    def _request_kwargs(self, call: Call[Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"params": dict(call.params)}
        if call.idempotency_key is not None:
            kwargs["headers"] = {"Idempotency-Key": call.idempotency_key}
        if call.body is not None:
            kwargs["json"] = dict(call.body)
        if call.hold:
            kwargs["timeout"] = httpx.Timeout(self.config.timeout + call.hold)
        return kwargs

    def _retry_delay(
        self, call: Call[Any], attempt: int, error: Exception | None, status: int
    ) -> float | None:
        """Seconds to wait before trying ``call`` again, or ``None`` to give up."""
        if attempt >= self.config.max_retries:
            return None
        never_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
        retry_read = call.idempotent and (error is not None or status in _RETRYABLE_STATUSES)
        return 0.2 * 2.0**attempt if retry_read or never_sent else None

    def _transport_error(self, exc: httpx.HTTPError, call: Call[Any]) -> TransportError:
        url = f"{self.config.api_url}/{call.path}"
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"No answer from {self.config.api_url} within {self.config.timeout + call.hold:g}s "
                f"({call.method} {call.path})",
                method=call.method,
                url=url,
            )
        return APIConnectionError(
            f"Cannot reach the API at {self.config.api_url}: {exc or type(exc).__name__}. "
            "Is the server running? (set CLOUDCA_API_URL or --api-url)",
            method=call.method,
            url=url,
        )

    def _read(self, call: Call[T], response: httpx.Response) -> Any:
        """Check the status and return the payload ``call.expect`` names (raw JSON)."""
        logger.debug("%s %s -> %s", call.method, response.request.url.path, response.status_code)
        if response.status_code >= 400:
            raise self._error(response)
        if call.expect == "empty" or response.status_code == 204 or not response.content:
            return None
        try:
            payload = response.json()
        except ValueError as exc:
            raise api_error_for(
                response.status_code, [{"message": f"Response is not JSON: {response.text[:200]}"}]
            ) from exc
        if call.expect == "task":
            return payload
        if not isinstance(payload, Mapping) or "data" not in payload:
            raise APIError(response.status_code, [{"message": "Response has no 'data' envelope"}])
        return payload["data"]

    @staticmethod
    def _error(response: httpx.Response) -> APIError:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        errors = payload.get("errors") if isinstance(payload, Mapping) else None
        if not isinstance(errors, list) or not errors:
            # Only a non-conforming server or proxy gets here; keep what it said for the person.
            errors = [{"message": f"HTTP {response.status_code}: {response.text[:200]}"}]
        return api_error_for(response.status_code, errors)

    def _task_call(self, task_id: str, wait: float) -> Call[dict[str, Any]]:
        params = {"wait": str(int(wait))} if wait >= 1 else {}
        return Call("GET", f"tasks/{task_id}", dict, expect="task", params=params, hold=wait)

    def _environment_path(self, service: str | None, environment: str | None) -> tuple[str, str]:
        service_code = service or self.config.service
        environment_name = environment or self.config.environment
        if not service_code or not environment_name:
            raise ConfigurationError(
                "Name the service and environment: client.environment('compute-qc', 'prod'), "
                "or set CLOUDCA_SERVICE / CLOUDCA_ENVIRONMENT or a profile's service/environment"
            )
        return service_code, environment_name
