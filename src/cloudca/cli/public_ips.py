"""``cloudca public-ips ...`` and ``cloudca port-forwarding ...``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudca.cli._commands import Reference, add_read_commands, as_given, finishes_task, resource_app
from cloudca.cli._session import session
from cloudca.client import Task

public_ips = resource_app("public-ips", "Public IP addresses and static NAT.")
add_read_commands(
    public_ips,
    noun="public IP",
    plural="public IPs",
    columns=[
        ("ID", "id"),
        ("ADDRESS", "ipAddress"),
        ("PURPOSES", "purposes"),
        ("VPC", "vpcName"),
        ("NETWORK", "networkName"),
    ],
    resource=lambda s: s.env.public_ips,
    filters=("vpc_id", "instance_id"),
)
IpArgument = Annotated[str, typer.Argument(metavar="PUBLIC_IP", help="Public IP id.")]


def _public_ip_id(ctx: typer.Context, reference: str) -> str:
    """Public IPs have no name; accept the address as well as the id."""
    state = session(ctx)
    for public_ip in state.env.public_ips.list():
        if reference in (public_ip.id, public_ip.ip_address):
            return public_ip.id
    return reference


@public_ips.command("acquire")
@finishes_task("Acquiring a public IP")
def acquire(
    ctx: typer.Context,
    vpc: Annotated[str, typer.Option(help="VPC name or id.")],
) -> Task[Any]:
    """Acquire a new public IP for a VPC."""
    state = session(ctx)
    task = state.env.public_ips.acquire(state.resolve(state.env.vpcs, vpc))
    return task


PUBLIC_IP_REF = Reference(public_ips, "PUBLIC_IP", "Public IP id.", lambda s: s.env.public_ips, _public_ip_id)
PUBLIC_IP_REF.task("release", "Release a public IP (its rules go with it).", "Releasing {}", "Released")


@public_ips.command("enable-static-nat")
@finishes_task("Enabling static NAT on {public_ip}")
def enable_static_nat(
    ctx: typer.Context,
    public_ip: IpArgument,
    instance: Annotated[str, typer.Option(help="Instance name or id (its primary private IP).")],
) -> Task[Any]:
    """Map a public IP to an instance's primary private IP."""
    state = session(ctx)
    env = state.env
    target = env.instances.get(state.resolve(env.instances, instance))
    task = env.public_ips.enable_static_nat(_public_ip_id(ctx, public_ip), target.ip_address_id or target.id)
    return task


PUBLIC_IP_REF.task(
    "disable-static-nat", "Remove the static NAT of a public IP.", "Disabling static NAT on {}"
)


port_forwarding = resource_app("port-forwarding", "Port forwarding rules from public IPs to instances.")
add_read_commands(
    port_forwarding,
    noun="rule",
    plural="port forwarding rules",
    columns=[
        ("ID", "id"),
        ("ADDRESS", "ipAddress"),
        ("PUBLIC", "publicPortStart"),
        ("PRIVATE", "privatePortStart"),
        ("PROTOCOL", "protocol"),
        ("INSTANCE", "instanceName"),
    ],
    resource=lambda s: s.env.port_forwarding_rules,
    filters=("instance_id",),
)


@port_forwarding.command("create")
@finishes_task("Forwarding {public_port}")
def create_rule(
    ctx: typer.Context,
    public_ip: IpArgument,
    instance: Annotated[str, typer.Option(help="Instance name or id.")],
    public_port: Annotated[str, typer.Option(help="Public port or range START-END.")],
    private_port: Annotated[str | None, typer.Option(help="Private port or START [default: public].")] = None,
    protocol: Annotated[str, typer.Option(help="TCP or UDP.")] = "TCP",
) -> Task[Any]:
    """Forward a public port (range) to an instance."""
    state = session(ctx)
    env = state.env
    public_start, _, public_end = public_port.partition("-")
    private_start = (private_port or public_start).partition("-")[0]
    task = env.port_forwarding_rules.create(
        _public_ip_id(ctx, public_ip),
        protocol=protocol,
        public_port_start=int(public_start),
        public_port_end=int(public_end) if public_end else None,
        private_port_start=int(private_start),
        instance_id=state.resolve(env.instances, instance),
    )
    return task


RULE_REF = Reference(port_forwarding, "RULE", "Rule id.", lambda s: s.env.port_forwarding_rules, as_given)
RULE_REF.task("delete", "Delete a port forwarding rule.", "Deleting rule {}", "Deleted")


APPS = [public_ips, port_forwarding]
