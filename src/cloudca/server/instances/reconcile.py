"""One instance's desired state on the backend, read from the database, and the one way to push it.

``read`` says what the backend should have for an instance: the power its stable state implies, its
NICs and disks, and the forwards, static NAT and balancers of every public IP that concerns it (its
rules, its static NAT, its balancer memberships, and the IPs a task was to release). ``push`` makes
the driver match a ``Desired``, every part idempotent, so running it again changes nothing.

Every path that changes the backend around an instance goes through them:

- forward, before the database records a change: read the state *as it will be* (``leaving``: the
  instance no longer forwarded to or balanced over, released IPs cleared; minus the volumes a
  destroy deletes) and push it, so a failure leaves the database untouched;
- back, in every undo: ``reconcile`` reads the state the database still holds and pushes all of it,
  restoring whatever the failed task had changed on the backend.

Written against the driver interface only, so it serves every driver. A driver failure propagates
(``ctx.driver`` maps it to the service's error): an undo is then retried with backoff and finally
leaves the instance in ``Error`` (see ``tasks.runner``).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.catalog.models import Template
from cloudca.server.drivers.base import ComputeDriver, DiskSpec, NicSpec, PowerState
from cloudca.server.drivers.rules import LoadBalancer, PortForward
from cloudca.server.instances import states
from cloudca.server.instances.machines import disk_specs, nic_specs
from cloudca.server.instances.models import Instance
from cloudca.server.networking import balancing, forwarding
from cloudca.server.networking.models import Nic, PortForwardingRule, PublicIp
from cloudca.server.placement.models import HOST_UP, Host
from cloudca.server.tasks.handlers import TaskContext

log = logging.getLogger("cloudca.reconcile")

#: The power a stable state asks of the machine (other states leave it as it is).
_POWER = {
    states.RUNNING: PowerState.RUNNING,
    states.STOPPED: PowerState.STOPPED,
    states.DESTROYED: PowerState.STOPPED,
}


class Part(enum.Flag):
    """The parts of a desired state: an undo or a pass reads and pushes only those it owns."""

    POWER = enum.auto()
    NICS = enum.auto()
    DISKS = enum.auto()
    #: The forwards, static NAT and balancers of the public IPs that concern the instance.
    ADDRESSES = enum.auto()
    MACHINE = POWER | NICS | DISKS
    ALL = MACHINE | ADDRESSES


@dataclass(frozen=True)
class AddressRules:
    """Everything the backend does with one public IP: its forwards, static NAT and balancers."""

    address: str
    forwards: tuple[PortForward, ...] = ()
    static_nat: str | None = None
    balancers: tuple[LoadBalancer, ...] = ()


@dataclass(frozen=True)
class Desired:
    """What the backend should have for one instance; ``None`` parts are left as they are."""

    power: PowerState | None = None
    nics: tuple[NicSpec, ...] | None = None
    disks: tuple[DiskSpec, ...] | None = None
    addresses: tuple[AddressRules, ...] = ()

    def without_volumes(self, volume_ids: Iterable[str]) -> Desired:
        """The same, minus these volumes' disks (a destroy that deletes them)."""
        gone = set(volume_ids)
        if not gone or self.disks is None:
            return self
        return replace(self, disks=tuple(disk for disk in self.disks if disk.volume_id not in gone))


async def read(
    session: AsyncSession,
    instance_id: str,
    *,
    released_ip_ids: Sequence[str] = (),
    leaving: bool = False,
    parts: Part = Part.ALL,
) -> Desired | None:
    """The instance's desired state as the database has it (``None``: no such instance).

    ``leaving``: as it will be once the instance is destroyed or moved (stopped, no forward, static
    NAT or balancer to it, ``released_ip_ids`` cleared). Without it, ``released_ip_ids`` (those a
    failed task was to release) get back what the database still holds for them. Only ``parts``
    are read; the others stay ``None`` (left as they are)."""
    instance = await session.get(Instance, instance_id)
    if instance is None:
        return None
    desired = Desired()
    if Part.ADDRESSES in parts:
        addresses = await _addresses(session, instance_id, released_ip_ids, leaving=leaving)
        desired = replace(desired, addresses=addresses)
    if Part.POWER in parts:
        power = PowerState.STOPPED if leaving else _POWER.get(instance.stable_state)
        desired = replace(desired, power=power)
    if Part.NICS in parts:
        desired = replace(desired, nics=await nic_specs(session, instance_id))
    if Part.DISKS in parts:
        template = await session.get(Template, instance.template_id)
        if template is not None:
            desired = replace(desired, disks=await disk_specs(session, instance_id, template))
    return desired


async def _addresses(
    session: AsyncSession, instance_id: str, released_ip_ids: Sequence[str], *, leaving: bool
) -> tuple[AddressRules, ...]:
    forwarded = select(PortForwardingRule.public_ip_id).where(PortForwardingRule.instance_id == instance_id)
    natted = (
        select(PublicIp.id)
        .join(Nic, Nic.id == PublicIp.static_nat_nic_id)
        .where(Nic.instance_id == instance_id)
    )
    ip_ids = {*(await session.execute(forwarded)).scalars(), *(await session.execute(natted)).scalars()}
    ip_ids |= set(await balancing.balanced_ips(session, instance_id))
    ip_ids |= set(released_ip_ids)
    own_rules: set[str] = set()
    if leaving:
        rules = select(PortForwardingRule.id).where(PortForwardingRule.instance_id == instance_id)
        own_rules = set((await session.execute(rules)).scalars())
    result = []
    for ip_id in sorted(ip_ids):
        current = await forwarding.forwards_of(session, ip_id)
        if current is None:
            continue  # gone already: nothing left to say about it
        address, forwards = current
        if leaving and ip_id in released_ip_ids:
            result.append(AddressRules(address))
            continue
        balanced = await balancing.balancers_of(
            session, ip_id, without_instance=instance_id if leaving else None
        )
        result.append(
            AddressRules(
                address,
                tuple(rule for rule in forwards if rule.rule_id not in own_rules),
                # An IP is the static NAT of one private IP or has rules, never both: a held IP's
                # static NAT is the instance's.
                None if leaving else await forwarding.static_nat_of(session, ip_id),
                tuple(balanced[1]) if balanced is not None else (),
            )
        )
    return tuple(result)


async def push(driver: ComputeDriver, instance_id: str, desired: Desired) -> None:
    """Make the backend match ``desired``. Stops before, and starts after, the hardware changes (no
    hot-plug needed either way); the public IPs last, once their targets are in place. A machine the
    backend does not have gets nothing (its truth is ``Error``); its public IPs still do."""
    if desired.power is not None or desired.nics is not None or desired.disks is not None:
        power = await driver.power_state(instance_id)
        if power is not None:
            if desired.power is PowerState.STOPPED and power is PowerState.RUNNING:
                await driver.stop(instance_id)
            if desired.nics is not None:
                await driver.set_nics(instance_id, desired.nics)
            if desired.disks is not None:
                await driver.set_disks(instance_id, desired.disks)
            if desired.power is PowerState.RUNNING and power is PowerState.STOPPED:
                await driver.start(instance_id)
    for rules in desired.addresses:
        await driver.set_port_forwarding(rules.address, rules.forwards)
        await driver.set_static_nat(rules.address, rules.static_nat)
        await driver.set_load_balancing(rules.address, rules.balancers)


async def reconcile(
    ctx: TaskContext, instance_id: str, released_ip_ids: Sequence[str] = (), parts: Part = Part.ALL
) -> None:
    """Push the database's whole desired state of the instance, with the public IPs a failed
    task was to release (``released_ip_ids``: the database still holds their rules); or only
    ``parts`` of it (a volume's undo owns the disks, a NIC's the NICs). Idempotent."""
    async with ctx.database.session() as session:
        desired = await read(session, instance_id, released_ip_ids=released_ip_ids, parts=parts)
        silent = await silent_host(session, instance_id)
    if desired is not None and silent is not None:
        # Its host does not answer: there is no machine to restore from here, and the instance
        # keeps its last known state (``hostDown``); drift looks at it again once the host answers.
        log.warning(
            "reconcile: host %s does not answer; instance %s's machine left as it is", silent, instance_id
        )
        desired = replace(desired, power=None, nics=None, disks=None)
    if desired is not None:
        await push(ctx.driver, instance_id, desired)


async def silent_host(session: AsyncSession, instance_id: str) -> str | None:
    """The name of the instance's host when it is marked ``Down``, else ``None``."""
    query = (
        select(Host.name)
        .join(Instance, Instance.host_id == Host.id)
        .where(Instance.id == instance_id, Host.state != HOST_UP)
    )
    return (await session.execute(query)).scalar_one_or_none()
