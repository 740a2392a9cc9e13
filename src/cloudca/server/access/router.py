"""Administration: service connections and organizations (API-CONTRACT 3.1, 3.2).

Synchronous: the ``data`` envelope, never tasks; DELETE answers 204 with an empty body.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from cloudca.server.access import listing as lists
from cloudca.server.access import organizations
from cloudca.server.access import representations as rep
from cloudca.server.access import schemas as docs
from cloudca.server.access.bodies import OrganizationBody
from cloudca.server.access.models import ServiceConnection
from cloudca.server.api.body import read_model
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


@router.get("/v1/organizations", response_model=Listing[docs.Organization])
async def list_organizations(runtime: RuntimeDep, caller: CallerDep, params: ListParamsDep) -> JSONResponse:
    """The caller's organization, and the organizations below it for organization admins."""
    async with runtime.database.session() as session:
        return listing(*await lists.organizations(session, caller, params))


@router.get("/v1/organizations/{organization_id}", response_model=Single[docs.Organization])
async def get_organization(organization_id: str, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """Retrieve an organization."""
    async with runtime.database.session() as session:
        row = await organizations.visible(session, runtime.access, caller, organization_id)
        return single(await rep.organization(session, row))


@router.post("/v1/organizations", response_model=Single[docs.Organization])
async def create_organization(request: Request, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """Create a sub-organization (of the caller's, or of ``parent.id`` below it)."""
    body = await read_model(request, OrganizationBody)
    async with runtime.database.transaction() as session:
        row = await organizations.create(session, runtime.access, caller, body)
        return single(await rep.organization(session, row))


@router.put("/v1/organizations/{organization_id}", response_model=Single[docs.Organization])
async def update_organization(
    organization_id: str, request: Request, runtime: RuntimeDep, caller: CallerDep
) -> JSONResponse:
    """Update an organization's name and entry point (its parent cannot change)."""
    body = await read_model(request, OrganizationBody)
    async with runtime.database.transaction() as session:
        row = await organizations.administered(session, runtime.access, caller, organization_id)
        await organizations.update(session, row, body)
        return single(await rep.organization(session, row))


@router.delete("/v1/organizations/{organization_id}", status_code=204, response_class=Response)
async def delete_organization(organization_id: str, runtime: RuntimeDep, caller: CallerDep) -> Response:
    """Delete an organization without sub-organizations or environments (not the caller's own)."""
    async with runtime.database.transaction() as session:
        row = await organizations.administered(session, runtime.access, caller, organization_id)
        await organizations.delete_organization(session, caller, row)
    return Response(status_code=204)
