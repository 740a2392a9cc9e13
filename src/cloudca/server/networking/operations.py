"""The ``?operation=`` tables of the networking resources (``core.operations``): per resource, each
operation's name, body model, check and task kind; the default entry is the update a request
without ``?operation=`` makes. A check takes the session, the environment, the resource's row and
the typed body (``None`` without a model) and returns the task's payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core.operations import EntityCheck, Operation, Operations
from cloudca.server.core.payloads import NoPayload
from cloudca.server.networking import acls, nics, public_ips, vpcs, vpns
from cloudca.server.networking import load_balancers as balancers
from cloudca.server.networking.models import LoadBalancerRule, Network, NetworkAclRule, Nic, PublicIp, Vpc
from cloudca.server.networking.payloads import (
    BalancerPayload,
    NicPayload,
    StickinessPayload,
    UpdatePayload,
    UpdateRulePayload,
)
from cloudca.server.networking.schemas import (
    EnableStaticNat,
    UpdateAclRule,
    UpdateLoadBalancerInstances,
    UpdateLoadBalancerRule,
    UpdateLoadBalancerStickiness,
)

Check = EntityCheck[EnvironmentScope]
#: A load balancer rule's: every one carries the rule's IP and network (``BalancerPayload``).
RuleCheck = Callable[[AsyncSession, EnvironmentScope, Any, Any], Awaitable[BalancerPayload]]


async def _nothing(session: AsyncSession, scope: EnvironmentScope, row: object, body: None) -> NoPayload:
    """The check of an operation that only needs its resource to exist."""
    return NoPayload()


async def _update(
    session: AsyncSession, scope: EnvironmentScope, row: Vpc | Network, body: vpcs.UpdateEntity
) -> UpdatePayload:
    return vpcs.check_update(body)


async def _disable_static_nat(
    session: AsyncSession, scope: EnvironmentScope, ip: PublicIp, body: None
) -> NoPayload:
    public_ips.check_disable_static_nat(ip)
    return NoPayload()


async def _replace_acl(
    session: AsyncSession, scope: EnvironmentScope, network: Network, body: vpcs.ReplaceAcl
) -> UpdatePayload:
    return await vpcs.check_replace_acl(session, scope, network, body)


async def _update_balancer(
    session: AsyncSession, scope: EnvironmentScope, rule: LoadBalancerRule, body: UpdateLoadBalancerRule
) -> UpdateRulePayload:
    return balancers.check_update(rule, body)


async def _update_stickiness(
    session: AsyncSession, scope: EnvironmentScope, rule: LoadBalancerRule, body: UpdateLoadBalancerStickiness
) -> StickinessPayload:
    return balancers.check_update_stickiness(rule, body)


async def _set_default(session: AsyncSession, scope: EnvironmentScope, nic: Nic, body: None) -> NicPayload:
    return await nics.check_set_default(session, nic)


async def _update_acl_rule(
    session: AsyncSession, scope: EnvironmentScope, rule: NetworkAclRule, body: UpdateAclRule
) -> acls.RulePayload:
    return await acls.check_update_rule(session, rule, body)


PUBLIC_IPS: Operations[Check] = Operations(
    public_ips.PUBLIC_IPS,
    Operation(
        "enableStaticNat",
        "publicipaddresses.enableStaticNat",
        public_ips.check_enable_static_nat,
        EnableStaticNat,
    ),
    Operation("disableStaticNat", "publicipaddresses.disableStaticNat", _disable_static_nat),
)
VPCS: Operations[Check] = Operations(
    "vpcs",
    Operation("restart", "vpcs.restart", _nothing),
    default=Operation("update", "vpcs.update", _update, vpcs.UpdateEntity),
)
NETWORKS: Operations[Check] = Operations(
    "networks",
    Operation("replace", "networks.update", _replace_acl, vpcs.ReplaceAcl),
    default=Operation("update", "networks.update", _update, vpcs.UpdateEntity),
)
LOAD_BALANCER_RULES: Operations[RuleCheck] = Operations(
    balancers.RULES,
    Operation(
        "updateInstances",
        "loadbalancerrules.updateInstances",
        balancers.check_update_instances,
        UpdateLoadBalancerInstances,
    ),
    Operation(
        "updateStickiness",
        "loadbalancerrules.updateStickiness",
        _update_stickiness,
        UpdateLoadBalancerStickiness,
    ),
    default=Operation("update", "loadbalancerrules.update", _update_balancer, UpdateLoadBalancerRule),
)
REMOTE_ACCESS_VPNS: Operations[Check] = Operations(
    vpns.REMOTE_ACCESS_VPNS,
    Operation("enable", "remoteaccessvpns.enable", _nothing),
    Operation("disable", "remoteaccessvpns.disable", _nothing),
)
SITE_TO_SITE_VPNS: Operations[Check] = Operations(
    vpns.SITE_TO_SITE_VPNS, Operation("reset", "sitetositevpns.reset", _nothing)
)
NICS: Operations[Check] = Operations(nics.ENTITY, Operation("setDefault", "nics.setDefault", _set_default))
ACL_RULES: Operations[Check] = Operations(
    acls.RULES, default=Operation("update", "networkaclrules.update", _update_acl_rule, UpdateAclRule)
)
