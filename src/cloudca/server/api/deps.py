"""FastAPI dependencies of the edge: the runtime, the caller and environment the edge resolved,
list parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cloudca.server.access.service import Caller, EnvironmentScope
from cloudca.server.api.authorization import SCOPE_KEY, RequestAccess
from cloudca.server.api.paging import ListParams, list_params
from cloudca.server.api.state import EdgeRuntime
from cloudca.server.errors import InternalError, Unauthorized


# Dependencies are ``async`` even when they do not await: FastAPI runs plain functions in a thread
# pool, a hand-off that costs more than the work.
async def get_runtime(request: Request) -> EdgeRuntime:
    runtime: EdgeRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[EdgeRuntime, Depends(get_runtime)]


def _access(request: Request) -> RequestAccess:
    access: RequestAccess | None = request.scope.get(SCOPE_KEY)
    if access is None:
        # Only a route outside ``/v1/`` gets here: those are public and must not ask for a caller.
        raise Unauthorized("The MC-Api-Key header is missing")
    return access


async def get_caller(request: Request) -> Caller:
    """The caller the edge authenticated (``api.authorization``)."""
    return _access(request).caller


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_scope(request: Request, service_code: str, environment_name: str) -> EnvironmentScope:
    """The environment the edge resolved and authorized for this path (``api.authorization``);
    the path parameters are declared here so that every environment route documents them."""
    environment = _access(request).environment
    if environment is None:
        raise InternalError(f"No environment was resolved for {service_code}/{environment_name}")
    return environment


ScopeDep = Annotated[EnvironmentScope, Depends(get_scope)]
ListParamsDep = Annotated[ListParams, Depends(list_params)]
