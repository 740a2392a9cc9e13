"""Affinity group endpoints (6.17), with the ``type`` filter the Terraform provider relies on."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cloudca.server.api.body import read_model
from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single, task_accepted
from cloudca.server.api.paging import choice_filter
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single, TaskAccepted
from cloudca.server.errors import UnknownOperation
from cloudca.server.placement import affinity, schemas
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["affinitygroups"], responses=ERROR_RESPONSES)
COLLECTION = "/v1/services/{service_code}/{environment_name}/affinitygroups"
ITEM = COLLECTION + "/{group_id}"


@router.get(COLLECTION, response_model=Listing[schemas.AffinityGroup])
async def list_affinity_groups(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List affinity groups; filter ``type`` (``host anti-affinity`` or ``ExplicitDedication``)."""
    group_type = choice_filter(request, "type", affinity.TYPES)
    async with runtime.database.session() as session:
        return listing(*await affinity.list_groups(session, scope, params, group_type))


@router.get(ITEM, response_model=Single[schemas.AffinityGroup])
async def get_affinity_group(group_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve an affinity group with its members."""
    async with runtime.database.session() as session:
        group = await affinity.get_group(session, scope, group_id)
        return single(await affinity.represent(session, group))


@router.post(COLLECTION, response_model=TaskAccepted)
async def create_affinity_group(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Create a ``host anti-affinity`` group, optionally with members (``instanceIds``)."""
    body = await read_model(request, affinity.CreateAffinityGroup)
    async with runtime.database.session() as session:
        payload = await affinity.check_create(session, scope, body)
    return task_accepted(
        await submit(
            runtime, scope, kind="affinitygroups.create", entity_type=affinity.ENTITY, payload=payload
        )
    )


@router.put(ITEM, response_model=TaskAccepted)
@router.post(ITEM, response_model=TaskAccepted)
async def update_affinity_group(
    group_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """Rename, redescribe, or replace the members (``instanceIds``) of an anti-affinity group."""
    operation = request.query_params.get("operation")
    if operation:  # a group has no operations (6.x): refused, not taken for an update
        raise UnknownOperation(operation, affinity.ENTITY)
    body = await read_model(request, affinity.UpdateAffinityGroup)
    async with runtime.database.session() as session:
        group = await affinity.get_group(session, scope, group_id)
        payload = await affinity.check_update(session, scope, group, body)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="affinitygroups.update",
            entity_type=affinity.ENTITY,
            entity_id=group.id,
            payload=payload,
        )
    )


@router.delete(ITEM, response_model=TaskAccepted)
async def delete_affinity_group(group_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete an anti-affinity group; its members leave it."""
    async with runtime.database.session() as session:
        group = await affinity.get_group(session, scope, group_id)
        affinity.check_delete(group)
        last = await affinity.represent(session, group)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="affinitygroups.delete",
            entity_type=affinity.ENTITY,
            entity_id=group.id,
            payload={"last": last},
        )
    )
