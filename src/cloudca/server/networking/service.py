"""Reads of VPCs and networks, and the lookups instances need."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.catalog.models import NetworkOffering, Zone
from cloudca.server.errors import NotFound
from cloudca.server.networking import representations as rep
from cloudca.server.networking.models import Network, NetworkAcl, PublicIp, Vpc


async def find_network(session: AsyncSession, scope: EnvironmentScope, network_id: str) -> Network | None:
    row = await session.get(Network, network_id.lower())
    return row if row is not None and row.environment_id == scope.id else None


async def find_vpc(session: AsyncSession, scope: EnvironmentScope, vpc_id: str) -> Vpc | None:
    row = await session.get(Vpc, vpc_id.lower())
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


async def list_vpcs(session: AsyncSession, scope: EnvironmentScope) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Vpc, Zone)
        .join(Zone, Zone.id == Vpc.zone_id)
        .where(Vpc.environment_id == scope.id)
        .order_by(Vpc.created_at, Vpc.id)
    )
    pairs = list(rows)
    nat = await _source_nat_ips(session, [vpc.id for vpc, _ in pairs])
    return [rep.vpc(vpc, zone, nat.get(vpc.id)) for vpc, zone in pairs]


async def get_vpc_row(session: AsyncSession, scope: EnvironmentScope, vpc_id: str) -> Vpc:
    """The VPC named in the path, or 404."""
    vpc = await find_vpc(session, scope, vpc_id)
    if vpc is None:
        raise NotFound("vpcs", vpc_id)
    return vpc


async def get_vpc(session: AsyncSession, scope: EnvironmentScope, vpc_id: str) -> dict[str, Any]:
    vpc = await get_vpc_row(session, scope, vpc_id)
    zone = await session.get(Zone, vpc.zone_id)
    assert zone is not None
    nat = await _source_nat_ips(session, [vpc.id])
    return rep.vpc(vpc, zone, nat.get(vpc.id))


def _network_query(scope: EnvironmentScope) -> Any:
    return (
        select(Network, Vpc, Zone, NetworkOffering, NetworkAcl)
        .join(Vpc, Vpc.id == Network.vpc_id)
        .join(Zone, Zone.id == Network.zone_id)
        .join(NetworkOffering, NetworkOffering.id == Network.network_offering_id)
        .join(NetworkAcl, NetworkAcl.id == Network.network_acl_id)
        .where(Network.environment_id == scope.id)
    )


async def list_networks(
    session: AsyncSession, scope: EnvironmentScope, *, vpc_id: str | None = None, zone_id: str | None = None
) -> list[dict[str, Any]]:
    query = _network_query(scope)
    if vpc_id is not None:
        query = query.where(Network.vpc_id == vpc_id)
    if zone_id is not None:
        query = query.where(Network.zone_id == zone_id)
    rows = await session.execute(query.order_by(Network.created_at, Network.id))
    return [rep.network(*row) for row in rows]


async def get_network(session: AsyncSession, scope: EnvironmentScope, network_id: str) -> dict[str, Any]:
    row = (await session.execute(_network_query(scope).where(Network.id == network_id.lower()))).first()
    if row is None:
        raise NotFound("networks", network_id)
    return rep.network(*row)


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
    query = (
        select(Network, Vpc, Zone, NetworkOffering, NetworkAcl)
        .join(Vpc, Vpc.id == Network.vpc_id)
        .join(Zone, Zone.id == Network.zone_id)
        .join(NetworkOffering, NetworkOffering.id == Network.network_offering_id)
        .join(NetworkAcl, NetworkAcl.id == Network.network_acl_id)
        .where(Network.id == network_id)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(query)).first()
    return rep.network(*row) if row is not None else None
