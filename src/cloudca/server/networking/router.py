"""VPC and network endpoints (6.7, 6.8): reads, create, update, delete, restart, replace ACL."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cloudca.server.api.body import operation_body, read_model, read_object
from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single, task_accepted
from cloudca.server.api.paging import uuid_filter
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single, TaskAccepted
from cloudca.server.errors import NotFound
from cloudca.server.networking import operations, schemas, service, vpcs
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["networking"], responses=ERROR_RESPONSES)
BASE = "/v1/services/{service_code}/{environment_name}"
VPC = f"{BASE}/vpcs/{{vpc_id}}"
NETWORK = f"{BASE}/networks/{{network_id}}"


@router.get(f"{BASE}/vpcs", response_model=Listing[schemas.Vpc])
async def list_vpcs(runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep) -> JSONResponse:
    """List the environment's VPCs."""
    async with runtime.database.session() as session:
        return listing(*await service.list_vpcs(session, scope, params))


@router.get(VPC, response_model=Single[schemas.Vpc])
async def get_vpc(vpc_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a VPC."""
    async with runtime.database.session() as session:
        return single(await service.get_vpc(session, scope, vpc_id))


@router.post(f"{BASE}/vpcs", response_model=TaskAccepted)
async def create_vpc(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Create a VPC; it gets a /20 CIDR and acquires its source NAT public IP."""
    body = await read_model(request, vpcs.CreateVpc)
    async with runtime.database.session() as session:
        payload = await vpcs.check_create_vpc(session, scope, body)
    return task_accepted(
        await submit(runtime, scope, kind="vpcs.create", entity_type="vpcs", payload=payload)
    )


@router.put(VPC, response_model=TaskAccepted)
@router.post(VPC, response_model=TaskAccepted)
async def update_or_restart_vpc(
    vpc_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """Update a VPC's name and description; with ``?operation=restart``, restart its router."""
    raw = await read_object(request)
    operation = operations.VPCS.find(request.query_params.get("operation"))
    async with runtime.database.session() as session:
        vpc = await service.get_vpc_row(session, scope, vpc_id)
        payload = await operation.check(session, scope, vpc, operation_body(operation, raw))
    return task_accepted(
        await submit(
            runtime, scope, kind=operation.kind, entity_type="vpcs", entity_id=vpc.id, payload=payload
        )
    )


@router.delete(VPC, response_model=TaskAccepted)
async def delete_vpc(vpc_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete a VPC without networks, releasing its public IPs."""
    async with runtime.database.session() as session:
        vpc = await service.get_vpc_row(session, scope, vpc_id)
        await vpcs.check_delete_vpc(session, vpc)
        last = await service.represent_vpc(session, vpc.id)
    return task_accepted(
        await submit(
            runtime, scope, kind="vpcs.delete", entity_type="vpcs", entity_id=vpc.id, payload={"last": last}
        )
    )


@router.get(f"{BASE}/networks", response_model=Listing[schemas.Network])
async def list_networks(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List the environment's networks; filters ``vpc_id`` and ``zone_id``."""
    vpc_id = uuid_filter(request, "vpc_id")
    zone_id = uuid_filter(request, "zone_id")
    async with runtime.database.session() as session:
        return listing(*await service.list_networks(session, scope, params, vpc_id=vpc_id, zone_id=zone_id))


@router.get(NETWORK, response_model=Single[schemas.Network])
async def get_network(network_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a network."""
    async with runtime.database.session() as session:
        return single(await service.get_network(session, scope, network_id))


@router.post(f"{BASE}/networks", response_model=TaskAccepted)
async def create_network(request: Request, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Create a network in a VPC; it gets the VPC's next free /24."""
    body = await read_model(request, vpcs.CreateNetwork)
    async with runtime.database.session() as session:
        payload = await vpcs.check_create_network(session, scope, body)
    return task_accepted(
        await submit(runtime, scope, kind="networks.create", entity_type="networks", payload=payload)
    )


@router.put(NETWORK, response_model=TaskAccepted)
@router.post(NETWORK, response_model=TaskAccepted)
async def update_network(
    network_id: str, request: Request, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """Update a network's name and description; with ``?operation=replace``, change its ACL."""
    raw = await read_object(request)
    operation = operations.NETWORKS.find(request.query_params.get("operation"))
    async with runtime.database.session() as session:
        network = await service.find_network(session, scope, network_id)
        if network is None:
            raise NotFound("networks", network_id)
        payload = await operation.check(session, scope, network, operation_body(operation, raw))
    return task_accepted(
        await submit(
            runtime, scope, kind=operation.kind, entity_type="networks", entity_id=network.id, payload=payload
        )
    )


@router.delete(NETWORK, response_model=TaskAccepted)
async def delete_network(network_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Delete a network no instance uses."""
    async with runtime.database.session() as session:
        network = await service.find_network(session, scope, network_id)
        if network is None:
            raise NotFound("networks", network_id)
        await vpcs.check_delete_network(session, network)
        last = await service.represent_network(session, network.id)
    return task_accepted(
        await submit(
            runtime,
            scope,
            kind="networks.delete",
            entity_type="networks",
            entity_id=network.id,
            payload={"last": last},
        )
    )
