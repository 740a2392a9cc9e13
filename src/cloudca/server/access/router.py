"""Administration reads: service connections, organizations, environments, users (API-CONTRACT 3)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access import representations as rep
from cloudca.server.access import schemas as docs
from cloudca.server.access.models import Environment, Organization, ServiceConnection, User
from cloudca.server.access.service import Caller
from cloudca.server.api.deps import CallerDep, ListParamsDep, RuntimeDep
from cloudca.server.api.envelope import JSONResponse, listing, single
from cloudca.server.api.paging import page_in_memory, uuid_filter
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single
from cloudca.server.errors import NotFound

router = APIRouter(tags=["administration"], responses=ERROR_RESPONSES)


@router.get("/v1/services/connections", response_model=Listing[docs.ServiceConnection])
async def list_service_connections(
    runtime: RuntimeDep, _caller: CallerDep, params: ListParamsDep
) -> JSONResponse:
    """List the service connections."""
    async with runtime.database.session() as session:
        rows = (
            await session.execute(select(ServiceConnection).order_by(ServiceConnection.service_code))
        ).scalars()
        items = [rep.service_connection(row) for row in rows]
    page, metadata = page_in_memory(items, params)
    return listing(page, metadata)


@router.get("/v1/services/connections/{connection_id}", response_model=Single[docs.ServiceConnection])
async def get_service_connection(connection_id: str, runtime: RuntimeDep, _caller: CallerDep) -> JSONResponse:
    """Retrieve a service connection (an object, not D's one-element array)."""
    async with runtime.database.session() as session:
        row = await session.get(ServiceConnection, connection_id.lower())
        if row is None:
            raise NotFound("serviceConnections", connection_id)
        return single(rep.service_connection(row))


async def _visible_organizations(
    session: AsyncSession, runtime: RuntimeDep, caller: Caller
) -> list[Organization]:
    rows = (await session.execute(select(Organization).order_by(Organization.created_at))).scalars()
    return [row for row in rows if await runtime.access.may_access_organization(session, caller, row.id)]


@router.get("/v1/organizations", response_model=Listing[docs.Organization])
async def list_organizations(runtime: RuntimeDep, caller: CallerDep, params: ListParamsDep) -> JSONResponse:
    """The caller's organization, and its sub-organizations for organization admins."""
    async with runtime.database.session() as session:
        items = [
            await rep.organization(session, row)
            for row in await _visible_organizations(session, runtime, caller)
        ]
    page, metadata = page_in_memory(items, params)
    return listing(page, metadata)


@router.get("/v1/organizations/{organization_id}", response_model=Single[docs.Organization])
async def get_organization(organization_id: str, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """Retrieve an organization."""
    async with runtime.database.session() as session:
        row = await session.get(Organization, organization_id.lower())
        if row is None or not await runtime.access.may_access_organization(session, caller, row.id):
            raise NotFound("organizations", organization_id)
        return single(await rep.organization(session, row))


async def _visible_environments(
    session: AsyncSession, runtime: RuntimeDep, caller: Caller
) -> list[Environment]:
    rows = (await session.execute(select(Environment).order_by(Environment.created_at))).scalars()
    visible = []
    for row in rows:
        if await runtime.access.role_of(session, caller, row) is not None:
            visible.append(row)
    return visible


@router.get("/v1/environments", response_model=Listing[docs.Environment])
async def list_environments(runtime: RuntimeDep, caller: CallerDep, params: ListParamsDep) -> JSONResponse:
    """Environments the caller is a member of (all of the organization's for its admins)."""
    async with runtime.database.session() as session:
        items = [
            await rep.environment(session, row)
            for row in await _visible_environments(session, runtime, caller)
        ]
    page, metadata = page_in_memory(items, params)
    return listing(page, metadata)


@router.get("/v1/environments/{environment_id}", response_model=Single[docs.Environment])
async def get_environment(environment_id: str, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """Retrieve an environment, including ``serviceConnection.serviceCode`` (what Terraform needs)."""
    async with runtime.database.session() as session:
        row = await session.get(Environment, environment_id.lower())
        if row is None or await runtime.access.role_of(session, caller, row) is None:
            raise NotFound("environments", environment_id)
        return single(await rep.environment(session, row))


@router.get("/v1/users", response_model=Listing[docs.User])
async def list_users(
    request: Request, runtime: RuntimeDep, caller: CallerDep, params: ListParamsDep
) -> JSONResponse:
    """Users the caller may see; filter ``organizationId`` (Terraform's)."""
    organization_id = uuid_filter(request, "organizationId")
    async with runtime.database.session() as session:
        query = select(User).order_by(User.user_name)
        if organization_id is not None:
            query = query.where(User.organization_id == organization_id)
        rows = list((await session.execute(query)).scalars())
        visible = [row for row in rows if await _may_see_user(session, runtime, caller, row)]
        items = [await rep.user(session, row, detailed=False) for row in visible]
    page, metadata = page_in_memory(items, params)
    return listing(page, metadata)


@router.get("/v1/users/{user_id}", response_model=Single[docs.User])
async def get_user(user_id: str, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """Retrieve a user."""
    async with runtime.database.session() as session:
        row = await session.get(User, user_id.lower())
        if row is None or not await _may_see_user(session, runtime, caller, row):
            raise NotFound("users", user_id)
        return single(await rep.user(session, row, detailed=True))


async def _may_see_user(session: AsyncSession, runtime: RuntimeDep, caller: Caller, row: User) -> bool:
    if row.id == caller.user_id:
        return True
    return caller.is_org_admin and await runtime.access.may_access_organization(
        session, caller, row.organization_id
    )
