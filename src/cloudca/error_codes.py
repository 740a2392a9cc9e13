"""The contract's error codes (API-CONTRACT 2.4): one table for the server and the SDK.

The server's error tree (``cloudca.server.errors``) takes its codes from here and its edge the HTTP
statuses; the SDK (``cloudca.client._exceptions``) chooses its exception by ``error_code``, and a
test checks that every code here has one. This module imports nothing, so that either side may load
it without the other.
"""

from __future__ import annotations

from typing import NamedTuple


class ErrorCode(NamedTuple):
    code: int
    error_code: str
    #: The HTTP status of a response carrying it (NO_CAPACITY is reported inside a FAILED task).
    status: int


BAD_REQUEST = ErrorCode(1000, "BAD_REQUEST", 400)
MISSING_FIELD = ErrorCode(1001, "MISSING_FIELD", 400)
INVALID_FIELD = ErrorCode(1002, "INVALID_FIELD", 400)
UNKNOWN_OPERATION = ErrorCode(1003, "UNKNOWN_OPERATION", 400)
INVALID_QUERY_PARAMETER = ErrorCode(1004, "INVALID_QUERY_PARAMETER", 400)
#: A cloudca extension: an ``Idempotency-Key`` reused for another request (or one still running).
IDEMPOTENCY_KEY_REUSED = ErrorCode(1005, "IDEMPOTENCY_KEY_REUSED", 409)
UNAUTHORIZED = ErrorCode(1100, "UNAUTHORIZED", 401)
FORBIDDEN = ErrorCode(1101, "FORBIDDEN", 403)
NOT_FOUND = ErrorCode(1200, "NOT_FOUND", 404)
ENDPOINT_NOT_FOUND = ErrorCode(1201, "ENDPOINT_NOT_FOUND", 404)
METHOD_NOT_ALLOWED = ErrorCode(1300, "METHOD_NOT_ALLOWED", 405)
INVALID_STATE = ErrorCode(2012, "INVALID_STATE", 400)
ENTITY_BUSY = ErrorCode(2013, "ENTITY_BUSY", 400)
ENTITY_IN_USE = ErrorCode(2014, "ENTITY_IN_USE", 400)
DUPLICATE = ErrorCode(2015, "DUPLICATE", 400)
QUOTA_EXCEEDED = ErrorCode(2016, "QUOTA_EXCEEDED", 400)
NO_CAPACITY = ErrorCode(2017, "NO_CAPACITY", 400)
INTERNAL_ERROR = ErrorCode(5000, "INTERNAL_ERROR", 500)
#: A cloudca extension: too many requests already waiting for a turn (``Retry-After`` says when).
SERVICE_UNAVAILABLE = ErrorCode(5003, "SERVICE_UNAVAILABLE", 503)

ERROR_CODES: tuple[ErrorCode, ...] = (
    BAD_REQUEST,
    MISSING_FIELD,
    INVALID_FIELD,
    UNKNOWN_OPERATION,
    INVALID_QUERY_PARAMETER,
    IDEMPOTENCY_KEY_REUSED,
    UNAUTHORIZED,
    FORBIDDEN,
    NOT_FOUND,
    ENDPOINT_NOT_FOUND,
    METHOD_NOT_ALLOWED,
    INVALID_STATE,
    ENTITY_BUSY,
    ENTITY_IN_USE,
    DUPLICATE,
    QUOTA_EXCEEDED,
    NO_CAPACITY,
    INTERNAL_ERROR,
    SERVICE_UNAVAILABLE,
)
BY_ERROR_CODE: dict[str, ErrorCode] = {entry.error_code: entry for entry in ERROR_CODES}
