"""The driver's view of an instance's disks, and keeping the backend in line with the database."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from cloudca.server.catalog.models import Template
from cloudca.server.drivers.base import ComputeDriver, DiskSpec
from cloudca.server.errors import ServiceError
from cloudca.server.instances.machines import disk_specs
from cloudca.server.instances.models import Instance
from cloudca.server.instances.reconcile import Part, reconcile
from cloudca.server.tasks.handlers import TaskContext

DiskEdit = Callable[[tuple[DiskSpec, ...]], tuple[DiskSpec, ...]]
log = logging.getLogger("cloudca.storage")


async def discard_storage(
    driver: ComputeDriver, volume_ids: Iterable[str] = (), snapshot_ids: Iterable[str] = ()
) -> None:
    """After a commit that deleted volumes or snapshots: their data goes too. Best effort, since
    the records are gone already: a failure leaves an unused file behind and is logged."""
    for volume_id in volume_ids:
        try:
            await driver.delete_volume(volume_id)
        except ServiceError as exc:
            log.warning("the data of deleted volume %s was not removed: %s", volume_id, exc)
    for snapshot_id in snapshot_ids:
        try:
            await driver.delete_snapshot(snapshot_id)
        except ServiceError as exc:
            log.warning("the data of deleted snapshot %s was not removed: %s", snapshot_id, exc)


async def current_disks(ctx: TaskContext, instance_id: str) -> tuple[DiskSpec, ...] | None:
    """The disks the database attaches to the instance (``None`` when the instance is gone)."""
    async with ctx.database.session() as session:
        instance = await session.get(Instance, instance_id)
        if instance is None:
            return None
        template = await session.get(Template, instance.template_id)
        assert template is not None
        return await disk_specs(session, instance_id, template)


async def push_disks(ctx: TaskContext, instance_id: str, edit: DiskEdit | None = None) -> None:
    """Give the driver the instance's disks as the database has them, changed by ``edit`` (the
    change a task is about to record). Raises ``InternalError`` when the backend refuses."""
    disks = await current_disks(ctx, instance_id)
    if disks is None:
        return
    if edit is not None:
        disks = edit(disks)
    await ctx.driver.set_disks(instance_id, disks)


async def resync_disks(ctx: TaskContext, instance_id: str | None) -> None:
    """After a failure: the backend's disks become the database's again (the instance's
    reconcile, of the part a volume task owns). Idempotent."""
    if instance_id is not None:
        await reconcile(ctx, instance_id, parts=Part.DISKS)
