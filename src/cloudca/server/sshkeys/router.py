"""SSH key endpoints (6.16): list, get by name or id, register, delete."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cloudca.server.api.body import read_model
from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single, task_accepted
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single, TaskAccepted
from cloudca.server.sshkeys import schemas, service
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["sshkeys"], responses=ERROR_RESPONSES)
COLLECTION = "/v1/services/{service_code}/{environment_name}/sshkeys"
ITEM = COLLECTION + "/{name_or_id}"


@router.get(COLLECTION, response_model=Listing[schemas.SshKey])
async def list_ssh_keys(runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep) -> JSONResponse:
    """List the environment's SSH keys."""
    async with runtime.database.session() as session:
        return listing(*await service.list_keys(session, scope, params))


@router.get(ITEM, response_model=Single[schemas.SshKey])
async def get_ssh_key(name_or_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve an SSH key by its name (or its id), with its MD5 fingerprint."""
    async with runtime.database.session() as session:
        return single(service.represent(await service.get_key(session, scope, name_or_id)))


@router.post(COLLECTION, response_model=TaskAccepted)
async def register_ssh_key(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Register an OpenSSH public key under a name (``{name, publicKey}``)."""
    body = await read_model(request, service.RegisterSshKey)
    async with runtime.database.session() as session:
        payload = await service.check_register(session, scope, body)
    return task_accepted(
        await submit(runtime, scope, kind="sshkeys.create", entity_type=service.ENTITY, payload=payload)
    )


@router.delete(ITEM, response_model=TaskAccepted)
async def delete_ssh_key(name_or_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete an SSH key; instances that use it keep it installed."""
    async with runtime.database.session() as session:
        key = await service.get_key(session, scope, name_or_id)
        last = service.represent(key)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="sshkeys.delete",
            entity_type=service.ENTITY,
            entity_id=key.id,
            payload={"last": last},
        )
    )
