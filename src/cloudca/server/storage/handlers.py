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

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.core import carry, claims, payloads, rows
from cloudca.server.drivers.base import DiskSpec
from cloudca.server.errors import InvalidField
from cloudca.server.storage import service
from cloudca.server.storage.disks import discard_storage, push_disks, resync_disks
from cloudca.server.storage.models import Snapshot, Volume
from cloudca.server.storage.payloads import (
    AttachmentPayload,
    CreateVolumePayload,
    ResizePayload,
    RevertPayload,
    SnapshotPayload,
)
from cloudca.server.tasks.entity import EntityTask, new_entity
from cloudca.server.tasks.handlers import TaskContext, TaskHandler
from cloudca.server.tasks.models import Task


async def _result(session: AsyncSession, volume_id: str) -> Any:
    await session.flush()
    return await service.represent_volume(session, volume_id)


class CreateVolume(EntityTask):
    kind = "volumes.create"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        payload = CreateVolumePayload.from_json(task.payload)
        if payload.instanceId:
            disk = DiskSpec(volume_id=task.entity_id, size_gb=payload.sizeInGb, is_root=False)
            await push_disks(ctx, payload.instanceId, lambda disks: (*disks, disk))
        else:
            await ctx.driver.set_volume(task.entity_id, payload.sizeInGb)

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = CreateVolumePayload.from_json(task.payload)
        if payload.instanceId:
            await claims.lock_usable_instance(session, payload.instanceId)
        session.add(Volume(**new_entity(task), **carry.columns(payload, sizeInGb="size_gb"), type="data"))
        return await _result(session, task.entity_id)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await resync_disks(ctx, CreateVolumePayload.from_json(task.payload).instanceId)
        async with ctx.database.session() as session:
            recorded = await session.get(Volume, task.entity_id) is not None
        if not recorded:
            await discard_storage(ctx.driver, volume_ids=[task.entity_id])


class AttachmentTask(EntityTask):
    """Attach or detach: the instance's disks on the driver change first, then the volume's row."""

    def instance(self, task: Task) -> str:
        return AttachmentPayload.from_json(task.payload).instanceId

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await resync_disks(ctx, self.instance(task))


class AttachVolume(AttachmentTask):
    kind = "volumes.attachToInstance"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        async with ctx.database.session() as session:
            volume = await session.get(Volume, task.entity_id)
        if volume is None:
            raise InvalidField("id", task.entity_id, "the volume no longer exists")
        disk = DiskSpec(volume_id=volume.id, size_gb=volume.size_gb, is_root=False)
        await push_disks(ctx, self.instance(task), lambda disks: (*disks, disk))

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        instance_id = self.instance(task)
        await claims.lock_usable_instance(session, instance_id)
        detached = (Volume.instance_id.is_(None), Volume.type == "data")
        if not await rows.update_row(session, Volume, task.entity_id, *detached, instance_id=instance_id):
            raise InvalidField("id", task.entity_id, "the volume is no longer detached")
        return await _result(session, task.entity_id)


class DetachVolume(AttachmentTask):
    kind = "volumes.detachFromInstance"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        volume_id = task.entity_id
        await push_disks(
            ctx, self.instance(task), lambda disks: tuple(d for d in disks if d.volume_id != volume_id)
        )

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        instance_id = self.instance(task)
        await claims.lock_usable_instance(session, instance_id)
        attached = Volume.instance_id == instance_id
        if not await rows.update_row(session, Volume, task.entity_id, attached, instance_id=None):
            raise InvalidField("id", task.entity_id, "the volume is no longer attached to that instance")
        return await _result(session, task.entity_id)


class ResizeVolume(EntityTask):
    kind = "volumes.resize"

    async def prepare(self, ctx: TaskContext, task: Task) -> None:
        payload = ResizePayload.from_json(task.payload)
        volume_id, size = task.entity_id, payload.sizeInGb
        if not payload.instanceId:
            # Grows only (the request refused a shrink), so a failed resize leaves no harm behind.
            await ctx.driver.set_volume(volume_id, size)
            return
        await push_disks(
            ctx,
            payload.instanceId,
            lambda disks: tuple(replace(d, size_gb=size) if d.volume_id == volume_id else d for d in disks),
        )

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        payload = ResizePayload.from_json(task.payload)
        if payload.instanceId:
            await claims.lock_usable_instance(session, payload.instanceId)
        unchanged = (
            Volume.size_gb <= payload.sizeInGb,
            Volume.instance_id.is_not_distinct_from(payload.instanceId),
        )
        if not await rows.update_row(
            session, Volume, task.entity_id, *unchanged, size_gb=payload.sizeInGb, iops=payload.iops
        ):
            raise InvalidField("sizeInGb", payload.sizeInGb, "the volume changed while the resize waited")
        return await _result(session, task.entity_id)

    async def resync(self, ctx: TaskContext, task: Task) -> None:
        await resync_disks(ctx, ResizePayload.from_json(task.payload).instanceId)


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
        return last or payloads.Deleted.from_json(task.payload).last

    async def run(self, ctx: TaskContext, task: Task) -> None:
        await super().run(ctx, task)
        await discard_storage(ctx.driver, volume_ids=[task.entity_id])


class SnapshotVolume(TaskHandler):
    kind = "volumes.snapshot"

    async def run(self, ctx: TaskContext, task: Task) -> None:
        # The data first: a snapshot record always has its copy.
        volume_id = SnapshotPayload.from_json(task.payload).volumeId
        size = await ctx.driver.snapshot_volume(volume_id, task.entity_id)
        async with ctx.database.transaction() as session:
            result = await self.record(session, task, size)
            await ctx.succeed(session, task, result)

    async def record(self, session: AsyncSession, task: Task, size: int) -> Any:
        payload = SnapshotPayload.from_json(task.payload)
        volume = await session.get(Volume, payload.volumeId)
        if volume is None:
            raise InvalidField("id", payload.volumeId, "the volume no longer exists")
        snapshot = Snapshot(
            **new_entity(task),
            volume_id=volume.id,
            volume_name=volume.name,
            volume_type=volume.type,
            name=payload.name or f"{volume.name}-snapshot",
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
        volume_id = RevertPayload.from_json(task.payload).volumeId
        await ctx.driver.revert_volume(volume_id, task.entity_id)

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        snapshot = await session.get(Snapshot, task.entity_id)
        if snapshot is None:
            raise InvalidField("id", task.entity_id, "the snapshot no longer exists")
        return service.represent_snapshot(snapshot)


class DeleteSnapshot(EntityTask):
    kind = "snapshots.delete"

    async def apply(self, ctx: TaskContext, session: AsyncSession, task: Task) -> Any:
        snapshot = await session.get(Snapshot, task.entity_id)
        result = (
            service.represent_snapshot(snapshot)
            if snapshot is not None
            else payloads.Deleted.from_json(task.payload).last
        )
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
