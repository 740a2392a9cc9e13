"""Pure ASGI middleware: path normalisation, the request body limit, and who is calling.

Written against raw ASGI rather than Starlette's BaseHTTPMiddleware: it runs on every request,
so it must cost next to nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from cloudca.server.api import authorization, fastlane, idempotency
from cloudca.server.api.admission import Admission
from cloudca.server.api.envelope import MEDIA_TYPE
from cloudca.server.api.errors import status_of
from cloudca.server.api.state import EdgeRuntime
from cloudca.server.errors import BadRequest, InternalError, ServiceError, ServiceUnavailable

log = logging.getLogger("cloudca.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 1024 * 1024
_SLASHES = re.compile(r"/{2,}")


class EdgeMiddleware:
    """Collapses repeated slashes (G's base URL yields ``/v1//...``, 1.3), drops one trailing
    slash, refuses bodies over 1 MiB with the error envelope before reading them whole, and
    resolves who is calling and what they may do (``api.authorization``) before any route runs."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self._admission: Admission | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if "//" in path or (len(path) > 1 and path.endswith("/")):
            path = _SLASHES.sub("/", path)
            if len(path) > 1 and path.endswith("/"):
                path = path[:-1]
            scope["path"] = path
            scope["raw_path"] = path.encode()
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_body_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await _refuse(
                        send,
                        BadRequest(
                            f"The request body exceeds {self.max_body_bytes} bytes", limit=self.max_body_bytes
                        ),
                    )
                    return
                break
        runtime: EdgeRuntime | None = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
        if runtime is None:
            await self._handle(None, scope, receive, send)
            return
        if self._admission is None:
            settings = runtime.settings
            self._admission = Admission(settings.max_active_requests, settings.max_waiting_requests)
        await self._handle(runtime, scope, receive, send)

    async def _handle(self, runtime: EdgeRuntime | None, scope: Scope, receive: Receive, send: Send) -> None:
        """Who is calling, then the lean lane; what it declines waits for its turn (``api.admission``)
        and goes to the routes."""
        if runtime is not None:
            try:
                access = await authorization.resolve(runtime, scope)
            except ServiceError as error:
                await _refuse(send, error)
                return
            except Exception:
                log.exception("resolving the caller failed")
                await _refuse(send, InternalError("The server failed unexpectedly"))
                return
            if access is not None:
                scope[authorization.SCOPE_KEY] = access
                lane: fastlane.LeanLane | None = getattr(scope["app"].state, "lean_lane", None)
                if (
                    scope["method"] == "GET"
                    and lane is not None
                    and await fastlane.answer(lane, runtime, access, scope, send)
                ):
                    return
        admission = self._admission
        if admission is None or not scope["path"].startswith("/v1/") or not admission.counts(scope):
            await self._route(runtime, scope, receive, send)
            return
        try:
            await admission.enter()
        except ServiceUnavailable as error:
            await _refuse(send, error, [(b"retry-after", str(error.retry_after).encode())])
            return
        try:
            await self._route(runtime, scope, receive, send)
        finally:
            admission.leave()

    async def _route(self, runtime: EdgeRuntime | None, scope: Scope, receive: Receive, send: Send) -> None:
        """The routes (through idempotency when the request carries a key), with the body limit."""
        limit = self.max_body_bytes
        received = 0

        async def limited_receive() -> Message:
            # A chunked body has no Content-Length: count it as it arrives. The error raised here
            # surfaces where the route reads the body and leaves through the error handlers.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BadRequest(f"The request body exceeds {limit} bytes", limit=limit)
            return message

        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        access = scope.get(authorization.SCOPE_KEY)
        key = idempotency.key_of(scope) if access is not None and runtime is not None else None
        try:
            if key is None:
                await self.app(scope, limited_receive, tracked_send)
            else:
                assert runtime is not None and access is not None
                await idempotency.call(self.app, runtime, access, key, scope, limited_receive, tracked_send)
        except ServiceError as error:
            if started:
                raise
            await _refuse(send, error)
        except Exception:
            # Answered here rather than by Starlette's outermost handler, which sends the 500 and
            # then re-raises, so the server closes the kept-alive connection: a client's *next*
            # request on it would fail with a reset. A failure after the answer began cannot be
            # mended; then the connection has to go.
            if started:
                raise
            log.exception("unexpected failure in %s %s", scope["method"], scope["path"])
            await _refuse(send, InternalError("The server failed unexpectedly"))


async def _refuse(send: Send, error: ServiceError, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer with the error envelope before any route runs (the routes' handlers are not reached)."""
    body = orjson.dumps({"errors": [item.to_dict() for item in error.errors()]})
    headers = [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    headers += extra or []
    await send({"type": "http.response.start", "status": status_of(error), "headers": headers})
    await send({"type": "http.response.body", "body": body})
