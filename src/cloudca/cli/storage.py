"""``cloudca volumes ...`` and ``cloudca snapshots ...``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudca.cli._commands import Reference, add_read_commands, finishes_task, resource_app
from cloudca.cli._session import refuse, session
from cloudca.client import Task

volumes = resource_app("volumes", "Root and data volumes.")
add_read_commands(
    volumes,
    noun="volume",
    plural="volumes",
    columns=[
        ("ID", "id"),
        ("NAME", "name"),
        ("TYPE", "type"),
        ("GB", "sizeInGb"),
        ("INSTANCE", "instanceName"),
        ("OFFERING", "diskOfferingName"),
        ("STATE", "state"),
    ],
    resource=lambda s: s.env.volumes,
    filters=("type", "instance_id"),
)
VolumeArgument = Annotated[str, typer.Argument(metavar="VOLUME", help="Volume name or id.")]
InstanceOption = Annotated[str, typer.Option("--instance", help="Instance name or id.")]


@volumes.command("create")
@finishes_task("Creating volume {name}")
def create_volume(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new data volume.")],
    offering: Annotated[str, typer.Option(help="Disk offering name or id.")],
    instance: InstanceOption,
    size: Annotated[int | None, typer.Option(help="Size in GB (custom-size offerings).")] = None,
    iops: Annotated[int | None, typer.Option(help="IOPS (custom-IOPS offerings).")] = None,
) -> Task[Any]:
    """Create a data volume and attach it to an instance."""
    state = session(ctx)
    env = state.env
    offering_id = state.resolve(env.disk_offerings, offering)
    chosen = env.disk_offerings.get(offering_id)
    if not chosen.custom_size:
        refuse({"--size": size}, f"disk offering {chosen.name!r} has a fixed size")
    if not chosen.custom_iops:
        refuse({"--iops": iops}, f"disk offering {chosen.name!r} has fixed IOPS")
    task = env.volumes.create(
        name,
        offering_id,
        state.resolve(env.instances, instance),
        size_in_gb=size,
        iops=iops,
    )
    return task


VOLUME_REF = Reference(volumes, "VOLUME", "Volume name or id.", lambda s: s.env.volumes)
VOLUME_REF.task("delete", "Delete a detached data volume.", "Deleting volume {}", "Deleted")


@volumes.command("attach")
@finishes_task("Attaching {volume}")
def attach_volume(
    ctx: typer.Context,
    volume: VolumeArgument,
    instance: InstanceOption,
) -> Task[Any]:
    """Attach a data volume to an instance of the same zone."""
    state = session(ctx)
    env = state.env
    task = env.volumes.attach(state.resolve(env.volumes, volume), state.resolve(env.instances, instance))
    return task


VOLUME_REF.task("detach", "Detach a data volume from its instance.", "Detaching {}")
VOLUME_REF.task("snapshot", "Take a snapshot of a volume (a cloudca extension).", "Snapshotting {}")


@volumes.command("resize")
@finishes_task("Resizing {volume}")
def resize_volume(
    ctx: typer.Context,
    volume: VolumeArgument,
    size: Annotated[int | None, typer.Option(help="New size in GB (grow only).")] = None,
    iops: Annotated[int | None, typer.Option(help="New IOPS (custom-IOPS offerings).")] = None,
) -> Task[Any]:
    """Grow a volume or change its IOPS."""
    state = session(ctx)
    task = state.env.volumes.resize(state.resolve(state.env.volumes, volume), size_in_gb=size, iops=iops)
    return task


snapshots = resource_app("snapshots", "Volume snapshots (revert and delete: cloudca extensions).")
add_read_commands(
    snapshots,
    noun="snapshot",
    plural="snapshots",
    columns=[
        ("ID", "id"),
        ("NAME", "name"),
        ("VOLUME", "volume"),
        ("TYPE", "volumeType"),
        ("STATE", "state"),
        ("BYTES", "sizeInBytes"),
    ],
    resource=lambda s: s.env.snapshots,
    filters=("volume_id",),
)
SNAPSHOT_REF = Reference(snapshots, "SNAPSHOT", "Snapshot name or id.", lambda s: s.env.snapshots)
SNAPSHOT_REF.task(
    "revert",
    "Make the snapshot's volume hold its content again (the volume detached or its instance stopped).",
    "Reverting to {}",
)
SNAPSHOT_REF.task("delete", "Delete a snapshot and its data.", "Deleting snapshot {}", "Deleted")

APPS = [volumes, snapshots]
