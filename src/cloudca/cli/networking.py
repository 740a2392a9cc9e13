"""``cloudca vpcs|networks|network-acls|nics ...``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudca.cli._commands import Reference, add_read_commands, as_given, finishes_task, resource_app
from cloudca.cli._session import session
from cloudca.client import Task

vpcs = resource_app("vpcs", "Virtual private clouds.")
add_read_commands(
    vpcs,
    noun="VPC",
    plural="VPCs",
    columns=[("ID", "id"), ("NAME", "name"), ("CIDR", "cidr"), ("ZONE", "zoneName"), ("STATE", "state")],
    resource=lambda s: s.env.vpcs,
)
VpcArgument = Annotated[str, typer.Argument(metavar="VPC", help="VPC name or id.")]


@vpcs.command("create")
@finishes_task("Creating VPC {name}")
def create_vpc(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new VPC.")],
    offering: Annotated[str, typer.Option(help="VPC offering name or id.")],
    description: Annotated[str | None, typer.Option(help="Description [default: NAME].")] = None,
    zone: Annotated[str | None, typer.Option(help="Zone name or id [default: the first zone].")] = None,
    network_domain: Annotated[str | None, typer.Option(help="DNS suffix of the VPC.")] = None,
) -> Task[Any]:
    """Create a VPC."""
    state = session(ctx)
    env = state.env
    task = env.vpcs.create(
        name,
        description or name,
        state.resolve(env.vpc_offerings, offering),
        zone_id=state.resolve(env.zones, zone) if zone else None,
        network_domain=network_domain,
    )
    return task


@vpcs.command("update")
@finishes_task("Updating VPC {vpc}")
def update_vpc(
    ctx: typer.Context,
    vpc: VpcArgument,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    description: Annotated[str | None, typer.Option(help="New description.")] = None,
) -> Task[Any]:
    """Rename a VPC or change its description."""
    state = session(ctx)
    task = state.env.vpcs.update(state.resolve(state.env.vpcs, vpc), name=name, description=description)
    return task


VPC_REF = Reference(vpcs, "VPC", "VPC name or id.", lambda s: s.env.vpcs)
VPC_REF.task("delete", "Delete a VPC that has no networks left.", "Deleting VPC {}", "Deleted")


VPC_REF.task("restart", "Restart a VPC's router.", "Restarting VPC {}")


networks = resource_app("networks", "Networks (tiers) inside VPCs.")
add_read_commands(
    networks,
    noun="network",
    plural="networks",
    columns=[
        ("ID", "id"),
        ("NAME", "name"),
        ("CIDR", "cidr"),
        ("VPC", "vpcName"),
        ("ZONE", "zoneName"),
        ("STATE", "state"),
    ],
    resource=lambda s: s.env.networks,
    filters=("vpc_id", "zone_id"),
)
NetworkArgument = Annotated[str, typer.Argument(metavar="NETWORK", help="Network name or id.")]


@networks.command("create")
@finishes_task("Creating network {name}")
def create_network(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new network.")],
    vpc: Annotated[str, typer.Option(help="VPC name or id.")],
    offering: Annotated[str, typer.Option(help="Network offering name or id.")],
    acl: Annotated[str, typer.Option(help="Network ACL id (e.g. of default_allow).")],
    description: Annotated[str | None, typer.Option(help="Description [default: NAME].")] = None,
) -> Task[Any]:
    """Create a network in a VPC."""
    state = session(ctx)
    env = state.env
    vpc_id = state.resolve(env.vpcs, vpc)
    task = env.networks.create(
        name,
        description or name,
        vpc_id,
        state.resolve(env.network_offerings, offering),
        state.resolve(env.network_acls, acl),
    )
    return task


@networks.command("update")
@finishes_task("Updating network {network}")
def update_network(
    ctx: typer.Context,
    network: NetworkArgument,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    description: Annotated[str | None, typer.Option(help="New description.")] = None,
) -> Task[Any]:
    """Rename a network or change its description."""
    state = session(ctx)
    task = state.env.networks.update(
        state.resolve(state.env.networks, network), name=name, description=description
    )
    return task


NETWORK_REF = Reference(networks, "NETWORK", "Network name or id.", lambda s: s.env.networks)
NETWORK_REF.task("delete", "Delete a network that no instance uses.", "Deleting network {}", "Deleted")


@networks.command("replace-acl")
@finishes_task("Replacing ACL of {network}")
def replace_acl(
    ctx: typer.Context,
    network: NetworkArgument,
    acl: Annotated[str, typer.Argument(metavar="ACL", help="Network ACL name or id.")],
) -> Task[Any]:
    """Give a network another ACL."""
    state = session(ctx)
    env = state.env
    task = env.networks.replace_acl(
        state.resolve(env.networks, network), state.resolve(env.network_acls, acl)
    )
    return task


network_acls = resource_app("network-acls", "Network ACLs of VPCs.")
add_read_commands(
    network_acls,
    noun="network ACL",
    plural="network ACLs",
    columns=[("ID", "id"), ("NAME", "name"), ("VPC", "vpcId"), ("DESCRIPTION", "description")],
    resource=lambda s: s.env.network_acls,
    filters=("vpc_id",),
)


@network_acls.command("create")
@finishes_task("Creating ACL {name}")
def create_acl(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the new ACL.")],
    vpc: Annotated[str, typer.Option(help="VPC name or id.")],
    description: Annotated[str | None, typer.Option(help="Description [default: NAME].")] = None,
) -> Task[Any]:
    """Create a network ACL in a VPC."""
    state = session(ctx)
    task = state.env.network_acls.create(name, description or name, state.resolve(state.env.vpcs, vpc))
    return task


ACL_REF = Reference(network_acls, "ACL", "Network ACL name or id.", lambda s: s.env.network_acls)
ACL_REF.task("delete", "Delete a network ACL that no network uses.", "Deleting ACL {}", "Deleted")


nics = resource_app("nics", "Network interfaces of instances.")
add_read_commands(
    nics,
    noun="NIC",
    plural="NICs",
    columns=[
        ("ID", "id"),
        ("NAME", "name"),
        ("IP", "ipAddress"),
        ("DEFAULT", "isDefault"),
        ("NETWORK", "networkName"),
        ("INSTANCE", "instanceId"),
    ],
    resource=lambda s: s.env.nics,
    filters=("instance_id", "network_id"),
)
NicArgument = Annotated[str, typer.Argument(metavar="NIC", help="NIC id.")]


@nics.command("create")
@finishes_task("Adding a NIC to {instance}")
def create_nic(
    ctx: typer.Context,
    instance: Annotated[str, typer.Option(help="Instance name or id.")],
    network: Annotated[str, typer.Option(help="Network name or id.")],
) -> Task[Any]:
    """Add a NIC in another network to an instance."""
    state = session(ctx)
    env = state.env
    task = env.nics.create(state.resolve(env.instances, instance), state.resolve(env.networks, network))
    return task


NIC_REF = Reference(nics, "NIC", "NIC id.", lambda s: s.env.nics, as_given)
NIC_REF.task("delete", "Remove a NIC that is not its instance's default.", "Removing NIC {}", "Deleted")


NIC_REF.task("set-default", "Make a NIC its instance's default.", "Making {} the default NIC")


APPS = [vpcs, networks, network_acls, nics]
