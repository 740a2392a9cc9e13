"""Volumes and snapshots (API-CONTRACT 6.14, 6.15): reads, representations, and the checks every
mutation makes before its task exists (a refused request changes nothing).

Volumes are ``os`` (an instance's root volume, made and removed with it) or ``data`` (from a disk
offering; created, attached, detached, resized and deleted here). Snapshots are read-only in the
contract; ``POST volumes/{id}?operation=snapshot`` is this server's extension to make one.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.catalog import service as catalog
from cloudca.server.catalog.models import DiskOffering, Zone
from cloudca.server.core.carry import fields_of, wire_columns
from cloudca.server.core.claims import check_transition
from cloudca.server.core.environment_lists import environment_lister, represented
from cloudca.server.core.fields import Body, Iops, SizeInGb, Str, Uuid
from cloudca.server.core.listing import SortColumns
from cloudca.server.core.rows import field_row, in_environment
from cloudca.server.db.base import iso
from cloudca.server.errors import InvalidField, InvalidState, MissingField, ServiceError, ValidationErrors
from cloudca.server.instances import states
from cloudca.server.instances.models import Instance
from cloudca.server.storage.models import Snapshot, Volume
from cloudca.server.storage.payloads import (
    AttachmentPayload,
    CreateVolumePayload,
    ResizePayload,
    RevertPayload,
    SnapshotPayload,
)

VOLUMES = "volumes"
SNAPSHOTS = "snapshots"
VOLUME_TYPES = ("os", "data")
#: Volume changes are allowed on Running and Stopped instances (contract 5.2).
ATTACH = states.Transition("attachToInstance", "attach a volume to", (states.RUNNING, states.STOPPED))
DETACH = states.Transition("detachFromInstance", "detach a volume from", (states.RUNNING, states.STOPPED))
RESIZE = states.Transition("resize", "resize a volume of", (states.RUNNING, states.STOPPED))
#: Reverting rewrites the disk under the guest: only with the guest stopped (or the volume detached).
REVERT = states.Transition("revert", "revert a volume of", (states.STOPPED,))


class CreateVolume(Body):
    name: Annotated[Str, Field(min_length=1, max_length=255)]
    diskOfferingId: Uuid
    instanceId: Uuid | None = None
    sizeInGb: SizeInGb | None = None
    iops: Iops | None = None
    zoneId: Uuid | None = None


class AttachVolume(Body):
    instanceId: Uuid


class ResizeVolume(Body):
    sizeInGb: SizeInGb | None = None
    iops: Iops | None = None


class SnapshotVolume(Body):
    name: Annotated[Str, Field(min_length=1, max_length=255)] | None = None


# -- representations -----------------------------------------------------------------------------


def _volume_query() -> Any:
    return (
        select(Volume, Zone.name, DiskOffering.name, Instance.name, Instance.state)
        .join(Zone, Zone.id == Volume.zone_id)
        .outerjoin(DiskOffering, DiskOffering.id == Volume.disk_offering_id)
        .outerjoin(Instance, Instance.id == Volume.instance_id)
    )


def _volume(
    volume: Volume,
    zone_name: str,
    offering_name: str | None,
    instance_name: str | None,
    instance_state: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": volume.id,
        "name": volume.name,
        "type": volume.type,
        "creationDate": iso(volume.created_at),
        "zoneId": volume.zone_id,
        "zoneName": zone_name,
        "state": volume.state,
        "sizeInGb": volume.size_gb,
    }
    if volume.instance_id is not None:
        body.update(instanceId=volume.instance_id, instanceName=instance_name, instanceState=instance_state)
    if volume.iops is not None:
        body["iops"] = volume.iops
    if volume.disk_offering_id is not None:
        body.update(diskOfferingId=volume.disk_offering_id, diskOfferingName=offering_name)
    if volume.template_id is not None:
        body["templateId"] = volume.template_id
    return body


async def represent_volume(session: AsyncSession, volume_id: str) -> dict[str, Any] | None:
    return await represented(session, _volume_query().where(Volume.id == volume_id), _volume)


VOLUME_SORT: SortColumns = {
    **wire_columns(
        Volume,
        "id name type creationDate zoneId state sizeInGb instanceId iops diskOfferingId templateId",
        creationDate="created_at",
        sizeInGb="size_gb",
    ),
    "zoneName": Zone.name,
    "instanceName": Instance.name,
    "instanceState": Instance.state,
    "diskOfferingName": DiskOffering.name,
}


list_volumes = environment_lister(
    Volume,
    VOLUME_SORT,
    _volume,
    query=_volume_query,
    volume_type=Volume.type,
    instance_id=Volume.instance_id,
)


#: The representation's fields that are columns as stored, each sortable by it.
_SNAPSHOT_COLUMNS = wire_columns(
    Snapshot, "id name state intervalType volumeId volume volumeType", volume="volume_name"
)


def represent_snapshot(snapshot: Snapshot) -> dict[str, Any]:
    return fields_of(snapshot, _SNAPSHOT_COLUMNS) | {
        "created": iso(snapshot.created_at),
        "sizeInBytes": snapshot.size_bytes or 0,
    }


SNAPSHOT_SORT: SortColumns = {
    **_SNAPSHOT_COLUMNS,
    "created": Snapshot.created_at,
    "sizeInBytes": func.coalesce(Snapshot.size_bytes, 0),
}


list_snapshots = environment_lister(Snapshot, SNAPSHOT_SORT, represent_snapshot, volume_id=Snapshot.volume_id)


# -- lookups -------------------------------------------------------------------------------------


async def get_volume(session: AsyncSession, scope: EnvironmentScope, volume_id: str) -> Volume:
    return await in_environment(session, Volume, scope.id, volume_id, VOLUMES, "volume")


async def get_snapshot(session: AsyncSession, scope: EnvironmentScope, snapshot_id: str) -> Snapshot:
    return await in_environment(session, Snapshot, scope.id, snapshot_id, SNAPSHOTS, "snapshot")


async def _target_instance(
    session: AsyncSession, scope: EnvironmentScope, instance_id: str, transition: states.Transition
) -> Instance:
    instance = await field_row(session, Instance, scope.id, instance_id, "instanceId", "instance")
    check_transition(instance, transition)
    return instance


def _refuse_root(volume: Volume, action: str) -> None:
    if volume.type != "data":
        raise InvalidField("id", volume.id, f"a root volume cannot be {action} through this API")


# -- checks of each mutation ---------------------------------------------------------------------


def check_size_and_iops(
    offering: DiskOffering,
    size: int | None,
    iops: int | None,
    names: tuple[str, str],
    problems: list[ServiceError],
) -> None:
    """Custom size and IOPS only with an offering that allows them, and within its bounds (6.4)."""
    size_field, iops_field = names
    if offering.custom_size:
        if size is None:
            problems.append(MissingField(size_field, f"{size_field} is required with this disk offering"))
        elif not offering.min_size_gb <= size <= offering.max_size_gb:
            problems.append(
                InvalidField(
                    size_field, size, f"must be between {offering.min_size_gb} and {offering.max_size_gb}"
                )
            )
    elif size is not None:
        problems.append(InvalidField(size_field, size, "the disk offering has a fixed size"))
    if iops is not None:
        if not offering.custom_iops:
            problems.append(InvalidField(iops_field, iops, "the disk offering has fixed IOPS"))
        elif (offering.min_iops is not None and iops < offering.min_iops) or (
            offering.max_iops is not None and iops > offering.max_iops
        ):
            problems.append(
                InvalidField(iops_field, iops, f"must be between {offering.min_iops} and {offering.max_iops}")
            )


async def check_create(
    session: AsyncSession, scope: EnvironmentScope, body: CreateVolume
) -> CreateVolumePayload:
    problems: list[ServiceError] = []
    offering = await catalog.check_shared(
        session, DiskOffering, scope, "diskOfferingId", body.diskOfferingId, problems
    )
    if offering is not None:
        check_size_and_iops(offering, body.sizeInGb, body.iops, ("sizeInGb", "iops"), problems)
    zone_id = instance_id = None
    if body.zoneId is not None or body.instanceId is None:
        zone = await catalog.check_zone(session, scope, body.zoneId, problems)
        zone_id = zone.id if zone is not None else None
    if body.instanceId is not None:
        # The volume goes where the instance it is made for is; a zoneId, if given, must be that one.
        instance = await _target_instance(session, scope, body.instanceId, ATTACH)
        if zone_id is not None and zone_id != instance.zone_id:
            problems.append(InvalidField("zoneId", body.zoneId, "must be the zone of the instance"))
        zone_id, instance_id = instance.zone_id, instance.id
    if problems:
        raise ValidationErrors(problems)
    size = body.sizeInGb or offering.gb_size if offering is not None else None
    # A custom-size offering without sizeInGb was refused above: a size is known here.
    assert offering is not None and zone_id is not None and size is not None
    return CreateVolumePayload(
        name=body.name,
        diskOfferingId=offering.id,
        sizeInGb=size,
        iops=body.iops or (offering.min_iops if offering.custom_iops else None),
        zoneId=zone_id,
        instanceId=instance_id,
    )


async def check_attach(
    session: AsyncSession, scope: EnvironmentScope, volume: Volume, body: AttachVolume
) -> AttachmentPayload:
    _refuse_root(volume, "attached")
    instance = await _target_instance(session, scope, body.instanceId, ATTACH)
    if volume.instance_id is not None:
        raise _attached_state(volume, "attach", "a detached")
    if volume.zone_id != instance.zone_id:
        raise InvalidField("instanceId", instance.id, "the instance is in another zone than the volume")
    return AttachmentPayload(instance.id)


async def check_detach(
    session: AsyncSession, scope: EnvironmentScope, volume: Volume, body: None = None
) -> AttachmentPayload:
    _refuse_root(volume, "detached")
    if volume.instance_id is None:
        raise _attached_state(volume, "detach", "an attached")
    instance = await session.get(Instance, volume.instance_id, populate_existing=True)
    assert instance is not None
    check_transition(instance, DETACH)
    return AttachmentPayload(instance.id)


async def check_resize(
    session: AsyncSession, scope: EnvironmentScope, volume: Volume, body: ResizeVolume
) -> ResizePayload:
    if body.sizeInGb is None and body.iops is None:
        raise ValidationErrors([MissingField("sizeInGb"), MissingField("iops")])
    problems: list[ServiceError] = []
    offering = await session.get(DiskOffering, volume.disk_offering_id) if volume.disk_offering_id else None
    if body.sizeInGb is not None and body.sizeInGb < volume.size_gb:
        problems.append(
            InvalidField("sizeInGb", body.sizeInGb, f"a volume only grows (it has {volume.size_gb} GB)")
        )
    if body.iops is not None:
        if offering is None or not offering.custom_iops:
            problems.append(InvalidField("iops", body.iops, "the volume's disk offering has fixed IOPS"))
        else:
            check_size_and_iops(
                offering,
                None if not offering.custom_size else volume.size_gb,
                body.iops,
                ("sizeInGb", "iops"),
                problems,
            )
    if problems:
        raise ValidationErrors(problems)
    if volume.instance_id is not None:
        instance = await session.get(Instance, volume.instance_id, populate_existing=True)
        assert instance is not None
        check_transition(instance, RESIZE)
    return ResizePayload(
        sizeInGb=body.sizeInGb or volume.size_gb,
        iops=body.iops if body.iops is not None else volume.iops,
        instanceId=volume.instance_id,
    )


async def check_snapshot(
    session: AsyncSession, scope: EnvironmentScope, volume: Volume, body: SnapshotVolume
) -> SnapshotPayload:
    """A snapshot (cloudca extension) of any volume of the environment."""
    return SnapshotPayload(volumeId=volume.id, name=body.name)


async def check_revert(
    session: AsyncSession, scope: EnvironmentScope, snapshot: Snapshot, body: None = None
) -> RevertPayload:
    """A revert (cloudca extension) needs the snapshot's volume, detached or on a stopped instance."""
    volume = await session.get(Volume, snapshot.volume_id, populate_existing=True)
    if volume is None or volume.environment_id != scope.id:
        raise InvalidField("id", snapshot.id, "the snapshot's volume no longer exists")
    if volume.instance_id is not None:
        instance = await session.get(Instance, volume.instance_id, populate_existing=True)
        assert instance is not None
        check_transition(instance, REVERT)
    return RevertPayload(volumeId=volume.id, instanceId=volume.instance_id)


def check_delete(volume: Volume) -> None:
    _refuse_root(volume, "deleted")
    if volume.instance_id is not None:
        # Contract 6.14: an attached data volume is refused with INVALID_STATE (T detaches first).
        raise _attached_state(volume, "delete", "a detached")


def _attached_state(volume: Volume, verb: str, expected: str) -> InvalidState:
    current = "Attached" if volume.instance_id is not None else "Detached"
    return InvalidState(
        f"Cannot {verb} a volume that isn't {expected} volume",
        entity_id=volume.id,
        entity_type=VOLUMES,
        current_state=current,
        expected_states=["Detached" if current == "Attached" else "Attached"],
    )
