"""Read-only catalog endpoints: zones, templates, compute/disk/VPC/network offerings (6.1-6.6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from cloudca.server.api.deps import ListParamsDep, RuntimeDep, ScopeDep
from cloudca.server.api.envelope import JSONResponse, listing, single
from cloudca.server.api.schemas import ERROR_RESPONSES, Listing, Single
from cloudca.server.catalog import representations as rep
from cloudca.server.catalog import schemas as docs
from cloudca.server.catalog import service
from cloudca.server.catalog.models import ComputeOffering, DiskOffering, NetworkOffering, VpcOffering, Zone

router = APIRouter(tags=["catalog"], responses=ERROR_RESPONSES)
BASE = "/v1/services/{service_code}/{environment_name}"


def _shared_routes(
    segment: str, model: Any, represent: Callable[[Any], dict[str, Any]], title: str, doc: tuple[Any, Any]
) -> None:
    async def list_entities(runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep) -> JSONResponse:
        async with runtime.database.session() as session:
            rows, metadata = await service.page_shared(session, model, scope, params)
        return listing([represent(row) for row in rows], metadata)

    async def get_entity(entity_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
        async with runtime.database.session() as session:
            row = await service.get_shared(session, model, scope, entity_id)
        return single(represent(row))

    list_entities.__doc__ = f"List {title}."
    get_entity.__doc__ = f"Retrieve one of the {title}."
    router.add_api_route(
        f"{BASE}/{segment}",
        list_entities,
        methods=["GET"],
        name=f"list_{segment}",
        response_model=doc[0],
    )
    router.add_api_route(
        f"{BASE}/{segment}/{{entity_id}}",
        get_entity,
        methods=["GET"],
        name=f"get_{segment}",
        response_model=doc[1],
    )


_shared_routes("zones", Zone, rep.zone, "zones", (Listing[docs.Zone], Single[docs.Zone]))
_shared_routes(
    "computeofferings",
    ComputeOffering,
    rep.compute_offering,
    "compute offerings",
    (Listing[docs.ComputeOffering], Single[docs.ComputeOffering]),
)
_shared_routes(
    "diskofferings",
    DiskOffering,
    rep.disk_offering,
    "disk offerings",
    (Listing[docs.DiskOffering], Single[docs.DiskOffering]),
)
_shared_routes(
    "vpcofferings",
    VpcOffering,
    rep.vpc_offering,
    "VPC offerings",
    (Listing[docs.VpcOffering], Single[docs.VpcOffering]),
)
_shared_routes(
    "networkofferings",
    NetworkOffering,
    rep.network_offering,
    "network offerings",
    (Listing[docs.NetworkOffering], Single[docs.NetworkOffering]),
)


@router.get(f"{BASE}/templates", response_model=Listing[docs.Template])
async def list_templates(runtime: RuntimeDep, scope: ScopeDep, params: ListParamsDep) -> JSONResponse:
    """List the environment's private templates and every public template."""
    async with runtime.database.session() as session:
        rows, metadata = await service.list_templates(session, scope, params)
    return listing([rep.template(row) for row in rows], metadata)


@router.get(f"{BASE}/templates/{{template_id}}", response_model=Single[docs.Template])
async def get_template(template_id: str, runtime: RuntimeDep, scope: ScopeDep) -> JSONResponse:
    """Retrieve a template."""
    async with runtime.database.session() as session:
        row = await service.get_template(session, scope, template_id)
    return single(rep.template(row))
