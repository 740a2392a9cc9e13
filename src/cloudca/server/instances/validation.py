"""The rules of an instance create and of the operations' bodies that need the database.

Everything is checked before any task exists: a request refused here changes nothing (4.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.catalog import service as catalog
from cloudca.server.catalog.models import ComputeOffering, DiskOffering, Template
from cloudca.server.errors import Duplicate, InvalidField, MissingField, ServiceError, ValidationErrors
from cloudca.server.instances.schemas import CreateInstance
from cloudca.server.networking import ipam
from cloudca.server.networking import service as networking
from cloudca.server.networking.models import Network, Nic
from cloudca.server.placement.models import AffinityGroup
from cloudca.server.sshkeys.keys import InvalidPublicKey, parse_public_key
from cloudca.server.sshkeys.models import SshKey
from cloudca.server.storage.models import Volume

ANTI_AFFINITY = "host anti-affinity"
DEDICATED = "ExplicitDedication"


@dataclass
class CreatePlan:
    """A create request, checked and resolved against the database."""

    body: CreateInstance
    template: Template
    offering: ComputeOffering
    network: Network
    cpu_count: int
    memory_mb: int
    root_size_gb: int
    public_key: str | None = None
    disk_offering: DiskOffering | None = None
    affinity_group_ids: list[str] = field(default_factory=list)
    requested_ip: str | None = None


def resolve_size(
    offering: ComputeOffering, cpu_count: int | None, memory_mb: int | None, problems: list[ServiceError]
) -> tuple[int, int]:
    """Effective CPU and memory: the offering's, or the custom values (checked against its lists)."""
    if not offering.custom:
        # Decision 8.30: values sent with a fixed offering are ignored.
        return int(offering.cpu_count or 0), int(offering.memory_mb or 0)
    if cpu_count is None:
        problems.append(MissingField("cpuCount", "cpuCount is required with a custom compute offering"))
    elif offering.available_cpu_counts and cpu_count not in offering.available_cpu_counts:
        problems.append(
            InvalidField("cpuCount", cpu_count, f"must be one of {offering.available_cpu_counts}")
        )
    if memory_mb is None:
        problems.append(MissingField("memoryInMB", "memoryInMB is required with a custom compute offering"))
    elif offering.available_memory_mb and memory_mb not in offering.available_memory_mb:
        problems.append(
            InvalidField("memoryInMB", memory_mb, f"must be one of {offering.available_memory_mb}")
        )
    ratio = offering.max_memory_mb_per_cpu
    if cpu_count and memory_mb and ratio and memory_mb / cpu_count > ratio:
        problems.append(
            InvalidField("memoryInMB", memory_mb, f"memoryInMB / cpuCount must not exceed {ratio}")
        )
    return cpu_count or 0, memory_mb or 0


async def check_create(session: AsyncSession, scope: EnvironmentScope, body: CreateInstance) -> CreatePlan:
    problems: list[ServiceError] = []
    template = await catalog.find_template(session, scope, body.templateId)
    offering = await catalog.find_shared(session, ComputeOffering, scope, body.computeOfferingId)
    network = await networking.find_network(session, scope, body.networkId)
    if template is None:
        problems.append(InvalidField("templateId", body.templateId, "no such template in this environment"))
    elif not template.is_ready:
        problems.append(InvalidField("templateId", body.templateId, "the template is not ready"))
    if offering is None:
        problems.append(InvalidField("computeOfferingId", body.computeOfferingId, "no such compute offering"))
    if network is None:
        problems.append(InvalidField("networkId", body.networkId, "no such network in this environment"))
    if template is not None and network is not None and network.zone_id not in template.zone_ids:
        problems.append(
            InvalidField("templateId", body.templateId, "the template is not available in the network's zone")
        )
    cpu_count, memory_mb = (0, 0)
    if offering is not None:
        cpu_count, memory_mb = resolve_size(offering, body.cpuCount, body.memoryInMB, problems)
    root_size_gb = template.root_size_gb if template is not None else 0
    if body.rootVolumeSizeInGb is not None and template is not None:
        if not template.resizable:
            problems.append(
                InvalidField("rootVolumeSizeInGb", body.rootVolumeSizeInGb, "the template is not resizable")
            )
        elif body.rootVolumeSizeInGb < template.root_size_gb:
            problems.append(
                InvalidField(
                    "rootVolumeSizeInGb",
                    body.rootVolumeSizeInGb,
                    f"must be at least the template's size, {template.root_size_gb} GB",
                )
            )
        else:
            root_size_gb = body.rootVolumeSizeInGb
    plan_disk = await _check_disk(session, scope, body, network, problems)
    public_key = await _check_keys(session, scope, body, template, problems)
    groups = await _check_affinity(session, scope, body, problems)
    requested_ip = None
    if body.ipAddress is not None and network is not None:
        try:
            requested_ip = ipam.check_requested_address(network, body.ipAddress)
        except ServiceError as problem:
            problems.append(problem)
        else:
            taken = await session.execute(
                select(Nic.id).where(Nic.network_id == network.id, Nic.ip_address == requested_ip)
            )
            if taken.first() is not None:
                problems.append(Duplicate("ipAddress", requested_ip))
    if problems:
        raise ValidationErrors(problems)
    assert template is not None and offering is not None and network is not None
    return CreatePlan(
        body=body,
        template=template,
        offering=offering,
        network=network,
        cpu_count=cpu_count,
        memory_mb=memory_mb,
        root_size_gb=root_size_gb,
        public_key=public_key,
        disk_offering=plan_disk,
        affinity_group_ids=groups,
        requested_ip=requested_ip,
    )


async def _check_disk(
    session: AsyncSession,
    scope: EnvironmentScope,
    body: CreateInstance,
    network: Network | None,
    problems: list[ServiceError],
) -> DiskOffering | None:
    offering: DiskOffering | None = None
    if body.diskOfferingId is not None:
        offering = await catalog.check_shared(
            session, DiskOffering, scope, "diskOfferingId", body.diskOfferingId, problems
        )
        if body.volumeIdToAttach is not None:
            problems.append(
                InvalidField(
                    "volumeIdToAttach", body.volumeIdToAttach, "cannot be combined with diskOfferingId"
                )
            )
    elif body.additionalDiskSizeInGb is not None or body.additionalDiskIops is not None:
        field_name = (
            "additionalDiskSizeInGb" if body.additionalDiskSizeInGb is not None else "additionalDiskIops"
        )
        problems.append(
            InvalidField(field_name, getattr(body, field_name), "only allowed with diskOfferingId")
        )
    if offering is not None:
        size = body.additionalDiskSizeInGb
        if offering.custom_size:
            if size is None:
                problems.append(
                    MissingField(
                        "additionalDiskSizeInGb", "additionalDiskSizeInGb is required with this offering"
                    )
                )
            elif not offering.min_size_gb <= size <= offering.max_size_gb:
                problems.append(
                    InvalidField(
                        "additionalDiskSizeInGb",
                        size,
                        f"must be between {offering.min_size_gb} and {offering.max_size_gb}",
                    )
                )
        elif size is not None:
            problems.append(
                InvalidField("additionalDiskSizeInGb", size, "the disk offering has a fixed size")
            )
        iops = body.additionalDiskIops
        if iops is not None:
            if not offering.custom_iops:
                problems.append(InvalidField("additionalDiskIops", iops, "the disk offering has fixed IOPS"))
            elif (offering.min_iops is not None and iops < offering.min_iops) or (
                offering.max_iops is not None and iops > offering.max_iops
            ):
                problems.append(
                    InvalidField(
                        "additionalDiskIops",
                        iops,
                        f"must be between {offering.min_iops} and {offering.max_iops}",
                    )
                )
    if body.volumeIdToAttach is not None:
        volume = await session.get(Volume, body.volumeIdToAttach)
        reason = None
        if volume is None or volume.environment_id != scope.id:
            reason = "no such volume in this environment"
        elif volume.type != "data":
            reason = "only data volumes can be attached"
        elif volume.instance_id is not None:
            reason = "the volume is attached to another instance"
        elif volume.state != "Ready":
            reason = "the volume is not ready"
        elif network is not None and volume.zone_id != network.zone_id:
            reason = "the volume is in another zone"
        if reason:
            problems.append(InvalidField("volumeIdToAttach", body.volumeIdToAttach, reason))
    return offering


async def _check_keys(
    session: AsyncSession,
    scope: EnvironmentScope,
    body: CreateInstance,
    template: Template | None,
    problems: list[ServiceError],
) -> str | None:
    if body.sshKeyName is None and body.publicKey is None:
        return None
    if body.sshKeyName is not None and body.publicKey is not None:
        problems.append(InvalidField("publicKey", body.publicKey, "cannot be combined with sshKeyName"))
        return None
    if template is not None and not template.ssh_key_enabled:
        field_name = "sshKeyName" if body.sshKeyName is not None else "publicKey"
        problems.append(
            InvalidField(field_name, getattr(body, field_name), "the template does not take SSH keys")
        )
        return None
    if body.sshKeyName is not None:
        key = await find_ssh_key(session, scope, body.sshKeyName)
        if key is None:
            problems.append(InvalidField("sshKeyName", body.sshKeyName, "no SSH key with that name"))
            return None
        return key.public_key
    assert body.publicKey is not None
    try:
        parse_public_key(body.publicKey)
    except InvalidPublicKey as exc:
        problems.append(InvalidField("publicKey", body.publicKey, f"not an OpenSSH public key: {exc}"))
        return None
    return body.publicKey.strip()


async def find_ssh_key(session: AsyncSession, scope: EnvironmentScope, name: str) -> SshKey | None:
    rows = await session.execute(select(SshKey).where(SshKey.environment_id == scope.id, SshKey.name == name))
    return rows.scalar_one_or_none()


async def _check_affinity(
    session: AsyncSession, scope: EnvironmentScope, body: CreateInstance, problems: list[ServiceError]
) -> list[str]:
    wanted: list[tuple[str, str, str]] = []  # (field, id, expected type)
    if body.affinityGroupId is not None:
        wanted.append(("affinityGroupId", body.affinityGroupId, ANTI_AFFINITY))
    for group_id in body.affinityGroupIds or []:
        wanted.append(("affinityGroupIds", group_id, ANTI_AFFINITY))
    if body.dedicatedGroupId is not None:
        wanted.append(("dedicatedGroupId", body.dedicatedGroupId, DEDICATED))
    resolved: list[str] = []
    for field_name, group_id, expected in wanted:
        group = await session.get(AffinityGroup, group_id)
        if group is None or group.environment_id != scope.id:
            problems.append(InvalidField(field_name, group_id, "no such affinity group in this environment"))
        elif group.type.lower() != expected.lower():
            problems.append(InvalidField(field_name, group_id, f"must be a group of type '{expected}'"))
        elif group_id not in resolved:
            resolved.append(group_id)
    return resolved
