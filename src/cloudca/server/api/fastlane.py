"""A lean lane for the hottest reads: a task, an instance, and the default page of instances.

Why: for these requests FastAPI's routing and dependency resolution cost more than the work
itself. The lane answers only when it can give exactly the 200 the routed endpoint would give,
from the same service functions: the caller and the environment must already be in the access
service's cache, and the query string must be one the lane understands. Everything else (a first
request, an unknown id, ``?wait=``, filters, any error) goes on to the FastAPI routes, which stay
the documented API and the only place errors are answered.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudca.server.access.service import EnvironmentScope
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
    caller = runtime.access.cached_caller(api_key) if api_key else None
    if caller is None:
        return False
    path: str = scope["path"]
    query: bytes = scope["query_string"]
    try:
        body = await _body(runtime, caller.user_id, caller.organization_id, path, query)
    except ServiceError:
        return False  # the routed endpoint answers it, with the contract's error envelope
    if body is None:
        return False
    content = orjson.dumps(body)
    headers = [*_HEADERS, (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": content})
    return True


async def _body(
    runtime: Runtime, user_id: str, organization_id: str, path: str, query: bytes
) -> dict[str, Any] | None:
    inline = runtime.database.inline_reads
    if inline is not None:
        # On SQLite: the same service functions, over sqlite3 itself (``db.inline_reads``). None
        # of them suspends, so no other request runs between BEGIN and COMMIT.
        with inline.snapshot() as reader:
            return await _read(reader, runtime, user_id, organization_id, path, query)
    async with runtime.database.read() as connection:
        return await _read(connection, runtime, user_id, organization_id, path, query)


async def _read(
    reader: AsyncConnection | InlineReads,
    runtime: Runtime,
    user_id: str,
    organization_id: str,
    path: str,
    query: bytes,
) -> dict[str, Any] | None:
    task = _TASK.fullmatch(path)
    if task is not None:
        if query:
            return None
        return tasks.represent(await tasks.get_task(reader, task.group(1).lower(), organization_id))
    match = _INSTANCES.fullmatch(path)
    if match is None:
        return None
    service_code, environment_name, instance_id = match.groups()
    environment: EnvironmentScope | None = runtime.access.cached_scope(
        user_id, service_code, environment_name, None
    )
    if environment is None:
        return None
    if instance_id is not None:
        if query:
            return None
        return {"data": await instances.get_instance(reader, environment, instance_id)}
    page = _PAGE.fullmatch(query)
    if page is None:
        return None
    params = ListParams(page_number=int(page.group(2) or 1), page_size=int(page.group(1)))
    items, metadata = await instances.list_instances(reader, environment, params, {})
    return {"data": items, "metadata": metadata}


def _api_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        # ASGI servers lowercase header names.
        if name == b"mc-api-key":
            return value.decode("latin-1")
    return None
