"""Volume and snapshot endpoints (6.14, 6.15).

Extensions (not in the contract, which has snapshots read-only): ``POST volumes/{id}?operation=snapshot``
(optional body ``{name}``) takes a snapshot of a volume, ``POST snapshots/{id}?operation=revert``
makes the volume's content the snapshot's again (the volume detached or its instance stopped), and
``DELETE snapshots/{id}`` removes one.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from cloudca.server.api.body import operation_body, read_model, read_object
from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single, task_accepted
from cloudca.server.api.paging import choice_filter, uuid_filter
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single, TaskAccepted
from cloudca.server.storage import operations, schemas, service
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["storage"], responses=ERROR_RESPONSES)
BASE = "/v1/services/{service_code}/{environment_name}"
VOLUMES = f"{BASE}/volumes"
VOLUME = VOLUMES + "/{volume_id}"
SNAPSHOTS = f"{BASE}/snapshots"
SNAPSHOT = SNAPSHOTS + "/{snapshot_id}"


@router.get(VOLUMES, response_model=Listing[schemas.Volume])
async def list_volumes(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List volumes; filters ``type`` (``os``/``data``, any case) and ``instance_id``."""
    volume_type = choice_filter(request, "type", service.VOLUME_TYPES)
    instance_id = uuid_filter(request, "instance_id")
    async with runtime.database.session() as session:
        return listing(
            *await service.list_volumes(
                session, scope, params, volume_type=volume_type, instance_id=instance_id
            )
        )


@router.get(VOLUME, response_model=Single[schemas.Volume])
async def get_volume(volume_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a volume."""
    async with runtime.database.session() as session:
        volume = await service.get_volume(session, scope, volume_id)
        return single(await service.represent_volume(session, volume.id))


@router.post(VOLUMES, response_model=TaskAccepted)
async def create_volume(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Create a data volume from a disk offering, attached to ``instanceId`` when given."""
    body = await read_model(request, service.CreateVolume)
    async with runtime.database.session() as session:
        payload = await service.check_create(session, scope, body)
    return task_accepted(
        await submit(runtime, scope, kind="volumes.create", entity_type=service.VOLUMES, payload=payload)
    )


@router.post(VOLUME, response_model=TaskAccepted)
@router.put(VOLUME, response_model=TaskAccepted)
async def volume_operation(
    volume_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """Run ``?operation=`` attachToInstance, detachFromInstance, resize or snapshot (extension)."""
    raw = await read_object(request)
    operation = operations.VOLUMES.find(request.query_params.get("operation"))
    async with runtime.database.session() as session:
        volume = await service.get_volume(session, scope, volume_id)
        payload = await operation.check(session, scope, volume, operation_body(operation, raw))
    # An operation that creates an entity (a snapshot) acts on a new id, not on the volume.
    entity_type, entity_id = (operation.creates, None) if operation.creates else (service.VOLUMES, volume.id)
    return task_accepted(
        await submit(
            runtime, scope, kind=operation.kind, entity_type=entity_type, entity_id=entity_id, payload=payload
        )
    )


@router.delete(VOLUME, response_model=TaskAccepted)
async def delete_volume(volume_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete a detached data volume (its snapshots are kept)."""
    async with runtime.database.session() as session:
        volume = await service.get_volume(session, scope, volume_id)
        service.check_delete(volume)
        last = await service.represent_volume(session, volume.id)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="volumes.delete",
            entity_type=service.VOLUMES,
            entity_id=volume.id,
            payload={"last": last},
        )
    )


@router.get(SNAPSHOTS, response_model=Listing[schemas.Snapshot])
async def list_snapshots(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List snapshots; filter ``volume_id``."""
    volume_id = uuid_filter(request, "volume_id")
    async with runtime.database.session() as session:
        return listing(*await service.list_snapshots(session, scope, params, volume_id=volume_id))


@router.get(SNAPSHOT, response_model=Single[schemas.Snapshot])
async def get_snapshot(snapshot_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a snapshot."""
    async with runtime.database.session() as session:
        return single(service.represent_snapshot(await service.get_snapshot(session, scope, snapshot_id)))


@router.post(SNAPSHOT, response_model=TaskAccepted)
async def snapshot_operation(
    snapshot_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """Run ``?operation=revert`` (extension): the volume's content becomes the snapshot's."""
    await read_object(request)
    operation = operations.SNAPSHOTS.find(request.query_params.get("operation"))
    async with runtime.database.session() as session:
        snapshot = await service.get_snapshot(session, scope, snapshot_id)
        payload = await operation.check(session, scope, snapshot, None)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind=operation.kind,
            entity_type=service.SNAPSHOTS,
            entity_id=snapshot.id,
            payload=payload,
        )
    )


@router.delete(SNAPSHOT, response_model=TaskAccepted)
async def delete_snapshot(snapshot_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete a snapshot (extension)."""
    async with runtime.database.session() as session:
        snapshot = await service.get_snapshot(session, scope, snapshot_id)
        last = service.represent_snapshot(snapshot)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="snapshots.delete",
            entity_type=service.SNAPSHOTS,
            entity_id=snapshot.id,
            payload={"last": last},
        )
    )
