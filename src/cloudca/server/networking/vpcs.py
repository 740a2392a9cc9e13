"""VPC and network mutations (API-CONTRACT 6.7, 6.8): the checks of create, update, delete,
restart and replace-ACL, and the allocation of their CIDRs.

A new VPC gets the first free /20 of 10.0.0.0/8 in its environment; a new network the first free
/24 of its VPC. A VPC is created with its source NAT public IP, so its zone's pool must have room.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.catalog import service as catalog
from cloudca.server.catalog.models import NetworkOffering, VpcOffering
from cloudca.server.core.carry import payload_from
from cloudca.server.core.fields import Body, Str, Uuid
from cloudca.server.core.rows import field_row
from cloudca.server.errors import (
    EntityInUse,
    InvalidField,
    MissingField,
    QuotaExceeded,
    ServiceError,
    ValidationErrors,
)
from cloudca.server.instances.models import Instance
from cloudca.server.networking.models import LoadBalancerRule, Network, NetworkAcl, Nic, Vpc
from cloudca.server.networking.payloads import CreateNetworkPayload, CreateVpcPayload, UpdatePayload
from cloudca.server.networking.public_ips import pool_exhausted, pool_free

VPC_SPACE = ipaddress.IPv4Network("10.0.0.0/8")
VPC_PREFIX = 20
NETWORK_PREFIX = 24

Name = Annotated[Str, Field(min_length=1, max_length=255)]


class CreateVpc(Body):
    name: Name
    description: Str
    vpcOfferingId: Uuid
    networkDomain: Str | None = None
    zoneId: Uuid | None = None


class UpdateEntity(Body):
    name: Name | None = None
    description: Str | None = None


class CreateNetwork(Body):
    name: Name
    description: Str
    vpcId: Uuid
    networkOfferingId: Uuid
    networkAclId: Uuid


class ReplaceAcl(Body):
    networkAclId: Uuid


def first_free_subnet(space: ipaddress.IPv4Network, prefix: int, used: list[str]) -> str | None:
    """The first ``/prefix`` of ``space`` that overlaps none of the ``used`` CIDRs."""
    taken = [ipaddress.ip_network(cidr, strict=False) for cidr in used]
    for candidate in space.subnets(new_prefix=prefix):
        if not any(candidate.overlaps(other) for other in taken):
            return str(candidate)
    return None


async def check_create_vpc(
    session: AsyncSession, scope: EnvironmentScope, body: CreateVpc
) -> CreateVpcPayload:
    problems: list[ServiceError] = []
    offering = await catalog.check_shared(
        session, VpcOffering, scope, "vpcOfferingId", body.vpcOfferingId, problems
    )
    zone = await catalog.check_zone(session, scope, body.zoneId, problems)
    if problems:
        raise ValidationErrors(problems)
    assert offering is not None and zone is not None
    if await pool_free(session, zone.id) <= 0:
        raise pool_exhausted(zone)
    used = list((await session.execute(select(Vpc.cidr).where(Vpc.environment_id == scope.id))).scalars())
    cidr = first_free_subnet(VPC_SPACE, VPC_PREFIX, used)
    if cidr is None:
        raise QuotaExceeded("No address space is left for another VPC", resource="vpcs", limit=len(used))
    return payload_from(
        body,
        CreateVpcPayload,
        vpcOfferingId=offering.id,
        zoneId=zone.id,
        networkDomain=body.networkDomain or f"{body.name.lower()}.cloudca.internal",
        cidr=cidr,
    )


def check_update(body: UpdateEntity) -> UpdatePayload:
    if body.name is None and body.description is None:
        raise ValidationErrors([MissingField("name"), MissingField("description")])
    return UpdatePayload(name=body.name, description=body.description)


async def check_delete_vpc(session: AsyncSession, vpc: Vpc) -> None:
    networks = list((await session.execute(select(Network.id).where(Network.vpc_id == vpc.id))).scalars())
    if networks:
        raise EntityInUse(
            "The VPC still has networks; delete them first",
            entity_type="vpcs",
            entity_id=vpc.id,
            dependants=networks,
        )


async def _acl(session: AsyncSession, scope: EnvironmentScope, acl_id: str, vpc_id: str) -> NetworkAcl | None:
    acl = await session.get(NetworkAcl, acl_id)
    if acl is None:
        return None
    if acl.builtin or (acl.environment_id == scope.id and acl.vpc_id == vpc_id):
        return acl
    return None


async def check_create_network(
    session: AsyncSession, scope: EnvironmentScope, body: CreateNetwork
) -> CreateNetworkPayload:
    problems: list[ServiceError] = []
    vpc = await field_row(session, Vpc, scope.id, body.vpcId, "vpcId", "VPC")
    await catalog.check_shared(
        session, NetworkOffering, scope, "networkOfferingId", body.networkOfferingId, problems
    )
    if await _acl(session, scope, body.networkAclId, vpc.id) is None:
        problems.append(InvalidField("networkAclId", body.networkAclId, "no such ACL in this VPC"))
    if problems:
        raise ValidationErrors(problems)
    used = list((await session.execute(select(Network.cidr).where(Network.vpc_id == vpc.id))).scalars())
    cidr = first_free_subnet(ipaddress.IPv4Network(vpc.cidr, strict=False), NETWORK_PREFIX, used)
    if cidr is None:
        raise QuotaExceeded(
            "The VPC has no address space left for another network", resource="networks", limit=len(used)
        )
    net = ipaddress.ip_network(cidr)
    return payload_from(
        body,
        CreateNetworkPayload,
        vpcId=vpc.id,
        zoneId=vpc.zone_id,
        cidr=cidr,
        gateway=str(net.network_address + 1),
        netmask=str(net.netmask),
    )


async def check_delete_network(session: AsyncSession, network: Network) -> None:
    """Refused while any instance (even Destroyed, not yet purged) has a NIC on it (6.8)."""
    rows = await session.execute(
        select(Instance.id).join(Nic, Nic.instance_id == Instance.id).where(Nic.network_id == network.id)
    )
    users = list(dict.fromkeys(rows.scalars()))
    # Load balancer rules name their network (6.12): they go first, like the instances.
    balanced = await session.execute(
        select(LoadBalancerRule.id).where(LoadBalancerRule.network_id == network.id)
    )
    users += list(balanced.scalars())
    if users:
        raise EntityInUse(
            "The network still has instances or load balancer rules; delete them first",
            entity_type="networks",
            entity_id=network.id,
            dependants=users,
        )


async def check_replace_acl(
    session: AsyncSession, scope: EnvironmentScope, network: Network, body: ReplaceAcl
) -> UpdatePayload:
    if await _acl(session, scope, body.networkAclId, network.vpc_id) is None:
        raise InvalidField("networkAclId", body.networkAclId, "no such ACL in this VPC")
    return UpdatePayload(network_acl_id=body.networkAclId)
