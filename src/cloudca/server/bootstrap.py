"""First start: an organization, a service connection, an environment, an admin and its API key,
and a catalog ready to create instances from. Later starts only record the driver's hosts.

Catalog ids are derived from names (UUIDv5), so they are the same on every fresh server and the
README's examples can name them; API keys are random unless ``CLOUDCA_API_KEY`` is given.
"""

from __future__ import annotations

import ipaddress
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access import models as access
from cloudca.server.access.roles import add_standard_roles
from cloudca.server.access.service import generate_api_key, hash_api_key
from cloudca.server.catalog import models as catalog
from cloudca.server.config import Settings
from cloudca.server.db.base import utcnow
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import HostInfo
from cloudca.server.networking.forwarding import acquire_public_ip
from cloudca.server.networking.models import Network, NetworkAcl, Vpc
from cloudca.server.placement.models import AffinityGroup, Host

log = logging.getLogger("cloudca.bootstrap")

_NAMESPACE = uuid.UUID("0f6c1c9e-7c0a-4c43-9a53-6b9c5d0c1ca0")
PUBLIC_POOLS = ("198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24")
#: What a VPC offers: every service a network of it may offer.
VPC_SERVICES = [
    "PortForwarding",
    "Vpn",
    "SourceNat",
    "Dhcp",
    "NetworkACL",
    "Dns",
    "Lb",
    "UserData",
    "StaticNat",
]
#: A standard network offers them all but load balancing.
STANDARD_NETWORK_SERVICES = [service for service in VPC_SERVICES if service != "Lb"]
GIB = 1024**3
NETWORK_OFFERINGS: list[tuple[str, dict[str, Any]]] = [
    (
        "Standard Network",
        {
            "description": "A network with port forwarding, static NAT and source NAT",
            "services": STANDARD_NETWORK_SERVICES,
        },
    ),
    (
        "Load Balanced Network",
        {
            "description": "A network that can also balance load",
            "services": [*STANDARD_NETWORK_SERVICES, "Lb"],
        },
    ),
]
Shared = TypeVar(
    "Shared",
    catalog.Zone,
    catalog.Template,
    catalog.ComputeOffering,
    catalog.DiskOffering,
    catalog.VpcOffering,
    catalog.NetworkOffering,
)


def seeded_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


@dataclass(frozen=True)
class FirstStart:
    """What a first start created; ``api_key`` is set only when it was generated here."""

    environment_id: str
    api_key: str | None


async def bootstrap(database: Database, settings: Settings, hosts: Sequence[HostInfo]) -> FirstStart | None:
    """Seed an empty database; always record the driver's hosts. Returns what was seeded, if anything."""
    first: FirstStart | None = None
    async with database.transaction() as session:
        if (await session.execute(select(access.Organization.id).limit(1))).first() is None:
            first = await _seed(session, settings)
        await _record_hosts(session, settings, hosts)
    return first


async def knows_api_key(database: Database, api_key: str) -> bool:
    """Whether ``api_key`` is one of this server's keys (revoked or not)."""
    async with database.read() as connection:
        query = select(access.ApiKey.id).where(access.ApiKey.key_hash == hash_api_key(api_key)).limit(1)
        return (await connection.execute(query)).first() is not None


async def _record_hosts(session: AsyncSession, settings: Settings, hosts: Sequence[HostInfo]) -> None:
    """Hosts come from the driver; new ones are added and totals follow the driver. Usage is the
    database's own bookkeeping and is never reset."""
    zones = {zone.name: zone for zone in (await session.execute(select(catalog.Zone))).scalars()}
    known = {(host.zone_id, host.name): host for host in (await session.execute(select(Host))).scalars()}
    for info in hosts:
        zone = zones.get(info.zone_name)
        if zone is None:
            log.warning("the driver offers host %s in unknown zone %s; ignored", info.name, info.zone_name)
            continue
        host = known.get((zone.id, info.name))
        if host is None:
            session.add(
                Host(
                    id=seeded_id("host", f"{zone.name}/{info.name}"),
                    zone_id=zone.id,
                    name=info.name,
                    cpu_total=info.cpu_count,
                    memory_mb_total=info.memory_mb,
                )
            )
        elif host.cpu_used <= info.cpu_count and host.memory_mb_used <= info.memory_mb:
            host.cpu_total, host.memory_mb_total = info.cpu_count, info.memory_mb


async def _seed(session: AsyncSession, settings: Settings) -> FirstStart:
    organization = access.Organization(
        id=seeded_id("organization", settings.organization_name),
        name=settings.organization_name,
        entry_point=settings.organization_name.lower().replace(" ", "-"),
    )
    connection = access.ServiceConnection(
        id=seeded_id("serviceConnection", settings.service_code),
        service_code=settings.service_code,
        name=f"Compute - {settings.service_code}",
    )
    environment = access.Environment(
        id=seeded_id("environment", settings.environment_name),
        organization_id=organization.id,
        service_connection_id=connection.id,
        name=settings.environment_name,
        description=f"The {settings.environment_name} environment",
    )
    admin = access.User(
        id=seeded_id("user", settings.admin_username),
        organization_id=organization.id,
        user_name=settings.admin_username,
        first_name="cloudca",
        last_name="admin",
        email=f"{settings.admin_username}@localhost",
        is_org_admin=True,
    )
    session.add_all([organization, connection])
    await session.flush()
    session.add_all([environment, admin])
    await session.flush()
    roles = add_standard_roles(
        session, environment, role_id=lambda name: seeded_id("role", f"{environment.name}/{name}")
    )
    await session.flush()
    session.add(access.Membership(environment_id=environment.id, user_id=admin.id, role_id=roles[0].id))
    generated = None if settings.api_key else generate_api_key()
    session.add(
        access.ApiKey(
            user_id=admin.id, name="first start", key_hash=hash_api_key(settings.api_key or generated or "")
        )
    )
    zones = _zones(settings, connection.id)
    session.add_all(zones)
    session.add_all(_templates(connection.id, [zone.id for zone in zones]))
    session.add_all(_compute_offerings(connection.id))
    session.add_all(_disk_offerings(connection.id))
    [vpc_offering] = _shared(
        catalog.VpcOffering,
        "vpcOffering",
        connection.id,
        [("Default VPC offering", {"services": VPC_SERVICES})],
    )
    standard, balanced = _shared(catalog.NetworkOffering, "networkOffering", connection.id, NETWORK_OFFERINGS)
    allow, deny = (
        NetworkAcl(id=seeded_id("networkAcl", name), name=name, description=description, builtin=True)
        for name, description in (
            ("default_allow", "Allow all traffic"),
            ("default_deny", "Deny all traffic"),
        )
    )
    session.add_all([vpc_offering, standard, balanced, allow, deny])
    await session.flush()
    vpc = Vpc(
        id=seeded_id("vpc", f"{environment.name}-VPC"),
        environment_id=environment.id,
        zone_id=zones[0].id,
        vpc_offering_id=vpc_offering.id,
        name=f"{environment.name}-VPC",
        description=f"The {environment.name} VPC",
        cidr="10.164.208.0/20",
        network_domain=f"{environment.name}.cloudca.internal",
    )
    session.add(vpc)
    await session.flush()
    for position, (name, cidr) in enumerate((("Web", "10.164.212.0/24"), ("DB", "10.164.213.0/24"))):
        session.add(_network(environment.id, vpc, standard.id, allow.id, name, cidr, position))
    await session.flush()
    await acquire_public_ip(
        session, environment_id=environment.id, vpc_id=vpc.id, zone_id=vpc.zone_id, source_nat=True
    )
    session.add(
        AffinityGroup(
            id=seeded_id("affinityGroup", "dedicated"),
            environment_id=environment.id,
            name="dedicated",
            description="Hosts dedicated to this environment (operator-defined)",
            type="ExplicitDedication",
            zone_ids=[zone.id for zone in zones],
        )
    )
    return FirstStart(environment_id=environment.id, api_key=generated)


def _network(
    environment_id: str, vpc: Vpc, offering_id: str, acl_id: str, name: str, cidr: str, position: int
) -> Network:
    net = ipaddress.ip_network(cidr)
    return Network(
        id=seeded_id("network", f"{name}-{vpc.name}"),
        environment_id=environment_id,
        vpc_id=vpc.id,
        zone_id=vpc.zone_id,
        network_offering_id=offering_id,
        network_acl_id=acl_id,
        name=f"{name}-{vpc.name.removesuffix('-VPC')}",
        description=f"{name} network of {vpc.name}",
        cidr=cidr,
        gateway=str(net.network_address + 1),
        netmask=str(net.netmask),
        # Listed in seed order.
        created_at=utcnow() + timedelta(milliseconds=position),
    )


def _shared(
    model: type[Shared], kind: str, connection_id: str, specs: Sequence[tuple[str, dict[str, Any]]]
) -> list[Shared]:
    """Zones, or offerings of one kind, of the service connection: listed in the order given, each
    with an id derived from its name and the fields its spec names."""
    return [
        model(
            id=seeded_id(kind, name),
            service_connection_id=connection_id,
            name=name,
            position=position,
            **fields,
        )
        for position, (name, fields) in enumerate(specs)
    ]


def _zones(settings: Settings, connection_id: str) -> list[catalog.Zone]:
    names = [name.strip() for name in settings.zones.split(",") if name.strip()]
    pools = [pool.strip() for pool in settings.public_ip_pools.split(",") if pool.strip()] or list(
        PUBLIC_POOLS
    )
    specs = [
        (name, {"public_ip_range": pools[index] if index < len(pools) else f"100.64.{index}.0/24"})
        for index, name in enumerate(names)
    ]
    return _shared(catalog.Zone, "zone", connection_id, specs)


def _templates(connection_id: str, zone_ids: list[str]) -> list[catalog.Template]:
    specs = [
        # name, description, GB, password, ssh key, resizable, os type
        ("CentOS 6.8 PV", "CentOS 6.8, password or SSH key", 20, True, True, False, "CentOS 6.8 (64-bit)"),
        ("Ubuntu 24.04 LTS", "Ubuntu 24.04, SSH key only", 10, False, True, False, "Ubuntu 24.04 (64-bit)"),
        (
            "Debian 12",
            "Debian 12, root volume resizable",
            8,
            True,
            True,
            True,
            "Debian GNU/Linux 12 (64-bit)",
        ),
    ]
    fields = [
        (
            name,
            {
                "description": description,
                "size_bytes": gb * GIB,
                "password_enabled": password,
                "ssh_key_enabled": ssh,
                "resizable": resizable,
                "os_type": os_type,
                "zone_ids": zone_ids,
            },
        )
        for name, description, gb, password, ssh, resizable, os_type in specs
    ]
    return _shared(catalog.Template, "template", connection_id, fields)


#: Custom sizes: what a custom compute offering lets a create ask for.
CUSTOM_COMPUTE = {
    "custom": True,
    "available_cpu_counts": [1, 2, 4, 8, 16],
    "available_memory_mb": [512, 1024, 2048, 4096, 8192, 16384, 32768],
    "max_memory_mb_per_cpu": 8192,
}
CUSTOM_IOPS = {"custom_iops": True, "min_iops": 100, "max_iops": 10000}
CUSTOM_SIZE = {"custom_size": True, "min_size_gb": 1, "max_size_gb": 1024}


def _compute_offerings(connection_id: str) -> list[catalog.ComputeOffering]:
    fixed = [("1vCPU.512MB", 1, 512), ("1vCPU.1GB", 1, 1024), ("2vCPU.4GB", 2, 4096), ("4vCPU.8GB", 4, 8192)]
    specs: list[tuple[str, dict[str, Any]]] = [
        (name, {"cpu_count": cpu, "memory_mb": memory}) for name, cpu, memory in fixed
    ]
    specs.append(("Custom CPU and memory", CUSTOM_COMPUTE))
    return _shared(catalog.ComputeOffering, "computeOffering", connection_id, specs)


def _disk_offerings(connection_id: str) -> list[catalog.DiskOffering]:
    specs: list[tuple[str, dict[str, Any]]] = [
        ("20GB - 20 IOPS Min.", {"gb_size": 20}),
        ("50GB - 50 IOPS Min.", {"gb_size": 50}),
        ("Custom size", CUSTOM_SIZE),
        ("100GB - Custom IOPS", {"gb_size": 100, **CUSTOM_IOPS}),
        ("Custom size and IOPS", {**CUSTOM_SIZE, **CUSTOM_IOPS}),
    ]
    return _shared(catalog.DiskOffering, "diskOffering", connection_id, specs)
