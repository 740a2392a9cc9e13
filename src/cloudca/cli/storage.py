"""``cloudca volumes ...`` and ``cloudca snapshots ...``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudca.cli._commands import Reference, ResourceGroup
from cloudca.cli._session import Session, refuse
from cloudca.client import Task

volumes = ResourceGroup(
    "volumes",
    "Root and data volumes.",
    columns="ID:id,NAME:name,TYPE:type,GB:sizeInGb,INSTANCE:instanceName,OFFERING:diskOfferingName,STATE:state",
    filters=("type", "instance_id"),
)
InstanceOption = Annotated[str, typer.Option("--instance", help="Instance name or id.")]


@volumes.mutation("create", "Creating volume {name}")
def create_volume(
    state: Session,
    name: Annotated[str, typer.Argument(help="Name of the new data volume.")],
    offering: Annotated[str, typer.Option(help="Disk offering name or id.")],
    instance: InstanceOption,
    size: Annotated[int | None, typer.Option(help="Size in GB (custom-size offerings).")] = None,
    iops: Annotated[int | None, typer.Option(help="IOPS (custom-IOPS offerings).")] = None,
) -> Task[Any]:
    """Create a data volume and attach it to an instance."""
    env = state.env
    offering_id = state.resolve(env.disk_offerings, offering)
    chosen = env.disk_offerings.get(offering_id)
    if not chosen.custom_size:
        refuse({"--size": size}, f"disk offering {chosen.name!r} has a fixed size")
    if not chosen.custom_iops:
        refuse({"--iops": iops}, f"disk offering {chosen.name!r} has fixed IOPS")
    instance_id = state.resolve(env.instances, instance)
    return env.volumes.create(name, offering_id, instance_id, size_in_gb=size, iops=iops)


VOLUME_REF = Reference(volumes, "VOLUME", "Volume name or id.")
VOLUME_REF.task("delete", "Delete a detached data volume.", "Deleting volume {}", "Deleted")


@VOLUME_REF.mutation("attach", "Attaching {}")
def attach_volume(state: Session, volume_id: str, instance: InstanceOption) -> Task[Any]:
    """Attach a data volume to an instance of the same zone."""
    return state.env.volumes.attach(volume_id, state.resolve(state.env.instances, instance))


VOLUME_REF.task("detach", "Detach a data volume from its instance.", "Detaching {}")
VOLUME_REF.task("snapshot", "Take a snapshot of a volume (a cloudca extension).", "Snapshotting {}")


@VOLUME_REF.mutation("resize", "Resizing {}")
def resize_volume(
    state: Session,
    volume_id: str,
    size: Annotated[int | None, typer.Option(help="New size in GB (grow only).")] = None,
    iops: Annotated[int | None, typer.Option(help="New IOPS (custom-IOPS offerings).")] = None,
) -> Task[Any]:
    """Grow a volume or change its IOPS."""
    return state.env.volumes.resize(volume_id, size_in_gb=size, iops=iops)


snapshots = ResourceGroup(
    "snapshots",
    "Volume snapshots (revert and delete: cloudca extensions).",
    columns="ID:id,NAME:name,VOLUME:volume,TYPE:volumeType,STATE:state,BYTES:sizeInBytes",
    filters=("volume_id",),
)
SNAPSHOT_REF = Reference(snapshots, "SNAPSHOT", "Snapshot name or id.")
SNAPSHOT_REF.task(
    "revert",
    "Make the snapshot's volume hold its content again (the volume detached or its instance stopped).",
    "Reverting to {}",
)
SNAPSHOT_REF.task("delete", "Delete a snapshot and its data.", "Deleting snapshot {}", "Deleted")

APPS = [volumes, snapshots]
