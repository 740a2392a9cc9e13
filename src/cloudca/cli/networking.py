"""``cloudca vpcs|networks|network-acls|nics ...``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudca.cli._commands import RENAME_OPTIONS, DescriptionOption, Reference, ResourceGroup, as_given
from cloudca.cli._session import Session
from cloudca.client import Task

vpcs = ResourceGroup(
    "vpcs",
    "Virtual private clouds.",
    noun="VPC",
    columns="ID:id,NAME:name,CIDR:cidr,ZONE:zoneName,STATE:state",
)


@vpcs.mutation("create", "Creating VPC {name}")
def create_vpc(
    state: Session,
    name: Annotated[str, typer.Argument(help="Name of the new VPC.")],
    offering: Annotated[str, typer.Option(help="VPC offering name or id.")],
    description: DescriptionOption = None,
    zone: Annotated[str | None, typer.Option(help="Zone name or id [default: the first zone].")] = None,
    network_domain: Annotated[str | None, typer.Option(help="DNS suffix of the VPC.")] = None,
) -> Task[Any]:
    """Create a VPC."""
    env = state.env
    return env.vpcs.create(
        name,
        description or name,
        state.resolve(env.vpc_offerings, offering),
        zone_id=state.resolve(env.zones, zone) if zone else None,
        network_domain=network_domain,
    )


VPC_REF = Reference(vpcs, "VPC", "VPC name or id.")
VPC_REF.task("update", "Rename a VPC or change its description.", "Updating VPC {}", options=RENAME_OPTIONS)
VPC_REF.task("delete", "Delete a VPC that has no networks left.", "Deleting VPC {}", "Deleted")
VPC_REF.task("restart", "Restart a VPC's router.", "Restarting VPC {}")


networks = ResourceGroup(
    "networks",
    "Networks (tiers) inside VPCs.",
    columns="ID:id,NAME:name,CIDR:cidr,VPC:vpcName,ZONE:zoneName,STATE:state",
    filters=("vpc_id", "zone_id"),
)


@networks.mutation("create", "Creating network {name}")
def create_network(
    state: Session,
    name: Annotated[str, typer.Argument(help="Name of the new network.")],
    vpc: Annotated[str, typer.Option(help="VPC name or id.")],
    offering: Annotated[str, typer.Option(help="Network offering name or id.")],
    acl: Annotated[str, typer.Option(help="Network ACL id (e.g. of default_allow).")],
    description: DescriptionOption = None,
) -> Task[Any]:
    """Create a network in a VPC."""
    env = state.env
    return env.networks.create(
        name,
        description or name,
        state.resolve(env.vpcs, vpc),
        state.resolve(env.network_offerings, offering),
        state.resolve(env.network_acls, acl),
    )


NETWORK_REF = Reference(networks, "NETWORK", "Network name or id.")
NETWORK_REF.task(
    "update", "Rename a network or change its description.", "Updating network {}", options=RENAME_OPTIONS
)
NETWORK_REF.task("delete", "Delete a network that no instance uses.", "Deleting network {}", "Deleted")
AclArgument = Annotated[str, typer.Argument(metavar="ACL", help="Network ACL name or id.")]


@NETWORK_REF.mutation("replace-acl", "Replacing ACL of {}")
def replace_acl(state: Session, network_id: str, acl: AclArgument) -> Task[Any]:
    """Give a network another ACL."""
    return state.env.networks.replace_acl(network_id, state.resolve(state.env.network_acls, acl))


network_acls = ResourceGroup(
    "network-acls",
    "Network ACLs of VPCs.",
    noun="network ACL",
    columns="ID:id,NAME:name,VPC:vpcId,DESCRIPTION:description",
    filters=("vpc_id",),
)


@network_acls.mutation("create", "Creating ACL {name}")
def create_acl(
    state: Session,
    name: Annotated[str, typer.Argument(help="Name of the new ACL.")],
    vpc: Annotated[str, typer.Option(help="VPC name or id.")],
    description: DescriptionOption = None,
) -> Task[Any]:
    """Create a network ACL in a VPC."""
    return state.env.network_acls.create(name, description or name, state.resolve(state.env.vpcs, vpc))


ACL_REF = Reference(network_acls, "ACL", "Network ACL name or id.")
ACL_REF.task("delete", "Delete a network ACL that no network uses.", "Deleting ACL {}", "Deleted")


nics = ResourceGroup(
    "nics",
    "Network interfaces of instances.",
    noun="NIC",
    columns="ID:id,NAME:name,IP:ipAddress,DEFAULT:isDefault,NETWORK:networkName,INSTANCE:instanceId",
    filters=("instance_id", "network_id"),
)


@nics.mutation("create", "Adding a NIC to {instance}")
def create_nic(
    state: Session,
    instance: Annotated[str, typer.Option(help="Instance name or id.")],
    network: Annotated[str, typer.Option(help="Network name or id.")],
) -> Task[Any]:
    """Add a NIC in another network to an instance."""
    env = state.env
    return env.nics.create(state.resolve(env.instances, instance), state.resolve(env.networks, network))


NIC_REF = Reference(nics, "NIC", "NIC id.", as_given)
NIC_REF.task("delete", "Remove a NIC that is not its instance's default.", "Removing NIC {}", "Deleted")
NIC_REF.task("set-default", "Make a NIC its instance's default.", "Making {} the default NIC")


APPS = [vpcs, networks, network_acls, nics]
