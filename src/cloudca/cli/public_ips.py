"""``cloudca public-ips ...`` and ``cloudca port-forwarding ...``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudca.cli._commands import Reference, ResourceGroup, as_given
from cloudca.cli._session import Session
from cloudca.client import Task

public_ips = ResourceGroup(
    "public-ips",
    "Public IP addresses and static NAT.",
    noun="public IP",
    columns="ID:id,ADDRESS:ipAddress,PURPOSES:purposes,VPC:vpcName,NETWORK:networkName",
    filters=("vpc_id", "instance_id"),
)


def _public_ip_id(state: Session, reference: str) -> str:
    """Public IPs have no name; accept the address as well as the id."""
    for public_ip in state.env.public_ips.list():
        if reference in (public_ip.id, public_ip.ip_address):
            return public_ip.id
    return reference


@public_ips.mutation("acquire", "Acquiring a public IP")
def acquire(state: Session, vpc: Annotated[str, typer.Option(help="VPC name or id.")]) -> Task[Any]:
    """Acquire a new public IP for a VPC."""
    return state.env.public_ips.acquire(state.resolve(state.env.vpcs, vpc))


PUBLIC_IP_REF = Reference(public_ips, "PUBLIC_IP", "Public IP id.", _public_ip_id)
PUBLIC_IP_REF.task("release", "Release a public IP (its rules go with it).", "Releasing {}", "Released")


@PUBLIC_IP_REF.mutation("enable-static-nat", "Enabling static NAT on {}")
def enable_static_nat(
    state: Session,
    public_ip_id: str,
    instance: Annotated[str, typer.Option(help="Instance name or id (its primary private IP).")],
) -> Task[Any]:
    """Map a public IP to an instance's primary private IP."""
    env = state.env
    target = env.instances.get(state.resolve(env.instances, instance))
    return env.public_ips.enable_static_nat(public_ip_id, target.ip_address_id or target.id)


PUBLIC_IP_REF.task(
    "disable-static-nat", "Remove the static NAT of a public IP.", "Disabling static NAT on {}"
)


port_forwarding = ResourceGroup(
    "port-forwarding",
    "Port forwarding rules from public IPs to instances.",
    noun="rule",
    plural="port forwarding rules",
    columns="ID:id,ADDRESS:ipAddress,PUBLIC:publicPortStart,PRIVATE:privatePortStart,PROTOCOL:protocol,"
    "INSTANCE:instanceName",
    resource="env.port_forwarding_rules",
    filters=("instance_id",),
)
IpArgument = Annotated[str, typer.Argument(metavar="PUBLIC_IP", help="Public IP id.")]


@port_forwarding.mutation("create", "Forwarding {public_port}")
def create_rule(
    state: Session,
    public_ip: IpArgument,
    instance: Annotated[str, typer.Option(help="Instance name or id.")],
    public_port: Annotated[str, typer.Option(help="Public port or range START-END.")],
    private_port: Annotated[str | None, typer.Option(help="Private port or START [default: public].")] = None,
    protocol: Annotated[str, typer.Option(help="TCP or UDP.")] = "TCP",
) -> Task[Any]:
    """Forward a public port (range) to an instance."""
    env = state.env
    public_start, _, public_end = public_port.partition("-")
    private_start = (private_port or public_start).partition("-")[0]
    return env.port_forwarding_rules.create(
        PUBLIC_IP_REF.entity_id(state, public_ip),
        protocol=protocol,
        public_port_start=int(public_start),
        public_port_end=int(public_end) if public_end else None,
        private_port_start=int(private_start),
        instance_id=state.resolve(env.instances, instance),
    )


RULE_REF = Reference(port_forwarding, "RULE", "Rule id.", as_given)
RULE_REF.task("delete", "Delete a port forwarding rule.", "Deleting rule {}", "Deleted")


APPS = [public_ips, port_forwarding]
