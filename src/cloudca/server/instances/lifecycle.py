"""What creating, destroying and purging an instance does to the resources it holds.

These helpers run inside the caller's transaction and never commit. ``provision``/``unprovision``
are the two halves of a create: whatever ``provision`` allocated, ``unprovision`` gives back, and
running ``unprovision`` twice is harmless (ids of created things are derived from the task).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.catalog.models import DiskOffering, Template
from cloudca.server.errors import InvalidField
from cloudca.server.instances.models import Instance
from cloudca.server.instances.payloads import CreatePayload, DestroyPayload
from cloudca.server.networking import forwarding
from cloudca.server.networking.models import Network, Nic, PortForwardingRule, PublicIp
from cloudca.server.placement import scheduler
from cloudca.server.placement.models import AffinityGroup, AffinityMembership
from cloudca.server.storage.models import Snapshot, Volume

ANTI_AFFINITY = "host anti-affinity"
DerivedId = Callable[[str], str]


async def anti_affinity_hosts(
    session: AsyncSession, instance_id: str, group_ids: list[str] | None = None
) -> set[str]:
    """Hosts of the other members of the instance's anti-affinity groups."""
    if group_ids is None:
        group_ids = list(
            (
                await session.execute(
                    select(AffinityMembership.affinity_group_id).where(
                        AffinityMembership.instance_id == instance_id
                    )
                )
            ).scalars()
        )
    if not group_ids:
        return set()
    rows = await session.execute(
        select(Instance.host_id)
        .join(AffinityMembership, AffinityMembership.instance_id == Instance.id)
        .join(AffinityGroup, AffinityGroup.id == AffinityMembership.affinity_group_id)
        .where(
            AffinityMembership.affinity_group_id.in_(group_ids),
            AffinityGroup.type == ANTI_AFFINITY,
            Instance.id != instance_id,
            Instance.host_id.is_not(None),
        )
    )
    return {host_id for host_id in rows.scalars() if host_id is not None}


async def mark_network_implemented(session: AsyncSession, network_id: str) -> None:
    await session.execute(_IMPLEMENT_NETWORK, {"network_id": network_id})


# Built once, like the other statements every create runs.
_IMPLEMENT_NETWORK = (
    update(Network)
    .where(Network.id == bindparam("network_id"), Network.state != "Implemented")
    .values(state="Implemented")
    .execution_options(synchronize_session=False)
)
_DEFAULT_NIC = select(Nic).where(Nic.instance_id == bindparam("instance_id"), Nic.is_default.is_(True))


def _volume(instance: Instance, volume_id: str, kind: str, size_gb: int, **fields: Any) -> Volume:
    """A volume the instance is created with: ``ROOT-<name>`` (``os``) or ``DATA-<name>`` (``data``),
    in its environment and zone, attached to it."""
    prefix = "ROOT" if kind == "os" else "DATA"
    return Volume(
        id=volume_id,
        environment_id=instance.environment_id,
        zone_id=instance.zone_id,
        name=f"{prefix}-{instance.name}",
        type=kind,
        size_gb=size_gb,
        instance_id=instance.id,
        **fields,
    )


async def provision(
    session: AsyncSession, instance: Instance, payload: CreatePayload, derived: DerivedId
) -> None:
    """Root volume, data volume, attached volume, affinity memberships, forwarded ports."""
    template = await session.get(Template, instance.template_id)
    assert template is not None
    session.add(
        _volume(
            instance,
            derived("root-volume"),
            "os",
            int(payload.rootVolumeSizeInGb or template.root_size_gb),
            template_id=template.id,
        )
    )
    if payload.diskOfferingId:
        offering = await session.get(DiskOffering, payload.diskOfferingId)
        if offering is None:
            raise InvalidField("diskOfferingId", payload.diskOfferingId, "the disk offering no longer exists")
        session.add(
            _volume(
                instance,
                derived("data-volume"),
                "data",
                int(payload.additionalDiskSizeInGb or offering.gb_size or 0),
                iops=payload.additionalDiskIops or (offering.min_iops if offering.custom_iops else None),
                disk_offering_id=offering.id,
            )
        )
    if payload.volumeIdToAttach:
        attached = await session.execute(
            update(Volume)
            .where(Volume.id == payload.volumeIdToAttach, Volume.instance_id.is_(None), Volume.type == "data")
            .values(instance_id=instance.id)
            .execution_options(synchronize_session=False)
        )
        if not getattr(attached, "rowcount", 0):
            raise InvalidField(
                "volumeIdToAttach", payload.volumeIdToAttach, "the volume is no longer available"
            )
    for group_id in payload.affinityGroupIds:
        session.add(AffinityMembership(affinity_group_id=group_id, instance_id=instance.id))
    nic = (await session.execute(_DEFAULT_NIC, {"instance_id": instance.id})).scalar_one()
    await mark_network_implemented(session, nic.network_id)
    ports = [int(port) for port in payload.portsToForward]
    if ports:
        await forwarding.forward_ports(session, instance, nic, ports, derived("public-ip"))
    await session.flush()


async def unprovision(session: AsyncSession, instance: Instance, derived: DerivedId) -> None:
    """Give back everything ``provision`` (and the request) allocated for a create that failed."""
    await release_capacity(session, instance)
    await session.execute(delete(PortForwardingRule).where(PortForwardingRule.instance_id == instance.id))
    await session.execute(delete(PublicIp).where(PublicIp.id == derived("public-ip")))
    # A reused IP was bound to the instance's network by the rules just removed.
    await forwarding.unbind_unused(session)
    await session.execute(
        delete(Volume).where(Volume.id.in_([derived("root-volume"), derived("data-volume")]))
    )


async def remove_forwarding(session: AsyncSession, instance_id: str) -> None:
    """Delete the port forwarding rules targeting the instance and disable static NAT to it."""
    await forwarding.remove_instance_rules(session, instance_id)


async def release_for_destroy(
    session: AsyncSession, instance: Instance, options: DestroyPayload
) -> list[str]:
    """Destroy's effects on held resources, in the contract's order (4.4, steps 2-6). Returns the
    ids of the snapshots it deleted, whose data goes once this commits."""
    for ip_id in options.publicIpIdsToRelease:
        await forwarding.release_public_ip(session, ip_id)
    volume_ids = list(options.volumeIdsToDelete)
    snapshot_ids: list[str] = []
    if options.deleteSnapshots:
        # "Every snapshot of every volume attached to the instance" (4.4), taken before step 3 so
        # the snapshots of volumes deleted with it go too.
        attached = select(Volume.id).where(Volume.instance_id == instance.id)
        snapshots = select(Snapshot.id).where(Snapshot.volume_id.in_(attached))
        snapshot_ids = list((await session.execute(snapshots)).scalars())
        await session.execute(delete(Snapshot).where(Snapshot.id.in_(snapshot_ids)))
    if volume_ids:
        await session.execute(
            delete(Volume).where(
                Volume.id.in_(volume_ids), Volume.instance_id == instance.id, Volume.type == "data"
            )
        )
    await remove_forwarding(session, instance.id)
    await release_capacity(session, instance)
    return snapshot_ids


async def release_capacity(session: AsyncSession, instance: Instance) -> None:
    """Give the host back the instance's CPU and memory, once (the flag flips in the same statement)."""
    released = await session.execute(
        update(Instance)
        .where(Instance.id == instance.id, Instance.holds_capacity.is_(True))
        .values(holds_capacity=False)
        .execution_options(synchronize_session=False)
    )
    if getattr(released, "rowcount", 0) and instance.host_id is not None:
        await scheduler.release(
            session, host_id=instance.host_id, cpu_count=instance.cpu_count, memory_mb=instance.memory_mb
        )


async def delete_records(session: AsyncSession, instance_id: str) -> None:
    """Purge (4.5.4): root volume deleted, data volumes detached and kept, NICs and memberships gone."""
    instance = await session.get(Instance, instance_id, populate_existing=True)
    if instance is None:
        return
    await release_capacity(session, instance)
    await remove_forwarding(session, instance_id)
    await session.execute(delete(Volume).where(Volume.instance_id == instance_id, Volume.type == "os"))
    await session.execute(
        update(Volume)
        .where(Volume.instance_id == instance_id)
        .values(instance_id=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(AffinityMembership).where(AffinityMembership.instance_id == instance_id))
    await session.execute(delete(Nic).where(Nic.instance_id == instance_id))
    await session.execute(delete(Instance).where(Instance.id == instance_id))
