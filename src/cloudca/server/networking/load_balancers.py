"""Load balancer rules (API-CONTRACT 6.12): representations, reads, and the checks of every mutation,
made before its task exists so that a refused request changes nothing.

A rule spreads one public port of a public IP over instances of one network. Like a port forwarding
rule it binds the IP to that network until the IP's last rule goes; an IP doing source or static NAT
balances nothing, and a public port is either balanced or forwarded, never both (Decision: the
contract's "no other rule on the same IP and public port" read over both kinds of rules).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core import carry, claims, rows
from cloudca.server.core.environment_lists import environment_entities
from cloudca.server.core.fields import not_one_of
from cloudca.server.core.listing import ListParams, SortColumns, as_text
from cloudca.server.db.base import new_id
from cloudca.server.errors import Duplicate, InvalidField, MissingField, ServiceError, ValidationErrors
from cloudca.server.instances import states
from cloudca.server.instances.models import Instance
from cloudca.server.networking.balancing import members_of
from cloudca.server.networking.models import LoadBalancerRule, Network, Nic, PortForwardingRule, PublicIp
from cloudca.server.networking.payloads import (
    BalancerPayload,
    CreateRulePayload,
    MembersPayload,
    StickinessPayload,
    UpdateRulePayload,
)
from cloudca.server.networking.public_ips import offers
from cloudca.server.networking.schemas import (
    CreateLoadBalancerRule,
    UpdateLoadBalancerInstances,
    UpdateLoadBalancerRule,
    UpdateLoadBalancerStickiness,
)

RULES = "loadbalancerrules"
PROTOCOLS = ("tcp", "udp", "tcp-proxy", "ssl")
ALGORITHMS = ("roundrobin", "leastconn", "source")
STICKINESS_METHODS = ("LbCookie", "AppCookie", "SourceBased")
BALANCE = states.Transition("balance", "balance load to", (states.RUNNING, states.STOPPED))


# -- representations -----------------------------------------------------------------------------


async def represent_rules(session: AsyncSession, rules: list[LoadBalancerRule]) -> list[dict[str, Any]]:
    if not rules:
        return []
    ips = {
        ip.id: ip.ip_address
        for ip in (
            await session.execute(select(PublicIp).where(PublicIp.id.in_({r.public_ip_id for r in rules})))
        ).scalars()
    }
    members = await members_of(session, [r.id for r in rules])
    items = []
    for rule in rules:
        body: dict[str, Any] = {
            "id": rule.id,
            "name": rule.name,
            "networkId": rule.network_id,
            "publicIp": ips.get(rule.public_ip_id),
            "publicIpId": rule.public_ip_id,
            "publicPort": str(rule.public_port),
            "privatePort": str(rule.private_port),
            "algorithm": rule.algorithm,
            "protocol": rule.protocol,
            "stickinessPolicyParameters": dict(rule.stickiness_parameters or {}),
            "instanceIds": members[rule.id],
        }
        if rule.stickiness_method:
            body.update(stickinessMethod=rule.stickiness_method, stickinessPolicyId=rule.stickiness_policy_id)
        if rule.ssl_certificate_id:
            body["sslCertificateId"] = rule.ssl_certificate_id
        items.append(body)
    return items


async def represent_rule(session: AsyncSession, rule_id: str) -> dict[str, Any] | None:
    rule = await session.get(LoadBalancerRule, rule_id, populate_existing=True)
    return (await represent_rules(session, [rule]))[0] if rule is not None else None


RULE_SORT: SortColumns = {
    **carry.wire_columns(
        LoadBalancerRule,
        "id name networkId publicIpId algorithm protocol",
        "stickinessMethod stickinessPolicyId sslCertificateId",
    ),
    "publicIp": select(PublicIp.ip_address)
    .where(PublicIp.id == LoadBalancerRule.public_ip_id)
    .scalar_subquery(),
    # The ports are strings on the wire, and sort as strings.
    "publicPort": as_text(LoadBalancerRule.public_port),
    "privatePort": as_text(LoadBalancerRule.private_port),
}


async def list_rules(
    session: AsyncSession, scope: EnvironmentScope, params: ListParams, *, public_ip_id: str | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    filters = {LoadBalancerRule.public_ip_id: public_ip_id}
    items, metadata = await environment_entities(
        session, LoadBalancerRule, scope.id, params, RULE_SORT, filters
    )
    return await represent_rules(session, items), metadata


async def get_rule(session: AsyncSession, scope: EnvironmentScope, rule_id: str) -> LoadBalancerRule:
    """The rule named in the path, or 404."""
    return await rows.in_environment(
        session, LoadBalancerRule, scope.id, rule_id, RULES, "load balancer rule"
    )


# -- checks --------------------------------------------------------------------------------------


def check_stickiness(
    method: str | None, parameters: dict[str, str] | None
) -> tuple[str | None, dict[str, str]]:
    """The stored policy (method, parameters): ``none`` (any case, what the Go client sends to remove
    it) means no policy."""
    if method is None or method.lower() == "none":
        if method is None and parameters:
            raise InvalidField("stickinessPolicyParameters", parameters, "needs a stickinessMethod")
        return None, {}
    canonical = next((m for m in STICKINESS_METHODS if m.lower() == method.lower()), None)
    if canonical is None:
        raise InvalidField(
            "stickinessMethod", method, f"must be one of {', '.join(STICKINESS_METHODS)} or none"
        )
    return method, dict(parameters or {})


def check_backend(refused: frozenset[str], payload: BalancerPayload) -> None:
    """Refuse, before any task, a protocol, algorithm or stickiness method that the compute backend
    declares it cannot apply (``Capabilities.balancing_refuses``) rather than let its task fail."""
    words = {word.lower() for word in refused}
    values = payload.to_json()
    for field in ("protocol", "algorithm", "stickinessMethod"):
        value = values.get(field)
        if isinstance(value, str) and value.lower() in words:
            raise InvalidField(field, value, "this installation's compute backend cannot apply it")


async def port_taken(
    session: AsyncSession, ip_id: str, port: int, rule_id: str | None = None
) -> ServiceError | None:
    """A refusal when another rule (load balancer or port forwarding) already uses the IP's ``port``."""
    balanced = select(LoadBalancerRule.id).where(
        LoadBalancerRule.public_ip_id == ip_id, LoadBalancerRule.public_port == port
    )
    if rule_id is not None:
        balanced = balanced.where(LoadBalancerRule.id != rule_id)
    forwarded = select(PortForwardingRule.id).where(
        PortForwardingRule.public_ip_id == ip_id,
        PortForwardingRule.public_port_start <= port,
        PortForwardingRule.public_port_end >= port,
    )
    for query in (balanced, forwarded):
        if (await session.execute(query.limit(1))).first() is not None:
            return Duplicate("publicPort", str(port), f"Port {port} of the public IP already has a rule")
    return None


async def check_members(
    session: AsyncSession, scope: EnvironmentScope, network_id: str, instance_ids: list[str]
) -> tuple[str, ...]:
    """The instances, each of this environment, Running or Stopped, with a NIC on the network."""
    problems: list[ServiceError] = []
    for instance_id in dict.fromkeys(instance_ids):
        try:
            instance = await rows.field_row(
                session, Instance, scope.id, instance_id, "instanceIds", "instance"
            )
        except InvalidField as problem:
            problems.append(problem)
            continue
        claims.check_transition(instance, BALANCE)
        on_network = await session.execute(
            select(Nic.id).where(Nic.instance_id == instance_id, Nic.network_id == network_id).limit(1)
        )
        if on_network.first() is None:
            problems.append(
                InvalidField("instanceIds", instance_id, "the instance is not in the rule's network")
            )
    if problems:
        raise ValidationErrors(problems)
    return tuple(dict.fromkeys(instance_ids))


async def check_create(
    session: AsyncSession, scope: EnvironmentScope, body: CreateLoadBalancerRule
) -> CreateRulePayload:
    problems = [
        problem
        for problem in (
            not_one_of("protocol", body.protocol, PROTOCOLS),
            not_one_of("algorithm", body.algorithm, ALGORITHMS),
        )
        if problem is not None
    ]
    if body.sslCertificateId is not None and body.protocol.lower() != "ssl":
        problems.append(InvalidField("sslCertificateId", body.sslCertificateId, "only with protocol ssl"))
    if problems:
        raise ValidationErrors(problems)
    method, parameters = check_stickiness(body.stickinessMethod, body.stickinessPolicyParameters)
    ip = await rows.field_row(session, PublicIp, scope.id, body.publicIpId, "publicIpId", "public IP")
    if ip.is_source_nat or ip.static_nat_nic_id is not None:
        raise InvalidField("publicIpId", ip.id, "an IP doing source or static NAT cannot balance load")
    network_id = body.networkId or ip.network_id
    if network_id is None:
        raise MissingField("networkId", "networkId is required while the public IP is bound to no network")
    if ip.network_id is not None and network_id != ip.network_id:
        raise InvalidField("networkId", network_id, "the public IP is bound to another network")
    network = await session.get(Network, network_id)
    if network is None or network.environment_id != scope.id or network.vpc_id != ip.vpc_id:
        raise InvalidField("networkId", network_id, "no such network in the public IP's VPC")
    if not await offers(session, network, "Lb"):
        raise InvalidField("networkId", network.id, "the network's offering has no load balancing (Lb)")
    taken = await port_taken(session, ip.id, body.publicPort)
    if taken is not None:
        raise taken
    members = await check_members(session, scope, network.id, body.instanceIds or [])
    return carry.payload_from(
        body,
        CreateRulePayload,
        publicIpId=ip.id,
        networkId=network.id,
        instanceIds=members,
        stickinessMethod=method,
        stickinessPolicyParameters=parameters,
        stickinessPolicyId=new_id() if method else None,
    )


def check_update(rule: LoadBalancerRule, body: UpdateLoadBalancerRule) -> UpdateRulePayload:
    if body.name is None and body.algorithm is None:
        raise ValidationErrors([MissingField("name"), MissingField("algorithm")])
    if body.algorithm is not None:
        problem = not_one_of("algorithm", body.algorithm, ALGORITHMS)
        if problem is not None:
            raise problem
    return UpdateRulePayload(
        publicIpId=rule.public_ip_id, networkId=rule.network_id, name=body.name, algorithm=body.algorithm
    )


async def check_update_instances(
    session: AsyncSession, scope: EnvironmentScope, rule: LoadBalancerRule, body: UpdateLoadBalancerInstances
) -> MembersPayload:
    members = await check_members(session, scope, rule.network_id, body.instanceIds or [])
    return MembersPayload(publicIpId=rule.public_ip_id, networkId=rule.network_id, instanceIds=members)


def check_update_stickiness(rule: LoadBalancerRule, body: UpdateLoadBalancerStickiness) -> StickinessPayload:
    method, parameters = check_stickiness(body.stickinessMethod, body.stickinessPolicyParameters)
    return StickinessPayload(
        publicIpId=rule.public_ip_id,
        networkId=rule.network_id,
        stickinessMethod=method,
        stickinessPolicyParameters=parameters,
        stickinessPolicyId=new_id() if method else None,
    )


async def delete_payload(session: AsyncSession, rule: LoadBalancerRule) -> BalancerPayload:
    """A delete's: the rule's IP and network, and its last representation."""
    last = await represent_rule(session, rule.id)
    return BalancerPayload(publicIpId=rule.public_ip_id, networkId=rule.network_id, last=last)
