"""A lean lane for the hottest reads: a task, an instance, and the default page of instances.

Why: for these requests FastAPI's routing and dependency resolution cost more than the work
itself. The lane answers only when it can give exactly the 200 the routed endpoint would give,
from the same functions: the caller and the environment resolved by the access service as the
routes resolve them (with its cache), and a query string the lane understands. Everything else
(an unknown key or id, ``?wait=``, filters, any error) goes on to the FastAPI routes, which stay
the documented API and the only place errors are answered.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudca.server.access.service import Caller, EnvironmentScope
from cloudca.server.api.envelope import MEDIA_TYPE
from cloudca.server.api.paging import ListParams
from cloudca.server.db.inline_reads import InlineReads
from cloudca.server.errors import ServiceError
from cloudca.server.instances import service as instances
from cloudca.server.runtime import Runtime
from cloudca.server.tasks import service as tasks

Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_TASK = re.compile(r"/v1/tasks/([0-9A-Fa-f-]{36})")
_INSTANCES = re.compile(r"/v1/services/([^/]+)/([^/]+)/instances(?:/([0-9A-Fa-f-]{36}))?")
_PAGE = re.compile(rb"page_size=([1-9][0-9]{0,5})(?:&page_number=([1-9][0-9]{0,5}))?")
_HEADERS = [(b"content-type", MEDIA_TYPE.encode())]


async def answer(scope: Scope, send: Send) -> bool:
    """Answer a GET the lane handles and return True; otherwise send nothing and return False."""
    app = scope.get("app")
    runtime: Runtime | None = getattr(getattr(app, "state", None), "runtime", None)
    if runtime is None:
        return False
    api_key = _api_key(scope["headers"])
    if not api_key:
        return False
    path: str = scope["path"]
    query: bytes = scope["query_string"]
    try:
        caller = runtime.access.cached_caller(api_key)
        if caller is None:
            # Resolved here rather than left to the routes: when the cache entry expires, every
            # request in flight would otherwise take the slow path at once (the p99's spikes).
            caller = await runtime.access.authenticate(runtime.database, api_key)
        body = await _body(runtime, caller, path, query)
    except ServiceError:
        return False  # the routed endpoint answers it, with the contract's error envelope
    if body is None:
        return False
    content = orjson.dumps(body)
    headers = [*_HEADERS, (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": content})
    return True


@dataclass(frozen=True)
class _Request:
    """What the lane was asked for: a task, an instance, or a page (``params``) of instances."""

    task_id: str | None = None
    environment: EnvironmentScope | None = None
    instance_id: str | None = None
    params: ListParams | None = None


async def _body(runtime: Runtime, caller: Caller, path: str, query: bytes) -> dict[str, Any] | None:
    request = await _parse(runtime, caller, path, query)
    if request is None:
        return None
    inline = runtime.database.inline_reads
    if inline is not None:
        # On SQLite: the same service functions, over sqlite3 itself (``db.inline_reads``). None
        # of them suspends, so no other request runs between BEGIN and COMMIT.
        with inline.snapshot() as reader:
            return await _read(reader, caller, request)
    async with runtime.database.read() as connection:
        return await _read(connection, caller, request)


async def _parse(runtime: Runtime, caller: Caller, path: str, query: bytes) -> _Request | None:
    """The request, if the lane handles it, with its environment resolved (before any read opens:
    resolving may suspend)."""
    task = _TASK.fullmatch(path)
    if task is not None:
        return None if query else _Request(task_id=task.group(1).lower())
    match = _INSTANCES.fullmatch(path)
    if match is None:
        return None
    service_code, environment_name, instance_id = match.groups()
    page = None
    if instance_id is None:
        page = _PAGE.fullmatch(query)
        if page is None:
            return None
    elif query:
        return None
    environment = runtime.access.cached_scope(caller.user_id, service_code, environment_name, None)
    if environment is None:
        environment = await runtime.access.scope(
            runtime.database, caller, service_code, environment_name, None
        )
    if page is None:
        return _Request(environment=environment, instance_id=instance_id)
    params = ListParams(page_number=int(page.group(2) or 1), page_size=int(page.group(1)))
    return _Request(environment=environment, params=params)


async def _read(
    reader: AsyncConnection | InlineReads, caller: Caller, request: _Request
) -> dict[str, Any] | None:
    if request.task_id is not None:
        return tasks.represent(await tasks.get_task(reader, request.task_id, caller.organization_id))
    assert request.environment is not None
    if request.instance_id is not None:
        return {"data": await instances.get_instance(reader, request.environment, request.instance_id)}
    assert request.params is not None
    items, metadata = await instances.list_instances(reader, request.environment, request.params, {})
    return {"data": items, "metadata": metadata}


def _api_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        # ASGI servers lowercase header names.
        if name == b"mc-api-key":
            return value.decode("latin-1")
    return None
