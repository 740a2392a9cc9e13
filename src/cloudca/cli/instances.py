"""``cloudca instances ...``: every instance operation of the API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cloudca.cli._commands import Reference, add_read_commands, finishes_task, resource_app
from cloudca.cli._session import refuse, session
from cloudca.client import EnvironmentClient, Task

app = resource_app(
    "instances", "Virtual machines: create, start, stop, reboot, destroy, recover, change-offering, ..."
)

COLUMNS = [
    ("ID", "id"),
    ("NAME", "name"),
    ("STATE", "state"),
    ("IP", "ipAddress"),
    ("OFFERING", "computeOfferingName"),
    ("TEMPLATE", "templateName"),
    ("NETWORK", "networkName"),
]

add_read_commands(
    app, noun="instance", plural="instances", columns=COLUMNS, resource=lambda state: state.env.instances
)


def _refuse_unless_custom(
    env: EnvironmentClient, offering_id: str, cpu: int | None, memory: int | None
) -> None:
    if cpu is None and memory is None:
        return
    chosen = env.compute_offerings.get(offering_id)
    if not chosen.custom:
        refuse(
            {"--cpu": cpu, "--memory": memory},
            f"compute offering {chosen.name!r} has fixed CPU and memory; these apply to custom offerings",
        )


InstanceArgument = Annotated[str, typer.Argument(metavar="INSTANCE", help="Instance name or id.")]


@app.command()
@finishes_task("Creating {name}")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Display name of the new instance.")],
    template: Annotated[str, typer.Option(help="Template name or id.")],
    offering: Annotated[str, typer.Option(help="Compute offering name or id.")],
    network: Annotated[str, typer.Option(help="Network name or id (its zone is the instance's).")],
    cpu: Annotated[int | None, typer.Option(help="vCPUs, for a custom offering.")] = None,
    memory: Annotated[int | None, typer.Option(help="Memory in MB, for a custom offering.")] = None,
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
    state = session(ctx)
    env = state.env
    offering_id = state.resolve(env.compute_offerings, offering)
    _refuse_unless_custom(env, offering_id, cpu, memory)
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


@app.command()
@finishes_task("Updating {instance}")
def update(
    ctx: typer.Context,
    instance: InstanceArgument,
    name: Annotated[str | None, typer.Option(help="New display name.")] = None,
    hostname: Annotated[str | None, typer.Option(help="New host name (a running instance reboots).")] = None,
) -> Task[Any]:
    """Rename an instance or change its host name."""
    if name is None and hostname is None:
        raise typer.BadParameter("give --name and/or --hostname")
    state = session(ctx)
    instances = state.env.instances
    task = instances.update(state.resolve(instances, instance), name=name, hostname=hostname)
    return task


@app.command()
@finishes_task("Destroying {instance}")
def destroy(
    ctx: typer.Context,
    instance: InstanceArgument,
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
    state = session(ctx)
    env = state.env
    task = env.instances.destroy(
        state.resolve(env.instances, instance),
        purge_immediately=purge,
        delete_snapshots=delete_snapshots,
        public_ip_ids_to_release=list(release_ip or []),
        volume_ids_to_delete=[state.resolve(env.volumes, volume) for volume in delete_volume or []],
    )
    return task


INSTANCE_REF = Reference(app, "INSTANCE", "Instance name or id.", lambda s: s.env.instances)
INSTANCE_REF.task("start", "Start a stopped instance.", "Starting {}")
INSTANCE_REF.task("stop", "Stop a running instance.", "Stopping {}")
INSTANCE_REF.task("reboot", "Reboot an instance (a stopped one comes up running).", "Rebooting {}")
INSTANCE_REF.task("purge", "Remove a destroyed instance for good.", "Purging {}")
INSTANCE_REF.task("recover", "Bring a destroyed instance back (stopped).", "Recovering {}")
INSTANCE_REF.task(
    "reset-password", "Generate a new password (shown in the result).", "Resetting password of {}"
)


@app.command("change-offering")
@finishes_task("Changing offering of {instance}")
def change_offering(
    ctx: typer.Context,
    instance: InstanceArgument,
    offering: Annotated[str, typer.Argument(metavar="OFFERING", help="Compute offering name or id.")],
    cpu: Annotated[int | None, typer.Option(help="vCPUs, for a custom offering.")] = None,
    memory: Annotated[int | None, typer.Option(help="Memory in MB, for a custom offering.")] = None,
) -> Task[Any]:
    """Move an instance to another compute offering (reboots it when running)."""
    state = session(ctx)
    env = state.env
    offering_id = state.resolve(env.compute_offerings, offering)
    _refuse_unless_custom(env, offering_id, cpu, memory)
    task = env.instances.change_compute_offering(
        state.resolve(env.instances, instance),
        offering_id,
        cpu_count=cpu,
        memory_in_mb=memory,
    )
    return task


@app.command("change-network")
@finishes_task("Moving {instance}")
def change_network(
    ctx: typer.Context,
    instance: InstanceArgument,
    network: Annotated[str, typer.Argument(metavar="NETWORK", help="Destination network name or id.")],
) -> Task[Any]:
    """Move an instance's default NIC to another network (its port forwarding rules are deleted)."""
    state = session(ctx)
    env = state.env
    task = env.instances.change_network(
        state.resolve(env.instances, instance), state.resolve(env.networks, network)
    )
    return task


@app.command("associate-ssh-key")
@finishes_task("Associating {ssh_key} with {instance}")
def associate_ssh_key(
    ctx: typer.Context,
    instance: InstanceArgument,
    ssh_key: Annotated[str, typer.Argument(metavar="SSH_KEY", help="Name of a registered SSH key.")],
) -> Task[Any]:
    """Install a registered SSH key for the instance's default user (reboots it when running)."""
    state = session(ctx)
    instances = state.env.instances
    task = instances.associate_ssh_key(state.resolve(instances, instance), ssh_key)
    return task


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
    instances = state.env.instances
    attach(state.client, state.env, state.resolve(instances, instance), idle=idle)
