"""Administration: users (API-CONTRACT 3.4) and their API keys (a cloudca extension)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from cloudca.server.access import api_keys, users
from cloudca.server.access import listing as lists
from cloudca.server.access import representations as rep
from cloudca.server.access import schemas as docs
from cloudca.server.access.bodies import CreateApiKey, UserBody
from cloudca.server.api.body import read_model
from cloudca.server.api.deps import CallerDep, ListParamsDep, RuntimeDep
from cloudca.server.api.envelope import JSONResponse, listing, single
from cloudca.server.api.paging import uuid_filter
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single

router = APIRouter(tags=["administration"], responses=ERROR_RESPONSES)


@router.get("/v1/users", response_model=Listing[docs.User])
async def list_users(
    request: Request, runtime: RuntimeDep, caller: CallerDep, params: ListParamsDep
) -> JSONResponse:
    """Users the caller may see (only themselves without admin rights); filter ``organizationId``."""
    organization_id = uuid_filter(request, "organizationId")
    async with runtime.database.session() as session:
        return listing(*await lists.users(session, caller, params, organization_id))


@router.get("/v1/users/{user_id}", response_model=Single[docs.User])
async def get_user(user_id: str, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """Retrieve a user."""
    async with runtime.database.session() as session:
        row = await users.visible(session, runtime.access, caller, user_id)
        return single(await rep.user(session, row, detailed=True))


@router.post("/v1/users", response_model=Single[docs.User])
async def create_user(request: Request, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """Create a user, with system and environment roles (by id, or by name)."""
    body = await read_model(request, UserBody)
    async with runtime.database.transaction() as session:
        row = await users.create(session, runtime.access, caller, body)
        return single(await rep.user(session, row, detailed=True))


@router.put("/v1/users/{user_id}", response_model=Single[docs.User])
async def update_user(user_id: str, request: Request, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """Update a user; ``roles`` replaces all of their roles."""
    body = await read_model(request, UserBody)
    async with runtime.database.transaction() as session:
        row = await users.administered(session, runtime.access, caller, user_id)
        await users.update(session, runtime.access, caller, row, body)
        return single(await rep.user(session, row, detailed=True))


@router.delete("/v1/users/{user_id}", status_code=204, response_class=Response)
async def delete_user(user_id: str, runtime: RuntimeDep, caller: CallerDep) -> Response:
    """Delete a user and their API keys (refused at once in every process)."""
    async with runtime.database.transaction() as session:
        row = await users.administered(session, runtime.access, caller, user_id)
        await users.delete_user(session, caller, row)
    return Response(status_code=204)


@router.post("/v1/users/{user_id}/unlock", response_model=Single[docs.User])
async def unlock_user(user_id: str, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """Make a user ACTIVE again."""
    async with runtime.database.transaction() as session:
        row = await users.administered(session, runtime.access, caller, user_id)
        await users.unlock(session, row)
        return single(await rep.user(session, row, detailed=True))


@router.get("/v1/users/{user_id}/apikeys", response_model=Listing[docs.ApiKey])
async def list_api_keys(
    user_id: str, runtime: RuntimeDep, caller: CallerDep, params: ListParamsDep
) -> JSONResponse:
    """A user's API keys, without their secrets (cloudca extension)."""
    async with runtime.database.session() as session:
        owner = await users.visible(session, runtime.access, caller, user_id)
        return listing(*await lists.keys(session, owner, params))


@router.get("/v1/users/{user_id}/apikeys/{key_id}", response_model=Single[docs.ApiKey])
async def get_api_key(user_id: str, key_id: str, runtime: RuntimeDep, caller: CallerDep) -> JSONResponse:
    """One API key, without its secret (cloudca extension)."""
    async with runtime.database.session() as session:
        owner = await users.visible(session, runtime.access, caller, user_id)
        return single(api_keys.represent(await api_keys.get_key(session, owner, key_id)))


@router.post("/v1/users/{user_id}/apikeys", response_model=Single[docs.NewApiKey])
async def create_api_key(
    user_id: str, request: Request, runtime: RuntimeDep, caller: CallerDep
) -> JSONResponse:
    """A new API key; its secret (``apiKey``) is in this answer only (cloudca extension)."""
    body = await read_model(request, CreateApiKey)
    async with runtime.database.transaction() as session:
        owner = await users.visible(session, runtime.access, caller, user_id)
        return single(await api_keys.create(session, owner, body.name))


@router.delete("/v1/users/{user_id}/apikeys/{key_id}", status_code=204, response_class=Response)
async def revoke_api_key(user_id: str, key_id: str, runtime: RuntimeDep, caller: CallerDep) -> Response:
    """Revoke an API key: refused by every process from this answer on (cloudca extension)."""
    async with runtime.database.transaction() as session:
        owner = await users.visible(session, runtime.access, caller, user_id)
        await api_keys.revoke(session, await api_keys.get_key(session, owner, key_id))
    return Response(status_code=204)
