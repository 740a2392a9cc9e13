"""Public IPs and port forwarding as instances use them: acquiring from a zone's pool, forwarding
``portsToForward``, and removing an instance's rules.

Public addresses are unique per zone and a (public IP, protocol, first port) is forwarded once, by
database constraints; overlapping ranges are refused under the public IP's row lock.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.catalog.models import Zone
from cloudca.server.db.base import new_id
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.drivers.rules import PortForward
from cloudca.server.errors import Duplicate, QuotaExceeded
from cloudca.server.instances.models import Instance
from cloudca.server.networking.models import (
    LoadBalancerMember,
    LoadBalancerRule,
    Network,
    Nic,
    PortForwardingRule,
    PublicIp,
)

MAX_ATTEMPTS = 8


async def acquire_public_ip(
    session: AsyncSession,
    *,
    environment_id: str,
    vpc_id: str,
    zone_id: str,
    ip_id: str | None = None,
    source_nat: bool = False,
) -> PublicIp:
    """Take the first free address of the zone's pool; ``QuotaExceeded`` when the pool is empty."""
    zone = await session.get(Zone, zone_id)
    assert zone is not None
    pool = ipaddress.ip_network(zone.public_ip_range, strict=False) if zone.public_ip_range else None
    if pool is None:
        raise QuotaExceeded(
            f"The zone {zone.name} has no public IP pool", resource="publicIpAddresses", limit=0
        )
    for _ in range(MAX_ATTEMPTS):
        used = set(
            (await session.execute(select(PublicIp.ip_address).where(PublicIp.zone_id == zone_id))).scalars()
        )
        address = next((str(a) for a in pool.hosts() if str(a) not in used), None)
        if address is None:
            raise QuotaExceeded(
                f"The public IP pool of zone {zone.name} is exhausted",
                resource="publicIpAddresses",
                limit=pool.num_addresses - 2,
            )
        public_ip = PublicIp(
            id=ip_id or new_id(),
            environment_id=environment_id,
            zone_id=zone_id,
            vpc_id=vpc_id,
            ip_address=address,
            is_source_nat=source_nat,
        )
        try:
            async with session.begin_nested():
                session.add(public_ip)
        except IntegrityError:
            continue  # another transaction took this address first
        return public_ip
    raise Duplicate("ipAddress", zone.public_ip_range, "Could not acquire a unique public IP; retry")


async def forward_ports(
    session: AsyncSession, instance: Instance, nic: Nic, ports: list[int], new_ip_id: str
) -> PublicIp:
    """``portsToForward`` (4.2 step 6, Decision 8.33): TCP p -> p on the instance's primary IP, on a
    public IP of its VPC used only for port forwarding with the ports free, else a new one."""
    network = await session.get(Network, nic.network_id)
    assert network is not None
    public_ip = await _reusable_ip(session, network, ports)
    if public_ip is None:
        public_ip = await acquire_public_ip(
            session,
            environment_id=instance.environment_id,
            vpc_id=network.vpc_id,
            zone_id=network.zone_id,
            ip_id=new_ip_id,
        )
    public_ip.network_id = network.id
    for port in ports:
        session.add(
            PortForwardingRule(
                environment_id=instance.environment_id,
                public_ip_id=public_ip.id,
                protocol="TCP",
                protocol_key="TCP",
                public_port_start=port,
                public_port_end=port,
                private_port_start=port,
                private_port_end=port,
                instance_id=instance.id,
                nic_id=nic.id,
                network_id=network.id,
            )
        )
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Duplicate("portsToForward", ports, "A requested port is already forwarded") from exc
    return public_ip


async def _reusable_ip(session: AsyncSession, network: Network, ports: list[int]) -> PublicIp | None:
    candidates = await session.execute(
        select(PublicIp)
        .where(
            PublicIp.vpc_id == network.vpc_id,
            PublicIp.is_source_nat.is_(False),
            PublicIp.static_nat_nic_id.is_(None),
            ~exists().where(LoadBalancerRule.public_ip_id == PublicIp.id),
            (PublicIp.network_id.is_(None)) | (PublicIp.network_id == network.id),
        )
        .order_by(PublicIp.created_at, PublicIp.id)
    )
    for candidate in candidates.scalars():
        if not await _overlaps(session, candidate.id, ports):
            return candidate
    return None


async def _overlaps(session: AsyncSession, public_ip_id: str, ports: list[int]) -> bool:
    for port in ports:
        hit = await session.execute(
            select(PortForwardingRule.id).where(
                PortForwardingRule.public_ip_id == public_ip_id,
                PortForwardingRule.protocol_key == "TCP",
                PortForwardingRule.public_port_start <= port,
                PortForwardingRule.public_port_end >= port,
            )
        )
        if hit.first() is not None:
            return True
    return False


async def unbind_unused(session: AsyncSession) -> None:
    """An IP is bound to a network by its rules; when the last goes, it is unbound (6.10)."""
    has_rules = exists().where(PortForwardingRule.public_ip_id == PublicIp.id)
    balances = exists().where(LoadBalancerRule.public_ip_id == PublicIp.id)
    await session.execute(
        update(PublicIp)
        .where(PublicIp.network_id.is_not(None), PublicIp.static_nat_nic_id.is_(None), ~has_rules, ~balances)
        .values(network_id=None)
        .execution_options(synchronize_session=False)
    )


async def remove_instance_rules(session: AsyncSession, instance_id: str) -> None:
    """The instance leaves every rule: its port forwarding rules go, static NAT to it is disabled, and
    it stops being a member of load balancer rules (the rules stay, 6.12)."""
    await session.execute(delete(PortForwardingRule).where(PortForwardingRule.instance_id == instance_id))
    await session.execute(delete(LoadBalancerMember).where(LoadBalancerMember.instance_id == instance_id))
    nic_ids = select(Nic.id).where(Nic.instance_id == instance_id)
    await session.execute(
        update(PublicIp)
        .where(PublicIp.static_nat_nic_id.in_(nic_ids))
        .values(static_nat_nic_id=None)
        .execution_options(synchronize_session=False)
    )
    await unbind_unused(session)


async def release_public_ip(session: AsyncSession, ip_id: str) -> None:
    await session.execute(delete(PortForwardingRule).where(PortForwardingRule.public_ip_id == ip_id))
    balanced = select(LoadBalancerRule.id).where(LoadBalancerRule.public_ip_id == ip_id)
    await session.execute(delete(LoadBalancerMember).where(LoadBalancerMember.rule_id.in_(balanced)))
    await session.execute(delete(LoadBalancerRule).where(LoadBalancerRule.public_ip_id == ip_id))
    await session.execute(delete(PublicIp).where(PublicIp.id == ip_id, PublicIp.is_source_nat.is_(False)))


async def forwards_of(session: AsyncSession, public_ip_id: str) -> tuple[str, list[PortForward]] | None:
    """The driver's view of one public IP's rules."""
    public_ip = await session.get(PublicIp, public_ip_id)
    if public_ip is None:
        return None
    rows = await session.execute(
        select(PortForwardingRule, Nic.ip_address)
        .join(Nic, Nic.id == PortForwardingRule.nic_id)
        .where(PortForwardingRule.public_ip_id == public_ip_id)
    )
    return public_ip.ip_address, [port_forward(rule, address) for rule, address in rows]


def port_forward(rule: PortForwardingRule, private_ip: str) -> PortForward:
    """The driver's view of a rule that forwards to ``private_ip``."""
    return PortForward(
        rule_id=rule.id,
        protocol=rule.protocol_key,
        public_port_start=rule.public_port_start,
        public_port_end=rule.public_port_end,
        private_ip=private_ip,
        private_port_start=rule.private_port_start,
        private_port_end=rule.private_port_end,
    )


async def static_nat_of(session: AsyncSession, public_ip_id: str) -> str | None:
    """The private IP the public IP is the static NAT address of, if any."""
    row = await session.execute(
        select(Nic.ip_address)
        .join(PublicIp, PublicIp.static_nat_nic_id == Nic.id)
        .where(PublicIp.id == public_ip_id)
    )
    return row.scalar_one_or_none()


ForwardEdit = Callable[[list[PortForward]], list[PortForward]]
#: The static NAT a task is about to record: the private IP (``None``: none), from the current one.
NatEdit = Callable[[str | None], str | None]


async def push_forwards(
    database: Database,
    driver: ComputeDriver,
    ip_id: str,
    edit: ForwardEdit | None = None,
    nat: NatEdit | None = None,
) -> None:
    """Give the driver the public IP's forwards and static NAT as the database has them, changed by
    ``edit`` and ``nat`` (the change a task is about to record). Raises ``InternalError`` when the
    backend refuses."""
    async with database.session() as session:
        current = await forwards_of(session, ip_id)
        private_ip = await static_nat_of(session, ip_id)
    if current is None:
        return
    address, rules = current
    await _apply(
        driver, address, edit(rules) if edit is not None else rules, nat(private_ip) if nat else private_ip
    )


async def clear_ip(database: Database, driver: ComputeDriver, ip_id: str) -> None:
    """Remove every forward and the static NAT of a public IP that is about to be released."""
    await push_forwards(database, driver, ip_id, lambda _rules: [], lambda _private_ip: None)


async def clear_forwards(driver: ComputeDriver, address: str) -> None:
    """Remove every forward and the static NAT of an address (its IP is being released)."""
    await _apply(driver, address, [], None)


async def _apply(
    driver: ComputeDriver, address: str, rules: list[PortForward], private_ip: str | None
) -> None:
    await driver.set_port_forwarding(address, rules)
    await driver.set_static_nat(address, private_ip)


async def sync_forwards(database: Database, driver: ComputeDriver, ip_ids: Iterable[str]) -> None:
    """Make the driver's forwards of these IPs match the database (after a change or a failure)."""
    for ip_id in dict.fromkeys(ip_ids):
        await push_forwards(database, driver, ip_id)
