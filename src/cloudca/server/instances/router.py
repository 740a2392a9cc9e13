"""The Instances API of the founding document (API-CONTRACT 4): a thin edge over ``service``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cloudca.server.api.body import read_model, read_object, validate
from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single, task_accepted
from cloudca.server.api.paging import choice_filter, uuid_filter
from cloudca.server.api.routes import ENVIRONMENT
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single, TaskAccepted
from cloudca.server.core.fields import Body
from cloudca.server.instances import operations, schemas, service, states

router = APIRouter(tags=["instances"], responses=ERROR_RESPONSES)
COLLECTION = f"{ENVIRONMENT}/instances"
ITEM = COLLECTION + "/{instance_id}"


def _body_doc(model: type[Body]) -> dict[str, object]:
    return {"requestBody": {"content": {"application/json": {"schema": model.model_json_schema()}}}}


@router.get(COLLECTION, response_model=Listing[schemas.Instance])
async def list_instances(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List the environment's instances (destroyed ones included). Filters: ``state``, ``zone_id``,
    ``network_id``, ``vpc_id``."""
    filters = {
        name: value
        for name, value in (
            ("state", choice_filter(request, "state", (*states.STABLE, *states.TRANSITIONAL))),
            ("zone_id", uuid_filter(request, "zone_id")),
            ("network_id", uuid_filter(request, "network_id")),
            ("vpc_id", uuid_filter(request, "vpc_id")),
        )
        if value is not None
    }
    async with runtime.database.read() as connection:
        items, metadata = await service.list_instances(connection, scope, params, filters)
    return listing(items, metadata)


@router.get(ITEM, response_model=Single[schemas.Instance])
async def get_instance(instance_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve an instance."""
    async with runtime.database.read() as connection:
        return single(await service.get_instance(connection, scope, instance_id))


@router.post(COLLECTION, response_model=TaskAccepted, openapi_extra=_body_doc(schemas.CreateInstance))
async def create_instance(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Create and start an instance. The task's result is the instance plus its ``password``."""
    body = await read_model(request, schemas.CreateInstance)
    return task_accepted(await service.create_instance(runtime, scope, body))


@router.put(ITEM, response_model=TaskAccepted, openapi_extra=_body_doc(schemas.UpdateInstance))
async def update_instance(
    instance_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """Update the name and hostname of an instance (with ``?operation=``, run an operation)."""
    return await _post_item(instance_id, request, runtime, scope)


@router.post(ITEM, response_model=TaskAccepted)
async def instance_operation(
    instance_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """Run ``?operation=`` start, stop, reboot, purge, recover, changeComputeOffering, resetPassword,
    associateSSHKey, changeNetwork or createRecoveryPoint; without ``operation``, update the instance."""
    return await _post_item(instance_id, request, runtime, scope)


@router.delete(ITEM, response_model=TaskAccepted, openapi_extra=_body_doc(schemas.DestroyInstance))
async def destroy_instance(
    instance_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """Destroy an instance, optionally purging it and releasing its IPs, volumes and snapshots."""
    body = await read_model(request, schemas.DestroyInstance)
    return task_accepted(await service.destroy_instance(runtime, scope, instance_id, body))


async def _post_item(
    instance_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    name = request.query_params.get("operation")
    raw = await read_object(request)
    if not name:
        update = validate(schemas.UpdateInstance, raw)
        return task_accepted(await service.update_instance(runtime, scope, instance_id, update))
    operation = operations.find(name)
    body = validate(operation.body, raw) if operation.body is not None else None
    return task_accepted(await service.run_operation(runtime, scope, instance_id, operation, body))
