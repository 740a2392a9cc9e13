"""VPC and network endpoints (6.7, 6.8): reads, create, update, delete, restart, replace ACL."""

from __future__ import annotations

from fastapi import APIRouter

from cloudca.server.api.routes import Filter, Resource, ResourceRoutes, by_id
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.networking import operations, schemas, service, vpcs
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["networking"], responses=ERROR_RESPONSES)
VPCS = Resource("vpcs", "vpc_id", schemas.Vpc, service.get_vpc_row, by_id(service.represent_vpc))
NETWORKS = Resource(
    "networks",
    "network_id",
    schemas.Network,
    service.get_network_row,
    by_id(service.represent_network),
)
routes = ResourceRoutes(router, submit)

routes.list(VPCS, "list_vpcs", "List the environment's VPCs.", service.list_vpcs)
routes.get(VPCS, "get_vpc", "Retrieve a VPC.")
routes.create(
    VPCS,
    "create_vpc",
    "Create a VPC; it gets a /20 CIDR and acquires its source NAT public IP.",
    kind="vpcs.create",
    body=vpcs.CreateVpc,
    check=vpcs.check_create_vpc,
)
routes.operations(
    VPCS,
    "update_or_restart_vpc",
    "Update a VPC's name and description; with ``?operation=restart``, restart its router.",
    operations.VPCS,
)
routes.delete(
    VPCS,
    "delete_vpc",
    "Delete a VPC without networks, releasing its public IPs.",
    kind="vpcs.delete",
    check=vpcs.check_delete_vpc,
)

routes.list(
    NETWORKS,
    "list_networks",
    "List the environment's networks; filters ``vpc_id`` and ``zone_id``.",
    service.list_networks,
    Filter("vpc_id"),
    Filter("zone_id"),
)
routes.get(NETWORKS, "get_network", "Retrieve a network.")
routes.create(
    NETWORKS,
    "create_network",
    "Create a network in a VPC; it gets the VPC's next free /24.",
    kind="networks.create",
    body=vpcs.CreateNetwork,
    check=vpcs.check_create_network,
)
routes.operations(
    NETWORKS,
    "update_network",
    "Update a network's name and description; with ``?operation=replace``, change its ACL.",
    operations.NETWORKS,
)
routes.delete(
    NETWORKS,
    "delete_network",
    "Delete a network no instance uses.",
    kind="networks.delete",
    check=vpcs.check_delete_network,
)
