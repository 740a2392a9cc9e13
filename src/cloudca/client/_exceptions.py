"""Every exception the SDK raises.

The tree::

    CloudcaError
    ├── ConfigurationError           no API URL/key, unknown profile, unreadable config file
    ├── TransportError               the request got no HTTP answer
    │   ├── APIConnectionError       could not connect / connection dropped
    │   └── APITimeoutError          no answer within the client's timeout
    ├── ResolutionError              a name did not resolve to exactly one id
    │   ├── NameNotFoundError        no entity has that id or name
    │   └── AmbiguousNameError       several entities share that name
    ├── TaskError
    │   ├── TaskFailedError          the task ended FAILED (carries the task's errors)
    │   └── TaskTimeoutError         the task was still PENDING when the wait ran out
    └── APIError                     the server answered with the error envelope (contract 2.4)
        ├── BadRequestError          400
        │   ├── MissingFieldError            MISSING_FIELD
        │   ├── InvalidFieldError            INVALID_FIELD
        │   ├── UnknownOperationError        UNKNOWN_OPERATION
        │   ├── InvalidQueryParameterError   INVALID_QUERY_PARAMETER
        │   ├── InvalidStateError            INVALID_STATE
        │   ├── EntityBusyError              ENTITY_BUSY
        │   ├── EntityInUseError             ENTITY_IN_USE
        │   ├── DuplicateError               DUPLICATE
        │   ├── QuotaExceededError           QUOTA_EXCEEDED
        │   └── NoCapacityError              NO_CAPACITY
        ├── AuthenticationError      401 UNAUTHORIZED
        ├── PermissionDeniedError    403 FORBIDDEN
        ├── NotFoundError            404 NOT_FOUND
        │   └── EndpointNotFoundError    ENDPOINT_NOT_FOUND
        ├── MethodNotAllowedError    405 METHOD_NOT_ALLOWED
        ├── IdempotencyKeyReusedError 409 IDEMPOTENCY_KEY_REUSED
        └── InternalServerError      5xx INTERNAL_ERROR
            └── ServiceUnavailableError  503 SERVICE_UNAVAILABLE (retried where safe)

API errors are chosen from the symbolic ``errorCode`` of the first error object, falling back on the
HTTP status for codes this SDK does not know. Messages are for people; nothing here parses them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudca import error_codes as codes

# The errors are listed once, in the package's ``__all__`` (``cloudca.client``).


class CloudcaError(Exception):
    """Base class of every error raised by the SDK."""


class ConfigurationError(CloudcaError):
    """The client could not be configured (missing URL or key, unknown profile, bad config file)."""


class TransportError(CloudcaError):
    """The request got no HTTP answer. ``method`` and ``url`` say which request."""

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class APIConnectionError(TransportError):
    """The server could not be reached, or the connection broke before an answer."""


class APITimeoutError(TransportError):
    """The server did not answer within the client's timeout."""


class ResolutionError(CloudcaError):
    """A reference (id or name) did not resolve to exactly one entity.

    ``candidates`` holds ``(id, name)`` pairs: the matches when ambiguous, or every entity of that type
    when nothing matched, so callers can show what exists.
    """

    def __init__(
        self, message: str, *, entity_type: str, reference: str, candidates: Sequence[tuple[str, str]]
    ) -> None:
        super().__init__(message)
        self.entity_type = entity_type
        self.reference = reference
        self.candidates = list(candidates)


class NameNotFoundError(ResolutionError):
    """No entity has that id or name."""


class AmbiguousNameError(ResolutionError):
    """Several entities have that name; use an id."""


class _ErrorObjects:
    """What :class:`APIError` and :class:`TaskFailedError` keep of the contract's error objects: all of
    them (``errors``), and the first one's ``code`` (numeric), ``error_code`` (symbolic) and ``context``."""

    errors: list[dict[str, Any]]
    code: int | None
    error_code: str
    context: dict[str, Any]

    def _keep_errors(self, errors: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
        """Set the attributes above from ``errors``; returns the first object (empty if there is none)."""
        first: Mapping[str, Any] = errors[0] if errors else {}
        self.errors = [dict(error) for error in errors]
        self.code = first.get("code") if isinstance(first.get("code"), int) else None
        self.error_code = str(first.get("errorCode") or "")
        context = first.get("context")
        self.context = dict(context) if isinstance(context, Mapping) else {}
        return first


class APIError(CloudcaError, _ErrorObjects):
    """The server answered with the contract's error envelope.

    Attributes mirror the first error object: ``code`` (numeric), ``error_code`` (symbolic),
    ``message`` and ``context``; ``errors`` keeps all of them, ``status_code`` the HTTP status.
    """

    def __init__(self, status_code: int, errors: Sequence[Mapping[str, Any]]) -> None:
        first = self._keep_errors(errors)
        self.status_code = status_code
        self.message: str = str(first.get("message") or f"HTTP {status_code}")
        super().__init__(self.message)

    def __str__(self) -> str:
        label = self.error_code or f"HTTP {self.status_code}"
        return f"{label}: {self.message}"


class BadRequestError(APIError):
    """400: the request was refused (validation, state, conflicts, quota)."""


class MissingFieldError(BadRequestError):
    """A required field is absent (``context['field']``)."""


class InvalidFieldError(BadRequestError):
    """A field has a wrong value or names an entity that does not exist."""


class UnknownOperationError(BadRequestError):
    """The ``operation`` is not supported by the entity type."""


class InvalidQueryParameterError(BadRequestError):
    """A paging, sorting or filter parameter is malformed."""


class InvalidStateError(BadRequestError):
    """The entity's state does not allow the operation (``currentState``, ``expectedStates``)."""


class EntityBusyError(BadRequestError):
    """Another task is still running on the entity (``context['taskId']``)."""


class EntityInUseError(BadRequestError):
    """The entity cannot be deleted while others depend on it (``context['dependants']``)."""


class DuplicateError(BadRequestError):
    """A name, address or port range is already taken."""


class QuotaExceededError(BadRequestError):
    """A limit would be exceeded."""


class NoCapacityError(BadRequestError):
    """NO_CAPACITY: the backend could not place or start the machine (normally inside a FAILED task)."""


class AuthenticationError(APIError):
    """401: the API key is missing or unknown."""


class PermissionDeniedError(APIError):
    """403: the key is valid but may not do this."""


class NotFoundError(APIError):
    """404: the entity named in the path (or the task, environment, service) does not exist."""


class EndpointNotFoundError(NotFoundError):
    """404: the server has no such route or entity type."""


class MethodNotAllowedError(APIError):
    """405: the verb is not allowed on the route."""


class IdempotencyKeyReusedError(APIError):
    """409: the ``Idempotency-Key`` was used for another request, or its first request is still
    being answered."""


class InternalServerError(APIError):
    """5xx: the server failed unexpectedly."""


class ServiceUnavailableError(InternalServerError):
    """503: the server refused the request before doing anything (too many waiting); try later."""


class TaskError(CloudcaError):
    """Base class of errors about an asynchronous task. ``task_id`` names the task."""

    def __init__(self, message: str, *, task_id: str) -> None:
        super().__init__(message)
        self.task_id = task_id


class TaskFailedError(TaskError, _ErrorObjects):
    """The task ended ``FAILED``. Carries the task's error objects like :class:`APIError`."""

    def __init__(self, task_id: str, errors: Sequence[Mapping[str, Any]]) -> None:
        first = self._keep_errors(errors)
        detail = str(first.get("message") or "no details")
        label = f"{self.error_code}: " if self.error_code else ""
        super().__init__(f"Task {task_id} failed: {label}{detail}", task_id=task_id)


class TaskTimeoutError(TaskError):
    """The task had not ended when the wait's ``timeout`` ran out (it may still finish later)."""


#: The exception of every code of ``cloudca.error_codes`` (a test checks that none is missing).
BY_ERROR_CODE: dict[str, type[APIError]] = {
    codes.BAD_REQUEST.error_code: BadRequestError,
    codes.MISSING_FIELD.error_code: MissingFieldError,
    codes.INVALID_FIELD.error_code: InvalidFieldError,
    codes.UNKNOWN_OPERATION.error_code: UnknownOperationError,
    codes.INVALID_QUERY_PARAMETER.error_code: InvalidQueryParameterError,
    codes.INVALID_STATE.error_code: InvalidStateError,
    codes.ENTITY_BUSY.error_code: EntityBusyError,
    codes.ENTITY_IN_USE.error_code: EntityInUseError,
    codes.DUPLICATE.error_code: DuplicateError,
    codes.QUOTA_EXCEEDED.error_code: QuotaExceededError,
    codes.NO_CAPACITY.error_code: NoCapacityError,
    codes.UNAUTHORIZED.error_code: AuthenticationError,
    codes.FORBIDDEN.error_code: PermissionDeniedError,
    codes.NOT_FOUND.error_code: NotFoundError,
    codes.ENDPOINT_NOT_FOUND.error_code: EndpointNotFoundError,
    codes.METHOD_NOT_ALLOWED.error_code: MethodNotAllowedError,
    codes.IDEMPOTENCY_KEY_REUSED.error_code: IdempotencyKeyReusedError,
    codes.INTERNAL_ERROR.error_code: InternalServerError,
    codes.SERVICE_UNAVAILABLE.error_code: ServiceUnavailableError,
}

_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: IdempotencyKeyReusedError,
}


def api_error_for(status_code: int, errors: Sequence[Mapping[str, Any]]) -> APIError:
    """Build the most specific :class:`APIError` for an error response."""
    error_code = str(errors[0].get("errorCode") or "") if errors else ""
    cls = BY_ERROR_CODE.get(error_code)
    if cls is None:
        cls = InternalServerError if status_code >= 500 else _BY_STATUS.get(status_code, APIError)
    return cls(status_code, errors)
