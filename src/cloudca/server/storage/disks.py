"""The driver's view of an instance's disks, and keeping the backend in line with the database."""

from __future__ import annotations

from collections.abc import Callable

from cloudca.server.catalog.models import Template
from cloudca.server.drivers.base import DiskSpec, DriverError
from cloudca.server.errors import InternalError
from cloudca.server.instances.machines import disk_specs
from cloudca.server.instances.models import Instance
from cloudca.server.tasks.handlers import TaskContext

DiskEdit = Callable[[tuple[DiskSpec, ...]], tuple[DiskSpec, ...]]


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
    try:
        await ctx.driver.set_disks(instance_id, disks)
    except DriverError as exc:
        raise InternalError(f"The compute backend could not change the disks: {exc}") from exc


async def resync_disks(ctx: TaskContext, instance_id: str | None) -> None:
    """After a failure: the backend's disks become the database's again (best effort, idempotent)."""
    if instance_id is None:
        return
    disks = await current_disks(ctx, instance_id)
    if disks is None or await ctx.driver.power_state(instance_id) is None:
        return
    await ctx.driver.set_disks(instance_id, disks)
