"""Public IPs (API-CONTRACT 6.10): representations, reads, the zone's pool, and the checks of every
mutation, made before its task exists so a refused request changes nothing.

An IP is bound to one network of its VPC by its first rule (port forwarding or static NAT) and
unbound when the last goes (``networking.forwarding_rules`` holds the rules).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.catalog.models import NetworkOffering, Zone
from cloudca.server.core.carry import wire_columns
from cloudca.server.core.claims import check_transition
from cloudca.server.core.listing import ListParams, SortColumns, given, page_of
from cloudca.server.core.rows import field_row, in_environment, lock_row
from cloudca.server.errors import Duplicate, InvalidField, QuotaExceeded, ServiceError, ValidationErrors
from cloudca.server.instances import states
from cloudca.server.instances.models import Instance
from cloudca.server.networking.models import (
    LoadBalancerMember,
    LoadBalancerRule,
    Network,
    Nic,
    PortForwardingRule,
    PublicIp,
    Vpc,
)
from cloudca.server.networking.nics import nic_of
from cloudca.server.networking.payloads import AcquireIpPayload, StaticNatPayload
from cloudca.server.networking.schemas import AcquirePublicIp, EnableStaticNat

PUBLIC_IPS = "publicipaddresses"
PROTOCOLS = ("TCP", "UDP")
TARGET = states.Transition("forward", "forward a public IP to", (states.RUNNING, states.STOPPED))


# -- representations -----------------------------------------------------------------------------


def port_range(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}-{end}"


async def represent_ips(session: AsyncSession, ips: list[PublicIp]) -> list[dict[str, Any]]:
    """Public IPs with their purposes, bound network, target instances and forwarded ports."""
    if not ips:
        return []
    ids = [ip.id for ip in ips]
    vpcs = {
        vpc.id: vpc
        for vpc in (await session.execute(select(Vpc).where(Vpc.id.in_({ip.vpc_id for ip in ips})))).scalars()
    }
    zones = {zone.id: zone.name for zone in (await session.execute(select(Zone))).scalars()}
    network_ids = {ip.network_id for ip in ips if ip.network_id}
    networks = {
        n.id: n.name
        for n in (await session.execute(select(Network).where(Network.id.in_(network_ids)))).scalars()
    }
    targets: dict[str, dict[str, str]] = defaultdict(dict)
    ports: dict[str, list[str]] = defaultdict(list)
    rule_rows = await session.execute(
        select(
            PortForwardingRule.public_ip_id,
            PortForwardingRule.public_port_start,
            PortForwardingRule.public_port_end,
            Instance.id,
            Instance.name,
        )
        .join(Instance, Instance.id == PortForwardingRule.instance_id)
        .where(PortForwardingRule.public_ip_id.in_(ids))
        .order_by(PortForwardingRule.created_at, PortForwardingRule.id)
    )
    for ip_id, start, end, instance_id, name in rule_rows:
        targets[ip_id][instance_id] = name
        ports[ip_id].append(port_range(start, end))
    nat_rows = await session.execute(
        select(PublicIp.id, Nic.id, Instance.id, Instance.name)
        .join(Nic, Nic.id == PublicIp.static_nat_nic_id)
        .join(Instance, Instance.id == Nic.instance_id)
        .where(PublicIp.id.in_(ids))
    )
    nat: dict[str, tuple[str, str]] = {}
    for ip_id, nic_id, instance_id, name in nat_rows:
        targets[ip_id][instance_id] = name
        nat[ip_id] = (nic_id, instance_id)
    balanced: set[str] = set()
    lb_rows = await session.execute(
        select(LoadBalancerRule.public_ip_id, Instance.id, Instance.name)
        .outerjoin(LoadBalancerMember, LoadBalancerMember.rule_id == LoadBalancerRule.id)
        .outerjoin(Instance, Instance.id == LoadBalancerMember.instance_id)
        .where(LoadBalancerRule.public_ip_id.in_(ids))
        .order_by(LoadBalancerRule.created_at, LoadBalancerMember.position)
    )
    for ip_id, instance_id, name in lb_rows:
        balanced.add(ip_id)
        if instance_id is not None:
            targets[ip_id][instance_id] = name
    items = []
    for ip in ips:
        purposes = []
        if ip.is_source_nat:
            purposes.append("SOURCE_NAT")
            if (vpc := vpcs.get(ip.vpc_id)) is not None and vpc.vpn_status == "Enabled":
                purposes.append("VPN")
        if ip.id in nat:
            purposes.append("STATIC_NAT")
        if ports.get(ip.id):
            purposes.append("PORT_FORWARDING")
        if ip.id in balanced:
            purposes.append("LOAD_BALANCING")
        vpc = vpcs.get(ip.vpc_id)
        body: dict[str, Any] = {
            "id": ip.id,
            "ipAddress": ip.ip_address,
            "state": ip.state,
            "purposes": purposes,
            "vpcId": ip.vpc_id,
            "vpcName": vpc.name if vpc else None,
            "zoneId": ip.zone_id,
            "zoneName": zones.get(ip.zone_id),
            "instances": [{"id": i, "name": n} for i, n in targets[ip.id].items()],
            "instanceNames": list(targets[ip.id].values()),
            "ports": ports.get(ip.id, []),
        }
        if ip.network_id:
            body.update(networkId=ip.network_id, networkName=networks.get(ip.network_id))
        if ip.id in nat:
            body.update(privateIpId=nat[ip.id][0], instanceId=nat[ip.id][1])
        items.append(body)
    return items


async def represent_ip(session: AsyncSession, ip_id: str) -> dict[str, Any] | None:
    ip = await session.get(PublicIp, ip_id, populate_existing=True)
    return (await represent_ips(session, [ip]))[0] if ip is not None else None


def _name_of(model: Any, key: Any) -> Any:
    return select(model.name).where(model.id == key).scalar_subquery()


IP_SORT: SortColumns = {
    **wire_columns(
        PublicIp, "id ipAddress state vpcId zoneId networkId privateIpId", privateIpId="static_nat_nic_id"
    ),
    "vpcName": _name_of(Vpc, PublicIp.vpc_id),
    "zoneName": _name_of(Zone, PublicIp.zone_id),
    "networkName": _name_of(Network, PublicIp.network_id),
    "instanceId": select(Nic.instance_id).where(Nic.id == PublicIp.static_nat_nic_id).scalar_subquery(),
}


async def list_ips(
    session: AsyncSession,
    scope: EnvironmentScope,
    params: ListParams,
    *,
    vpc_id: str | None,
    instance_id: str | None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    query = select(PublicIp).where(PublicIp.environment_id == scope.id)
    query = given(query, {PublicIp.vpc_id: vpc_id})
    if instance_id is not None:
        forwarded = select(PortForwardingRule.public_ip_id).where(
            PortForwardingRule.instance_id == instance_id
        )
        natted = select(Nic.id).where(Nic.instance_id == instance_id)
        balanced = (
            select(LoadBalancerRule.public_ip_id)
            .join(LoadBalancerMember, LoadBalancerMember.rule_id == LoadBalancerRule.id)
            .where(LoadBalancerMember.instance_id == instance_id)
        )
        query = query.where(
            or_(
                PublicIp.id.in_(forwarded),
                PublicIp.static_nat_nic_id.in_(natted),
                PublicIp.id.in_(balanced),
            )
        )
    items, metadata = await page_of(session, query, params, IP_SORT, (PublicIp.created_at, PublicIp.id))
    return await represent_ips(session, items), metadata


# -- lookups -------------------------------------------------------------------------------------


async def lock_ip(session: AsyncSession, ip_id: str, field: str) -> PublicIp:
    """The public IP, row-locked (a task's re-check), or INVALID_FIELD naming ``field``."""
    ip = await lock_row(session, PublicIp, ip_id)
    if ip is None:
        raise InvalidField(field, ip_id, "the public IP no longer exists")
    return ip


async def get_ip(session: AsyncSession, scope: EnvironmentScope, ip_id: str) -> PublicIp:
    return await in_environment(session, PublicIp, scope.id, ip_id, PUBLIC_IPS, "public IP")


async def _has_rules(session: AsyncSession, ip_id: str) -> bool:
    """Whether port forwarding or load balancer rules use the IP."""
    for query in (
        select(PortForwardingRule.id).where(PortForwardingRule.public_ip_id == ip_id),
        select(LoadBalancerRule.id).where(LoadBalancerRule.public_ip_id == ip_id),
    ):
        if (await session.execute(query.limit(1))).first() is not None:
            return True
    return False


async def offers(session: AsyncSession, network: Network, service_name: str) -> bool:
    offering = await session.get(NetworkOffering, network.network_offering_id)
    return offering is not None and service_name in offering.services


async def pool_free(session: AsyncSession, zone_id: str) -> int:
    """How many addresses of the zone's pool are still free."""
    zone = await session.get(Zone, zone_id)
    if zone is None or not zone.public_ip_range:
        return 0
    pool = ipaddress.ip_network(zone.public_ip_range, strict=False)
    size = max(pool.num_addresses - 2, 0) if pool.prefixlen < 31 else pool.num_addresses
    used = (
        await session.execute(select(func.count()).select_from(PublicIp).where(PublicIp.zone_id == zone_id))
    ).scalar_one()
    return int(size - used)


def pool_exhausted(zone: Zone | None) -> QuotaExceeded:
    name = zone.name if zone is not None else "?"
    return QuotaExceeded(
        f"The public IP pool of zone {name} is exhausted", resource="publicIpAddresses", limit=0
    )


# -- checks --------------------------------------------------------------------------------------


async def check_acquire(
    session: AsyncSession, scope: EnvironmentScope, body: AcquirePublicIp
) -> AcquireIpPayload:
    vpc = await field_row(session, Vpc, scope.id, body.vpcId, "vpcId", "VPC")
    if await pool_free(session, vpc.zone_id) <= 0:
        raise pool_exhausted(await session.get(Zone, vpc.zone_id))
    return AcquireIpPayload(vpcId=vpc.id, zoneId=vpc.zone_id)


def check_release(ip: PublicIp) -> None:
    if ip.is_source_nat:
        raise InvalidField("id", ip.id, "the VPC's source NAT IP cannot be released")


async def private_ip(
    session: AsyncSession, scope: EnvironmentScope, field_name: str, nic_id: str
) -> tuple[Nic, Instance]:
    """The private IP (a NIC) a request body's ``field_name`` names, and its instance."""
    found = await nic_of(session, scope, nic_id)
    if found is None:
        raise InvalidField(field_name, nic_id, "no such private IP in this environment")
    return found


async def check_enable_static_nat(
    session: AsyncSession, scope: EnvironmentScope, ip: PublicIp, body: EnableStaticNat
) -> StaticNatPayload:
    nic, instance = await private_ip(session, scope, "privateIpId", body.privateIpId)
    check_transition(instance, TARGET)
    network = await session.get(Network, nic.network_id)
    assert network is not None
    problems: list[ServiceError] = []
    if ip.is_source_nat:
        problems.append(InvalidField("id", ip.id, "the source NAT IP cannot do static NAT"))
    elif ip.static_nat_nic_id is not None:
        problems.append(InvalidField("id", ip.id, "static NAT is already enabled on this IP"))
    elif await _has_rules(session, ip.id):
        problems.append(InvalidField("id", ip.id, "the IP has port forwarding or load balancer rules"))
    if network.vpc_id != ip.vpc_id:
        problems.append(InvalidField("privateIpId", nic.id, "the private IP is in another VPC"))
    elif not await offers(session, network, "StaticNat"):
        problems.append(InvalidField("privateIpId", nic.id, "the network's offering has no static NAT"))
    taken = await session.execute(select(PublicIp.id).where(PublicIp.static_nat_nic_id == nic.id))
    if taken.first() is not None:
        problems.append(Duplicate("privateIpId", nic.id, "The private IP already has static NAT"))
    if problems:
        raise ValidationErrors(problems)
    return StaticNatPayload(nicId=nic.id, networkId=network.id)


def check_disable_static_nat(ip: PublicIp) -> None:
    if ip.static_nat_nic_id is None:
        raise InvalidField("id", ip.id, "static NAT is not enabled on this IP")
