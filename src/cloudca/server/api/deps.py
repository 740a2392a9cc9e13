"""FastAPI dependencies of the edge: the runtime, the caller, the environment scope, list parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cloudca.server.access.service import Caller, EnvironmentScope
from cloudca.server.api.paging import ListParams, list_params
from cloudca.server.errors import Forbidden
from cloudca.server.runtime import Runtime


# Dependencies are ``async`` even when they do not await: FastAPI runs plain functions in a thread
# pool, a hand-off that costs more than the work.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_caller(request: Request, runtime: RuntimeDep) -> Caller:
    # Header names are case-insensitive in Starlette's Headers.
    return await runtime.access.authenticate(runtime.database, request.headers.get("mc-api-key"))


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_scope(request: Request, service_code: str, environment_name: str) -> EnvironmentScope:
    # Resolves the runtime and the caller itself rather than through sub-dependencies: every
    # nested dependency costs FastAPI a resolution pass per request, on every environment route.
    runtime: Runtime = request.app.state.runtime
    caller = await get_caller(request, runtime)
    scope = await runtime.access.scope(
        runtime.database, caller, service_code, environment_name, request.query_params.get("org_id")
    )
    if request.method != "GET" and not scope.can_write:
        raise Forbidden("Your role in this environment is read-only", permission="write")
    return scope


ScopeDep = Annotated[EnvironmentScope, Depends(get_scope)]
ListParamsDep = Annotated[ListParams, Depends(list_params)]
