"""VPC and network endpoints (6.7, 6.8)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single
from cloudca.server.api.paging import page_in_memory, uuid_filter
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.networking import service

router = APIRouter(tags=["networking"], responses=ERROR_RESPONSES)
BASE = "/v1/services/{service_code}/{environment_name}"


@router.get(f"{BASE}/vpcs")
async def list_vpcs(runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep) -> JSONResponse:
    """List the environment's VPCs."""
    async with runtime.database.session() as session:
        rows = await service.list_vpcs(session, scope)
    page, metadata = page_in_memory(rows, params)
    return listing(page, metadata)


@router.get(f"{BASE}/vpcs/{{vpc_id}}")
async def get_vpc(vpc_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a VPC."""
    async with runtime.database.session() as session:
        return single(await service.get_vpc(session, scope, vpc_id))


@router.get(f"{BASE}/networks")
async def list_networks(
    request: Request, runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep
) -> JSONResponse:
    """List the environment's networks; filters ``vpc_id`` and ``zone_id``."""
    vpc_id = uuid_filter(request, "vpc_id")
    zone_id = uuid_filter(request, "zone_id")
    async with runtime.database.session() as session:
        rows = await service.list_networks(session, scope, vpc_id=vpc_id, zone_id=zone_id)
    page, metadata = page_in_memory(rows, params)
    return listing(page, metadata)


@router.get(f"{BASE}/networks/{{network_id}}")
async def get_network(network_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a network."""
    async with runtime.database.session() as session:
        return single(await service.get_network(session, scope, network_id))
