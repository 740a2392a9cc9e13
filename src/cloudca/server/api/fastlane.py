"""A lean lane for the hottest reads: a task, an instance, and a page of instances.

Why: for these requests FastAPI's routing and dependency resolution cost more than the work
itself. The lane is not a second edge: it serves only routes of the routers themselves, matched
with those routes' own compiled paths (``_served``), and answers with the same pieces the routed
endpoints use: the caller and environment the edge resolved (``api.authorization``), the same
query parser (``paging.list_params``), the same service functions, and the same envelopes and
response class (``api.envelope``). It answers only when it can give exactly the 200 the route
would give; everything else (an unknown key or id, ``?wait=``, filters, sorting, any error) goes on
to the routes, which stay the documented API and the only place errors are answered.
``tests/api/test_fastlane.py`` compares both answers byte for byte on every route the lane serves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from fastapi.routing import APIRoute, APIRouter
from starlette.requests import Request
from starlette.responses import Response

from cloudca.server.api.authorization import RequestAccess
from cloudca.server.api.envelope import JSONResponse, listing, single
from cloudca.server.api.paging import list_params
from cloudca.server.api.state import EdgeRuntime
from cloudca.server.errors import ServiceError
from cloudca.server.instances import service as instances
from cloudca.server.tasks import service as tasks

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
Lane = Callable[[EdgeRuntime, RequestAccess, Scope, dict[str, Any]], Awaitable[Response | None]]

#: The only query keys of a page the lane serves: the unsorted, unfiltered page (statements built once).
_PAGE_KEYS = frozenset({"page_size", "page_number"})


async def answer(
    served: LeanLane, runtime: EdgeRuntime, access: RequestAccess, scope: Scope, send: Send
) -> bool:
    """Answer a GET the lane handles and return True; otherwise send nothing and return False.

    ``access`` is the edge's resolution of the request (``api.authorization``): the lane answers
    with the same caller and environment the routes would use, never a resolution of its own."""
    path: str = scope["path"]
    for pattern, lane in served.lanes:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        try:
            response = await lane(runtime, access, scope, match.groupdict())
        except ServiceError:
            return False  # the routed endpoint answers it, with the contract's error envelope
        if response is None:
            return False
        await response(scope, _no_body, send)
        return True
    return False


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _task(
    runtime: EdgeRuntime, access: RequestAccess, scope: Scope, params: dict[str, Any]
) -> Response | None:
    if scope["query_string"]:
        return None  # ``?wait=`` and anything else: the route
    task_id = str(params["task_id"]).lower()
    inline = runtime.database.inline_reads
    if inline is not None:
        with inline.snapshot() as reader:
            task = await tasks.get_task(reader, task_id)
    else:
        async with runtime.database.read() as connection:
            task = await tasks.get_task(connection, task_id)
    # Outside the snapshot: the check may query (once per caller and environment).
    if not await runtime.access.may_see_task(
        runtime.database, access.caller, task.organization_id, task.environment_id
    ):
        return None
    return JSONResponse(tasks.represent(task, runtime.tasks.secrets))


async def _instance(
    runtime: EdgeRuntime, access: RequestAccess, scope: Scope, params: dict[str, Any]
) -> Response | None:
    if scope["query_string"] or access.environment is None:
        return None
    environment, instance_id = access.environment, str(params["instance_id"])
    inline = runtime.database.inline_reads
    if inline is not None:
        # On SQLite: the same service function, over sqlite3 itself (``db.inline_reads``). It
        # never suspends, so no other request runs between BEGIN and COMMIT.
        with inline.snapshot() as reader:
            return single(await instances.get_instance(reader, environment, instance_id))
    async with runtime.database.read() as connection:
        return single(await instances.get_instance(connection, environment, instance_id))


async def _page(
    runtime: EdgeRuntime, access: RequestAccess, scope: Scope, _params: dict[str, Any]
) -> Response | None:
    request = Request(scope)
    if access.environment is None or not request.query_params or set(request.query_params) - _PAGE_KEYS:
        return None
    paging = await list_params(request)  # the route's own parser: a bad value raises as there
    if paging.page_size is None:
        return None
    environment = access.environment
    inline = runtime.database.inline_reads
    if inline is not None:
        with inline.snapshot() as reader:
            items, metadata = await instances.list_instances(reader, environment, paging, {})
    else:
        async with runtime.database.read() as connection:
            items, metadata = await instances.list_instances(connection, environment, paging, {})
    return listing(items, metadata)


#: Which GET route each lane serves, named by the route's endpoint (module, function): the
#: composition root hands the routers over (``LeanLane``), so the edge imports no router.
_LANES: dict[tuple[str, str], Lane] = {
    ("cloudca.server.tasks.router", "get_task"): _task,
    ("cloudca.server.instances.router", "get_instance"): _instance,
    ("cloudca.server.instances.router", "list_instances"): _page,
}


def _endpoint(route: APIRoute) -> tuple[str, str]:
    return route.endpoint.__module__, route.endpoint.__name__


class LeanLane:
    """The routes the lane serves, taken from the application's routers: their compiled paths
    are the lane's paths."""

    def __init__(self, routers: Iterable[APIRouter]) -> None:
        self.routes = tuple(
            route
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute) and _endpoint(route) in _LANES and "GET" in (route.methods or ())
        )
        if len(self.routes) != len(_LANES):
            raise RuntimeError("a route of the lean lane is missing from the routers")
        #: Each lane with the compiled path of the route it serves.
        self.lanes = tuple((route.path_regex, _LANES[_endpoint(route)]) for route in self.routes)
