"""The NIC, VPC and network tasks.

NIC changes reach the driver as the machine's whole NIC list (``set_nics``): for delete and
setDefault the list with the change applied goes first, then one transaction records it; a new NIC
needs an address first, so it is allocated (committed), then the driver told, and a failure deletes
it again. VPC and network tasks are database only; creating a VPC acquires its source NAT IP in the
same transaction, so an exhausted pool leaves no VPC behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core import carry, claims, payloads, rows
from cloudca.server.drivers.base import NicSpec
from cloudca.server.errors import InvalidField
from cloudca.server.instances.lifecycle import mark_network_implemented
from cloudca.server.instances.machines import nic_specs
from cloudca.server.instances.reconcile import Part, reconcile
from cloudca.server.networking import acls, filtering, forwarding, ipam, nics
from cloudca.server.networking import service as networking
from cloudca.server.networking.models import Network, NetworkAcl, Nic, PublicIp, Vpc
from cloudca.server.networking.payloads import (
    CreateNetworkPayload,
    CreateNicPayload,
    CreateVpcPayload,
    NicPayload,
    UpdatePayload,
)
from cloudca.server.tasks.entity import EntityTask, new_entity
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task

NicEdit = Callable[[tuple[NicSpec, ...]], tuple[NicSpec, ...]]


async def push_nics(ctx: TaskContext, instance_id: str, edit: NicEdit | None = None) -> None:
    """Give the driver the instance's NICs as the database has them, changed by ``edit``."""
    async with ctx.database.session() as session:
        specs = await nic_specs(session, instance_id)
    await ctx.driver.set_nics(instance_id, edit(specs) if edit is not None else specs)


async def resync_nics(ctx: TaskContext, instance_id: str) -> None:
    """After a failure: the instance's reconcile, of the part a NIC task owns."""
    await reconcile(ctx, instance_id, parts=Part.NICS)


class NicTask(EntityTask):
    """A change of one NIC; the driver gets its instance's NICs again after a failure."""

    def instance(self, task: Task) -> str:
        return NicPayload.from_json(task.payload).instanceId

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await resync_nics(ctx, self.instance(task))


class CreateNic(NicTask):
    kind = "nics.create"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        payload = CreateNicPayload.from_json(task.payload)
        async with ctx.database.transaction() as session:
            await claims.lock_usable_instance(session, payload.instanceId)
            network = await session.get(Network, payload.networkId)
            if network is None:
                raise InvalidField("networkId", payload.networkId, "the network no longer exists")
            await ipam.allocate_nic(
                session,
                instance_id=payload.instanceId,
                network=network,
                name=payload.name,
                is_default=False,
                nic_id=task.entity_id,
            )
            await mark_network_implemented(session, network.id)
        await push_nics(ctx, payload.instanceId)
        async with ctx.database.transaction() as session:
            await ctx.succeed(session, task, await nics.represent(session, task.entity_id))

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        raise NotImplementedError  # ``run`` is overridden: the address must exist before the driver call

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.transaction() as session:
            await session.execute(delete(Nic).where(Nic.id == task.entity_id, Nic.is_default.is_(False)))
        await self.resync(ctx, task)


class DeleteNic(NicTask):
    kind = "nics.delete"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        nic_id = task.entity_id
        await push_nics(ctx, self.instance(task), lambda specs: tuple(s for s in specs if s.nic_id != nic_id))

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = NicPayload.from_json(task.payload)
        await claims.lock_usable_instance(session, payload.instanceId)
        last = await nics.represent(session, task.entity_id)
        deleted = await session.execute(
            delete(Nic).where(Nic.id == task.entity_id, Nic.is_default.is_(False))
        )
        if last is not None and not getattr(deleted, "rowcount", 0):
            raise InvalidField("id", task.entity_id, "the NIC became the default meanwhile")
        return last or payload.last


class SetDefaultNic(NicTask):
    kind = "nics.setDefault"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        nic_id = task.entity_id
        await push_nics(
            ctx,
            self.instance(task),
            lambda specs: tuple(replace(s, is_default=s.nic_id == nic_id) for s in specs),
        )

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        instance_id = self.instance(task)
        await claims.lock_usable_instance(session, instance_id)
        others = (Nic.instance_id == instance_id, Nic.id != task.entity_id)
        await session.execute(
            update(Nic).where(*others).values(is_default=False).execution_options(synchronize_session=False)
        )
        if not await rows.update_row(
            session, Nic, task.entity_id, Nic.instance_id == instance_id, is_default=True
        ):
            raise InvalidField("id", task.entity_id, "the NIC no longer exists")
        return await nics.represent(session, task.entity_id)


class CreateVpc(EntityTask):
    kind = "vpcs.create"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = CreateVpcPayload.from_json(task.payload)
        keys = new_entity(task)
        session.add(Vpc(**keys, **carry.columns(payload)))
        await session.flush()
        # Contract 6.7: a VPC comes with its source NAT public IP (QUOTA_EXCEEDED rolls both back).
        await forwarding.acquire_public_ip(
            session,
            environment_id=keys["environment_id"],
            vpc_id=task.entity_id,
            zone_id=payload.zoneId,
            source_nat=True,
        )
        await session.flush()
        return await networking.represent_vpc(session, task.entity_id)


class UpdateVpc(EntityTask):
    kind = "vpcs.update"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        await rows.update_row(session, Vpc, task.entity_id, **UpdatePayload.from_json(task.payload).changes())
        return await networking.represent_vpc(session, task.entity_id)


class RestartVpc(EntityTask):
    kind = "vpcs.restart"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        # The simulator has no virtual router to restart; the VPC is unchanged (6.7).
        return await networking.represent_vpc(session, task.entity_id)


class DeleteVpc(EntityTask):
    kind = "vpcs.delete"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        last = await networking.represent_vpc(session, task.entity_id)
        has_networks = await session.execute(
            select(Network.id).where(Network.vpc_id == task.entity_id).limit(1)
        )
        if has_networks.first() is not None:
            raise InvalidField("id", task.entity_id, "the VPC gained a network meanwhile")
        # With no network there are no rules: the VPC's IPs (source NAT included) just go.
        await session.execute(delete(PublicIp).where(PublicIp.vpc_id == task.entity_id))
        await session.execute(delete(NetworkAcl).where(NetworkAcl.vpc_id == task.entity_id))
        await session.execute(delete(Vpc).where(Vpc.id == task.entity_id))
        return last or payloads.Deleted.from_json(task.payload).last


class CreateNetwork(EntityTask):
    """The new network's filtering (its ACL's rules) reaches the driver before it is recorded."""

    kind = "networks.create"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        payload = CreateNetworkPayload.from_json(task.payload)
        async with ctx.database.session() as session:
            acl = await session.get(NetworkAcl, payload.networkAclId)
            if acl is None:
                raise InvalidField("networkAclId", payload.networkAclId, "the ACL no longer exists")
            rules = [acls.driver_rule(rule) for rule in await acls.rules_of(session, acl)]
        await filtering.apply(ctx.driver, task.entity_id, payload.cidr, rules)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        cidr = CreateNetworkPayload.from_json(task.payload).cidr
        await filtering.sync_networks(ctx.database, ctx.driver, [task.entity_id], cidr)

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = CreateNetworkPayload.from_json(task.payload)
        session.add(Network(**new_entity(task), **carry.columns(payload)))
        await session.flush()  # the (vpc, cidr) constraint refuses a racing network on the same CIDR
        return await networking.represent_network(session, task.entity_id)


class UpdateNetwork(EntityTask):
    """Also ``?operation=replace``: the payload's ``network_acl_id`` is the network's new ACL, whose
    rules reach the driver before the switch is recorded."""

    kind = "networks.update"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        acl_id = UpdatePayload.from_json(task.payload).network_acl_id
        if acl_id:
            await filtering.push_network_acl(ctx.database, ctx.driver, task.entity_id, acl_id=acl_id)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        if UpdatePayload.from_json(task.payload).network_acl_id:
            await filtering.sync_networks(ctx.database, ctx.driver, [task.entity_id])

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        await rows.update_row(
            session, Network, task.entity_id, **UpdatePayload.from_json(task.payload).changes()
        )
        return await networking.represent_network(session, task.entity_id)


class DeleteNetwork(EntityTask):
    kind = "networks.delete"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        cidr = (payloads.Deleted.from_json(task.payload).last or {}).get("cidr", "")
        await filtering.apply(ctx.driver, task.entity_id, cidr, None)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await filtering.sync_networks(ctx.database, ctx.driver, [task.entity_id])

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        last = await networking.represent_network(session, task.entity_id)
        used = await session.execute(select(Nic.id).where(Nic.network_id == task.entity_id).limit(1))
        if used.first() is not None:
            raise InvalidField("id", task.entity_id, "the network gained an instance meanwhile")
        await session.execute(
            update(PublicIp)
            .where(PublicIp.network_id == task.entity_id)
            .values(network_id=None)
            .execution_options(synchronize_session=False)
        )
        await session.execute(delete(Network).where(Network.id == task.entity_id))
        return last or payloads.Deleted.from_json(task.payload).last


HANDLERS: tuple[TaskHandler, ...] = (
    CreateNic(),
    DeleteNic(),
    SetDefaultNic(),
    CreateVpc(),
    UpdateVpc(),
    RestartVpc(),
    DeleteVpc(),
    CreateNetwork(),
    UpdateNetwork(),
    DeleteNetwork(),
)
