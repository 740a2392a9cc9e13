"""What the database holds for instances: counts of every resource a create allocates, and host usage."""

from __future__ import annotations

from sqlalchemy import func, select

from cloudca.server.instances.models import Instance
from cloudca.server.networking.models import Nic, PortForwardingRule, PublicIp
from cloudca.server.placement.models import AffinityMembership, Host
from cloudca.server.runtime import Runtime
from cloudca.server.storage.models import Volume


async def holdings(runtime: Runtime) -> dict[str, object]:
    """Rows of each kind a create may allocate, the attached volumes, and the hosts' usage."""
    async with runtime.database.session() as session:
        counts: dict[str, object] = {}
        for name, model in (
            ("instances", Instance),
            ("volumes", Volume),
            ("public_ips", PublicIp),
            ("rules", PortForwardingRule),
            ("nics", Nic),
            ("memberships", AffinityMembership),
        ):
            counts[name] = (await session.execute(select(func.count()).select_from(model))).scalar_one()
        attached = await session.execute(select(Volume.id).where(Volume.instance_id.is_not(None)))
        counts["attached"] = sorted(attached.scalars())
        usage = await session.execute(
            select(Host.name, Host.cpu_used, Host.memory_mb_used).order_by(Host.name)
        )
        counts["hosts"] = [tuple(row) for row in usage]
        bound = await session.execute(select(PublicIp.id).where(PublicIp.network_id.is_not(None)))
        counts["bound_ips"] = sorted(bound.scalars())
    return counts
