"""``cloudca instances ...``: every instance operation of the API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cloudca.cli._commands import Reference, ResourceGroup
from cloudca.cli._session import Session, refuse, session
from cloudca.client import Task

app = ResourceGroup(
    "instances",
    "Virtual machines: create, start, stop, reboot, destroy, recover, change-offering, ...",
    columns="ID:id,NAME:name,STATE:state,IP:ipAddress,OFFERING:computeOfferingName,"
    "TEMPLATE:templateName,NETWORK:networkName",
)


CpuOption = Annotated[int | None, typer.Option(help="vCPUs, for a custom offering.")]
MemoryOption = Annotated[int | None, typer.Option(help="Memory in MB, for a custom offering.")]


def _compute_offering(state: Session, offering: str, cpu: int | None, memory: int | None) -> str:
    """The id of the compute offering ``offering`` names; ``--cpu`` and ``--memory`` are refused
    unless it is a custom one."""
    offering_id = state.resolve(state.env.compute_offerings, offering)
    if cpu is None and memory is None:
        return offering_id
    chosen = state.env.compute_offerings.get(offering_id)
    if not chosen.custom:
        refuse(
            {"--cpu": cpu, "--memory": memory},
            f"compute offering {chosen.name!r} has fixed CPU and memory; these apply to custom offerings",
        )
    return offering_id


INSTANCE_REF = Reference(app, "INSTANCE", "Instance name or id.")
#: The instance argument of the commands that check their other arguments before looking it up.
InstanceArgument = Annotated[str, typer.Argument(metavar="INSTANCE", help="Instance name or id.")]


@app.mutation("create", "Creating {name}")
def create(
    state: Session,
    name: Annotated[str, typer.Argument(help="Display name of the new instance.")],
    template: Annotated[str, typer.Option(help="Template name or id.")],
    offering: Annotated[str, typer.Option(help="Compute offering name or id.")],
    network: Annotated[str, typer.Option(help="Network name or id (its zone is the instance's).")],
    cpu: CpuOption = None,
    memory: MemoryOption = None,
    root_size: Annotated[int | None, typer.Option(help="Root volume size in GB.")] = None,
    disk_offering: Annotated[str | None, typer.Option(help="Disk offering of a new data volume.")] = None,
    disk_size: Annotated[int | None, typer.Option(help="Size in GB of that data volume.")] = None,
    disk_iops: Annotated[int | None, typer.Option(help="IOPS of that data volume.")] = None,
    ssh_key: Annotated[str | None, typer.Option(help="Name of a registered SSH key to install.")] = None,
    public_key_file: Annotated[
        Path | None,
        typer.Option(help="OpenSSH public key file to install instead.", exists=True, dir_okay=False),
    ] = None,
    user_data_file: Annotated[
        Path | None, typer.Option(help="File passed to the guest as user data.", exists=True, dir_okay=False)
    ] = None,
    port: Annotated[
        list[str] | None, typer.Option(metavar="PORT", help="Public TCP port to forward (repeatable).")
    ] = None,
    ip_address: Annotated[str | None, typer.Option(help="Private IPv4 to request.")] = None,
    hostname: Annotated[str | None, typer.Option(help="Guest host name [default: NAME].")] = None,
    affinity_group: Annotated[
        list[str] | None, typer.Option(metavar="GROUP", help="Anti-affinity group name or id (repeatable).")
    ] = None,
) -> Task[Any]:
    """Create an instance and start it. The result shows its password when the template has one."""
    env = state.env
    offering_id = _compute_offering(state, offering, cpu, memory)
    disk_offering_id = state.resolve(env.disk_offerings, disk_offering) if disk_offering else None
    if disk_offering_id is None:
        refuse(
            {"--disk-size": disk_size, "--disk-iops": disk_iops},
            "these describe the data volume of --disk-offering: give --disk-offering too",
        )
    else:
        chosen = env.disk_offerings.get(disk_offering_id)
        if not chosen.custom_size:
            refuse({"--disk-size": disk_size}, f"disk offering {chosen.name!r} has a fixed size")
        if not chosen.custom_iops:
            refuse({"--disk-iops": disk_iops}, f"disk offering {chosen.name!r} has fixed IOPS")
    params: dict[str, Any] = {
        "name": name,
        "template_id": state.resolve(env.templates, template),
        "compute_offering_id": offering_id,
        "network_id": state.resolve(env.networks, network),
        "cpu_count": cpu,
        "memory_in_mb": memory,
        "root_volume_size_in_gb": root_size,
        "disk_offering_id": disk_offering_id,
        "additional_disk_size_in_gb": disk_size,
        "additional_disk_iops": disk_iops,
        "ssh_key_name": ssh_key,
        "public_key": public_key_file.read_text(encoding="utf-8").strip() if public_key_file else None,
        "user_data": user_data_file.read_text(encoding="utf-8") if user_data_file else None,
        "ports_to_forward": list(port) if port else None,
        "ip_address": ip_address,
        "hostname": hostname,
        "affinity_group_ids": [state.resolve(env.affinity_groups, group) for group in affinity_group]
        if affinity_group
        else None,
    }
    task: Task[Any] = env.instances.create(
        **{key: value for key, value in params.items() if value is not None}
    )
    return task


@app.mutation("update", "Updating {instance}")
def update(
    state: Session,
    instance: InstanceArgument,
    name: Annotated[str | None, typer.Option(help="New display name.")] = None,
    hostname: Annotated[str | None, typer.Option(help="New host name (a running instance reboots).")] = None,
) -> Task[Any]:
    """Rename an instance or change its host name."""
    if name is None and hostname is None:
        raise typer.BadParameter("give --name and/or --hostname")
    return state.env.instances.update(INSTANCE_REF.entity_id(state, instance), name=name, hostname=hostname)


@INSTANCE_REF.mutation("destroy", "Destroying {}")
def destroy(
    state: Session,
    instance_id: str,
    purge: Annotated[bool, typer.Option("--purge", help="Remove it for good (no recover).")] = False,
    delete_snapshots: Annotated[bool, typer.Option(help="Delete its volumes' snapshots.")] = False,
    release_ip: Annotated[
        list[str] | None, typer.Option(metavar="PUBLIC_IP", help="Public IP id to release (repeatable).")
    ] = None,
    delete_volume: Annotated[
        list[str] | None,
        typer.Option(metavar="VOLUME", help="Attached data volume name or id to delete (repeatable)."),
    ] = None,
) -> Task[Any]:
    """Destroy an instance (recoverable until purged)."""
    env = state.env
    return env.instances.destroy(
        instance_id,
        purge_immediately=purge,
        delete_snapshots=delete_snapshots,
        public_ip_ids_to_release=list(release_ip or []),
        volume_ids_to_delete=[state.resolve(env.volumes, volume) for volume in delete_volume or []],
    )


INSTANCE_REF.task("start", "Start a stopped instance.", "Starting {}")
INSTANCE_REF.task("stop", "Stop a running instance.", "Stopping {}")
INSTANCE_REF.task("reboot", "Reboot an instance (a stopped one comes up running).", "Rebooting {}")
INSTANCE_REF.task("purge", "Remove a destroyed instance for good.", "Purging {}")
INSTANCE_REF.task("recover", "Bring a destroyed instance back (stopped).", "Recovering {}")
INSTANCE_REF.task(
    "reset-password", "Generate a new password (shown in the result).", "Resetting password of {}"
)


@app.mutation("change-offering", "Changing offering of {instance}")
def change_offering(
    state: Session,
    instance: InstanceArgument,
    offering: Annotated[str, typer.Argument(metavar="OFFERING", help="Compute offering name or id.")],
    cpu: CpuOption = None,
    memory: MemoryOption = None,
) -> Task[Any]:
    """Move an instance to another compute offering (reboots it when running)."""
    offering_id = _compute_offering(state, offering, cpu, memory)
    instance_id = INSTANCE_REF.entity_id(state, instance)
    return state.env.instances.change_compute_offering(
        instance_id, offering_id, cpu_count=cpu, memory_in_mb=memory
    )


NetworkArgument = Annotated[str, typer.Argument(metavar="NETWORK", help="Destination network name or id.")]


@INSTANCE_REF.mutation("change-network", "Moving {}")
def change_network(state: Session, instance_id: str, network: NetworkArgument) -> Task[Any]:
    """Move an instance's default NIC to another network (its port forwarding rules are deleted)."""
    return state.env.instances.change_network(instance_id, state.resolve(state.env.networks, network))


SshKeyArgument = Annotated[str, typer.Argument(metavar="SSH_KEY", help="Name of a registered SSH key.")]


@INSTANCE_REF.mutation("associate-ssh-key", "Associating {ssh_key} with {}")
def associate_ssh_key(state: Session, instance_id: str, ssh_key: SshKeyArgument) -> Task[Any]:
    """Install a registered SSH key for the instance's default user (reboots it when running)."""
    return state.env.instances.associate_ssh_key(instance_id, ssh_key)


@app.command()
def console(
    ctx: typer.Context,
    instance: InstanceArgument,
    idle: Annotated[
        float, typer.Option(help="With piped input: seconds of quiet output after it before leaving.", min=0)
    ] = 2.0,
) -> None:
    """Attach the terminal to a running instance's serial console (Ctrl-] detaches).

    Piped input is typed line by line: `echo uptime | cloudca instances console web-1`."""
    from cloudca.cli._console import attach

    state = session(ctx)
    attach(state.client, state.env, INSTANCE_REF.entity_id(state, instance), idle=idle)
