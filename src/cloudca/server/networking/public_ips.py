"""Public IPs and port forwarding rules (API-CONTRACT 6.10, 6.11): representations, reads, and the
checks of every mutation, made before its task exists so a refused request changes nothing.

An IP is bound to one network of its VPC by its first rule (port forwarding or static NAT) and
unbound when the last goes. A (public IP, protocol, first port) is forwarded once by a unique
constraint; overlapping ranges are refused under the public IP's row lock (``networking.handlers``).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.api.fields import Port, Str, Uuid
from cloudca.server.catalog.models import NetworkOffering, Zone
from cloudca.server.errors import (
    Duplicate,
    InvalidField,
    MissingField,
    NotFound,
    QuotaExceeded,
    ServiceError,
    ValidationErrors,
)
from cloudca.server.instances import states
from cloudca.server.instances.models import Instance
from cloudca.server.instances.schemas import Body
from cloudca.server.instances.service import check_transition
from cloudca.server.networking import service as networking
from cloudca.server.networking.models import Network, Nic, PortForwardingRule, PublicIp, Vpc

PUBLIC_IPS = "publicipaddresses"
RULES = "portforwardingrules"
PROTOCOLS = ("TCP", "UDP")
TARGET = states.Transition("forward", "forward a public IP to", (states.RUNNING, states.STOPPED))


class AcquirePublicIp(Body):
    vpcId: Uuid


class EnableStaticNat(Body):
    privateIpId: Uuid


class CreatePortForwardingRule(Body):
    ipAddressId: Uuid
    protocol: Annotated[Str, Field(min_length=1)]
    publicPortStart: Port
    publicPortEnd: Port | None = None
    privatePortStart: Port
    privatePortEnd: Port | None = None
    instanceId: Uuid | None = None
    privateIpId: Uuid | None = None


# -- representations -----------------------------------------------------------------------------


def _port_range(start: int, end: int) -> str:
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
        ports[ip_id].append(_port_range(start, end))
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
    items = []
    for ip in ips:
        purposes = []
        if ip.is_source_nat:
            purposes.append("SOURCE_NAT")
        if ip.id in nat:
            purposes.append("STATIC_NAT")
        if ports.get(ip.id):
            purposes.append("PORT_FORWARDING")
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


async def list_ips(
    session: AsyncSession, scope: EnvironmentScope, *, vpc_id: str | None, instance_id: str | None
) -> list[dict[str, Any]]:
    query = select(PublicIp).where(PublicIp.environment_id == scope.id)
    if vpc_id is not None:
        query = query.where(PublicIp.vpc_id == vpc_id)
    if instance_id is not None:
        forwarded = select(PortForwardingRule.public_ip_id).where(
            PortForwardingRule.instance_id == instance_id
        )
        natted = select(Nic.id).where(Nic.instance_id == instance_id)
        query = query.where(or_(PublicIp.id.in_(forwarded), PublicIp.static_nat_nic_id.in_(natted)))
    rows = await session.execute(query.order_by(PublicIp.created_at, PublicIp.id))
    return await represent_ips(session, list(rows.scalars()))


def _rule_query() -> Any:
    return (
        select(PortForwardingRule, PublicIp.ip_address, Instance.name, Nic.ip_address, Network.vpc_id)
        .join(PublicIp, PublicIp.id == PortForwardingRule.public_ip_id)
        .join(Instance, Instance.id == PortForwardingRule.instance_id)
        .join(Nic, Nic.id == PortForwardingRule.nic_id)
        .join(Network, Network.id == PortForwardingRule.network_id)
    )


def _rule(
    rule: PortForwardingRule, public_address: str, instance_name: str, private_ip: str, vpc_id: str
) -> dict[str, Any]:
    return {
        "id": rule.id,
        "ipAddress": public_address,
        "ipAddressId": rule.public_ip_id,
        "publicPortStart": str(rule.public_port_start),
        "publicPortEnd": str(rule.public_port_end),
        "privatePortStart": str(rule.private_port_start),
        "privatePortEnd": str(rule.private_port_end),
        "protocol": rule.protocol,
        "instanceId": rule.instance_id,
        "instanceName": instance_name,
        "networkId": rule.network_id,
        "vpcId": vpc_id,
        "privateIp": private_ip,
        "privateIpId": rule.nic_id,
        "state": rule.state,
    }


async def represent_rule(session: AsyncSession, rule_id: str) -> dict[str, Any] | None:
    row = (await session.execute(_rule_query().where(PortForwardingRule.id == rule_id))).first()
    return _rule(*row) if row is not None else None


async def list_rules(
    session: AsyncSession, scope: EnvironmentScope, *, instance_id: str | None, public_ip_id: str | None
) -> list[dict[str, Any]]:
    query = _rule_query().where(PortForwardingRule.environment_id == scope.id)
    if instance_id is not None:
        query = query.where(PortForwardingRule.instance_id == instance_id)
    if public_ip_id is not None:
        query = query.where(PortForwardingRule.public_ip_id == public_ip_id)
    rows = await session.execute(query.order_by(PortForwardingRule.created_at, PortForwardingRule.id))
    return [_rule(*row) for row in rows]


# -- lookups -------------------------------------------------------------------------------------


async def get_ip(session: AsyncSession, scope: EnvironmentScope, ip_id: str) -> PublicIp:
    ip = await session.get(PublicIp, ip_id.lower(), populate_existing=True)
    if ip is None or ip.environment_id != scope.id:
        raise NotFound(PUBLIC_IPS, ip_id, f"No public IP with id {ip_id}")
    return ip


async def get_rule(session: AsyncSession, scope: EnvironmentScope, rule_id: str) -> PortForwardingRule:
    rule = await session.get(PortForwardingRule, rule_id.lower(), populate_existing=True)
    if rule is None or rule.environment_id != scope.id:
        raise NotFound(RULES, rule_id, f"No port forwarding rule with id {rule_id}")
    return rule


async def _has_rules(session: AsyncSession, ip_id: str) -> bool:
    hit = await session.execute(
        select(PortForwardingRule.id).where(PortForwardingRule.public_ip_id == ip_id).limit(1)
    )
    return hit.first() is not None


async def _offers(session: AsyncSession, network: Network, service_name: str) -> bool:
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
) -> dict[str, Any]:
    vpc = await networking.find_vpc(session, scope, body.vpcId)
    if vpc is None:
        raise InvalidField("vpcId", body.vpcId, "no such VPC in this environment")
    if await pool_free(session, vpc.zone_id) <= 0:
        raise pool_exhausted(await session.get(Zone, vpc.zone_id))
    return {"vpcId": vpc.id, "zoneId": vpc.zone_id}


def check_release(ip: PublicIp) -> None:
    if ip.is_source_nat:
        raise InvalidField("id", ip.id, "the VPC's source NAT IP cannot be released")


async def _private_ip(
    session: AsyncSession, scope: EnvironmentScope, field_name: str, nic_id: str
) -> tuple[Nic, Instance]:
    nic = await session.get(Nic, nic_id)
    instance = await session.get(Instance, nic.instance_id) if nic is not None else None
    if nic is None or instance is None or instance.environment_id != scope.id:
        raise InvalidField(field_name, nic_id, "no such private IP in this environment")
    return nic, instance


async def check_enable_static_nat(
    session: AsyncSession, scope: EnvironmentScope, ip: PublicIp, body: EnableStaticNat
) -> dict[str, Any]:
    nic, instance = await _private_ip(session, scope, "privateIpId", body.privateIpId)
    check_transition(instance, TARGET)
    network = await session.get(Network, nic.network_id)
    assert network is not None
    problems: list[ServiceError] = []
    if ip.is_source_nat:
        problems.append(InvalidField("id", ip.id, "the source NAT IP cannot do static NAT"))
    elif ip.static_nat_nic_id is not None:
        problems.append(InvalidField("id", ip.id, "static NAT is already enabled on this IP"))
    elif await _has_rules(session, ip.id):
        problems.append(InvalidField("id", ip.id, "the IP has port forwarding rules"))
    if network.vpc_id != ip.vpc_id:
        problems.append(InvalidField("privateIpId", nic.id, "the private IP is in another VPC"))
    elif not await _offers(session, network, "StaticNat"):
        problems.append(InvalidField("privateIpId", nic.id, "the network's offering has no static NAT"))
    taken = await session.execute(select(PublicIp.id).where(PublicIp.static_nat_nic_id == nic.id))
    if taken.first() is not None:
        problems.append(Duplicate("privateIpId", nic.id, "The private IP already has static NAT"))
    if problems:
        raise ValidationErrors(problems)
    return {"nicId": nic.id, "networkId": network.id}


def check_disable_static_nat(ip: PublicIp) -> None:
    if ip.static_nat_nic_id is None:
        raise InvalidField("id", ip.id, "static NAT is not enabled on this IP")


def overlaps(
    rules: list[PortForwardingRule], protocol_key: str, start: int, end: int
) -> PortForwardingRule | None:
    """The first rule of the same protocol whose public range meets ``start``-``end``."""
    for rule in rules:
        if (
            rule.protocol_key == protocol_key
            and rule.public_port_start <= end
            and start <= rule.public_port_end
        ):
            return rule
    return None


async def check_create_rule(
    session: AsyncSession, scope: EnvironmentScope, body: CreatePortForwardingRule
) -> dict[str, Any]:
    problems: list[ServiceError] = []
    protocol_key = body.protocol.upper()
    if protocol_key not in PROTOCOLS:
        problems.append(InvalidField("protocol", body.protocol, "must be TCP or UDP"))
    public_end = body.publicPortEnd or body.publicPortStart
    private_end = body.privatePortEnd or body.privatePortStart + (public_end - body.publicPortStart)
    if public_end < body.publicPortStart:
        problems.append(InvalidField("publicPortEnd", public_end, "must not be below publicPortStart"))
    elif private_end - body.privatePortStart != public_end - body.publicPortStart or private_end > 65535:
        problems.append(
            InvalidField("privatePortEnd", private_end, "the two port ranges must have the same length")
        )
    if body.instanceId is None and body.privateIpId is None:
        raise ValidationErrors([*problems, MissingField("privateIpId")])
    if problems:
        raise ValidationErrors(problems)
    ip = await session.get(PublicIp, body.ipAddressId)
    if ip is None or ip.environment_id != scope.id:
        raise InvalidField("ipAddressId", body.ipAddressId, "no such public IP in this environment")
    if body.privateIpId is not None:
        nic, instance = await _private_ip(session, scope, "privateIpId", body.privateIpId)
        if body.instanceId is not None and body.instanceId != instance.id:
            raise InvalidField("instanceId", body.instanceId, "does not own privateIpId")
    else:
        assert body.instanceId is not None
        instance_row = await session.get(Instance, body.instanceId)
        if instance_row is None or instance_row.environment_id != scope.id:
            raise InvalidField("instanceId", body.instanceId, "no such instance in this environment")
        instance = instance_row
        default = await session.execute(
            select(Nic).where(Nic.instance_id == instance.id, Nic.is_default.is_(True))
        )
        nic = default.scalar_one()
    check_transition(instance, TARGET)
    network = await session.get(Network, nic.network_id)
    assert network is not None
    if ip.is_source_nat:
        problems.append(InvalidField("ipAddressId", ip.id, "the source NAT IP cannot forward ports"))
    if ip.static_nat_nic_id is not None:
        problems.append(InvalidField("ipAddressId", ip.id, "the IP does static NAT"))
    if network.vpc_id != ip.vpc_id:
        problems.append(InvalidField("ipAddressId", ip.id, "the IP is in another VPC than the target"))
    elif ip.network_id is not None and ip.network_id != network.id:
        problems.append(InvalidField("ipAddressId", ip.id, "the IP is bound to another network"))
    elif not await _offers(session, network, "PortForwarding"):
        problems.append(InvalidField("privateIpId", nic.id, "the network's offering has no port forwarding"))
    existing = list(
        (
            await session.execute(select(PortForwardingRule).where(PortForwardingRule.public_ip_id == ip.id))
        ).scalars()
    )
    if overlaps(existing, protocol_key, body.publicPortStart, public_end) is not None:
        ports = _port_range(body.publicPortStart, public_end)
        message = f"{ip.ip_address} already forwards {protocol_key} port {ports}"
        problems.append(Duplicate("publicPortStart", ports, message))
    if problems:
        raise ValidationErrors(problems)
    return {
        "publicIpId": ip.id,
        "protocol": body.protocol,
        "protocolKey": protocol_key,
        "publicPortStart": body.publicPortStart,
        "publicPortEnd": public_end,
        "privatePortStart": body.privatePortStart,
        "privatePortEnd": private_end,
        "instanceId": instance.id,
        "nicId": nic.id,
        "networkId": network.id,
    }
