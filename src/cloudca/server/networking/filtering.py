"""Bringing the driver's network filtering in line with the ACLs (``ComputeDriver.set_network_acl``).

A task that changes what a network's filtering should be pushes the new rules first (the change it
is about to record, applied to what the database holds), then records it; after any failure
``sync_networks`` pushes what the database holds again. Both read the database, so they are
idempotent, and a network the database no longer has loses its filtering altogether.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.drivers.rules import AclRule
from cloudca.server.networking.acls import driver_rule, rules_of
from cloudca.server.networking.models import Network, NetworkAcl

RuleEdit = Callable[[list[AclRule]], list[AclRule]]


async def desired_rules(
    database: Database, network_id: str, acl_id: str | None = None
) -> tuple[str, list[AclRule]] | None:
    """The network's CIDR and the rules of its ACL (of ``acl_id`` instead, when given), or ``None``
    when the network does not exist."""
    async with database.session() as session:
        network = await session.get(Network, network_id, populate_existing=True)
        if network is None:
            return None
        acl = await session.get(NetworkAcl, acl_id or network.network_acl_id)
        rules = await rules_of(session, acl) if acl is not None else []
        return network.cidr, [driver_rule(rule) for rule in rules]


async def apply(driver: ComputeDriver, network_id: str, cidr: str, rules: list[AclRule] | None) -> None:
    await driver.set_network_acl(network_id, cidr, rules)


async def push_network_acl(
    database: Database,
    driver: ComputeDriver,
    network_id: str,
    *,
    acl_id: str | None = None,
    edit: RuleEdit | None = None,
) -> None:
    """Give the driver the network's rules as the database has them (those of ``acl_id`` when the
    network is about to switch to it), changed by ``edit``. Raises ``InternalError`` when refused."""
    current = await desired_rules(database, network_id, acl_id)
    if current is None:
        return
    cidr, rules = current
    await apply(driver, network_id, cidr, edit(rules) if edit is not None else rules)


async def sync_networks(
    database: Database, driver: ComputeDriver, network_ids: Iterable[str], cidr: str = ""
) -> None:
    """Make the driver's filtering of these networks match the database (after a change or a
    failure); a network that is gone loses its filtering (``cidr`` names it for the driver)."""
    for network_id in dict.fromkeys(network_ids):
        current = await desired_rules(database, network_id)
        if current is None:
            await apply(driver, network_id, cidr, None)
        else:
            await apply(driver, network_id, *current)
