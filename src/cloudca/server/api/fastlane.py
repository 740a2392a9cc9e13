"""A lean lane for the hottest reads: a task, an instance, and the default page of instances.

Why: for these requests FastAPI's routing and dependency resolution cost more than the work
itself. The lane answers only when it can give exactly the 200 the routed endpoint would give,
from the same functions: the caller and the environment the edge resolved for the routes
(``api.authorization``), the same visibility rule for tasks, and a query string the lane
understands. Everything else
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

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.api.authorization import RequestAccess
from cloudca.server.api.envelope import MEDIA_TYPE
from cloudca.server.api.paging import ListParams
from cloudca.server.api.state import EdgeRuntime
from cloudca.server.db.inline_reads import InlineReads
from cloudca.server.errors import ServiceError
from cloudca.server.instances import service as instances
from cloudca.server.tasks import service as tasks

Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_TASK = re.compile(r"/v1/tasks/([0-9A-Fa-f-]{36})")
_INSTANCES = re.compile(r"/v1/services/([^/]+)/([^/]+)/instances(?:/([0-9A-Fa-f-]{36}))?")
_PAGE = re.compile(rb"page_size=([1-9][0-9]{0,5})(?:&page_number=([1-9][0-9]{0,5}))?")
_HEADERS = [(b"content-type", MEDIA_TYPE.encode())]


async def answer(runtime: EdgeRuntime, access: RequestAccess, scope: Scope, send: Send) -> bool:
    """Answer a GET the lane handles and return True; otherwise send nothing and return False.

    ``access`` is the edge's resolution of the request (``api.authorization``): the lane answers
    with the same caller and environment the routes would use, never a resolution of its own."""
    path: str = scope["path"]
    query: bytes = scope["query_string"]
    try:
        body = await _body(runtime, access, path, query)
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


async def _body(
    runtime: EdgeRuntime, access: RequestAccess, path: str, query: bytes
) -> dict[str, Any] | None:
    request = _parse(access, path, query)
    if request is None:
        return None
    inline = runtime.database.inline_reads
    if request.task_id is not None:
        if inline is not None:
            with inline.snapshot() as reader:
                task = await tasks.get_task(reader, request.task_id)
        else:
            async with runtime.database.read() as connection:
                task = await tasks.get_task(connection, request.task_id)
        # Outside the snapshot: the check may query (once per caller and environment).
        if not await runtime.access.may_see_task(
            runtime.database, access.caller, task.organization_id, task.environment_id
        ):
            return None
        return tasks.represent(task, runtime.tasks.secrets)
    if inline is not None:
        # On SQLite: the same service functions, over sqlite3 itself (``db.inline_reads``). None
        # of them suspends, so no other request runs between BEGIN and COMMIT.
        with inline.snapshot() as reader:
            return await _read(reader, request)
    async with runtime.database.read() as connection:
        return await _read(connection, request)


def _parse(access: RequestAccess, path: str, query: bytes) -> _Request | None:
    """The request, if the lane handles it."""
    task = _TASK.fullmatch(path)
    if task is not None:
        return None if query else _Request(task_id=task.group(1).lower())
    match = _INSTANCES.fullmatch(path)
    if match is None or access.environment is None:
        return None
    instance_id = match.group(3)
    if instance_id is not None:
        return None if query else _Request(environment=access.environment, instance_id=instance_id)
    page = _PAGE.fullmatch(query)
    if page is None:
        return None
    params = ListParams(page_number=int(page.group(2) or 1), page_size=int(page.group(1)))
    return _Request(environment=access.environment, params=params)


async def _read(reader: AsyncConnection | InlineReads, request: _Request) -> dict[str, Any] | None:
    assert request.environment is not None
    if request.instance_id is not None:
        return {"data": await instances.get_instance(reader, request.environment, request.instance_id)}
    assert request.params is not None
    items, metadata = await instances.list_instances(reader, request.environment, request.params, {})
    return {"data": items, "metadata": metadata}
