"""Pure ASGI middleware: path normalisation and the request body limit.

Written against raw ASGI rather than Starlette's BaseHTTPMiddleware: it runs on every request,
so it must cost next to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from cloudca.server.api import fastlane
from cloudca.server.api.envelope import MEDIA_TYPE
from cloudca.server.errors import BadRequest

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 1024 * 1024
_SLASHES = re.compile(r"/{2,}")


class EdgeMiddleware:
    """Collapses repeated slashes (G's base URL yields ``/v1//...``, 1.3), drops one trailing
    slash, and refuses bodies over 1 MiB with the error envelope before reading them whole."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

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
                    await _refuse(send, self.max_body_bytes)
                    return
                break
        if scope["method"] == "GET" and await fastlane.answer(scope, send):
            return
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

        await self.app(scope, limited_receive, send)


async def _refuse(send: Send, limit: int) -> None:
    error = BadRequest(f"The request body exceeds {limit} bytes", limit=limit)
    body = orjson.dumps({"errors": [error.to_dict()]})
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
