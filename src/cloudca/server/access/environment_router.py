"""Administration: environments (API-CONTRACT 3.3). Synchronous; DELETE answers 204."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from cloudca.server.access import environments
from cloudca.server.access import listing as lists
from cloudca.server.access import representations as rep
from cloudca.server.access import schemas as docs
from cloudca.server.access.bodies import CreateEnvironment, UpdateEnvironment
from cloudca.server.api.admin_routes import Administered, AdminRoutes
from cloudca.server.api.deps import CallerDep, RuntimeDep
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.db.base import new_id

router = APIRouter(tags=["administration"], responses=ERROR_RESPONSES)


ENVIRONMENTS = Administered(
    "/v1/environments",
    "environment_id",
    docs.Environment,
    environments.visible,
    environments.administered,
    rep.environment,
)
routes = AdminRoutes(router)
routes.list(
    ENVIRONMENTS,
    "list_environments",
    "Environments the caller has a role in (all of their organizations' for organization admins).",
    lists.environments,
)
routes.get(
    ENVIRONMENTS,
    "get_environment",
    "Retrieve an environment, including ``serviceConnection.serviceCode`` (what Terraform needs).",
)
routes.create(
    ENVIRONMENTS,
    "create_environment",
    "Create an environment with the three standard roles (the Go client's and Terraform's bodies,\n"
    "nulls and empty nested objects included).",
    body=CreateEnvironment,
    create=environments.create,
)
routes.update(
    ENVIRONMENTS,
    "update_environment",
    "Update an environment (PUT; POST as D's curl example does, 8.22).",
    body=UpdateEnvironment,
    update=environments.update,
    also_post=True,
)


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
