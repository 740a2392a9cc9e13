"""The only place where service errors become HTTP status codes and the error envelope.

Every non-2xx response leaves through here, including the framework's own 404/405/500 and
request-validation errors, so clients always find ``errors`` (API-CONTRACT 1.7, 2.4).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from cloudca import error_codes
from cloudca.server import errors
from cloudca.server.api.envelope import JSONResponse, error_body

log = logging.getLogger("cloudca.api")


def status_of(error: errors.ServiceError) -> int:
    """The HTTP status the contract gives the error's code (``cloudca.error_codes``)."""
    return error_codes.BY_ERROR_CODE[error.error_code].status


def error_response(error: errors.ServiceError) -> JSONResponse:
    return JSONResponse(error_body(error), status_code=status_of(error))


async def _service_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.ServiceError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    error: errors.ServiceError
    if exc.status_code == 404:
        error = errors.EndpointNotFound(request.url.path)
    elif exc.status_code == 405:
        error = errors.MethodNotAllowed(request.method)
    elif exc.status_code >= 500:
        error = errors.InternalError("The server failed to answer")
    else:
        error = errors.BadRequest(str(exc.detail))
    return error_response(error)


async def _validation_error(_request: Request, exc: Exception) -> Response:
    # Path and query parameters declared on routes; bodies are parsed by ``api.body``.
    assert isinstance(exc, RequestValidationError)
    problems: list[errors.ServiceError] = []
    for item in exc.errors():
        name = str(item["loc"][-1]) if item.get("loc") else "request"
        problems.append(errors.InvalidQueryParameter(name, item.get("input"), str(item.get("msg"))))
    return error_response(errors.ValidationErrors(problems or [errors.BadRequest("Invalid request")]))


async def _client_gone(request: Request, _exc: Exception) -> Response:
    # The client closed the connection while its body was being read (a load generator stopping,
    # a timeout): nothing failed here and no one will read the answer, so no traceback.
    log.debug("client disconnected during %s %s", request.method, request.url.path)
    return error_response(errors.BadRequest("The client disconnected before sending its whole body"))


async def _unexpected(_request: Request, exc: Exception) -> Response:
    log.exception("unexpected failure", exc_info=exc)
    return error_response(errors.InternalError("The server failed unexpectedly"))


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(Exception, _unexpected)
