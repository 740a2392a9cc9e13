"""Translating the control plane's records of an instance into the driver's frozen inputs."""

from __future__ import annotations

import secrets
import string

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.catalog.models import Template, Zone
from cloudca.server.drivers.base import DiskSpec, MachineSpec, NicSpec
from cloudca.server.instances.models import Instance
from cloudca.server.networking.models import Network, Nic
from cloudca.server.placement.models import Host
from cloudca.server.storage.models import Volume

_PASSWORD_ALPHABET = string.ascii_letters + string.digits


# Built once: every create and every NIC or disk change runs them.
_NICS = (
    select(Nic, Network)
    .join(Network, Network.id == Nic.network_id)
    .where(Nic.instance_id == bindparam("instance_id"))
    .order_by(Nic.is_default.desc(), Nic.created_at, Nic.id)
    # NIC rows change by UPDATE statements; never trust a stale identity map here.
    .execution_options(populate_existing=True)
)
_DISKS = (
    select(Volume)
    .where(Volume.instance_id == bindparam("instance_id"))
    .order_by(Volume.type.desc(), Volume.created_at)
)


def generate_password(length: int = 14) -> str:
    """A new password for the default user; it leaves the server only in the task result."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


async def nic_specs(session: AsyncSession, instance_id: str) -> tuple[NicSpec, ...]:
    rows = await session.execute(_NICS, {"instance_id": instance_id})
    return tuple(
        NicSpec(
            nic_id=nic.id,
            mac_address=nic.mac_address,
            ip_address=nic.ip_address,
            network_id=network.id,
            cidr=network.cidr,
            gateway=network.gateway,
            is_default=nic.is_default,
        )
        for nic, network in rows
    )


async def disk_specs(session: AsyncSession, instance_id: str, template: Template) -> tuple[DiskSpec, ...]:
    rows = await session.execute(_DISKS, {"instance_id": instance_id})
    return tuple(
        DiskSpec(
            volume_id=volume.id,
            size_gb=volume.size_gb,
            is_root=volume.type == "os",
            image_location=template.image_location if volume.type == "os" else "",
        )
        for volume in rows.scalars()
    )


async def machine_spec(session: AsyncSession, instance: Instance, password: str | None) -> MachineSpec:
    template = await session.get(Template, instance.template_id)
    zone = await session.get(Zone, instance.zone_id)
    host = await session.get(Host, instance.host_id) if instance.host_id else None
    assert template is not None and zone is not None and host is not None
    return MachineSpec(
        instance_id=instance.id,
        name=instance.name,
        hostname=instance.hostname,
        host_name=host.name,
        zone_name=zone.name,
        cpu_count=instance.cpu_count,
        memory_mb=instance.memory_mb,
        template_id=template.id,
        username=template.username,
        nics=await nic_specs(session, instance.id),
        disks=await disk_specs(session, instance.id, template),
        user_data=instance.user_data,
        ssh_public_key=instance.public_key,
        password=password,
    )
