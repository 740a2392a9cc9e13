"""The public IP and port forwarding tasks.

Forwarding and static NAT changes reach the driver first (the IP's with the change applied), then one
transaction records them under the public IP's row lock, re-checking overlaps; after any failure the
driver gets the database's rules again (``sync_forwards`` reads the database, so it is idempotent).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core.claims import lock_usable_instance
from cloudca.server.core.unique import refused_as
from cloudca.server.drivers.base import PortForward
from cloudca.server.errors import Duplicate, InvalidField
from cloudca.server.networking import balancing, forwarding
from cloudca.server.networking import forwarding_rules as rules
from cloudca.server.networking import public_ips as service
from cloudca.server.networking.models import Nic, PortForwardingRule, PublicIp
from cloudca.server.networking.public_ips import lock_ip
from cloudca.server.tasks.entity import EntityTask
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


class AcquirePublicIp(EntityTask):
    kind = "publicipaddresses.acquire"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        assert task.environment_id is not None
        ip = await forwarding.acquire_public_ip(
            session,
            environment_id=task.environment_id,
            vpc_id=task.payload["vpcId"],
            zone_id=task.payload["zoneId"],
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
        return last or task.payload.get("last")

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await forwarding.sync_forwards(ctx.database, ctx.driver, [task.entity_id])
        await balancing.sync_balancers(ctx.database, ctx.driver, [task.entity_id])


class EnableStaticNat(EntityTask):
    kind = "publicipaddresses.enableStaticNat"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.session() as session:
            nic = await session.get(Nic, task.payload["nicId"])
        if nic is None:
            raise InvalidField("privateIpId", task.payload["nicId"], "the private IP no longer exists")
        private_ip = nic.ip_address
        await forwarding.push_forwards(ctx.database, ctx.driver, task.entity_id, nat=lambda _: private_ip)

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        nic = await session.get(Nic, task.payload["nicId"])
        if nic is None:
            raise InvalidField("privateIpId", task.payload["nicId"], "the private IP no longer exists")
        await lock_usable_instance(session, nic.instance_id)
        ip = await lock_ip(session, task.entity_id, "ipAddressId")
        forwarded = await session.execute(
            select(PortForwardingRule.id).where(PortForwardingRule.public_ip_id == ip.id)
        )
        balanced = await rules.balances_in(session, ip.id, 1, 65535)
        if ip.static_nat_nic_id is not None or forwarded.first() is not None or balanced:
            raise InvalidField("id", ip.id, "the IP gained rules or static NAT meanwhile")
        async with refused_as(
            session, Duplicate("privateIpId", nic.id, "The private IP already has static NAT")
        ):
            ip.static_nat_nic_id, ip.network_id = nic.id, task.payload["networkId"]
        return await service.represent_ip(session, ip.id)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await forwarding.sync_forwards(ctx.database, ctx.driver, [task.entity_id])


class DisableStaticNat(EntityTask):
    kind = "publicipaddresses.disableStaticNat"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        await forwarding.push_forwards(ctx.database, ctx.driver, task.entity_id, nat=lambda _: None)

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        await session.execute(
            update(PublicIp)
            .where(PublicIp.id == task.entity_id)
            .values(static_nat_nic_id=None)
            .execution_options(synchronize_session=False)
        )
        await forwarding.unbind_unused(session)
        return await service.represent_ip(session, task.entity_id)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await forwarding.sync_forwards(ctx.database, ctx.driver, [task.entity_id])


def _new_forward(task: Task, private_ip: str) -> PortForward:
    payload = task.payload
    return PortForward(
        rule_id=task.entity_id,
        protocol=payload["protocolKey"],
        public_port_start=payload["publicPortStart"],
        public_port_end=payload["publicPortEnd"],
        private_ip=private_ip,
        private_port_start=payload["privatePortStart"],
        private_port_end=payload["privatePortEnd"],
    )


class CreatePortForwardingRule(EntityTask):
    kind = "portforwardingrules.create"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.session() as session:
            nic = await session.get(Nic, task.payload["nicId"])
        if nic is None:
            raise InvalidField("privateIpId", task.payload["nicId"], "the private IP no longer exists")
        forward = _new_forward(task, nic.ip_address)
        await forwarding.push_forwards(
            ctx.database, ctx.driver, task.payload["publicIpId"], lambda rules: [*rules, forward]
        )

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = task.payload
        await lock_usable_instance(session, payload["instanceId"])
        ip = await lock_ip(session, payload["publicIpId"], "ipAddressId")
        if ip.network_id not in (None, payload["networkId"]) or ip.static_nat_nic_id is not None:
            raise InvalidField("ipAddressId", ip.id, "the IP was bound elsewhere meanwhile")
        existing = list(
            (
                await session.execute(
                    select(PortForwardingRule).where(PortForwardingRule.public_ip_id == ip.id)
                )
            ).scalars()
        )
        start, end = payload["publicPortStart"], payload["publicPortEnd"]
        overlapping = rules.overlaps(existing, payload["protocolKey"], start, end) is not None
        if overlapping or await rules.balances_in(session, ip.id, start, end):
            raise Duplicate("publicPortStart", start, f"{ip.ip_address} already forwards port {start}")
        assert task.environment_id is not None
        rule = PortForwardingRule(
            id=task.entity_id,
            environment_id=task.environment_id,
            public_ip_id=ip.id,
            protocol=payload["protocol"],
            protocol_key=payload["protocolKey"],
            public_port_start=start,
            public_port_end=end,
            private_port_start=payload["privatePortStart"],
            private_port_end=payload["privatePortEnd"],
            instance_id=payload["instanceId"],
            nic_id=payload["nicId"],
            network_id=payload["networkId"],
        )
        taken = Duplicate("publicPortStart", start, f"{ip.ip_address} already forwards port {start}")
        async with refused_as(session, taken):
            session.add(rule)
            ip.network_id = payload["networkId"]
        return await rules.represent_rule(session, rule.id)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await forwarding.sync_forwards(ctx.database, ctx.driver, [task.payload["publicIpId"]])


class DeletePortForwardingRule(EntityTask):
    kind = "portforwardingrules.delete"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        rule_id = task.entity_id
        await forwarding.push_forwards(
            ctx.database,
            ctx.driver,
            task.payload["publicIpId"],
            lambda rules: [r for r in rules if r.rule_id != rule_id],
        )

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        last = await rules.represent_rule(session, task.entity_id)
        await session.execute(delete(PortForwardingRule).where(PortForwardingRule.id == task.entity_id))
        await forwarding.unbind_unused(session)
        return last or task.payload.get("last")

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await forwarding.sync_forwards(ctx.database, ctx.driver, [task.payload["publicIpId"]])


HANDLERS: tuple[TaskHandler, ...] = (
    AcquirePublicIp(),
    ReleasePublicIp(),
    EnableStaticNat(),
    DisableStaticNat(),
    CreatePortForwardingRule(),
    DeletePortForwardingRule(),
)
