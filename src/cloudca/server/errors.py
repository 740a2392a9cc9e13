"""The one error tree of the server, with the contract's codes (API-CONTRACT 2.4).

    ServiceError                      code  errorCode
    ├── BadRequest                    1000  BAD_REQUEST
    ├── MissingField                  1001  MISSING_FIELD
    ├── InvalidField                  1002  INVALID_FIELD
    ├── UnknownOperation              1003  UNKNOWN_OPERATION
    ├── InvalidQueryParameter         1004  INVALID_QUERY_PARAMETER
    ├── IdempotencyKeyReused          1005  IDEMPOTENCY_KEY_REUSED (409; a cloudca extension)
    ├── Unauthorized                  1100  UNAUTHORIZED
    ├── Forbidden                     1101  FORBIDDEN
    ├── NotFound                      1200  NOT_FOUND
    ├── EndpointNotFound              1201  ENDPOINT_NOT_FOUND
    ├── MethodNotAllowed              1300  METHOD_NOT_ALLOWED
    ├── InvalidState                  2012  INVALID_STATE
    ├── EntityBusy                    2013  ENTITY_BUSY
    ├── EntityInUse                   2014  ENTITY_IN_USE
    ├── Duplicate                     2015  DUPLICATE
    ├── QuotaExceeded                 2016  QUOTA_EXCEEDED
    ├── NoCapacity                    2017  NO_CAPACITY
    ├── InternalError                 5000  INTERNAL_ERROR
    ├── ServiceUnavailable            5003  SERVICE_UNAVAILABLE (503; a cloudca extension)
    └── ValidationErrors              (several of the above, reported together)

The codes come from ``cloudca.error_codes``, the table the SDK shares. Services raise these; only
the HTTP edge (``cloudca.server.api.errors``) turns them into status codes and the error envelope,
and the task runner turns them into a FAILED task's result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from cloudca import error_codes as codes


class ServiceError(Exception):
    """A failure the contract names: a numeric ``code``, a symbolic ``error_code`` and a context."""

    code: ClassVar[int] = codes.INTERNAL_ERROR.code
    error_code: ClassVar[str] = codes.INTERNAL_ERROR.error_code

    def __init_subclass__(cls, error: codes.ErrorCode | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if error is not None:
            cls.code, cls.error_code = error.code, error.error_code

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def to_dict(self) -> dict[str, Any]:
        """The error object of the contract's envelope."""
        return {
            "code": self.code,
            "errorCode": self.error_code,
            "message": self.message,
            "context": self.context,
        }

    def errors(self) -> list[ServiceError]:
        return [self]


class BadRequest(ServiceError, error=codes.BAD_REQUEST):
    """The body is not valid JSON, or not a JSON object."""


class MissingField(ServiceError, error=codes.MISSING_FIELD):
    def __init__(self, field: str, message: str | None = None) -> None:
        super().__init__(message or f"The field '{field}' is required", field=field)


class InvalidField(ServiceError, error=codes.INVALID_FIELD):
    def __init__(self, field: str, value: Any, reason: str, message: str | None = None) -> None:
        super().__init__(
            message or f"Invalid value for field '{field}': {reason}",
            field=field,
            value=_printable(value),
            reason=reason,
        )


class UnknownOperation(ServiceError, error=codes.UNKNOWN_OPERATION):
    def __init__(self, operation: str, entity_type: str) -> None:
        super().__init__(
            f"Unknown operation '{operation}' for {entity_type}", operation=operation, type=entity_type
        )


class InvalidQueryParameter(ServiceError, error=codes.INVALID_QUERY_PARAMETER):
    def __init__(self, parameter: str, value: Any, reason: str) -> None:
        super().__init__(
            f"Invalid value for query parameter '{parameter}': {reason}",
            parameter=parameter,
            value=_printable(value),
        )


class IdempotencyKeyReused(ServiceError, error=codes.IDEMPOTENCY_KEY_REUSED):
    """The ``Idempotency-Key`` names another request, or one still being answered (HTTP 409)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message, idempotencyKey=_printable(key))


class Unauthorized(ServiceError, error=codes.UNAUTHORIZED):
    """A missing or unknown API key."""


class Forbidden(ServiceError, error=codes.FORBIDDEN):
    """The caller may not do this."""


class NotFound(ServiceError, error=codes.NOT_FOUND):
    def __init__(self, entity_type: str, entity_id: str, message: str | None = None) -> None:
        super().__init__(message or f"No {entity_type} with id {entity_id}", type=entity_type, id=entity_id)


class EndpointNotFound(ServiceError, error=codes.ENDPOINT_NOT_FOUND):
    def __init__(self, path: str) -> None:
        super().__init__(f"No endpoint at {path}", path=path)


class MethodNotAllowed(ServiceError, error=codes.METHOD_NOT_ALLOWED):
    def __init__(self, method: str) -> None:
        super().__init__(f"Method {method} is not allowed here", method=method)


class InvalidState(ServiceError, error=codes.INVALID_STATE):
    def __init__(
        self,
        message: str,
        *,
        entity_id: str,
        entity_type: str,
        current_state: str,
        expected_states: Sequence[str],
    ) -> None:
        super().__init__(
            message,
            id=entity_id,
            type=entity_type,
            currentState=current_state,
            expectedStates=list(expected_states),
        )


class EntityBusy(ServiceError, error=codes.ENTITY_BUSY):
    def __init__(self, entity_type: str, entity_id: str, task_id: str | None) -> None:
        super().__init__(
            f"Another task is still running on this {entity_type.rstrip('s')}",
            id=entity_id,
            type=entity_type,
            taskId=task_id,
        )


class EntityInUse(ServiceError, error=codes.ENTITY_IN_USE):
    def __init__(self, message: str, *, entity_type: str, entity_id: str, dependants: Sequence[str]) -> None:
        super().__init__(message, id=entity_id, type=entity_type, dependants=list(dependants))


class Duplicate(ServiceError, error=codes.DUPLICATE):
    def __init__(self, field: str, value: Any, message: str | None = None) -> None:
        super().__init__(
            message or f"The {field} '{value}' is already taken", field=field, value=_printable(value)
        )


class QuotaExceeded(ServiceError, error=codes.QUOTA_EXCEEDED):
    def __init__(self, message: str, *, resource: str, limit: int) -> None:
        super().__init__(message, resource=resource, limit=limit)


class NoCapacity(ServiceError, error=codes.NO_CAPACITY):
    """The backend cannot place or start the machine (inside a FAILED task)."""


class InternalError(ServiceError, error=codes.INTERNAL_ERROR):
    """An unexpected failure."""


class ServiceUnavailable(ServiceError, error=codes.SERVICE_UNAVAILABLE):
    """Refused before any work: too many requests are waiting (HTTP 503 with ``Retry-After``)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retryAfterSeconds=retry_after)
        self.retry_after = retry_after


class ValidationErrors(ServiceError, error=codes.INVALID_FIELD):
    """Several validation problems of one request, reported together."""

    def __init__(self, problems: Sequence[ServiceError]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    def errors(self) -> list[ServiceError]:
        return list(self.problems)


def _printable(value: Any) -> Any:
    """Echo a rejected value back, bounded: a huge body must not come back in the error."""
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "..."
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return str(value)  # JSON encoders refuse integers beyond 64 bits: the error must not fail
    if (isinstance(value, float) and value != value) or value in (float("inf"), float("-inf")):
        return str(value)  # NaN and infinities are not JSON
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."
