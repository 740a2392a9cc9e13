"""The tasks of the instance operations (API-CONTRACT 4.5) that keep the instance: start, stop,
reboot, update, reset password, associate an SSH key, recovery point, change offering or network."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.errors import Duplicate, InvalidField, ServiceError
from cloudca.server.instances import lifecycle, reconcile, states
from cloudca.server.instances.machines import generate_password, nic_specs
from cloudca.server.instances.models import RecoveryPoint
from cloudca.server.instances.payloads import (
    AssociateSshKeyPayload,
    ChangeComputeOfferingPayload,
    ChangeNetworkPayload,
    RecoveryPointPayload,
    UpdatePayload,
)
from cloudca.server.instances.task_base import InstanceTask, derived_id
from cloudca.server.networking import ipam
from cloudca.server.networking.models import Network, Nic
from cloudca.server.placement import scheduler
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


class PowerTask(InstanceTask):
    """Start, stop and reboot: one call to the driver, then the state the instance is in after it."""

    def __init__(self, kind: str, power: Callable[[ComputeDriver, str], Awaitable[None]], after: str) -> None:
        self.kind = kind
        self._power = power
        self._after = after

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        await self._power(ctx.driver, instance.id)
        await self.finish(ctx, task, self._after)


START = PowerTask("instances.start", lambda driver, machine: driver.start(machine), states.RUNNING)
STOP = PowerTask("instances.stop", lambda driver, machine: driver.stop(machine), states.STOPPED)
REBOOT = PowerTask("instances.reboot", lambda driver, machine: driver.reboot(machine), states.RUNNING)


class Update(InstanceTask):
    kind = "instances.update"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        payload = UpdatePayload.from_json(task.payload)
        changes = {key: value for key, value in payload.to_json().items() if value is not None}
        if (
            changes.get("hostname") not in (None, instance.hostname)
            and instance.stable_state == states.RUNNING
        ):
            # The guest reads its hostname at boot (S/D: changing it forces a reboot).
            await ctx.driver.reboot(instance.id)
        await self.finish(ctx, task, instance.stable_state, changes)


class ResetPassword(InstanceTask):
    kind = "instances.resetPassword"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        template = await self.template_of(ctx, instance)
        password = generate_password()
        applied = await ctx.driver.set_password(instance.id, template.username, password)
        # cloudca extension: "now" (the running guest has it) or "nextBoot" (from the seed).
        extra = {"password": password, "passwordApplied": applied.value}
        await self.finish(ctx, task, instance.stable_state, extra_result=extra)


class AssociateSshKey(InstanceTask):
    kind = "instances.associateSSHKey"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        template = await self.template_of(ctx, instance)
        payload = AssociateSshKeyPayload.from_json(task.payload)
        public_key = payload.publicKey
        await ctx.driver.set_ssh_key(instance.id, template.username, public_key)
        if instance.stable_state == states.RUNNING:
            await ctx.driver.reboot(instance.id)
        changes = {"ssh_key_name": payload.sshKeyName, "public_key": public_key}
        await self.finish(ctx, task, instance.stable_state, changes)


class CreateRecoveryPoint(InstanceTask):
    kind = "instances.createRecoveryPoint"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        point = RecoveryPointPayload.from_json(task.payload)
        async with ctx.database.transaction() as session:
            session.add(
                RecoveryPoint(
                    id=derived_id(task, "recovery-point"),
                    instance_id=instance.id,
                    name=point.name,
                    description=point.description or "",
                )
            )
            await self.finish(ctx, task, instance.stable_state, session=session)


class ChangeComputeOffering(InstanceTask):
    kind = "instances.changeComputeOffering"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        change = ChangeComputeOfferingPayload.from_json(task.payload)
        offering_id, cpu, memory = change.computeOfferingId, int(change.cpuCount), int(change.memoryInMB)
        if (offering_id, cpu, memory) == (
            instance.compute_offering_id,
            instance.cpu_count,
            instance.memory_mb,
        ):
            await self.finish(ctx, task, instance.stable_state)
            return
        await ctx.driver.resize(instance.id, cpu, memory)
        if instance.stable_state == states.RUNNING and not ctx.driver.capabilities.live_resize:
            await ctx.driver.reboot(instance.id)
        try:
            async with ctx.database.transaction() as session:
                if instance.holds_capacity and instance.host_id is not None:
                    await scheduler.resize(
                        session,
                        host_id=instance.host_id,
                        cpu_delta=cpu - instance.cpu_count,
                        memory_delta=memory - instance.memory_mb,
                    )
                changes = {"compute_offering_id": offering_id, "cpu_count": cpu, "memory_mb": memory}
                await self.finish(ctx, task, instance.stable_state, changes, session=session)
        except ServiceError:
            await ctx.driver.resize(instance.id, instance.cpu_count, instance.memory_mb)
            raise


class ChangeNetwork(InstanceTask):
    """The default NIC moves to the new network with a new address, keeping its id (4.5.9).

    The machine is reconfigured first, with an address that is free when read; the move then
    commits together with the task's end. If another transaction took that address meanwhile (the
    unique constraint says so), the next free address is tried. A failure leaves the records as
    they were and ``undo`` puts the machine's NICs back in line with them.
    """

    kind = "instances.changeNetwork"
    attempts = 8

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        network_id = ChangeNetworkPayload.from_json(task.payload).networkId
        async with ctx.database.session() as session:
            leaving = await reconcile.read(session, instance.id, leaving=True, parts=reconcile.Part.ADDRESSES)
        if leaving is not None:  # its forwards and balancers go with its old address
            await reconcile.push(ctx.driver, instance.id, leaving)
        for _ in range(self.attempts):
            async with ctx.database.session() as session:
                network = await session.get(Network, network_id)
                if network is None:
                    raise InvalidField("networkId", network_id, "the network no longer exists")
                address = await ipam.free_address(session, network)
                nics = tuple(
                    replace(
                        nic,
                        network_id=network.id,
                        ip_address=address,
                        cidr=network.cidr,
                        gateway=network.gateway,
                    )
                    if nic.is_default
                    else nic
                    for nic in await nic_specs(session, instance.id)
                )
            await ctx.driver.set_nics(instance.id, nics)
            if instance.stable_state == states.RUNNING:
                await ctx.driver.reboot(instance.id)
            try:
                async with ctx.database.transaction() as session:
                    await lifecycle.remove_forwarding(session, instance.id)
                    await session.execute(
                        update(Nic)
                        .where(Nic.instance_id == instance.id, Nic.is_default.is_(True))
                        .values(network_id=network.id, ip_address=address)
                        .execution_options(synchronize_session=False)
                    )
                    await lifecycle.mark_network_implemented(session, network.id)
                    await self.finish(ctx, task, instance.stable_state, session=session)
                return
            except IntegrityError:
                continue
        raise Duplicate("ipAddress", network_id, "Could not allocate a unique address; retry")

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        await reconcile.reconcile(ctx, task.entity_id)  # NICs, power and forwards as the records still say
        await super().undo(ctx, task)


HANDLERS: tuple[TaskHandler, ...] = (
    START,
    STOP,
    REBOOT,
    Update(),
    ResetPassword(),
    AssociateSshKey(),
    CreateRecoveryPoint(),
    ChangeComputeOffering(),
    ChangeNetwork(),
)
