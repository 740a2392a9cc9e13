"""Reads of VPCs and networks, and the lookups instances need."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.catalog.models import NetworkOffering, Zone
from cloudca.server.core.carry import wire_columns
from cloudca.server.core.environment_lists import environment_lister, represented
from cloudca.server.core.listing import ListParams, SortColumns, page
from cloudca.server.core.rows import in_environment
from cloudca.server.networking import representations as rep
from cloudca.server.networking.models import Network, NetworkAcl, PublicIp, Vpc


async def find_network(session: AsyncSession, scope: EnvironmentScope, network_id: str) -> Network | None:
    row = await session.get(Network, network_id.lower())
    return row if row is not None and row.environment_id == scope.id else None


async def _source_nat_ips(session: AsyncSession, vpc_ids: list[str]) -> dict[str, str]:
    if not vpc_ids:
        return {}
    rows = await session.execute(
        select(PublicIp.vpc_id, PublicIp.ip_address).where(
            PublicIp.vpc_id.in_(vpc_ids), PublicIp.is_source_nat.is_(True)
        )
    )
    return {vpc_id: address for vpc_id, address in rows}


VPC_SORT: SortColumns = {
    **wire_columns(Vpc, "id name description cidr state networkDomain vpcOfferingId vpnStatus"),
    "zoneId": Zone.id,
    "zoneName": Zone.name,
    "requiresUpgrade": literal(False),
    "type": literal("VPC"),
    "sourceNatIp": select(PublicIp.ip_address)
    .where(PublicIp.vpc_id == Vpc.id, PublicIp.is_source_nat.is_(True))
    .scalar_subquery(),
}


async def list_vpcs(
    session: AsyncSession, scope: EnvironmentScope, params: ListParams
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    query = select(Vpc, Zone).join(Zone, Zone.id == Vpc.zone_id).where(Vpc.environment_id == scope.id)
    pairs, metadata = await page(session, query, params, VPC_SORT, (Vpc.created_at, Vpc.id))
    nat = await _source_nat_ips(session, [vpc.id for vpc, _ in pairs])
    return [rep.vpc(vpc, zone, nat.get(vpc.id)) for vpc, zone in pairs], metadata


async def get_vpc_row(session: AsyncSession, scope: EnvironmentScope, vpc_id: str) -> Vpc:
    """The VPC named in the path, or 404."""
    return await in_environment(session, Vpc, scope.id, vpc_id, "vpcs", "VPC")


async def get_network_row(session: AsyncSession, scope: EnvironmentScope, network_id: str) -> Network:
    """The network named in the path, or 404."""
    return await in_environment(session, Network, scope.id, network_id, "networks", "network")


def _network_query() -> Any:
    """A network with what its representation shows of its VPC, zone, offering and ACL."""
    return (
        select(Network, Vpc, Zone, NetworkOffering, NetworkAcl)
        .join(Vpc, Vpc.id == Network.vpc_id)
        .join(Zone, Zone.id == Network.zone_id)
        .join(NetworkOffering, NetworkOffering.id == Network.network_offering_id)
        .join(NetworkAcl, NetworkAcl.id == Network.network_acl_id)
    )


NETWORK_SORT: SortColumns = {
    **wire_columns(Network, "id name description cidr gateway netmask state"),
    "vpcId": Vpc.id,
    "vpcName": Vpc.name,
    "zoneId": Zone.id,
    "zoneName": Zone.name,
    "networkAclId": NetworkAcl.id,
    "networkAclName": NetworkAcl.name,
    "networkOfferingId": NetworkOffering.id,
    "networkOfferingName": NetworkOffering.name,
    "networkOfferingDescription": NetworkOffering.description,
}


list_networks = environment_lister(
    Network,
    NETWORK_SORT,
    rep.network,
    query=_network_query,
    vpc_id=Network.vpc_id,
    zone_id=Network.zone_id,
)


async def represent_vpc(session: AsyncSession, vpc_id: str) -> dict[str, Any] | None:
    """A VPC's representation by id alone (task results)."""
    vpc = await session.get(Vpc, vpc_id, populate_existing=True)
    if vpc is None:
        return None
    zone = await session.get(Zone, vpc.zone_id)
    assert zone is not None
    nat = await _source_nat_ips(session, [vpc.id])
    return rep.vpc(vpc, zone, nat.get(vpc.id))


async def represent_network(session: AsyncSession, network_id: str) -> dict[str, Any] | None:
    """A network's representation by id alone (task results)."""
    query = _network_query().where(Network.id == network_id).execution_options(populate_existing=True)
    return await represented(session, query, rep.network)
