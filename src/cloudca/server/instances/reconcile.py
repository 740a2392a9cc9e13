"""Bring one instance's machine back in line with what the database says it should be.

An undo after a multi-part mutation (destroy with options, changeNetwork) that failed part-way:
the database holds no trace of the failed change, so pushing its desired state through the driver
restores everything the driver had — the NICs, the disks, the power state, and the forwards and
balancers of the public IPs the instance holds (or was to release). Written against the driver
interface only, so it serves every driver.

A driver failure here propagates: the runner then retries the undo with backoff, and finally leaves
the instance in ``Error`` (see ``tasks.runner``).
"""

from __future__ import annotations

from collections.abc import Sequence

from cloudca.server.catalog.models import Template
from cloudca.server.drivers.base import PowerState
from cloudca.server.instances import lifecycle, states
from cloudca.server.instances.machines import disk_specs, nic_specs
from cloudca.server.instances.models import Instance
from cloudca.server.tasks.handlers import TaskContext


async def reconcile(ctx: TaskContext, instance_id: str, released_ip_ids: Sequence[str] = ()) -> None:
    """Push the database's NICs, disks, power state and forwards of the instance to the driver.
    Idempotent; does nothing for an instance without a machine (its truth is ``Error``)."""
    async with ctx.database.session() as session:
        instance = await session.get(Instance, instance_id)
        if instance is None:
            return
        template = await session.get(Template, instance.template_id)
        nics = await nic_specs(session, instance_id)
        disks = await disk_specs(session, instance_id, template) if template is not None else None
    power = await ctx.driver.power_state(instance_id)
    if power is None:
        return
    await ctx.driver.set_nics(instance_id, nics)
    if disks is not None:
        await ctx.driver.set_disks(instance_id, disks)
    if instance.stable_state == states.RUNNING and power is PowerState.STOPPED:
        await ctx.driver.start(instance_id)
    elif instance.stable_state in (states.STOPPED, states.DESTROYED) and power is PowerState.RUNNING:
        await ctx.driver.stop(instance_id)
    await lifecycle.resync_public_ips(ctx.database, ctx.driver, instance_id, list(released_ip_ids))
