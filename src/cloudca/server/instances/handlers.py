"""The instance tasks that create, destroy, recover and purge, and the table of every instance task
kind (``HANDLERS``); the operations on a kept instance are in ``operation_handlers``, their base in
``task_base``."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from cloudca.server.catalog.models import Template
from cloudca.server.errors import InternalError
from cloudca.server.instances import lifecycle, operation_handlers, reconcile, states
from cloudca.server.instances.machines import generate_password, machine_spec
from cloudca.server.instances.models import Instance
from cloudca.server.instances.payloads import CreatePayload, DestroyPayload
from cloudca.server.instances.reconcile import Part
from cloudca.server.instances.representation import represent_one
from cloudca.server.instances.task_base import InstanceTask, derived_id
from cloudca.server.placement import scheduler
from cloudca.server.storage.disks import discard_storage
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


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
        options = DestroyPayload.from_json(task.payload)
        purge = options.purgeImmediately
        if instance.stable_state != states.DESTROYED:
            # The backend first, as it will be once destroyed (stopped, nothing forwarded or
            # balanced to it, released IPs cleared, deleted volumes detached): a failure here
            # leaves the records untouched, and the undo's reconcile puts it all back.
            async with ctx.database.session() as session:
                drop = options.volumeIdsToDelete
                leaving = await reconcile.read(
                    session,
                    instance.id,
                    released_ip_ids=options.publicIpIdsToRelease,
                    leaving=True,
                    parts=Part.POWER | Part.ADDRESSES | (Part.DISKS if drop else Part(0)),
                )
            if leaving is not None:
                await reconcile.push(ctx.driver, instance.id, leaving.without_volumes(drop))
            async with ctx.database.transaction() as session:
                snapshot_ids = await lifecycle.release_for_destroy(session, instance, options)
                if not purge:
                    await self.finish(ctx, task, states.DESTROYED, session=session)
                else:
                    await session.execute(
                        update(Instance)
                        .where(Instance.id == instance.id)
                        .values(stable_state=states.DESTROYED)
                        .execution_options(synchronize_session=False)
                    )
            await discard_storage(ctx.driver, options.volumeIdsToDelete, snapshot_ids)
            if not purge:
                return
        await purge_instance(ctx, task)

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        # Everything the destroy took from the machine before it failed (power, disks, forwards of
        # the IPs it was to release) is still recorded: push it all back.
        released = list(DestroyPayload.from_json(task.payload).publicIpIdsToRelease)
        await reconcile.reconcile(ctx, task.entity_id, released)
        await super().undo(ctx, task)


class Purge(InstanceTask):
    kind = "instances.purge"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        await self.load(ctx, task)
        await purge_instance(ctx, task)


async def purge_instance(ctx: TaskContext, task: Task) -> None:
    """Remove the machine, then every record of the instance; the result is its last representation."""
    await ctx.driver.destroy(task.entity_id)
    async with ctx.database.transaction() as session:
        result = await represent_one(session, task.entity_id)
        if result is not None:
            result["state"] = states.DESTROYED
        await lifecycle.delete_records(session, task.entity_id)
        await ctx.succeed(session, task, result)


class Create(InstanceTask):
    kind = "instances.create"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        payload = CreatePayload.from_json(task.payload)
        async with ctx.database.transaction() as session:
            # Loaded in the placement transaction rather than in one of its own (``load``): one
            # connection and one transaction fewer per create.
            instance = await session.get(Instance, task.entity_id)
            if instance is None or instance.task_id != task.id:
                raise InternalError("The instance is no longer bound to this task")
            host_ids = await lifecycle.anti_affinity_hosts(
                session, instance.id, list(payload.affinityGroupIds)
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
        await ctx.driver.create(spec)
        await ctx.driver.start(instance.id)
        if payload.portsToForward:
            # Only forwarded ports give a new instance rules, hence public IPs whose forwards change.
            async with ctx.database.session() as session:
                forwards = await reconcile.read(session, instance.id, parts=Part.ADDRESSES)
            if forwards is not None:
                await reconcile.push(ctx.driver, instance.id, forwards)
        extra = {"password": password} if password else None
        await self.finish(ctx, task, states.RUNNING, extra_result=extra)

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        """Roll the create back completely: nothing it allocated survives (4.2)."""
        instance = await self.bound(ctx, task)
        if instance is None:
            return
        # The backend first, the records last: while a driver call fails the records stay, so the
        # runner's next try of this undo redoes every step (removing them first left nothing to
        # retry from). The public IP the create acquired loses its forwards; a reused one keeps
        # all but the instance's.
        async with ctx.database.session() as session:
            leaving = await reconcile.read(
                session,
                instance.id,
                released_ip_ids=[derived_id(task, "public-ip")],
                leaving=True,
                parts=Part.ADDRESSES,
            )
        if leaving is not None:
            await reconcile.push(ctx.driver, instance.id, leaving)
        await ctx.driver.destroy(instance.id)
        async with ctx.database.transaction() as session:
            instance = await session.get(Instance, task.entity_id, populate_existing=True)
            if instance is None:
                return
            await lifecycle.unprovision(session, instance, lambda purpose: derived_id(task, purpose))
            await lifecycle.delete_records(session, instance.id)


HANDLERS: tuple[TaskHandler, ...] = (
    Create(),
    *operation_handlers.HANDLERS,
    Recover(),
    Destroy(),
    Purge(),
)
