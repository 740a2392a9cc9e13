"""The volume and snapshot tasks.

Disk changes of an attached volume reach the driver first (``push_disks`` with the change applied),
then one transaction records them; the conditional UPDATEs there re-check what the request checked
(still detached, still attached to that instance, the instance still Running or Stopped and not
busy), so of two racing requests exactly one wins. After any failure, ``resync`` gives the driver
the database's disks again. Detached volumes and snapshots are storage of their own (``set_volume``,
``snapshot_volume``, ...): made before the record, removed after the record is gone, so that a
record never points at missing data (a crash in between leaves an unused file, never a lost one).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core.claims import lock_usable_instance
from cloudca.server.drivers.base import DiskSpec
from cloudca.server.errors import InvalidField
from cloudca.server.storage import service
from cloudca.server.storage.disks import discard_storage, push_disks, resync_disks, storage_call
from cloudca.server.storage.models import Snapshot, Volume
from cloudca.server.tasks.entity import EntityTask
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


async def _result(session: AsyncSession, volume_id: str) -> Any:
    await session.flush()
    return await service.represent_volume(session, volume_id)


class CreateVolume(EntityTask):
    kind = "volumes.create"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        instance_id, size = task.payload.get("instanceId"), int(task.payload["sizeInGb"])
        if instance_id:
            disk = DiskSpec(volume_id=task.entity_id, size_gb=size, is_root=False)
            await push_disks(ctx, instance_id, lambda disks: (*disks, disk))
        else:
            await storage_call(ctx.driver.set_volume(task.entity_id, size))

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = task.payload
        if payload.get("instanceId"):
            await lock_usable_instance(session, payload["instanceId"])
        assert task.environment_id is not None
        session.add(
            Volume(
                id=task.entity_id,
                environment_id=task.environment_id,
                zone_id=payload["zoneId"],
                name=payload["name"],
                type="data",
                size_gb=int(payload["sizeInGb"]),
                iops=payload.get("iops"),
                disk_offering_id=payload["diskOfferingId"],
                instance_id=payload.get("instanceId"),
            )
        )
        return await _result(session, task.entity_id)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await resync_disks(ctx, task.payload.get("instanceId"))
        async with ctx.database.session() as session:
            recorded = await session.get(Volume, task.entity_id) is not None
        if not recorded:
            await discard_storage(ctx.driver, volume_ids=[task.entity_id])


class AttachVolume(EntityTask):
    kind = "volumes.attachToInstance"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.session() as session:
            volume = await session.get(Volume, task.entity_id)
        if volume is None:
            raise InvalidField("id", task.entity_id, "the volume no longer exists")
        disk = DiskSpec(volume_id=volume.id, size_gb=volume.size_gb, is_root=False)
        await push_disks(ctx, task.payload["instanceId"], lambda disks: (*disks, disk))

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        await lock_usable_instance(session, task.payload["instanceId"])
        attached = await session.execute(
            update(Volume)
            .where(Volume.id == task.entity_id, Volume.instance_id.is_(None), Volume.type == "data")
            .values(instance_id=task.payload["instanceId"])
            .execution_options(synchronize_session=False)
        )
        if not getattr(attached, "rowcount", 0):
            raise InvalidField("id", task.entity_id, "the volume is no longer detached")
        return await _result(session, task.entity_id)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await resync_disks(ctx, task.payload["instanceId"])


class DetachVolume(EntityTask):
    kind = "volumes.detachFromInstance"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        volume_id = task.entity_id
        await push_disks(
            ctx, task.payload["instanceId"], lambda disks: tuple(d for d in disks if d.volume_id != volume_id)
        )

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        await lock_usable_instance(session, task.payload["instanceId"])
        detached = await session.execute(
            update(Volume)
            .where(Volume.id == task.entity_id, Volume.instance_id == task.payload["instanceId"])
            .values(instance_id=None)
            .execution_options(synchronize_session=False)
        )
        if not getattr(detached, "rowcount", 0):
            raise InvalidField("id", task.entity_id, "the volume is no longer attached to that instance")
        return await _result(session, task.entity_id)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await resync_disks(ctx, task.payload["instanceId"])


class ResizeVolume(EntityTask):
    kind = "volumes.resize"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        instance_id = task.payload.get("instanceId")
        volume_id, size = task.entity_id, int(task.payload["sizeInGb"])
        if not instance_id:
            # Grows only (the request refused a shrink), so a failed resize leaves no harm behind.
            await storage_call(ctx.driver.set_volume(volume_id, size))
            return
        await push_disks(
            ctx,
            instance_id,
            lambda disks: tuple(replace(d, size_gb=size) if d.volume_id == volume_id else d for d in disks),
        )

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        instance_id = task.payload.get("instanceId")
        if instance_id:
            await lock_usable_instance(session, instance_id)
        size = int(task.payload["sizeInGb"])
        resized = await session.execute(
            update(Volume)
            .where(
                Volume.id == task.entity_id,
                Volume.size_gb <= size,
                Volume.instance_id.is_not_distinct_from(instance_id),
            )
            .values(size_gb=size, iops=task.payload.get("iops"))
            .execution_options(synchronize_session=False)
        )
        if not getattr(resized, "rowcount", 0):
            raise InvalidField("sizeInGb", size, "the volume changed while the resize waited")
        return await _result(session, task.entity_id)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await resync_disks(ctx, task.payload.get("instanceId"))


class DeleteVolume(EntityTask):
    kind = "volumes.delete"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        last = await service.represent_volume(session, task.entity_id)
        deleted = await session.execute(
            delete(Volume).where(
                Volume.id == task.entity_id, Volume.instance_id.is_(None), Volume.type == "data"
            )
        )
        if last is not None and not getattr(deleted, "rowcount", 0):
            raise InvalidField("id", task.entity_id, "the volume was attached meanwhile")
        # Snapshots outlive their volume (6.15).
        return last or task.payload.get("last")

    async def run(self, ctx: TaskContext, task: Task) -> None:
        await super().run(ctx, task)
        await discard_storage(ctx.driver, volume_ids=[task.entity_id])


class SnapshotVolume(TaskHandler):
    kind = "volumes.snapshot"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        # The data first: a snapshot record always has its copy.
        size = await storage_call(ctx.driver.snapshot_volume(task.payload["volumeId"], task.entity_id))
        async with ctx.database.transaction() as session:
            result = await self.record(session, task, size)
            await ctx.succeed(session, task, result)

    async def record(self, session: AsyncSession, task: Task, size: int) -> Any:
        volume = await session.get(Volume, task.payload["volumeId"])
        if volume is None:
            raise InvalidField("id", task.payload["volumeId"], "the volume no longer exists")
        assert task.environment_id is not None
        snapshot = Snapshot(
            id=task.entity_id,
            environment_id=task.environment_id,
            volume_id=volume.id,
            volume_name=volume.name,
            volume_type=volume.type,
            name=task.payload.get("name") or f"{volume.name}-snapshot",
            size_bytes=size,
        )
        session.add(snapshot)
        await session.flush()
        return service.represent_snapshot(snapshot)

    async def undo(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.session() as session:
            recorded = await session.get(Snapshot, task.entity_id) is not None
        if not recorded:
            await discard_storage(ctx.driver, snapshot_ids=[task.entity_id])


class RevertSnapshot(EntityTask):
    """A cloudca extension: the volume's content becomes the snapshot's (the volume detached, or its
    instance stopped; the request checked, the driver checks again)."""

    kind = "snapshots.revert"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        await storage_call(ctx.driver.revert_volume(task.payload["volumeId"], task.entity_id))

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        snapshot = await session.get(Snapshot, task.entity_id)
        if snapshot is None:
            raise InvalidField("id", task.entity_id, "the snapshot no longer exists")
        return service.represent_snapshot(snapshot)


class DeleteSnapshot(EntityTask):
    kind = "snapshots.delete"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        snapshot = await session.get(Snapshot, task.entity_id)
        result = service.represent_snapshot(snapshot) if snapshot is not None else task.payload.get("last")
        await session.execute(delete(Snapshot).where(Snapshot.id == task.entity_id))
        return result

    async def run(self, ctx: TaskContext, task: Task) -> None:
        await super().run(ctx, task)
        await discard_storage(ctx.driver, snapshot_ids=[task.entity_id])


HANDLERS: tuple[TaskHandler, ...] = (
    CreateVolume(),
    AttachVolume(),
    DetachVolume(),
    ResizeVolume(),
    DeleteVolume(),
    SnapshotVolume(),
    RevertSnapshot(),
    DeleteSnapshot(),
)
