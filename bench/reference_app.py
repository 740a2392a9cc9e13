"""The reference: a bare ASGI callable that answers cloudca's routes with fixed bodies.

It runs on the same stack as cloudca (uvicorn with uvloop and httptools), checks the ``MC-Api-Key``
header, reads request bodies, and does nothing else, so it bounds from above what any application on
this stack can reach on this machine. Start it with::

    BENCH_API_KEY=secret uvicorn bench.reference_app:app --loop uvloop --http httptools --no-access-log
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from bench import bodies

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

API_KEY = os.environ.get("BENCH_API_KEY", "bench-key").encode()

INSTANCE = bodies.instance_body()
INSTANCE_LIST = bodies.instance_list_body()
TASK_ENVELOPE = bodies.task_envelope_body()
TASK = bodies.task_body()
UNAUTHORIZED = bodies.error_body(401, "UNAUTHORIZED", "Missing or unknown MC-Api-Key")
NOT_FOUND = bodies.error_body(404, "NOT_FOUND", "No such route")
_CONTENT_TYPE = (b"content-type", b"application/json; charset=utf-8")


def route(method: str, path: str) -> tuple[int, bytes]:
    """Pick the fixed answer for a request line; ``/v1/services/{code}/{env}/instances[/{id}]``."""
    parts = path.split("/")
    if len(parts) == 4 and parts[1] == "v1" and parts[2] == "tasks" and method == "GET":
        return 200, TASK
    if len(parts) in (6, 7) and parts[1] == "v1" and parts[2] == "services" and parts[5] == "instances":
        if len(parts) == 7 and method == "GET":
            return 200, INSTANCE
        if len(parts) == 6 and method == "GET":
            return 200, INSTANCE_LIST
        if len(parts) == 6 and method == "POST":
            return 200, TASK_ENVELOPE
    return 404, NOT_FOUND


async def _drain_body(receive: Receive) -> None:
    more = True
    while more:
        message = await receive()
        more = bool(message.get("more_body", False))


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI entry point."""
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    method: str = scope["method"]
    if method in ("POST", "PUT", "DELETE"):
        await _drain_body(receive)
    key = next((value for name, value in scope["headers"] if name == b"mc-api-key"), None)
    if key != API_KEY:
        status, body = 401, UNAUTHORIZED
    else:
        status, body = route(method, scope["path"])
    headers = [_CONTENT_TYPE, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
