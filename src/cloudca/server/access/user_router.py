"""Administration: users (API-CONTRACT 3.4) and their API keys (a cloudca extension)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from starlette.responses import Response

from cloudca.server.access import api_keys, users
from cloudca.server.access import listing as lists
from cloudca.server.access import representations as rep
from cloudca.server.access import schemas as docs
from cloudca.server.access.bodies import CreateApiKey, UserBody
from cloudca.server.api.admin_routes import Administered, AdminRoutes
from cloudca.server.api.body import read_model
from cloudca.server.api.deps import CallerDep, ListParamsDep, RuntimeDep
from cloudca.server.api.envelope import JSONResponse, listing, single
from cloudca.server.api.routes import Filter
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single

router = APIRouter(tags=["administration"], responses=ERROR_RESPONSES)


USERS = Administered(
    "/v1/users", "user_id", docs.User, users.visible, users.administered, partial(rep.user, detailed=True)
)
routes = AdminRoutes(router)
routes.list(
    USERS,
    "list_users",
    "Users the caller may see (only themselves without admin rights); filter ``organizationId``.",
    lists.users,
    Filter("organizationId", keyword="organization_id"),
)
routes.get(USERS, "get_user", "Retrieve a user.")
routes.create(
    USERS,
    "create_user",
    "Create a user, with system and environment roles (by id, or by name).",
    body=UserBody,
    create=users.create,
)
routes.update(
    USERS,
    "update_user",
    "Update a user; ``roles`` replaces all of their roles.",
    body=UserBody,
    update=users.update,
)
routes.delete(
    USERS,
    "delete_user",
    "Delete a user and their API keys (refused at once in every process).",
    delete=users.delete_user,
)


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
