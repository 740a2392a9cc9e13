"""Several libvirt hosts as one driver: one ``LibvirtDriver`` per host, each machine routed to its own.

Hosts are registered by configuration (``CLOUDCA_LIBVIRT_HOSTS="name=uri,name=uri"``): a URI per
host (``qemu+ssh://``, ``qemu+tls://``, or a local socket). The control plane places machines (its
capacity counters per host, anti-affinity across hosts); ``create`` goes to ``spec.host_name``'s
driver, and every later call on a machine to the host it lives on, learnt from ``create`` and
``adopt`` and, after a restart in another process, found by asking each host.

A host that does not answer is left out of ``hosts()`` and ``list_machines()`` and named by
``unreachable_hosts()``: the drift monitor marks it ``Down`` (nothing is placed on it) and leaves
its instances' last known state alone, since a silent host says nothing about its machines.

LIMITATIONS: forwards, ACLs and load balancers are nftables rules of the machine cloudca runs on,
applied once (by the first host's driver), so they reach only guests whose bridge is on that
machine; machines' files live under ``state_dir/<host name>`` as that host sees its paths, and
data volumes and snapshots are the first host's files (a volume attached to a machine of another
host must be reachable there at the same path: shared storage).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from cloudca.server.drivers import base
from cloudca.server.drivers.rules import AclRule, LoadBalancer, PortForward

from .driver import LibvirtDriver

log = logging.getLogger("cloudca.drivers.libvirt")


def parse_hosts(text: str) -> dict[str, str]:
    """``"name=uri,name=uri"`` as a mapping; ``ValueError`` names what is wrong."""
    hosts: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, separator, uri = item.partition("=")
        name, uri = name.strip(), uri.strip()
        if not separator or not name or not uri:
            raise ValueError(f"libvirt host {item!r} is not NAME=URI")
        if name in hosts:
            raise ValueError(f"libvirt host {name} is registered twice")
        hosts[name] = uri
    return hosts


class LibvirtHosts(base.ComputeDriver):
    """``LibvirtDriver``s by host name, behind the one interface; see the module's LIMITATIONS."""

    name = "libvirt"
    capabilities = LibvirtDriver.capabilities

    def __init__(self, drivers: Mapping[str, LibvirtDriver]) -> None:
        if not drivers:
            raise ValueError("at least one libvirt host is needed")
        self._drivers = dict(drivers)
        self._where: dict[str, str] = {}
        self._unreachable: set[str] = set()

    def unreachable_hosts(self) -> frozenset[str]:
        return frozenset(self._unreachable)

    def _host(self, name: str) -> LibvirtDriver:
        driver = self._drivers.get(name)
        if driver is None:
            raise base.DriverError(f"no libvirt host {name} is registered")
        return driver

    async def _machine_host(self, instance_id: str) -> LibvirtDriver | None:
        """The driver of the host that has the machine; ``None`` when no host has it. Raises
        ``DriverError`` when a host that may have it does not answer: silence is not absence."""
        known = self._where.get(instance_id)
        if known is not None:
            return self._drivers[known]
        silent = []
        for name, driver in self._drivers.items():
            try:
                power = await driver.power_state(instance_id)
            except base.DriverError:
                silent.append(name)
                continue
            if power is not None:
                self._where[instance_id] = name
                return driver
        if silent:
            raise base.DriverError(f"machine {instance_id}: hosts {', '.join(silent)} do not answer")
        return None

    async def _of(self, instance_id: str) -> LibvirtDriver:
        driver = await self._machine_host(instance_id)
        if driver is None:
            raise base.MachineNotFoundError(f"no libvirt host has machine {instance_id}")
        return driver

    async def _each_reachable(self, call: Callable[[LibvirtDriver], object]) -> list[object]:
        results = []
        for name, driver in self._drivers.items():
            try:
                results.append(await call(driver))  # type: ignore[misc]
            except base.DriverError as exc:
                if name not in self._unreachable:
                    log.warning("libvirt host %s does not answer: %s", name, exc)
                self._unreachable.add(name)
            else:
                self._unreachable.discard(name)
        return results

    async def hosts(self) -> Sequence[base.HostInfo]:
        found = await self._each_reachable(lambda driver: driver.hosts())
        return [host for hosts in found for host in hosts]  # type: ignore[attr-defined]

    async def list_machines(self) -> Sequence[base.MachineReport] | None:
        found = await self._each_reachable(lambda driver: driver.list_machines())
        return [report for reports in found for report in reports]  # type: ignore[attr-defined]

    async def adopt(self, machines: Sequence[base.KnownMachine]) -> None:
        for name, driver in self._drivers.items():
            mine = [machine for machine in machines if machine.host_name == name]
            self._where.update((machine.instance_id, name) for machine in mine)
            try:
                await driver.adopt(mine)
            except base.DriverError as exc:
                log.warning("libvirt host %s does not answer at start: %s", name, exc)
                self._unreachable.add(name)

    async def create(self, spec: base.MachineSpec) -> None:
        await self._host(spec.host_name).create(spec)
        self._where[spec.instance_id] = spec.host_name

    async def start(self, instance_id: str) -> None:
        await (await self._of(instance_id)).start(instance_id)

    async def stop(self, instance_id: str) -> None:
        await (await self._of(instance_id)).stop(instance_id)

    async def reboot(self, instance_id: str) -> None:
        await (await self._of(instance_id)).reboot(instance_id)

    async def destroy(self, instance_id: str) -> None:
        driver = await self._machine_host(instance_id)
        if driver is not None:
            await driver.destroy(instance_id)
        self._where.pop(instance_id, None)

    async def power_state(self, instance_id: str) -> base.PowerState | None:
        driver = await self._machine_host(instance_id)
        return None if driver is None else await driver.power_state(instance_id)

    async def report(self, instance_id: str) -> base.MachineReport | None:
        driver = await self._machine_host(instance_id)
        return None if driver is None else await driver.report(instance_id)

    async def resize(self, instance_id: str, cpu_count: int, memory_mb: int) -> None:
        await (await self._of(instance_id)).resize(instance_id, cpu_count, memory_mb)

    async def set_password(self, instance_id: str, username: str, password: str) -> base.PasswordApplied:
        return await (await self._of(instance_id)).set_password(instance_id, username, password)

    async def set_ssh_key(self, instance_id: str, username: str, public_key: str) -> None:
        await (await self._of(instance_id)).set_ssh_key(instance_id, username, public_key)

    async def set_nics(self, instance_id: str, nics: Sequence[base.NicSpec]) -> None:
        await (await self._of(instance_id)).set_nics(instance_id, nics)

    async def set_disks(self, instance_id: str, disks: Sequence[base.DiskSpec]) -> None:
        await (await self._of(instance_id)).set_disks(instance_id, disks)

    # Volumes and snapshots are files of the first host (see LIMITATIONS).

    async def set_volume(self, volume_id: str, size_gb: int) -> None:
        await self._local().set_volume(volume_id, size_gb)

    async def delete_volume(self, volume_id: str) -> None:
        await self._local().delete_volume(volume_id)

    async def snapshot_volume(self, volume_id: str, snapshot_id: str) -> int:
        return await self._local().snapshot_volume(volume_id, snapshot_id)

    async def revert_volume(self, volume_id: str, snapshot_id: str) -> None:
        await self._local().revert_volume(volume_id, snapshot_id)

    async def delete_snapshot(self, snapshot_id: str) -> None:
        await self._local().delete_snapshot(snapshot_id)

    def _local(self) -> LibvirtDriver:
        # The nftables rules are the local machine's: one driver applies them (see LIMITATIONS).
        return next(iter(self._drivers.values()))

    async def set_port_forwarding(self, public_ip: str, rules: Sequence[PortForward]) -> None:
        await self._local().set_port_forwarding(public_ip, rules)

    async def set_static_nat(self, public_ip: str, private_ip: str | None) -> None:
        await self._local().set_static_nat(public_ip, private_ip)

    async def set_network_acl(self, network_id: str, cidr: str, rules: Sequence[AclRule] | None) -> None:
        await self._local().set_network_acl(network_id, cidr, rules)

    async def set_load_balancing(self, public_ip: str, balancers: Sequence[LoadBalancer]) -> None:
        await self._local().set_load_balancing(public_ip, balancers)

    def watch(self, notify: Callable[[str], None]) -> None:
        for driver in self._drivers.values():
            driver.watch(notify)

    async def open_console(self, instance_id: str) -> base.ConsoleStream:
        return await (await self._of(instance_id)).open_console(instance_id)

    async def close(self) -> None:
        for driver in self._drivers.values():
            await driver.close()
