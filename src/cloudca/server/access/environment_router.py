"""Administration: environments (API-CONTRACT 3.3). Synchronous; DELETE answers 204."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from cloudca.server.access import environments
from cloudca.server.access import listing as lists
from cloudca.server.access import representations as rep
from cloudca.server.access import schemas as docs
from cloudca.server.access.bodies import CreateEnvironment, UpdateEnvironment
from cloudca.server.api.body import read_model
from cloudca.server.api.deps import CallerDep, ListParamsDep, RuntimeDep
from cloudca.server.api.envelope import JSONResponse, listing, single
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single
from cloudca.server.db.base import new_id

router = APIRouter(tags=["administration"], responses=ERROR_RESPONSES)


@router.get("/v1/environments", response_model=Listing[docs.Environment])
async def list_environments(runtime: RuntimeDep, caller: CallerDep, params: ListParamsDep) -> JSONResponse:
    """Environments the caller has a role in (all of their organizations' for organization admins)."""
    async with runtime.database.session() as session:
        return listing(*await lists.environments(session, caller, params))


@router.get("/v1/environments/{environment_id}", response_model=Single[docs.Environment])
async def get_environment(environment_id: str, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """Retrieve an environment, including ``serviceConnection.serviceCode`` (what Terraform needs)."""
    async with runtime.database.session() as session:
        row = await environments.visible(session, runtime.access, caller, environment_id)
        return single(await rep.environment(session, row))


@router.post("/v1/environments", response_model=Single[docs.Environment])
async def create_environment(request: Request, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """Create an environment with the three standard roles (the Go client's and Terraform's bodies,
    nulls and empty nested objects included)."""
    body = await read_model(request, CreateEnvironment)
    async with runtime.database.transaction() as session:
        row = await environments.create(session, runtime.access, caller, body)
        return single(await rep.environment(session, row))


@router.put("/v1/environments/{environment_id}", response_model=Single[docs.Environment])
@router.post(
    "/v1/environments/{environment_id}", response_model=Single[docs.Environment], include_in_schema=False
)
async def update_environment(
    environment_id: str, request: Request, runtime: RuntimeDep, caller: CallerDep
) -> JSONResponse:
    """Update an environment (PUT; POST as D's curl example does, 8.22)."""
    body = await read_model(request, UpdateEnvironment)
    async with runtime.database.transaction() as session:
        row = await environments.administered(session, runtime.access, caller, environment_id)
        await environments.update(session, runtime.access, caller, row, body)
        return single(await rep.environment(session, row))


@router.delete("/v1/environments/{environment_id}", status_code=204, response_class=Response)
async def delete_environment(environment_id: str, runtime: RuntimeDep, caller: CallerDep) -> Response:
    """Delete an environment: 404 from now on; a task destroys everything it held."""
    task_id = new_id()
    async with runtime.database.transaction() as session:
        row = await environments.administered(session, runtime.access, caller, environment_id)
        await environments.mark_deleted(session, row)
        runtime.tasks.new_task(
            session,
            kind=environments.DELETE_TASK,
            organization_id=row.organization_id,
            environment_id=None,
            entity_type="environments",
            entity_id=row.id,
            task_id=task_id,
        )
    runtime.tasks.dispatch(task_id)
    return Response(status_code=204)
