"""Bringing the driver's load balancers in line with the database (``ComputeDriver.set_load_balancing``).

As for port forwarding (``networking.forwarding``): a task pushes the public IP's balancers with
its change applied, then records the change; after any failure ``sync_balancers`` pushes what the
database holds again. A rule's backends are its members' addresses on the rule's network.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.drivers.rules import LoadBalancer
from cloudca.server.networking.models import LoadBalancerMember, LoadBalancerRule, Nic, PublicIp

BalancerEdit = Callable[[list[LoadBalancer]], list[LoadBalancer]]


def balancer(rule: LoadBalancerRule, backends: Iterable[str]) -> LoadBalancer:
    """The driver's view of a rule: words in lower case, parameters as sorted pairs."""
    return LoadBalancer(
        rule_id=rule.id,
        protocol=rule.protocol.lower(),
        public_port=rule.public_port,
        private_port=rule.private_port,
        algorithm=rule.algorithm.lower(),
        backends=tuple(backends),
        stickiness_method=rule.stickiness_method,
        stickiness_parameters=tuple(sorted((rule.stickiness_parameters or {}).items())),
    )


async def members_of(session: AsyncSession, rule_ids: list[str]) -> defaultdict[str, list[str]]:
    """Each rule's members (instance ids), in their order; a rule without any has none."""
    members: defaultdict[str, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(LoadBalancerMember.rule_id, LoadBalancerMember.instance_id)
        .where(LoadBalancerMember.rule_id.in_(rule_ids))
        .order_by(LoadBalancerMember.position)
    )
    for rule_id, instance_id in rows:
        members[rule_id].append(instance_id)
    return members


async def backends(
    session: AsyncSession, network_id: str, instance_ids: Iterable[str], without: str | None = None
) -> list[str]:
    """The addresses of these instances (but ``without``) on the network, in the order given."""
    wanted = [instance_id for instance_id in instance_ids if instance_id != without]
    if not wanted:
        return []
    rows = await session.execute(
        select(Nic.instance_id, Nic.ip_address).where(
            Nic.network_id == network_id, Nic.instance_id.in_(wanted)
        )
    )
    address = {instance_id: ip_address for instance_id, ip_address in rows}
    return [address[i] for i in wanted if i in address]


async def balancers_of(
    session: AsyncSession, public_ip_id: str, *, without_instance: str | None = None
) -> tuple[str, list[LoadBalancer]] | None:
    """The driver's view of one public IP's load balancer rules (leaving out one instance's backends)."""
    public_ip = await session.get(PublicIp, public_ip_id)
    if public_ip is None:
        return None
    rules = list(
        (
            await session.execute(
                select(LoadBalancerRule)
                .where(LoadBalancerRule.public_ip_id == public_ip_id)
                .order_by(LoadBalancerRule.created_at, LoadBalancerRule.id)
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )
    members = await members_of(session, [rule.id for rule in rules])
    return public_ip.ip_address, [
        balancer(rule, await backends(session, rule.network_id, members[rule.id], without_instance))
        for rule in rules
    ]


async def apply(driver: ComputeDriver, address: str, balancers: list[LoadBalancer]) -> None:
    await driver.set_load_balancing(address, balancers)


async def push_balancers(
    database: Database,
    driver: ComputeDriver,
    ip_id: str,
    edit: BalancerEdit | None = None,
    *,
    without_instance: str | None = None,
) -> None:
    """Give the driver the public IP's balancers as the database has them, changed by ``edit``.
    Raises ``InternalError`` when the backend refuses."""
    async with database.session() as session:
        current = await balancers_of(session, ip_id, without_instance=without_instance)
    if current is None:
        return
    address, balancers = current
    await apply(driver, address, edit(balancers) if edit is not None else balancers)


async def sync_balancers(database: Database, driver: ComputeDriver, ip_ids: Iterable[str]) -> None:
    """Make the driver's balancers of these IPs match the database (after a change or a failure)."""
    for ip_id in dict.fromkeys(ip_ids):
        await push_balancers(database, driver, ip_id)


async def balanced_ips(session: AsyncSession, instance_id: str) -> dict[str, str]:
    """Public IPs (id -> address) with a rule balancing to the instance."""
    rows = await session.execute(
        select(PublicIp.id, PublicIp.ip_address)
        .join(LoadBalancerRule, LoadBalancerRule.public_ip_id == PublicIp.id)
        .join(LoadBalancerMember, LoadBalancerMember.rule_id == LoadBalancerRule.id)
        .where(LoadBalancerMember.instance_id == instance_id)
    )
    return {ip_id: address for ip_id, address in rows}
