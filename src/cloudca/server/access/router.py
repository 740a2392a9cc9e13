"""Administration: service connections and organizations (API-CONTRACT 3.1, 3.2).

Synchronous: the ``data`` envelope, never tasks; DELETE answers 204 with an empty body.
"""

from __future__ import annotations

from fastapi import APIRouter

from cloudca.server.access import listing as lists
from cloudca.server.access import organizations
from cloudca.server.access import representations as rep
from cloudca.server.access import schemas as docs
from cloudca.server.access.bodies import OrganizationBody
from cloudca.server.access.models import ServiceConnection
from cloudca.server.api.admin_routes import Administered, AdminRoutes
from cloudca.server.api.deps import CallerDep, ListParamsDep, RuntimeDep
from cloudca.server.api.envelope import JSONResponse, listing, single
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single
from cloudca.server.errors import NotFound

router = APIRouter(tags=["administration"], responses=ERROR_RESPONSES)


@router.get("/v1/services/connections", response_model=Listing[docs.ServiceConnection])
async def list_service_connections(
    runtime: RuntimeDep, _caller: CallerDep, params: ListParamsDep
) -> JSONResponse:
    """List the service connections."""
    async with runtime.database.session() as session:
        return listing(*await lists.service_connections(session, params))


@router.get("/v1/services/connections/{connection_id}", response_model=Single[docs.ServiceConnection])
async def get_service_connection(connection_id: str, runtime: RuntimeDep, _caller: CallerDep) -> JSONResponse:
    """Retrieve a service connection (an object, not D's one-element array)."""
    async with runtime.database.session() as session:
        row = await session.get(ServiceConnection, connection_id.lower())
        if row is None:
            raise NotFound("serviceConnections", connection_id)
        return single(rep.service_connection(row))


ORGANIZATIONS = Administered(
    "/v1/organizations",
    "organization_id",
    docs.Organization,
    organizations.visible,
    organizations.administered,
    rep.organization,
)
routes = AdminRoutes(router)
routes.list(
    ORGANIZATIONS,
    "list_organizations",
    "The caller's organization, and the organizations below it for organization admins.",
    lists.organizations,
)
routes.get(ORGANIZATIONS, "get_organization", "Retrieve an organization.")
routes.create(
    ORGANIZATIONS,
    "create_organization",
    "Create a sub-organization (of the caller's, or of ``parent.id`` below it).",
    body=OrganizationBody,
    create=organizations.create,
)
routes.update(
    ORGANIZATIONS,
    "update_organization",
    "Update an organization's name and entry point (its parent cannot change).",
    body=OrganizationBody,
    update=organizations.update,
)
routes.delete(
    ORGANIZATIONS,
    "delete_organization",
    "Delete an organization without sub-organizations or environments (not the caller's own).",
    delete=organizations.delete_organization,
)
