"""At start, give a driver that applies network rules on its host everything the database says
they are: every public IP's forwards (with its static NAT) and balancers, every network's ACL.

A host keeps its rules in the kernel, which forgets them at a reboot (or an ``nft flush
ruleset``); until this pass, each rule would come back only at its next change. The driver's
``set_*`` methods replace an object's rules whole, and a driver that applies them leaves the
kernel alone where it already holds exactly that (the libvirt driver compares fingerprints), so
the pass restores what is missing or different and never rewrites a live, correct rule.

It runs before this process's task runner starts, so none of its own tasks is half-way. A task of
another process (several servers on one database and host) that has pushed a change but not yet
recorded it can be undone by this pass until that rule's next change: the same window a failed
task's resync has, accepted rather than locking every task against a start.

A driver that only records rules (the simulator) is not asked: nothing of its host is lost, and a
fault plan's injected failures stay for the tasks they were written for. One object's refusal is
logged and the pass goes on: a start never fails because one rule cannot be applied.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.drivers.guard import GuardedDriver
from cloudca.server.errors import InternalError
from cloudca.server.networking import balancing, filtering, forwarding
from cloudca.server.networking.models import Network, PublicIp

log = logging.getLogger("cloudca.networking.restore")


def applies_rules(driver: ComputeDriver) -> bool:
    capabilities = driver.capabilities
    return capabilities.forwards_ports or capabilities.enforces_network_acls or capabilities.balances_load


async def restore_rules(database: Database, driver: ComputeDriver) -> int:
    """Push every public IP's and network's rules to ``driver``; the number of objects it refused."""
    if not applies_rules(driver):
        return 0
    driver = GuardedDriver(driver)  # no task, so no lease: only the mapping of backend errors
    async with database.session() as session:
        ip_ids = list((await session.execute(select(PublicIp.id).order_by(PublicIp.id))).scalars())
        network_ids = list((await session.execute(select(Network.id).order_by(Network.id))).scalars())
    refused = 0
    for ip_id in ip_ids:
        try:
            await forwarding.push_forwards(database, driver, ip_id)
            await balancing.push_balancers(database, driver, ip_id)
        except InternalError as exc:
            refused += 1
            log.warning("public IP %s: its rules could not be restored: %s", ip_id, exc.message)
    for network_id in network_ids:
        try:
            await filtering.sync_networks(database, driver, [network_id])
        except InternalError as exc:
            refused += 1
            log.warning("network %s: its ACL could not be restored: %s", network_id, exc.message)
    log.info(
        "network rules restored on the %s driver: %d public IPs, %d networks, %d refused",
        driver.name,
        len(ip_ids),
        len(network_ids),
        refused,
    )
    return refused
