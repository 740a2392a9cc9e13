"""The instance tasks: each one carries out its operation on the driver and records the outcome.

Pattern: driver calls happen outside database transactions (they may take seconds); the last
transaction writes the instance's final state and ends the task together (``ctx.succeed``). A failure
or a crash runs ``undo``: a create is rolled back completely, any other operation leaves the instance
in the stable state the driver reports (or ``Error`` when the machine is gone).
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from cloudca.server.catalog.models import Template
from cloudca.server.drivers.base import DriverError, NoCapacityError, PowerState
from cloudca.server.errors import Duplicate, InternalError, InvalidField, NoCapacity, ServiceError
from cloudca.server.instances import lifecycle, states
from cloudca.server.instances.machines import generate_password, machine_spec, nic_specs
from cloudca.server.instances.models import Instance, RecoveryPoint
from cloudca.server.instances.representation import represent_one
from cloudca.server.networking import ipam
from cloudca.server.networking.models import Network, Nic
from cloudca.server.placement import scheduler
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task

_DERIVED = uuid.UUID("6c6f7564-6361-4000-8000-000000000000")


def derived_id(task: Task, purpose: str) -> str:
    """Ids of what a task creates, derived from the task, so a repeated undo finds them again."""
    return str(uuid.uuid5(_DERIVED, f"{task.id}:{purpose}"))


async def driver_call(coro: Any) -> Any:
    """Translate driver failures into the contract's errors at the boundary."""
    try:
        return await coro
    except NoCapacityError as exc:
        raise NoCapacity(str(exc) or "No host can run the instance") from exc
    except DriverError as exc:
        raise InternalError(f"The compute backend failed: {exc}") from exc


class InstanceTask(TaskHandler):
    """Base of every instance task: loading, finishing, and the generic repair."""

    async def load(self, ctx: TaskContext, task: Task) -> Instance:
        async with ctx.database.session() as session:
            instance = await session.get(Instance, task.entity_id)
        if instance is None or instance.task_id != task.id:
            raise InternalError("The instance is no longer bound to this task")
        return instance

    async def finish(
        self,
        ctx: TaskContext,
        task: Task,
        state: str,
        changes: dict[str, Any] | None = None,
        extra_result: dict[str, Any] | None = None,
        session: AsyncSession | None = None,
    ) -> None:
        """Write the final state, release the instance and end the task, in one transaction."""
        if session is None:
            async with ctx.database.transaction() as own:
                await self.finish(ctx, task, state, changes, extra_result, own)
            return
        await session.execute(
            update(Instance)
            .where(Instance.id == task.entity_id, Instance.task_id == task.id)
            .values(state=state, stable_state=state, task_id=None, **(changes or {}))
            .execution_options(synchronize_session=False)
        )
        result = await represent_one(session, task.entity_id)
        if result is not None and extra_result:
            result.update(extra_result)
        await ctx.succeed(session, task, result)

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.session() as session:
            instance = await session.get(Instance, task.entity_id)
        if instance is None or instance.task_id != task.id:
            return
        try:
            power = await ctx.driver.power_state(instance.id)
        except DriverError:
            power = None
        if instance.stable_state == states.DESTROYED and power is not PowerState.RUNNING:
            state = states.DESTROYED
        elif power is PowerState.RUNNING:
            state = states.RUNNING
        elif power is PowerState.STOPPED:
            state = states.STOPPED
        else:
            state = states.ERROR
        async with ctx.database.transaction() as session:
            await session.execute(
                update(Instance)
                .where(Instance.id == instance.id, Instance.task_id == task.id)
                .values(state=state, stable_state=state, task_id=None)
                .execution_options(synchronize_session=False)
            )


class Start(InstanceTask):
    kind = "instances.start"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        await driver_call(ctx.driver.start(instance.id))
        await self.finish(ctx, task, states.RUNNING)


class Stop(InstanceTask):
    kind = "instances.stop"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        await driver_call(ctx.driver.stop(instance.id))
        await self.finish(ctx, task, states.STOPPED)


class Reboot(InstanceTask):
    kind = "instances.reboot"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        await driver_call(ctx.driver.reboot(instance.id))
        await self.finish(ctx, task, states.RUNNING)


class Update(InstanceTask):
    kind = "instances.update"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        changes = {key: value for key, value in task.payload.items() if value is not None}
        if (
            changes.get("hostname") not in (None, instance.hostname)
            and instance.stable_state == states.RUNNING
        ):
            # The guest reads its hostname at boot (S/D: changing it forces a reboot).
            await driver_call(ctx.driver.reboot(instance.id))
        await self.finish(ctx, task, instance.stable_state, changes)


class ResetPassword(InstanceTask):
    kind = "instances.resetPassword"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        async with ctx.database.session() as session:
            template = await session.get(Template, instance.template_id)
        assert template is not None
        password = generate_password()
        await driver_call(ctx.driver.set_password(instance.id, template.username, password))
        await self.finish(ctx, task, instance.stable_state, extra_result={"password": password})


class AssociateSshKey(InstanceTask):
    kind = "instances.associateSSHKey"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        async with ctx.database.session() as session:
            template = await session.get(Template, instance.template_id)
        assert template is not None
        public_key = task.payload["publicKey"]
        await driver_call(ctx.driver.set_ssh_key(instance.id, template.username, public_key))
        if instance.stable_state == states.RUNNING:
            await driver_call(ctx.driver.reboot(instance.id))
        changes = {"ssh_key_name": task.payload["sshKeyName"], "public_key": public_key}
        await self.finish(ctx, task, instance.stable_state, changes)


class CreateRecoveryPoint(InstanceTask):
    kind = "instances.createRecoveryPoint"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        async with ctx.database.transaction() as session:
            session.add(
                RecoveryPoint(
                    id=derived_id(task, "recovery-point"),
                    instance_id=instance.id,
                    name=task.payload["name"],
                    description=task.payload.get("description") or "",
                )
            )
            await self.finish(ctx, task, instance.stable_state, session=session)


class ChangeComputeOffering(InstanceTask):
    kind = "instances.changeComputeOffering"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        offering_id = task.payload["computeOfferingId"]
        cpu, memory = int(task.payload["cpuCount"]), int(task.payload["memoryInMB"])
        if (offering_id, cpu, memory) == (
            instance.compute_offering_id,
            instance.cpu_count,
            instance.memory_mb,
        ):
            await self.finish(ctx, task, instance.stable_state)
            return
        await driver_call(ctx.driver.resize(instance.id, cpu, memory))
        if instance.stable_state == states.RUNNING and not ctx.driver.capabilities.live_resize:
            await driver_call(ctx.driver.reboot(instance.id))
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
            await driver_call(ctx.driver.resize(instance.id, instance.cpu_count, instance.memory_mb))
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
        await lifecycle.unforward_instance(ctx.database, ctx.driver, instance.id, [])
        for _ in range(self.attempts):
            async with ctx.database.session() as session:
                network = await session.get(Network, task.payload["networkId"])
                if network is None:
                    raise InvalidField("networkId", task.payload["networkId"], "the network no longer exists")
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
            await driver_call(ctx.driver.set_nics(instance.id, nics))
            if instance.stable_state == states.RUNNING:
                await driver_call(ctx.driver.reboot(instance.id))
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
        raise Duplicate("ipAddress", task.payload["networkId"], "Could not allocate a unique address; retry")

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.session() as session:
            nics = await nic_specs(session, task.entity_id)
        with contextlib.suppress(DriverError):
            await ctx.driver.set_nics(task.entity_id, nics)
        with contextlib.suppress(ServiceError):
            await lifecycle.resync_public_ips(ctx.database, ctx.driver, task.entity_id, [])
        await super().undo(ctx, task)


class Recover(InstanceTask):
    kind = "instances.recover"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        if await ctx.driver.power_state(instance.id) is None:
            raise InternalError("The instance's machine no longer exists on the backend")
        assert instance.host_id is not None
        async with ctx.database.transaction() as session:
            await scheduler.reserve_on(
                session, host_id=instance.host_id, cpu_count=instance.cpu_count, memory_mb=instance.memory_mb
            )
            await self.finish(ctx, task, states.STOPPED, {"holds_capacity": True}, session=session)


class Destroy(InstanceTask):
    kind = "instances.destroy"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        instance = await self.load(ctx, task)
        purge = bool(task.payload.get("purgeImmediately"))
        if instance.stable_state != states.DESTROYED:
            if await ctx.driver.power_state(instance.id) is PowerState.RUNNING:
                await driver_call(ctx.driver.stop(instance.id))
            await lifecycle.unforward_instance(
                ctx.database, ctx.driver, instance.id, task.payload.get("publicIpIdsToRelease") or []
            )
            await lifecycle.push_disks_without(ctx, instance.id, task.payload.get("volumeIdsToDelete") or [])
            async with ctx.database.transaction() as session:
                await lifecycle.release_for_destroy(session, instance, task.payload)
                if not purge:
                    await self.finish(ctx, task, states.DESTROYED, session=session)
                    return
                await session.execute(
                    update(Instance)
                    .where(Instance.id == instance.id)
                    .values(stable_state=states.DESTROYED)
                    .execution_options(synchronize_session=False)
                )
        await purge_instance(ctx, task)

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        # The rules the instance held are still recorded unless the destroy committed: put the
        # driver's forwards and balancers back in line with them.
        released = list(task.payload.get("publicIpIdsToRelease") or [])
        with contextlib.suppress(ServiceError):
            await lifecycle.resync_public_ips(ctx.database, ctx.driver, task.entity_id, released)
        await super().undo(ctx, task)


class Purge(InstanceTask):
    kind = "instances.purge"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        await self.load(ctx, task)
        await purge_instance(ctx, task)


async def purge_instance(ctx: TaskContext, task: Task) -> None:
    """Remove the machine, then every record of the instance; the result is its last representation."""
    await driver_call(ctx.driver.destroy(task.entity_id))
    async with ctx.database.transaction() as session:
        result = await represent_one(session, task.entity_id)
        if result is not None:
            result["state"] = states.DESTROYED
        await lifecycle.delete_records(session, task.entity_id)
        await ctx.succeed(session, task, result)


class Create(InstanceTask):
    kind = "instances.create"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        payload = task.payload
        async with ctx.database.transaction() as session:
            # Loaded in the placement transaction rather than in one of its own (``load``): one
            # connection and one transaction fewer per create.
            instance = await session.get(Instance, task.entity_id)
            if instance is None or instance.task_id != task.id:
                raise InternalError("The instance is no longer bound to this task")
            host_ids = await lifecycle.anti_affinity_hosts(
                session, instance.id, payload.get("affinityGroupIds")
            )
            host = await scheduler.reserve(
                session,
                zone_id=instance.zone_id,
                cpu_count=instance.cpu_count,
                memory_mb=instance.memory_mb,
                avoid_host_ids=host_ids,
            )
            await session.execute(
                update(Instance)
                .where(Instance.id == instance.id)
                .values(host_id=host.id, holds_capacity=True)
                .execution_options(synchronize_session=False)
            )
            # Recorded by the UPDATE above: mark it loaded, or the next flush would write it again.
            set_committed_value(instance, "host_id", host.id)
            set_committed_value(instance, "holds_capacity", True)
            await lifecycle.provision(session, instance, payload, lambda purpose: derived_id(task, purpose))
            template = await session.get(Template, instance.template_id)
            assert template is not None
            password = generate_password() if template.password_enabled else None
            spec = await machine_spec(session, instance, password)
        await driver_call(ctx.driver.create(spec))
        await driver_call(ctx.driver.start(instance.id))
        if payload.get("portsToForward"):
            # Only forwarded ports give a new instance rules, hence public IPs whose forwards change.
            held = await lifecycle.held_public_ips(ctx.database, instance.id)
            await lifecycle.sync_public_ips(ctx.database, ctx.driver, held)
        extra = {"password": password} if password else None
        await self.finish(ctx, task, states.RUNNING, extra_result=extra)

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        """Roll the create back completely: nothing it allocated survives (4.2)."""
        async with ctx.database.session() as session:
            instance = await session.get(Instance, task.entity_id)
        if instance is None or instance.task_id != task.id:
            return
        held = await lifecycle.held_public_ips(ctx.database, instance.id)
        try:
            await ctx.driver.destroy(instance.id)
        except DriverError as exc:
            raise InternalError(f"Could not remove the machine of a failed create: {exc}") from exc
        async with ctx.database.transaction() as session:
            instance = await session.get(Instance, task.entity_id, populate_existing=True)
            if instance is None:
                return
            await lifecycle.unprovision(session, instance, lambda purpose: derived_id(task, purpose))
            await lifecycle.delete_records(session, instance.id)
        await lifecycle.sync_public_ips(ctx.database, ctx.driver, held)


HANDLERS: tuple[TaskHandler, ...] = (
    Create(),
    Start(),
    Stop(),
    Reboot(),
    Update(),
    ResetPassword(),
    AssociateSshKey(),
    CreateRecoveryPoint(),
    ChangeComputeOffering(),
    ChangeNetwork(),
    Recover(),
    Destroy(),
    Purge(),
)
