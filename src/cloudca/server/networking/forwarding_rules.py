"""Port forwarding rules (API-CONTRACT 6.11): representations, reads and the checks of a create,
made before its task exists so a refused request changes nothing.

A (public IP, protocol, first port) is forwarded once by a unique constraint; overlapping ranges are
refused under the public IP's row lock (``networking.handlers``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core import carry, claims, rows
from cloudca.server.core.environment_lists import environment_lister, represented
from cloudca.server.core.listing import SortColumns, as_text
from cloudca.server.errors import Duplicate, InvalidField, MissingField, ServiceError, ValidationErrors
from cloudca.server.instances.models import Instance
from cloudca.server.networking.models import LoadBalancerRule, Network, Nic, PortForwardingRule, PublicIp
from cloudca.server.networking.payloads import CreateForwardPayload, ForwardingPayload
from cloudca.server.networking.public_ips import PROTOCOLS, TARGET, offers, port_range, private_ip
from cloudca.server.networking.schemas import CreatePortForwardingRule

RULES = "portforwardingrules"


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
    return await represented(session, _rule_query().where(PortForwardingRule.id == rule_id), _rule)


RULE_SORT: SortColumns = {
    **carry.wire_columns(
        PortForwardingRule,
        "id ipAddressId protocol instanceId networkId privateIpId state",
        ipAddressId="public_ip_id",
        privateIpId="nic_id",
    ),
    # The ports are strings on the wire, and sort as strings.
    **{
        name: as_text(column)
        for name, column in carry.wire_columns(
            PortForwardingRule, "publicPortStart publicPortEnd privatePortStart privatePortEnd"
        ).items()
    },
    "ipAddress": PublicIp.ip_address,
    "instanceName": Instance.name,
    "vpcId": Network.vpc_id,
    "privateIp": Nic.ip_address,
}


list_rules = environment_lister(
    PortForwardingRule,
    RULE_SORT,
    _rule,
    query=_rule_query,
    instance_id=PortForwardingRule.instance_id,
    public_ip_id=PortForwardingRule.public_ip_id,
)


async def get_rule(session: AsyncSession, scope: EnvironmentScope, rule_id: str) -> PortForwardingRule:
    return await rows.in_environment(
        session, PortForwardingRule, scope.id, rule_id, RULES, "port forwarding rule"
    )


async def balances_in(session: AsyncSession, ip_id: str, start: int, end: int) -> bool:
    """Whether a load balancer rule of the IP uses a public port in ``start``-``end``: a port is
    either balanced or forwarded (``networking.load_balancers``)."""
    hit = await session.execute(
        select(LoadBalancerRule.id)
        .where(
            LoadBalancerRule.public_ip_id == ip_id,
            LoadBalancerRule.public_port >= start,
            LoadBalancerRule.public_port <= end,
        )
        .limit(1)
    )
    return hit.first() is not None


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
) -> CreateForwardPayload:
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
    ip = await rows.field_row(session, PublicIp, scope.id, body.ipAddressId, "ipAddressId", "public IP")
    if body.privateIpId is not None:
        nic, instance = await private_ip(session, scope, "privateIpId", body.privateIpId)
        if body.instanceId is not None and body.instanceId != instance.id:
            raise InvalidField("instanceId", body.instanceId, "does not own privateIpId")
    else:
        assert body.instanceId is not None
        instance = await rows.field_row(
            session, Instance, scope.id, body.instanceId, "instanceId", "instance"
        )
        default = await session.execute(
            select(Nic).where(Nic.instance_id == instance.id, Nic.is_default.is_(True))
        )
        nic = default.scalar_one()
    claims.check_transition(instance, TARGET)
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
    elif not await offers(session, network, "PortForwarding"):
        problems.append(InvalidField("privateIpId", nic.id, "the network's offering has no port forwarding"))
    existing = list(
        (
            await session.execute(select(PortForwardingRule).where(PortForwardingRule.public_ip_id == ip.id))
        ).scalars()
    )
    if overlaps(existing, protocol_key, body.publicPortStart, public_end) is not None or await balances_in(
        session, ip.id, body.publicPortStart, public_end
    ):
        ports = port_range(body.publicPortStart, public_end)
        message = f"{ip.ip_address} already forwards {protocol_key} port {ports}"
        problems.append(Duplicate("publicPortStart", ports, message))
    if problems:
        raise ValidationErrors(problems)
    return carry.payload_from(
        body,
        CreateForwardPayload,
        publicIpId=ip.id,
        protocolKey=protocol_key,
        publicPortEnd=public_end,
        privatePortEnd=private_end,
        instanceId=instance.id,
        nicId=nic.id,
        networkId=network.id,
    )


async def delete_payload(session: AsyncSession, rule: PortForwardingRule) -> ForwardingPayload:
    """A delete's: the rule's public IP and its last representation."""
    return ForwardingPayload(publicIpId=rule.public_ip_id, last=await represent_rule(session, rule.id))
