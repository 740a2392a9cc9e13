"""The public IP and port forwarding tasks.

Forwarding and static NAT changes reach the driver first (the IP's with the change applied), then one
transaction records them under the public IP's row lock, re-checking overlaps; after any failure the
driver gets the database's rules again (``sync_forwards`` reads the database, so it is idempotent).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core import carry, claims, payloads, rows, unique
from cloudca.server.errors import Duplicate, InvalidField
from cloudca.server.networking import balancing, forwarding
from cloudca.server.networking import forwarding_rules as rules
from cloudca.server.networking import public_ips as service
from cloudca.server.networking.models import Nic, PortForwardingRule, PublicIp
from cloudca.server.networking.payloads import (
    AcquireIpPayload,
    CreateForwardPayload,
    ForwardingPayload,
    StaticNatPayload,
)
from cloudca.server.networking.public_ips import lock_ip
from cloudca.server.tasks.entity import EntityTask, new_entity
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


async def _private_ip(session: AsyncSession, nic_id: str) -> Nic:
    """The NIC whose private IP the task targets; gone since the request: the task fails."""
    nic = await session.get(Nic, nic_id)
    if nic is None:
        raise InvalidField("privateIpId", nic_id, "the private IP no longer exists")
    return nic


async def _private_address(ctx: TaskContext, nic_id: str) -> str:
    async with ctx.database.session() as session:
        return (await _private_ip(session, nic_id)).ip_address


class AcquirePublicIp(EntityTask):
    kind = "publicipaddresses.acquire"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        assert task.environment_id is not None
        payload = AcquireIpPayload.from_json(task.payload)
        ip = await forwarding.acquire_public_ip(
            session,
            environment_id=task.environment_id,
            vpc_id=payload.vpcId,
            zone_id=payload.zoneId,
            ip_id=task.entity_id,
        )
        await session.flush()
        return await service.represent_ip(session, ip.id)


class ReleasePublicIp(EntityTask):
    kind = "publicipaddresses.release"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        await forwarding.clear_ip(ctx.database, ctx.driver, task.entity_id)
        await balancing.push_balancers(ctx.database, ctx.driver, task.entity_id, lambda _rules: [])

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        last = await service.represent_ip(session, task.entity_id)
        await forwarding.release_public_ip(session, task.entity_id)
        return last or payloads.Deleted.from_json(task.payload).last

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await forwarding.sync_forwards(ctx.database, ctx.driver, [task.entity_id])
        await balancing.sync_balancers(ctx.database, ctx.driver, [task.entity_id])


class StaticNatTask(EntityTask):
    """A change of the IP's static NAT; the driver gets the IP's forwards again after a failure."""

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await forwarding.sync_forwards(ctx.database, ctx.driver, [task.entity_id])


class EnableStaticNat(StaticNatTask):
    kind = "publicipaddresses.enableStaticNat"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        address = await _private_address(ctx, StaticNatPayload.from_json(task.payload).nicId)
        await forwarding.push_forwards(ctx.database, ctx.driver, task.entity_id, nat=lambda _: address)

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = StaticNatPayload.from_json(task.payload)
        nic = await _private_ip(session, payload.nicId)
        await claims.lock_usable_instance(session, nic.instance_id)
        ip = await lock_ip(session, task.entity_id, "ipAddressId")
        forwarded = await session.execute(
            select(PortForwardingRule.id).where(PortForwardingRule.public_ip_id == ip.id)
        )
        balanced = await rules.balances_in(session, ip.id, 1, 65535)
        if ip.static_nat_nic_id is not None or forwarded.first() is not None or balanced:
            raise InvalidField("id", ip.id, "the IP gained rules or static NAT meanwhile")
        async with unique.refused_as(
            session, Duplicate("privateIpId", nic.id, "The private IP already has static NAT")
        ):
            ip.static_nat_nic_id, ip.network_id = nic.id, payload.networkId
        return await service.represent_ip(session, ip.id)


class DisableStaticNat(StaticNatTask):
    kind = "publicipaddresses.disableStaticNat"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        await forwarding.push_forwards(ctx.database, ctx.driver, task.entity_id, nat=lambda _: None)

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        await rows.update_row(session, PublicIp, task.entity_id, static_nat_nic_id=None)
        await forwarding.unbind_unused(session)
        return await service.represent_ip(session, task.entity_id)


class ForwardTask(EntityTask):
    """A change of one port forwarding rule; the driver gets its IP's forwards again after a failure."""

    def public_ip(self, task: Task) -> str:
        return ForwardingPayload.from_json(task.payload).publicIpId

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await forwarding.sync_forwards(ctx.database, ctx.driver, [self.public_ip(task)])


def _new_rule(task: Task, p: CreateForwardPayload) -> PortForwardingRule:
    """The rule the task records (and, before that, gives the driver)."""
    return PortForwardingRule(**new_entity(task), **carry.columns(p, omit=("last",)))


class CreatePortForwardingRule(ForwardTask):
    kind = "portforwardingrules.create"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        p = CreateForwardPayload.from_json(task.payload)
        forward = forwarding.port_forward(_new_rule(task, p), await _private_address(ctx, p.nicId))
        await forwarding.push_forwards(
            ctx.database, ctx.driver, p.publicIpId, lambda rules: [*rules, forward]
        )

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        p = CreateForwardPayload.from_json(task.payload)
        await claims.lock_usable_instance(session, p.instanceId)
        ip = await lock_ip(session, p.publicIpId, "ipAddressId")
        if ip.network_id not in (None, p.networkId) or ip.static_nat_nic_id is not None:
            raise InvalidField("ipAddressId", ip.id, "the IP was bound elsewhere meanwhile")
        existing = list(
            (
                await session.execute(
                    select(PortForwardingRule).where(PortForwardingRule.public_ip_id == ip.id)
                )
            ).scalars()
        )
        start, end = p.publicPortStart, p.publicPortEnd
        overlapping = rules.overlaps(existing, p.protocolKey, start, end) is not None
        if overlapping or await rules.balances_in(session, ip.id, start, end):
            raise Duplicate("publicPortStart", start, f"{ip.ip_address} already forwards port {start}")
        rule = _new_rule(task, p)
        taken = Duplicate("publicPortStart", start, f"{ip.ip_address} already forwards port {start}")
        async with unique.refused_as(session, taken):
            session.add(rule)
            ip.network_id = p.networkId
        return await rules.represent_rule(session, rule.id)


class DeletePortForwardingRule(ForwardTask):
    kind = "portforwardingrules.delete"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        rule_id = task.entity_id
        await forwarding.push_forwards(
            ctx.database,
            ctx.driver,
            self.public_ip(task),
            lambda rules: [r for r in rules if r.rule_id != rule_id],
        )

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        last = await rules.represent_rule(session, task.entity_id)
        await session.execute(delete(PortForwardingRule).where(PortForwardingRule.id == task.entity_id))
        await forwarding.unbind_unused(session)
        return last or ForwardingPayload.from_json(task.payload).last


HANDLERS: tuple[TaskHandler, ...] = (
    AcquirePublicIp(),
    ReleasePublicIp(),
    EnableStaticNat(),
    DisableStaticNat(),
    CreatePortForwardingRule(),
    DeletePortForwardingRule(),
)
